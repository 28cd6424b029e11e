"""Sending collections through a card/bank processor (Stripe) and reading its events back.

The processor is a port (`Charger`): `integrations/stripe` implements it with the official
SDK; nothing here imports it. Events arrive at least once and in any order: each is stored by
its id (a repeat changes nothing) and an attempt's status only moves forward.
"""
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.calculation.allocation import Allocation, OverPayment, allocate
from domain.db.payment_tables import CollectionAttempt, PaymentInstrument, ProviderEvent
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, ValidationError
from domain.kernel.money import fmt, parse_amount
from domain.nacha.codes import return_reason
from domain.audit import trail as audit
from domain.payments import collections, queued
from domain.servicing import loan_state
from domain.kernel.actor import Actor
from domain.payments.instruments import own_loan

PAY_CHOICES = ("due", "custom", "payoff")
# Stripe event types and what they say about a PaymentIntent
SENT = ("payment_intent.processing",)
SETTLED = ("payment_intent.succeeded", "charge.succeeded")
FAILED = ("payment_intent.payment_failed", "charge.failed")
DISPUTED = ("charge.dispute.created",)


@dataclass(frozen=True)
class ChargeResult:
    reference: str  # pi_...
    status: str  # processing, succeeded, requires_payment_method, ...
    failure_code: str = ""
    failure_message: str = ""


class Charger(Protocol):
    def charge(self, idempotency_key: str, customer: str, payment_method: str,
               amount_minor: int, description: str, metadata: dict) -> ChargeResult: ...


@dataclass(frozen=True)
class Preview:
    amount_minor: int
    due_minor: int
    payoff_minor: int
    allocation: tuple[Allocation, ...]
    error: str = ""


def amounts(actor: Actor, loan_number: str, today: date | None = None,
            url: str | None = None) -> tuple[int, int]:
    """(amount due now, payoff today) for the pay-now choices."""
    today = today or date.today()
    with UnitOfWork(url) as s:
        state = loan_state.load(s, own_loan(s, actor, loan_number))
        due = sum(i.unpaid_minor for i in state.installments if i.due_date <= today)
        return max(due, 0), state.payoff_minor(today)


def preview(actor: Actor, loan_number: str, choice: str, amount: str = "",
            today: date | None = None, url: str | None = None) -> Preview:
    """How a payment would be allocated by the loan's hierarchy, before it is confirmed."""
    today = today or date.today()
    if choice not in PAY_CHOICES:
        raise ValidationError({"choice": f"must be one of {', '.join(PAY_CHOICES)}"})
    with UnitOfWork(url) as s:
        state = loan_state.load(s, own_loan(s, actor, loan_number))
        due = max(sum(i.unpaid_minor for i in state.installments if i.due_date <= today), 0)
        payoff = state.payoff_minor(today)
        value = {"due": due, "payoff": payoff}.get(choice)
        if value is None:
            value = parse_amount(amount, "amount")
        if value <= 0:
            return Preview(0, due, payoff, (), "nothing is due today")
        try:
            parts = allocate(value, state.outstanding(), state.rule, today)
        except OverPayment as e:
            return Preview(value, due, payoff, (),
                           f"the most this loan can take is {fmt(e.owed_minor)}")
        return Preview(value, due, payoff, tuple(parts))


def pay_now(actor: Actor, loan_number: str, instrument_id: int, choice: str, amount: str,
            idempotency_key: str, charger: Charger | None, today: date | None = None,
            url: str | None = None) -> collections.Outcome:
    """A one-time payment from a saved instrument: charged now through the processor, or,
    for a bank account the lender debits itself, put in the next bank file."""
    today = today or date.today()
    if not idempotency_key or len(idempotency_key) > 80:
        raise ValidationError({"idempotency_key": "is required (at most 80 characters)"})
    key = f"portal-{idempotency_key}"
    with UnitOfWork(url) as s:  # a replay answers first, whatever the loan owes now
        loan = own_loan(s, actor, loan_number)
        prior = s.exec(select(CollectionAttempt).where(
            CollectionAttempt.idempotency_key == key)).first()
        if prior is not None:
            if prior.loan_id != loan.id or prior.instrument_id != instrument_id:
                raise Conflict("this idempotency key was used for a different payment")
            return collections.Outcome(prior.id, prior.status, prior.payment_id)
    p = preview(actor, loan_number, choice, amount, today, url)
    if p.error:
        raise ValidationError({"amount": p.error})
    with UnitOfWork(url) as s:
        loan = own_loan(s, actor, loan_number)
        inst = s.get(PaymentInstrument, instrument_id)
        if inst is None or inst.borrower_id != loan.borrower_id or inst.status != "active":
            raise ValidationError({"instrument": "choose one of your saved, active methods"})
        if choice == "payoff" and inst.rail == "nacha":
            raise ValidationError({"choice": "a payoff cannot wait for the next bank file "
                                             "(the amount changes daily): pay it by card or "
                                             "Stripe bank account, or call servicing"})
        queued.reserve(s, loan, p.amount_minor, today)  # with what is queued, under a lock
        attempt = CollectionAttempt(
            loan_id=loan.id, instrument_id=inst.id, purpose="one_time",
            payoff=choice == "payoff",
            idempotency_key=key, rail=inst.rail, amount_minor=p.amount_minor,
            draft_date=today, requested_by=actor.user_id)
        s.add(attempt)
        s.flush()
        audit.record(s, actor, "collection.requested", "collection_attempt", attempt.id, None,
                     audit.snapshot(attempt), f"pay now ({choice})")
        attempt_id = attempt.id
    if inst.rail == "stripe" and charger is not None:
        return submit(attempt_id, charger, today, url)
    return collections.Outcome(attempt_id, "scheduled")


def run_due(charger: Charger, on: date, url: str | None = None) -> list[collections.Outcome]:
    """Send every scheduled processor attempt due by `on` (the collection job)."""
    return [submit(a.id, charger, on, url) for a in collections.due("stripe", on, url)]


def submit(attempt_id: int, charger: Charger, on: date,
           url: str | None = None) -> collections.Outcome:
    """Create the off-session PaymentIntent under the attempt's idempotency key, then post
    (processing/succeeded) or fail it. A network error leaves the attempt scheduled; the
    next run sends the same key, which the processor answers with the same PaymentIntent."""
    with UnitOfWork(url) as s:
        attempt = s.get(CollectionAttempt, attempt_id)
        if attempt.status != "scheduled":
            return collections.Outcome(attempt.id, attempt.status, attempt.payment_id)
        inst = s.get(PaymentInstrument, attempt.instrument_id)
        loan = s.get(Loan, attempt.loan_id)
        key, amount = attempt.idempotency_key, attempt.amount_minor
    result = charger.charge(key, inst.provider_customer or "", inst.provider_ref or "", amount,
                            f"Loan {loan.loan_number} payment",
                            {"lendbook_attempt": key, "loan": loan.loan_number})
    with UnitOfWork(url) as s:
        attempt = s.get(CollectionAttempt, attempt_id)
        if result.status in ("processing", "succeeded"):
            out = collections.post_sent(s, attempt, on, provider_ref=result.reference)
            if result.status == "succeeded":
                out = collections.settle(s, attempt, on)
            return out
        attempt.provider_ref = result.reference or attempt.provider_ref
        return collections.fail(s, attempt, result.failure_code or "failed",
                                result.failure_message or "the processor refused the charge", on)


def apply_event(event_id: str, type_: str, created: int, payment_intent_id: str,
                failure_code: str = "", failure_message: str = "", payload: dict | None = None,
                attempt_key: str = "", today: date | None = None,
                url: str | None = None) -> str:
    """Process one verified webhook event exactly once; returns what was done. The attempt
    is found by the key it put in the PaymentIntent's metadata (so an event that overtakes
    the charge call's own answer still finds it), else by the PaymentIntent id."""
    today = today or date.today()
    try:
        with UnitOfWork(url) as s:
            if s.get(ProviderEvent, event_id) is not None:
                return "duplicate: ignored"
            attempt = None
            if attempt_key:
                attempt = s.exec(select(CollectionAttempt).where(
                    CollectionAttempt.idempotency_key == attempt_key)).first()
            if attempt is None and payment_intent_id:
                attempt = s.exec(select(CollectionAttempt).where(
                    CollectionAttempt.provider_ref == payment_intent_id)).first()
            if attempt is not None and payment_intent_id and not attempt.provider_ref:
                attempt.provider_ref = payment_intent_id
            outcome = _transition(s, attempt, type_, failure_code, failure_message, today)
            s.add(ProviderEvent(id=event_id, provider="stripe", type=type_,
                                object_id=payment_intent_id or "", object_created=created,
                                payload=payload or {}, outcome=outcome[:200]))
            return outcome
    except IntegrityError:  # the same event processed concurrently by another worker
        return "duplicate: ignored"


def _transition(s, attempt, type_, code, message, today) -> str:
    if attempt is None:
        return "no matching collection attempt"
    if type_ in SENT:
        if attempt.status != "scheduled":
            return f"already {attempt.status}"
        collections.post_sent(s, attempt, today)
        return "posted (pending)"
    if type_ in SETTLED:
        if attempt.status in collections.TERMINAL:
            return f"already {attempt.status}"
        collections.settle(s, attempt, today)
        return "settled"
    if type_ in FAILED:
        if attempt.status in ("failed", "returned", "cancelled"):
            return f"already {attempt.status}"
        nacha = collections.PROVIDER_CODES.get(code, code)
        out = collections.fail(s, attempt, code or "failed",
                               message or (return_reason(nacha) if nacha.startswith("R")
                                           else f"payment failed ({code or 'no reason'})"),
                               today)
        return f"{out.status} {attempt.failure_code}"
    if type_ in DISPUTED:  # an ACH debit disputed as unauthorized: a late return
        if attempt.status in ("failed", "returned", "cancelled"):
            return f"already {attempt.status}"
        if attempt.status == "succeeded":
            attempt.status = "submitted"  # the money is taken back: undo as a return
        out = collections.fail(s, attempt, "R10", message or "disputed as unauthorized", today)
        return f"{out.status} R10"
    return f"ignored {type_}"
