"""Payments over time: reversal, backdating, payoff, NSF fee, on SQLite and PostgreSQL."""
import random
from datetime import date, timedelta

import pytest
from sqlmodel import select

from domain import ledger
from domain.db.tables import JournalEntry, Loan, LoanCharge, Posting
from domain.db.uow import UnitOfWork
from domain.errors import ValidationError
from domain.services import journal, loan_state, origination, payments, queries
from tests.integration.helpers import count, make_product, make_user

BOOKED = date(2026, 1, 10)
TODAY = date(2026, 11, 22)


@pytest.fixture
def world(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    servicer = make_user(db_url, uniq, "servicer")
    borrower = make_user(db_url, uniq, "borrower")
    product = make_product(db_url, admin, uniq, annual_rate="12", settings=(
        ("nsf_fee_minor", "25.00"), ("late_fee_minor", "15.00")))
    return dict(url=db_url, servicer=servicer, borrower=borrower, product=product)


def book(w, amount="1200", term="12") -> str:
    app = origination.submit_application(w["borrower"], w["product"], amount, term, "5000",
                                         url=w["url"])
    return origination.accept_offer(w["borrower"], app.id, w["url"], on=BOOKED)


def pay(w, number, amount, on, key, **kw):
    return payments.record_payment(w["servicer"], number, amount, on, f"{number}-{key}",
                                   url=w["url"],
                                   today=TODAY, **kw)


def snapshot(url, number):
    """Everything a reversal must restore: per-installment paid amounts and loan balances."""
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        st = loan_state.load(s, loan)
        balances = {a: journal.account_balance(s, a, loan.id) for a in ledger.ACCOUNTS}
        return ([(i.number, i.paid_principal_minor, i.paid_interest_minor, i.paid_fee_minor)
                 for i in st.installments], st.advance_minor, loan.status, balances)


def test_reversal_restores_the_exact_prior_state_and_charges_nsf(world):
    number = book(world)
    pay(world, number, "106.62", date(2026, 2, 10), "a")
    before = snapshot(world["url"], number)
    second = pay(world, number, "106.62", date(2026, 3, 10), "b")
    assert snapshot(world["url"], number) != before
    payments.reverse_payment(world["servicer"], second.payment_id, "bank return",
                             "R01", date(2026, 3, 14), world["url"])
    paid, advance, status, balances = snapshot(world["url"], number)
    fee = 2500
    # state as before the payment, plus the NSF fee charged and owed
    assert (paid, advance, status) == before[:3]
    assert balances[ledger.FEES_RECEIVABLE] == before[3][ledger.FEES_RECEIVABLE] + fee
    assert balances[ledger.FEE_INCOME] == before[3][ledger.FEE_INCOME] - fee
    for account in (ledger.LOANS_RECEIVABLE, ledger.INTEREST_RECEIVABLE, ledger.CASH):
        assert balances[account] == before[3][account]
    assert count(world["url"], LoanCharge, LoanCharge.kind == "nsf") == 1
    # reversing again is a no-op; an R02 reversal carries no fee
    payments.reverse_payment(world["servicer"], second.payment_id, "bank return", "R01",
                             date(2026, 3, 14), world["url"])
    assert count(world["url"], LoanCharge, LoanCharge.kind == "nsf") == 1
    detail = queries.loan_detail(world["servicer"], number, world["url"], today=TODAY)
    assert [(p.reversed, p.return_code) for p in detail.payments] == [(False, ""), (True, "R01")]


def test_backdated_payment_reallocates_later_payments_as_if_in_date_order(world):
    a, b = book(world), book(world)
    # loan a: payments arrive in date order
    pay(world, a, "50.00", date(2026, 2, 1), "a1")
    pay(world, a, "200.00", date(2026, 3, 20), "a2")
    # loan b: the later payment is posted first, the earlier one backdated
    pay(world, b, "200.00", date(2026, 3, 20), "b2")
    pay(world, b, "50.00", date(2026, 2, 1), "b1")
    sa, sb = snapshot(world["url"], a), snapshot(world["url"], b)
    assert sa[:3] == sb[:3] and sa[3] == sb[3]
    with UnitOfWork(world["url"]) as s:
        ids = {e.id for e in s.exec(select(JournalEntry).where(JournalEntry.id.like("realloc-%")))}
    assert any(i.endswith("-out-1") for i in ids) and any(i.endswith("-in-1") for i in ids)


def test_payoff_quote_closes_the_loan_and_a_reversal_reopens_it(world):
    number = book(world)
    pay(world, number, "106.62", date(2026, 2, 10), "p1")
    on = date(2026, 2, 25)
    detail = queries.loan_detail(world["servicer"], number, world["url"], today=on)
    # principal left after one installment, plus 15 of 28 days' interest on it
    assert detail.principal_outstanding_minor == 120000 - 9462
    interest = (110538 * 1 // 100 * 15) // 28  # 1% a month on 1,105.38 is 11.05
    assert detail.payoff_minor == 110538 + interest
    with pytest.raises(ValidationError) as e:
        pay(world, number, "1000.00", on, "p-wrong", payoff=True)
    assert "payoff on 2026-02-25 is" in e.value.errors["amount"]
    amount = f"{detail.payoff_minor // 100}.{detail.payoff_minor % 100:02d}"
    done = pay(world, number, amount, on, "p-off", payoff=True)
    detail = queries.loan_detail(world["servicer"], number, world["url"], today=on)
    assert detail.status == "paid_off" and detail.principal_outstanding_minor == 0
    with UnitOfWork(world["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        assert journal.account_balance(s, ledger.INTEREST_RECEIVABLE, loan.id) == 0
        assert journal.account_balance(s, ledger.LOANS_RECEIVABLE, loan.id) == 0
    payments.reverse_payment(world["servicer"], done.payment_id, "cheque bounced", "R09",
                             on, world["url"])
    assert queries.loan_detail(world["servicer"], number, world["url"],
                               today=on).status == "active"


@pytest.mark.parametrize("seed", range(6))
def test_reverse_of_post_restores_balances_exactly(world, seed):
    """Property: for random payments on a random loan, reversing one restores every balance
    and every installment's paid amounts to what they were without it."""
    rng = random.Random(seed)
    number = book(world, str(rng.randint(1000, 20000)), str(rng.randint(6, 36)))
    day = BOOKED
    for k in range(rng.randint(0, 4)):
        day += timedelta(days=rng.randint(1, 60))
        pay(world, number, f"{rng.randint(1, 300)}.{rng.randint(0, 99):02d}", day, f"r{k}")
    before = snapshot(world["url"], number)
    day += timedelta(days=rng.randint(0, 30))
    p = pay(world, number, f"{rng.randint(1, 400)}.00", min(day, TODAY), "victim")
    payments.reverse_payment(world["servicer"], p.payment_id, "test", "R02", day, world["url"])
    assert snapshot(world["url"], number) == before
    with UnitOfWork(world["url"]) as s:
        assert sum(journal.trial_balance(s).values()) == 0
        for entry in s.exec(select(JournalEntry)):
            lines = s.exec(select(Posting.amount_minor).where(Posting.entry_id == entry.id))
            assert sum(lines) == 0, entry.id
