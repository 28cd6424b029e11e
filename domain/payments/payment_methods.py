"""What the borrower's payment pages need to offer a choice: the saved methods with their kind
and rail (the mandate wording depends on the kind), and the lender's name for the mandate."""
from dataclasses import dataclass

from sqlmodel import select

from domain.db.payment_tables import PaymentInstrument
from domain.db.tables import Lender
from domain.db.uow import UnitOfWork
from domain.kernel.actor import Actor
from domain.payments.instruments import own_loan


@dataclass(frozen=True)
class Method:
    id: int
    label: str
    kind: str  # us_bank_account, card
    rail: str  # nacha (the lender's bank file), stripe


def methods(actor: Actor, loan_number: str, url: str | None = None) -> list[Method]:
    """The loan's borrower's active instruments, newest first (as instruments.instruments)."""
    with UnitOfWork(url) as s:
        loan = own_loan(s, actor, loan_number)
        return [Method(i.id, i.label(), i.kind, i.rail) for i in s.exec(
            select(PaymentInstrument).where(PaymentInstrument.borrower_id == loan.borrower_id,
                                            PaymentInstrument.status == "active")
            .order_by(PaymentInstrument.id.desc()))]


def lender_name(url: str | None = None) -> str:
    """As autopay's mandate names the lender."""
    with UnitOfWork(url) as s:
        lender = s.exec(select(Lender)).first()
        return lender.name if lender else "the lender"
