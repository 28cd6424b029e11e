"""Servicing console: every loan, and recording a payment against one."""
import uuid
from datetime import date

import reflex as rx

from domain.errors import DomainError, PermissionDenied, ValidationError
from domain.money import fmt
from domain.services import payments, queries
from portal import loan_view
from portal.components.layout import alert, card, denied, field, shell, table
from portal.components.loan import loan_stats, payment_table, schedule_table
from portal.state import AuthState

STAFF_ROLES = ("servicer", "underwriter", "admin")


class ServicingState(AuthState):
    denied: str = ""
    loans: list[dict[str, str]] = []

    @rx.event
    def load(self):
        try:
            actor = self._require(*STAFF_ROLES)
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return None if self.is_signed_in else rx.redirect("/login?next=/servicing")
        self.denied = ""
        self.loans = [{"loan_number": x.loan_number, "borrower": x.borrower_name,
                       "product": x.product_name, "amount": fmt(x.principal_minor),
                       "status": x.status.replace("_", " ")} for x in queries.list_loans(actor)]


class ServicingLoanState(AuthState):
    denied: str = ""
    summary: dict[str, str] = {}
    schedule: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    _payment_key: str = ""

    def _refresh(self, actor, number: str):
        detail = queries.loan_detail(actor, number)
        self.summary = loan_view.summary(detail)
        self.schedule = loan_view.schedule_rows(detail)
        self.payments = loan_view.payment_rows(detail)

    @rx.event
    def load(self):
        number = self.router.page.params.get("loan_number", "")
        self.summary, self.error, self.notice = {}, "", ""
        self._payment_key = uuid.uuid4().hex
        try:
            self._refresh(self._require(*STAFF_ROLES), number)
        except DomainError as e:
            self.denied = f"Access refused: {e}."
            return None if self.is_signed_in else rx.redirect(f"/login?next=/servicing/{number}")
        self.denied = ""

    @rx.event
    def record(self, form: dict):
        number = self.summary.get("loan_number", "")
        try:
            actor = self._require("servicer", "admin")
            received = _date(form.get("received_on", ""))
            result = payments.record_payment(actor, number, form.get("amount", ""), received,
                                             self._payment_key, form.get("note", ""))
        except ValidationError as e:
            self.error = "Payment not recorded: " + "; ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in e.errors.items())
            self.notice = ""
            return
        except DomainError as e:
            self.error, self.notice = f"Payment not recorded: {e}", ""
            return
        self._payment_key = uuid.uuid4().hex  # the next payment is a new request
        self.error = ""
        self.notice = (f"Payment of {fmt(result.amount_minor)} recorded: "
                       f"{fmt(result.principal_minor)} principal, "
                       f"{fmt(result.interest_minor)} interest.")
        self._refresh(actor, number)


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError({"received_on": f"'{text}' is not a date (YYYY-MM-DD)"}) from None


def loan_row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(r["loan_number"], href="/servicing/" + r["loan_number"])),
        rx.table.cell(r["borrower"]), rx.table.cell(r["product"]), rx.table.cell(r["amount"]),
        rx.table.cell(r["status"]))


@rx.page(route="/servicing", title="Servicing · Lendbook", on_load=ServicingState.load)
def servicing() -> rx.Component:
    return shell("Servicing", rx.cond(
        ServicingState.denied != "", denied(ServicingState.denied),
        card(table(["Loan ID", "Borrower", "Product", "Amount", "Status"],
                   ServicingState.loans, loan_row, "All loans")),
    ))


def payment_form() -> rx.Component:
    return card(
        rx.heading("Record a payment", size="4", as_="h2"),
        rx.form(rx.flex(
            rx.grid(
                field("Amount received", "amount", placeholder="0.00", input_mode="decimal"),
                field("Received on", "received_on", "date"),
                field("Note", "note", placeholder="Cheque 1042"),
                columns=rx.breakpoints(initial="1", sm="3"), gap="3", width="100%"),
            alert(ServicingLoanState.error),
            alert(ServicingLoanState.notice, color="green"),
            rx.button("Record payment", type="submit", size="3"),
            direction="column", gap="3"),
            on_submit=ServicingLoanState.record, reset_on_submit=True),
    )


@rx.page(route="/servicing/[loan_number]", title="Servicing a loan · Lendbook",
         on_load=ServicingLoanState.load)
def servicing_loan() -> rx.Component:
    s = ServicingLoanState
    return shell("Servicing a loan", rx.cond(
        s.denied != "", denied(s.denied),
        rx.cond(s.summary.contains("loan_number"), rx.flex(
            rx.heading(s.summary["loan_number"], " · ", s.summary["borrower"], size="5",
                       as_="h2", id="loan-number"),
            loan_stats(s.summary),
            rx.cond(AuthState.is_servicer, payment_form()),
            payment_table(s.payments),
            schedule_table(s.schedule),
            direction="column", gap="4"), rx.spinner(size="3")),
    ))
