"""Claiming an account a dealer opened for a customer, on SQLite and PostgreSQL: the code
opens only that account, once, within 72 hours; wrong codes are counted and five void it; a
new code voids the old; a claimed account cannot be claimed again; the issuer is checked."""
import copy
from datetime import timedelta

import pytest
from sqlmodel import select

from domain.db.origination_tables import AccountClaim
from domain.db.tables import AppUser, AuditLog, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.access import accounts, claims
from domain.origination import dealer
from integrations.bureau.local import LocalBureau
from tests.integration.helpers import count, make_user
from tests.integration.test_dealer import pos  # noqa: F401

PASSWORD = "my-own-password-1"


@pytest.fixture
def sold(pos):  # noqa: F811
    result, _ = dealer.submit(pos["dealer"], pos["body"], f"form-{pos['uniq']}", LocalBureau(),
                              pos["url"])
    assert result.status == "approved"
    return {**pos, "app_id": result.application_id,
            "email": pos["body"]["applicant"]["email"]}


def test_the_customer_claims_with_the_code_and_signs_in(sold):
    with pytest.raises(PermissionDenied):  # opened for the customer: no password works
        accounts.sign_in(sold["email"], "!", sold["url"])
    code = claims.issue(sold["dealer"], sold["app_id"], sold["url"])
    assert len(code) == 23 and code.count("-") == 3
    with UnitOfWork(sold["url"]) as s:
        stored = s.exec(select(AccountClaim.code_hash)).all()
    assert code.replace("-", "") not in str(stored)  # only a hash is kept
    token, app_id = claims.claim(sold["email"].upper(), code.lower(), PASSWORD, sold["url"])
    assert app_id == sold["app_id"]
    actor = accounts.resolve(token, sold["url"])
    assert (actor.role, actor.label) == ("borrower", sold["email"])
    assert accounts.sign_in(sold["email"], PASSWORD, sold["url"])
    with pytest.raises(PermissionDenied):  # once only
        claims.claim(sold["email"], code, "another-password-2", sold["url"])
    with pytest.raises(Conflict, match="already claimed"):
        claims.issue(sold["dealer"], sold["app_id"], sold["url"])
    assert count(sold["url"], AuditLog, AuditLog.action == "user.claimed") == 1


def test_wrong_codes_are_counted_and_five_void_the_code(sold):
    code = claims.issue(sold["dealer"], sold["app_id"], sold["url"])
    for n in range(claims.MAX_FAILURES):
        with pytest.raises(PermissionDenied, match="do not open an account"):
            claims.claim(sold["email"], "AAAAA-AAAAA-AAAAA-AAAAA", PASSWORD, sold["url"])
    with pytest.raises(PermissionDenied, match="do not open an account"):
        claims.claim(sold["email"], code, PASSWORD, sold["url"])  # the right one: too late
    with UnitOfWork(sold["url"]) as s:
        user = s.exec(select(AppUser).where(AppUser.email == sold["email"])).one()
        assert user.password_hash == "!"
    fresh = claims.issue(sold["dealer"], sold["app_id"], sold["url"])
    assert claims.claim(sold["email"], fresh, PASSWORD, sold["url"])[0]


def test_expiry_a_new_code_and_another_email(sold):
    issued = utcnow()
    old = claims.issue(sold["dealer"], sold["app_id"], sold["url"], now=issued)
    new = claims.issue(sold["dealer"], sold["app_id"], sold["url"], now=issued)
    with pytest.raises(PermissionDenied):
        claims.claim(sold["email"], old, PASSWORD, sold["url"], now=issued)  # voided
    with pytest.raises(PermissionDenied):  # the code opens only its own account
        claims.claim(sold["dealer"].label, new, PASSWORD, sold["url"], now=issued)
    with pytest.raises(PermissionDenied):
        claims.claim(sold["email"], new, PASSWORD, sold["url"],
                     now=issued + claims.VALID_FOR + timedelta(seconds=1))
    with pytest.raises(ValidationError, match="password"):
        claims.claim(sold["email"], new, "short", sold["url"], now=issued)
    assert claims.claim(sold["email"], new, PASSWORD, sold["url"],
                        now=issued + timedelta(hours=71))[0]


def test_only_the_submitter_or_staff_may_issue(sold):
    with pytest.raises(NotFound):
        claims.issue(sold["other"], sold["app_id"], sold["url"])
    borrower = make_user(sold["url"], sold["uniq"], "borrower", tag="b")
    with pytest.raises(NotFound):
        claims.issue(borrower, sold["app_id"], sold["url"])
    staff = make_user(sold["url"], sold["uniq"], "underwriter", tag="s")
    assert claims.issue(staff, sold["app_id"], sold["url"])
