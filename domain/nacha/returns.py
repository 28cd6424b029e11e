"""Returns and notifications of change: read them from a parsed file, match them to what we
sent, and (for tests and demos) build the files a bank would send back.

A return (addenda 99) or NOC (addenda 98) names the original entry's trace number; the
builder gave the caller (reference, trace) for every entry, so the trace leads back to the
installment attempt.
"""
from dataclasses import dataclass
from datetime import date, datetime

from domain.kernel.errors import ValidationError
from domain.nacha import records as rec
from domain.nacha.codes import (
    CHANGE_CODES,
    CONTESTED_CODES,
    DISHONORED_CODES,
    RETURN_CODES,
    return_reason,
)
from domain.nacha.model import AchFile, Batch, Entry, yymmdd
from domain.nacha.writer import BatchRecords, assemble


@dataclass(frozen=True, slots=True)
class ReturnItem:
    original_trace: str
    code: str  # R.. or C..
    reason_text: str
    addenda_kind: str  # "return", "noc", "dishonored", "contested"
    amount_minor: int  # the return entry's amount (0 for a NOC)
    date_of_death: date | None
    original_rdfi: str  # 8 digits
    corrected_data: str  # NOC: the corrected value as the bank wrote it
    line_number: int  # the addenda record's line
    return_code: str = ""  # dishonored / contested: the return they refer to ("R01")
    dishonor_code: str = ""  # contested: the dishonor it contests ("R68")


def return_items(ach: AchFile) -> list[ReturnItem]:
    """Every addenda 98/99 of the file, in file order (an entry may carry several)."""
    items = []
    for batch in ach.batches:
        for entry in batch.entries:
            for a in entry.addenda:
                if a.type_code in ("98", "99"):
                    items.append(ReturnItem(
                        a.original_trace, a.code, return_reason(a.code), a.kind,
                        entry.amount_minor, yymmdd(a.date_of_death) if a.date_of_death else None,
                        a.original_rdfi, a.corrected_data, a.line_number,
                        *_referred(a.kind, a.raw)))
    return items


def _referred(kind: str, raw: str) -> tuple[str, str]:
    """(return code, dishonor code) a dishonored or contested return names: the 2-digit
    return reason code at positions 57-58 (both layouts) and, contested, the dishonored
    return's at 77-78."""
    def code(digits: str) -> str:
        return f"R{digits}" if digits.isdigit() else ""
    if kind == "dishonored":
        return code(raw[56:58]), ""
    if kind == "contested":
        return code(raw[56:58]), code(raw[76:78])
    return "", ""


def match_returns(items: list[ReturnItem], originated) -> tuple[list[tuple[str, ReturnItem]],
                                                                 list[ReturnItem]]:
    """Pair each item with the reference of the entry it returns, by original trace.

    `originated`: the (reference, trace_number) pairs of the files we sent (BuiltFile.entries).
    Returns (matched [(reference, item)], unmatched items).
    """
    by_trace = {trace: reference for reference, trace in originated}
    matched, unmatched = [], []
    for item in items:
        reference = by_trace.get(item.original_trace)
        if reference is None:
            unmatched.append(item)
        else:
            matched.append((reference, item))
    return matched, unmatched


def build_return_file(original: AchFile, returns: list[tuple[str, str]], *,
                      created_at: datetime, dates_of_death: dict[str, date] | None = None,
                      first_sequence: int = 1) -> str:
    """The return file a bank would send for chosen entries: [(trace, R-code)]."""
    deaths = dates_of_death or {}
    errors = {}
    for i, (_, code) in enumerate(returns):
        if code not in RETURN_CODES or code in DISHONORED_CODES | CONTESTED_CODES:
            errors[f"returns[{i}].code"] = f"'{code}' is not a return reason code"

    def addenda(entry: Entry, change, trace: str) -> tuple[rec.Layout, dict]:
        death = deaths.get(entry.trace_number)
        return rec.ADDENDA_99, {
            "addenda_type_code": "99", "return_reason_code": change[0],
            "original_entry_trace_number": entry.trace_number,
            "date_of_death": death.strftime("%y%m%d") if death else None,
            "original_rdfi_identification": entry.rdfi_routing[:8],
            "addenda_information": RETURN_CODES.get(change[0], "")[:44], "trace_number": trace}

    picks = {trace: (code,) for trace, code in returns}
    return _bank_file(original, returns, picks, errors, addenda, None, created_at,
                      first_sequence)


def build_dishonor_file(original: AchFile, dishonors: list[tuple[str, str, str, str]], *,
                        created_at: datetime, first_sequence: int = 1) -> str:
    """The file telling the originator its bank dishonored a return (R61-R70), or that the
    returning bank contested that dishonor (R71-R77), for chosen entries of a file we built:
    [(trace, code, return code dishonored "R01", dishonor code contested "R68" or "")]."""
    errors = {}
    for i, (_, code, returned, dishonor) in enumerate(dishonors):
        if code not in DISHONORED_CODES | CONTESTED_CODES:
            errors[f"dishonors[{i}].code"] = f"'{code}' is no dishonored or contested code"
        if not (returned[:1] == "R" and returned[1:].isdigit() and len(returned) == 3):
            errors[f"dishonors[{i}].return_code"] = f"'{returned}' is not a return code"
        if code in CONTESTED_CODES and dishonor not in DISHONORED_CODES:
            errors[f"dishonors[{i}].dishonor_code"] = f"'{dishonor}' is no dishonored code"
    day = created_at.strftime("%y%m%d")
    julian = created_at.strftime("%j")

    def addenda(entry: Entry, change, trace: str) -> tuple[rec.Layout, dict]:
        code, returned, dishonor = change
        common = {"addenda_type_code": "99", "original_entry_trace_number": entry.trace_number,
                  "original_rdfi_identification": entry.rdfi_routing[:8],
                  "return_trace_number": entry.rdfi_routing[:8] + trace[-7:],
                  "return_settlement_date": julian, "return_reason_code": returned[1:],
                  "trace_number": trace}
        if code in DISHONORED_CODES:
            return rec.ADDENDA_99_DISHONORED, {
                **common, "dishonored_return_reason_code": code,
                "addenda_information": RETURN_CODES[code][:21]}
        return rec.ADDENDA_99_CONTESTED, {
            **common, "contested_return_reason_code": code,
            "date_original_entry_returned": day, "original_settlement_date": julian,
            "dishonored_return_trace_number": trace,
            "dishonored_return_settlement_date": julian,
            "dishonored_return_reason_code": dishonor[1:]}

    picks = {trace: (code, returned, dishonor) for trace, code, returned, dishonor in dishonors}
    return _bank_file(original, dishonors, picks, errors, addenda, None, created_at,
                      first_sequence, label="dishonors")


def build_noc_file(original: AchFile, changes: list[tuple[str, str, str]], *,
                   created_at: datetime, first_sequence: int = 1) -> str:
    """The NOC file (COR batches, addenda 98) for [(trace, C-code, corrected data)]."""
    errors = {}
    for i, (_, code, data) in enumerate(changes):
        if code not in CHANGE_CODES:
            errors[f"changes[{i}].code"] = f"'{code}' is not a change code (C01-C14)"
        if not data.strip() or len(data) > 29:
            errors[f"changes[{i}].corrected_data"] = "must be 1-29 characters"

    def addenda(entry: Entry, change, trace: str) -> tuple[rec.Layout, dict]:
        return rec.ADDENDA_98, {
            "addenda_type_code": "98", "change_code": change[0],
            "original_entry_trace_number": entry.trace_number,
            "original_rdfi_identification": entry.rdfi_routing[:8],
            "corrected_data": change[1], "trace_number": trace}

    picks = {trace: (code, data) for trace, code, data in changes}
    return _bank_file(original, changes, picks, errors, addenda, "COR", created_at,
                      first_sequence)


def _bank_file(original: AchFile, asked: list, picks: dict, errors: dict, addenda, sec,
               created_at: datetime, first_sequence: int, label: str = "") -> str:
    """One batch per (original batch, returning RDFI); each entry goes back to our ODFI."""
    known = {e.trace_number for _, e in original.entries()}
    label = label or ("changes" if sec else "returns")
    for i, pick in enumerate(asked):
        if pick[0] not in known:
            errors[f"{label}[{i}].trace"] = f"{pick[0]} is not an entry of the original file"
    if len(picks) != len(asked):
        errors[label] = "a trace number appears twice"
    if not asked:
        errors[label] = "at least one entry is required"
    if errors:
        raise ValidationError(errors)
    batches, sequence = [], first_sequence
    for batch in original.batches:
        by_rdfi: dict[str, list[Entry]] = {}
        for entry in batch.entries:
            if entry.trace_number in picks:
                by_rdfi.setdefault(entry.rdfi_routing[:8], []).append(entry)
        for rdfi, entries in by_rdfi.items():
            out = BatchRecords(_batch_header(batch, rdfi, sec, created_at))
            for entry in entries:
                trace = f"{rdfi}{sequence:07d}"
                sequence += 1
                odfi = batch.header.odfi_identification
                out.entries.append(({
                    # return/NOC transaction code: one below the original's (27 -> 26)
                    "transaction_code": f"{int(entry.transaction_code) - 1:02d}",
                    "rdfi_identification": odfi, "check_digit": rec.check_digit(odfi),
                    "dfi_account_number": entry.account_number,
                    "amount": 0 if sec == "COR" else entry.amount_minor,
                    "individual_identification_number": entry.individual_id,
                    "individual_name": entry.individual_name,
                    "discretionary_data": entry.discretionary_data, "trace_number": trace},
                    [addenda(entry, picks[entry.trace_number], trace)]))
            batches.append(out)
    h = original.header
    text, _ = assemble({
        "immediate_destination": h.immediate_origin.rjust(10),
        "immediate_origin": h.immediate_destination.rjust(10),
        "file_creation_date": created_at.strftime("%y%m%d"),
        "file_creation_time": created_at.strftime("%H%M"), "file_id_modifier": "A",
        "immediate_destination_name": h.immediate_origin_name,
        "immediate_origin_name": h.immediate_destination_name}, batches)
    return text


def _batch_header(batch: Batch, rdfi: str, sec: str | None, created_at: datetime) -> dict:
    h = batch.header
    return {"company_name": h.company_name,
            "company_discretionary_data": h.company_discretionary_data,
            "company_identification": h.company_id,
            "standard_entry_class_code": sec or h.sec_code,
            "company_entry_description": h.entry_description,
            "company_descriptive_date": h.descriptive_date,
            "effective_entry_date": created_at.strftime("%y%m%d"),
            "odfi_identification": rdfi}
