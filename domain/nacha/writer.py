"""Assemble records into a file: batch and file controls, counts, hash, blocking.

Shared by the debit file builder and the test bank's return and NOC files, so every file we
write gets its controls from one place.
"""
from dataclasses import dataclass, field

from domain.nacha import records as rec
from domain.nacha.model import DEBIT_CODES

HASH_MODULUS = 10 ** 10


@dataclass(frozen=True)
class FileTotals:
    batch_count: int
    block_count: int
    entry_count: int
    entry_addenda_count: int
    entry_hash: int  # low 10 digits of the sum of the 8-digit RDFI identifications
    total_debit_minor: int
    total_credit_minor: int


@dataclass
class BatchRecords:
    """One batch to write: header values, then (entry values, [(addenda layout, values)])."""
    header: dict
    entries: list[tuple[dict, list[tuple[rec.Layout, dict]]]] = field(default_factory=list)


def service_class(entries) -> str:
    """225 debits only, 220 credits only, 200 mixed."""
    debits = {values["transaction_code"] in DEBIT_CODES for values, _ in entries}
    return "200" if len(debits) > 1 else "225" if debits == {True} else "220"


def assemble(file_header: dict, batches: list[BatchRecords]) -> tuple[str, FileTotals]:
    """Records in order with computed controls; `\\n` after every line, padded to 10s."""
    lines = [rec.format_record(rec.FILE_HEADER, {
        "record_type": 1, "priority_code": "01", "record_size": "094", "blocking_factor": "10",
        "format_code": 1, **file_header})]
    count = hash_ = debit = credit = entries_n = 0
    for number, batch in enumerate(batches, 1):
        klass = batch.header.get("service_class_code") or service_class(batch.entries)
        header = {"record_type": 5, "service_class_code": klass, "originator_status_code": "1",
                  **batch.header, "batch_number": number}
        lines.append(rec.format_record(rec.BATCH_HEADER, header))
        b_count = b_hash = b_debit = b_credit = 0
        for values, addenda in batch.entries:
            lines.append(rec.format_record(rec.ENTRY_DETAIL, {
                "record_type": 6, **values, "addenda_record_indicator": 1 if addenda else 0}))
            for layout, a_values in addenda:
                lines.append(rec.format_record(layout, {"record_type": 7, **a_values}))
            b_count += 1 + len(addenda)
            b_hash += int(values["rdfi_identification"])
            if values["transaction_code"] in DEBIT_CODES:
                b_debit += values["amount"]
            else:
                b_credit += values["amount"]
        entries_n += len(batch.entries)
        lines.append(rec.format_record(rec.BATCH_CONTROL, {
            "record_type": 8, "service_class_code": klass, "entry_addenda_count": b_count,
            "entry_hash": b_hash % HASH_MODULUS, "total_debit_entry_dollar_amount": b_debit,
            "total_credit_entry_dollar_amount": b_credit,
            "company_identification": header.get("company_identification"),
            "odfi_identification": header["odfi_identification"], "batch_number": number}))
        count, hash_, debit, credit = count + b_count, hash_ + b_hash, debit + b_debit, \
            credit + b_credit
    blocks = -(-(len(lines) + 1) // rec.BLOCKING_FACTOR)
    totals = FileTotals(len(batches), blocks, entries_n, count, hash_ % HASH_MODULUS, debit,
                        credit)
    lines.append(rec.format_record(rec.FILE_CONTROL, {
        "record_type": 9, "batch_count": totals.batch_count, "block_count": blocks,
        "entry_addenda_count": count, "entry_hash": totals.entry_hash,
        "total_debit_entry_dollar_amount": debit, "total_credit_entry_dollar_amount": credit}))
    lines += [rec.FILLER_LINE] * (blocks * rec.BLOCKING_FACTOR - len(lines))
    return "\n".join(lines) + "\n", totals
