"""The thin lifecycle through the domain commands, on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from domain.db.engine import get_engine

from domain.db.tables import (APPEND_ONLY, Application, AuditLog, Installment, JournalEntry,
                              Loan, Payment, Posting, Product)
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.ledger.entries import CASH, INTEREST_INCOME, INTEREST_RECEIVABLE, LOANS_RECEIVABLE
from domain.access import accounts
from domain.ledger import journal
from domain.origination import applications as origination
from domain.servicing import payments, queries
from domain.configuration import products
from tests.integration.helpers import count, make_product, make_user


@pytest.fixture
def world(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    servicer = make_user(db_url, uniq, "servicer")
    borrower = make_user(db_url, uniq, "borrower")
    product = make_product(db_url, admin, uniq)
    return dict(url=db_url, admin=admin, servicer=servicer, borrower=borrower, product=product)


def book(w, amount="8000", term="24", income="5200"):
    app = origination.submit_application(w["borrower"], w["product"], amount, term, income,
                                         "Car repair", url=w["url"])
    assert app.status == "approved", app.reasons
    return origination.accept_offer(w["borrower"], app.id, w["url"])


def test_apply_decide_book_pay(world):
    url, borrower, servicer = world["url"], world["borrower"], world["servicer"]
    app = origination.submit_application(borrower, world["product"], "8000", "24", "5200",
                                         url=url)
    assert app.status == "approved" and app.installment_minor == 37655
    assert any("within" in r for r in app.reasons)
    loan_number = origination.accept_offer(borrower, app.id, url)
    assert origination.accept_offer(borrower, app.id, url) == loan_number  # replay: same loan
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).one()
        insts = list(s.exec(select(Installment).where(Installment.loan_id == loan.id)))
        assert (loan.principal_minor, loan.term) == (800000, 24)  # nothing re-keyed
        assert loan.terms["annual_rate"] == "11.99"
        assert len(insts) == 24 and sum(i.principal_minor for i in insts) == 800000
        assert journal.principal_outstanding(s, loan.id) == 800000
        assert s.get(Application, app.id).status == "booked"
    detail = queries.loan_detail(borrower, loan_number, url)
    assert detail.next_due_minor == 37655 and detail.principal_outstanding_minor == 800000

    result = payments.record_payment(servicer, loan_number, "400.00", None, "k-" + loan_number,
                                     "cheque", url)
    # installment 1 in full (7,993 interest + 29,662 principal), then 23.45 of #2's interest
    assert (result.principal_minor, result.interest_minor) == (29662, 7993 + 2345)
    detail = queries.loan_detail(borrower, loan_number, url)
    assert detail.principal_outstanding_minor == 800000 - 29662
    assert detail.interest_paid_minor == 10338
    assert [i.status for i in detail.installments[:2]] == ["paid", "partial"]
    assert detail.next_due_minor == 37655 - 2345
    assert [(p.amount_minor, p.reason) for p in detail.payments] == [(40000, "cheque")]
    with UnitOfWork(url) as s:
        tb = journal.trial_balance(s)
        assert sum(tb.values()) == 0
        # accrual accounting: interest collected ahead of accrual sits as a credit in
        # interest receivable; income appears as close of business accrues it
        assert journal.account_balance(s, INTEREST_RECEIVABLE, loan.id) == -10338
        assert journal.account_balance(s, INTEREST_INCOME, loan.id) == 0
        assert journal.account_balance(s, CASH, loan.id) == -800000 + 40000
        actions = {a.action for a in s.exec(select(AuditLog).where(
            AuditLog.actor_label.in_([borrower.label, servicer.label, "decision-engine"])))}
    assert {"application.submitted", "application.approved", "application.accepted",
            "loan.booked", "payment.recorded"} <= actions


def test_payment_replay_is_harmless_and_payoff_closes(world):
    url, servicer = world["url"], world["servicer"]
    number = book(world, "1200", "6")
    first = payments.record_payment(servicer, number, "100", None, "rep-" + number, url=url)
    again = payments.record_payment(servicer, number, "100", None, "rep-" + number, url=url)
    assert again.replayed and again.payment_id == first.payment_id
    with pytest.raises(Conflict):
        payments.record_payment(servicer, number, "101", None, "rep-" + number, url=url)
    payoff = queries.loan_detail(servicer, number, url).payoff_minor
    # the whole remaining schedule is more than the payoff: the payment closes the loan and
    # what is above the payoff is held as a credit balance, not booked as interest
    owed = sum(i.principal_minor + i.interest_minor - i.paid_minor
               for i in queries.loan_detail(servicer, number, url).installments)
    assert owed > payoff
    over = payments.record_payment(servicer, number, f"{owed // 100}.{owed % 100:02d}", None,
                                   "payoff-" + number, url=url)
    assert over.advance_minor == owed - payoff
    detail = queries.loan_detail(servicer, number, url)
    assert detail.status == "paid_off" and detail.principal_outstanding_minor == 0
    assert detail.next_due_date is None and detail.advance_minor == owed - payoff


@pytest.mark.parametrize("amount,message", [("0", "greater than zero"),
                                            ("-5", "greater than zero"),
                                            ("abc", "not a number")])
def test_bad_payment_changes_nothing(world, amount, message):
    number = book(world)
    before = count(world["url"], Posting)
    with pytest.raises(ValidationError) as e:
        payments.record_payment(world["servicer"], number, amount, None, "bad-" + amount,
                                url=world["url"])
    assert message in e.value.errors["amount"]
    assert count(world["url"], Posting) == before
    assert count(world["url"], Payment, Payment.idempotency_key == "bad-" + amount) == 0


def test_application_outside_ranges_leaves_nothing(world):
    before = count(world["url"], Application)
    with pytest.raises(ValidationError) as e:
        origination.submit_application(world["borrower"], world["product"], "50000", "99",
                                       "9000", url=world["url"])
    assert e.value.errors == {"amount": "must be between 1,000.00 and 25,000.00",
                              "term": "must be between 6 and 60 payments"}
    with pytest.raises(ValidationError) as e:
        origination.submit_application(world["borrower"], world["product"], "ten", "x", "",
                                       url=world["url"])
    assert set(e.value.errors) == {"amount", "term", "monthly_income"}
    assert count(world["url"], Application) == before


def test_decline_records_reason_and_cannot_be_accepted(world):
    app = origination.submit_application(world["borrower"], world["product"], "25000", "6",
                                         "3000", url=world["url"])
    assert app.status == "declined"
    assert app.reasons[0].startswith("Insufficient income")
    with pytest.raises(Conflict):
        origination.accept_offer(world["borrower"], app.id, world["url"])


def test_roles_are_enforced_by_the_backend(world, uniq):
    url = world["url"]
    number = book(world)
    other = make_user(url, uniq, "borrower", tag="other")
    with pytest.raises(NotFound):
        queries.loan_detail(other, number, url)
    assert queries.list_loans(other, url) == []
    with pytest.raises(PermissionDenied):
        products.create_product(world["borrower"], products.ProductForm(
            "HACK", "x", "1", "2", "1", "2", "1"), url)
    with pytest.raises(PermissionDenied):
        payments.record_payment(world["borrower"], number, "10", None, "self-pay", url=url)
    with pytest.raises(PermissionDenied):
        origination.submit_application(world["servicer"], world["product"], "5000", "12",
                                       "5000", url=url)
    dealer = make_user(url, uniq, "dealer")
    with pytest.raises(PermissionDenied):
        queries.loan_detail(dealer, number, url)


def test_booked_loan_keeps_its_terms_when_product_changes(world):
    url = world["url"]
    number = book(world)
    with UnitOfWork(url) as s:  # what the admin's product page does: a draft, then publish
        code = s.get(Product, world["product"]).code
    settings = products.form_values(products.ProductForm(
        code, "Personal v2", "1000", "30000", "6", "72", "15.5"))
    version = products.save_draft(world["admin"], code, "Personal v2", settings, url)
    assert version == 2
    assert products.publish(world["admin"], code, version, "rate change", url) is None
    detail = queries.loan_detail(world["borrower"], number, url)
    assert detail.annual_rate == "11.99" and detail.product_version == 1
    app = origination.submit_application(world["borrower"], world["product"], "8000", "24",
                                         "9000", url=url)
    with UnitOfWork(url) as s:
        assert s.get(Application, app.id).product_version == 2
        audit = s.exec(select(AuditLog).where(AuditLog.action == "product.updated",
                                              AuditLog.entity_id == str(world["product"]))).one()
    assert audit.before["terms"]["annual_rate"] == "11.99"
    assert audit.after["terms"]["annual_rate"] == "15.5" and audit.reason == "rate change"


def test_accounts_sign_up_sign_in_sessions(db_url, uniq):
    email = f"Signup-{uniq}@Example.test"
    uid = accounts.sign_up(email, "long-enough-pw", "Sig Nup", db_url)
    with pytest.raises(ValidationError) as e:
        accounts.sign_up(email.lower(), "long-enough-pw", "Again", db_url)
    assert "already exists" in e.value.errors["email"]
    with pytest.raises(ValidationError) as e:
        accounts.sign_up("not-an-email", "short", "", db_url)
    assert set(e.value.errors) == {"email", "password", "name"}
    with pytest.raises(PermissionDenied):
        accounts.sign_in(email, "wrong-password", db_url)
    token = accounts.sign_in(email, "long-enough-pw", db_url)
    actor = accounts.resolve(token, db_url)
    assert (actor.user_id, actor.role) == (uid, "borrower")
    accounts.sign_out(token, db_url)
    assert accounts.resolve(token, db_url) is None
    with UnitOfWork(db_url) as s:
        from domain.db.tables import AppUser
        stored = s.get(AppUser, uid).password_hash
    assert stored.startswith("$argon2id$") and "long-enough-pw" not in stored


def test_journal_and_audit_are_append_only(world):
    number = book(world)
    payments.record_payment(world["servicer"], number, "50", None, "ao-" + number,
                            url=world["url"])
    engine = create_engine(world["url"])
    for table in APPEND_ONLY:
        with engine.connect() as c:
            rows = c.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            assert _has_guard_trigger(c, table), table
        if not rows:  # a trigger cannot be seen refusing on an empty table
            continue
        column = "number" if table == "installment" else "id"  # keyed by (loan, version, no.)
        for sql in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):
            with pytest.raises(Exception, match="append-only"):
                with engine.begin() as c:
                    c.execute(text(sql))
    engine.dispose()
    with Session(get_engine(world["url"])) as s:  # the ORM refuses before the database does
        assert s.get(JournalEntry, "pay-ao-" + number).code == "repayment"
        posting = s.exec(select(Posting).where(Posting.account == LOANS_RECEIVABLE)).first()
        posting.amount_minor += 1
        s.add(posting)
        with pytest.raises(RuntimeError, match="append-only"):
            s.flush()
        s.rollback()


def _has_guard_trigger(c, table: str) -> bool:
    if c.dialect.name == "postgresql":
        sql = "SELECT COUNT(*) FROM pg_trigger WHERE tgname = :n"
        return c.execute(text(sql), {"n": f"{table}_append_only"}).scalar() == 1
    sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"
    return c.execute(text(sql), {"t": table}).scalar() == 2
