"""Stateless pieces of the underwriting pages, part two: what an underwriter reads about an
application (stage tracker, facts, bureau, decision and rules, documents, conditions, history)."""
import reflex as rx

from portal.components.underwriting import MUTED, choice, message, section
from ui.components import table

RESULT_COLORS = (("fired", "orange"), ("passed", "green"), ("failed", "red"),
                 ("error", "red"), ("not fired", "gray"), ("not evaluated", "gray"))
CONDITION_COLORS = (("open", "orange"), ("cleared", "green"), ("waived", "gray"))
CONDITION_ACTIONS = [("clear", "Clear: document received and checked"),
                     ("waive", "Waive: not needed")]


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
