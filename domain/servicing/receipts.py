"""A payment's receipt: the borrower of the loan and staff may have it; anyone else gets the
same NotFound as for a payment that does not exist."""
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain.db.tables import AppUser, Lender, Loan, Payment, PaymentAllocation
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound
from domain.documents.receipt import ReceiptData, ReceiptLine, render_receipt
from domain.kernel.actor import Actor
from domain.servicing.queries import history_rows

NOT_YOURS = "this payment does not exist or is not yours to see"


def receipt(actor: Actor, payment_id: int, today: date | None = None,
            url: str | None = None) -> ReceiptData:
    actor.require_permission("self.loans", "loan.view")
    with UnitOfWork(url) as s:
        payment = s.get(Payment, payment_id) if payment_id else None
        loan = s.get(Loan, payment.loan_id) if payment else None
        if loan is None or (not actor.can("loan.view") and loan.borrower_id != actor.user_id):
            raise NotFound(NOT_YOURS)
        (row,) = history_rows(s, loan.id, payment_id=payment.id)
        lines = tuple(ReceiptLine(n, int(p), int(i), int(f), int(a)) for n, p, i, f, a in s.exec(
            select(PaymentAllocation.installment_number,
                   func.sum(PaymentAllocation.principal_minor),
                   func.sum(PaymentAllocation.interest_minor),
                   func.sum(PaymentAllocation.fee_minor),
                   func.sum(PaymentAllocation.advance_minor))
            .where(PaymentAllocation.payment_id == payment.id,
                   PaymentAllocation.reversal_id.is_(None))
            .group_by(PaymentAllocation.installment_number)
            .order_by(PaymentAllocation.installment_number)) if p or i or f or a)
        lender = s.exec(select(Lender)).first()
        return ReceiptData(
            lender.name if lender else "Lender", s.get(AppUser, loan.borrower_id).name,
            loan.loan_number, payment.id, payment.received_on, payment.amount_minor, row.status,
            payment.channel, payment.method, lines, row.return_code, row.return_text,
            row.reversed_on, row.instrument, payment.reason, today or date.today())


def receipt_pdf(actor: Actor, payment_id: int, today: date | None = None,
                url: str | None = None) -> tuple[str, bytes]:
    """(file name, PDF bytes)."""
    r = receipt(actor, payment_id, today, url)
    return f"receipt-{r.loan_number}-{r.payment_id}.pdf", render_receipt(r)
