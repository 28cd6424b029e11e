"""Manual entry of one loan, both engines: previewed with its schedule before anything is
saved, refused by field, and boarded only when a second person approves (maker-checker)."""
import pytest
from sqlmodel import select

from domain.db.onboarding_tables import ManualLoanEntry, OnboardedLoan
from domain.db.tables import AuditLog, Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, PermissionDenied, ValidationError
from domain.onboarding import manual_entry
from tests.integration.helpers import count, make_user
from tests.integration.onboarding_support import good_rows, world


@pytest.fixture
def w(db_url, uniq):
    return world(db_url, uniq)


def test_preview_shows_the_schedule_and_bad_input_is_refused_by_field(w):
    row = good_rows(w, 1)[0]
    p = manual_entry.preview(w["servicer"], row, url=w["url"])
    assert p.issues == () and len(p.installments) == int(row["term"])
    assert sum(i.principal_minor for i in p.installments) == 200000  # 2,000.00 funded
    bad = {**row, "funded_amount": "-5", "postal_code": "ABC"}
    p = manual_entry.preview(w["servicer"], bad, url=w["url"])
    assert {c for c, _, _ in p.issues} == {"funded_amount", "postal_code"}
    entries = count(w["url"], ManualLoanEntry)
    with pytest.raises(ValidationError) as e:
        manual_entry.submit(w["servicer"], bad, url=w["url"])
    assert set(e.value.errors) == {"funded_amount", "postal_code"}
    with pytest.raises(ValidationError) as e:
        manual_entry.submit(w["servicer"], {**row, "colour": "blue"}, url=w["url"])
    assert "colour" in e.value.errors  # an unknown field is refused, not dropped
    assert count(w["url"], ManualLoanEntry) == entries


def test_a_second_person_must_approve_before_the_loan_is_boarded(w, monkeypatch):
    monkeypatch.delenv("LENDBOOK_MANUAL_ENTRY_APPROVAL", raising=False)
    row = good_rows(w, 1)[0]
    maker, checker = w["servicer"], make_user(w["url"], w["uniq"], "servicer", "checker")
    out = manual_entry.submit(maker, row, url=w["url"])
    assert out["status"] == "pending"
    assert count(w["url"], OnboardedLoan, OnboardedLoan.external_ref == row["external_ref"]) == 0
    with pytest.raises(PermissionDenied):
        manual_entry.approve(maker, out["entry_id"], url=w["url"])
    booked = manual_entry.approve(checker, out["entry_id"], url=w["url"])
    assert booked["status"] == "booked" and booked["loan_number"].startswith("LN-")
    with UnitOfWork(w["url"]) as s:
        entry = s.get(ManualLoanEntry, out["entry_id"])
        assert (entry.status, entry.checker_id, entry.loan_number) == (
            "booked", checker.user_id, booked["loan_number"])
        loan = s.exec(select(Loan).where(Loan.loan_number == booked["loan_number"])).one()
        assert loan.principal_minor == 200000
        actions = [a.action for a in s.exec(select(AuditLog).where(
            AuditLog.entity == "manual_loan_entry", AuditLog.entity_id == str(entry.id))
            .order_by(AuditLog.id))]
    assert actions == ["onboarding.manual_entered", "onboarding.manual_approved"]
    with pytest.raises(NotFound):  # approved once; a second approval finds nothing pending
        manual_entry.approve(checker, out["entry_id"], url=w["url"])


def test_reject_needs_a_reason_and_books_nothing(w):
    row = good_rows(w, 2)[1]
    checker = make_user(w["url"], w["uniq"], "admin", "checker2")
    out = manual_entry.submit(w["servicer"], row, url=w["url"])
    with pytest.raises(ValidationError):
        manual_entry.reject(checker, out["entry_id"], "", url=w["url"])
    manual_entry.reject(checker, out["entry_id"], "wrong rate on the contract", url=w["url"])
    assert out["entry_id"] not in [e.id for e in manual_entry.pending(checker, url=w["url"])]
    assert count(w["url"], OnboardedLoan, OnboardedLoan.external_ref == row["external_ref"]) == 0


def test_without_approval_configured_the_entry_books_at_once(w, monkeypatch):
    monkeypatch.setenv("LENDBOOK_MANUAL_ENTRY_APPROVAL", "off")
    row = good_rows(w, 3)[2]
    out = manual_entry.submit(w["servicer"], row, url=w["url"])
    assert out["status"] == "booked" and out["loan_number"].startswith("LN-")
