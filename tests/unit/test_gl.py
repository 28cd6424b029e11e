"""GL export, pure: the mapping's validation (every error named by its JSON path), product
overrides, the export's arguments, and the lines as CSV and JSON."""
import copy
import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.ledger import gl, entries as ledger
from domain.kernel.errors import ValidationError


def errors_of(mapping) -> dict[str, str]:
    with pytest.raises(ValidationError) as e:
        gl.GlMapping.from_dict(mapping)
    return e.value.errors


def mapping(**override) -> dict:
    m = copy.deepcopy(gl.DEFAULT_MAPPING)
    m["default"].update(override)
    return m


def test_the_default_maps_every_ledger_account_and_round_trips():
    assert set(gl.DEFAULT.default) == set(ledger.ACCOUNTS)
    assert gl.DEFAULT.account_for(ledger.CASH, None) == gl.GlAccount("1000", "Cash / clearing")
    assert gl.GlMapping.from_dict(gl.DEFAULT.to_dict()) == gl.DEFAULT


def test_every_ledger_account_must_be_mapped():
    m = mapping()
    del m["default"][ledger.SUSPENSE], m["default"][ledger.CREDIT_LOSSES]
    assert errors_of(m) == {f"default.{ledger.SUSPENSE}": "is not mapped (every ledger "
                                                          "account must be)",
                            f"default.{ledger.CREDIT_LOSSES}": "is not mapped (every ledger "
                                                               "account must be)"}
    assert errors_of({"by_product": {}}) == {"default": "is required: it maps every ledger "
                                                        "account"}


@pytest.mark.parametrize("code", ["", "   ", "x" * 41, 1010, None, " 1010", "1010 "])
def test_a_code_is_a_non_empty_string_of_at_most_40(code):
    errors = errors_of(mapping(**{ledger.CASH: {"code": code, "name": "Cash"}}))
    assert list(errors) == [f"default.{ledger.CASH}.code"]
    assert "at most 40 characters" in errors[f"default.{ledger.CASH}.code"]


def test_forty_characters_is_allowed_and_the_name_defaults_to_lendbooks():
    m = gl.GlMapping.from_dict(mapping(**{ledger.CASH: {"code": "C" * 40}}))
    assert m.default[ledger.CASH] == gl.GlAccount("C" * 40, ledger.ACCOUNT_NAMES[ledger.CASH])


def test_every_bad_key_is_named_by_its_path_at_once():
    m = mapping(**{ledger.CASH: "1010", ledger.FEE_INCOME: {"code": "4100", "name": "x" * 121,
                                                           "colour": "red"}})
    m["default"]["1000-cash-clearin"] = {"code": "1010"}
    m["by_product"] = {"PL-36": {"4000-interest-incme": {"code": "4010"},
                                 ledger.INTEREST_INCOME: {"name": "no code"}},
                       "": {}}
    m["version"] = 2
    assert errors_of(m) == {
        "version": "unknown key (expected default, by_product)",
        f"default.{ledger.CASH}": 'must be an object: {"code": "...", "name": "..."}',
        f"default.{ledger.FEE_INCOME}.colour": "unknown key (expected code, name)",
        f"default.{ledger.FEE_INCOME}.name": "must be a string of at most 120 characters",
        "default.1000-cash-clearin": "is not a ledger account (did you mean "
                                     "1000-cash-clearing?)",
        "by_product.PL-36.4000-interest-incme": "is not a ledger account (did you mean "
                                                "4000-interest-income?)",
        f"by_product.PL-36.{ledger.INTEREST_INCOME}.code":
            "must be a non-empty string of at most 40 characters, without spaces at either end",
        "by_product.": "a product code must be 1 to 40 characters",
    }
    assert errors_of([]) == {"mapping": "must be a JSON object"}
    assert errors_of({**mapping(), "by_product": []}) == {
        "by_product": "must be an object of product code to accounts"}


def test_a_product_overrides_some_accounts_and_keeps_the_default_for_the_rest():
    m = mapping()
    m["by_product"] = {"PL-36": {ledger.INTEREST_INCOME: {"code": "4010",
                                                          "name": "Interest, PL-36"}}}
    parsed = gl.GlMapping.from_dict(m)
    assert parsed.account_for(ledger.INTEREST_INCOME, "PL-36") == \
        gl.GlAccount("4010", "Interest, PL-36")
    assert parsed.account_for(ledger.CASH, "PL-36") == gl.DEFAULT.default[ledger.CASH]
    assert parsed.account_for(ledger.INTEREST_INCOME, "OTHER") == \
        gl.DEFAULT.default[ledger.INTEREST_INCOME]
    assert parsed.account_for(ledger.INTEREST_INCOME, None).code == "4000"
    assert gl.GlMapping.from_dict(parsed.to_dict()) == parsed


def test_the_request_names_each_bad_field():
    with pytest.raises(ValidationError) as e:
        gl.parse_request("2026-02-30", "", "xlsx")
    assert e.value.errors == {"format": "must be csv or json",
                              "from": "'2026-02-30' is not a date (YYYY-MM-DD)",
                              "to": "is required (YYYY-MM-DD)"}
    with pytest.raises(ValidationError) as e:
        gl.parse_request("2026-03-02", "2026-03-01", "csv")
    assert e.value.errors == {"to": "must be on or after from (2026-03-02)"}
    assert gl.parse_request(" 2026-03-01 ", date(2026, 3, 1), "json") == \
        (date(2026, 3, 1), date(2026, 3, 1), "json")
    assert gl.parse_range("", None, required=False) == (None, None)


RECORDED = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
EXPORTED = datetime(2026, 4, 1, 6, 0, 0)  # naive, as SQLite gives it back: UTC


def line(entry="e1", account=ledger.CASH, amount=12345, memo="Payment received", **kw):
    return gl.GlLine(entry, kw.get("code", "repayment"), date(2026, 2, 28), account,
                     gl.DEFAULT.default[account], "PL-36", "LN-000001", amount, memo,
                     RECORDED, EXPORTED)


def test_csv_has_a_header_two_place_amounts_and_one_side_per_line():
    lines = [line(amount=12345), line(account=ledger.LOANS_RECEIVABLE, amount=-12000,
                                      memo='Paid, "early"'),
             line(account=ledger.INTEREST_RECEIVABLE, amount=-345)]
    text = gl.to_csv(lines)
    assert text.splitlines()[0] == ",".join(gl.COLUMNS)
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["gl_account"], r["debit"], r["credit"]) for r in rows] == [
        ("1000", "123.45", "0.00"), ("1100", "0.00", "120.00"), ("1110", "0.00", "3.45")]
    assert rows[1]["memo"] == 'Paid, "early"'
    assert rows[0]["recorded_at"] == "2026-03-01T09:30:15Z"
    assert rows[0]["exported_at"] == "2026-04-01T06:00:00Z"
    assert (rows[0]["date"], rows[0]["loan"], rows[0]["product"], rows[0]["entry_id"]) == \
        ("2026-02-28", "LN-000001", "PL-36", "e1")
    assert sum(Decimal(r["debit"]) for r in rows) == sum(Decimal(r["credit"]) for r in rows)
    assert gl.to_csv([]) == ",".join(gl.COLUMNS) + "\r\n"


@given(st.lists(st.integers(-10**12, 10**12), max_size=30))
def test_debit_and_credit_are_never_both_non_zero_and_sum_to_the_totals(amounts):
    lines = [line(entry=f"e{i % 4}", amount=a) for i, a in enumerate(amounts)]
    rows = list(csv.DictReader(io.StringIO(gl.to_csv(lines))))
    t = gl.totals(lines)
    for r, a in zip(rows, amounts):
        debit, credit = Decimal(r["debit"]), Decimal(r["credit"])
        assert debit == 0 or credit == 0
        assert (debit - credit) * 100 == a
        assert r["debit"].count(".") == 1 and len(r["debit"].split(".")[1]) == 2
    assert sum(Decimal(r["debit"]) for r in rows) * 100 == t.debit_minor
    assert sum(Decimal(r["credit"]) for r in rows) * 100 == t.credit_minor
    assert t.entries == len({f"e{i % 4}" for i in range(len(amounts))})


def test_json_has_the_export_its_totals_and_the_lines():
    lines = [line(amount=500), line(account=ledger.FEE_INCOME, amount=-500, code="fee")]
    meta = {"id": 7, "from": "2026-02-01", "to": "2026-02-28", "mapping_version": None,
            "exported_at": gl.timestamp(EXPORTED)}
    doc = json.loads(gl.to_json(lines, meta))
    assert doc["export"] == meta
    assert doc["totals"] == {"lines": 2, "entries": 1, "debit": "5.00", "credit": "5.00"}
    assert doc["lines"][1] == {
        "entry_id": "e1", "date": "2026-02-28", "entry_code": "fee", "gl_account": "4100",
        "gl_account_name": "Fee income", "account": ledger.FEE_INCOME, "product": "PL-36",
        "loan": "LN-000001", "debit": "0.00", "credit": "5.00", "memo": "Payment received",
        "recorded_at": "2026-03-01T09:30:15Z", "exported_at": "2026-04-01T06:00:00Z"}


def test_timestamps_are_utc_whatever_zone_they_come_in():
    eastern = timezone(timedelta(hours=-5))
    assert gl.timestamp(datetime(2026, 1, 1, 19, 0, tzinfo=eastern)) == "2026-01-02T00:00:00Z"
    assert gl.timestamp(datetime(2026, 1, 1, 19, 0)) == "2026-01-01T19:00:00Z"
