"""The moov-io/ach sample files in ../shared/samples/ach: each parses to the values written in
it, or is refused naming the line and field at fault."""
from datetime import date, datetime

import pytest

from domain.nacha.build import DebitEntry, Originator, build_debit_file
from domain.nacha.parse import NachaFormatError, parse
from domain.nacha.returns import ReturnItem, return_items
from tests.conftest import shared_file


def sample(name: str):
    return parse(shared_file(f"samples/ach/{name}").read_text())


def test_ppd_debit():
    f = sample("ppd-debit.ach")
    h = f.header
    assert (h.immediate_destination, h.immediate_origin, h.creation_date, h.creation_time,
            h.file_id_modifier) == ("031300012", "0231380104", "190816", "1055", "A")
    assert (h.immediate_destination_name, h.immediate_origin_name, h.reference_code) == (
        "Federal Reserve Bank", "My Bank Name", "12345678")
    (batch,) = f.batches
    b = batch.header
    assert (b.service_class_code, b.company_name, b.company_id, b.sec_code,
            b.entry_description, b.effective_date, b.odfi_identification, b.batch_number) == (
        "225", "Name on Account", "231380104", "PPD", "REG.SALARY", date(2019, 8, 16),
        "12104288", 1)
    (e,) = batch.entries
    assert (e.transaction_code, e.rdfi_routing, e.account_number, e.amount_minor,
            e.individual_name, e.trace_number, e.addenda, e.is_debit) == (
        "27", "231380104", "123456789", 200000000, "Debit Account", "121042880000001", (), True)
    c = batch.control
    assert (c.entry_addenda_count, c.entry_hash, c.total_debit_minor, c.total_credit_minor) == (
        1, 23138010, 200000000, 0)
    fc = f.control
    assert (fc.batch_count, fc.block_count, fc.entry_addenda_count, fc.entry_hash,
            fc.total_debit_minor, fc.total_credit_minor) == (1, 1, 1, 23138010, 200000000, 0)


def test_our_builder_writes_ppd_debit_as_moov_does():
    """Same content as ppd-debit.ach gives the same records (we upper-case names)."""
    text = shared_file("samples/ach/ppd-debit.ach").read_text()
    origin = Originator("031300012", "Federal Reserve Bank", "0231380104", "My Bank Name",
                        "Name on Account", "231380104", "12104288", "REG.SALARY", "12345678")
    entry = DebitEntry("x", "231380104", "123456789", "checking", 200000000, "",
                       "Debit Account", "PPD", date(2019, 8, 16))
    built = build_debit_file(origin, [entry], created_at=datetime(2019, 8, 16, 10, 55))
    assert built.text.upper().splitlines() == text.upper().splitlines()
    assert built.entries == (("x", "121042880000001"),)


def test_ppd_mixed_debit_credit():
    (batch,) = sample("ppd-mixedDebitCredit.ach").batches
    assert batch.header.service_class_code == "200"
    assert [(e.transaction_code, e.account_number, e.amount_minor, e.individual_name,
             e.trace_number) for e in batch.entries] == [
        ("27", "123456789", 200000000, "Debit Account", "121042880000001"),
        ("22", "987654321", 100000000, "Credit Account 1", "121042880000002"),
        ("22", "837098765", 100000000, "Credit Account 2", "121042880000003")]
    assert (batch.control.entry_hash, batch.control.total_debit_minor,
            batch.control.total_credit_minor) == (69414030, 200000000, 200000000)


def test_web_debit_three_batches_two_blocks():
    f = sample("web-debit.ach")
    assert [(b.header.sec_code, b.header.service_class_code, len(b.entries),
             b.header.descriptive_date) for b in f.batches] == [
        ("WEB", "220", 4, "Mar 5"), ("WEB", "220", 1, "Mar 16"), ("PPD", "225", 1, "Mar 6")]
    first = f.batches[0].entries[0]
    assert (first.account_number, first.amount_minor, first.individual_id,
            first.individual_name, first.discretionary_data, first.trace_number) == (
        "12345678901234567", 3521, "RAj##23920rjf31", "John Doe", "S", "081000030000000")
    assert [e.amount_minor for e in f.batches[0].entries] == [3521, 2300, 2499, 1000]
    last = f.batches[2].entries[0]
    assert (last.rdfi_routing, last.account_number, last.amount_minor,
            last.discretionary_data, last.trace_number) == (
        "101000019", "923698412584", 15000, "A1", "081000030000005")
    assert f.batches[0].header.company_id == "0231380104"
    fc = f.control
    assert (fc.batch_count, fc.block_count, fc.entry_addenda_count, fc.entry_hash,
            fc.total_debit_minor, fc.total_credit_minor) == (3, 2, 6, 50600106, 15000, 26820)


def test_return_web():
    f = sample("return-WEB.ach")
    assert [(b.header.company_name, b.header.sec_code, b.header.odfi_identification,
             b.header.effective_entry_date) for b in f.batches] == [
        ("CoinLion", "WEB", "09100001", "000101"), ("CoinLion", "WEB", "02100002", "000101")]
    e = f.batches[0].entries[0]
    assert (e.transaction_code, e.rdfi_routing, e.amount_minor, e.individual_id,
            e.individual_name, e.trace_number) == (
        "26", "091400606", 12354, "MjMxNDAwMjAtOGQ", "Paul Jones", "091000017611242")
    assert e.addenda[0].trace_number == "091000017611242"
    assert return_items(f) == [
        ReturnItem("091400600000001", "R01", "Insufficient funds", "return", 12354, None,
                   "09100001", "", 4),
        ReturnItem("091400600000003", "R03", "No account / unable to locate account",
                   "return", 4565, None, "02100002", "", 8)]
    assert (f.control.batch_count, f.control.entry_addenda_count, f.control.entry_hash,
            f.control.total_debit_minor, f.control.total_credit_minor) == (
        2, 4, 18280120, 12354, 4565)


def test_issue1620_return_on_a_ccd_prenote_batch():
    f = sample("issue1620_return.ach")
    b = f.batches[0]
    assert (b.header.sec_code, b.header.company_id, b.header.entry_description,
            b.header.batch_number, b.control.batch_number) == (
        "CCD", "9999999999", "Prenote", 4, 4)
    assert (b.entries[0].rdfi_routing, b.entries[0].amount_minor) == ("062000019", 1)
    assert return_items(f) == [ReturnItem(
        "062000010000001", "R03", "No account / unable to locate account", "return", 1, None,
        "12345678", "", 4)]


def test_return_with_a_reason_code_outside_the_table():
    """R97 is no Nacha code; the file is still read, the code kept and said to be unlisted."""
    f = sample("return-PPD-custom-reason-code.ach")  # also has records cut short of 94
    b = f.batches[0]
    assert (b.header.company_name, b.header.company_discretionary_data, b.header.company_id,
            b.header.entry_description, b.header.descriptive_date,
            b.header.effective_date) == (
        "dummy company", "PAYROLL", "1234567", "DIR DEP", "072221", date(2021, 7, 2))
    e = b.entries[0]
    assert (e.transaction_code, e.amount_minor, e.individual_id, e.individual_name,
            e.discretionary_data) == ("21", 106161, "xxxxxxx3105", "Jane Doe", "DD")
    assert return_items(f) == [ReturnItem(
        "092221172022300", "R97", "Unlisted code R97", "return", 106161, None, "12330515",
        "", 4)]
    assert f.control.total_credit_minor == 106161


def test_dishonored_returns():
    f = sample("dishonored-return.ach")
    b = f.batches[0]
    assert (b.header.sec_code, b.header.entry_description) == ("POS", "ACH POS")
    assert [(i.code, i.addenda_kind, i.original_trace, i.original_rdfi, i.amount_minor,
             i.line_number) for i in return_items(f)] == [
        ("R68", "dishonored", "059999990000301", "12391871", 25000, 4),
        ("R68", "dishonored", "059999990000301", "12391871", 23000, 6)]
    assert b.entries[0].addenda[0].information == "Untimely Return"
    assert b.entries[0].addenda[0].raw[38:53] == "123918710000001"  # the return's trace
    assert (b.control.total_debit_minor, b.control.entry_hash) == (48000, 24208576)


def test_contested_return_carries_three_addenda_on_one_entry():
    f = sample("contested-return.ach")
    b = f.batches[0]
    assert b.header.effective_entry_date == "000000" and b.header.effective_date is None
    (e,) = b.entries
    assert (e.amount_minor, e.individual_id, e.individual_name) == (
        100000000, "ABC##jvkdjfuiwn", "Wade Arnold")
    items = return_items(f)
    assert [(i.code, i.addenda_kind, i.original_trace, i.original_rdfi, i.line_number)
            for i in items] == [
        ("R07", "return", "099912340000015", "09101298", 4),
        ("R68", "dishonored", "059999990000301", "12391871", 5),
        ("R71", "contested", "059999990000301", "12391871", 6)]
    assert items[0].reason_text == "Authorization revoked by customer"
    assert e.addenda[0].information == "Authorization Revoked"
    assert b.control.entry_addenda_count == 4


def test_notification_of_change():
    f = sample("cor-example.ach")
    b = f.batches[0]
    assert (b.header.sec_code, b.header.company_name, b.entries[0].amount_minor) == (
        "COR", "Your Company, in", 0)
    assert return_items(f) == [ReturnItem(
        "121042880000001", "C01", "Incorrect DFI account number", "noc", 0, None, "12104288",
        "1918171614", 4)]
    assert b.entries[0].addenda[0].trace_number == "091012980000088"


@pytest.mark.parametrize("name, line, field, words", [
    ("ppd-debit-invalid-entryDetail-checkDigit.ach", 3, "check_digit", "expected 4"),
    ("web-invalidNOCFile.ach", 4, "change_code", "'C92' is not a change code")])
def test_malformed_samples_are_refused_at_the_record_and_field(name, line, field, words):
    with pytest.raises(NachaFormatError) as refused:
        sample(name)
    assert [(n, f) for n, f, _ in refused.value.errors] == [(line, field)]
    assert words in refused.value.errors[0][2]
    assert f"line {line}, {field}:" in str(refused.value)
