"""Product terms as an immutable value object.

A booked loan stores `ProductTerms.to_dict()` as its frozen copy: editing the product later
creates a new version and never reaches back into a booked loan.
"""
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal

from domain.calculation.allocation import COMPONENTS, EARLY, EXCESS, HIERARCHIES, METHODS, OVERPAYMENT
from domain.kernel.document_kinds import UPLOAD_KINDS
from domain.kernel.errors import ValidationError
from domain.calculation.schedule import Rounding, ScheduleTerms
from domain.kernel.money import from_minor
from domain.kernel.money import fmt

FREQUENCIES = {"monthly": 12, "semimonthly": 24, "biweekly": 26, "weekly": 52, "quarterly": 4}
AMORTIZATIONS = ("equal_installments", "equal_principal")
INTEREST_METHODS = ("declining_balance", "flat")
INTEREST_PERIODS = ("same_as_repayment", "daily")
DAY_COUNTS = ("30/360", "actual/360", "actual/365", "actual/364", "actual/actual")
ROUNDING_MODES = ("half_up", "half_even", "up", "down")
DECIMALS = ("annual_rate", "max_payment_to_income", "rounding_multiple")


@dataclass(frozen=True)
class ProductTerms:
    min_amount_minor: int
    max_amount_minor: int
    min_term: int
    max_term: int
    annual_rate: Decimal  # nominal percent, e.g. Decimal("9.5")
    frequency: str = "monthly"
    amortization: str = "equal_installments"
    day_count: str = "30/360"
    max_payment_to_income: Decimal = Decimal("40")  # percent of monthly income
    currency: str = "USD"
    interest_method: str = "declining_balance"
    interest_period: str = "same_as_repayment"
    rounding_multiple: Decimal = Decimal("0.01")
    rounding_mode: str = "half_up"
    grace_principal: int = 0
    grace_interest: int = 0
    origination_fee_minor: int = 0
    origination_fee_financed: bool = True
    installment_fee_minor: int = 0
    late_fee_minor: int = 0
    late_fee_grace_days: int = 10
    nsf_fee_minor: int = 0
    allocation_method: str = "due_date"  # or bucket (docs/conventions/payments.md)
    allocation_order: tuple[str, ...] = ("fee", "interest", "principal")
    allocation_hierarchy: str = "schedule"  # or clear_dues
    allocation_excess: str = "advance"  # clear_dues: hold the rest, or pay principal
    early_payment: str = "in_advance"  # schedule: future installments in full, or principal
    overpayment: str = "hold"  # above the payoff: hold as a credit balance, or refund at once
    delinquency_buckets: tuple[int, ...] = (1, 31, 61, 91)  # lower bounds in days past due
    rule_set: str | None = None  # decision rule set code; None: the built-in product rules
    workflow: str | None = None  # workflow code; None: the built-in standard workflow
    required_documents: tuple[str, ...] = ()  # document kinds needed before funding
    pricing_tiers: tuple[tuple[str, Decimal], ...] = ()  # (tier, annual rate) a rule set sets

    def __post_init__(self) -> None:
        errors: dict[str, str] = {}
        if self.min_amount_minor <= 0:
            errors["min_amount"] = "must be greater than zero"
        if self.max_amount_minor < self.min_amount_minor:
            errors["max_amount"] = "must be at least the minimum amount"
        if self.min_term < 1:
            errors["min_term"] = "must be at least 1 period"
        if self.max_term < self.min_term:
            errors["max_term"] = "must be at least the minimum term"
        if self.max_term > 600:
            errors["max_term"] = "must be at most 600 periods"
        if self.frequency not in FREQUENCIES:
            errors["frequency"] = f"must be one of {', '.join(FREQUENCIES)}"
        if self.amortization not in AMORTIZATIONS:
            errors["amortization"] = f"must be one of {', '.join(AMORTIZATIONS)}"
        for name, allowed in (("interest_method", INTEREST_METHODS),
                              ("interest_period", INTEREST_PERIODS),
                              ("day_count", DAY_COUNTS), ("rounding_mode", ROUNDING_MODES),
                              ("allocation_method", METHODS),
                              ("allocation_hierarchy", HIERARCHIES),
                              ("allocation_excess", EXCESS),
                              ("early_payment", EARLY), ("overpayment", OVERPAYMENT)):
            if getattr(self, name) not in allowed:
                errors[name] = f"must be one of {', '.join(allowed)}"
        if self.rounding_multiple < Decimal("0.01") or self.rounding_multiple % Decimal("0.01"):
            errors["rounding_multiple"] = "must be a whole number of cents, at least 0.01"
        if not 0 <= self.grace_principal < self.min_term:
            errors["grace_principal"] = "must be under the minimum term"
        if not 0 <= self.grace_interest < self.min_term:
            errors["grace_interest"] = "must be under the minimum term"
        for name in ("origination_fee_minor", "installment_fee_minor", "late_fee_minor",
                     "nsf_fee_minor", "late_fee_grace_days"):
            if getattr(self, name) < 0:
                errors[name.removesuffix("_minor")] = "must not be negative"
        if not self.origination_fee_financed and \
                self.origination_fee_minor >= self.min_amount_minor:
            errors["origination_fee"] = "a deducted fee must be below the minimum amount"
        if sorted(self.allocation_order) != sorted(COMPONENTS):
            errors["allocation_order"] = f"must order each of {', '.join(COMPONENTS)} once"
        b = tuple(self.delinquency_buckets)
        if not b or b[0] < 1 or list(b) != sorted(set(b)):
            errors["delinquency_buckets"] = "must be increasing day counts starting at 1 or more"
        if any(k not in UPLOAD_KINDS for k in self.required_documents):
            errors["required_documents"] = f"must be among {', '.join(UPLOAD_KINDS)}"
        if any(not t or not Decimal(0) <= r <= Decimal(100) for t, r in self.pricing_tiers):
            errors["pricing_tiers"] = "each tier needs a name and a rate between 0 and 100"
        if not (Decimal(0) < self.max_payment_to_income <= Decimal(100)):
            errors["max_payment_to_income"] = "must be above 0 and at most 100 percent"
        if errors:
            raise ValidationError(errors)

    @property
    def periods_per_year(self) -> int:
        return FREQUENCIES[self.frequency]

    def to_dict(self) -> dict:
        d = asdict(self)
        for name in DECIMALS:
            d[name] = str(d[name])
        d["delinquency_buckets"] = list(self.delinquency_buckets)
        d["allocation_order"] = list(self.allocation_order)
        d["required_documents"] = list(self.required_documents)
        d["pricing_tiers"] = {t: str(r) for t, r in self.pricing_tiers}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ProductTerms":
        """Read a stored copy; settings added since it was stored take their defaults."""
        values = {**d, **{k: Decimal(d[k]) for k in DECIMALS if k in d}}
        for name in ("delinquency_buckets", "allocation_order", "required_documents"):
            if name in d:
                values[name] = tuple(d[name])
        if "pricing_tiers" in d:
            values["pricing_tiers"] = tuple((t, Decimal(r)) for t, r in d["pricing_tiers"].items())
        return cls(**values)

    def for_tier(self, tier: str | None) -> "ProductTerms":
        """The terms an application priced at `tier` gets: that tier's rate, if the product
        prices it; otherwise these terms unchanged."""
        rate = dict(self.pricing_tiers).get(tier) if tier else None
        return self if rate is None else replace(self, annual_rate=rate)

    def quote_request(self, amount_minor: int, term: int, disbursed: date) -> dict:
        """The `lendbook quote` input for one loan of this product (agreements, previews)."""
        m = lambda minor: str(from_minor(minor))  # noqa: E731
        return {
            "principal": m(amount_minor), "annual_rate": str(self.annual_rate),
            "periods": term, "frequency": self.frequency, "amortization": self.amortization,
            "interest_method": self.interest_method, "interest_period": self.interest_period,
            "day_count": self.day_count, "disbursement_date": disbursed.isoformat(),
            "installment_rounding": {"multiple": str(self.rounding_multiple),
                                     "mode": self.rounding_mode},
            "grace_on_principal": self.grace_principal, "grace_on_interest": self.grace_interest,
            "fees": {"origination": m(self.origination_fee_minor),
                     "origination_treatment": ("financed" if self.origination_fee_financed
                                               else "deducted"),
                     "per_installment": m(self.installment_fee_minor),
                     "late": m(self.late_fee_minor), "late_grace_days": self.late_fee_grace_days,
                     "nsf": m(self.nsf_fee_minor)},
        }

    def schedule_terms(self, amount_minor: int, term: int, disbursed: date,
                       first_payment: date | None = None) -> ScheduleTerms:
        """The schedule inputs of one loan: this product's settings plus the request."""
        financed = self.origination_fee_minor if self.origination_fee_financed else 0
        return ScheduleTerms(
            amount_minor + financed, self.annual_rate, term, self.frequency, disbursed,
            self.amortization, self.interest_method, self.interest_period, self.day_count,
            first_payment, Rounding(self.rounding_multiple, self.rounding_mode),
            self.grace_principal, self.grace_interest, self.installment_fee_minor)

    def check_request(self, amount_minor: int, term: int) -> None:
        """Refuse an application outside the product's ranges, naming the field."""

        errors = {}
        if not self.min_amount_minor <= amount_minor <= self.max_amount_minor:
            errors["amount"] = (f"must be between {fmt(self.min_amount_minor)} and "
                                f"{fmt(self.max_amount_minor)}")
        if not self.min_term <= term <= self.max_term:
            errors["term"] = f"must be between {self.min_term} and {self.max_term} payments"
        if errors:
            raise ValidationError(errors)
