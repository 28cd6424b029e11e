"""Structured workflow edits produce the JSON a person would have typed, and the result still
validates (or names what is wrong) through Workflow.from_dict."""
import pytest

from domain.configuration import workflow_editing as e
from domain.kernel.errors import ValidationError
from domain.configuration.workflow import STANDARD, Workflow


def keys(d):
    return [s["key"] for s in d["stages"]]


def test_add_move_remove_and_the_original_is_untouched():
    d = e.add_stage(STANDARD)
    assert keys(d)[-2:] == ["review_1", "booked"] and "review_1" not in keys(STANDARD)
    assert keys(e.add_stage(d))[-3:] == ["review_1", "review_2", "booked"]
    moved = e.move_stage(d, 5, -1)
    assert keys(moved)[4:] == ["review_1", "funding", "booked"]
    assert e.move_stage(d, 0, -1) == d  # nothing above the first stage
    assert keys(e.remove_stage(d, 3)) == ["decision", "underwriting", "offer", "funding",
                                          "review_1", "booked"]
    Workflow.from_dict("x", 1, moved)  # still a valid workflow


def test_fields_and_roles():
    d = e.set_field(STANDARD, 1, "entry", "kyc.passed")
    assert d["stages"][1]["entry"] == "kyc.passed"
    assert "when" not in e.set_field(STANDARD, 1, "when", " ")["stages"][1]
    d = e.set_actor(d, 1, "underwriter", False)
    assert d["stages"][1]["actors"] == ["admin"]
    d = e.set_actor(d, 1, "servicer", True)
    assert d["stages"][1]["actors"] == ["servicer", "admin"]  # role order, not click order
    assert e.rows(d)[1] == {"key": "underwriting", "name": "Underwriting review",
                            "when": "status == 'referred'", "entry": "kyc.passed",
                            "actors": ["servicer", "admin"]}
    with pytest.raises(ValueError):
        e.set_field(d, 1, "approval_levels", "[]")


def test_an_edit_that_breaks_the_rules_is_named_on_save():
    d = e.move_stage(STANDARD, 5, -1)  # booked no longer last
    with pytest.raises(ValidationError) as err:
        Workflow.from_dict("x", 1, d)
    assert err.value.errors["stages[5].key"] == "the last stage must be booked"


def test_the_workflow_name():
    assert e.set_name(STANDARD, "Checked")["name"] == "Checked" and STANDARD["name"] == "Standard"
