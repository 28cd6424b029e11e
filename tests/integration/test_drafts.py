"""The borrower's saved application steps: each step checked on its own, progress kept, the
last step submits once through the intake path (bureau, rules, workflow)."""
import pytest

from domain.db.tables import Application
from domain.db.workflow_tables import ApplicationDraft
from domain.kernel.errors import Conflict, ValidationError
from domain.origination import drafts
from integrations.bureau.local import LocalBureau
from tests.integration.helpers import count, make_product, make_user

STEPS = [
    {"product_code": None, "amount": "5000", "term": "12", "purpose": "Roof"},
    {"first_name": "Rita", "last_name": "Moreno", "date_of_birth": "1985-03-14",
     "ssn_last4": "4321", "phone": "+1 415 555 0142"},
    {"line1": "12 Market Street", "city": "San Francisco", "state": "CA",
     "postal_code": "94105"},
    {"employment_status": "employed", "employer": "", "months_employed": "30",
     "monthly_income": "6000"},
]


def test_steps_validate_save_resume_and_submit_once(db_url, uniq):
    admin, b = make_user(db_url, uniq, "admin"), make_user(db_url, uniq, "borrower")
    code = f"DR{uniq}".upper()
    make_product(db_url, admin, uniq, code=code, workflow="standard")
    with pytest.raises(ValidationError) as e:
        drafts.save_step(b, 0, {**STEPS[0], "product_code": code, "amount": "900000"}, db_url)
    assert "1,000.00 and 25,000.00" in e.value.errors["amount"]
    assert drafts.load(b, db_url) == (0, {})  # nothing saved for a refused step
    assert drafts.save_step(b, 0, {**STEPS[0], "product_code": code}, db_url) == 1
    with pytest.raises(ValidationError) as e:
        drafts.save_step(b, 1, {**STEPS[1], "ssn_last4": "12", "phone": "call me"}, db_url)
    assert set(e.value.errors) == {"ssn_last4", "phone"}  # only this step's fields
    for i in (1, 2, 3):
        assert drafts.save_step(b, i, STEPS[i], db_url) == i + 1
    step, saved = drafts.load(b, db_url)  # resume where they left off
    assert step == 4 and saved["city"] == "San Francisco"
    assert drafts.back(b, 4, db_url) == 3 and drafts.load(b, db_url)[0] == 3
    before = count(db_url, Application)
    with pytest.raises(ValidationError) as e:
        drafts.submit(b, {}, LocalBureau(), db_url)
    assert "consent_credit_check" in e.value.errors and count(db_url, Application) == before
    result = drafts.submit(b, {"consent_credit_check": "on"}, LocalBureau(), db_url)
    assert (result.status, result.stage, result.channel) == ("approved", "offer", "portal")
    assert count(db_url, Application) == before + 1
    assert count(db_url, ApplicationDraft, ApplicationDraft.user_id == b.user_id) == 0
    with pytest.raises(Conflict):  # a second click: nothing in progress, nothing stored
        drafts.submit(b, {"consent_credit_check": "on"}, LocalBureau(), db_url)
    assert count(db_url, Application) == before + 1
