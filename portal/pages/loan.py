"""One loan as its borrower (or staff) sees it: balances, next due, notices, links to pay and
to autopay, queued payments (the borrower cancels one until it is in a bank file), payment
history with receipts, schedule."""
import reflex as rx

from domain.kernel.errors import DomainError
from domain.payments import autopay, queued
from domain.servicing import notices, queries
from portal import loan_view, payment_view
from portal.components.history import history_table, notices_card, payment_links
from portal.components.queued import queued_card
from portal.components.loan import (balance_chart, balances, loan_facts, loan_stats,
                                    schedule_table)
from ui.components import alert
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState


ROUTE = "/loans/[loan_number]"

class LoanState(ProtectedState, AuthState):
    summary: dict[str, str] = {}
    schedule: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    series: list[dict] = []
    notices: list[dict[str, str]] = []
    autopay_label: str = ""
    notice_error: str = ""
    queued: list[dict[str, str]] = []  # payments not yet sent, and held back
    queued_error: str = ""
    queued_notice: str = ""

    def _load_page(self, actor):
        number = self._route_arg(ROUTE, "loan_number")
        self.summary, self.schedule, self.history, self.series = {}, [], [], []
        self.notices, self.notice_error = [], ""
        self.queued_error = self.queued_notice = ""
        detail = queries.loan_detail(actor, number)
        self.history = payment_view.history_rows(queries.payment_history(actor, number))
        enrolment = autopay.view(actor, number)
        self.summary = loan_view.summary(detail)
        self.schedule = loan_view.schedule_rows(detail)
        self.series = loan_view.balance_series(detail)
        self.autopay_label = payment_view.autopay_summary(enrolment)
        self.queued = payment_view.queued_rows(queued.listing(actor, number))
        self._notices(actor)

    def _notices(self, actor) -> None:
        if actor.portal == "borrower":  # notices are the borrower's own
            self.notices = payment_view.notice_rows(
                notices.unread(actor, self.summary.get("loan_number", "")))

    @rx.event
    def cancel_queued(self, attempt_id: str):
        """The borrower cancels their own payment before it is in a bank file."""
        number = self.summary.get("loan_number", "")
        try:
            actor = self._require("self.pay")
            done = queued.cancel(actor, int(attempt_id))
        except (DomainError, ValueError) as e:
            self.queued_error, self.queued_notice = f"Not cancelled: {e}.", ""
            return
        self.queued_error = ""
        self.queued_notice = ("That payment was already cancelled." if done.already else
                              "Payment cancelled: it will not be sent to your bank.")
        self.queued = payment_view.queued_rows(queued.listing(actor, number))
        self.history = payment_view.history_rows(queries.payment_history(actor, number))

    @rx.event
    def mark_read(self, notice_id: str):
        try:
            actor = self._require("self.loans")
            notices.mark_read(actor, int(notice_id))
        except (DomainError, ValueError) as e:
            self.notice_error = f"Not marked read: {e}."
            return
        self.notice_error = ""
        self._notices(actor)


@protected_page(ROUTE, ("self.loans", "loan.view"), state=LoanState,
                title="Loan · Lendbook", heading="Your loan")
def loan_page() -> rx.Component:
    s = LoanState
    return rx.cond(s.summary.contains("loan_number"), rx.flex(
        rx.heading(s.summary["loan_number"], size="5", as_="h2", id="loan-number"),
        alert(s.notice_error),
        notices_card(s.notices, s.mark_read),
        loan_stats(s.summary),
        payment_links(s.summary["loan_number"],
                      AuthState.is_borrower & (s.summary["status"] == "Active"),
                      s.autopay_label),
        queued_card(s.queued, s.queued_error, s.queued_notice, on_cancel=s.cancel_queued,
                    can_cancel=AuthState.is_borrower),
        balances(s.summary),
        balance_chart(s.series),
        history_table(s.history),
        schedule_table(s.schedule),
        loan_facts(s.summary),
        direction="column", spacing="4"),
        rx.spinner(size="3"))
