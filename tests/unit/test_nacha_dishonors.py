"""Dishonored (R61-R70) and contested (R71-R77) returns: the test bank writes them in their own
addenda layouts, they round trip through parse naming the return (and dishonor) they refer to,
and the code tables class them as the Nacha rules do."""
from datetime import date, datetime

import pytest

from domain.kernel.errors import ValidationError
from domain.nacha.build import DebitEntry, Originator, build_debit_file
from domain.nacha.codes import CONTESTED_CODES, DISHONORED_CODES, servicer_queue
from domain.nacha.parse import parse
from domain.nacha.returns import build_dishonor_file, return_items

ORIGIN = Originator("231380104", "First Bank", "1234567890", "Demo Lending", "DEMO LENDING",
                    "1234567890", "23138010")
SENT, BACK = datetime(2026, 3, 13, 16, 0), datetime(2026, 3, 25, 6, 30)


def sent():
    debits = [DebitEntry(f"inst-{i}", "121042882", f"5550{i}", "checking", 10_000 + i,
                         f"LN-{i:06d}", f"Borrower {i}", "PPD", date(2026, 3, 16))
              for i in range(3)]
    built = build_debit_file(ORIGIN, debits, created_at=SENT)
    return dict(built.entries), parse(built.text)


def test_dishonored_and_contested_returns_round_trip_with_what_they_refer_to():
    trace, original = sent()
    text = build_dishonor_file(original, [(trace["inst-0"], "R68", "R01", ""),
                                          (trace["inst-2"], "R71", "R09", "R68")],
                               created_at=BACK)
    items = return_items(parse(text))
    assert [(i.original_trace, i.code, i.addenda_kind, i.return_code, i.dishonor_code,
             i.amount_minor, i.reason_text) for i in items] == [
        (trace["inst-0"], "R68", "dishonored", "R01", "", 10_000, "Untimely return"),
        (trace["inst-2"], "R71", "contested", "R09", "R68", 10_002,
         "Misrouted dishonored return")]


def test_the_test_bank_refuses_a_plain_code_in_a_dishonor_file():
    trace, original = sent()
    with pytest.raises(ValidationError) as refused:
        build_dishonor_file(original, [(trace["inst-0"], "R01", "R01", ""),
                                       (trace["inst-1"], "R72", "X1", "R01")], created_at=BACK)
    assert set(refused.value.errors) == {"dishonors[0].code", "dishonors[1].return_code",
                                         "dishonors[1].dishonor_code"}


def test_code_classes_follow_the_nacha_rules():
    assert DISHONORED_CODES == {f"R{n}" for n in range(61, 71)}  # R63-R66 retired, still read
    assert CONTESTED_CODES == {f"R{n}" for n in range(71, 78)}  # R77 answers an R62 dishonor
    assert [servicer_queue(c) for c in ("R14", "R15", "R11", "R06", "R24", "R97")] == \
        ["estate", "estate", "review", "review", "review", "review"]
    assert [servicer_queue(c) for c in ("R01", "R02", "R10", "R68", "R71", "CARD_DECLINED")] \
        == ["", "", "", "", "", ""]


def test_the_shared_samples_name_the_return_they_dishonor():
    from tests.conftest import shared_file
    items = return_items(parse(shared_file("samples/ach/contested-return.ach").read_text()))
    assert [(i.code, i.return_code, i.dishonor_code) for i in items] == [
        ("R07", "", ""), ("R68", "R01", ""), ("R71", "R01", "R67")]
