"""A payment above the payoff (issue 18, case 3): it closes the loan, the interest booked is
the interest earned, and the rest is a credit balance (product setting `overpayment`: hold it
for a servicer to refund, or refund it at once), never interest income.

The issue's loan: 3,000.00 at 12%, 12 monthly installments of 266.55 (total 3,198.56), funded
2026-01-15, nothing paid, a 15.00 late fee on installment 1. On 2026-03-20 the payoff is
3,000.00 + interest accrued 61.70 + installment 1's 15.00 late fee =
3,076.70, and the remaining schedule is 3,213.56. A regular payment of 3,213.56 that day pays
3,076.70 and leaves 136.86 over: 198.56 - 136.86 = 61.70 interest, as earned."""
from datetime import date

import pytest
from sqlmodel import select

from domain.db.tables import Loan, Payment
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.kernel.errors import ValidationError
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.origination import applications as origination
from domain.servicing import cob, payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED, ON = date(2026, 1, 15), date(2026, 3, 20)


@pytest.fixture
def book(fresh_db, uniq):
    """One book per engine (close of business runs the whole book): a servicer, and the
    issue's loan under each setting, `hold` twice and `refund` twice, closed through ON."""
    url = fresh_db()
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    loans = {}
    for policy in ("hold", "refund"):
        product = make_product(url, admin, f"{uniq}{policy[0]}", annual_rate="12", settings=(
            ("late_fee_minor", "15.00"), ("late_fee_grace_days", "10"),
            ("overpayment", policy)))
        for n in (1, 2):
            app = origination.submit_application(borrower, product, "3000", "12", "50000",
                                                 url=url)
            loans[policy, n] = origination.accept_offer(borrower, app.id, url, on=FUNDED)
    cob.run_cob(ON, SYSTEM, url)  # accrual through 2026-03-20, the late fees on the way
    return url, servicer, loans


def _balances(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return loan.status, {a: journal.account_balance(s, a, loan.id) for a in (
            ledger.INTEREST_INCOME, ledger.SUSPENSE, ledger.INTEREST_RECEIVABLE, ledger.CASH)}


def test_a_payment_above_the_payoff_books_no_unearned_interest(book):
    """Both settings; then a replay of the same payment, and a payoff of the wrong amount."""
    url, servicer, loans = book
    for policy in ("hold", "refund"):
        number = loans[policy, 1]
        detail = queries.loan_detail(servicer, number, url, today=ON)
        assert detail.payoff_minor == 307_670
        assert detail.fees_outstanding_minor == 1_500  # installment 1's fee (2 is in grace)
        result = payments.record_payment(servicer, number, "3213.56", ON, f"{number}-over",
                                         url=url, today=ON)
        assert (result.principal_minor, result.interest_minor, result.fee_minor,
                result.advance_minor) == (300_000, 6_170, 1_500, 13_686)
        status, bal = _balances(url, number)
        assert status == "paid_off"
        assert bal[ledger.INTEREST_INCOME] == -6_170  # credit: exactly the interest earned
        assert bal[ledger.INTEREST_RECEIVABLE] == 0
        after = queries.loan_detail(servicer, number, url, today=ON)
        if policy == "hold":
            assert bal[ledger.SUSPENSE] == -13_686 and after.advance_minor == 13_686
            payments.refund_advance(servicer, number, "136.86", ON, f"{number}-refund",
                                    "credit balance returned", url)
        refunds = [p for p in queries.loan_detail(servicer, number, url, today=ON).payments
                   if p.method == "refund"]
        assert [p.amount_minor for p in refunds] == [13_686], policy
        status, bal = _balances(url, number)
        assert bal[ledger.SUSPENSE] == 0 and bal[ledger.INTEREST_INCOME] == -6_170
        assert queries.loan_detail(servicer, number, url, today=ON).advance_minor == 0

    # a replayed overpayment refunds once; a payment flagged payoff must equal the payoff
    number = loans["refund", 2]
    for _ in range(2):
        payments.record_payment(servicer, number, "3213.56", ON, f"{number}-over",
                                url=url, today=ON)
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        methods = sorted(p.method for p in s.exec(select(Payment).where(
            Payment.loan_id == loan.id)))
    assert methods == ["refund", "regular"]
    number = loans["hold", 2]
    with pytest.raises(ValidationError) as e:
        payments.record_payment(servicer, number, "3213.56", ON, f"{number}-po", url=url,
                                today=ON, payoff=True)
    assert e.value.errors == {"amount": "the payoff on 2026-03-20 is 3,076.70"}
