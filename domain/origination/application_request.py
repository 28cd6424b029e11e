"""Validating an application from any channel into one value object, with an error per field.

Shape comes first (the published JSON Schema in `domain.origination.intake_schema`), then meaning: real
dates, age, point-of-sale arithmetic. Every error names its field by JSON path
(`applicant.address.postal_code`), so a form or a partner can point at it.
"""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaError

from domain.origination.bureau import Applicant
from domain.kernel.errors import ValidationError
from domain.origination.intake_schema import APPLICATION_REQUEST
from domain.kernel.money import to_minor


@lru_cache(maxsize=64)
def _anchored(pattern: str) -> re.Pattern:
    # Patterns are ECMA-262, where `$` ends the string; Python's `$` also matches before a
    # final newline, which would let "1234\n" through as the last four digits of an SSN.
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def _ecma_pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _anchored(pattern).search(instance):
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


_VALIDATOR = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})(
    APPLICATION_REQUEST)
FORMAT_HINTS = {
    "date_of_birth": "must be a date written YYYY-MM-DD",
    "ssn_last4": "must be the last 4 digits of the Social Security number",
    "email": "is not an e-mail address",
    "phone": "is not a phone number",
    "postal_code": "must be a 5-digit ZIP code (or ZIP+4)",
    "product_code": "must be a product code (letters, digits, '-' or '_')",
}


@dataclass(frozen=True)
class ApplicationRequest:
    product_code: str
    amount_minor: int
    term: int
    purpose: str
    external_ref: str | None
    applicant: dict  # validated applicant section, as stored on the application
    monthly_income_minor: int
    date_of_birth: date
    point_of_sale: dict | None

    def bureau_subject(self) -> Applicant:
        a = self.applicant
        return Applicant(a["first_name"], a["last_name"], a["date_of_birth"], a["ssn_last4"],
                         a["address"]["postal_code"][:5])

    def age_on(self, on: date) -> int:
        b = self.date_of_birth
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def parse(payload, today: date | None = None) -> ApplicationRequest:
    """The request, or ValidationError naming every bad field (nothing is stored)."""
    today = today or date.today()
    if not isinstance(payload, dict):
        raise ValidationError({"(body)": "must be a JSON object"})
    errors: dict[str, str] = {}
    for e in sorted(_VALIDATOR.iter_errors(payload), key=lambda e: list(map(str, e.path))):
        field, reason = _describe(e)
        errors.setdefault(field, reason)
    for field in _with_nul(payload):  # no database stores U+0000 in text (PostgreSQL refuses)
        errors.setdefault(field, "must not contain a NUL character (U+0000)")
    if errors:
        raise ValidationError(errors)
    a = payload["applicant"]
    try:
        born = date.fromisoformat(a["date_of_birth"])
    except ValueError:
        raise ValidationError({"applicant.date_of_birth": "is not a real date"}) from None
    request = ApplicationRequest(
        payload["product_code"].upper(), to_minor(Decimal(payload["amount"])),
        int(payload["term"]),  # JSON Schema counts 12.0 as an integer; Python must not see 12.0
        payload.get("purpose", "").strip(), payload.get("external_ref"), a,
        to_minor(Decimal(a["monthly_income"])), born, payload.get("point_of_sale"))
    age = request.age_on(today)
    if age < 18:
        errors["applicant.date_of_birth"] = "the applicant must be 18 or older"
    elif age > 120:
        errors["applicant.date_of_birth"] = "is not a plausible date of birth"
    if request.amount_minor == 0:
        errors["amount"] = "must be greater than zero"
    if request.monthly_income_minor == 0:
        errors["applicant.monthly_income"] = "must be greater than zero"
    pos = request.point_of_sale
    if pos is not None:
        price, down = to_minor(Decimal(pos["price"])), to_minor(Decimal(pos["down_payment"]))
        if down >= price:
            errors["point_of_sale.down_payment"] = "must be less than the price"
        elif price - down != request.amount_minor:
            errors["amount"] = "must equal the price less the down payment"
    if errors:
        raise ValidationError(errors)
    return request


def _with_nul(value, path: str = "") -> list[str]:
    """Paths of the strings (keys included) holding U+0000, anywhere in the payload."""
    if isinstance(value, str):
        return [path or "(body)"] if "\x00" in value else []
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            here = f"{path}.{k}" if path else str(k)
            out += ([here] if "\x00" in str(k) else []) + _with_nul(v, here)
        return out
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _with_nul(v, f"{path}[{i}]")]
    return []


def _describe(e) -> tuple[str, str]:
    path = ".".join(str(p) for p in e.absolute_path)
    name = str(e.absolute_path[-1]) if e.absolute_path else ""
    v = e.validator
    if v == "required":
        missing = e.message.split("'")[1]
        return (f"{path}.{missing}" if path else missing), "is required"
    if v == "additionalProperties":
        extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
        return (f"{path}.{extra[0]}" if path else extra[0]), "is not a known field"
    if v == "type":
        expected = e.validator_value
        return path, f"must be {'an' if expected in ('integer', 'object', 'array') else 'a'} " \
                     f"{expected}"
    if v == "pattern":
        return path, FORMAT_HINTS.get(name, "must be a decimal amount such as \"1250.00\""
                                      if "0-9]{1,10}" in e.validator_value
                                      else "is not in the expected format")
    if v == "enum":
        values = e.validator_value
        shown = ", ".join(values[:8]) + (", ..." if len(values) > 8 else "")
        return path, f"must be one of {shown}"
    if v == "const":
        return path, "must be true (the applicant's consent to a credit check is required)"
    if v == "minLength":
        return path, "must not be empty"
    if v == "maxLength":
        return path, f"must be at most {e.validator_value} characters"
    if v in ("minimum", "maximum"):
        s = e.schema
        return path, f"must be between {s.get('minimum')} and {s.get('maximum')}"
    return path or "(body)", e.message[:200]
