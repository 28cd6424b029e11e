"""Loan display pieces shared by the borrower's loan page and the servicing console (the
payment history is in portal/components/history.py)."""
import reflex as rx

from ui.components import card, stat, table

SCHEDULE_HEADERS = ["#", "Due", "Principal", "Interest", "Fees", "Total", "Paid", "Status"]
STATUS_COLORS = {"paid": "green", "overdue": "red", "partial": "amber", "upcoming": "gray",
                 "due": "blue", "posted": "green"}


def loan_stats(s) -> rx.Component:
    return rx.flex(
        stat("Principal balance", s["balance"], id="principal-balance"),
        stat("Next due", s["next_due_date"], id="next-due-date"),
        stat("Amount due next", s["next_due_amount"], id="next-due-amount"),
        stat("Status", s["status"], id="loan-status"),
        spacing="3", wrap="wrap", width="100%",
    )


def balances(s) -> rx.Component:
    """What is owed, by component, and what closes the loan today."""
    def item(label, key, **kw):
        return rx.box(rx.text(label, size="2", color_scheme="gray"),
                      rx.text(s[key], size="4", weight="bold", id=key.replace("_", "-")), **kw)
    return card(
        rx.heading("Balances", size="4", as_="h2"),
        rx.grid(item("Principal", "balance"), item("Interest accrued", "interest_accrued"),
                item("Interest paid ahead", "interest_paid_ahead"),
                item("Fees", "fees_outstanding"), item("Held in advance", "advance"),
                columns=rx.breakpoints(initial="2", sm="5"), spacing="3", width="100%"),
        rx.callout(rx.text("Payoff on ", s["as_of"], ": ", rx.text.strong(s["payoff"]),
                           " (principal + interest accrued to that day − interest paid ahead "
                           "+ fees − held in advance; valid that day only, interest accrues "
                           "daily)."), icon="info", id="payoff-quote"),
        rx.cond(s["days_past_due"] != "0",
                rx.callout(rx.text(s["days_past_due"], " days past due (bucket ", s["bucket"],
                                   ")"), icon="triangle_alert", color_scheme="red",
                           id="delinquency")),
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
        rx.table.cell(r["interest"]), rx.table.cell(r["fees"]), rx.table.cell(r["total"]),
        rx.table.cell(r["paid"]),
        rx.table.cell(rx.badge(r["status"], color_scheme=rx.match(
            r["status"], *STATUS_COLORS.items(), "gray"))),
    )


def balance_chart(series) -> rx.Component:
    return card(
        rx.heading("Balance over time", size="4", as_="h2"),
        rx.recharts.area_chart(
            rx.recharts.area(data_key="scheduled", stroke="#1d3557", fill="#a8dadc",
                             name="Scheduled", is_animation_active=False, connect_nulls=True),
            rx.recharts.area(data_key="actual", stroke="#c1121f", fill="#f4a261",
                             fill_opacity=0.35, name="Actual", is_animation_active=False,
                             connect_nulls=True, type_="stepAfter"),
            rx.recharts.legend(),
            rx.recharts.x_axis(data_key="date"),
            rx.recharts.y_axis(),
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.graphing_tooltip(),
            data=series, width="100%", height=240,
        ),
        role="img", aria_label="Chart of the principal balance by due date, scheduled and actual",
    )


def schedule_table(rows) -> rx.Component:
    return rx.box(rx.heading("Repayment schedule", size="4", as_="h2", margin_y="0.5em"),
                  table(SCHEDULE_HEADERS, rows, schedule_row, "Repayment schedule"),
                  id="schedule")
