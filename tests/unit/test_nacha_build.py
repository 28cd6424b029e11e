"""Debit files we build: structure checked by direct slicing (not through our parser), the
inputs refused by field, and parse(build(x)) keeping every entry (hypothesis)."""
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.kernel.errors import ValidationError
from domain.nacha.build import DebitEntry, Originator, build_debit_file
from domain.nacha.parse import parse
from domain.nacha.records import check_digit

ORIGIN = Originator("231380104", "First Bank", "1234567890", "Demo Lending", "DEMO LENDING",
                    "1234567890", "23138010")
NOW = datetime(2026, 3, 13, 16, 5)
MAR16, MAR17 = date(2026, 3, 16), date(2026, 3, 17)


def debit(reference="inst-1", **changes) -> DebitEntry:
    base = DebitEntry(reference, "121042882", "000123456789", "checking", 12345, "LN-000001",
                      "Ada Borrower", "PPD", MAR16)
    return replace(base, **changes)


def test_structure_controls_and_traces_by_direct_slicing():
    entries = [debit("a"), debit("b", sec_code="WEB", payment_type="R", amount_minor=500),
               debit("c", account_type="savings", rdfi_routing="011000015", amount_minor=99),
               debit("d", effective_date=MAR17), debit("e", sec_code="WEB", payment_type="S")]
    built = build_debit_file(ORIGIN, entries, created_at=NOW)
    text = built.text
    assert text.endswith("\n") and "\r" not in text
    lines = text.split("\n")[:-1]
    assert all(len(line) == 94 for line in lines) and len(lines) % 10 == 0
    assert lines[0][:3] == "101" and lines[0][3:13] == " 231380104"
    assert lines[0][23:33] == "2603131605"
    kinds = "".join(line[0] for line in lines)
    assert kinds[:kinds.index("9") + 1] == "1" "5668" "5668" "568" "9"  # PPD, WEB 16th; 17th
    assert set(lines[kinds.index("9") + 1:]) == {"9" * 94}
    headers = [line for line in lines if line[0] == "5"]
    assert [(h[50:53], h[69:75], h[1:4], h[87:94]) for h in headers] == [
        ("PPD", "260316", "225", "0000001"), ("WEB", "260316", "225", "0000002"),
        ("PPD", "260317", "225", "0000003")]
    details = [line for line in lines if line[0] == "6"]
    assert [d[1:3] for d in details] == ["27", "37", "27", "27", "27"]
    assert [d[76:78] for d in details] == ["  ", "  ", "R ", "S ", "  "]
    traces = [d[79:94] for d in details]
    assert traces == [f"231380100000{n:03d}" for n in range(1, 6)]
    assert built.entries == (("a", traces[0]), ("c", traces[1]), ("b", traces[2]),
                             ("e", traces[3]), ("d", traces[4]))
    for control in (line for line in lines if line[0] == "8"):
        batch = [d for d, h in _batch_of(lines) if h[87:94] == control[87:94]]
        assert int(control[4:10]) == len(batch)
        assert int(control[10:20]) == sum(int(d[3:11]) for d in batch) % 10 ** 10
        assert int(control[20:32]) == sum(int(d[29:39]) for d in batch)
        assert int(control[32:44]) == 0
    fc = lines[kinds.index("9")]
    assert (int(fc[1:7]), int(fc[7:13]), int(fc[13:21])) == (3, 2, 5)
    assert int(fc[21:31]) == sum(int(d[3:11]) for d in details) % 10 ** 10
    assert int(fc[31:43]) == 12345 + 500 + 99 + 12345 + 12345 == built.totals.total_debit_minor
    assert (built.totals.batch_count, built.totals.block_count, built.totals.entry_count) == (
        3, 2, 5)


def _batch_of(lines):
    header = None
    for line in lines:
        if line[0] == "5":
            header = line
        elif line[0] == "6":
            yield line, header


def test_names_are_folded_to_ascii_upper_case_and_cut_to_22():
    built = build_debit_file(ORIGIN, [debit(individual_name="José Núñez-Castellanos de León")],
                             created_at=NOW)
    assert built.text.split("\n")[2][54:76] == "JOSE NUNEZ-CASTELLANOS"


def test_reinitiated_debits_go_in_their_own_retry_pymt_batch():
    built = build_debit_file(ORIGIN, [debit("a"), debit("b", reinitiated=True)], created_at=NOW)
    headers = [b.header for b in parse(built.text).batches]
    assert [h.entry_description for h in headers] == ["LOANPMT", "RETRY PYMT"]


def test_first_sequence_continues_trace_numbers_across_files():
    built = build_debit_file(ORIGIN, [debit("a"), debit("b")], created_at=NOW,
                             first_sequence=41)
    assert [t for _, t in built.entries] == ["231380100000041", "231380100000042"]


@pytest.mark.parametrize("changes, field, words", [
    ({"rdfi_routing": "121042883"}, "entries[0].rdfi_routing", "expected 2"),
    ({"rdfi_routing": "12104288"}, "entries[0].rdfi_routing", "9-digit"),
    ({"account_number": "12 34"}, "entries[0].account_number", "letters, digits"),
    ({"account_number": "1" * 18}, "entries[0].account_number", "1-17"),
    ({"account_type": "brokerage"}, "entries[0].account_type", "checking or savings"),
    ({"amount_minor": 0}, "entries[0].amount_minor", "whole cents"),
    ({"amount_minor": 12.5}, "entries[0].amount_minor", "whole cents"),
    ({"amount_minor": 10 ** 10}, "entries[0].amount_minor", "whole cents"),
    ({"individual_id": "LN-0000000000001"}, "entries[0].individual_id", "at most 15"),
    ({"individual_name": "  "}, "entries[0].individual_name", "required"),
    ({"sec_code": "CCD"}, "entries[0].sec_code", "PPD or WEB"),
    ({"sec_code": "WEB"}, "entries[0].payment_type", "R (recurring)"),
    ({"payment_type": "R"}, "entries[0].payment_type", "WEB entries only"),
    ({"effective_date": date(2026, 3, 12)}, "entries[0].effective_date", "before"),
    ({"reference": ""}, "entries[0].reference", "required")])
def test_a_bad_entry_is_refused_naming_its_field(changes, field, words):
    with pytest.raises(ValidationError) as refused:
        build_debit_file(ORIGIN, [debit(**changes)], created_at=NOW)
    assert list(refused.value.errors) == [field]
    assert words in refused.value.errors[field]


def test_every_bad_field_is_named_at_once():
    bad_origin = replace(ORIGIN, odfi_routing="2313801", company_name="A" * 17,
                         immediate_destination="231380105")
    with pytest.raises(ValidationError) as refused:
        build_debit_file(bad_origin, [debit("a"), debit("a", amount_minor=-1)],
                         created_at=NOW, file_id_modifier="a")
    assert set(refused.value.errors) == {
        "originator.odfi_routing", "originator.company_name",
        "originator.immediate_destination", "entries[1].reference", "entries[1].amount_minor",
        "file_id_modifier"}
    with pytest.raises(ValidationError) as refused:
        build_debit_file(ORIGIN, [], created_at=NOW)
    assert refused.value.errors == {"entries": "at least one debit is required"}


routings = st.integers(0, 10 ** 8 - 1).map(lambda n: f"{n:08d}{check_digit(f'{n:08d}')}")
safe_text = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.&'"), max_size=22)
entries = st.builds(
    DebitEntry, reference=st.uuids().map(str), rdfi_routing=routings,
    account_number=st.text(st.sampled_from("0123456789ABCDEF-"), min_size=1, max_size=17),
    account_type=st.sampled_from(["checking", "savings"]),
    amount_minor=st.integers(1, 10 ** 10 - 1),
    individual_id=safe_text.map(lambda s: s[:15].strip()),
    individual_name=safe_text.filter(str.strip).map(str.strip), sec_code=st.just("PPD"),
    effective_date=st.dates(date(2026, 3, 13), date(2026, 3, 20)))


def _web(entry: DebitEntry, payment_type: str | None) -> DebitEntry:
    return replace(entry, sec_code="WEB", payment_type=payment_type) if payment_type else entry


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(entries, st.sampled_from([None, "R", "S"])), min_size=1,
                max_size=25, unique_by=lambda t: t[0].reference),
       st.integers(1, 9_000_000))
def test_parse_of_build_keeps_every_entry_and_the_totals(pairs, first_sequence):
    debits = [_web(e, p) for e, p in pairs]
    built = build_debit_file(ORIGIN, debits, created_at=NOW, first_sequence=first_sequence)
    parsed = parse(built.text)
    by_trace = {e.trace_number: (b.header, e) for b, e in parsed.entries()}
    assert len(by_trace) == len(debits) == len(built.entries)
    for debit_, (reference, trace) in zip(
            sorted(debits, key=lambda d: d.reference),
            sorted(built.entries, key=lambda r: r[0])):
        assert debit_.reference == reference
        header, e = by_trace[trace]
        assert (e.rdfi_routing, e.account_number, e.amount_minor, e.individual_id,
                e.individual_name, e.discretionary_data) == (
            debit_.rdfi_routing, debit_.account_number, debit_.amount_minor,
            debit_.individual_id, debit_.individual_name, debit_.payment_type)
        assert e.transaction_code == {"checking": "27", "savings": "37"}[debit_.account_type]
        assert (header.sec_code, header.effective_date) == (debit_.sec_code,
                                                            debit_.effective_date)
    t, c = built.totals, parsed.control
    assert (c.batch_count, c.block_count, c.entry_addenda_count, c.entry_hash,
            c.total_debit_minor, c.total_credit_minor) == (
        t.batch_count, t.block_count, t.entry_addenda_count, t.entry_hash,
        t.total_debit_minor, 0)
    assert c.total_debit_minor == sum(d.amount_minor for d in debits)
    assert c.batch_count == len({(d.effective_date, d.sec_code) for d in debits})


def test_the_package_stays_pure():
    """No database, web or payment provider module comes in with domain.nacha."""
    code = ("import sys, domain.nacha; print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'reflex', 'stripe', 'httpx', 'sqlmodel', 'sqlalchemy', 'requests'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
