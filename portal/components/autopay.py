"""Stateless pieces of the autopay page: the enrolment as it stands, and the pause and cancel
forms. The page State supplies values, errors and handlers."""
import reflex as rx

from portal.components.dealer import HINT_COLOR, checked_field, checked_select
from ui.components import card

ENROLMENT_COLORS = {"active": "green", "paused": "amber", "cancelled": "gray",
                    "disabled": "red"}
CANCEL_REASONS = [("", "Choose a reason"), ("I will pay in the portal", "I will pay in the portal"),
                  ("I am changing banks", "I am changing banks"),
                  ("I will pay another way", "I will pay another way (cheque, in person)"),
                  ("Other", "Other")]


def enrolment_facts(e) -> rx.Component:
    def fact(label, key):
        return rx.data_list.item(rx.data_list.label(label),
                                 rx.data_list.value(e[key], id=f"autopay-{key}"))
    return rx.data_list.root(
        rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(rx.badge(
            e["status_label"], color_scheme=rx.match(e["status"], *ENROLMENT_COLORS.items(),
                                                     "gray"),
            variant="soft", high_contrast=True, size="2", id="autopay-status"))),
        fact("Paid from", "instrument"), fact("Draft day", "draft_day"),
        fact("Amount", "amount"),
        rx.cond(e["paused_until"] != "", fact("Paused until", "paused_until")),
        fact("Version", "version"),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"))


def enrolment_card(e, actions) -> rx.Component:
    return card(
        rx.heading("Your autopay", size="5", as_="h2", margin_bottom="0.5em"),
        enrolment_facts(e),
        rx.cond((e["status"] == "paused") & (e["paused_until"] == ""),
                rx.text("Paused until you resume it. Installments due meanwhile are not drafted: "
                        "pay them with Pay now.", size="2", color=HINT_COLOR,
                        margin_top="0.5em")),
        rx.el.details(rx.el.summary("The authorization you accepted",
                                    style={"cursor": "pointer", "fontWeight": 500}),
                      rx.text(e["mandate"], size="2", margin_top="0.5em"),
                      style={"marginTop": "0.8em"}),
        actions, id="autopay-enrolment")


def enrolment_actions(paused, on_change, on_pause, on_resume, on_cancel) -> rx.Component:
    return rx.flex(
        rx.button("Change", on_click=on_change, size="3"),
        rx.cond(paused, rx.button("Resume autopay", on_click=on_resume, size="3",
                                  variant="outline"),
                rx.button("Pause", on_click=on_pause, size="3", variant="outline")),
        rx.button("Cancel autopay", on_click=on_cancel, size="3", variant="outline",
                  color_scheme="red"),
        spacing="2", wrap="wrap", margin_top="1em")


def inactive_note(e, can_act) -> rx.Component:
    """A cancelled or stopped enrolment, above the form to enrol again (for the borrower)."""
    return rx.cond(e.contains("status"), rx.callout(
        rx.cond(e["status"] == "disabled",
                rx.text("Autopay was stopped after your bank returned a debit from ",
                        e["instrument"], ".", rx.cond(can_act, " Add another account to "
                                                      "turn it on again.", "")),
                rx.text("Autopay is cancelled.", rx.cond(can_act,
                                                         " You can enrol again below.", ""))),
        icon="info", color_scheme=rx.cond(e["status"] == "disabled", "red", "gray"),
        id="autopay-inactive"))


def pause_form(on_submit, errors, on_close) -> rx.Component:
    return card(rx.form(rx.flex(
        rx.heading("Pause autopay", size="4", as_="h2"),
        rx.text("Drafts falling in the pause are skipped, not made up afterwards. Leave the date "
                "empty to pause until you resume.", size="2", color=HINT_COLOR),
        rx.grid(checked_field("Pause until (optional)", "until", errors["until"], type_="date",
                              required=False),
                checked_field("Reason (optional)", "reason", errors["reason"], required=False,
                              placeholder="Short month"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        rx.flex(rx.button("Pause autopay", type="submit", size="3"),
                rx.button("Back", type="button", variant="soft", size="3", on_click=on_close),
                spacing="2", wrap="wrap"),
        direction="column", spacing="3"), on_submit=on_submit, aria_label="Pause autopay"),
        id="pause-form")


def cancel_form(on_submit, errors, on_close) -> rx.Component:
    return card(rx.form(rx.flex(
        rx.heading("Cancel autopay", size="4", as_="h2"),
        rx.text("No more drafts are made; drafts not yet sent to your bank are cancelled. "
                "Payments already sent still settle.", size="2", color=HINT_COLOR),
        rx.grid(checked_select("Reason", "reason", CANCEL_REASONS, errors["reason"]),
                checked_field("Anything to add (optional)", "detail", "", required=False),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        rx.flex(rx.button("Cancel autopay", type="submit", size="3", color_scheme="red"),
                rx.button("Keep autopay", type="button", variant="soft", size="3",
                          on_click=on_close),
                spacing="2", wrap="wrap"),
        direction="column", spacing="3"), on_submit=on_submit, aria_label="Cancel autopay"),
        id="cancel-form")


def fixed_amount_field(value, on_change, error, label: str = "Fixed amount each installment",
                       hint: str = "If it is less than the installment, the rest stays due",
                       name: str = "fixed_amount") -> rx.Component:
    return rx.box(checked_field(label, name, error, input_mode="decimal", placeholder="0.00",
                                value=value, on_change=on_change, hint=hint),
                  padding_left="1.8rem", max_width="22rem")
