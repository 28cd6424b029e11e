"""Mid-life modifications and closings on SQLite and PostgreSQL: new schedule versions (old
kept), journal and audit, receivables always equal to the schedule's view."""
from datetime import date

import pytest
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.db.tables import AuditLog, Installment, Loan, LoanModification
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.ledger import journal
from domain.servicing import loan_state, modifications, payments
from domain.origination import applications as origination
from tests.integration.helpers import count, make_product, make_user

BOOKED = date(2026, 1, 10)
TODAY = date(2026, 11, 22)


@pytest.fixture
def world(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    w = dict(url=db_url, servicer=make_user(db_url, uniq, "servicer"),
             borrower=make_user(db_url, uniq, "borrower"))
    w["product"] = make_product(db_url, admin, uniq, annual_rate="12", settings=(
        ("allocation_hierarchy", "clear_dues"), ("allocation_excess", "principal")))
    return w


def book(w, amount="12000", term="12") -> str:
    app = origination.submit_application(w["borrower"], w["product"], amount, term, "9000",
                                         url=w["url"])
    return origination.accept_offer(w["borrower"], app.id, w["url"], on=BOOKED)


def modify(w, number, kind, on, key, **params):
    return modifications.modify_loan(w["servicer"], number, kind, on, f"test {kind}",
                                     f"{number}-{key}", params, w["url"])


def state(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        st = loan_state.load(s, loan)
        lr = journal.account_balance(s, ledger.LOANS_RECEIVABLE, loan.id)
        assert st.principal_outstanding_minor == lr  # the schedule's view equals the ledger
        assert sum(journal.trial_balance(s).values()) == 0
        return loan, st


def test_recast_after_a_large_payment_lowers_the_installment(world):
    n = book(world)
    _, before = state(world["url"], n)
    regular = before.installments[0].principal_minor + before.installments[0].interest_minor
    payments.record_payment(world["servicer"], n, "6066.19", date(2026, 2, 10), n + "-big",
                            url=world["url"], today=TODAY)  # installment 1 + 5,000 principal
    assert modify(world, n, "recast", date(2026, 2, 10), "r") == 2
    loan, after = state(world["url"], n)
    new = after.installments[1:]
    assert len(after.installments) == 12 and after.installments[0].unpaid_minor == 0
    assert sum(i.principal_minor for i in new) == after.principal_outstanding_minor
    left = after.principal_outstanding_minor  # 12,000 - 946.19 - 5,000 = 6,053.81
    assert left == 1200000 - 94619 - 500000
    assert new[0].interest_minor == round(left * 0.01)  # a month at 12%
    assert new[0].principal_minor + new[0].interest_minor < regular * 0.6
    assert count(world["url"], Installment, Installment.loan_id == loan.id,
                 Installment.schedule_version == 1) == 12  # the old schedule is kept
    assert modify(world, n, "recast", date(2026, 2, 10), "r") == 2  # replay


def test_rate_term_change_reprices_the_rest_and_keeps_history(world):
    n = book(world)
    modify(world, n, "rate_term", date(2026, 3, 1), "rt", annual_rate="6", periods=20)
    loan, st = state(world["url"], n)
    assert loan.terms["annual_rate"] == "6" and loan.term == 21
    assert len(st.installments) == 21 and st.installments[0].due_date == date(2026, 2, 10)
    # one month at 6% on what was left after installment 1 fell due
    left = sum(i.principal_minor for i in st.installments[1:])
    assert st.installments[1].interest_minor == round(left * 0.005)
    with UnitOfWork(world["url"]) as s:
        mod = s.exec(select(LoanModification).where(LoanModification.loan_id == loan.id)).one()
        assert (mod.kind, mod.from_version, mod.to_version) == ("rate_term", 1, 2)
        audit = s.exec(select(AuditLog).where(AuditLog.action == "loan.rate_term",
                                              AuditLog.entity_id == n)).one()
        assert audit.before["terms"]["annual_rate"] == "12" and audit.after["terms"][
            "annual_rate"] == "6"


def test_restructure_capitalizes_arrears_into_principal(world):
    n = book(world)
    _, st0 = state(world["url"], n)
    arrears_interest = st0.installments[0].interest_minor + st0.installments[1].interest_minor
    modify(world, n, "restructure", date(2026, 3, 20), "rs", periods=24)
    loan, st = state(world["url"], n)
    assert [i.unpaid_minor for i in st.installments[:2]] == [0, 0]  # settled by capitalization
    assert st.principal_outstanding_minor == 1200000 + arrears_interest
    assert len(st.installments) == 26
    with UnitOfWork(world["url"]) as s:
        mod = s.exec(select(LoanModification).where(LoanModification.loan_id == loan.id)).one()
        assert mod.journal_entry_id and journal.account_balance(
            s, ledger.LOANS_RECEIVABLE, loan.id) == 1200000 + arrears_interest


def test_payment_holiday_and_due_date_change_move_the_next_due_date(world):
    a, b = book(world), book(world)
    modify(world, a, "holiday", date(2026, 1, 20), "h", installments=2)
    _, st = state(world["url"], a)
    assert st.installments[0].due_date == date(2026, 4, 10) and len(st.installments) == 12
    assert st.installments[0].interest_minor > 3 * 11900  # three months of interest
    modify(world, b, "due_date", date(2026, 1, 20), "d", first_due_date="2026-02-25")
    _, st = state(world["url"], b)
    assert [i.due_date for i in st.installments[:2]] == [date(2026, 2, 25), date(2026, 3, 25)]


def test_write_off_moves_every_receivable_to_credit_losses(world):
    n = book(world)
    modify(world, n, "write_off", date(2026, 6, 1), "w")
    with UnitOfWork(world["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == n)).one()
        assert loan.status == "written_off" and loan.closed_on == date(2026, 6, 1)
        for account in (ledger.LOANS_RECEIVABLE, ledger.INTEREST_RECEIVABLE,
                        ledger.FEES_RECEIVABLE):
            assert journal.account_balance(s, account, loan.id) == 0
        assert journal.account_balance(s, ledger.CREDIT_LOSSES, loan.id) == 1200000
    with pytest.raises(ValidationError):
        payments.record_payment(world["servicer"], n, "10", date(2026, 6, 2), n + "-late",
                                url=world["url"], today=TODAY)


def test_bad_modifications_change_nothing(world):
    n = book(world)
    before = count(world["url"], Installment)
    for kind, params, field in (("recast", {}, "reason"), ("bogus", {}, "kind"),
                                ("rate_term", {"annual_rate": "-1"}, "annual_rate"),
                                ("due_date", {"first_due_date": "x"}, "first_due_date"),
                                ("recast", {}, "effective_date")):
        with pytest.raises(ValidationError) as e:
            modifications.modify_loan(
                world["servicer"], n, kind, date(2030, 1, 1) if field == "effective_date"
                else date(2026, 2, 1), "" if field == "reason" else "why", f"{n}-{field}",
                params, world["url"])
        assert field in e.value.errors
    assert count(world["url"], Installment) == before
    assert count(world["url"], LoanModification,
                 LoanModification.idempotency_key.like(n + "-%")) == 0
