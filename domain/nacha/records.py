"""NACHA record layouts as data: each field's name, 1-based start, length, kind, required.

One table per record type drives both the builder (format) and the parser (slice and check),
so a position is written down once. Positions follow the Nacha Operating Rules' record
formats (as moov-io/ach implements them).
"""
from dataclasses import dataclass
from operator import itemgetter

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
FILLER_LINE = "9" * RECORD_LENGTH
NUMERIC = "numeric"
ALPHA = "alphanumeric"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    start: int  # 1-based, as the Nacha tables print it
    length: int
    kind: str  # NUMERIC: right-justified, zero-filled; ALPHA: left-justified, space-filled
    required: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        at = 1
        for f in self.fields:  # a layout must tile the 94 positions exactly
            if f.start != at:
                raise ValueError(f"{self.name}.{f.name} starts at {f.start}, expected {at}")
            at += f.length
        if at != RECORD_LENGTH + 1:
            raise ValueError(f"{self.name} covers {at - 1} positions, not {RECORD_LENGTH}")
        # What the parser's hot path reads: one C-level call slices every field, one
        # isdigit() checks every required numeric field at once.
        cuts = [slice(f.start - 1, f.start - 1 + f.length) for f in self.fields]
        kinds = [(f.kind == NUMERIC, f.required) for f in self.fields]
        setattr_ = object.__setattr__
        setattr_(self, "names", tuple(f.name for f in self.fields))
        setattr_(self, "cut_all", itemgetter(*cuts))
        setattr_(self, "cut_digits", itemgetter(*[c for c, k in zip(cuts, kinds) if k == (1, 1)]))
        setattr_(self, "cut_optional_digits", _tuple_getter(
            [c for c, k in zip(cuts, kinds) if k == (True, False)]))
        setattr_(self, "cut_required_text", _tuple_getter(
            [c for c, k in zip(cuts, kinds) if k == (False, True)]))

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _tuple_getter(cuts: list[slice]):
    """itemgetter that returns a tuple even for zero or one slice."""
    if len(cuts) > 1:
        return itemgetter(*cuts)
    return (lambda line: (line[cuts[0]],)) if cuts else (lambda line: ())


def _layout(name: str, *specs: tuple) -> Layout:
    fields, at = [], 1
    for spec in specs:  # (name, length, kind[, required]); starts are computed
        fields.append(Field(spec[0], at, spec[1], spec[2], spec[3] if len(spec) > 3 else False))
        at += spec[1]
    return Layout(name, tuple(fields))


R, N, A = True, NUMERIC, ALPHA
FILE_HEADER = _layout(
    "file_header", ("record_type", 1, N, R), ("priority_code", 2, N, R),
    ("immediate_destination", 10, A, R), ("immediate_origin", 10, A, R),
    ("file_creation_date", 6, N, R), ("file_creation_time", 4, N), ("file_id_modifier", 1, A, R),
    ("record_size", 3, N, R), ("blocking_factor", 2, N, R), ("format_code", 1, N, R),
    ("immediate_destination_name", 23, A), ("immediate_origin_name", 23, A),
    ("reference_code", 8, A))
BATCH_HEADER = _layout(
    "batch_header", ("record_type", 1, N, R), ("service_class_code", 3, N, R),
    ("company_name", 16, A, R), ("company_discretionary_data", 20, A),
    ("company_identification", 10, A, R), ("standard_entry_class_code", 3, A, R),
    ("company_entry_description", 10, A, R), ("company_descriptive_date", 6, A),
    ("effective_entry_date", 6, N, R), ("settlement_date", 3, N),
    ("originator_status_code", 1, A, R), ("odfi_identification", 8, N, R),
    ("batch_number", 7, N, R))
ENTRY_DETAIL = _layout(
    "entry_detail", ("record_type", 1, N, R), ("transaction_code", 2, N, R),
    ("rdfi_identification", 8, N, R), ("check_digit", 1, N, R),
    ("dfi_account_number", 17, A, R), ("amount", 10, N, R),
    ("individual_identification_number", 15, A), ("individual_name", 22, A),
    ("discretionary_data", 2, A), ("addenda_record_indicator", 1, N, R),
    ("trace_number", 15, N, R))
ADDENDA_05 = _layout(
    "addenda_05", ("record_type", 1, N, R), ("addenda_type_code", 2, N, R),
    ("payment_related_information", 80, A), ("addenda_sequence_number", 4, N, R),
    ("entry_detail_sequence_number", 7, N, R))
ADDENDA_98 = _layout(
    "addenda_98", ("record_type", 1, N, R), ("addenda_type_code", 2, N, R),
    ("change_code", 3, A, R), ("original_entry_trace_number", 15, N, R), ("reserved", 6, A),
    ("original_rdfi_identification", 8, N, R), ("corrected_data", 29, A, R),
    ("reserved_2", 15, A), ("trace_number", 15, N, R))
ADDENDA_99 = _layout(
    "addenda_99", ("record_type", 1, N, R), ("addenda_type_code", 2, N, R),
    ("return_reason_code", 3, A, R), ("original_entry_trace_number", 15, N, R),
    ("date_of_death", 6, N), ("original_rdfi_identification", 8, N, R),
    ("addenda_information", 44, A), ("trace_number", 15, N, R))
ADDENDA_99_DISHONORED = _layout(  # the ODFI refusing a return (R61-R70)
    "addenda_99_dishonored", ("record_type", 1, N, R), ("addenda_type_code", 2, N, R),
    ("dishonored_return_reason_code", 3, A, R), ("original_entry_trace_number", 15, N, R),
    ("reserved", 6, A), ("original_rdfi_identification", 8, N, R), ("reserved_2", 3, A),
    ("return_trace_number", 15, N, R), ("return_settlement_date", 3, N),
    ("return_reason_code", 2, N, R), ("addenda_information", 21, A),
    ("trace_number", 15, N, R))
ADDENDA_99_CONTESTED = _layout(  # the RDFI contesting a dishonor (R71-R77)
    "addenda_99_contested", ("record_type", 1, N, R), ("addenda_type_code", 2, N, R),
    ("contested_return_reason_code", 3, A, R), ("original_entry_trace_number", 15, N, R),
    ("date_original_entry_returned", 6, N), ("original_rdfi_identification", 8, N, R),
    ("original_settlement_date", 3, N), ("return_trace_number", 15, N, R),
    ("return_settlement_date", 3, N), ("return_reason_code", 2, N, R),
    ("dishonored_return_trace_number", 15, N, R), ("dishonored_return_settlement_date", 3, N),
    ("dishonored_return_reason_code", 2, N, R), ("reserved", 1, A),
    ("trace_number", 15, N, R))
BATCH_CONTROL = _layout(
    "batch_control", ("record_type", 1, N, R), ("service_class_code", 3, N, R),
    ("entry_addenda_count", 6, N, R), ("entry_hash", 10, N, R),
    ("total_debit_entry_dollar_amount", 12, N, R), ("total_credit_entry_dollar_amount", 12, N, R),
    ("company_identification", 10, A), ("message_authentication_code", 19, A),
    ("reserved", 6, A), ("odfi_identification", 8, N, R), ("batch_number", 7, N, R))
FILE_CONTROL = _layout(
    "file_control", ("record_type", 1, N, R), ("batch_count", 6, N, R),
    ("block_count", 6, N, R), ("entry_addenda_count", 8, N, R), ("entry_hash", 10, N, R),
    ("total_debit_entry_dollar_amount", 12, N, R), ("total_credit_entry_dollar_amount", 12, N, R),
    ("reserved", 39, A))
del R, N, A


def format_record(layout: Layout, values: dict) -> str:
    """Values by field name -> one 94-character record. Missing fields are blank/zero.

    Numeric values (int or digit string) are right-justified and zero-filled; alphanumeric
    ones upper-cased, left-justified and space-filled. A value too long raises ValueError
    naming the field (callers validate first; this is the last line of defence).
    """
    parts = []
    for f in layout.fields:
        value = values.get(f.name)
        if f.kind == NUMERIC:
            text = "" if value is None else str(value)
            if text and not (text.isascii() and text.isdigit()):
                raise ValueError(f"{f.name}: '{text}' is not numeric")
            text = text.zfill(f.length) if text or f.required else " " * f.length
        else:
            text = ("" if value is None else str(value)).upper().ljust(f.length)
            if not (text.isascii() and text.isprintable()):
                raise ValueError(f"{f.name}: '{text.strip()}' has characters NACHA cannot carry")
        if len(text) != f.length:
            raise ValueError(f"{f.name}: '{text.strip()}' is longer than {f.length}")
        parts.append(text)
    return "".join(parts)


def slice_record(layout: Layout, line: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """One record -> (values by name, stripped; [(field, reason)]).

    A numeric field must be all digits (an optional one may be all blank); a required
    alphanumeric field must not be blank.
    """
    raw = layout.cut_all(line)
    ok = "".join(layout.cut_digits(line)).isdigit() and all(
        map(str.strip, layout.cut_required_text(line)))
    if ok:
        for value in layout.cut_optional_digits(line):
            if not (value.isdigit() or value.isspace()):
                ok = False
        if ok:
            return dict(zip(layout.names, map(str.strip, raw))), []
    errors = []
    for f, value in zip(layout.fields, raw):
        if f.kind == NUMERIC:
            if not value.isdigit() and (f.required or not value.isspace()):
                errors.append((f.name, f"'{value}' must be numeric"))
        elif f.required and value.isspace():
            errors.append((f.name, "is required"))
    return dict(zip(layout.names, map(str.strip, raw))), errors


def check_digit(routing8: str) -> int:
    """ABA check digit of an 8-digit routing prefix (weights 3, 7, 1)."""
    d = [ord(c) - 48 for c in routing8]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return (10 - total % 10) % 10


def valid_routing(routing: str) -> bool:
    """A 9-digit ABA routing number whose last digit is its check digit."""
    return (len(routing) == 9 and routing.isascii() and routing.isdigit()
            and check_digit(routing[:8]) == ord(routing[8]) - 48)
