"""Product terms as an immutable value object.

A booked loan stores `ProductTerms.to_dict()` as its frozen copy: editing the product later
creates a new version and never reaches back into a booked loan.
"""
from dataclasses import asdict, dataclass
from decimal import Decimal

from domain.errors import ValidationError

FREQUENCIES = {"monthly": 12, "biweekly": 26, "weekly": 52}
AMORTIZATIONS = ("equal_installments", "equal_principal")


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
        if not (Decimal(0) < self.max_payment_to_income <= Decimal(100)):
            errors["max_payment_to_income"] = "must be above 0 and at most 100 percent"
        if errors:
            raise ValidationError(errors)

    @property
    def periods_per_year(self) -> int:
        return FREQUENCIES[self.frequency]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["annual_rate"] = str(self.annual_rate)
        d["max_payment_to_income"] = str(self.max_payment_to_income)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ProductTerms":
        return cls(**{**d, "annual_rate": Decimal(d["annual_rate"]),
                      "max_payment_to_income": Decimal(d["max_payment_to_income"])})

    def check_request(self, amount_minor: int, term: int) -> None:
        """Refuse an application outside the product's ranges, naming the field."""
        from domain.money import fmt

        errors = {}
        if not self.min_amount_minor <= amount_minor <= self.max_amount_minor:
            errors["amount"] = (f"must be between {fmt(self.min_amount_minor)} and "
                                f"{fmt(self.max_amount_minor)}")
        if not self.min_term <= term <= self.max_term:
            errors["term"] = f"must be between {self.min_term} and {self.max_term} payments"
        if errors:
            raise ValidationError(errors)
