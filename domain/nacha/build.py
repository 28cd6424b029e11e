"""Build the ACH debit file a lender sends its bank for the autopay debits due.

One batch per (effective entry date, SEC code, re-presentment), debits only (service class
225). Trace numbers are the ODFI's 8-digit routing + a 7-digit sequence running through the
file from `first_sequence`: the caller keeps the sequence so traces stay unique across files,
and stores each entry's (reference, trace) to match returns back to the installment.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from domain.kernel.errors import ValidationError
from domain.nacha import records as rec
from domain.nacha.writer import BatchRecords, FileTotals, assemble

SEC_CODES = ("PPD", "WEB")
TRANSACTION_CODES = {"checking": "27", "savings": "37"}  # debits
RETRY_DESCRIPTION = "RETRY PYMT"  # Nacha: a reinitiated R01/R09 entry says so
MAX_AMOUNT = 10 ** 10 - 1  # ten digits of cents
MAX_TOTAL = 10 ** 12 - 1
MAX_SEQUENCE = 10 ** 7 - 1
_ACCOUNT = re.compile(r"[A-Za-z0-9-]{1,17}")


@dataclass(frozen=True)
class Originator:
    """The lender as its bank (the ODFI) knows it."""
    immediate_destination: str  # routing number of the bank receiving the file (9 digits)
    immediate_destination_name: str  # <= 23
    immediate_origin: str  # 10 digits (e.g. "1" + EIN), or a 9-digit routing (sent as " " + it)
    immediate_origin_name: str  # <= 23
    company_name: str  # <= 16, shows on the borrower's statement
    company_id: str  # <= 10, assigned by the bank (often "1" + EIN)
    odfi_routing: str  # 8 digits: the ODFI identification, prefix of every trace number
    entry_description: str = "LOANPMT"  # <= 10, shows on the borrower's statement
    reference_code: str = ""  # <= 8, the file header's free field


@dataclass(frozen=True)
class DebitEntry:
    """One autopay debit; `reference` is the caller's key back to the installment attempt."""
    reference: str
    rdfi_routing: str  # 9 digits, check digit validated
    account_number: str  # <= 17: letters, digits, hyphens
    account_type: str  # "checking" (transaction code 27) or "savings" (37)
    amount_minor: int
    individual_id: str  # <= 15: the loan number
    individual_name: str  # folded to ASCII, cut to 22 (banks post on the account number)
    sec_code: str  # "PPD" (written authorization) or "WEB" (authorized online)
    effective_date: date
    payment_type: str = ""  # WEB only: "R" recurring or "S" single
    reinitiated: bool = False  # a re-presentment after R01/R09


@dataclass(frozen=True)
class BuiltFile:
    text: str
    entries: tuple[tuple[str, str], ...]  # (reference, trace_number), in file order
    totals: FileTotals


def build_debit_file(originator: Originator, entries: list[DebitEntry], *,
                     created_at: datetime, file_id_modifier: str = "A",
                     first_sequence: int = 1) -> BuiltFile:
    """The file text, each entry's trace number, and the file totals; ValidationError
    naming every bad field (`entries[3].rdfi_routing`) and nothing built."""
    errors = _check_originator(originator)
    if not entries:
        errors["entries"] = "at least one debit is required"
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        errors.update(_check_entry(f"entries[{i}]", entry, created_at.date(), seen))
    if not (len(file_id_modifier) == 1 and (file_id_modifier.isdigit()
                                            or "A" <= file_id_modifier <= "Z")):
        errors["file_id_modifier"] = "must be one of A-Z or 0-9"
    if not 1 <= first_sequence or first_sequence + len(entries) - 1 > MAX_SEQUENCE:
        errors["first_sequence"] = f"traces must stay within 1..{MAX_SEQUENCE}"
    groups: dict[tuple, list[DebitEntry]] = {}
    for entry in entries:
        key = (entry.effective_date, entry.sec_code, entry.reinitiated)
        groups.setdefault(key, []).append(entry)
    if sum(e.amount_minor for e in entries if isinstance(e.amount_minor, int)) > MAX_TOTAL:
        errors["entries"] = "the debits exceed the file total's 12 digits: split the file"
    if errors:
        raise ValidationError(errors)

    o, sequence = originator, first_sequence
    batches, traced = [], []
    for (effective, sec, retry), group in sorted(groups.items()):
        batch = BatchRecords({
            "service_class_code": "225", "company_name": o.company_name,
            "company_identification": o.company_id, "standard_entry_class_code": sec,
            "company_entry_description": RETRY_DESCRIPTION if retry else o.entry_description,
            "effective_entry_date": effective.strftime("%y%m%d"),
            "odfi_identification": o.odfi_routing})
        for e in group:
            trace = f"{o.odfi_routing}{sequence:07d}"
            sequence += 1
            batch.entries.append(({
                "transaction_code": TRANSACTION_CODES[e.account_type],
                "rdfi_identification": e.rdfi_routing[:8], "check_digit": e.rdfi_routing[8],
                "dfi_account_number": e.account_number, "amount": e.amount_minor,
                "individual_identification_number": e.individual_id,
                "individual_name": ascii_name(e.individual_name)[:22],
                "discretionary_data": e.payment_type, "trace_number": trace}, []))
            traced.append((e.reference, trace))
        batches.append(batch)
    origin = o.immediate_origin
    text, totals = assemble({
        "immediate_destination": " " + o.immediate_destination,
        "immediate_origin": " " + origin if len(origin) == 9 and origin.isdigit() else origin,
        "file_creation_date": created_at.strftime("%y%m%d"),
        "file_creation_time": created_at.strftime("%H%M"), "file_id_modifier": file_id_modifier,
        "immediate_destination_name": o.immediate_destination_name,
        "immediate_origin_name": o.immediate_origin_name,
        "reference_code": o.reference_code}, batches)
    return BuiltFile(text, tuple(traced), totals)


def ascii_name(text: str) -> str:
    """'José Núñez' -> 'Jose Nunez': NACHA carries printable ASCII only."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).strip()


def _text(errors: dict, field: str, value, limit: int, required: bool = True) -> None:
    if not isinstance(value, str):
        errors[field] = "must be text"
    elif required and not value.strip():
        errors[field] = "is required"
    elif len(value) > limit:
        errors[field] = f"must be at most {limit} characters"
    elif not (value.isascii() and value.isprintable()):
        errors[field] = "must be printable ASCII (letters, digits, punctuation)"


def _routing(errors: dict, field: str, value) -> None:
    if not (isinstance(value, str) and len(value) == 9 and value.isascii() and value.isdigit()):
        errors[field] = "must be a 9-digit routing number"
    elif not rec.valid_routing(value):
        errors[field] = (f"check digit {value[8]} is wrong for {value[:8]} "
                         f"(expected {rec.check_digit(value[:8])})")


def _check_originator(o: Originator) -> dict[str, str]:
    errors: dict[str, str] = {}
    _routing(errors, "originator.immediate_destination", o.immediate_destination)
    origin = o.immediate_origin
    if not (isinstance(origin, str) and len(origin) in (9, 10) and origin.isascii()
            and origin.isdigit()):
        errors["originator.immediate_origin"] = "must be 9 digits (a routing number) or 10"
    for name, limit, required in (("immediate_destination_name", 23, False),
                                  ("immediate_origin_name", 23, False),
                                  ("company_name", 16, True), ("company_id", 10, True),
                                  ("entry_description", 10, True),
                                  ("reference_code", 8, False)):
        _text(errors, f"originator.{name}", getattr(o, name), limit, required)
    odfi = o.odfi_routing
    if not (isinstance(odfi, str) and len(odfi) == 8 and odfi.isascii() and odfi.isdigit()):
        errors["originator.odfi_routing"] = "must be the 8-digit ODFI identification"
    return errors


def _check_entry(at: str, e: DebitEntry, created: date, seen: set[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not isinstance(e.reference, str) or not e.reference:
        errors[f"{at}.reference"] = "is required"
    elif e.reference in seen:
        errors[f"{at}.reference"] = f"'{e.reference}' appears twice"
    else:
        seen.add(e.reference)
    _routing(errors, f"{at}.rdfi_routing", e.rdfi_routing)
    if not (isinstance(e.account_number, str) and _ACCOUNT.fullmatch(e.account_number)):
        errors[f"{at}.account_number"] = "must be 1-17 letters, digits or hyphens"
    if e.account_type not in TRANSACTION_CODES:
        errors[f"{at}.account_type"] = "must be checking or savings"
    amount = e.amount_minor
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
        errors[f"{at}.amount_minor"] = f"must be whole cents from 1 to {MAX_AMOUNT}"
    _text(errors, f"{at}.individual_id", e.individual_id, 15, required=False)
    if not isinstance(e.individual_name, str) or not ascii_name(e.individual_name):
        errors[f"{at}.individual_name"] = "is required"
    else:
        _text(errors, f"{at}.individual_name", ascii_name(e.individual_name)[:22], 22)
    if e.sec_code not in SEC_CODES:
        errors[f"{at}.sec_code"] = "must be PPD or WEB"
    elif e.sec_code == "WEB" and e.payment_type not in ("R", "S"):
        errors[f"{at}.payment_type"] = "must be R (recurring) or S (single) for WEB"
    elif e.sec_code == "PPD" and e.payment_type:
        errors[f"{at}.payment_type"] = "is for WEB entries only"
    if not isinstance(e.effective_date, date):
        errors[f"{at}.effective_date"] = "must be a date"
    elif e.effective_date < created:
        errors[f"{at}.effective_date"] = f"{e.effective_date} is before the file's creation date"
    return errors
