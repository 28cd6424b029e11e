"""Workflow definitions as data: validation names each bad path; stages apply by their `when`;
entry conditions refuse with their text; approval levels by amount."""
from decimal import Decimal

import pytest

from domain.kernel.errors import ValidationError
from domain.configuration.workflow import STANDARD, Workflow, built_in


def facts(**kw):
    base = {"status": "approved", "amount": Decimal("5000"), "term": 24, "channel": "portal",
            "tier": None, "product": {"code": "P"}, "bureau": {"score": 700,
                                                              "fraud_flag": False,
                                                              "thin_file": False},
            "kyc": {"passed": True}, "conditions_open": 0, "documents_missing": 0,
            "signed": False, "point_of_sale": False, "funding_approvals": 0}
    base.update(kw)
    return base


def test_standard_skips_underwriting_for_an_approval_and_enters_it_for_a_referral():
    wf = built_in("standard")
    assert wf.next_stage("decision", facts()).key == "offer"
    assert wf.next_stage("decision", facts(status="referred")).key == "underwriting"
    assert [s.key for s in wf.stages] == ["decision", "underwriting", "offer", "signature",
                                          "funding", "booked"]
    assert wf.next_stage("offer", facts()).key == "signature"


def test_entry_condition_refuses_with_its_text():
    wf = built_in("standard")
    funding = wf.stage("funding")
    assert wf.unmet_entry(funding, facts(signed=False)) == \
        "Funding approval needs signed and kyc.passed"
    assert wf.unmet_entry(funding, facts(signed=True)) is None
    assert wf.unmet_entry(funding, facts(signed=True, kyc={"passed": False})) is not None


def test_approval_levels_by_amount():
    funding = built_in("standard").stage("funding")
    assert funding.approvers_needed(2500000) == 1  # exactly 25,000.00: one approver
    assert funding.approvers_needed(2500001) == 2


def test_custom_review_stage_applies_by_condition():
    d = {"name": "With verification", "stages": [
        STANDARD["stages"][0], STANDARD["stages"][1],
        {"key": "verification", "name": "Income verification", "actors": ["underwriter"],
         "when": "amount > 10000"},
        *STANDARD["stages"][2:]]}
    wf = Workflow.from_dict("verify", 1, d)
    assert wf.next_stage("decision", facts(amount=Decimal("12000"))).key == "verification"
    assert wf.next_stage("decision", facts(amount=Decimal("9000"))).key == "offer"
    assert Workflow.from_dict("verify", 1, wf.to_dict()) == wf  # round trip


@pytest.mark.parametrize("mutate, path, reason", [
    (lambda d: d["stages"].pop(0), "stages[0].key", "first stage must be decision"),
    (lambda d: d["stages"].pop(), "stages[4].key", "last stage must be booked"),
    (lambda d: d["stages"][2].update(actors=["Pilot!"]), "stages[2].actors", "list of role codes"),
    (lambda d: d["stages"][1].update(when="bureau.scor > 1"), "stages[1].when",
     "did you mean bureau.score"),
    (lambda d: d["stages"][1].update(when="amount + 1"), "stages[1].when", "true/false"),
    (lambda d: d["stages"][2].update(colour="red"), "stages[2].colour", "not a known field"),
    (lambda d: d["stages"][4].update(approval_levels=[{"above": "x", "approvers": 1}]),
     "stages[4].approval_levels[0]", "approvers"),
    (lambda d: d["stages"].insert(2, {"key": "review", "actors": []}), "stages[2].actors",
     "needs at least one role"),
    (lambda d: d["stages"].insert(1, dict(d["stages"][2])), "stages", "unique"),
])
def test_invalid_definitions_name_the_path(mutate, path, reason):
    import copy
    d = copy.deepcopy(STANDARD)
    mutate(d)
    with pytest.raises(ValidationError) as e:
        Workflow.from_dict("x", 1, d)
    assert path in e.value.errors, e.value.errors
    assert reason in e.value.errors[path]
