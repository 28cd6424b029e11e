"""Stateless pieces of the borrower's payment pages (autopay and pay now): the method choice
with the bank account fields, radio choices, the debit authorization, a confirmation card and
the allocation preview. Each takes the page State's values, errors and handlers."""
import reflex as rx

from portal.components.dealer import ERROR_COLOR, HINT_COLOR, checked_field, checked_select
from portal.payment_view import NEW_ACCOUNT
from ui.components import card, table

ACCOUNT_TYPES = [("checking", "Checking"), ("savings", "Savings")]
BOX = {"border": "1px solid #cbd5e0", "borderRadius": "8px", "margin": "0", "minWidth": "0",
       "padding": "0.8em 1em 1em"}
LEGEND = {"fontWeight": 700, "padding": "0 0.3em"}


def field_error(name: str, error) -> rx.Component:
    return rx.cond(error != "", rx.text(error, id=f"{name}-error", size="2", color=ERROR_COLOR,
                                        weight="medium", role="alert"))


def method_picker(methods, value, on_change, errors, stripe_enabled, on_stripe,
                  on_left) -> rx.Component:
    """A saved method, or "Add a bank account" (the bank-file rail) with its four fields.

    The Stripe button sends the borrower to Stripe Checkout (setup mode) to save a card or
    bank account there (hidden while the page State's `stripe_enabled` is False).
    `on_left(name, value)` runs when a bank field loses the focus (its old error goes)."""
    def left(name: str):
        return {"on_blur": lambda v: on_left(name, v)}
    return rx.el.fieldset(
        rx.el.legend("Pay from", style=LEGEND),
        rx.flex(
            checked_select("Payment method", "instrument", methods, errors["instrument"],
                           value=value, on_change=on_change),
            rx.cond(value == NEW_ACCOUNT, rx.grid(
                checked_field("Account holder's name", "holder_name", errors["holder_name"],
                              **left("holder_name"),
                              auto_complete="name", max_length=22,
                              hint="As the bank knows it (at most 22 characters)"),
                checked_select("Account type", "account_type", ACCOUNT_TYPES,
                               errors["account_type"]),
                checked_field("Routing number", "routing_number", errors["routing_number"],
                              **left("routing_number"),
                              input_mode="numeric", max_length=9, auto_complete="off",
                              hint="9 digits, bottom left of a cheque"),
                checked_field("Account number", "account_number", errors["account_number"],
                              **left("account_number"),
                              input_mode="numeric", max_length=17, auto_complete="off",
                              hint="Only its last 4 digits are shown afterwards"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
                id="bank-account-fields")),
            rx.cond(stripe_enabled,
                    rx.button("Add a card or bank account with Stripe", type="button",
                              variant="outline", on_click=on_stripe, id="stripe-setup")),
            direction="column", spacing="3"),
        style=BOX)


def radio_choices(legend: str, name: str, options, value, on_change, error,
                  extra=None) -> rx.Component:
    """Native radio buttons in a fieldset (arrow keys move between them). The browser keeps
    the choice (checked when the form is shown), and tells the State of each change."""
    return rx.el.fieldset(
        rx.el.legend(legend, style=LEGEND),
        rx.flex(*[rx.el.label(
            rx.el.input(type="radio", name=name, value=v, id=f"{name}-{v}",
                        default_checked=value == v, on_change=lambda _, v=v: on_change(v),
                        style={"width": "1.2rem", "height": "1.2rem", "flexShrink": "0"}),
            rx.text(text), html_for=f"{name}-{v}",
            style={"display": "flex", "gap": "0.6rem", "alignItems": "center",
                   "cursor": "pointer", "minHeight": "2.2rem"}) for v, text in options],
            extra if extra is not None else rx.fragment(),
            field_error(name, error), direction="column", spacing="1"),
        style=BOX, aria_describedby=f"{name}-error")


def mandate_box(text, error) -> rx.Component:
    """The debit authorization, shown in full before the box that accepts it. The box is
    drawn anew, unchecked, whenever the text changes: a new text is accepted again."""
    return rx.el.fieldset(
        rx.el.legend("Debit authorization", style=LEGEND),
        rx.cond(text != "",
                rx.text(text, id="mandate-text", size="2", style={"whiteSpace": "pre-line"}),
                rx.text("Enter the amount to see the authorization.", size="2",
                        color=HINT_COLOR)),
        rx.el.label(
            rx.el.input(type="checkbox", id="mandate", name="mandate", key=text,
                        default_checked=False, aria_describedby="mandate-text mandate-error",
                        style={"width": "1.4rem", "height": "1.4rem", "flexShrink": "0"}),
            rx.text("I authorize these debits as described above", weight="bold"),
            html_for="mandate", style={"display": "flex", "gap": "0.6rem", "marginTop": "0.8em",
                                       "alignItems": "center", "cursor": "pointer"}),
        field_error("mandate", error),
        style={**BOX, "background": "#fff"})


def confirmation(c) -> rx.Component:
    """What just changed, announced to screen readers (title, body, version)."""
    return rx.cond(c.contains("title"), card(
        rx.flex(rx.icon("circle_check", color="#1b5e20", size=28, aria_hidden="true"),
                rx.heading(c["title"], size="5", as_="h2", color="#1b5e20"),
                spacing="2", align="center"),
        rx.text(c["body"], margin_top="0.4em"),
        rx.cond(c["version"] != "", rx.text("Enrolment version ", rx.text.strong(
            c["version"], id="confirmation-version"), size="2", color=HINT_COLOR)),
        id="confirmation", role="status", border_left="6px solid #1b5e20"))


def preview_row(r) -> rx.Component:
    strong = r["installment"] == "Total"
    return rx.table.row(*[rx.table.cell(rx.cond(strong, rx.text.strong(r[k]), r[k]),
                                        text_align="left" if k == "installment" else "right")
                          for k in ("installment", "principal", "interest", "fees", "advance",
                                    "total")])


def preview_table(rows) -> rx.Component:
    return rx.box(table(["Installment", "Principal", "Interest", "Fees", "Advance", "Total"],
                        rows, preview_row, "How the payment would be applied"),
                  id="allocation-preview")
