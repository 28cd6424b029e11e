"""Returns and NOCs: a test bank's files round trip through parse and lead back to the
installment by trace; the code tables; the retry and consequence policy."""
import time
from datetime import date, datetime, timedelta

import pytest

from domain.kernel.errors import ValidationError
from domain.nacha.banking_days import add_banking_days, is_banking_day
from domain.nacha.build import DebitEntry, Originator, build_debit_file
from domain.nacha.codes import CHANGE_CODES, RETURN_CODES, ReturnPolicy, return_policy
from domain.nacha.parse import parse
from domain.nacha.returns import (
    ReturnItem,
    build_noc_file,
    build_return_file,
    match_returns,
    return_items,
)

ORIGIN = Originator("231380104", "First Bank", "1234567890", "Demo Lending", "DEMO LENDING",
                    "1234567890", "23138010")
SENT, BACK = datetime(2026, 3, 13, 16, 0), datetime(2026, 3, 18, 6, 30)


def sent(n: int = 4):
    debits = [DebitEntry(f"inst-{i}", "121042882" if i % 2 else "011000015", f"5550{i}",
                         "checking" if i % 3 else "savings", 10_000 + i, f"LN-{i:06d}",
                         f"Borrower {i}", "WEB" if i % 2 else "PPD",
                         date(2026, 3, 16), "R" if i % 2 else "") for i in range(n)]
    built = build_debit_file(ORIGIN, debits, created_at=SENT)
    return built, parse(built.text)


def test_return_file_round_trip_matches_each_return_to_its_installment():
    built, original = sent()
    trace = dict(built.entries)
    text = build_return_file(original, [(trace["inst-1"], "R01"), (trace["inst-2"], "R15"),
                                        (trace["inst-3"], "R03")],
                             created_at=BACK, dates_of_death={trace["inst-2"]: date(2026, 3, 2)})
    back = parse(text)
    assert all(len(line) == 94 for line in text.split("\n")[:-1])
    assert [(b.header.sec_code, b.header.odfi_identification) for b in back.batches] == [
        ("PPD", "01100001"), ("WEB", "12104288")]
    entries = [e for _, e in back.entries()]
    assert [e.transaction_code for e in entries] == ["26", "26", "36"]  # 27 -> 26, 37 -> 36
    assert {e.rdfi_routing for e in entries} == {"231380104"}  # back to our ODFI
    matched, unmatched = match_returns(return_items(back), built.entries)
    assert unmatched == []
    assert [(ref, i.code, i.addenda_kind, i.amount_minor, i.date_of_death, i.original_rdfi)
            for ref, i in matched] == [
        ("inst-2", "R15", "return", 10_002, date(2026, 3, 2), "01100001"),
        ("inst-1", "R01", "return", 10_001, None, "12104288"),
        ("inst-3", "R03", "return", 10_003, None, "12104288")]
    assert back.control.total_debit_minor == 10_001 + 10_002 + 10_003


def test_noc_file_round_trip():
    built, original = sent()
    trace = dict(built.entries)
    text = build_noc_file(original, [(trace["inst-0"], "C01", "987654321"),
                                     (trace["inst-3"], "C05", "32")], created_at=BACK)
    back = parse(text)
    assert {b.header.sec_code for b in back.batches} == {"COR"}
    matched, unmatched = match_returns(return_items(back), built.entries)
    assert [(ref, i.code, i.reason_text, i.addenda_kind, i.amount_minor, i.corrected_data)
            for ref, i in matched] == [
        ("inst-0", "C01", "Incorrect DFI account number", "noc", 0, "987654321"),
        ("inst-3", "C05", "Incorrect transaction code", "noc", 0, "32")]


def test_a_return_for_an_entry_we_never_sent_is_unmatched():
    built, original = sent()
    back = parse(build_return_file(original, [(built.entries[0][1], "R02")], created_at=BACK))
    matched, unmatched = match_returns(return_items(back), [("elsewhere", "231380109999999")])
    assert matched == [] and [i.code for i in unmatched] == ["R02"]
    assert isinstance(unmatched[0], ReturnItem) and unmatched[0].line_number == 4


def test_the_test_bank_refuses_what_it_cannot_return():
    built, original = sent()
    with pytest.raises(ValidationError) as refused:
        build_return_file(original, [("231380109999999", "R01"), (built.entries[0][1], "R68"),
                                     (built.entries[1][1], "X01")], created_at=BACK)
    assert set(refused.value.errors) == {"returns[0].trace", "returns[1].code",
                                         "returns[2].code"}
    with pytest.raises(ValidationError) as refused:
        build_noc_file(original, [(built.entries[0][1], "C99", "")], created_at=BACK)
    assert set(refused.value.errors) == {"changes[0].code", "changes[0].corrected_data"}


def test_code_tables():
    wanted = [f"R{n:02d}" for n in [*range(1, 25), 29, 31, 33, 37, 51, 52, 53, *range(61, 78)]]
    assert all(RETURN_CODES.get(code) for code in wanted)
    assert list(CHANGE_CODES) == [f"C{n:02d}" for n in range(1, 15)]


SETTLED = date(2026, 3, 16)  # a Monday


def test_r01_is_re_presented_twice_then_not_again():
    first = return_policy("R01", 0, SETTLED, date(2026, 3, 18))
    assert first == ReturnPolicy(date(2026, 3, 23), fee=True, disable_account=False,
                                 notify_borrower=True, needs_new_authorization=False)
    second = return_policy("R01", 1, SETTLED, date(2026, 3, 25))
    assert second.retry_on == date(2026, 3, 30) and second.fee
    third = return_policy("R01", 2, SETTLED, date(2026, 4, 1))
    assert third.retry_on is None and third.fee and not third.disable_account


def test_no_re_presentment_after_180_days_of_the_original_settlement():
    assert return_policy("R09", 0, SETTLED, SETTLED + timedelta(days=200)).retry_on is None
    near = SETTLED + timedelta(days=178)  # the retry date would fall past day 180
    assert add_banking_days(near, 3) > SETTLED + timedelta(days=180)
    assert return_policy("R09", 0, SETTLED, near).retry_on is None
    assert return_policy("R09", 0, SETTLED, SETTLED + timedelta(days=170)).retry_on


def test_retry_dates_skip_weekends_and_fed_holidays():
    # Wednesday before Thanksgiving 2026: Thu is a holiday, then Fri, Mon, Tue
    assert add_banking_days(date(2026, 11, 25), 3) == date(2026, 12, 1)
    assert not is_banking_day(date(2026, 1, 19))  # Martin Luther King Jr. Day
    assert not is_banking_day(date(2027, 7, 5))  # July 4th on a Sunday: observed Monday
    assert is_banking_day(date(2026, 7, 3))  # July 4th on a Saturday: the Fed opens Friday


@pytest.mark.parametrize("code, disable, notify, new_authorization", [
    ("R02", True, True, True), ("R03", True, True, True), ("R04", True, True, True),
    ("R05", True, True, True), ("R07", True, True, True), ("R08", True, True, True),
    ("R10", True, True, True), ("R16", True, True, True), ("R20", True, True, True),
    ("R29", True, True, True), ("R14", True, False, True), ("R15", True, False, True),
    ("R11", False, True, False), ("R06", False, False, False), ("R24", False, False, False),
    ("R68", False, False, False), ("R71", False, False, False), ("R97", False, False, False)])
def test_what_each_code_does_to_autopay(code, disable, notify, new_authorization):
    policy = return_policy(code, 0, SETTLED, date(2026, 3, 18))
    assert policy == ReturnPolicy(None, False, disable, notify, new_authorization)


def test_a_ten_thousand_entry_return_file_parses_and_matches():
    """Sanity for the benchmark (no timing assertion): 20,010 records."""
    debits = [DebitEntry(f"inst-{i}", "121042882", f"{10_000_000 + i}", "checking",
                         1_000 + i % 5_000, f"LN-{i:06d}", "Ada Borrower", "PPD",
                         date(2026, 3, 16)) for i in range(10_000)]
    built = build_debit_file(ORIGIN, debits, created_at=SENT)
    text = build_return_file(parse(built.text), [(t, "R01") for _, t in built.entries],
                             created_at=BACK)
    started = time.perf_counter()
    matched, unmatched = match_returns(return_items(parse(text)), built.entries)
    elapsed = time.perf_counter() - started
    assert len(matched) == 10_000 and not unmatched
    assert matched[9_999] == ("inst-9999", matched[9_999][1])
    print(f"parsed and matched 10,000 returns in {elapsed:.3f} s")
