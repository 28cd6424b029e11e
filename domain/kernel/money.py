"""Money: integer minor units in storage, Decimal in computation, rounding only here.

Every rounding point in Lendbook calls one of these helpers with an explicit mode, so an
auditor can find each place a fraction of a cent is decided.
"""
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

from domain.kernel.errors import ValidationError

CENT = Decimal("0.01")
MINOR_PER_UNIT = 100
ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "up": ROUND_UP,
    "down": ROUND_DOWN,
}


def round_to_cent(amount: Decimal, mode: str = "half_up") -> Decimal:
    """Round a computed amount to whole cents with a named mode."""
    return amount.quantize(CENT, rounding=ROUNDING_MODES[mode])


def to_minor(amount: Decimal) -> int:
    """Decimal currency units -> integer cents; refuses sub-cent values instead of rounding."""
    cents = amount * MINOR_PER_UNIT
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has fractions of a cent")
    return int(cents)


def from_minor(minor: int) -> Decimal:
    return (Decimal(minor) / MINOR_PER_UNIT).quantize(CENT)


def fmt(minor: int) -> str:
    """'1,234.56' (minus sign in front for negatives)."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(from_minor(minor)):,.2f}"


def parse_amount(text: str | None, field: str, *, allow_zero: bool = False) -> int:
    """Parse what a person typed ('1,250.00', '$99') into cents or raise a field error."""
    raw = (text or "").strip().replace(",", "").replace("$", "")
    if not raw:
        raise ValidationError({field: "is required"})
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError({field: f"'{text}' is not a number"}) from None
    if not value.is_finite():
        raise ValidationError({field: f"'{text}' is not a number"})
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError({field: "must be greater than zero"})
    if value != value.quantize(CENT):
        raise ValidationError({field: "must have at most two decimal places"})
    if value > Decimal("1000000000"):
        raise ValidationError({field: "is too large"})
    return to_minor(value)


def parse_rate(text: str | None, field: str) -> Decimal:
    """Nominal annual rate in percent, 0..100, at most four decimals."""
    raw = (text or "").strip().rstrip("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError({field: f"'{text}' is not a number"}) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValidationError({field: "must be between 0 and 100 percent"})
    if value != value.quantize(Decimal("0.0001")):
        raise ValidationError({field: "must have at most four decimal places"})
    return value
