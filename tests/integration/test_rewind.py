"""A backdated payment or reversal before a modification (issue 18): the schedule is rewound,
the event posted, and the modification rebuilt from the balances of its date, so the loan
ends exactly as a twin loan to which the same things happened in date order: same schedule
(due dates, principal, interest), same amounts paid on every installment, same advance and
the same ledger balances; the journal shows the undoing and the redoing as new entries."""
from datetime import date

import pytest
from sqlmodel import select

from domain.db.tables import Installment, Loan, LoanModification
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.origination import applications as origination
from domain.servicing import loan_state, modifications, payments
from tests.integration.helpers import make_product, make_user

FUNDED, MODIFIED, TODAY = date(2026, 1, 10), date(2026, 3, 15), date(2026, 3, 20)
KINDS = {"rate_term": {"annual_rate": "6", "periods": "12"}, "recast": {},
         "holiday": {"installments": "2"}, "restructure": {"annual_rate": "9"}}


@pytest.fixture
def world(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    return dict(url=db_url, servicer=make_user(db_url, uniq, "servicer"),
                borrower=make_user(db_url, uniq, "borrower"),
                product=make_product(db_url, admin, uniq, annual_rate="12"))


def _book(w) -> str:
    app = origination.submit_application(w["borrower"], w["product"], "1200", "12", "9000",
                                         url=w["url"])
    return origination.accept_offer(w["borrower"], app.id, w["url"], on=FUNDED)


def _pay(w, number, amount, on, key):
    return payments.record_payment(w["servicer"], number, amount, on, f"{number}-{key}",
                                   url=w["url"], today=TODAY)


def _modify(w, number, kind):
    modifications.modify_loan(w["servicer"], number, kind, MODIFIED, f"test {kind}",
                              f"{number}-mod", KINDS[kind], w["url"])


def _book_state(url, number):
    """Everything that must match the twin's, with the ledger checked against it."""
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        st = loan_state.load(s, loan)
        schedule = [(i.due_date, i.principal_minor, i.interest_minor) for i in s.exec(
            select(Installment).where(Installment.loan_id == loan.id,
                                      Installment.schedule_version == loan.schedule_version)
            .order_by(Installment.number))]
        paid = [(i.number, i.paid_principal_minor, i.paid_interest_minor, i.paid_fee_minor)
                for i in st.installments]
        balances = {a: journal.account_balance(s, a, loan.id) for a in ledger.ACCOUNTS}
        assert balances[ledger.LOANS_RECEIVABLE] == st.principal_outstanding_minor
        assert sum(journal.trial_balance(s).values()) == 0
        return (schedule, paid, st.advance_minor, loan.status, loan.term,
                loan.terms["annual_rate"], balances)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_payment_backdated_before_a_modification_ends_as_if_posted_in_order(world, kind):
    twin, loan = _book(world), _book(world)
    for number in (twin, loan):
        _pay(world, number, "106.62", date(2026, 2, 10), "1")
    # the twin: the 200.00 received 2026-03-01 is posted before the modification of 03-15
    _pay(world, twin, "200.00", date(2026, 3, 1), "2")
    _modify(world, twin, kind)
    # the loan: modified first; the 200.00 received 2026-03-01 is posted on 03-20
    _modify(world, loan, kind)
    r = _pay(world, loan, "200.00", date(2026, 3, 1), "2")
    assert r.amount_minor == 20_000
    assert _book_state(world["url"], loan) == _book_state(world["url"], twin)
    with UnitOfWork(world["url"]) as s:
        loan_id = s.exec(select(Loan.id).where(Loan.loan_number == loan)).one()
        kinds = [m.kind for m in s.exec(select(LoanModification).where(
            LoanModification.loan_id == loan_id).order_by(LoanModification.id))]
    assert kinds == [kind, "rewind", kind]  # append-only: the first stays, undone and redone


def test_a_reversal_before_a_modification_ends_as_if_reversed_in_order(world):
    twin, loan = _book(world), _book(world)
    firsts = {n: _pay(world, n, "106.62", date(2026, 2, 10), "1") for n in (twin, loan)}
    payments.reverse_payment(world["servicer"], firsts[twin].payment_id, "posting error", "",
                             date(2026, 3, 10), world["url"])
    _modify(world, twin, "rate_term")
    _modify(world, loan, "rate_term")
    payments.reverse_payment(world["servicer"], firsts[loan].payment_id, "posting error", "",
                             TODAY, world["url"])
    assert _book_state(world["url"], loan) == _book_state(world["url"], twin)


def test_a_backdated_payment_before_a_write_off_is_still_refused(world):
    number = _book(world)
    modifications.modify_loan(world["servicer"], number, "write_off", MODIFIED, "uncollectable",
                              f"{number}-wo", {}, world["url"])
    with pytest.raises(ValidationError) as e:
        _pay(world, number, "100.00", date(2026, 3, 1), "late")
    assert e.value.errors == {"amount": "loan is written off"}


def test_two_backdated_payments_rewind_the_rebuilt_schedule_again(world):
    """The second backdated payment finds the modification as rebuilt (not the original or
    the rewind): three loans end equal, one of them given everything in date order."""
    ordered, once, twice = _book(world), _book(world), _book(world)
    for number in (ordered, once, twice):
        _pay(world, number, "106.62", date(2026, 2, 10), "1")
    _pay(world, ordered, "50.00", date(2026, 2, 20), "3")
    _pay(world, ordered, "200.00", date(2026, 3, 1), "2")
    _modify(world, ordered, "holiday")
    _pay(world, once, "50.00", date(2026, 2, 20), "3")
    _modify(world, once, "holiday")
    _pay(world, once, "200.00", date(2026, 3, 1), "2")
    _modify(world, twice, "holiday")
    _pay(world, twice, "200.00", date(2026, 3, 1), "2")
    _pay(world, twice, "50.00", date(2026, 2, 20), "3")
    expected = _book_state(world["url"], ordered)
    assert _book_state(world["url"], once) == expected
    assert _book_state(world["url"], twice) == expected


def test_late_fees_across_a_modification_once_and_replayed(fresh_db, uniq):
    """Installment 1 (due 2026-02-10) unpaid: its 15.00 late fee on 2026-02-21; a two-month
    holiday from 2026-03-01 keeps installment 1 as it is, and close of business through
    2026-03-25 does not charge it a second time under the new schedule version. Then the
    cheque received on 2026-02-10 is posted: the schedule is rewound and rebuilt, and the fee
    (never due, as known now) is removed."""
    from domain.db.tables import LoanCharge
    from domain.kernel.actor import SYSTEM
    from domain.servicing import cob
    url = fresh_db()
    admin = make_user(url, uniq, "admin")
    w = dict(url=url, servicer=make_user(url, uniq, "servicer"),
             borrower=make_user(url, uniq, "borrower"),
             product=make_product(url, admin, uniq, annual_rate="12", settings=(
                 ("late_fee_minor", "15.00"), ("late_fee_grace_days", "10"))))
    number = _book(w)
    cob.run_cob(date(2026, 2, 25), SYSTEM, url)
    modifications.modify_loan(w["servicer"], number, "holiday", date(2026, 3, 1), "hardship",
                              f"{number}-h", {"installments": "2"}, url)
    cob.run_cob(date(2026, 3, 25), SYSTEM, url)

    def fees():
        with UnitOfWork(url) as s:
            loan_id = s.exec(select(Loan.id).where(Loan.loan_number == number)).one()
            return [(c.installment_number, c.amount_minor, c.assessed_on) for c in s.exec(
                select(LoanCharge).where(LoanCharge.loan_id == loan_id,
                                         LoanCharge.kind == "late").order_by(LoanCharge.id))]
    assert fees() == [(1, 1_500, date(2026, 2, 21))]
    payments.record_payment(w["servicer"], number, "106.62", date(2026, 2, 10), f"{number}-c",
                            url=url, today=date(2026, 3, 25))
    assert fees() == [(1, 1_500, date(2026, 2, 21)), (1, -1_500, date(2026, 2, 21))]
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        st = loan_state.load(s, loan)
        assert st.installments[0].paid and st.fees_outstanding_minor == 0
        assert (loan.days_past_due, loan.delinquency_bucket) == (0, "current")
        assert journal.account_balance(s, ledger.FEES_RECEIVABLE, loan.id) == 0


def test_a_payment_between_two_modifications_ends_as_if_posted_in_order(world):
    """Recast 2026-02-15 and rate/term 2026-03-15; 200.00 received 2026-03-01 (between them)
    is posted on 03-20: every modification is rebuilt, the loan equals its in-order twin."""
    twin, loan = _book(world), _book(world)

    def mod(number, kind, on, key):
        modifications.modify_loan(world["servicer"], number, kind, on, f"test {kind}",
                                  f"{number}-{key}", KINDS[kind], world["url"])
    for number in (twin, loan):
        _pay(world, number, "106.62", date(2026, 2, 10), "1")
        mod(number, "recast", date(2026, 2, 15), "m1")
    _pay(world, twin, "200.00", date(2026, 3, 1), "2")
    mod(twin, "rate_term", MODIFIED, "m2")
    mod(loan, "rate_term", MODIFIED, "m2")
    _pay(world, loan, "200.00", date(2026, 3, 1), "2")
    assert _book_state(world["url"], loan) == _book_state(world["url"], twin)


def test_reversing_a_payment_made_on_a_modification_day_rebuilds_the_modification(world):
    """150.00 received 2026-03-15, then a recast effective that day (built on it); reversing
    the payment gives the loan a twin would have had with the recast alone."""
    twin, loan = _book(world), _book(world)
    for number in (twin, loan):
        _pay(world, number, "106.62", date(2026, 2, 10), "1")
    paid = _pay(world, loan, "150.00", MODIFIED, "2")
    _modify(world, loan, "recast")
    _modify(world, twin, "recast")
    payments.reverse_payment(world["servicer"], paid.payment_id, "posting error", "", TODAY,
                             world["url"])
    assert _book_state(world["url"], loan) == _book_state(world["url"], twin)


def test_a_modification_is_not_dated_before_a_payment_already_recorded(world):
    number = _book(world)
    _pay(world, number, "106.62", date(2026, 3, 20), "1")
    with pytest.raises(ValidationError) as e:
        _modify(world, number, "recast")  # dated 2026-03-15
    assert e.value.errors == {"effective_date": (
        "must not be before the loan's last payment (2026-03-20): a modification is built on "
        "the loan as it stands")}


def test_a_restructure_of_principal_only_arrears_and_its_rewind(world):
    """Installment 1 (due 2026-02-10): its 12.00 interest paid, its 94.62 principal not; a
    restructure on 2026-02-15 capitalizes principal only (no journal entry: principal stays
    principal). 50.00 received 2026-02-12 and posted after it rewinds and rebuilds the
    restructure: the loan equals its in-order twin."""
    twin, loan = _book(world), _book(world)

    def restructure(number):
        return modifications.modify_loan(world["servicer"], number, "restructure",
                                         date(2026, 2, 15), "test restructure",
                                         f"{number}-mod", KINDS["restructure"], world["url"])
    for number in (twin, loan):
        _pay(world, number, "12.00", date(2026, 2, 10), "1")  # interest only
    with UnitOfWork(world["url"]) as s:  # principal-only arrears: nothing to journal
        from domain.db.tables import Payment
        restructure(loan)
        loan_id = s.exec(select(Loan.id).where(Loan.loan_number == loan)).one()
        cap = s.exec(select(Payment).where(Payment.loan_id == loan_id,
                                           Payment.method == "capitalization")).one()
        assert cap.amount_minor == 9_462
    _pay(world, twin, "50.00", date(2026, 2, 12), "2")
    restructure(twin)
    _pay(world, loan, "50.00", date(2026, 2, 12), "2")
    assert _book_state(world["url"], loan) == _book_state(world["url"], twin)
