"""Decision rules as data: an admin drafts a rule set, tests it against saved applications,
publishes it, and the next decision uses (and records) it; on SQLite and PostgreSQL."""
import copy

import pytest
from sqlmodel import select

from domain.origination import application_request as intake
from domain.db.tables import Application
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, ValidationError
from domain.origination import intake as intake_service
from domain.origination import rulesets
from domain.kernel.actor import SYSTEM
from integrations.bureau.local import LocalBureau
from tests.integration.helpers import make_product, make_user
from tests.integration.test_intake_api import VALID

RULES = {"groups": [
    {"name": "fraud", "rules": [
        {"id": "kyc", "name": "KYC", "when": "not kyc.passed or bureau.fraud_flag",
         "outcome": "decline", "reason": "Identity could not be verified",
         "adverse_action_code": "ID"}]},
    {"name": "credit", "rules": [
        {"id": "score", "name": "Score floor", "when": "bureau.score < SCORE",
         "outcome": "decline", "reason": "Credit score below our minimum",
         "adverse_action_code": "SC"},
        {"id": "thin", "name": "Thin file", "when": "bureau.thin_file", "outcome": "refer",
         "reason": "Thin credit file: manual review"},
        {"id": "prime", "name": "Prime tier", "when": "bureau.score >= 740 and dti <= 0.36",
         "outcome": "tier", "tier": "A", "reason": "Prime pricing"}]}]}


def rules(score_floor: int) -> dict:
    r = copy.deepcopy(RULES)
    r["groups"][1]["rules"][0]["when"] = f"bureau.score < {score_floor}"
    return r


def apply(url, code, uniq, n, ssn):
    body = copy.deepcopy(VALID)
    body["product_code"] = code
    body["applicant"]["email"] = f"r{n}-{uniq}@example.test"
    body["applicant"]["ssn_last4"] = ssn
    return intake_service.submit(intake.parse(body), "api", SYSTEM, LocalBureau(), url=url)[0]


def test_draft_test_publish_and_the_next_decision_uses_it(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    code, rs = f"RS{uniq}".upper(), f"credit-{uniq}"
    make_product(db_url, admin, uniq, code=code, settings=(("rule_set", rs),))
    # no published version yet: refer, never approve
    first = apply(db_url, code, uniq, 1, "2222")  # score 610
    assert first.status == "referred" and "no published version" in first.reasons[0]

    with pytest.raises(ValidationError) as e:
        rulesets.save_draft(admin, rs, {"groups": [{"name": "g", "rules": [
            {"id": "x", "name": "x", "when": "bureau.scor > 1", "outcome": "refer",
             "reason": "r"}]}]}, db_url)
    assert "groups[0].rules[0].when" in e.value.errors
    assert "did you mean bureau.score" in e.value.errors["groups[0].rules[0].when"]

    v1 = rulesets.save_draft(admin, rs, rules(600), db_url)
    rows = rulesets.test_draft(admin, rs, v1, url=db_url)  # other tests' applications too
    assert (first.application_id, "approved") in [(r.application_id, r.draft) for r in rows]
    rulesets.publish(admin, rs, v1, "launch", db_url)
    assert apply(db_url, code, uniq, 2, "2222").status == "approved"
    assert apply(db_url, code, uniq, 3, "8888").tier == "A"
    thin = apply(db_url, code, uniq, 4, "0000")
    assert thin.status == "referred" and thin.reasons == ["Thin credit file: manual review"]

    v2 = rulesets.save_draft(admin, rs, rules(620), db_url)  # tighten the floor
    changed = {r.application_id: r.draft for r in rulesets.test_draft(admin, rs, v2, url=db_url)}
    assert changed[first.application_id] == "declined"  # 610 < 620 under the draft
    rulesets.publish(admin, rs, v2, "tighten", db_url)
    with pytest.raises(Conflict):
        rulesets.publish(admin, rs, v1, "", db_url)  # retired, not a draft
    declined = apply(db_url, code, uniq, 5, "2222")
    assert declined.status == "declined"
    assert declined.reasons == ["Credit score below our minimum"]
    with UnitOfWork(db_url) as s:
        app = s.get(Application, declined.application_id)
        assert (app.decision["ruleset"], app.decision["version"]) == (rs, v2)
        assert app.decision["adverse_action_codes"] == ["SC"]
    assert [v["status"] for v in rulesets.versions(admin, rs, db_url)] == ["published",
                                                                           "retired"]
