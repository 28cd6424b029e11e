"""Stateless servicing forms: post, reverse, modify; and the loan's journal. Each takes the
page State's handler and messages as arguments. The payment, reversal and modification forms
have a Preview button beside the real one (portal/components/preview.py) and show the preview
they are given; they keep what was typed until the page resets them after a success."""
import reflex as rx

from portal.components.preview import submit_buttons, with_intent
from ui.components import alert, card, field, select_field, table

PAYMENT_KINDS = [("regular", "Regular payment (product's allocation)"),
                 ("payoff", "Payoff (closes the loan; must equal the payoff amount)")]
CHANNELS = [("servicer", "Received by staff"), ("lockbox", "Lockbox / cheque"),
            ("ach", "ACH"), ("portal", "Borrower portal")]
RETURN_CODES = [("", "No bank return code"), ("R01", "R01 Insufficient funds"),
                ("R02", "R02 Account closed"), ("R03", "R03 No account"),
                ("R08", "R08 Payment stopped"), ("R09", "R09 Uncollected funds"),
                ("R10", "R10 Not authorized")]
MODIFICATIONS = [("recast", "Recast: re-amortize what is left"),
                 ("rate_term", "Change rate and/or remaining term"),
                 ("restructure", "Restructure: capitalize arrears, new rate/term"),
                 ("holiday", "Payment holiday: skip installments"),
                 ("due_date", "Change the next due date"),
                 ("write_off", "Write off"), ("charge_off", "Charge off")]


def payment_form(on_submit, error, notice, preview=None, backdated="",
                 on_date_change=None) -> rx.Component:
    """`backdated`: the hint shown while the date typed is before today."""
    return card(
        rx.heading("Record a payment", size="4", as_="h2"),
        rx.form(rx.flex(
            rx.grid(
                field("Amount received", "amount", placeholder="0.00", input_mode="decimal"),
                field("Received on", "received_on", "date",
                      hint="Effective date; earlier than other payments re-allocates them",
                      **({"on_change": on_date_change} if on_date_change else {})),
                select_field("Kind of payment", "payment_kind", PAYMENT_KINDS),
                select_field("Channel", "channel", CHANNELS),
                field("Note", "note", placeholder="Cheque 1042"),
                columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="3", width="100%"),
            alert(backdated, color="amber", id="backdated-hint"),
            alert(error), alert(notice, color="green"),
            submit_buttons("Record payment"),
            preview if preview is not None else rx.fragment(),
            direction="column", spacing="3"),
            on_submit=with_intent(on_submit), id="payment-form"),
    )


def reverse_form(on_submit, payments, error, notice, preview=None) -> rx.Component:
    return card(
        rx.heading("Reverse a payment", size="4", as_="h2"),
        rx.text("The loan returns to the state it would have had without the payment; later "
                "payments are re-allocated. R01 and R09 returns carry the product's NSF fee.",
                size="2"),
        rx.form(rx.flex(
            rx.grid(
                select_field("Payment", "payment_id", payments),
                select_field("Return code", "return_code", RETURN_CODES),
                field("Reason for the reversal", "reverse_reason", placeholder="Returned by the bank"),
                columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%"),
            alert(error), alert(notice, color="green"),
            submit_buttons("Reverse payment", color_scheme="red"),
            preview if preview is not None else rx.fragment(),
            direction="column", spacing="3"),
            on_submit=with_intent(on_submit), id="reverse-form"),
    )


def refund_form(on_submit, held, error, notice) -> rx.Component:
    """Pay back a credit balance (money held as an advance, or paid above the payoff)."""
    return card(
        rx.heading("Refund the credit balance", size="4", as_="h2"),
        rx.text("Held for the borrower: ", rx.text.strong(held), ". A refund moves it from "
                "suspense back to the borrower and shows in the payment history.", size="2"),
        rx.form(rx.flex(
            rx.grid(
                field("Amount to refund", "refund_amount", placeholder=held,
                      input_mode="decimal"),
                field("Reason for the refund", "refund_reason",
                      placeholder="Overpayment returned by cheque"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            alert(error), alert(notice, color="green"),
            rx.button("Refund", type="submit", size="3"),
            direction="column", spacing="3"),
            on_submit=on_submit, reset_on_submit=True),
        id="refund-form")


def modify_form(on_submit, error, notice, preview=None) -> rx.Component:
    return card(
        rx.heading("Modify the loan", size="4", as_="h2"),
        rx.text("Installments already due stay as they are; a new schedule version replaces "
                "the rest (the old one is kept). Fill only the fields the change needs.",
                size="2"),
        rx.form(rx.flex(
            rx.grid(
                select_field("Modification", "kind", MODIFICATIONS),
                field("Effective on", "effective", "date"),
                field("New annual rate (%)", "annual_rate", input_mode="decimal"),
                field("Remaining installments", "periods", input_mode="numeric"),
                field("Installments to skip", "installments", input_mode="numeric"),
                field("New next due date", "first_due_date", "date"),
                field("Reason for the change", "reason", placeholder="Hardship review 2026-11"),
                columns=rx.breakpoints(initial="1", sm="2", md="3"), spacing="3", width="100%"),
            alert(error), alert(notice, color="green"),
            submit_buttons("Apply modification"),
            preview if preview is not None else rx.fragment(),
            direction="column", spacing="3"),
            on_submit=with_intent(on_submit), id="modify-form"),
    )


def ledger_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["date"]), rx.table.cell(r["code"]), rx.table.cell(r["account"]),
        rx.table.cell(r["debit"]), rx.table.cell(r["credit"]), rx.table.cell(r["memo"]),
        rx.table.cell(rx.code(r["entry_id"])),
    )


def ledger_table(rows) -> rx.Component:
    return rx.box(
        rx.heading("Journal entries for this loan", size="4", as_="h2", margin_y="0.5em"),
        rx.text("Newest first; daily interest accruals are summed per month.", size="2"),
        table(["Effective", "Code", "Account", "Debit", "Credit", "Memo", "Entry"], rows,
              ledger_row, "Journal entries for this loan"),
        id="loan-ledger")
