"""Payments over time: reversal, backdating, payoff, NSF fee, on SQLite and PostgreSQL."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.db.tables import JournalEntry, Loan, LoanCharge, Posting
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.ledger import journal
from domain.servicing import loan_state, payments, queries
from domain.origination import applications as origination
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
    app = origination.submit_application(w["borrower"], w["product"], amount, term, "50000",
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


def nsf_charges(url, number) -> int:
    """This loan's NSF fees (the database is shared: other tests' returns charge theirs)."""
    loan_id = select(Loan.id).where(Loan.loan_number == number).scalar_subquery()
    return count(url, LoanCharge, LoanCharge.kind == "nsf", LoanCharge.loan_id == loan_id)


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
    assert nsf_charges(world["url"], number) == 1
    # reversing again is a no-op; an R02 reversal carries no fee
    payments.reverse_payment(world["servicer"], second.payment_id, "bank return", "R01",
                             date(2026, 3, 14), world["url"])
    assert nsf_charges(world["url"], number) == 1
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


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(amount=st.integers(1000, 20000), term=st.integers(6, 36),
       earlier=st.lists(st.tuples(st.integers(1, 60), st.integers(100, 30099)), max_size=4),
       gap=st.integers(0, 30), victim=st.integers(100, 40000))
def test_reverse_of_post_restores_balances_exactly(world, amount, term, earlier, gap, victim):
    """Property: on a random loan with random earlier payments, posting a payment and then
    reversing it restores every balance and every installment's paid amounts exactly."""
    number = book(world, str(amount), str(term))
    day = BOOKED
    for k, (days, cents) in enumerate(earlier):
        day += timedelta(days=days)
        pay(world, number, f"{cents // 100}.{cents % 100:02d}", min(day, TODAY), f"r{k}")
    before = snapshot(world["url"], number)
    day = min(day + timedelta(days=gap), TODAY)
    p = pay(world, number, f"{victim // 100}.{victim % 100:02d}", day, "victim")
    payments.reverse_payment(world["servicer"], p.payment_id, "test", "R02", day, world["url"])
    assert snapshot(world["url"], number) == before
    with UnitOfWork(world["url"]) as s:
        assert sum(journal.trial_balance(s).values()) == 0
        for entry in s.exec(select(JournalEntry)):
            lines = s.exec(select(Posting.amount_minor).where(Posting.entry_id == entry.id))
            assert sum(lines) == 0, entry.id


def test_an_advance_is_held_then_refunded_and_never_more_than_held(db_url, uniq):
    admin = make_user(db_url, uniq, "admin", "adv")
    w = dict(url=db_url, servicer=make_user(db_url, uniq, "servicer", "adv"),
             borrower=make_user(db_url, uniq, "borrower", "adv"))
    w["product"] = make_product(db_url, admin, uniq + "a", annual_rate="12",
                                settings=(("allocation_hierarchy", "clear_dues"),))
    number = book(w)
    pay(w, number, "150.00", date(2026, 2, 10), "adv")  # 106.62 due, 43.38 held
    detail = queries.loan_detail(w["servicer"], number, db_url, today=date(2026, 2, 10))
    assert detail.advance_minor == 4338
    with pytest.raises(ValidationError) as e:
        payments.refund_advance(w["servicer"], number, "50.00", date(2026, 2, 11), "r-" + number,
                                "borrower asked", db_url)
    assert "exceeds the 43.38 held" in e.value.errors["amount"]
    payments.refund_advance(w["servicer"], number, "43.38", date(2026, 2, 11), "r-" + number,
                            "borrower asked", db_url)
    with UnitOfWork(db_url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        assert journal.account_balance(s, ledger.SUSPENSE, loan.id) == 0
        assert loan_state.load(s, loan).advance_minor == 0
    statuses = [p.method for p in queries.loan_detail(w["servicer"], number, db_url,
                                                      today=date(2026, 2, 11)).payments]
    assert statuses == ["regular", "refund"]
