"""One loan as its borrower (or staff) sees it: balances, next due, schedule, history."""
import reflex as rx

from domain.errors import DomainError
from domain.services import queries
from portal import loan_view
from portal.components.layout import denied, shell
from portal.components.loan import (balance_chart, balances, loan_facts, loan_stats,
                                    payment_table, schedule_table)
from portal.state import AuthState


class LoanState(AuthState):
    denied: str = ""
    summary: dict[str, str] = {}
    schedule: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    series: list[dict] = []

    @rx.event
    def load(self):
        number = self.router.page.params.get("loan_number", "")
        self.summary, self.schedule, self.payments, self.series = {}, [], [], []
        try:
            detail = queries.loan_detail(self._require("borrower", "servicer", "underwriter",
                                                       "admin"), number)
        except DomainError as e:
            self.denied = f"Access refused: {e}."
            if not self.is_signed_in:
                return rx.redirect(f"/login?next=/loans/{number}")
            return
        self.denied = ""
        self.summary = loan_view.summary(detail)
        self.schedule = loan_view.schedule_rows(detail)
        self.payments = loan_view.payment_rows(detail)
        self.series = loan_view.balance_series(detail)


@rx.page(route="/loans/[loan_number]", title="Loan · Lendbook", on_load=LoanState.load)
def loan_page() -> rx.Component:
    return shell("Your loan", rx.cond(
        LoanState.denied != "", denied(LoanState.denied),
        rx.cond(LoanState.summary.contains("loan_number"), rx.flex(
            rx.heading(LoanState.summary["loan_number"], size="5", as_="h2", id="loan-number"),
            loan_stats(LoanState.summary),
            balances(LoanState.summary),
            balance_chart(LoanState.series),
            payment_table(LoanState.payments),
            schedule_table(LoanState.schedule),
            loan_facts(LoanState.summary),
            direction="column", spacing="4"),
            rx.spinner(size="3")),
    ))
