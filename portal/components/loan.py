"""Loan display pieces shared by the borrower's loan page and the servicing console."""
import reflex as rx

from portal.components.layout import card, stat, table

SCHEDULE_HEADERS = ["#", "Due", "Principal", "Interest", "Total", "Paid", "Status"]
PAYMENT_HEADERS = ["Received", "Amount", "Principal", "Interest", "Note"]
STATUS_COLORS = {"paid": "green", "overdue": "red", "partial": "amber", "upcoming": "gray"}


def loan_stats(s) -> rx.Component:
    return rx.flex(
        stat("Principal balance", s["balance"], id="principal-balance"),
        stat("Next due", s["next_due_date"], id="next-due-date"),
        stat("Amount due next", s["next_due_amount"], id="next-due-amount"),
        stat("Status", s["status"], id="loan-status"),
        gap="3", wrap="wrap", width="100%",
    )


def loan_facts(s) -> rx.Component:
    def fact(label, value):
        return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))
    return card(rx.data_list.root(
        fact("Loan ID", s["loan_number"]), fact("Borrower", s["borrower"]),
        fact("Product", s["product"]), fact("Amount financed", s["principal"]),
        fact("Rate", s["rate"]), fact("Term", s["term"]), fact("Funded on", s["funded"]),
        fact("Interest paid", s["interest_paid"]),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    ))


def schedule_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["number"]), rx.table.cell(r["due_date"]), rx.table.cell(r["principal"]),
        rx.table.cell(r["interest"]), rx.table.cell(r["total"]), rx.table.cell(r["paid"]),
        rx.table.cell(rx.badge(r["status"], color_scheme=rx.match(
            r["status"], *STATUS_COLORS.items(), "gray"))),
    )


def payment_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r["date"]), rx.table.cell(r["amount"]), rx.table.cell(r["principal"]),
        rx.table.cell(r["interest"]), rx.table.cell(r["note"]),
    )


def balance_chart(series) -> rx.Component:
    return card(
        rx.heading("Balance over time", size="4", as_="h2"),
        rx.recharts.area_chart(
            rx.recharts.area(data_key="balance", stroke="#1d3557", fill="#a8dadc",
                             name="Scheduled principal balance", is_animation_active=False),
            rx.recharts.x_axis(data_key="date"),
            rx.recharts.y_axis(),
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.graphing_tooltip(),
            data=series, width="100%", height=240,
        ),
        role="img", aria_label="Chart of the scheduled principal balance by due date",
    )


def schedule_table(rows) -> rx.Component:
    return rx.box(rx.heading("Repayment schedule", size="4", as_="h2", margin_y="0.5em"),
                  table(SCHEDULE_HEADERS, rows, schedule_row, "Repayment schedule"),
                  id="schedule")


def payment_table(rows) -> rx.Component:
    return rx.box(
        rx.heading("Payment history", size="4", as_="h2", margin_y="0.5em"),
        rx.cond(rows.length() > 0,
                table(PAYMENT_HEADERS, rows, payment_row, "Payment history"),
                rx.text("No payments yet.")),
        id="payment-history")
