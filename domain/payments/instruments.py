"""Saved payment instruments: bank accounts the lender debits through its own bank (NACHA;
the account number sealed with AES-GCM, only its last four digits shown) and Stripe
PaymentMethods saved by a SetupIntent. A borrower adds them to their own loans only."""
import base64

from sqlmodel import Session, select

from domain.db.payment_tables import PaymentInstrument
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.documents.files import DocumentCipher
from domain.kernel.errors import NotFound, ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor

ACCOUNT_TYPES = ("checking", "savings")


def own_loan(s: Session, actor: Actor, loan_number: str) -> Loan:
    loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
    actor.require_permission("self.pay", "loan.view")
    if loan is None or (not actor.can("loan.view") and loan.borrower_id != actor.user_id):
        raise NotFound(f"loan {loan_number}")
    return loan


def routing_ok(routing: str) -> bool:
    """ABA routing number: 9 digits with the 3-7-1 weighted check digit."""
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def seal_account(borrower_id: int, routing: str, account_number: str) -> str:
    blob = DocumentCipher.from_settings().encrypt(
        account_number.encode(), f"lendbook-bank-account:{borrower_id}:{routing}".encode())
    return base64.b64encode(blob).decode()


def unseal_account(instrument: PaymentInstrument) -> str:
    blob = base64.b64decode(instrument.account_number_sealed)
    return DocumentCipher.from_settings().decrypt(
        blob, f"lendbook-bank-account:{instrument.borrower_id}:{instrument.routing_number}"
        .encode()).decode()


def bank_account_errors(holder_name: str, routing: str, account_number: str,
                        account_type: str) -> dict[str, str]:
    """What is wrong with a bank account as typed, by field (empty: nothing), so a form can
    check it together with its other fields before anything is saved."""
    routing, account_number = (routing or "").strip(), (account_number or "").strip()
    errors = {}
    if not (holder_name or "").strip() or len(holder_name.strip()) > 22:
        errors["holder_name"] = "is required (at most 22 characters, as the bank file holds)"
    if not routing_ok(routing):
        errors["routing_number"] = "must be a valid 9-digit ABA routing number"
    if not account_number.isdigit() or not 4 <= len(account_number) <= 17:
        errors["account_number"] = "must be 4 to 17 digits"
    if account_type not in ACCOUNT_TYPES:
        errors["account_type"] = "must be checking or savings"
    return errors


def add_bank_account(actor: Actor, loan_number: str, holder_name: str, routing: str,
                     account_number: str, account_type: str = "checking",
                     url: str | None = None) -> int:
    """A bank account the lender debits through its own bank (NACHA): routing number
    checked, account number kept encrypted, only its last four digits shown."""
    routing, account_number = (routing or "").strip(), (account_number or "").strip()
    errors = bank_account_errors(holder_name, routing, account_number, account_type)
    if errors:
        raise ValidationError(errors)
    with UnitOfWork(url) as s:
        loan = own_loan(s, actor, loan_number)
        inst = PaymentInstrument(
            borrower_id=loan.borrower_id, rail="nacha", kind="us_bank_account",
            routing_number=routing, account_type=account_type, last4=account_number[-4:],
            account_number_sealed=seal_account(loan.borrower_id, routing, account_number),
            holder_name=holder_name.strip())
        s.add(inst)
        s.flush()
        audit.record(s, actor, "instrument.added", "payment_instrument", inst.id, None,
                     {**public(inst), "loan": loan_number})
        return inst.id


def save_provider_method(actor: Actor, loan_number: str, *, customer: str, method_ref: str,
                         kind: str, bank_name: str = "", last4: str = "", card_brand: str = "",
                         routing_number: str = "", account_type: str = "checking",
                         holder_name: str = "", url: str | None = None) -> int:
    """A Stripe PaymentMethod saved by a SetupIntent; the same method saved twice is one
    instrument."""
    if kind not in ("us_bank_account", "card"):
        raise ValidationError({"kind": "must be us_bank_account or card"})
    with UnitOfWork(url) as s:
        loan = own_loan(s, actor, loan_number)
        prior = s.exec(select(PaymentInstrument).where(
            PaymentInstrument.provider_ref == method_ref)).first()
        if prior is not None:
            if prior.borrower_id != loan.borrower_id:
                raise ValidationError({"payment_method": "belongs to another borrower"})
            return prior.id
        inst = PaymentInstrument(
            borrower_id=loan.borrower_id, rail="stripe", kind=kind, provider_customer=customer,
            provider_ref=method_ref, bank_name=bank_name, last4=last4, card_brand=card_brand,
            routing_number=routing_number, account_type=account_type or "checking",
            holder_name=holder_name)
        s.add(inst)
        s.flush()
        audit.record(s, actor, "instrument.added", "payment_instrument", inst.id, None,
                     {**public(inst), "loan": loan_number})
        return inst.id


def instruments(actor: Actor, loan_number: str, url: str | None = None) -> list[tuple[int, str]]:
    """(id, label) of the borrower's active instruments, newest first."""
    with UnitOfWork(url) as s:
        loan = own_loan(s, actor, loan_number)
        rows = s.exec(select(PaymentInstrument).where(
            PaymentInstrument.borrower_id == loan.borrower_id,
            PaymentInstrument.status == "active").order_by(PaymentInstrument.id.desc()))
        return [(i.id, i.label()) for i in rows]


def public(inst: PaymentInstrument) -> dict:
    return public_snapshot(audit.snapshot(inst))


def public_snapshot(snap: dict) -> dict:
    """An instrument as the audit trail keeps it: never the sealed account number."""
    return {k: v for k, v in snap.items() if k != "account_number_sealed"}
