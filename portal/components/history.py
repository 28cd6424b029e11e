"""A loan's payment history (a table, cards on a phone) with receipts, the servicer's filters,
the borrower's notices and the links to pay and to autopay. Stateless: the page State supplies
rows and handlers."""
import reflex as rx

from portal.components.dealer import HINT_COLOR, checked_field, checked_select
from ui.components import card, table

HEADERS = ["Date", "Amount", "Principal", "Interest", "Fees", "Advance", "Channel", "Status",
           "Details", "Receipt"]
COLORS = {"posted": "green", "pending": "amber", "returned": "red", "reversed": "gray",
          "failed": "red", "scheduled": "blue", "cancelled": "gray", "held": "orange"}


def status_badge(r) -> rx.Component:
    return rx.badge(r["status_label"], color_scheme=rx.match(r["status"], *COLORS.items(),
                                                             "gray"),
                    variant="soft", high_contrast=True, size="2", white_space="nowrap")


def receipt_link(r) -> rx.Component:
    return rx.cond(r["receipt"] != "", rx.link(
        "Receipt", href=r["receipt"], is_external=True,
        aria_label="Receipt (PDF) for the payment of " + r["amount"] + " on " + r["date"]),
        rx.text("-", color=HINT_COLOR, aria_label="no receipt"))


def history_row(r) -> rx.Component:
    money = {"text_align": "right", "white_space": "nowrap"}
    return rx.table.row(
        rx.table.row_header_cell(r["date"], white_space="nowrap"),
        rx.table.cell(rx.text.strong(r["amount"]), **money),
        rx.table.cell(r["principal"], **money), rx.table.cell(r["interest"], **money),
        rx.table.cell(r["fees"], **money), rx.table.cell(r["advance"], **money),
        rx.table.cell(r["channel"]), rx.table.cell(status_badge(r)),
        rx.table.cell(r["detail"], min_width="12rem"), rx.table.cell(receipt_link(r)),
        data_status=r["status"])


def history_card(r) -> rx.Component:
    """One history line on a phone (ten columns do not fit 390 px)."""
    return rx.el.li(
        rx.flex(rx.text(r["date"], " · ", rx.text.strong(r["amount"])), status_badge(r),
                justify="between", align="center", spacing="2", wrap="wrap"),
        rx.cond(r["receipt"] != "",
                rx.text("Principal ", r["principal"], " · interest ", r["interest"], " · fees ",
                        r["fees"], " · advance ", r["advance"], size="2"),
                rx.text("Not applied to the loan", size="2")),
        rx.text(r["channel"], " · ", r["detail"], size="2", color=HINT_COLOR),
        rx.cond(r["receipt"] != "", receipt_link(r)),
        style={"borderTop": "1px solid #e2e8f0", "padding": "0.7em 0.2em"})


def history_table(rows, empty: str = "No payments yet.", filters=None) -> rx.Component:
    return rx.box(
        rx.heading("Payment history", size="4", as_="h2", margin_y="0.5em"),
        filters if filters is not None else rx.fragment(),
        rx.cond(rows.length() > 0, rx.fragment(
            rx.box(table(HEADERS, rows, history_row, "Payment history"),
                   display=rx.breakpoints(initial="none", sm="block"), id="history-table"),
            rx.el.ul(rx.foreach(rows, history_card), id="history-cards",
                     style={"listStyle": "none", "padding": 0, "margin": 0},
                     display=rx.breakpoints(initial="block", sm="none"))),
            rx.text(empty)),
        rx.text("Pending: sent to the bank, not settled yet (a bank debit takes a few business "
                "days). Returned: the bank sent it back, and it was taken off the loan.",
                size="1", color=HINT_COLOR, margin_top="0.4em"),
        id="payment-history", width="100%")


def history_filters(on_submit, statuses, errors, on_clear) -> rx.Component:
    return rx.form(rx.flex(
        rx.box(checked_select("Status", "status", statuses, errors["status"]),
               min_width="11rem"),
        rx.box(checked_field("From date", "since", errors["since"], type_="date", required=False)),
        rx.box(checked_field("To date", "until", errors["until"], type_="date", required=False)),
        rx.button("Show", type="submit", size="3"),
        rx.button("Clear", type="reset", size="3", variant="soft", on_click=on_clear),
        spacing="3", align="end", wrap="wrap", margin_bottom="0.75em"), on_submit=on_submit,
        aria_label="Filter the payment history", id="history-filters")


def notices_card(rows, on_read) -> rx.Component:
    """Unread notices (a returned payment, autopay stopped), each with Mark read."""
    return rx.cond(rows.length() > 0, card(
        rx.heading("Notices", size="4", as_="h2"),
        rx.el.ul(rx.foreach(rows, lambda n: rx.el.li(
            rx.callout.root(rx.callout.icon(rx.icon("bell")), rx.flex(
                rx.flex(rx.text.strong(n["subject"]),
                        rx.text(n["date"], size="1", color=HINT_COLOR), spacing="2",
                        wrap="wrap", align="center"),
                rx.text(n["body"], size="2"),
                rx.button("Mark read", on_click=on_read(n["id"]), size="1", variant="outline",
                          align_self="flex-start", aria_label="Mark read: " + n["subject"]),
                direction="column", spacing="1"), color_scheme="amber"),
            style={"marginTop": "0.5em"})), style={"listStyle": "none", "padding": 0,
                                                   "margin": 0}),
        id="notices", role="region", aria_label="Notices"))


def payment_links(number, can_pay, autopay_label) -> rx.Component:
    return rx.flex(
        rx.cond(can_pay, rx.button(rx.link("Pay now", href="/loans/" + number + "/pay",
                                           color="white", underline="none"),
                                   as_child=True, size="3", id="pay-now-link")),
        rx.button(rx.link("Autopay", href="/loans/" + number + "/autopay", underline="none"),
                  as_child=True, size="3", variant="outline", id="autopay-link"),
        rx.text(autopay_label, size="2", color=HINT_COLOR, id="autopay-summary"),
        spacing="3", align="center", wrap="wrap")
