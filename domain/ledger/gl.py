"""GL export, pure: the chart-of-accounts mapping (each Lendbook ledger account to the lender's
general-ledger account code and name, optionally different for a product) and the exported
journal lines as CSV and JSON. Amounts are signed cents in, decimal strings out."""
import csv
import difflib
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from domain.ledger import entries as ledger
from domain.kernel.errors import ValidationError
from domain.kernel.money import from_minor

MAX_CODE = 40
MAX_NAME = 120
FORMATS = ("csv", "json")
COLUMNS = ("entry_id", "date", "entry_code", "gl_account", "gl_account_name",
           "account", "product", "loan", "debit", "credit", "memo", "recorded_at",
           "exported_at")

# Out of the box every ledger account keeps its own number and name.
DEFAULT_MAPPING = {
    "default": {a: {"code": a.split("-", 1)[0], "name": ledger.ACCOUNT_NAMES[a]}
                for a in ledger.ACCOUNTS},
    "by_product": {},
}


@dataclass(frozen=True)
class GlAccount:
    code: str
    name: str


@dataclass(frozen=True)
class GlMapping:
    """`default` maps every ledger account; `by_product[product code]` overrides some."""
    default: dict[str, GlAccount]
    by_product: dict[str, dict[str, GlAccount]] = field(default_factory=dict)

    def account_for(self, account: str, product_code: str | None) -> GlAccount:
        override = self.by_product.get(product_code or "", {})
        return override.get(account) or self.default[account]

    def to_dict(self) -> dict:
        def plain(accounts):
            return {a: {"code": g.code, "name": g.name} for a, g in accounts.items()}
        return {"default": plain(self.default),
                "by_product": {p: plain(m) for p, m in self.by_product.items()}}

    @classmethod
    def from_dict(cls, data) -> "GlMapping":
        """Validate a mapping; every error is named by its JSON path, all at once."""
        errors: dict[str, str] = {}
        if not isinstance(data, dict):
            raise ValidationError({"mapping": "must be a JSON object"})
        for key in data:
            if key not in ("default", "by_product"):
                errors[str(key)] = "unknown key (expected default, by_product)"
        default = _accounts(data.get("default"), "default", errors, complete=True)
        by_product: dict[str, dict[str, GlAccount]] = {}
        products = data.get("by_product", {})
        if not isinstance(products, dict):
            errors["by_product"] = "must be an object of product code to accounts"
            products = {}
        for product, accounts in products.items():
            path = f"by_product.{product}"
            if not product.strip() or len(product) > MAX_CODE:
                errors[path] = f"a product code must be 1 to {MAX_CODE} characters"
            by_product[product] = _accounts(accounts, path, errors, complete=False)
        if errors:
            raise ValidationError(errors)
        return cls(default, by_product)


def _accounts(data, path: str, errors: dict, complete: bool) -> dict[str, GlAccount]:
    if data is None and complete:
        errors[path] = "is required: it maps every ledger account"
        return {}
    if not isinstance(data, dict):
        errors[path] = "must be an object of ledger account to {code, name}"
        return {}
    out = {}
    for account, target in data.items():
        where = f"{path}.{account}"
        if account not in ledger.ACCOUNTS:
            close = difflib.get_close_matches(str(account), ledger.ACCOUNTS, n=1)
            errors[where] = "is not a ledger account" + (
                f" (did you mean {close[0]}?)" if close else "")
            continue
        gl = _gl_account(target, account, where, errors)
        if gl:
            out[account] = gl
    if complete:
        for account in ledger.ACCOUNTS:
            if account not in data:
                errors[f"{path}.{account}"] = "is not mapped (every ledger account must be)"
    return out


def _gl_account(target, account: str, where: str, errors: dict) -> GlAccount | None:
    if not isinstance(target, dict):
        errors[where] = 'must be an object: {"code": "...", "name": "..."}'
        return None
    for key in target:
        if key not in ("code", "name"):
            errors[f"{where}.{key}"] = "unknown key (expected code, name)"
    code, name = target.get("code"), target.get("name", ledger.ACCOUNT_NAMES[account])
    ok = True
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE \
            or code != code.strip():
        errors[f"{where}.code"] = (f"must be a non-empty string of at most {MAX_CODE} "
                                   "characters, without spaces at either end")
        ok = False
    if not isinstance(name, str) or len(name) > MAX_NAME:
        errors[f"{where}.name"] = f"must be a string of at most {MAX_NAME} characters"
        ok = False
    return GlAccount(code, name.strip()) if ok else None


DEFAULT = GlMapping.from_dict(DEFAULT_MAPPING)


# --- the export's arguments ------------------------------------------------------------------

def parse_request(from_date, to_date, fmt: str) -> tuple[date, date, str]:
    """`from` and `to` (dates or YYYY-MM-DD, inclusive, from <= to) and the format; every bad
    field named."""
    errors: dict[str, str] = {}
    if fmt not in FORMATS:
        errors["format"] = "must be csv or json"
    start, end = parse_range(from_date, to_date, errors=errors)
    return start, end, fmt


def parse_range(from_date, to_date, required: bool = True,
                errors: dict | None = None) -> tuple[date | None, date | None]:
    """The dates of `from` and `to`; not `required`, a blank one is open-ended."""
    errors = {} if errors is None else errors
    start = _date(from_date, "from", errors, required)
    end = _date(to_date, "to", errors, required)
    if start and end and start > end:
        errors["to"] = f"must be on or after from ({start})"
    if errors:
        raise ValidationError(errors)
    return start, end


def _date(value, name: str, errors: dict, required: bool) -> date | None:
    if isinstance(value, date):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        if required:
            errors[name] = "is required (YYYY-MM-DD)"
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"'{text}' is not a date (YYYY-MM-DD)"
        return None


# --- lines and their files -------------------------------------------------------------------

@dataclass(frozen=True)
class GlLine:
    entry_id: str
    entry_code: str
    effective_date: date
    account: str  # the Lendbook ledger account
    gl: GlAccount
    product: str
    loan: str
    amount_minor: int  # debit > 0, credit < 0
    memo: str
    recorded_at: datetime
    exported_at: datetime

    @property
    def debit_minor(self) -> int:
        return max(self.amount_minor, 0)

    @property
    def credit_minor(self) -> int:
        return max(-self.amount_minor, 0)


@dataclass(frozen=True)
class Totals:
    lines: int
    entries: int
    debit_minor: int
    credit_minor: int
    by_account: dict[str, int]  # net (debit - credit) per Lendbook account

    @property
    def balanced(self) -> bool:
        return self.debit_minor == self.credit_minor


def totals(lines: list[GlLine]) -> Totals:
    by_account: dict[str, int] = {}
    for line in lines:
        by_account[line.account] = by_account.get(line.account, 0) + line.amount_minor
    return Totals(len(lines), len({line.entry_id for line in lines}),
                  sum(line.debit_minor for line in lines),
                  sum(line.credit_minor for line in lines), by_account)


def timestamp(at: datetime) -> str:
    """UTC to the second, 'Z'; a naive time (SQLite gives those back) is UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def amount(minor: int) -> str:
    return str(from_minor(minor))  # '1234.50': no thousands separator, two places


def line_dict(line: GlLine) -> dict:
    return {"entry_id": line.entry_id,
            "date": line.effective_date.isoformat(), "entry_code": line.entry_code,
            "gl_account": line.gl.code, "gl_account_name": line.gl.name,
            "account": line.account, "product": line.product, "loan": line.loan,
            "debit": amount(line.debit_minor), "credit": amount(line.credit_minor),
            "memo": line.memo, "recorded_at": timestamp(line.recorded_at),
            "exported_at": timestamp(line.exported_at)}


def to_csv(lines: list[GlLine]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)  # RFC 4180: CRLF, quoted as needed
    writer.writeheader()
    writer.writerows(line_dict(line) for line in lines)
    return out.getvalue()


def to_json(lines: list[GlLine], export: dict) -> str:
    """`export` (id, from, to, mapping version, exported_at), `totals` and `lines`."""
    t = totals(lines)
    return json.dumps({"export": export,
                       "totals": {"lines": t.lines, "entries": t.entries,
                                  "debit": amount(t.debit_minor),
                                  "credit": amount(t.credit_minor)},
                       "lines": [line_dict(line) for line in lines]}, indent=2) + "\n"
