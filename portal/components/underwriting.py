"""Stateless pieces of the underwriting pages: the queue, the stage tracker, the facts an
underwriter reads, the action forms and the funding panel. Each takes the page State's vars and
handlers as arguments."""
import reflex as rx

from portal.components.layout import card, table

MUTED = "#4a5568"  # 7.5:1 on white
STAGE_COLORS = (("underwriting", "orange"), ("funding", "green"), ("signature", "amber"),
                ("offer", "blue"), ("booked", "grass"), ("declined", "red"))
RESULT_COLORS = (("fired", "orange"), ("passed", "green"), ("failed", "red"),
                 ("error", "red"), ("not fired", "gray"), ("not evaluated", "gray"))
CONDITION_COLORS = (("open", "orange"), ("cleared", "green"), ("waived", "gray"))
DISBURSEMENT_COLORS = (("pending", "amber"), ("sent", "blue"), ("settled", "green"),
                       ("failed", "red"))
CONDITION_ACTIONS = [("clear", "Clear: document received and checked"),
                     ("waive", "Waive: not needed")]


def choice(label: str, id_: str, name: str, options, **props) -> rx.Component:
    """A labelled native <select> whose form name differs from its id."""
    return rx.flex(
        rx.el.label(label, html_for=id_, style={"fontWeight": 500}),
        rx.el.select(
            rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0]))
            if isinstance(options, rx.Var)
            else [rx.el.option(text, value=value) for value, text in options],
            id=id_, name=name, custom_attrs={"aria-describedby": id_ + "-error"},
            style={"padding": "0.6em", "borderRadius": "6px", "border": "1px solid #718096",
                   "background": "white", "fontSize": "1rem", "width": "100%"},
            **props),
        direction="column", spacing="1", width="100%")


def section(title: str, *children, id: str, **props) -> rx.Component:
    return card(rx.heading(title, size="4", as_="h2", margin_bottom="0.5em"), *children,
                id=id, **props)


def stage_badge(stage, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(stage, *STAGE_COLORS, "violet"),
                    variant="soft", size="2", high_contrast=True)


# ---- queue ---------------------------------------------------------------------------------

def queue_filter(choices, value, on_change, shown, total) -> rx.Component:
    return rx.flex(
        rx.box(choice("Stage", "stage-filter", "stage", choices, value=value,
                      on_change=on_change), min_width="14rem"),
        rx.text(shown, " of ", total, " applications shown", size="2", color=MUTED,
                role="status", id="queue-count"),
        spacing="3", align="end", wrap="wrap")


def queue_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link("#" + r["id"], href=r["href"],
                                         aria_label="Open application " + r["id"],
                                         weight="bold")),
        rx.table.cell(rx.link(r["applicant"], href=r["href"])),
        rx.table.cell(r["product"]),
        rx.table.cell(r["amount"], text_align="right", white_space="nowrap"),
        rx.table.cell(r["term"], text_align="right"),
        rx.table.cell(r["channel"]),
        rx.table.cell(stage_badge(r["stage"], r["stage_label"])),
        rx.table.cell(r["reasons"], min_width="9rem"),
        rx.table.cell(r["waiting_since"], white_space="nowrap"),
        rx.table.cell(rx.cond(r["open_conditions"] == "0", rx.text("0", color=MUTED),
                              rx.badge(r["open_conditions"], color_scheme="orange")),
                      text_align="right"),
    )


def queue_card(r) -> rx.Component:
    """One application of the queue on a phone (the table needs a wider screen)."""
    return rx.el.li(card(
        rx.flex(rx.link("#" + r["id"] + " · " + r["applicant"], href=r["href"], weight="bold"),
                stage_badge(r["stage"], r["stage_label"]), spacing="2", align="center",
                justify="between", wrap="wrap"),
        rx.text(r["product"], " · ", r["amount"], " over ", r["term"], " · ", r["channel"],
                size="2"),
        rx.text(r["reasons"], size="2"),
        rx.text("Waiting since ", r["waiting_since"], " · open conditions: ",
                r["open_conditions"], size="1", color=MUTED)), style={"marginBottom": "0.5em"})


def queue_table(rows) -> rx.Component:
    return rx.box(rx.cond(
        rows.length() > 0,
        rx.fragment(
            rx.box(table(["ID", "Applicant", "Product", "Amount", "Term", "Channel", "Stage",
                          "Reasons", "Waiting since", "Open conditions"], rows, queue_row,
                         "Applications waiting for underwriting or funding"),
                   display=rx.breakpoints(initial="none", sm="block")),
            rx.el.ul(rx.foreach(rows, queue_card), id="queue-cards",
                     style={"listStyle": "none", "padding": 0, "margin": 0},
                     display=rx.breakpoints(initial="block", sm="none"))),
        card(rx.text("Nothing is waiting at this stage.", id="queue-empty"))), id="queue",
        width="100%")


# ---- application: reading --------------------------------------------------------------------

def stage_step(p) -> rx.Component:
    color = rx.match(p["state"], ("done", "#2f855a"), ("current", "#1d3557"), "#718096")
    return rx.el.li(
        rx.flex(
            rx.flex(rx.match(p["state"], ("done", rx.icon("check", size=16)),
                             ("skipped", rx.icon("minus", size=16)), rx.text(p["number"])),
                    align="center", justify="center", width="2em", height="2em",
                    border_radius="50%", flex_shrink="0", font_weight="bold",
                    color=rx.cond(p["state"] == "current", "white", color),
                    background=rx.match(p["state"], ("done", "#c6f6d5"),
                                        ("current", "#1d3557"), "white"),
                    border=rx.match(p["state"], ("skipped", "2px dashed #718096"),
                                    ("done", "2px solid #2f855a"),
                                    ("current", "2px solid #1d3557"), "2px solid #718096")),
            rx.flex(
                rx.text(p["name"], weight=rx.cond(p["state"] == "current", "bold", "medium"),
                        color=rx.cond(p["state"] == "skipped", "#4a5568", "#1a202c"),
                        text_decoration=rx.cond(p["state"] == "skipped", "line-through",
                                                "none")),
                rx.text(p["state_label"], " · ", p["actors"], size="1", color=MUTED),
                direction="column"),
            spacing="2", align="center"),
        custom_attrs={"aria-current": rx.cond(p["state"] == "current", "step", "false"),
                      "data-state": p["state"]},
        style={"flex": "1 1 8.5rem", "padding": "0.5em", "borderRadius": "8px",
               "background": rx.cond(p["state"] == "current", "#e8eef7", "transparent")},
    )


def stage_tracker(progress) -> rx.Component:
    return rx.el.nav(
        rx.el.ol(rx.foreach(progress, stage_step),
                 style={"display": "flex", "flexWrap": "wrap", "gap": "0.25em",
                        "listStyle": "none", "margin": 0, "padding": 0}),
        aria_label="Stages of this application", id="stage-tracker",
        style={"background": "white", "borderRadius": "8px", "padding": "0.5em",
               "border": "1px solid #e2e8f0"})


def facts(rows, label: str) -> rx.Component:
    return rx.data_list.root(
        rx.foreach(rows, lambda r: rx.data_list.item(
            rx.data_list.label(r["label"], min_width="9rem", color=MUTED),
            rx.data_list.value(r["value"]))),
        orientation=rx.breakpoints(initial="vertical", xs="horizontal"), size="2",
        aria_label=label)


def flag_callouts(flags) -> rx.Component:
    return rx.flex(
        rx.cond(flags["thin"] != "", rx.callout(
            "Thin credit file: no score, decide on income and employment.",
            icon="info", color_scheme="orange", size="1", high_contrast=True)),
        rx.cond(flags["fraud"] != "", rx.callout(
            "The bureau raised a fraud flag.", icon="triangle_alert", color_scheme="red",
            size="1", high_contrast=True)),
        rx.cond(flags["kyc"] != "", rx.callout(
            "Identity (KYC) not passed: verify it with an ID document before funding.",
            icon="triangle_alert", color_scheme="red", size="1", high_contrast=True)),
        direction="column", spacing="2", margin_bottom="0.75em")


def bureau_card(rows, flags) -> rx.Component:
    return section("Credit bureau", flag_callouts(flags), rx.cond(
        rows.length() > 0, facts(rows, "Bureau report"),
        rx.text("No bureau report on file (applied through the portal's simple path).")),
        id="bureau")


def rule_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(r["name"], weight="medium"),
                                 rx.text(r["group"], " · ", r["rule"], size="1", color=MUTED)),
        rx.table.cell(rx.code(r["condition"], variant="ghost")),
        rx.table.cell(r["outcome"]),
        rx.table.cell(rx.badge(r["result"], color_scheme=rx.match(r["result"], *RESULT_COLORS,
                                                                  "gray"), high_contrast=True)),
        rx.table.cell(r["detail"]))


def decision_card(summary, reasons, rules) -> rx.Component:
    return section(
        "Decision",
        rx.flex(
            rx.text("Automatic outcome: ", rx.text.strong(summary["decision_outcome"]),
                    " by ", summary["ruleset"]),
            rx.cond(summary["tier"] != "", rx.text("Pricing tier: ", summary["tier"])),
            rx.cond(summary["adverse"] != "", rx.text("Adverse action: ", summary["adverse"])),
            rx.cond(summary["underwriter"] != "",
                    rx.text("Underwritten by ", summary["underwriter"])),
            direction="column", spacing="1"),
        rx.heading("Reasons", size="3", as_="h3", margin_top="0.75em"),
        rx.cond(reasons.length() > 0,
                rx.el.ul(rx.foreach(reasons, lambda t: rx.el.li(t)),
                         style={"paddingLeft": "1.25em", "margin": "0.25em 0"}),
                rx.text("None recorded.", color=MUTED)),
        rx.heading("Rule results", size="3", as_="h3", margin_top="0.75em"),
        rx.box(table(["Rule", "Condition", "Outcome", "Result", "Detail"], rules, rule_row,
                     "Rule results"), id="rules"),
        id="decision")


def document_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(r["kind"]),
        rx.table.cell(rx.link(r["filename"], href=r["href"], reload_document=True,
                              download="", aria_label="Download " + r["filename"],
                              underline="always")),
        rx.table.cell(r["type"], " · ", r["size"], white_space="nowrap"),
        rx.table.cell(r["uploaded"], rx.text(r["uploaded_by"], size="1", color=MUTED)))


def documents_card(rows) -> rx.Component:
    return section("Documents", rx.cond(
        rows.length() > 0,
        table(["Kind", "File", "Type", "Uploaded"], rows, document_row, "Documents"),
        rx.text("No documents yet.", color=MUTED)), id="documents")


def condition_item(c, on_submit, can_act) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.badge(c["status"], color_scheme=rx.match(c["status"], *CONDITION_COLORS,
                                                        "gray"), high_contrast=True),
            rx.text(rx.text.strong(c["what"]), ": ", c["note"], flex="1", min_width="0"),
            spacing="2", align="start"),
        rx.text("Opened by ", c["opened"], rx.cond(c["settled"] != "", "; " + c["settled"], ""),
                size="1", color=MUTED),
        rx.cond((c["status"] == "open") & can_act, rx.form(
            rx.el.input(type="hidden", name="condition_id", value=c["id"]),
            rx.flex(
                rx.box(choice("What to record", "condition-action-" + c["id"],
                              "condition_action", CONDITION_ACTIONS),
                       flex="1 1 12rem"),
                rx.flex(rx.el.label("Reason", html_for="condition-reason-" + c["id"],
                                    style={"fontWeight": 500}),
                        rx.input(id="condition-reason-" + c["id"], name="reason",
                                 placeholder="Pay stub matches the declared income",
                                 size="3"),
                        direction="column", spacing="1", flex="2 1 14rem"),
                rx.button("Record", type="submit", size="3",
                          aria_label="Record for condition " + c["id"]),
                spacing="2", align="end", wrap="wrap", margin_top="0.5em"),
            on_submit=on_submit, reset_on_submit=True)),
        padding_y="0.6em", border_bottom="1px solid #e2e8f0", id="condition-" + c["id"])


def conditions_card(rows, on_submit, can_act, error, notice) -> rx.Component:
    return section(
        "Conditions",
        rx.text("Funding waits until every condition is cleared or waived.", size="2",
                color=MUTED),
        message(error, notice),
        rx.cond(rows.length() > 0,
                rx.box(rx.foreach(rows, lambda c: condition_item(c, on_submit, can_act))),
                rx.text("No conditions.", color=MUTED, margin_top="0.5em")),
        id="conditions")


def history_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["at"], min_width="6.5rem"),
        rx.table.cell(r["actor"], min_width="10rem", overflow_wrap="anywhere"),
        rx.table.cell(rx.code(r["action"], variant="ghost"),
                      rx.text(r["entity"], size="1", color=MUTED), min_width="14rem"),
        rx.table.cell(r["changes"],
                      rx.cond(r["reason"] != "",
                              rx.text("Reason: ", r["reason"], size="1", color=MUTED)),
                      min_width="14rem"))


def history_card(rows) -> rx.Component:
    return section("History", rx.text("The audit trail of this application and its documents, "
                                      "newest first.", size="2", color=MUTED),
                   table(["When", "Who", "What", "Changes and reason"], rows, history_row,
                         "Audit history of this application"), id="history")


# ---- application: acting ---------------------------------------------------------------------

def message(error, notice) -> rx.Component:
    return rx.fragment(
        rx.cond(error != "", rx.callout(error, color_scheme="red", role="alert", size="1",
                                        icon="triangle_alert", margin_y="0.5em")),
        rx.cond(notice != "", rx.callout(notice, color_scheme="green", role="status",
                                         size="1", icon="check", margin_y="0.5em")))


def field_id(key: str) -> str:
    """'decline.adverse_action_code' -> 'decline-adverse-action-code' (its error: + '-error')."""
    return key.replace(".", "-").replace("_", "-")


def error_text(errors, key: str) -> rx.Component:
    return rx.cond(errors[key] != "", rx.text(errors[key], color="#b91c1c", size="2",
                                              id=field_id(key) + "-error"))


def input_field(label: str, key: str, errors, hint: str = "", area: bool = False,
                **props) -> rx.Component:
    """A labelled input whose error (from `errors[key]`, 'form.field') shows under it."""
    name = key.split(".", 1)[1]
    id_ = field_id(key)
    attrs = {"aria-describedby": id_ + "-error", "aria-invalid": rx.cond(
        errors[key] != "", "true", "false")}
    control = rx.text_area(id=id_, name=name, rows="2", custom_attrs=attrs, size="3",
                           **props) if area else \
        rx.input(id=id_, name=name, custom_attrs=attrs, size="3", **props)
    return rx.flex(
        rx.el.label(label, html_for=id_, style={"fontWeight": 500}), control,
        rx.cond(hint != "", rx.text(hint, size="1", color=MUTED)),
        error_text(errors, key),
        direction="column", spacing="1", width="100%")


def approve_form(on_submit, summary, errors) -> rx.Component:
    return rx.form(rx.flex(
        rx.text("Leave amount and term empty to approve the terms as requested. Changed terms "
                "must stay within the product's ranges; the installment is recalculated.",
                size="2", color=MUTED),
        input_field("New amount (optional)", "approve.amount", errors,
                    placeholder=summary["amount"], input_mode="decimal"),
        input_field("New number of payments (optional)", "approve.term", errors,
                    placeholder=summary["term"], input_mode="numeric"),
        input_field("Reason for the approval", "approve.reason", errors, area=True,
                    placeholder="Stable employment for 3 years; income covers the payment"),
        rx.button("Approve", type="submit", size="3", color_scheme="green"),
        direction="column", spacing="3"), on_submit=on_submit)


def decline_form(on_submit, codes, errors) -> rx.Component:
    return rx.form(rx.flex(
        rx.flex(choice("Adverse action reason", "decline-adverse-action-code", "adverse_action_code",
                       codes),
                error_text(errors, "decline.adverse_action_code"), direction="column",
                spacing="1"),
        input_field("Reason for the decline", "decline.reason", errors, area=True,
                    placeholder="Debt obligations too high for the income shown"),
        rx.button("Decline application", type="submit", size="3", color_scheme="red"),
        direction="column", spacing="3"), on_submit=on_submit)


def request_form(on_submit, kinds, errors) -> rx.Component:
    return rx.form(rx.flex(
        rx.el.fieldset(
            rx.el.legend("Documents needed", style={"fontWeight": 500,
                                                    "marginBottom": "0.25em"}),
            rx.flex(rx.foreach(kinds, lambda k: rx.el.label(
                rx.el.input(type="checkbox", name="kind_" + k[0], id="kind-" + k[0],
                            style={"width": "1.1em", "height": "1.1em"}),
                k[1], style={"display": "flex", "gap": "0.5em", "alignItems": "center",
                             "padding": "0.25em 0", "cursor": "pointer"})),
                direction="column"),
            error_text(errors, "request.kinds"),
            style={"border": "1px solid #cbd5e0", "borderRadius": "6px",
                   "padding": "0.5em 0.75em", "margin": 0}),
        input_field("Note to the borrower", "request.note", errors, area=True,
                    placeholder="Your latest pay stub, showing your name and employer"),
        rx.button("Request documents", type="submit", size="3"),
        direction="column", spacing="3"), on_submit=on_submit, reset_on_submit=False)


def verify_form(on_submit, errors) -> rx.Component:
    return rx.form(rx.flex(
        rx.text("Record a manual identity check. An ID document must be on file; a signed "
                "application held for KYC then moves on to funding.", size="2", color=MUTED),
        input_field("How the identity was checked", "verify.reason", errors, area=True,
                    placeholder="Driver licence matches name, date of birth and address"),
        rx.button("Verify identity", type="submit", size="3"),
        direction="column", spacing="3"), on_submit=on_submit)


def complete_form(on_submit, stage_name, errors) -> rx.Component:
    return rx.form(rx.flex(
        rx.text("Complete the ", rx.text.strong(stage_name), " stage; the application moves "
                "to the next stage its workflow gives it.", size="2", color=MUTED),
        input_field("Reason", "complete.reason", errors, area=True,
                    placeholder="Income verified with the employer"),
        rx.button("Complete stage", type="submit", size="3"),
        direction="column", spacing="3"), on_submit=on_submit)


def check_item(c) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.cond(c["passed"] == "yes",
                    rx.icon("circle_check", color="#2f855a", size=20, aria_hidden="true"),
                    rx.icon("circle_x", color="#c53030", size=20, aria_hidden="true")),
            rx.flex(rx.text(c["name"], weight="medium"),
                    rx.text(rx.cond(c["passed"] == "yes", "Passed: ", "Not met: "),
                            c["detail"], size="1", color=MUTED), direction="column"),
            spacing="2", align="start"),
        style={"padding": "0.35em 0"})


def funding_panel(s) -> rx.Component:
    """`s` is the page State class (many of its vars are read here)."""
    return section(
        "Funding",
        rx.cond(s.loan_number != "", booked_part(s), rx.fragment(
            rx.heading("Pre-funding checks", size="3", as_="h3"),
            rx.el.ul(rx.foreach(s.checks, check_item),
                     style={"listStyle": "none", "padding": 0, "margin": "0.25em 0"},
                     aria_label="Pre-funding checks"),
            rx.heading("Approvals", size="3", as_="h3", margin_top="0.5em"),
            rx.text(s.approval_count, " of ", s.approvers_needed, " approvals",
                    rx.cond(s.approvers != "", ": " + s.approvers, ""), id="funding-approvals"),
            rx.text("Approval levels: ", s.approval_levels,
                    ". Each approver is a different person; the underwriter who set the "
                    "terms cannot release a loan that needs two.", size="1", color=MUTED),
            message(s.msg["funding"], s.note["funding"]),
            rx.cond(s.can_fund, rx.form(rx.flex(
                input_field("Note (optional)", "fund.note", s.errors,
                            placeholder="Checked bank details"),
                rx.button("Approve funding", type="submit", size="3", color_scheme="green",
                          disabled=~s.checks_passed),
                rx.cond(~s.checks_passed, rx.text(
                    "Funding can be approved once every check passes.", size="2",
                    color=MUTED)),
                direction="column", spacing="2"), on_submit=s.approve_funding,
                reset_on_submit=True),
                rx.cond(s.summary["stage"] == "signature", rx.text(
                    "Signed but held at the signature stage: resolve the checks not met "
                    "(for KYC, verify identity) and it moves to funding.", size="2"))),
            rx.cond(s.can_fund & s.stale_disclosure, redisclose_form(s)),
        )),
        id="funding")


def redisclose_form(s) -> rx.Component:
    """Funding would book terms the borrower was not disclosed: send a new agreement."""
    return rx.form(rx.flex(
        rx.text("The signed agreement's APR no longer holds for funding today. Send a new "
                "agreement dated today; the borrower signs it, then funding resumes.",
                size="2"),
        input_field("Reason for the new agreement", "redisclose.reason", s.errors,
                    placeholder="Funding moved to this week"),
        rx.button("Send a new agreement", type="submit", size="3", variant="outline"),
        direction="column", spacing="2", margin_top="0.75em"), on_submit=s.redisclose,
        reset_on_submit=True,
        id="redisclose")


def booked_part(s) -> rx.Component:
    return rx.flex(
        rx.callout(rx.text("Booked as loan ", rx.link(s.loan_number,
                                                       href="/servicing/" + s.loan_number,
                                                       weight="bold", id="loan-link"),
                           "."), icon="check", color_scheme="green"),
        rx.heading("Disbursement", size="3", as_="h3"),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("Payee"),
                              rx.data_list.value(s.disbursement["payee"])),
            rx.data_list.item(rx.data_list.label("Amount"),
                              rx.data_list.value(s.disbursement["amount"])),
            rx.data_list.item(rx.data_list.label("Method / reference"),
                              rx.data_list.value(s.disbursement["method"], " · ",
                                                 s.disbursement["reference"])),
            rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(rx.badge(
                s.disbursement["status"], color_scheme=rx.match(
                    s.disbursement["status"], *DISBURSEMENT_COLORS, "gray"),
                high_contrast=True, id="disbursement-status"))),
            rx.data_list.item(rx.data_list.label("Updated"),
                              rx.data_list.value(s.disbursement["updated"])),
            size="2"),
        message(s.msg["disbursement"], s.note["disbursement"]),
        rx.cond(s.can_track, rx.form(rx.flex(
            rx.box(choice("Mark the transfer as", "disbursement-status-select", "status",
                          s.disbursement_choices), flex="1 1 10rem"),
            rx.flex(rx.el.label("Bank reference (optional)", html_for="disbursement-ref",
                                style={"fontWeight": 500}),
                    rx.input(id="disbursement-ref", name="reference", size="3",
                             placeholder="ACH trace number"),
                    direction="column", spacing="1", flex="1 1 10rem"),
            rx.button("Update disbursement", type="submit", size="3"),
            spacing="2", align="end", wrap="wrap"), on_submit=s.update_disbursement,
            reset_on_submit=True)),
        direction="column", spacing="2")
