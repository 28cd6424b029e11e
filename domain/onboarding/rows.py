"""Loan onboarding rows: pure parsing and checks shared by the API, files and manual entry.

A row is a flat dict of column -> text (a file's cells, or the API body flattened). Every
problem is an `Issue` (row, column, value, reason) so a whole batch is reported at once; a
row's loan terms are the product's frozen terms with the row's rate and frequency, and its
term within the product's range. Seasoned history is checked against the loan's own schedule
and allocation rule: the balance and days past due given must be what the payments produce.
"""
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.calculation.accrual import Period, bucket, days_past_due
from domain.calculation.allocation import Allocation, OverPayment, Outstanding, Rule, allocate
from domain.kernel.errors import ValidationError
from domain.origination.intake_schema import US_STATES
from domain.kernel.money import fmt, parse_amount, parse_rate
from domain.calculation.schedule import Schedule, build
from domain.calculation.terms import FREQUENCIES, ProductTerms

COLUMNS = ("external_ref", "product_code", "borrower_name", "borrower_email",
           "borrower_date_of_birth", "address_line1", "address_line2", "city", "state",
           "postal_code", "funded_amount", "funding_date", "use_product_defaults",
           "annual_rate", "term", "frequency", "payments_to_date", "payments",
           "current_principal", "days_past_due", "fees_due")
REQUIRED = ("external_ref", "product_code", "borrower_name", "borrower_email",
            "borrower_date_of_birth", "address_line1", "city", "state", "postal_code",
            "funded_amount", "funding_date", "term")
DIGITS = re.compile(r"\d+")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ZIP = re.compile(r"^[0-9]{5}(-[0-9]{4})?$")
YES, NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0", "")
YES_OR_NO = frozenset(YES + NO)
STATES = frozenset(US_STATES)  # a set: checked for every row of a batch
EARLIEST_FUNDING = date(1990, 1, 1)


@dataclass(frozen=True)
class Issue:
    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class Row:
    number: int
    external_ref: str
    product_code: str
    name: str
    email: str
    date_of_birth: date
    address: dict
    amount_minor: int
    funding_date: date
    term: int
    annual_rate: Decimal | None  # None: the product's
    frequency: str | None        # None: the product's
    paid_minor: int = 0
    payments: tuple[tuple[date, int], ...] = ()  # dated payments to date (else one total)
    current_principal_minor: int | None = None
    days_past_due: int | None = None
    fees_due_minor: int = 0  # fees the source charged and the borrower still owed


def _date(text: str) -> date:
    return date.fromisoformat(text)


def parse_row(number: int, raw: dict, today: date) -> tuple[Row | None, list[Issue]]:
    """Types and formats of one row; (None, issues) when anything is wrong."""
    issues: list[Issue] = []
    get = raw.get
    try:  # every column present as text (a file with the template's columns): C-level
        v = dict(zip(COLUMNS, map(str.strip, map(get, COLUMNS))))
    except TypeError:  # a missing column (None) or a JSON number from the API
        v = {c: ("" if (x := get(c)) is None else (x if type(x) is str else str(x)).strip())
             for c in COLUMNS}

    def bad(column, reason):
        issues.append(Issue(number, column, v.get(column, ""), reason))

    for c in REQUIRED:
        if not v[c]:
            bad(c, "is required")
    for c, x in v.items():  # PostgreSQL stores no NUL in text: refuse it by column
        if "\x00" in x:
            bad(c, "must not contain a NUL character (U+0000)")
    if len(v["external_ref"]) > 100:
        bad("external_ref", "must be at most 100 characters")
    if v["borrower_email"] and (len(v["borrower_email"]) > 254
                                or not EMAIL.match(v["borrower_email"])):
        bad("borrower_email", "is not an e-mail address")
    if v["state"] and v["state"].upper() not in STATES:
        bad("state", "is not a US state or territory code (e.g. IL)")
    if v["postal_code"] and not ZIP.match(v["postal_code"]):
        bad("postal_code", "must be a ZIP code (12345 or 12345-6789)")
    if len(v["borrower_name"]) > 200:
        bad("borrower_name", "must be at most 200 characters")
    dates = {}
    for c in ("borrower_date_of_birth", "funding_date"):
        if v[c]:
            try:
                dates[c] = _date(v[c])
            except ValueError:
                bad(c, "is not a date (YYYY-MM-DD)")
    if "funding_date" in dates and not EARLIEST_FUNDING <= dates["funding_date"] <= today:
        bad("funding_date", f"must be between 1990-01-01 and today ({today})")
    dob = dates.get("borrower_date_of_birth")
    if dob and not 18 <= (today - dob).days // 365.25 <= 120:
        bad("borrower_date_of_birth", "borrower must be 18 to 120 years old")
    money = {}
    for c, required in (("funded_amount", True), ("payments_to_date", False),
                        ("current_principal", False), ("fees_due", False)):
        if v[c]:
            try:
                money[c] = parse_amount(v[c], c, allow_zero=not required)
            except ValidationError as e:
                bad(c, e.errors[c])
    ints = {}
    for c, low, high in (("term", 1, 600), ("days_past_due", 0, 100000)):
        if v[c]:
            if not DIGITS.fullmatch(v[c]) or not low <= int(v[c]) <= high:
                bad(c, f"must be a whole number from {low} to {high}")
            else:
                ints[c] = int(v[c])
    defaults = v["use_product_defaults"].lower()
    if defaults not in YES_OR_NO:
        bad("use_product_defaults", "must be yes or no")
    rate = None
    if v["annual_rate"]:
        if defaults in YES:
            bad("annual_rate", "must be empty with use_product_defaults")
        else:
            try:
                rate = parse_rate(v["annual_rate"], "annual_rate")
            except ValidationError as e:
                bad("annual_rate", e.errors["annual_rate"])
    freq = v["frequency"].lower() or None
    if freq and defaults in YES:
        bad("frequency", "must be empty with use_product_defaults")
    elif freq and freq not in FREQUENCIES:
        bad("frequency", f"must be one of {', '.join(FREQUENCIES)}")
    payments = _payments(v["payments"], dates.get("funding_date"), today, bad)
    if payments and "payments_to_date" in money and \
            money["payments_to_date"] != sum(a for _, a in payments):
        bad("payments_to_date", "is not the sum of the payments listed")
    if ("current_principal" in money or v["days_past_due"]) and not v["payments_to_date"] \
            and not v["payments"]:
        bad("payments_to_date", "is required with a current balance or days past due")
    if issues:
        return None, issues
    return Row(number, v["external_ref"], v["product_code"].upper(), v["borrower_name"],
               v["borrower_email"].lower(), dob,
               {**{k: v[k] for k in ("address_line1", "address_line2", "city",
                                     "postal_code")}, "state": v["state"].upper()},
               money["funded_amount"], dates["funding_date"], ints["term"], rate, freq,
               money.get("payments_to_date", sum(a for _, a in payments or ())),
               tuple(payments or ()), money.get("current_principal"),
               ints.get("days_past_due"), money.get("fees_due", 0)), []


def _payments(text: str, funded: date | None, today: date, bad):
    """`YYYY-MM-DD:AMOUNT;...` (the API's history.payments list, flattened) in date order."""
    if not text:
        return None
    out = []
    for k, item in enumerate(p.strip() for p in text.split(";") if p.strip()):
        on, _, amount = item.partition(":")
        try:
            d = _date(on.strip())
            minor = parse_amount(amount, "amount")
        except (ValueError, ValidationError):
            bad("payments", f"payment {k + 1} ({item}) is not DATE:AMOUNT (2026-01-15:250.00)")
            return None
        if funded and not funded < d <= today:
            bad("payments", f"payment {k + 1} is dated {d}: must be after funding and by today")
            return None
        out.append((d, minor))
    return sorted(out)


def loan_terms(row: Row, product: ProductTerms, memo: dict | None = None
               ) -> tuple[ProductTerms | None, list[Issue]]:
    """The terms frozen on the loan: the product's, with the row's rate and frequency.
    `memo` (one per batch and product list) keeps one copy per product, rate and frequency."""
    issues = []
    if not product.min_amount_minor <= row.amount_minor <= product.max_amount_minor:
        issues.append(Issue(row.number, "funded_amount", fmt(row.amount_minor),
                            f"must be between {fmt(product.min_amount_minor)} and "
                            f"{fmt(product.max_amount_minor)} for {row.product_code}"))
    if not product.min_term <= row.term <= product.max_term:
        issues.append(Issue(row.number, "term", str(row.term),
                            f"must be between {product.min_term} and {product.max_term} "
                            f"for {row.product_code}"))
    if issues:
        return None, issues
    key = (row.product_code, row.annual_rate, row.frequency)
    terms = memo.get(key) if memo is not None else None
    if terms is None:
        terms = replace(product, annual_rate=row.annual_rate if row.annual_rate is not None
                        else product.annual_rate, frequency=row.frequency or product.frequency)
        if memo is not None:
            memo[key] = terms
    return terms, []


def rule_of(terms: ProductTerms) -> Rule:
    return Rule(terms.allocation_method, terms.allocation_order, terms.allocation_hierarchy,
                terms.allocation_excess, terms.early_payment)


@dataclass(frozen=True)
class Seasoning:
    payments: list[tuple[date, int, list[Allocation]]]  # (date, amount, its allocation)
    principal_minor: int  # principal still owed after the history
    days_past_due: int
    bucket: str
    fee_installment: int | None = None  # where the fees owed at boarding are charged


def season(row: Row, terms: ProductTerms, schedule: Schedule, as_of: date
           ) -> tuple[Seasoning | None, list[Issue]]:
    """Apply the payments to date (one catch-up payment on `as_of`, by the loan's rule) and
    check the balance and days past due the source gave against the result."""
    dated = row.payments or (((as_of, row.paid_minor),) if row.paid_minor else ())
    owed = [Outstanding(i.number, i.principal_minor, i.interest_minor, i.fee_minor, i.due_date)
            for i in schedule.installments] if dated else []
    parts: list[Allocation] = []
    paid_list = []
    for on, amount in dated:
        try:
            split = allocate(amount, owed, rule_of(terms), on)
        except OverPayment as e:
            return None, [Issue(row.number, "payments" if row.payments else "payments_to_date",
                                fmt(amount), f"is more than the loan can take on {on} "
                                             f"({fmt(e.owed_minor)})")]
        paid_list.append((on, amount, split))
        parts.extend(split)
        owed = _less(owed, split)
    paid: dict[int, int] = {}
    for a in parts:
        paid[a.number] = paid.get(a.number, 0) + a.total_minor
    left = schedule.principal_minor - sum(a.principal_minor for a in parts)
    issues = []
    if left <= 0:
        issues.append(Issue(row.number, "payments_to_date", fmt(row.paid_minor),
                            "pays the loan off: a paid-off loan is not boarded"))
    if row.current_principal_minor is not None and row.current_principal_minor != left:
        issues.append(Issue(row.number, "current_principal", fmt(row.current_principal_minor),
                            f"does not match the payments to date on this schedule "
                            f"(principal left would be {fmt(left)})"))
    if parts:
        periods = [Period(i.number, i.start_date, i.due_date, i.interest_minor, i.total_minor,
                          paid.get(i.number, 0)) for i in schedule.installments]
        dpd = days_past_due(periods, as_of)
    else:  # nothing paid: days_past_due of the unpaid schedule, without a Period each
        dpd = _unpaid_days_past_due(schedule, as_of)
    if row.days_past_due is not None and row.days_past_due != dpd:
        issues.append(Issue(row.number, "days_past_due", str(row.days_past_due),
                            f"does not match the payments to date (the schedule gives {dpd})"))
    if issues:
        return None, issues
    fee_on = None
    if row.fees_due_minor:  # on the oldest installment the history left unpaid
        fee_on = next(i.number for i in sorted(schedule.installments, key=lambda i: i.due_date)
                      if paid.get(i.number, 0) < i.total_minor)
    return Seasoning(paid_list, left, dpd, bucket(dpd, terms.delinquency_buckets), fee_on), []


def _unpaid_days_past_due(schedule: Schedule, as_of: date) -> int:
    """accrual.days_past_due of a schedule nothing was paid on (same order, same test)."""
    for i in sorted(schedule.installments, key=lambda i: i.due_date):
        if i.due_date < as_of and 0 < i.total_minor:
            return (as_of - i.due_date).days
    return 0


def _less(owed: list[Outstanding], split: list[Allocation]) -> list[Outstanding]:
    """What is still owed after a payment's allocation (advance rows owe nothing)."""
    by = {a.number: a for a in split}
    return [replace(o, principal_minor=o.principal_minor - by[o.number].principal_minor,
                    interest_minor=o.interest_minor - by[o.number].interest_minor,
                    fee_minor=o.fee_minor - by[o.number].fee_minor) if o.number in by else o
            for o in owed]


def has_history(row: Row) -> bool:
    """Does the row say anything about payments, balance or arrears (what `season` checks)?"""
    return bool(row.paid_minor) or row.current_principal_minor is not None \
        or row.days_past_due is not None or bool(row.fees_due_minor)


def schedule_of(row: Row, terms: ProductTerms, templates=None) -> Schedule:
    """The loan's schedule; `templates` (domain.calculation.schedule_templates) shares the parts many
    loans of a batch have in common, with the same result."""
    st = terms.schedule_terms(row.amount_minor, row.term, row.funding_date)
    return build(st) if templates is None else templates.build(st)
