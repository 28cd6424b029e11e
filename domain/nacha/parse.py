"""Read a NACHA file strictly and say exactly where it is wrong.

Tolerated: CRLF line ends, trailing blank lines, and records shorter than 94 characters
(trailing blanks lost on the way: the moov-io samples have them), which are padded with
spaces. Everything else is checked: record order, every field's kind, routing check digits,
trace numbers, and each batch and file control recomputed. All errors found are reported
together, each as (line, field, reason).
"""
from domain.kernel.errors import DomainError
from domain.nacha import records as rec
from domain.nacha.addenda import read_addenda
from domain.nacha.model import (
    DEBIT_CODES,
    TRANSACTION_CODES,
    AchFile,
    Batch,
    BatchControl,
    BatchHeader,
    Entry,
    FileControl,
    FileHeader,
    yymmdd,
)

SEC_CODES = frozenset({"PPD", "WEB", "CCD", "CTX", "TEL", "COR", "POS", "ARC", "BOC", "POP",
                       "RCK", "ACK", "ATX", "CIE", "DNE", "ENR", "MTE", "SHR", "TRC", "TRX",
                       "XCK"})
SERVICE_CLASSES = frozenset({"200", "220", "225"})
HASH_MODULUS = 10 ** 10
MAX_ERRORS = 1000


class NachaFormatError(DomainError):
    """A file we refuse; `errors` lists (line_number, field_name, reason)."""

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.errors = list(errors)
        shown = "; ".join(f"line {n}, {field}: {why}" for n, field, why in self.errors[:10])
        more = f" (and {len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(shown + more)


def parse(text: str) -> AchFile:
    """The file's text -> AchFile, or NachaFormatError with every fault found."""
    return _Parser().run(text)


class _Parser:
    def __init__(self) -> None:
        self.errors: list[tuple[int, str, str]] = []
        self.header: FileHeader | None = None
        self.control: FileControl | None = None
        self.batches: list[Batch] = []
        self.batch: BatchHeader | None = None  # the open batch
        self.entry: list | None = None  # the open entry: [Entry fields..., addenda list]
        self.totals = [0, 0, 0, 0]  # entries + addenda, hash, debit, credit of closed batches
        self.out_of_order = False  # then the file control's sums would only repeat the fault

    def order_error(self, line: int, reason: str) -> None:
        self.out_of_order = True
        self.error(line, "record_type", reason)

    def error(self, line: int, field: str, reason: str) -> None:
        self.errors.append((line, field, reason))
        if len(self.errors) >= MAX_ERRORS:
            raise NachaFormatError(self.errors + [(line, "file", "too many errors; stopped")])

    def run(self, text: str) -> AchFile:
        lines = text.split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        filler_at = 0
        for n, line in enumerate(lines, 1):
            line = line.rstrip("\r")
            if len(line) != rec.RECORD_LENGTH:
                if len(line) > rec.RECORD_LENGTH:
                    self.error(n, "record", f"is {len(line)} characters, more than 94")
                    continue
                if not line.strip():
                    self.error(n, "record", "is blank")
                    continue
                line = line.ljust(rec.RECORD_LENGTH)
            if not (line.isascii() and line.isprintable()):
                self.error(n, "record", "has characters outside printable ASCII")
                continue
            if line == rec.FILLER_LINE:
                filler_at = filler_at or n
                continue
            if filler_at:
                self.error(n, "record_type", f"a record after the block filler (line {filler_at})")
                continue
            kind = line[0]
            if kind == "6":
                self.entry_detail(n, line)
            elif kind == "7":
                self.addenda(n, line)
            elif kind == "5":
                self.batch_header(n, line)
            elif kind == "8":
                self.batch_control(n, line)
            elif kind == "1":
                self.file_header(n, line)
            elif kind == "9":
                self.file_control(n, line, len(lines))
            else:
                self.error(n, "record_type", f"'{kind}' is not a record type (1, 5, 6, 7, 8, 9)")
        last = len(lines) or 1
        if self.batch is not None:
            self.error(last, "record_type", f"batch at line {self.batch.line_number} has no "
                                            "batch control")
        if self.header is None:
            self.error(1, "record_type", "no file header (a '1' record) first")
        if self.control is None:
            self.error(last, "record_type", "no file control (a '9' record)")
        elif len(lines) % rec.BLOCKING_FACTOR:
            self.error(last, "block_count", f"{len(lines)} records are not a multiple of 10 "
                                            "(blocks are padded with lines of 9s)")
        if self.errors:
            raise NachaFormatError(self.errors)
        return AchFile(self.header, tuple(self.batches), self.control)

    def fields(self, layout: rec.Layout, n: int, line: str) -> dict[str, str]:
        values, errors = rec.slice_record(layout, line)
        for field, reason in errors:
            self.error(n, field, reason)
        return values

    def file_header(self, n: int, line: str) -> None:
        if self.header is not None:
            self.order_error(n, "a second file header")
            return
        if n != 1:
            self.order_error(n, "the file header must be the first record")
        v = self.fields(rec.FILE_HEADER, n, line)
        for name, want in (("priority_code", "01"), ("record_size", "094"),
                           ("blocking_factor", "10"), ("format_code", "1")):
            if v[name] != want and v[name].isdigit():
                self.error(n, name, f"'{v[name]}' must be {want}")
        if not v["immediate_destination"].isdigit():
            self.error(n, "immediate_destination", "must be a routing number")
        if v["file_creation_date"].isdigit() and yymmdd(v["file_creation_date"]) is None:
            self.error(n, "file_creation_date", f"'{v['file_creation_date']}' is not a date")
        t = v["file_creation_time"]
        if t.isdigit() and (int(t[:2]) > 23 or int(t[2:]) > 59):
            self.error(n, "file_creation_time", f"'{t}' is not a time (HHMM)")
        m = v["file_id_modifier"]
        if m and not (m.isdigit() or "A" <= m <= "Z"):
            self.error(n, "file_id_modifier", f"'{m}' must be A-Z or 0-9")
        self.header = FileHeader(
            n, v["immediate_destination"], v["immediate_origin"], v["file_creation_date"],
            t.strip(), m, v["immediate_destination_name"], v["immediate_origin_name"],
            v["reference_code"])

    def batch_header(self, n: int, line: str) -> None:
        if self.header is None or self.control is not None:
            self.order_error(n, "a batch header outside the file header and control")
        if self.batch is not None:
            self.order_error(n, f"batch at line {self.batch.line_number} has no batch control")
        v = self.fields(rec.BATCH_HEADER, n, line)
        if v["service_class_code"] not in SERVICE_CLASSES and v["service_class_code"].isdigit():
            self.error(n, "service_class_code", f"'{v['service_class_code']}' must be 200, 220 "
                                                "or 225")
        sec = v["standard_entry_class_code"]
        if sec and sec not in SEC_CODES:
            self.error(n, "standard_entry_class_code", f"'{sec}' is not a supported SEC code")
        if v["originator_status_code"] not in ("", "0", "1", "2"):
            self.error(n, "originator_status_code", "must be 0, 1 or 2")
        bn = v["batch_number"]
        self.batch = BatchHeader(
            n, v["service_class_code"], v["company_name"], v["company_discretionary_data"],
            v["company_identification"], sec, v["company_entry_description"],
            v["company_descriptive_date"], v["effective_entry_date"], v["settlement_date"],
            v["originator_status_code"], v["odfi_identification"],
            int(bn) if bn.isdigit() else 0)
        self.entries: list[Entry] = []
        self.count = self.hash = self.debit = self.credit = 0
        self.last_trace = ""

    def entry_detail(self, n: int, line: str) -> None:
        if self.batch is None:
            self.order_error(n, "an entry detail outside a batch")
            return
        self.close_entry()
        v = self.fields(rec.ENTRY_DETAIL, n, line)
        code, rdfi, cd = v["transaction_code"], v["rdfi_identification"], v["check_digit"]
        amount = int(v["amount"]) if v["amount"].isdigit() else 0
        if code not in TRANSACTION_CODES:
            if code.isdigit():
                self.error(n, "transaction_code", f"'{code}' is not a transaction code")
        elif code in DEBIT_CODES:
            self.debit += amount
            if self.batch.service_class_code == "220":
                self.error(n, "transaction_code", f"debit {code} in a credits-only batch (220)")
        else:
            self.credit += amount
            if self.batch.service_class_code == "225":
                self.error(n, "transaction_code", f"credit {code} in a debits-only batch (225)")
        if rdfi.isdigit():
            self.hash += int(rdfi)
            if cd.isdigit() and rec.check_digit(rdfi) != int(cd):
                self.error(n, "check_digit", f"{cd} is not the check digit of routing {rdfi} "
                                             f"(expected {rec.check_digit(rdfi)})")
        trace = v["trace_number"]
        if trace.isdigit():
            odfi = self.batch.odfi_identification
            if trace[:8] != odfi:
                self.error(n, "trace_number", f"{trace} must start with the batch's ODFI "
                                              f"identification {odfi}")
            if trace <= self.last_trace:
                self.error(n, "trace_number", f"{trace} is not above the previous trace "
                                              f"{self.last_trace} (ascending in a batch)")
            self.last_trace = trace
        if v["addenda_record_indicator"] not in ("0", "1"):
            self.error(n, "addenda_record_indicator", "must be 0 or 1")
        if self.batch.sec_code == "COR" and amount:
            self.error(n, "amount", "must be zero in a COR (notification of change) batch")
        self.count += 1
        self.entry = [n, code, rdfi + cd, v["dfi_account_number"], amount,
                      v["individual_identification_number"], v["individual_name"],
                      v["discretionary_data"], v["addenda_record_indicator"], trace, []]

    def close_entry(self) -> None:
        if self.entry is None:
            return
        addenda = self.entry[-1]
        if self.entry[8] == "1" and not addenda:
            self.error(self.entry[0], "addenda_record_indicator", "is 1 but no addenda follows")
        self.entries.append(Entry(*self.entry[:-1], tuple(addenda)))
        self.entry = None

    def addenda(self, n: int, line: str) -> None:
        if self.entry is None:
            self.order_error(n, "an addenda record without an entry detail before it")
            return
        if self.entry[8] == "0" and not self.entry[-1]:
            self.error(n, "addenda_record_indicator", f"the entry at line {self.entry[0]} says "
                                                      "it has no addenda")
        self.count += 1
        addenda, errors = read_addenda(n, line, self.entry[9], self.batch.sec_code)
        for field, reason in errors:
            self.error(n, field, reason)
        if addenda is not None:
            self.entry[-1].append(addenda)

    def batch_control(self, n: int, line: str) -> None:
        if self.batch is None:
            self.order_error(n, "a batch control without its batch header")
            return
        self.close_entry()
        h, v = self.batch, self.fields(rec.BATCH_CONTROL, n, line)
        totals = {"entry_addenda_count": self.count, "entry_hash": self.hash % HASH_MODULUS,
                  "total_debit_entry_dollar_amount": self.debit,
                  "total_credit_entry_dollar_amount": self.credit}
        got = {k: int(v[k]) if v[k].isdigit() else 0 for k in totals}
        for k, want in totals.items():
            if v[k].isdigit() and got[k] != want:
                self.error(n, k, f"{got[k]} does not match the batch's entries ({want})")
        for k, want in (("service_class_code", h.service_class_code),
                        ("company_identification", h.company_id),
                        ("odfi_identification", h.odfi_identification),
                        ("batch_number", f"{h.batch_number:07d}")):
            if v[k] != want:
                self.error(n, k, f"'{v[k]}' differs from the batch header's '{want}'")
        control = BatchControl(
            n, v["service_class_code"], *got.values(), v["company_identification"],
            v["odfi_identification"], h.batch_number)
        self.totals = [a + b for a, b in zip(self.totals, totals.values())]
        self.batches.append(Batch(h, tuple(self.entries), control))
        self.batch = None

    def file_control(self, n: int, line: str, record_count: int) -> None:
        if self.control is not None:
            self.order_error(n, "a second file control")
            return
        if self.batch is not None:
            self.order_error(n, f"batch at line {self.batch.line_number} has no batch control")
            self.batch = None
        v = self.fields(rec.FILE_CONTROL, n, line)
        count, hash_, debit, credit = self.totals  # from the entries, not the batch controls
        totals = {
            "batch_count": len(self.batches),
            "block_count": -(-record_count // rec.BLOCKING_FACTOR),
            "entry_addenda_count": count, "entry_hash": hash_ % HASH_MODULUS,
            "total_debit_entry_dollar_amount": debit, "total_credit_entry_dollar_amount": credit}
        got = {k: int(v[k]) if v[k].isdigit() else 0 for k in totals}
        for k, want in totals.items():
            if v[k].isdigit() and got[k] != want and not (
                    self.out_of_order and k != "block_count"):
                self.error(n, k, f"{got[k]} does not match the file ({want})")
        self.control = FileControl(n, *got.values())
