"""A loan's queued payments (not yet sent, or held back from a bank file) with the borrower's
Cancel button on each line or the servicer's cancel form; the Bank files page's list of
entries held back. Stateless: the page State supplies rows, handlers and messages."""
import reflex as rx

from portal.components.dealer import HINT_COLOR
from ui.components import alert, card, field, select_field, table

HEADERS = ["Draft date", "Amount", "Kind", "From", "Status", "Details"]


def _badge(r) -> rx.Component:
    return rx.badge(r["status_label"], color_scheme=rx.cond(r["status"] == "held", "orange",
                                                            "blue"),
                    variant="soft", high_contrast=True, size="2", white_space="nowrap")


def _row(r, on_cancel, can_cancel) -> rx.Component:
    cells = [rx.table.row_header_cell(r["date"], white_space="nowrap"),
             rx.table.cell(rx.text.strong(r["amount"]), text_align="right"),
             rx.table.cell(r["kind"]), rx.table.cell(r["instrument"]),
             rx.table.cell(_badge(r)), rx.table.cell(r["detail"], min_width="12rem")]
    if on_cancel is not None:
        cells.append(rx.table.cell(rx.cond(can_cancel & (r["cancellable"] == "yes"), rx.button(
            "Cancel payment", on_click=on_cancel(r["id"]), size="2", color_scheme="red",
            variant="soft", id="cancel-queued-" + r["id"],
            aria_label="Cancel the payment of " + r["amount"] + " drafted " + r["date"]))))
    return rx.table.row(*cells, data_status=r["status"])


def queued_card(rows, error, notice, on_cancel=None, can_cancel=False,
                form=None) -> rx.Component:
    """Shown while something is queued (or just after the last one was cancelled)."""
    headers = HEADERS + ([""] if on_cancel is not None else [])
    return rx.cond((rows.length() > 0) | (notice != "") | (error != ""), card(rx.flex(
        rx.heading("Queued payments", size="4", as_="h2"),
        rx.text("Not sent yet: each can be cancelled until it is written to the bank file "
                "(a card payment is charged at once). Held back: not sent, because the loan "
                "could not take it; nothing was taken from the account.", size="2",
                color=HINT_COLOR),
        rx.cond(rows.length() > 0, table(headers, rows, lambda r: _row(r, on_cancel,
                                                                       can_cancel),
                                         "Queued payments")),
        form if form is not None else rx.fragment(),
        alert(error, id="queued-error"), alert(notice, color="green", id="queued-notice"),
        direction="column", spacing="3"), id="queued-payments"))


def staff_cancel_form(on_submit, choices) -> rx.Component:
    """The servicer's cancel: which queued payment and why (the reason is audited)."""
    return rx.form(rx.flex(
        rx.grid(select_field("Queued payment", "attempt_id", choices),
                field("Reason for cancelling", "cancel_reason",
                      placeholder="Borrower asked by phone"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        rx.button("Cancel queued payment", type="submit", size="3", color_scheme="red",
                  id="staff-cancel-queued", width="fit-content"),
        direction="column", spacing="3"), on_submit=on_submit, reset_on_submit=True,
        aria_label="Cancel a queued payment")


def _held(r) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(r["loan"], href="/servicing/" + r["loan"]),
                                 white_space="nowrap"),
        rx.table.cell(r["date"], white_space="nowrap"),
        rx.table.cell(r["amount"], text_align="right"), rx.table.cell(r["kind"]),
        rx.table.cell(r["reason"], min_width="14rem"))


def held_table(rows) -> rx.Component:
    """Entries held back from debit files and not cancelled since: each needs a servicer
    (cancel it on the loan's page, or tell the borrower)."""
    return rx.cond(rows.length() > 0, card(
        rx.heading("Held back from debit files", size="4", as_="h2"),
        rx.text("Not sent: the loan could not take them when the file was written. The "
                "borrower was told; cancel each on the loan's servicing page once handled.",
                size="2"),
        table(["Loan", "Draft date", "Amount", "Kind", "Why it was held back"], rows, _held,
              "Entries held back from debit files"), id="held-back"))
