"""Collections: autopay drafts become collection attempts, and each attempt's outcome posts,
reverses, charges the returned-payment fee, re-presents or stops autopay, by NACHA's rules.

- Drafts are created set-based for the whole book (one INSERT ... SELECT per draft offset),
  one per installment and presentment; the attempt's idempotency key is what Stripe's
  Idempotency-Key or the bank file carries, so a rerun, retry or restart never charges twice.
- A debit is posted to the loan when it is sent (ACH settles days later; this is provisional
  credit, as banks give it): the payment shows as pending until it settles, and a return or
  failure reverses it exactly, with the fee where the return code carries one.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from domain.db.payment_tables import AutopayEnrolment, CollectionAttempt, PaymentInstrument
from domain.db.tables import Installment, Loan, LoanCharge, Payment, PaymentAllocation, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.money import fmt
from domain.nacha.codes import return_policy, servicer_queue
from domain.audit import trail as audit
from domain.payments import autopay
from domain.servicing import notices, payments, settlement
from domain.kernel.actor import SYSTEM, Actor
from domain.payments.autopay import OFFSET_RANGE

# Stripe's ACH failure codes, read as the NACHA return codes they stand for.
PROVIDER_CODES = {"insufficient_funds": "R01", "account_closed": "R02", "no_account": "R03",
                  "invalid_account_number": "R04", "debit_not_authorized": "R10",
                  "bank_account_restricted": "R16", "authorization_revoked": "R07",
                  "payment_stopped": "R08"}
TERMINAL = ("succeeded", "failed", "returned", "cancelled")


@dataclass(frozen=True)
class Outcome:
    attempt_id: int
    status: str
    payment_id: int | None = None
    reversal_id: int | None = None
    retry_attempt_id: int | None = None
    fee: bool = False
    autopay_disabled: bool = False


def attempt_key(loan_id: int, schedule_version: int, number: int, presentment: int) -> str:
    return f"autopay-{loan_id}-v{schedule_version}-n{number}-p{presentment}"


def _shift(dialect: str, col, days: int):
    """`col + days` as a date on either engine."""
    if dialect == "postgresql":
        return col + days
    return func.date(col, f"{days:+d} days")


def schedule_drafts(on: date, url: str | None = None) -> int:
    """Create the drafts falling due on or before `on` for every active enrolment: each
    installment of the current schedule whose draft day (due date + offset) lies between the
    enrolment's start and `on`, with something still owed, not drafted before. Returns the
    number created; running it again for the same day creates none."""
    created = 0
    with UnitOfWork(url) as s:
        dialect = s.get_bind().dialect.name
        paid = (sa_select(func.coalesce(func.sum(
            PaymentAllocation.principal_minor + PaymentAllocation.interest_minor
            + PaymentAllocation.fee_minor), 0))
            .where(PaymentAllocation.loan_id == Installment.loan_id,
                   PaymentAllocation.installment_number == Installment.number)
            .scalar_subquery())
        charged = (sa_select(func.coalesce(func.sum(LoanCharge.amount_minor), 0))
                   .where(LoanCharge.loan_id == Installment.loan_id,
                          LoanCharge.installment_number == Installment.number)
                   .scalar_subquery())
        unpaid = (Installment.principal_minor + Installment.interest_minor
                  + Installment.fee_minor + charged - paid)
        now = utcnow()
        for offset in range(OFFSET_RANGE[0], OFFSET_RANGE[1] + 1):
            draft = _shift(dialect, Installment.due_date, offset)
            key = (literal("autopay-") + cast(Installment.loan_id, String) + literal("-v")
                   + cast(Installment.schedule_version, String) + literal("-n")
                   + cast(Installment.number, String) + literal("-p1"))
            amount = func.coalesce(AutopayEnrolment.fixed_amount_minor, unpaid)
            rows = (sa_select(
                Installment.loan_id, AutopayEnrolment.instrument_id, AutopayEnrolment.id,
                literal("autopay"), Installment.schedule_version, Installment.number,
                literal(1), key, PaymentInstrument.rail, amount, draft, literal("scheduled"),
                literal(""), literal(""), literal(now), literal(now))
                .select_from(Installment)
                .join(Loan, and_(Loan.id == Installment.loan_id,
                                 Loan.schedule_version == Installment.schedule_version))
                .join(AutopayEnrolment, AutopayEnrolment.loan_id == Loan.id)
                .join(PaymentInstrument, PaymentInstrument.id == AutopayEnrolment.instrument_id)
                .where(Loan.status == "active", PaymentInstrument.status == "active",
                       AutopayEnrolment.draft_offset_days == offset,
                       or_(AutopayEnrolment.status == "active",
                           and_(AutopayEnrolment.status == "paused",
                                AutopayEnrolment.paused_until.is_not(None),
                                AutopayEnrolment.paused_until < on,
                                draft > AutopayEnrolment.paused_until)),
                       Installment.due_date <= on - timedelta(days=offset),
                       draft >= AutopayEnrolment.starts_on,
                       unpaid > 0,
                       ~exists().where(CollectionAttempt.idempotency_key == key))
                .order_by(Installment.loan_id, Installment.number))  # ids, so files, in loan order
            result = s.exec(insert(CollectionAttempt).from_select(
                ["loan_id", "instrument_id", "enrolment_id", "purpose", "schedule_version",
                 "installment_number", "presentment", "idempotency_key", "rail",
                 "amount_minor", "draft_date", "status", "failure_code", "failure_reason",
                 "created_at", "updated_at"], rows))
            created += result.rowcount or 0
        _resume_expired_pauses(s, on)
    return created


def _resume_expired_pauses(s: Session, on: date) -> None:
    """A pause that has ended becomes active again; drafts it skipped stay skipped (the
    enrolment now starts the day after the pause)."""
    for enr, number in s.exec(select(AutopayEnrolment, Loan.loan_number).join(
            Loan, Loan.id == AutopayEnrolment.loan_id).where(
            AutopayEnrolment.status == "paused", AutopayEnrolment.paused_until.is_not(None),
            AutopayEnrolment.paused_until < on)):
        before = audit.snapshot(enr)
        enr.starts_on = enr.paused_until + timedelta(days=1)
        enr.status, enr.paused_until, enr.version = "active", None, enr.version + 1
        s.add(enr)
        audit.record(s, SYSTEM, "autopay.resumed", "autopay_enrolment", number, before,
                     audit.snapshot(enr), "pause ended")


def due(rail: str, on: date, url: str | None = None) -> list[CollectionAttempt]:
    """Scheduled attempts of a rail to send on `on` (earlier ones a stopped job missed too)."""
    with UnitOfWork(url) as s:
        return list(s.exec(select(CollectionAttempt).join(
            PaymentInstrument, PaymentInstrument.id == CollectionAttempt.instrument_id).where(
            CollectionAttempt.rail == rail, CollectionAttempt.status == "scheduled",
            PaymentInstrument.status == "active",
            CollectionAttempt.draft_date <= on).order_by(CollectionAttempt.id)))


def post_sent(s: Session, attempt: CollectionAttempt, on: date, *, provider_ref: str | None = None,
              trace_number: str | None = None, ach_file_id: int | None = None,
              actor: Actor = SYSTEM) -> Outcome:
    """The debit was sent: post the payment (provisionally) and mark the attempt submitted.
    Again for the same attempt: nothing more happens."""
    if attempt.status != "scheduled":
        return Outcome(attempt.id, attempt.status, attempt.payment_id)
    loan = s.get(Loan, attempt.loan_id)
    attempt.provider_ref = provider_ref or attempt.provider_ref
    attempt.trace_number = trace_number or attempt.trace_number
    attempt.ach_file_id = ach_file_id or attempt.ach_file_id
    attempt.status, attempt.updated_at = "submitted", utcnow()
    if loan.status == "active":
        result = payments.post_in(
            s, actor, loan, attempt.amount_minor, min(attempt.draft_date, on),
            attempt.idempotency_key, _memo(attempt), today=on, payoff=attempt.payoff,
            channel="ach" if attempt.rail == "nacha" else "stripe")
        attempt.payment_id = result.payment_id
    s.add(attempt)
    s.flush()
    return Outcome(attempt.id, attempt.status, attempt.payment_id)


def settle(s: Session, attempt: CollectionAttempt, on: date) -> Outcome:
    """The provider confirmed the money arrived (posting it if the send had not)."""
    if attempt.status in TERMINAL:
        return Outcome(attempt.id, attempt.status, attempt.payment_id)
    if attempt.status == "scheduled":
        post_sent(s, attempt, on)
    attempt.status, attempt.updated_at = "succeeded", utcnow()
    s.add(attempt)
    return Outcome(attempt.id, "succeeded", attempt.payment_id)


def settle_matured(on: date, url: str | None = None, actor: Actor = SYSTEM) -> int:
    """NACHA debits past their return window are taken as settled (the rule, and close of
    business calling it: `domain.servicing.settlement`); a later return is still matched
    and reversed."""
    return settlement.settle_matured(on, actor, url)


def fail(s: Session, attempt: CollectionAttempt, code: str, reason: str, on: date,
         actor: Actor = SYSTEM) -> Outcome:
    """A debit failed or came back: reverse its payment exactly (with the returned-payment
    fee where the code carries one), re-present it where NACHA allows, stop autopay on an
    account that cannot be debited, and tell the borrower."""
    if attempt.status in ("failed", "returned", "cancelled"):
        return Outcome(attempt.id, attempt.status, attempt.payment_id)
    nacha_code = PROVIDER_CODES.get(code, code).upper()
    policy = return_policy(nacha_code, attempt.presentment - 1, attempt.draft_date, on)
    reversal_id = None
    if attempt.payment_id is not None:
        payment = s.get(Payment, attempt.payment_id)
        reversal_id = payments.reverse_in(
            s, actor, payment, f"{nacha_code} {reason}".strip(), nacha_code, on,
            assess_fee=policy.fee)
    attempt.status = "returned" if attempt.payment_id else "failed"
    attempt.failure_code, attempt.failure_reason = nacha_code[:40], reason[:300]
    attempt.updated_at = utcnow()
    s.add(attempt)
    s.flush()
    retry_id = _retry(s, attempt, policy.retry_on) if policy.retry_on else None
    loan = s.get(Loan, attempt.loan_id)
    disabled = False
    if policy.disable_account:
        disabled = bool(autopay.disable_instrument(s, actor, attempt.instrument_id,
                                                   f"{nacha_code} {reason}".strip(),
                                                   policy.notify_borrower))
    if servicer_queue(nacha_code):
        queue_return(s, actor, attempt, loan.loan_number, nacha_code, reason,
                     reversed_=reversal_id is not None, disabled=disabled,
                     told=policy.notify_borrower)
    if policy.notify_borrower and not disabled:
        when = f" We will try again on {policy.retry_on:%b %d, %Y}." if retry_id else ""
        autopay.notify(s, loan.borrower_id, loan.id, "payment_returned",
                       f"A payment on loan {loan.loan_number} was returned",
                       f"Your bank returned the debit of {fmt(attempt.amount_minor)} "
                       f"({nacha_code}: {reason}).{when}")
    audit.record(s, actor, "collection.returned" if attempt.payment_id else "collection.failed",
                 "collection_attempt", attempt.id, None, audit.snapshot(attempt),
                 f"{nacha_code} {reason}".strip())
    return Outcome(attempt.id, attempt.status, attempt.payment_id, reversal_id, retry_id,
                   policy.fee, disabled)


def queue_return(s: Session, actor: Actor, attempt: CollectionAttempt, loan_number: str,
                 code: str, reason: str, *, reversed_: bool, disabled: bool,
                 told: bool) -> int:
    """A return for a person, not a rule: R14/R15 to estate handling (the borrower is not
    told), other codes no rule settles (R11, bank-side errors, unlisted codes) to review."""
    kind = servicer_queue(code)
    subject = (f"Deceased ({code}): loan {loan_number}, estate handling" if kind == "estate"
               else f"{code} return on loan {loan_number} to review")
    body = " ".join((
        f"The bank returned the debit of {fmt(attempt.amount_minor)} (attempt {attempt.id}, "
        f"trace {attempt.trace_number or 'none'}): {code} {reason}.",
        "The payment is reversed; no fee, no re-presentment." if reversed_ else
        "Nothing had been posted for it.",
        "Autopay is stopped on that account." if disabled else "Autopay is unchanged.",
        "The borrower was told." if told else "The borrower was not told by Lendbook.",
        "Contact the estate or representative; no debit of that account follows." if
        kind == "estate" else "Decide whether to collect again or correct the entry."))
    return notices.open_item(s, actor, kind, attempt.loan_id, subject, body,
                             f"return:{attempt.id}:{code}", attempt.id)


def _retry(s: Session, attempt: CollectionAttempt, on: date) -> int:
    base = attempt.idempotency_key.rsplit("-p", 1)[0]
    retry = CollectionAttempt(
        loan_id=attempt.loan_id, instrument_id=attempt.instrument_id,
        enrolment_id=attempt.enrolment_id, purpose="retry",
        schedule_version=attempt.schedule_version,
        installment_number=attempt.installment_number, presentment=attempt.presentment + 1,
        retry_of=attempt.id, idempotency_key=f"{base}-p{attempt.presentment + 1}",
        rail=attempt.rail, amount_minor=attempt.amount_minor, draft_date=on)
    prior = s.exec(select(CollectionAttempt).where(
        CollectionAttempt.idempotency_key == retry.idempotency_key)).first()
    if prior is not None:
        return prior.id
    s.add(retry)
    s.flush()
    return retry.id


def _memo(attempt: CollectionAttempt) -> str:
    what = {"autopay": "Autopay", "retry": "Autopay re-presentment",
            "one_time": "Online payment"}.get(attempt.purpose, attempt.purpose)
    n = f" installment {attempt.installment_number}" if attempt.installment_number else ""
    return f"{what}{n} ({attempt.rail})"
