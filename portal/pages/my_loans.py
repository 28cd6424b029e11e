"""A borrower's loans and applications (staff see every loan on /servicing)."""
import reflex as rx

from domain.kernel.money import fmt
from domain.servicing import queries
from ui.components import card, table
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState


class MyLoansState(ProtectedState, AuthState):
    loans: list[dict[str, str]] = []
    applications: list[dict[str, str]] = []

    def _load_page(self, actor):
        self.loans = [{"loan_number": x.loan_number, "product": x.product_name,
                       "amount": fmt(x.principal_minor), "status": x.status.replace("_", " "),
                       "booked": x.booked_on.isoformat()} for x in queries.list_loans(actor)]
        self.applications = [{"id": str(a.id), "product": a.product_name,
                              "amount": fmt(a.amount_minor), "term": str(a.term),
                              "status": a.status if a.status != "approved" or a.stage == "offer"
                              else f"approved ({a.stage})", "reasons": "; ".join(a.reasons)}
                             for a in queries.list_applications(actor)]


def loan_row(r) -> rx.Component:
    base = "/loans/" + r["loan_number"]
    return rx.table.row(
        rx.table.cell(rx.link(r["loan_number"], href=base)),
        rx.table.cell(r["product"]), rx.table.cell(r["amount"]), rx.table.cell(r["status"]),
        rx.table.cell(r["booked"]),
        rx.table.cell(rx.cond(r["status"] == "active", rx.flex(
            rx.link("Pay now", href=base + "/pay", aria_label="Pay now: " + r["loan_number"]),
            rx.link("Autopay", href=base + "/autopay",
                    aria_label="Autopay: " + r["loan_number"]), spacing="3"))))


def application_row(r) -> rx.Component:
    return rx.table.row(rx.table.cell(rx.link(r["id"], href="/applications/" + r["id"])),
                        rx.table.cell(r["product"]),
                        rx.table.cell(r["amount"]), rx.table.cell(r["term"]),
                        rx.table.cell(r["status"]), rx.table.cell(r["reasons"]))


@protected_page("/loans", "self.loans", state=MyLoansState,
                title="My loans · Lendbook", heading="My loans")
def my_loans() -> rx.Component:
    return rx.flex(
        card(rx.cond(MyLoansState.loans.length() > 0,
                     table(["Loan ID", "Product", "Amount", "Status", "Booked", "Payments"],
                           MyLoansState.loans, loan_row, "My loans"),
                     rx.text("No loans yet. ", rx.link("Apply now", href="/apply")))),
        rx.heading("Applications", size="4", as_="h2"),
        card(table(["#", "Product", "Amount", "Payments", "Decision", "Reasons"],
                   MyLoansState.applications, application_row, "My applications")),
        direction="column", spacing="3")
