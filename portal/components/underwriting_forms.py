"""Stateless pieces of the underwriting pages, part three: what an underwriter does (the action
tabs with the decision forms, and the funding panel with its re-disclosure and the booked loan)."""
import reflex as rx

from portal import underwriting_view as view
from portal.components.underwriting import MUTED, choice, message, section

DISBURSEMENT_COLORS = (("pending", "amber"), ("sent", "blue"), ("settled", "green"),
                       ("failed", "red"))


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


def actions_card(s) -> rx.Component:
    """The open actions as tabs (`s`: the page's State class, as for funding_panel)."""

    def trigger(value, text, show):
        return rx.cond(show, rx.tabs.trigger(text, value=value))

    def content(value, body):
        return rx.tabs.content(body, value=value, padding_top="0.75em")

    return section(
        "Actions",
        rx.cond(s.tab == "", rx.text("No actions are open at this stage.", color="#4a5568"),
                rx.fragment(
                    rx.tabs.root(
                        rx.tabs.list(
                            trigger("approve", "Approve", s.can_underwrite),
                            trigger("complete", "Complete stage", s.can_complete),
                            trigger("request", "Request documents", s.can_act),
                            trigger("verify", "Verify identity", s.can_verify),
                            trigger("decline", "Decline", s.can_act),
                            wrap="wrap", aria_label="Actions"),
                        content("approve", approve_form(s.approve, s.summary, s.errors)),
                        content("complete", complete_form(s.complete_stage,
                                                          s.summary["stage_name"], s.errors)),
                        content("request", request_form(s.request_documents,
                                                        view.DOCUMENT_CHOICES, s.errors)),
                        content("verify", verify_form(s.verify_identity, s.errors)),
                        content("decline", decline_form(s.decline, view.ADVERSE_CHOICES,
                                                        s.errors)),
                        value=s.tab, on_change=s.set_tab)),
                ),
        rx.cond(s.msg["actions"] != "", rx.callout(
            s.msg["actions"], color_scheme="red", role="alert", icon="triangle_alert",
            margin_top="0.75em", id="action-error")),
        rx.cond(s.note["actions"] != "", rx.callout(
            s.note["actions"], color_scheme="green", role="status", icon="check",
            margin_top="0.75em", id="action-notice")),
        id="actions")


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
