"""Servicing one loan: balances, post a payment or payoff, reverse, modify, and its journal.
A payment, a reversal and a modification can be previewed first (before/after, fees, entries)."""
import uuid
from datetime import date

import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import fmt
from domain.payments import queued
from domain.servicing import modifications, payments, preview, queries
from domain.ledger import reports
from portal import loan_view, payment_view
from portal.components.history import history_filters, history_table
from portal.components.loan import balances, loan_stats, schedule_table
from portal.components.preview import EMPTY, PREVIEW, backdated_hint, preview_panel, \
    preview_view
from portal.components.queued import queued_card, staff_cancel_form
from portal.components.servicing_forms import (ledger_table, modify_form, payment_form,
                                               refund_form, reverse_form)
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

NEEDS = "loan.view"
MOD_FIELDS = ("annual_rate", "periods", "installments", "first_due_date")


ROUTE = "/servicing/[loan_number]"

class ServicingLoanState(ProtectedState, AuthState):
    summary: dict[str, str] = {}
    schedule: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    payment_choices: list[list[str]] = []
    ledger: list[dict[str, str]] = []
    error: str = ""
    notice: str = ""
    reverse_error: str = ""
    reverse_notice: str = ""
    modify_error: str = ""
    modify_notice: str = ""
    refund_error: str = ""
    refund_notice: str = ""
    history: list[dict[str, str]] = []
    queued: list[dict[str, str]] = []  # payments not yet sent, and held back
    queued_choices: list[list[str]] = []
    queued_error: str = ""
    queued_notice: str = ""
    history_errors: dict[str, str] = {"status": "", "since": "", "until": ""}
    filtered: bool = False
    # the preview shown (preview_view's parts): of "payment", "reversal", "modification" or ""
    preview_of: str = ""
    preview_title: str = ""
    preview_notes: list[str] = []
    preview_balances: list[dict[str, str]] = []
    preview_installments: list[dict[str, str]] = []
    preview_fees: list[str] = []
    preview_entries: list[dict[str, str]] = []
    backdated: str = ""  # the hint while the payment's date is before today
    _payment_key: str = ""
    _modify_key: str = ""
    _refund_key: str = ""
    _filters: dict = {}

    def _refresh(self, actor, number: str):
        detail = queries.loan_detail(actor, number)
        self.summary = loan_view.summary(detail)
        self.schedule = loan_view.schedule_rows(detail)
        self.payments = loan_view.payment_rows(detail)
        self.history = payment_view.history_rows(
            queries.payment_history(actor, number, **self._filters))
        self.payment_choices = [[p["id"], f"{p['date']} · {p['amount']} ({p['channel']})"]
                                for p in self.payments if p["status"] in ("posted", "payoff")]
        self.ledger = [
            {"date": e.effective_date.isoformat(), "code": e.code, "account": account,
             "debit": fmt(amount) if amount > 0 else "", "memo": e.memo,
             "credit": fmt(-amount) if amount < 0 else "", "entry_id": e.entry_id}
            for e in reversed(reports.loan_ledger(actor, number)) for account, amount in e.lines]
        waiting = queued.listing(actor, number)
        self.queued = payment_view.queued_rows(waiting)
        self.queued_choices = payment_view.queued_choices(waiting)

    def _number(self) -> str:
        return self.summary.get("loan_number", "")

    def _load_page(self, actor):
        number = self._route_arg(ROUTE, "loan_number")
        self.summary = {}
        self.error = self.notice = self.reverse_error = self.reverse_notice = ""
        self.modify_error = self.modify_notice = self.refund_error = self.refund_notice = ""
        self._payment_key, self._modify_key = uuid.uuid4().hex, uuid.uuid4().hex
        self._refund_key = uuid.uuid4().hex
        self._filters, self.history_errors = {}, {"status": "", "since": "", "until": ""}
        self.filtered = False
        self.queued_error = self.queued_notice = self.backdated = ""
        self._show(EMPTY)
        self._refresh(actor, number)

    def _show(self, view: dict):
        for part, value in view.items():
            setattr(self, f"preview_{part}", value)

    def _previewed(self, p, form: str):
        """Show preview `p` under its form; `form`: the prefix of its error/notice vars."""
        setattr(self, f"{form}error", "")
        setattr(self, f"{form}notice", "")
        self._show(preview_view(p))

    def _refused(self, e: DomainError, form: str, intent: str, what: str):
        self._show(EMPTY)
        setattr(self, f"{form}notice", "")
        setattr(self, f"{form}error", ("Preview refused: " if intent == PREVIEW else what)
                + _say(e))

    def _done(self, actor, form_id: str):
        """After a command: the stale preview goes, the form is cleared, the page re-read."""
        self._show(EMPTY)
        self._refresh(actor, self._number())
        return rx.call_script(f"document.getElementById('{form_id}')?.reset()")

    @rx.event
    def received_on_changed(self, value: str):
        self.backdated = backdated_hint(value, date.today())

    @rx.event
    def filter_history(self, form: dict):
        """Status and date range of the payment history; a bad filter keeps the last one."""
        try:
            actor = self._require(NEEDS)
            filters = {"status": form.get("status") or None,
                       "since": payment_view.parse_date(form.get("since", ""), "since"),
                       "until": payment_view.parse_date(form.get("until", ""), "until")}
            rows = queries.payment_history(actor, self._number(), **filters)
        except ValidationError as e:
            self.history_errors = {"status": "", "since": "", "until": "",
                                   **payment_view.field_errors(e.errors, {"until": "To date"})}
            return
        except DomainError as e:
            self.denied = f"Access refused: {e}."
            return
        self._filters, self.history = filters, payment_view.history_rows(rows)
        self.filtered = any(filters.values())
        self.history_errors = {"status": "", "since": "", "until": ""}

    @rx.event
    def clear_history_filters(self):
        return ServicingLoanState.filter_history({})

    @rx.event
    def record(self, form: dict, intent: str = ""):
        try:
            actor = self._require("payment.post")
            amount, on = form.get("amount", ""), _date(form.get("received_on", ""),
                                                       "received_on")
            how = dict(channel=form.get("channel") or "servicer",
                       payoff=form.get("payment_kind") == "payoff")
            if intent == PREVIEW:
                return self._previewed(preview.preview_payment(
                    actor, self._number(), amount, on, idempotency_key=self._payment_key,
                    **how), "")
            result = payments.record_payment(actor, self._number(), amount, on,
                                             self._payment_key, form.get("note", ""), **how)
        except DomainError as e:
            return self._refused(e, "", intent, "Payment not recorded: ")
        self._payment_key = uuid.uuid4().hex  # the next payment is a new request
        self.error, self.backdated = "", ""
        self.notice = (f"Payment of {fmt(result.amount_minor)} recorded: "
                       f"{fmt(result.principal_minor)} principal, "
                       f"{fmt(result.interest_minor)} interest, {fmt(result.fee_minor)} fees.")
        return self._done(actor, "payment-form")

    @rx.event
    def reverse(self, form: dict, intent: str = ""):
        try:
            actor = self._require("payment.reverse")
            payment_id = int(form.get("payment_id") or 0)
            if not any(c[0] == str(payment_id) for c in self.payment_choices):
                raise ValidationError({"payment": "choose a posted payment of this loan"})
            why, code = form.get("reverse_reason", ""), form.get("return_code", "")
            if intent == PREVIEW:
                return self._previewed(preview.preview_reversal(actor, payment_id, why, code),
                                       "reverse_")
            payments.reverse_payment(actor, payment_id, why, code)
        except DomainError as e:
            return self._refused(e, "reverse_", intent, "Not reversed: ")
        self.reverse_error = ""
        self.reverse_notice = f"Payment {payment_id} reversed."
        return self._done(actor, "reverse-form")

    @rx.event
    def refund(self, form: dict):
        try:
            actor = self._require("payment.post")
            payments.refund_advance(actor, self._number(), form.get("refund_amount", ""),
                                    None, self._refund_key, form.get("refund_reason", ""))
        except DomainError as e:
            self.refund_error, self.refund_notice = "Not refunded: " + _say(e), ""
            return
        self._refund_key = uuid.uuid4().hex
        self.refund_error = ""
        self.refund_notice = f"Refunded {form.get('refund_amount', '')}."
        self._refresh(actor, self._number())

    @rx.event
    def cancel_queued(self, form: dict):
        """Staff cancel a payment not yet in a bank file, with the reason (audited)."""
        try:
            actor = self._require(queued.STAFF_CANCEL)
            chosen = form.get("attempt_id") or ""
            if not any(c[0] == chosen for c in self.queued_choices):
                raise ValidationError({"payment": "choose a queued payment of this loan"})
            done = queued.cancel(actor, int(chosen), form.get("cancel_reason", ""))
        except DomainError as e:
            self.queued_error, self.queued_notice = "Not cancelled: " + _say(e), ""
            return
        self.queued_error = ""
        self.queued_notice = (f"Payment {done.attempt_id} was already cancelled." if done.already
                              else f"Payment {done.attempt_id} cancelled: it will not be sent.")
        self._refresh(actor, self._number())

    @rx.event
    def modify(self, form: dict, intent: str = ""):
        try:
            actor = self._require("loan.modify")
            kind = form.get("kind", "")
            params = {k: form[k] for k in MOD_FIELDS if form.get(k)}
            on = _date(form.get("effective", ""), "effective_date") or date.today()
            if intent == PREVIEW:
                return self._previewed(preview.preview_modification(
                    actor, self._number(), kind, on, params,
                    reason=form.get("reason") or "Preview",
                    idempotency_key=self._modify_key), "modify_")
            version = modifications.modify_loan(actor, self._number(), kind, on,
                                                form.get("reason", ""), self._modify_key,
                                                params)
        except DomainError as e:
            return self._refused(e, "modify_", intent, "Not modified: ")
        self._modify_key = uuid.uuid4().hex
        self.modify_error = ""
        self.modify_notice = f"{kind.replace('_', ' ').capitalize()} applied: schedule " \
                             f"version {version}."
        return self._done(actor, "modify-form")


def _say(e: DomainError) -> str:
    if isinstance(e, ValidationError):
        return "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in e.errors.items())
    return str(e)


def _date(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError({field: f"'{text}' is not a date (YYYY-MM-DD)"}) from None


def _panel(of: str) -> rx.Component:
    s = ServicingLoanState
    return rx.cond(s.preview_of == of, preview_panel(
        s.preview_title, s.preview_notes, s.preview_balances, s.preview_installments,
        s.preview_fees, s.preview_entries, f"{of}-preview"))


@protected_page(ROUTE, NEEDS, state=ServicingLoanState,
                title="Servicing a loan · Lendbook", heading="Servicing a loan")
def servicing_loan() -> rx.Component:
    s = ServicingLoanState
    can_act = AuthState.is_servicer & (s.summary["status"] == "Active")
    return rx.cond(s.summary.contains("loan_number"), rx.flex(
        rx.heading(s.summary["loan_number"], " · ", s.summary["borrower"], size="5",
                   as_="h2", id="loan-number"),
        loan_stats(s.summary),
        balances(s.summary),
        rx.cond(can_act, payment_form(s.record, s.error, s.notice, _panel("payment"),
                                      s.backdated, s.received_on_changed)),
        history_table(s.history, rx.cond(s.filtered, "No payments match the filter.",
                                         "No payments yet."), history_filters(
            s.filter_history, payment_view.STATUS_FILTER, s.history_errors,
            s.clear_history_filters)),
        queued_card(s.queued, s.queued_error, s.queued_notice, form=rx.cond(
            AuthState.perms.contains(queued.STAFF_CANCEL) & (s.queued_choices.length() > 0),
            staff_cancel_form(s.cancel_queued, s.queued_choices))),
        rx.cond(AuthState.is_servicer & (s.payment_choices.length() > 0),
                reverse_form(s.reverse, s.payment_choices, s.reverse_error,
                             s.reverse_notice, _panel("reversal"))),
        rx.cond(AuthState.is_servicer & (s.summary["advance"] != "0.00"),
                refund_form(s.refund, s.summary["advance"], s.refund_error,
                            s.refund_notice)),
        rx.cond(can_act, modify_form(s.modify, s.modify_error, s.modify_notice,
                                     _panel("modification"))),
        schedule_table(s.schedule),
        ledger_table(s.ledger),
        direction="column", spacing="4"), rx.spinner(size="3"))
