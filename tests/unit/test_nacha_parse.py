"""The parser is tolerant of line ends and nothing else: each fault named by line and field."""
from datetime import date, datetime

import pytest

from domain.nacha.build import DebitEntry, Originator, build_debit_file
from domain.nacha.parse import NachaFormatError, parse

ORIGIN = Originator("231380104", "First Bank", "1234567890", "Demo Lending", "DEMO LENDING",
                    "1234567890", "23138010")


def good_lines() -> list[str]:
    entries = [DebitEntry(f"r{i}", "121042882", f"1000{i}", "checking", 1000 + i, f"LN-{i}",
                          "Ada Borrower", "PPD", date(2026, 3, 16)) for i in range(3)]
    text = build_debit_file(ORIGIN, entries, created_at=datetime(2026, 3, 13, 9, 0)).text
    return text.split("\n")[:-1]  # 1 header, 5, 6 6 6, 8, 9, then fillers


def refused(lines: list[str]) -> list[tuple[int, str]]:
    with pytest.raises(NachaFormatError) as error:
        parse("\n".join(lines) + "\n")
    return [(n, field) for n, field, _ in error.value.errors]


def put(line: str, at: int, value: str) -> str:
    """Overwrite 1-based position `at` onwards with `value`."""
    return line[:at - 1] + value + line[at - 1 + len(value):]


def test_crlf_trailing_blank_lines_and_trimmed_blanks_are_accepted():
    lines = good_lines()
    text = "\r\n".join(line.rstrip() for line in lines) + "\r\n\r\n  \n"
    parsed = parse(text)
    assert [e.amount_minor for _, e in parsed.entries()] == [1000, 1001, 1002]


def test_a_long_line_a_blank_line_and_a_foreign_character():
    lines = good_lines()
    lines[2] += "X"
    lines[3] = ""
    lines[4] = put(lines[4], 55, "ÉDA")
    assert refused(lines)[:3] == [(3, "record"), (4, "record"), (5, "record")]


def test_numeric_fields_must_be_numeric_and_every_error_is_reported():
    lines = good_lines()
    lines[2] = put(lines[2], 30, "00000010.0")  # amount
    lines[3] = put(lines[3], 80, "2313801X")  # trace number
    lines[0] = put(lines[0], 24, "261340")  # file creation date: month 13
    errors = refused(lines)
    assert (3, "amount") in errors and (4, "trace_number") in errors
    assert (1, "file_creation_date") in errors


def test_controls_are_recomputed():
    lines = good_lines()
    lines[5] = put(lines[5], 11, "0000000001")  # batch entry hash
    lines[5] = put(lines[5], 21, "000000000001")  # batch total debit
    lines[6] = put(lines[6], 14, "00000004")  # file entry/addenda count
    assert refused(lines) == [(6, "entry_hash"), (6, "total_debit_entry_dollar_amount"),
                              (7, "entry_addenda_count")]


def test_header_and_control_must_agree():
    lines = good_lines()
    lines[5] = put(lines[5], 88, "0000002")  # batch number
    lines[5] = put(lines[5], 2, "220")  # service class
    assert refused(lines) == [(6, "service_class_code"), (6, "batch_number")]


def test_record_order():
    lines = good_lines()
    assert refused(lines[:1] + lines[2:]) == [  # entries before their batch header
        (2, "record_type"), (3, "record_type"), (4, "record_type"), (5, "record_type"),
        (9, "block_count")]
    assert refused([lines[1]] + lines[:1] + lines[2:]) == [(1, "record_type"),
                                                           (2, "record_type")]
    assert refused(lines[:5] + lines[6:] + ["9" * 94]) == [(6, "record_type")]  # no control
    assert refused(lines[:6] + ["9" * 94] * 4) == [(10, "record_type")]  # no file control
    assert refused(lines[:8] + [lines[2]] + lines[9:]) == [(9, "record_type")]  # after filler


def test_blocking_factor():
    lines = good_lines()
    assert refused(lines[:-1]) == [(9, "block_count")]


def test_entry_rules():
    lines = good_lines()
    lines[3] = put(lines[3], 2, "22")  # a credit in a debits-only batch
    lines[4] = put(lines[4], 80, "121042880000003")  # trace not under the batch's ODFI
    errors = refused(lines)
    assert errors[:2] == [(4, "transaction_code"), (5, "trace_number")]
    lines = good_lines()
    lines[3], lines[4] = lines[4], lines[3]
    assert refused(lines) == [(5, "trace_number")]  # not ascending
    lines = good_lines()
    lines[2] = put(lines[2], 79, "1")  # says it has an addenda
    assert refused(lines) == [(3, "addenda_record_indicator")]


def test_addenda_rules():
    lines = good_lines()
    addenda = "705" + "PAYMENT FOR INSTALLMENT 3".ljust(80) + "0001" + "0000009"
    with_addenda = lines[:2] + [put(lines[2], 79, "1"), addenda] + lines[3:5]
    control = put(put(lines[5], 5, "000004"), 1, "8")
    file_control = put(lines[6], 14, "00000004")
    errors = refused(with_addenda + [control, file_control] + lines[7:-1])
    assert errors == [(4, "entry_detail_sequence_number")]
    fixed = addenda[:87] + "0000001"
    parsed = parse("\n".join(lines[:2] + [put(lines[2], 79, "1"), fixed] + lines[3:5]
                             + [control, file_control] + lines[7:-1]))
    first = next(parsed.entries())[1]
    assert first.addenda[0].information == "PAYMENT FOR INSTALLMENT 3"
    assert first.addenda[0].kind == "payment"
    noc_outside_cor = "798C01" + "231380100000001" + " " * 6 + "12104288" + "1".ljust(29)
    noc_outside_cor += " " * 15 + "121042880000001"
    errors = refused(lines[:2] + [put(lines[2], 79, "1"), noc_outside_cor] + lines[3:5]
                     + [control, file_control] + lines[7:-1])
    assert errors == [(4, "addenda_type_code")]
    unknown = "702" + " " * 84 + "0000001"
    assert refused(lines[:3] + [unknown] + lines[3:])[0] == (4, "addenda_record_indicator")


def test_the_error_says_line_and_field():
    lines = good_lines()
    lines[2] = put(lines[2], 12, "7")
    with pytest.raises(NachaFormatError) as error:
        parse("\n".join(lines))
    assert str(error.value) == ("line 3, check_digit: 7 is not the check digit of routing "
                                "12104288 (expected 2)")
