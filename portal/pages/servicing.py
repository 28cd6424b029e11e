"""Servicing console: the book by delinquency bucket, the servicer queue (estate handling,
returns to review, bank file exceptions), and every loan."""
import reflex as rx

from domain.kernel.money import fmt
from domain.servicing import notices, queries
from domain.ledger import reports
from ui.components import card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

NEEDS = "loan.view"


class ServicingState(ProtectedState, AuthState):
    loans: list[dict[str, str]] = []
    buckets: list[dict] = []
    cob_date: str = ""
    queue: list[dict[str, str]] = []

    def _load_page(self, actor):
        self.queue = [{"id": str(q.id), "opened": f"{q.created_at:%Y-%m-%d}",
                       "kind": q.kind_label, "loan_number": q.loan_number,
                       "subject": q.subject, "body": q.body}
                      for q in notices.servicer_queue(actor)]
        rows, last = reports.book_by_bucket(actor)
        self.buckets = [{"bucket": b.bucket, "loans": b.loans,
                         "principal": b.principal_minor // 100} for b in rows]
        self.cob_date = last.isoformat() if last else "never"
        self.loans = [{"loan_number": x.loan_number, "borrower": x.borrower_name,
                       "product": x.product_name, "amount": fmt(x.principal_minor),
                       "status": x.status.replace("_", " ")} for x in queries.list_loans(actor)]


def loan_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(r["loan_number"], href="/servicing/" + r["loan_number"])),
        rx.table.cell(r["borrower"]), rx.table.cell(r["product"]), rx.table.cell(r["amount"]),
        rx.table.cell(r["status"]))


@protected_page("/servicing", NEEDS, state=ServicingState,
                title="Servicing · Lendbook", heading="Servicing")
def servicing() -> rx.Component:
    return rx.flex(bucket_chart(), servicer_queue(),
                   card(table(["Loan ID", "Borrower", "Product", "Amount", "Status"],
                              ServicingState.loans, loan_row, "All loans")),
                   direction="column", spacing="4")


def queue_row(q) -> rx.Component:
    return rx.table.row(
        rx.table.cell(q["id"]), rx.table.cell(q["opened"]), rx.table.cell(q["kind"]),
        rx.table.cell(rx.link(q["loan_number"], href="/servicing/" + q["loan_number"])),
        rx.table.cell(rx.text(q["subject"], weight="medium"), rx.text(q["body"], size="1")))


def servicer_queue() -> rx.Component:
    """Open items for a person (lendbook servicer-queue --resolve ID --note ... closes one)."""
    return card(
        rx.heading("Servicer queue", size="4", as_="h2"),
        rx.cond(ServicingState.queue.length() > 0,
                table(["#", "Opened", "Kind", "Loan", "What"], ServicingState.queue, queue_row,
                      "Servicer queue"),
                rx.text("Nothing is waiting for a servicer.", size="2")),
        id="servicer-queue")


def bucket_chart() -> rx.Component:
    return card(
        rx.heading("Book by delinquency bucket", size="4", as_="h2"),
        rx.text("Active loans' principal as of the last close of business: ",
                ServicingState.cob_date, size="2"),
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="principal", name="Principal", fill="#1d3557",
                            is_animation_active=False),
            rx.recharts.x_axis(data_key="bucket"), rx.recharts.y_axis(),
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.graphing_tooltip(),
            data=ServicingState.buckets, width="100%", height=220),
        rx.el.table(rx.el.tbody(rx.foreach(ServicingState.buckets, lambda b: rx.el.tr(
            rx.el.th(b["bucket"], scope="row"), rx.el.td(b["loans"], " loans"),
            rx.el.td(b["principal"])))), id="bucket-table",
            style={"fontSize": "0.85rem", "width": "100%"}),
        role="figure", aria_label="Principal of active loans by delinquency bucket",
    )
