"""The `lendbook quote` / `lendbook apr` JSON contract, through a real subprocess.

Published cases (Apache Fineract, Regulation Z Appendix J) must match exactly; the output
shape is fixed; bad input exits 2 naming the field on stderr with nothing on stdout.
"""
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import shared_file

ROOT = Path(__file__).resolve().parents[2]
ORACLES = ROOT.parent / "shared" / "oracles"
QUOTE_KEYS = {"installment", "total_interest", "amount_financed", "finance_charge",
              "total_of_payments", "apr", "schedule"}
ROW_KEYS = {"number", "due_date", "principal", "interest", "fees", "total", "balance"}
AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

BASE = {"principal": "5000.00", "annual_rate": "12", "periods": 12, "frequency": "monthly",
        "disbursement_date": "2024-01-01"}


def _run(command: str, payload, tmp_path: Path | None = None, stdin: bool = False):
    """Run `python -m cli.main COMMAND FILE|-`; payload is a dict (dumped) or raw text."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    if stdin:
        args, feed = [sys.executable, "-m", "cli.main", command, "-"], text
    else:
        path = tmp_path / "input.json"
        path.write_text(text, encoding="utf-8")
        args, feed = [sys.executable, "-m", "cli.main", command, str(path)], None
    return subprocess.run(args, input=feed, capture_output=True, text=True, cwd=ROOT,
                          timeout=60)


def _ok(command: str, payload, tmp_path: Path, stdin: bool = False) -> dict:
    proc = _run(command, payload, tmp_path, stdin)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _cases(name: str) -> list:
    shared_file(f"oracles/{name}")  # skips with a reason when the shared folder is absent
    return json.loads((ORACLES / name).read_text())


def _case_ids(name: str) -> list:
    path = ORACLES / name
    return [c["name"] for c in json.loads(path.read_text())] if path.exists() else ["absent"]


@pytest.mark.parametrize("name", _case_ids("quote-cases.json"))
def test_published_quote_cases(name, tmp_path):
    case = next(c for c in _cases("quote-cases.json") if c["name"] == name)
    out = _ok("quote", case["input"], tmp_path)
    expect = case["expect"]
    assert out["installment"] == expect["installment"], name
    for key in ("interest", "principal", "balance"):
        if key in expect:
            assert [row[key] for row in out["schedule"]] == expect[key], (name, key)


@pytest.mark.parametrize("name", _case_ids("apr-cases.json"))
def test_published_apr_cases(name, tmp_path):
    case = next(c for c in _cases("apr-cases.json") if c["name"] == name)
    out = _ok("apr", case["input"], tmp_path)
    assert out == {"apr": case["expect"]["apr"]}, name


def test_quote_reads_stdin_and_file_alike(tmp_path):
    case = _cases("quote-cases.json")[0]
    assert _ok("quote", case["input"], tmp_path, stdin=True) == _ok("quote", case["input"],
                                                                    tmp_path)


def test_apr_reads_stdin(tmp_path):
    case = _cases("apr-cases.json")[0]
    assert _ok("apr", case["input"], tmp_path, stdin=True) == {"apr": case["expect"]["apr"]}


def test_output_shape(tmp_path):
    out = _ok("quote", {**BASE, "fees": {"per_installment": "2.50"}}, tmp_path)
    assert set(out) == QUOTE_KEYS
    for key in QUOTE_KEYS - {"schedule"}:
        assert isinstance(out[key], str) and AMOUNT.match(out[key]), (key, out[key])
    assert len(out["schedule"]) == 12
    for n, row in enumerate(out["schedule"], start=1):
        assert set(row) == ROW_KEYS, row
        assert row["number"] == n and isinstance(row["number"], int)
        assert DATE.match(row["due_date"]), row
        for key in ROW_KEYS - {"number", "due_date"}:
            assert isinstance(row[key], str) and AMOUNT.match(row[key]), (key, row)
    assert [r["due_date"] for r in out["schedule"]][:2] == ["2024-02-01", "2024-03-01"]


@pytest.mark.parametrize("stdin", [False, True], ids=["file", "stdin"])
@pytest.mark.parametrize("payload,field", [
    ({**BASE, "bogus": 1}, "bogus"),
    ({k: v for k, v in BASE.items() if k != "principal"}, "principal"),
    ({**BASE, "annual_rate": "-1"}, "annual_rate"),
    ({**BASE, "periods": 0}, "periods"),
    ({**BASE, "disbursement_date": "2024-02-30"}, "disbursement_date"),
    ({**BASE, "fees": {"originaton": "10.00"}}, "fees.originaton"),
    ('{"principal": "5000.00", ', "input"),
], ids=["unknown-key", "missing-key", "negative-rate", "zero-periods", "bad-date",
        "unknown-fee-key", "bad-json"])
def test_bad_input_exits_2_naming_the_field(payload, field, stdin, tmp_path):
    proc = _run("quote", payload, tmp_path, stdin)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), proc.stderr
    assert any(line.startswith(f"error: {field}: ") for line in lines), proc.stderr


def test_apr_bad_json_exits_2(tmp_path):
    proc = _run("apr", "[not json", tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: input: "), proc.stderr


def test_missing_file_exits_2(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cli.main", "quote",
                           str(tmp_path / "nope.json")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: "), proc.stderr


def test_fineract_installment_in_multiples_of_one(tmp_path):
    """Apache Fineract e2e feature: 5,000 at 12% over 18 months, installment amounts in
    multiples of 1 -> 305.00 a month, the last installment 303.22."""
    out = _ok("quote", {"principal": "5000.00", "annual_rate": "12", "periods": 18,
                        "frequency": "monthly", "day_count": "30/360",
                        "interest_period": "same_as_repayment",
                        "disbursement_date": "2024-01-01",
                        "installment_rounding": {"multiple": "1", "mode": "half_up"}}, tmp_path)
    assert out["installment"] == "305.00"
    totals = [row["total"] for row in out["schedule"]]
    assert totals[:-1] == ["305.00"] * 17
    assert totals[-1] == "303.22"


def _sum(rows, key) -> Decimal:
    return sum((Decimal(r[key]) for r in rows), Decimal(0))


def _check_tila(out):
    rows = out["schedule"]
    assert Decimal(out["finance_charge"]) == \
        Decimal(out["total_of_payments"]) - Decimal(out["amount_financed"])
    assert Decimal(out["total_of_payments"]) == _sum(rows, "total")
    assert Decimal(out["total_interest"]) == _sum(rows, "interest")
    for r in rows:
        assert Decimal(r["total"]) == Decimal(r["principal"]) + Decimal(r["interest"]) + \
            Decimal(r["fees"]), r


def test_tila_identities_without_fees(tmp_path):
    out = _ok("quote", BASE, tmp_path)
    _check_tila(out)
    assert out["amount_financed"] == "5000.00"
    assert out["finance_charge"] == out["total_interest"]
    assert _sum(out["schedule"], "principal") == Decimal("5000.00")


def test_financed_origination_fee_is_amortized(tmp_path):
    out = _ok("quote", {**BASE, "fees": {"origination": "100.00",
                                         "origination_treatment": "financed"}}, tmp_path)
    _check_tila(out)
    rows = out["schedule"]
    assert _sum(rows, "principal") == Decimal("5100.00")
    assert Decimal(rows[0]["balance"]) + Decimal(rows[0]["principal"]) == Decimal("5100.00")
    assert out["amount_financed"] == "5000.00"
    # the fee is a prepaid finance charge: it is in the finance charge, not the amount financed
    assert Decimal(out["finance_charge"]) == Decimal(out["total_interest"]) + Decimal("100.00")


def test_deducted_origination_fee_reduces_amount_financed(tmp_path):
    out = _ok("quote", {**BASE, "fees": {"origination": "100.00",
                                         "origination_treatment": "deducted"}}, tmp_path)
    _check_tila(out)
    rows = out["schedule"]
    assert _sum(rows, "principal") == Decimal("5000.00")
    assert Decimal(rows[0]["balance"]) + Decimal(rows[0]["principal"]) == Decimal("5000.00")
    assert out["amount_financed"] == "4900.00"
    assert Decimal(out["finance_charge"]) == Decimal(out["total_interest"]) + Decimal("100.00")
    plain = _ok("quote", BASE, tmp_path)
    assert [r["total"] for r in rows] == [r["total"] for r in plain["schedule"]]
    assert Decimal(out["apr"]) > Decimal(plain["apr"])


def test_per_installment_fee_in_every_row(tmp_path):
    out = _ok("quote", {**BASE, "fees": {"per_installment": "2.50"}}, tmp_path)
    _check_tila(out)
    plain = _ok("quote", BASE, tmp_path)
    for row, base_row in zip(out["schedule"], plain["schedule"], strict=True):
        assert row["fees"] == "2.50"
        assert Decimal(row["total"]) == Decimal(base_row["total"]) + Decimal("2.50")
        assert (row["principal"], row["interest"], row["balance"]) == \
            (base_row["principal"], base_row["interest"], base_row["balance"])
    assert Decimal(out["installment"]) == Decimal(plain["installment"]) + Decimal("2.50")
    assert out["amount_financed"] == "5000.00"
    assert Decimal(out["finance_charge"]) == Decimal(out["total_interest"]) + 12 * Decimal("2.50")


def test_grace_on_principal_and_interest_quotes(tmp_path):
    """A first installment of 0.00 (principal and interest both in grace) is a valid schedule;
    the APR must still be disclosed rather than the quote refused."""
    out = _ok("quote", {**BASE, "grace_on_principal": 1, "grace_on_interest": 1}, tmp_path)
    _check_tila(out)
    rows = out["schedule"]
    assert rows[0]["total"] == "0.00" and rows[0]["balance"] == "5000.00"
    assert rows[1]["interest"] == "100.00"  # 50.00 deferred from the first month + 50.00
