"""Autopay: a borrower's saved instruments and each loan's enrolment (draft day relative to
the due date, installment or fixed amount), paused, changed or cancelled. Every change is
audited before/after; a borrower acts on their own loans only, staff on any."""
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from domain.db.payment_tables import AutopayEnrolment, CollectionAttempt, Notice, \
    PaymentInstrument
from domain.db.tables import Lender, Loan, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.kernel.money import fmt, parse_amount
from domain.audit import trail as audit
from domain.configuration import branding_versions as branding
from domain.kernel.actor import Actor
from domain.payments.instruments import own_loan, public, public_snapshot

OFFSET_RANGE = (-10, 5)  # draft from 10 days before to 5 days after the due date
AMOUNT_MODES = ("installment", "fixed")
ACTIVE = ("active", "paused")

MANDATE = (
    "By enrolling in autopay you authorize {lender} to debit the {kind} named above, by "
    "electronic funds transfer, for the payments of loan {loan}: {amount}, on the day each "
    "payment is drafted ({offset}), until you cancel. If a debit is returned, we may "
    "re-present it as NACHA rules allow and charge the returned-payment fee in your loan "
    "agreement. You may pause, change or cancel autopay in the portal at any time; a change "
    "made at least 3 business days before a draft applies to that draft. You may also revoke "
    "this authorization by contacting {lender}.")


@dataclass(frozen=True)
class EnrolmentView:
    loan_number: str
    status: str
    instrument_id: int
    instrument_label: str
    draft_offset_days: int
    amount_mode: str
    fixed_amount_minor: int | None
    paused_until: date | None
    version: int
    mandate_text: str


def offset_label(days: int) -> str:
    if days == 0:
        return "on the due date"
    return f"{abs(days)} day{'s' if abs(days) != 1 else ''} " \
           f"{'before' if days < 0 else 'after'} the due date"


def mandate_text(lender: str, loan_number: str, kind: str, amount_mode: str,
                 fixed_amount_minor: int | None, offset: int, disclosure: str = "") -> str:
    """The authorization the borrower accepts, followed by the lender's own autopay
    disclosure (published branding) when it has one: both are stored as accepted."""
    amount = "the installment due" if amount_mode == "installment" else \
        f"{fmt(fixed_amount_minor or 0)} each installment"
    text = MANDATE.format(lender=lender, loan=loan_number,
                          kind="card" if kind == "card" else "bank account",
                          amount=amount, offset=offset_label(offset))
    return f"{text}\n\n{disclosure.strip()}" if disclosure.strip() else text


def _validate(s: Session, loan: Loan, instrument_id: int, offset: int, amount_mode: str,
              fixed_amount: str | None) -> tuple[PaymentInstrument, int | None]:
    errors = {}
    inst = s.get(PaymentInstrument, instrument_id) if instrument_id else None
    if inst is None or inst.borrower_id != loan.borrower_id or inst.status != "active":
        errors["instrument"] = "choose one of your saved, active payment methods"
    if not isinstance(offset, int) or not OFFSET_RANGE[0] <= offset <= OFFSET_RANGE[1]:
        errors["draft_offset_days"] = (f"must be between {OFFSET_RANGE[0]} and "
                                       f"{OFFSET_RANGE[1]} days of the due date")
    fixed = None
    if amount_mode not in AMOUNT_MODES:
        errors["amount_mode"] = "must be installment or fixed"
    elif amount_mode == "fixed":
        try:
            fixed = parse_amount(fixed_amount or "", "fixed_amount")
        except ValidationError as e:
            errors.update(e.errors)
    if loan.status != "active":
        errors["loan"] = f"is {loan.status.replace('_', ' ')}: autopay needs an active loan"
    if errors:
        raise ValidationError(errors)
    return inst, fixed


def enrol(actor: Actor, loan_number: str, instrument_id: int, draft_offset_days: int = 0,
          amount_mode: str = "installment", fixed_amount: str | None = None, *,
          accepted_mandate: bool, ip: str = "", user_agent: str = "",
          today: date | None = None, url: str | None = None) -> EnrolmentView:
    """Enrol (or re-enrol after cancelling) a loan in autopay; the borrower must accept the
    mandate text, which is kept with the instrument together with time, IP and browser."""
    if not accepted_mandate:
        raise ValidationError({"mandate": "you must accept the debit authorization"})
    today = today or date.today()
    with UnitOfWork(url) as s:
        loan = own_loan(s, actor, loan_number)
        inst, fixed = _validate(s, loan, instrument_id, draft_offset_days, amount_mode,
                                fixed_amount)
        enr = s.exec(select(AutopayEnrolment).where(AutopayEnrolment.loan_id == loan.id)).first()
        if enr is not None and enr.status in ACTIVE:
            raise ValidationError({"loan": "is already enrolled: change the enrolment instead"})
        before = audit.snapshot(enr) if enr else None
        enr = enr or AutopayEnrolment(loan_id=loan.id, instrument_id=inst.id, starts_on=today,
                                      version=0)
        enr.instrument_id, enr.draft_offset_days = inst.id, draft_offset_days
        enr.amount_mode, enr.fixed_amount_minor = amount_mode, fixed
        enr.status, enr.paused_until, enr.starts_on = "active", None, today
        enr.version += 1
        enr.created_by, enr.updated_at = actor.user_id, utcnow()
        _accept_mandate(s, loan, inst, enr, ip, user_agent)
        s.add(enr)
        s.flush()
        audit.record(s, actor, "autopay.enrolled", "autopay_enrolment", loan_number, before,
                     audit.snapshot(enr), "mandate accepted")
        return _view(s, loan, enr)


def _accept_mandate(s, loan, inst, enr, ip, user_agent) -> None:
    lender = s.exec(select(Lender)).first()
    inst.mandate_text = mandate_text(lender.name if lender else "the lender", loan.loan_number,
                                     inst.kind, enr.amount_mode, enr.fixed_amount_minor,
                                     enr.draft_offset_days, branding.disclosure(s, "autopay"))
    inst.mandate_accepted_at = datetime.now(timezone.utc)
    inst.mandate_ip, inst.mandate_user_agent = (ip or "")[:64], (user_agent or "")[:300]
    s.add(inst)


def change(actor: Actor, loan_number: str, *, instrument_id: int | None = None,
           draft_offset_days: int | None = None, amount_mode: str | None = None,
           fixed_amount: str | None = None, accepted_mandate: bool = False, ip: str = "",
           user_agent: str = "", url: str | None = None) -> EnrolmentView:
    """Change the instrument, draft day or amount; the new terms need the mandate accepted
    again. Drafts already created keep theirs."""
    if not accepted_mandate:
        raise ValidationError({"mandate": "accept the debit authorization for the new terms"})
    with UnitOfWork(url) as s:
        loan, enr = _enrolment(s, actor, loan_number)
        inst, fixed = _validate(
            s, loan, instrument_id or enr.instrument_id,
            enr.draft_offset_days if draft_offset_days is None else draft_offset_days,
            amount_mode or enr.amount_mode,
            fixed_amount if fixed_amount is not None else
            (fmt(enr.fixed_amount_minor) if enr.fixed_amount_minor else None))
        before = audit.snapshot(enr)
        enr.instrument_id = inst.id
        if draft_offset_days is not None:
            enr.draft_offset_days = draft_offset_days
        enr.amount_mode = amount_mode or enr.amount_mode
        enr.fixed_amount_minor = fixed if enr.amount_mode == "fixed" else None
        _accept_mandate(s, loan, inst, enr, ip, user_agent)
        return _save(s, actor, loan, enr, before, "autopay.changed", "terms changed")


def pause(actor: Actor, loan_number: str, until: date | None, reason: str = "",
          today: date | None = None, url: str | None = None) -> EnrolmentView:
    """Skip drafts until `until` (inclusive), or until resumed when no date is given."""
    today = today or date.today()
    if until is not None and until <= today:
        raise ValidationError({"until": "must be after today"})
    with UnitOfWork(url) as s:
        loan, enr = _enrolment(s, actor, loan_number)
        before = audit.snapshot(enr)
        enr.status, enr.paused_until = "paused", until
        return _save(s, actor, loan, enr, before, "autopay.paused", reason or "paused")


def resume(actor: Actor, loan_number: str, today: date | None = None,
           url: str | None = None) -> EnrolmentView:
    """Drafts skipped while paused are not drafted afterwards (pay them in the portal)."""
    with UnitOfWork(url) as s:
        loan, enr = _enrolment(s, actor, loan_number)
        before = audit.snapshot(enr)
        enr.status, enr.paused_until = "active", None
        enr.starts_on = max(enr.starts_on, today or date.today())
        return _save(s, actor, loan, enr, before, "autopay.resumed", "resumed")


def cancel(actor: Actor, loan_number: str, reason: str = "", url: str | None = None) -> None:
    """Stop autopay; drafts not yet sent are cancelled with it."""
    with UnitOfWork(url) as s:
        loan, enr = _enrolment(s, actor, loan_number)
        before = audit.snapshot(enr)
        enr.status, enr.paused_until = "cancelled", None
        _cancel_scheduled(s, enr.id, "autopay cancelled")
        _save(s, actor, loan, enr, before, "autopay.cancelled", reason or "cancelled")


def disable_instrument(s: Session, actor: Actor, instrument_id: int, reason: str,
                       notify_borrower: bool = True) -> list[int]:
    """After a return that says the account cannot be debited (closed, no account, not
    authorized, holder deceased): the instrument is disabled, every enrolment on it stops,
    its scheduled drafts are cancelled, and each borrower is notified unless
    `notify_borrower` is False (a deceased holder: the servicer queue has it instead).
    Returns the loans affected."""
    inst = s.get(PaymentInstrument, instrument_id)
    if inst.status == "disabled":
        return []
    before = audit.snapshot(inst)
    inst.status, inst.disabled_reason = "disabled", reason[:200]
    s.add(inst)
    audit.record(s, actor, "instrument.disabled", "payment_instrument", inst.id,
                 public_snapshot(before), public(inst), reason)
    for a in s.exec(select(CollectionAttempt).where(  # one-time payments queued on it too
            CollectionAttempt.instrument_id == instrument_id,
            CollectionAttempt.status == "scheduled")):
        a.status, a.failure_reason, a.updated_at = "cancelled", reason[:300], utcnow()
        s.add(a)
    loans = []
    for enr in s.exec(select(AutopayEnrolment).where(
            AutopayEnrolment.instrument_id == instrument_id,
            AutopayEnrolment.status.in_(ACTIVE))):
        loan = s.get(Loan, enr.loan_id)
        eb = audit.snapshot(enr)
        enr.status = "disabled"
        _cancel_scheduled(s, enr.id, reason)
        _save(s, actor, loan, enr, eb, "autopay.disabled", reason)
        if notify_borrower:
            notify(s, loan.borrower_id, loan.id, "autopay_disabled",
                   f"Autopay stopped for loan {loan.loan_number}",
                   f"Your bank returned a debit: {reason}. Autopay is off for "
                   f"{inst.label()}. Please add another account or pay in the portal.")
        loans.append(loan.id)
    return loans


def notify(s: Session, user_id: int, loan_id: int | None, kind: str, subject: str,
           body: str) -> None:
    s.add(Notice(user_id=user_id, loan_id=loan_id, kind=kind, subject=subject[:200], body=body))


def view(actor: Actor, loan_number: str, url: str | None = None) -> EnrolmentView | None:
    with UnitOfWork(url) as s:
        loan = own_loan(s, actor, loan_number)
        enr = s.exec(select(AutopayEnrolment).where(AutopayEnrolment.loan_id == loan.id)).first()
        return _view(s, loan, enr) if enr else None


def _cancel_scheduled(s: Session, enrolment_id: int, why: str) -> None:
    for a in s.exec(select(CollectionAttempt).where(
            CollectionAttempt.enrolment_id == enrolment_id,
            CollectionAttempt.status == "scheduled")):
        a.status, a.failure_reason, a.updated_at = "cancelled", why[:300], utcnow()
        s.add(a)


def _enrolment(s: Session, actor: Actor, loan_number: str) -> tuple[Loan, AutopayEnrolment]:
    loan = own_loan(s, actor, loan_number)
    enr = s.exec(select(AutopayEnrolment).where(AutopayEnrolment.loan_id == loan.id)).first()
    if enr is None or enr.status not in ACTIVE:
        raise ValidationError({"loan": "is not enrolled in autopay"})
    return loan, enr


def _save(s, actor, loan, enr, before, action, reason) -> EnrolmentView:
    enr.version += 1
    enr.updated_at = utcnow()
    s.add(enr)
    s.flush()
    audit.record(s, actor, action, "autopay_enrolment", loan.loan_number, before,
                 audit.snapshot(enr), reason)
    return _view(s, loan, enr)


def _view(s: Session, loan: Loan, enr: AutopayEnrolment) -> EnrolmentView:
    inst = s.get(PaymentInstrument, enr.instrument_id)
    return EnrolmentView(loan.loan_number, enr.status, inst.id, inst.label(),
                         enr.draft_offset_days, enr.amount_mode, enr.fixed_amount_minor,
                         enr.paused_until, enr.version, inst.mandate_text)
