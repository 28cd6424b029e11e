"""Products as versioned data on SQLite and PostgreSQL: draft, diff, publish, retire; a
booked loan keeps its version; a rule set's pricing tier prices the loan; settings round-trip
through the plain dict the configuration export uses."""
import copy
from decimal import Decimal

import pytest
from sqlmodel import select

from domain.origination import application_request as intake
from domain.db.tables import Application, Installment, Loan, ProductVersion
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.origination import intake as intake_service
from domain.origination import my_application, applications as origination, rulesets
from domain.configuration import products
from domain.servicing import queries
from domain.kernel.actor import SYSTEM, Actor
from integrations.bureau.local import LocalBureau
from tests.integration.helpers import make_user
from tests.integration.test_intake_api import VALID

SETTINGS = {"min_amount": "1000", "max_amount": "20000", "min_term": "6", "max_term": "48",
            "annual_rate": "9.9", "workflow": "instant", "late_fee": "15.00"}


def schedule_of(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        rows = s.exec(select(Installment).where(Installment.loan_id == loan.id)
                      .order_by(Installment.number))
        return loan.terms, loan.product_version, [
            (i.due_date, i.principal_minor, i.interest_minor, i.fee_minor) for i in rows]


def test_draft_diff_publish_keeps_booked_loans(db_url, uniq):
    admin, borrower = make_user(db_url, uniq, "admin"), make_user(db_url, uniq, "borrower")
    code = f"CFG{uniq}".upper()
    v1 = products.save_draft(admin, code, "Config Loan", SETTINGS, db_url)
    assert v1 == 1
    assert code not in {p.code for p in products.list_products(db_url)}  # a draft: not offered
    listed = next(r for r in products.overview(db_url) if r["code"] == code)
    assert (listed["version"], listed["status"], listed["draft"]) == (0, "draft", 1)
    rows = products.diff(code, v1, db_url)
    assert {"field": "annual_rate", "label": "Annual interest rate (%)", "old": "(new)",
            "new": "9.9"} in rows
    products.publish(admin, code, v1, "launch", db_url)
    view = next(p for p in products.list_products(db_url) if p.code == code)
    assert view.version == 1 and view.terms.late_fee_minor == 1500

    app = origination.submit_application(borrower, view.id, "8000", "24", "5200", url=db_url)
    assert app.status == "approved"
    apr_before = my_application.view(borrower, app.id, db_url).apr
    number = origination.accept_offer(borrower, app.id, db_url)
    before = schedule_of(db_url, number)

    v2 = products.save_draft(admin, code, "Config Loan", {**SETTINGS, "annual_rate": "14.5"},
                             db_url)
    listed = next(r for r in products.overview(db_url) if r["code"] == code)
    assert (listed["version"], listed["status"], listed["draft"]) == (1, "published", 2)
    assert listed["terms"].annual_rate == Decimal("9.9")  # the version in use
    assert products.diff(code, v2, db_url) == [
        {"field": "annual_rate", "label": "Annual interest rate (%)", "old": "9.9",
         "new": "14.5"}]
    products.publish(admin, code, v2, "rate up", db_url)
    with pytest.raises(Conflict):
        products.publish(admin, code, v1, "", db_url)  # retired, not a draft
    assert schedule_of(db_url, number) == before  # terms, version and every installment
    assert before[0]["annual_rate"] == "9.9" and before[1] == 1
    assert my_application.view(borrower, app.id, db_url).apr == apr_before
    assert queries.loan_detail(borrower, number, db_url).annual_rate == "9.9"
    again = origination.submit_application(borrower, view.id, "8000", "24", "5200", url=db_url)
    with UnitOfWork(db_url) as s:
        assert s.get(Application, again.id).product_version == 2
        statuses = {r.version: r.status for r in s.exec(
            select(ProductVersion).where(ProductVersion.code == code))}
    assert statuses == {1: "retired", 2: "published"}
    assert again.installment_minor > app.installment_minor

    products.retire(admin, code, "withdrawn", db_url)
    with pytest.raises(ValidationError):
        origination.submit_application(borrower, view.id, "8000", "24", "5200", url=db_url)
    assert code not in {p.code for p in products.list_products(db_url)}
    retired = products.version_settings(code, url=db_url)  # what the admin edits to revive it
    assert (retired["version"], retired["status"]) == (2, "retired")
    v3 = products.save_draft(admin, code, "Config Loan", {**retired["settings"],
                                                          "late_fee": "20"}, db_url)
    assert [r["field"] for r in products.diff(code, v3, db_url)] == ["late_fee"]
    products.publish(admin, code, v3, "back", db_url)
    assert code in {p.code for p in products.list_products(db_url)}  # offered again


def test_bad_settings_are_refused_by_field_and_change_nothing(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    code = f"BAD{uniq}".upper()
    with pytest.raises(ValidationError) as e:
        products.save_draft(admin, code, "", {**SETTINGS, "max_amount": "500",
                                              "day_count": "30/365", "colour": "red"}, db_url)
    assert e.value.errors == {"name": "is required",
                              "max_amount": "must be at least the minimum amount",
                              "day_count": e.value.errors["day_count"],
                              "colour": "is not a product setting"}
    assert "actual/365" in e.value.errors["day_count"]
    with pytest.raises(ValidationError) as e:
        products.save_draft(admin, code, "Bad", {**SETTINGS, "workflow": "nope"}, db_url)
    assert e.value.errors == {"workflow": "no published workflow nope"}
    with pytest.raises(NotFound):
        products.version_settings(code, url=db_url)
    with pytest.raises(PermissionDenied):
        products.save_draft(make_user(db_url, uniq, "servicer"), code, "X", SETTINGS, db_url)


def test_settings_round_trip_through_the_plain_dict(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    code = f"RT{uniq}".upper()
    rich = {**SETTINGS, "pricing_tiers": "A=7.25, B=12", "required_documents": "id, "
            "proof_of_income", "delinquency_buckets": "1, 15, 45", "origination_fee": "75",
            "origination_fee_financed": "no", "allocation_order": "interest, fee, principal"}
    products.create_from_settings(admin, code, "Round Trip", rich, url=db_url)
    exported = products.version_settings(code, url=db_url)
    assert exported["settings"]["pricing_tiers"] == {"A": "7.25", "B": "12"}
    assert exported["settings"]["origination_fee_financed"] is False
    twin = code + "2"
    products.create_from_settings(admin, twin, exported["name"], exported["settings"],
                                  url=db_url)
    copied = products.version_settings(twin, url=db_url)
    assert copied["settings"] == exported["settings"] and copied["status"] == "published"


def test_a_priced_tier_sets_the_rate_of_the_application_and_the_loan(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    code, rs = f"TIER{uniq}".upper(), f"tiers-{uniq}"
    products.create_from_settings(admin, code, "Tiered", {
        **SETTINGS, "rule_set": rs, "pricing_tiers": "A=4.5"}, url=db_url)
    v = rulesets.save_draft(admin, rs, {"groups": [{"name": "price", "rules": [
        {"id": "all", "name": "Everyone prime", "when": "bureau.score >= 0",
         "outcome": "tier", "tier": "A", "reason": "Prime pricing"}]}]}, db_url)
    rulesets.publish(admin, rs, v, "", db_url)
    body = copy.deepcopy(VALID)
    body.update(product_code=code, amount="6000.00", term=12)
    body["applicant"]["email"] = f"tier-{uniq}@example.test"
    result = intake_service.submit(intake.parse(body), "api", SYSTEM, LocalBureau(),
                                   url=db_url)[0]
    assert result.status == "approved" and result.tier == "A", result.reasons
    with UnitOfWork(db_url) as s:
        app = s.get(Application, result.application_id)
    assert app.installment_minor == 51227  # 6,000.00 at 4.5% over 12 months (9.9%: 52,722)
    borrower = Actor(app.borrower_id, "borrower", body["applicant"]["email"])
    number = origination.accept_offer(borrower, app.id, db_url)
    terms, _, rows = schedule_of(db_url, number)
    assert terms["annual_rate"] == "4.5" and rows[0][1] + rows[0][2] == 51227
