"""The product schema is the one definition of product settings: it validates (errors by
field), generates the admin form's field list, the docs settings table, and the draft
preview."""
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain.configuration import product_schema as ps
from domain.kernel.errors import ValidationError
from domain.configuration.product_preview import preview
from domain.configuration.product_schema_views import diff_rows, form_spec, markdown
from domain.calculation.quote import quote
from domain.calculation.terms import ProductTerms

BASE = {"min_amount": "1000", "max_amount": "20000", "min_term": "6", "max_term": "48",
        "annual_rate": "9.9"}
ROOT = Path(__file__).resolve().parents[2]
DOCS_PAGE = ROOT / "docs" / "product-configurator.md"  # the table moved here from README.md


def test_defaults_fill_every_setting_and_build_the_engine_terms():
    terms = ps.to_terms(BASE)
    assert terms == ProductTerms(100000, 2000000, 6, 48, ps.parse(BASE)["annual_rate"],
                                 workflow="standard")
    assert set(ps.plain(terms)) == {s.name for s in ps.SCHEMA}


def test_every_engine_setting_is_in_the_schema():
    """A ProductTerms field missing from the schema could not be set by an admin."""
    fields = {s.field for s in ps.SCHEMA}
    assert set(ProductTerms.__dataclass_fields__) - fields == {"currency"}


def test_errors_are_reported_together_by_field():
    with pytest.raises(ValidationError) as e:
        ps.parse({**BASE, "min_term": "twelve", "frequency": "daily", "late_fee": "-1",
                  "delinquency_buckets": "31, 1", "required_documents": "id, passport",
                  "pricing_tiers": "A=120", "origination_fee_financed": "maybe", "tip": "1"})
    assert set(e.value.errors) == {"min_term", "frequency", "late_fee", "delinquency_buckets",
                                   "required_documents", "pricing_tiers",
                                   "origination_fee_financed", "tip"}
    assert e.value.errors["min_term"] == "'twelve' is not a whole number"
    assert e.value.errors["tip"] == "is not a product setting"
    assert "between 0 and 100" in e.value.errors["pricing_tiers"]


@pytest.mark.parametrize("change, field, message", [
    ({"max_amount": "999"}, "max_amount", "must be at least the minimum amount"),
    ({"max_term": "3"}, "max_term", "must be at least the minimum term"),
    ({"grace_principal": "6"}, "grace_principal", "must be under the minimum term"),
    ({"origination_fee": "1000", "origination_fee_financed": "no"}, "origination_fee",
     "a deducted fee must be below the minimum amount"),
])
def test_cross_field_checks(change, field, message):
    with pytest.raises(ValidationError) as e:
        ps.parse({**BASE, **change})
    assert e.value.errors == {field: message}


def test_plain_values_round_trip_and_accept_json_types():
    rich = {**BASE, "pricing_tiers": {"A": "7.5"}, "required_documents": ["id"],
            "delinquency_buckets": [1, 30], "origination_fee_financed": False, "min_term": 6}
    terms = ps.to_terms(rich)
    assert ps.to_terms(ps.plain(terms)) == terms
    assert terms.for_tier("A").annual_rate == 7.5 and terms.for_tier("B") is terms
    assert ProductTerms.from_dict(terms.to_dict()) == terms


def test_a_setting_added_to_a_copy_of_the_schema_reaches_form_table_and_validation():
    extra = ps.Setting("prepayment_penalty", "money", "Prepayment penalty",
                       "Charged on early payoff.", "Fees", "0.00", optional=True)
    schema = (*ps.SCHEMA, extra)
    spec = {f["name"]: f for f in form_spec(schema)}
    assert spec["prepayment_penalty"] == {
        "name": "prepayment_penalty", "label": "Prepayment penalty",
        "help": "Charged on early payoff.", "group": "Fees", "widget": "text",
        "input_mode": "decimal", "options": [], "default": "0.00", "optional": True}
    assert "`prepayment_penalty` | Prepayment penalty" in markdown(schema)
    assert ps.parse({**BASE, "prepayment_penalty": "25"}, schema)["prepayment_penalty"] == 2500
    with pytest.raises(ValidationError) as e:
        ps.parse({**BASE, "prepayment_penalty": "abc"}, schema)
    assert e.value.errors == {"prepayment_penalty": "'abc' is not a number"}
    assert "prepayment_penalty" not in {f["name"] for f in form_spec()}


def test_form_spec_follows_the_schema_in_order_with_widgets():
    spec = form_spec()
    assert [f["name"] for f in spec] == [s.name for s in ps.SCHEMA]
    by = {f["name"]: f for f in spec}
    assert by["day_count"]["widget"] == "select"
    assert ["actual/365", "actual/365"] in by["day_count"]["options"]
    assert by["required_documents"]["widget"] == "checkboxes"
    assert by["workflow"]["widget"] == "select" and by["workflow"]["options"] == []


def test_docs_table_is_the_generated_one():
    text = DOCS_PAGE.read_text()
    found = re.search(r"<!-- product-schema:start -->\n(.*?)<!-- product-schema:end -->",
                      text, re.S)
    assert found, f"{DOCS_PAGE.relative_to(ROOT)} lacks the generated product settings table"
    assert found.group(1) == markdown()
    out = subprocess.run([sys.executable, "-m", "cli.main", "product-schema", "--markdown"],
                         capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    assert out == markdown()


def test_diff_rows_name_each_changed_setting():
    old = {"name": "A", **ps.plain(ps.to_terms(BASE))}
    new = {"name": "A", **ps.plain(ps.to_terms({**BASE, "annual_rate": "12",
                                                "required_documents": "id"}))}
    assert diff_rows(old, new) == [
        {"field": "annual_rate", "label": "Annual interest rate (%)", "old": "9.9",
         "new": "12"},
        {"field": "required_documents", "label": "Required documents", "old": "",
         "new": "id"}]
    assert diff_rows(old, old) == []
    assert len(diff_rows(None, new)) == len(ps.SCHEMA) + 1


def test_preview_is_the_domain_quote_of_the_sample():
    on = date(2026, 3, 1)
    p = preview({**BASE, "origination_fee": "60"}, "5000", "24", on)
    q = quote(ps.to_terms({**BASE, "origination_fee": "60"}).quote_request(500000, 24, on))
    assert (p["apr"], p["installment"], p["total_of_payments"]) == \
        (q["apr"], q["installment"], q["total_of_payments"])
    assert p["first"] == q["schedule"][0] and p["last"] == q["schedule"][-1]
    assert p["count"] == 24 and p["last"]["balance"] == "0.00"
    assert Decimal(p["apr"]) > Decimal("9.9")  # the financed fee is a finance charge
    with pytest.raises(ValidationError) as e:
        preview({**BASE, "annual_rate": "x"}, "50000", "2", on)
    assert set(e.value.errors) == {"annual_rate"}
    with pytest.raises(ValidationError) as e:
        preview(BASE, "50000", "2", on)
    assert set(e.value.errors) == {"sample_amount", "sample_term"}


def test_schema_entries_are_well_formed():
    for s in ps.SCHEMA:
        assert s.type in ps.TYPES and s.group in ps.GROUPS and s.label and s.help
        assert s.type not in ("choice", "choices", "order") or s.choices
        ps.parse({**BASE, s.name: s.default})  # every default is valid
    assert replace(ps.SCHEMA[0], label="x").field == "min_amount_minor"
