"""Loan quotes: validate the `lendbook quote` JSON, build the schedule, add the TILA figures.

The input and output shapes are a contract (docs/conventions/quote-contract.md); unknown keys are refused
so that a misspelt setting can never be silently ignored.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from domain.kernel.errors import ValidationError
from domain.kernel.money import CENT, ROUNDING_MODES, from_minor, round_to_cent, to_minor
from domain.calculation.periods import DAY_COUNTS, parse_frequency
from domain.calculation.schedule import (
    AMORTIZATIONS,
    INTEREST_METHODS,
    INTEREST_PERIODS,
    Rounding,
    Schedule,
    ScheduleTerms,
    build,
)
from domain.calculation.apr import annual_percentage_rate

REQUIRED = ("principal", "annual_rate", "periods", "frequency", "disbursement_date")
DEFAULTS = {"amortization": "equal_installments", "interest_method": "declining_balance",
            "interest_period": "same_as_repayment", "day_count": "30/360"}
OPTIONAL = ("first_payment_date", "installment_rounding", "fees", "grace_on_principal",
            "grace_on_interest", *DEFAULTS)
FEE_KEYS = ("origination", "origination_percent", "origination_treatment", "per_installment",
            "late", "late_grace_days", "nsf")


@dataclass(frozen=True)
class Fees:
    origination_minor: int = 0
    origination_financed: bool = True  # added to the loan; else deducted from the proceeds
    per_installment_minor: int = 0
    late_minor: int = 0
    late_grace_days: int = 0
    nsf_minor: int = 0


@dataclass(frozen=True)
class Quote:
    requested_minor: int
    fees: Fees
    schedule: Schedule

    @property
    def amount_financed_minor(self) -> int:
        """TILA amount financed: the credit the borrower gets, net of prepaid finance charges."""
        if self.fees.origination_financed:
            return self.requested_minor
        return self.requested_minor - self.fees.origination_minor

    @property
    def finance_charge_minor(self) -> int:
        return self.schedule.total_of_payments_minor - self.amount_financed_minor


def parse_request(data) -> tuple[ScheduleTerms, Fees, int]:
    """Validate the quote JSON into value objects, collecting an error per bad field."""
    if not isinstance(data, dict):
        raise ValidationError({"(input)": "must be a JSON object"})
    errors: dict[str, str] = {}
    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            errors[key] = "is not a known key"
    for key in REQUIRED:
        if key not in data:
            errors[key] = "is required"
    get = _Reader(data, errors)
    principal = get.amount("principal", positive=True)
    rate = get.decimal("annual_rate", low=Decimal(0), high=Decimal(1000))
    periods = get.integer("periods", low=1, high=1200)
    frequency = get.choice_fn("frequency", parse_frequency)
    disbursed = get.date("disbursement_date")
    first = get.date("first_payment_date", required=False)
    if disbursed and first and first <= disbursed:
        errors["first_payment_date"] = "must be after disbursement_date"
    opts = {k: get.choice(k, allowed, DEFAULTS[k]) for k, allowed in
            (("amortization", AMORTIZATIONS), ("interest_method", INTEREST_METHODS),
             ("interest_period", INTEREST_PERIODS), ("day_count", DAY_COUNTS))}
    gp = get.integer("grace_on_principal", low=0, high=1199, required=False) or 0
    gi = get.integer("grace_on_interest", low=0, high=1199, required=False) or 0
    if periods and (gp >= periods or gi >= periods):
        errors["grace_on_principal" if gp >= periods else "grace_on_interest"] = \
            "must leave at least one installment after the grace"
    rounding = _rounding(data.get("installment_rounding"), errors)
    fees = _fees(data.get("fees"), principal, errors)
    if errors:
        raise ValidationError(errors)
    financed = fees.origination_minor if fees.origination_financed else 0
    terms = ScheduleTerms(principal + financed, rate, periods, frequency.name, disbursed,
                          first_payment_date=first, rounding=rounding, grace_principal=gp,
                          grace_interest=gi, installment_fee_minor=fees.per_installment_minor,
                          **opts)
    return terms, fees, principal


def quote(data) -> dict:
    """The whole `lendbook quote` contract: JSON in, JSON-ready dict out."""
    terms, fees, requested = parse_request(data)
    q = Quote(requested, fees, build(terms))
    return render(q, terms.disbursement_date, terms.frequency)


def render(q: Quote, disbursed: date, frequency: str | None = None) -> dict:
    """JSON-ready quote. The APR's unit-period is the repayment frequency (Reg Z App. J:
    the most common payment interval, which a regular schedule's frequency is)."""

    s = q.schedule
    apr = annual_percentage_rate([(disbursed, from_minor(q.amount_financed_minor))],
                                 [(i.due_date, from_minor(i.total_minor)) for i in s.installments
                                  if i.total_minor], unit=frequency)
    m = _money
    return {
        "installment": m(s.installment_minor),
        "total_interest": m(s.total_interest_minor),
        "amount_financed": m(q.amount_financed_minor),
        "finance_charge": m(q.finance_charge_minor),
        "total_of_payments": m(s.total_of_payments_minor),
        "apr": str(round_to_cent(apr)),
        "schedule": [{"number": i.number, "due_date": i.due_date.isoformat(),
                      "principal": m(i.principal_minor), "interest": m(i.interest_minor),
                      "fees": m(i.fee_minor), "total": m(i.total_minor),
                      "balance": m(i.balance_minor)} for i in s.installments],
    }


def _money(minor: int) -> str:
    return str(from_minor(minor))


class _Reader:
    """Typed field readers that record a reason per field instead of raising at the first."""

    def __init__(self, data: dict, errors: dict):
        self.data, self.errors = data, errors

    def _raw(self, key, required=True):
        if key not in self.data or self.data[key] is None:
            if required and key not in self.errors:
                self.errors[key] = "is required"
            return None
        return self.data[key]

    def decimal(self, key, low=None, high=None, required=True):
        raw = self._raw(key, required)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            self.errors[key] = "must be a decimal string such as \"12.5\""
            return None
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            self.errors[key] = f"'{raw}' is not a number"
            return None
        if not value.is_finite():
            self.errors[key] = f"'{raw}' is not a number"
        elif low is not None and value < low:
            self.errors[key] = f"must be at least {low}"
        elif high is not None and value > high:
            self.errors[key] = f"must be at most {high}"
        else:
            return value
        return None

    def amount(self, key, positive=False, required=True):
        value = self.decimal(key, required=required)
        if value is None:
            return None
        if value < 0 or (positive and value == 0):
            self.errors[key] = "must be greater than zero" if positive else "must not be negative"
        elif value != value.quantize(CENT):
            self.errors[key] = "must have at most two decimal places"
        elif value > Decimal("1000000000"):
            self.errors[key] = "is too large"
        else:
            return to_minor(value.quantize(CENT))
        return None

    def integer(self, key, low, high, required=True):
        raw = self._raw(key, required)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.errors[key] = "must be a whole number"
        elif not low <= raw <= high:
            self.errors[key] = f"must be between {low} and {high}"
        else:
            return raw
        return None

    def date(self, key, required=True):
        raw = self._raw(key, required)
        if raw is None:
            return None
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            self.errors[key] = f"'{raw}' is not a date (YYYY-MM-DD)"
            return None

    def choice(self, key, allowed, default):
        raw = self.data.get(key, default)
        if raw not in allowed:
            self.errors[key] = f"must be one of {', '.join(allowed)}"
        return raw

    def choice_fn(self, key, parse):
        raw = self._raw(key)
        if raw is None:
            return None
        try:
            return parse(raw)
        except (ValueError, TypeError) as e:
            self.errors[key] = str(e)
            return None


def _rounding(raw, errors) -> Rounding:
    if raw is None:
        return Rounding()
    if not isinstance(raw, dict) or set(raw) - {"multiple", "mode"}:
        errors["installment_rounding"] = "must be an object with keys multiple and mode"
        return Rounding()
    sub: dict[str, str] = {}
    multiple = _Reader(raw, sub).decimal("multiple", low=CENT, high=Decimal(1000000),
                                         required=False) or CENT
    if multiple % CENT:
        sub["multiple"] = "must be a whole number of cents"
    mode = raw.get("mode", "half_up")
    if mode not in ROUNDING_MODES:
        sub["mode"] = f"must be one of {', '.join(ROUNDING_MODES)}"
    errors.update({f"installment_rounding.{k}": v for k, v in sub.items()})
    return Rounding(multiple, mode) if not sub else Rounding()


def _fees(raw, principal_minor, errors) -> Fees:
    if raw is None:
        return Fees()
    if not isinstance(raw, dict):
        errors["fees"] = "must be an object"
        return Fees()
    sub: dict[str, str] = {k: "is not a known key" for k in raw if k not in FEE_KEYS}
    get = _Reader(raw, sub)
    origination = get.amount("origination", required=False) or 0
    percent = get.decimal("origination_percent", low=Decimal(0), high=Decimal(100),
                          required=False)
    if percent is not None and "origination" in raw:
        sub["origination_percent"] = "give origination or origination_percent, not both"
    elif percent is not None and principal_minor:
        origination = to_minor(round_to_cent(from_minor(principal_minor) * percent / 100))
    treatment = get.choice("origination_treatment", ("financed", "deducted"), "financed")
    if treatment == "deducted" and principal_minor and origination >= principal_minor:
        sub["origination"] = "a deducted fee must be less than the principal"
    fees = Fees(origination, treatment == "financed",
                get.amount("per_installment", required=False) or 0,
                get.amount("late", required=False) or 0,
                get.integer("late_grace_days", low=0, high=365, required=False) or 0,
                get.amount("nsf", required=False) or 0)
    errors.update({f"fees.{k}": v for k, v in sub.items()})
    return fees
