"""One loan's servicing state, read from its rows in a few grouped queries: the current
schedule, what each installment still owes, the advance held, and the payoff on a date.

Everything here derives from installments, charges and allocation rows (never a stored
running balance), so it is the same however often it is rebuilt.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from domain.calculation.accrual import (Period, accrued_through, installment_paid,
                                        paid_toward_installment)
from domain.calculation.allocation import Outstanding, Rule
from domain.db.tables import Installment, Loan, LoanCharge, PaymentAllocation
from domain.calculation.terms import ProductTerms


@dataclass(frozen=True)
class InstallmentState:
    number: int
    start_date: date
    due_date: date
    principal_minor: int
    interest_minor: int
    fee_minor: int  # scheduled fee plus charges assessed against it
    paid_principal_minor: int
    paid_interest_minor: int
    paid_fee_minor: int
    scheduled_fee_minor: int = 0  # the schedule's installment fee, without charges

    @property
    def paid(self) -> bool:
        """Paid by the one definition (accrual): scheduled principal + interest + installment
        fee fully paid; money that paid charges on it never counts."""
        return installment_paid(self.principal_minor, self.interest_minor,
                                self.scheduled_fee_minor, self.paid_principal_minor,
                                self.paid_interest_minor, self.paid_fee_minor)

    @property
    def due_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor

    @property
    def paid_minor(self) -> int:
        return self.paid_principal_minor + self.paid_interest_minor + self.paid_fee_minor

    @property
    def unpaid_minor(self) -> int:
        return self.due_minor - self.paid_minor


@dataclass(frozen=True)
class LoanState:
    loan: Loan
    terms: ProductTerms
    installments: tuple[InstallmentState, ...]
    advance_minor: int  # held in suspense, not yet applied
    interest_adjustment_minor: int  # interest on allocation rows with no installment
    fee_adjustment_minor: int = 0  # fees paid ahead on installments a modification replaced

    @property
    def rule(self) -> Rule:
        t = self.terms
        return Rule(t.allocation_method, tuple(t.allocation_order), t.allocation_hierarchy,
                    t.allocation_excess, t.early_payment)

    def outstanding(self) -> list[Outstanding]:
        return [Outstanding(i.number, i.principal_minor - i.paid_principal_minor,
                            i.interest_minor - i.paid_interest_minor,
                            i.fee_minor - i.paid_fee_minor, i.due_date)
                for i in self.installments]

    def periods(self) -> list[Period]:
        """Accrual and delinquency periods: what is due and paid by the paid definition
        (scheduled components only; charges and the money that paid them left out)."""
        return [Period(i.number, i.start_date, i.due_date, i.interest_minor,
                       i.principal_minor + i.interest_minor + i.scheduled_fee_minor,
                       paid_toward_installment(i.paid_principal_minor, i.paid_interest_minor,
                                               i.paid_fee_minor, i.scheduled_fee_minor))
                for i in self.installments]

    @property
    def principal_outstanding_minor(self) -> int:
        return sum(i.principal_minor - i.paid_principal_minor for i in self.installments)

    @property
    def fees_outstanding_minor(self) -> int:
        return sum(i.fee_minor - i.paid_fee_minor for i in self.installments) \
            - self.fee_adjustment_minor

    def accrued_unpaid(self, on: date) -> dict[int, int]:
        """Per installment: interest accrued through `on` minus interest paid on it."""
        return {i.number: accrued_through([p], on) - i.paid_interest_minor
                for i, p in zip(self.installments, self.periods())}

    def interest_accrued_unpaid_minor(self, on: date) -> int:
        """Net: accrued and unpaid, less interest paid ahead of accrual (may be negative)."""
        return sum(self.accrued_unpaid(on).values()) - self.interest_adjustment_minor

    def interest_split(self, on: date) -> tuple[int, int]:
        """(accrued and unpaid, paid ahead of accrual), both >= 0, whose difference is the
        net `interest_accrued_unpaid_minor`: what the balances show, so that principal +
        accrued - paid ahead + fees - advance is the payoff, always."""
        net = self.interest_accrued_unpaid_minor(on)
        unpaid = sum(max(a, 0) for a in self.accrued_unpaid(on).values())
        ahead = unpaid - net
        return (unpaid, ahead) if ahead >= 0 else (net, 0)

    def payoff_minor(self, on: date) -> int:
        """Principal + interest accrued to `on` and unpaid + fees, less any advance held."""
        return (self.principal_outstanding_minor + self.interest_accrued_unpaid_minor(on)
                + self.fees_outstanding_minor - self.advance_minor)

    @property
    def fully_paid(self) -> bool:
        return all(i.principal_minor == i.paid_principal_minor and
                   i.fee_minor == i.paid_fee_minor for i in self.installments) and \
            self.principal_outstanding_minor == 0


def load(s: Session, loan: Loan, on: date | None = None) -> LoanState:
    """The loan's state; with `on`, only the charges standing when a payment received that
    day is applied: late fees assessed before it (close of business charges them at the end
    of their day, after that day's payments) and other charges assessed by it."""
    rows = list(s.exec(select(Installment).where(
        Installment.loan_id == loan.id, Installment.schedule_version == loan.schedule_version)
        .order_by(Installment.number)))
    paid = {n: (int(p), int(i), int(f), int(a)) for n, p, i, f, a in s.exec(
        select(PaymentAllocation.installment_number, func.sum(PaymentAllocation.principal_minor),
               func.sum(PaymentAllocation.interest_minor), func.sum(PaymentAllocation.fee_minor),
               func.sum(PaymentAllocation.advance_minor))
        .where(PaymentAllocation.loan_id == loan.id)
        .group_by(PaymentAllocation.installment_number))}
    dated = [] if on is None else [or_(
        and_(LoanCharge.kind == "late", LoanCharge.assessed_on < on),
        and_(LoanCharge.kind != "late", LoanCharge.assessed_on <= on))]
    charges = {n: int(a) for n, a in s.exec(
        select(LoanCharge.installment_number, func.sum(LoanCharge.amount_minor))
        .where(LoanCharge.loan_id == loan.id, *dated)
        .group_by(LoanCharge.installment_number))}
    states = tuple(InstallmentState(
        r.number, r.start_date or loan.disbursement_date, r.due_date, r.principal_minor,
        r.interest_minor, r.fee_minor + charges.get(r.number, 0), *paid.get(r.number, (0,) * 4)[:3],
        r.fee_minor)
        for r in rows)
    unassigned = paid.get(0, (0, 0, 0, 0))
    return LoanState(loan, ProductTerms.from_dict(loan.terms), states, unassigned[3],
                     unassigned[1], unassigned[2])
