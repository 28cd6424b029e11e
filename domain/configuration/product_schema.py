"""The product schema: one declarative list of every product setting (type, label, help,
group, default, allowed values) and the cross-field checks. It drives validation (`parse`),
the admin form (`domain.configuration.product_schema_views.form_spec`) and the docs table
(`lendbook product-schema --markdown`), so a new setting needs no new form or parser code.

Pure: no database. Values arrive as typed text (the form) or plain JSON (export/import)."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.calculation.allocation import COMPONENTS, EARLY, EXCESS, HIERARCHIES, METHODS, OVERPAYMENT
from domain.kernel.document_kinds import UPLOAD_KINDS
from domain.kernel.errors import ValidationError
from domain.kernel.money import from_minor, parse_amount, parse_rate
from domain.calculation.terms import (
    AMORTIZATIONS,
    DAY_COUNTS,
    FREQUENCIES,
    INTEREST_METHODS,
    INTEREST_PERIODS,
    ROUNDING_MODES,
    ProductTerms,
)

# money: amount in currency units (stored in minor units); amount: the same kept as a
# Decimal of currency units; percent: 0-100, 4 decimals;
# integer; choice: one of `choices`; choices: a subset of `choices`; order: every one of
# `choices` once, in order; flag: yes/no; days: increasing whole numbers; tiers: tier=rate
# pairs; reference: the code of a published workflow or rule set (checked by the service).
TYPES = ("money", "amount", "percent", "integer", "choice", "choices", "order", "flag", "days", "tiers",
         "reference")
GROUPS = ("Amounts and term", "Pricing", "Schedule", "Fees", "Payments and collections",
          "Origination")


@dataclass(frozen=True)
class Setting:
    name: str
    type: str
    label: str
    help: str
    group: str
    default: object
    choices: tuple[str, ...] = ()
    minimum: int | None = None  # integers; money and amount: in minor units (cents)
    maximum: int | None = None
    optional: bool = False  # may be left empty (money: zero; reference: none)

    @property
    def field(self) -> str:
        """The ProductTerms attribute: money settings are stored in minor units."""
        return f"{self.name}_minor" if self.type == "money" else self.name


@dataclass(frozen=True)
class Check:
    """A cross-field rule: `test(values)` must hold, else `field` gets `message`."""
    fields: tuple[str, ...]
    field: str
    message: str
    test: object


S = Setting
SCHEMA: tuple[Setting, ...] = (
    S("min_amount", "money", "Minimum amount", "Smallest amount a borrower may request.",
      GROUPS[0], "1000.00", minimum=1),
    S("max_amount", "money", "Maximum amount", "Largest amount a borrower may request.",
      GROUPS[0], "25000.00", minimum=1),
    S("min_term", "integer", "Minimum number of payments", "Shortest term, in payments.",
      GROUPS[0], 6, minimum=1, maximum=600),
    S("max_term", "integer", "Maximum number of payments", "Longest term, in payments.",
      GROUPS[0], 60, minimum=1, maximum=600),
    S("frequency", "choice", "Repayment frequency", "How often an installment falls due.",
      GROUPS[0], "monthly", tuple(FREQUENCIES)),
    S("max_payment_to_income", "percent", "Maximum payment-to-income (%)",
      "Built-in affordability rule: monthly payment at most this share of monthly income.",
      GROUPS[0], "40"),
    S("annual_rate", "percent", "Annual interest rate (%)",
      "Nominal annual rate for applications without a priced tier.", GROUPS[1], "11.99"),
    S("pricing_tiers", "tiers", "Rate by pricing tier",
      "tier=rate pairs, e.g. A=8.99, B=13.99: an application a rule set prices at a tier "
      "(a 'tier' rule) gets that tier's rate; other tiers get the annual rate.",
      GROUPS[1], "", optional=True),
    S("amortization", "choice", "Amortization", "Equal installments (annuity) or equal "
      "principal.", GROUPS[2], "equal_installments", AMORTIZATIONS),
    S("interest_method", "choice", "Interest method", "Interest on the declining balance "
      "or flat on the original principal.", GROUPS[2], "declining_balance", INTEREST_METHODS),
    S("interest_period", "choice", "Interest period", "Interest per repayment period or "
      "by the day.", GROUPS[2], "same_as_repayment", INTEREST_PERIODS),
    S("day_count", "choice", "Day count", "Day-count convention for interest.", GROUPS[2],
      "30/360", DAY_COUNTS),
    S("rounding_multiple", "amount", "Installment rounding multiple", "Installments are "
      "rounded to a multiple of this amount (0.01: to the cent).", GROUPS[2], "0.01",
      minimum=1),
    S("rounding_mode", "choice", "Installment rounding mode", "How the installment is "
      "rounded to the multiple.", GROUPS[2], "half_up", ROUNDING_MODES),
    S("grace_principal", "integer", "Grace periods on principal", "First payments that pay "
      "no principal.", GROUPS[2], 0, minimum=0, maximum=599),
    S("grace_interest", "integer", "Grace periods on interest", "First payments that pay "
      "no interest (it is capitalised).", GROUPS[2], 0, minimum=0, maximum=599),
    S("origination_fee", "money", "Origination fee", "Charged once at booking.", GROUPS[3],
      "0.00", optional=True),
    S("origination_fee_financed", "flag", "Finance the origination fee", "Yes: added to the "
      "principal. No: deducted from the amount paid out.", GROUPS[3], True),
    S("installment_fee", "money", "Fee per installment", "Added to every installment.",
      GROUPS[3], "0.00", optional=True),
    S("late_fee", "money", "Late fee", "Charged once when an installment is late past the "
      "grace days.", GROUPS[3], "0.00", optional=True),
    S("late_fee_grace_days", "integer", "Late fee grace days", "Days after the due date "
      "before the late fee.", GROUPS[3], 10, minimum=0, maximum=90),
    S("nsf_fee", "money", "NSF fee", "Charged when a payment is returned unpaid.", GROUPS[3],
      "0.00", optional=True),
    S("allocation_hierarchy", "choice", "Allocation hierarchy", "After what is due: schedule "
      "pays the next installments; clear_dues holds the rest (see Excess payment).",
      GROUPS[4], "schedule", HIERARCHIES),
    S("allocation_method", "choice", "Allocation method", "due_date: installment by "
      "installment, oldest first; bucket: all past-due fees, then interest, then principal.",
      GROUPS[4], "due_date", METHODS),
    S("allocation_order", "order", "Allocation order", "Order in which a payment pays the "
      "components.", GROUPS[4], ("fee", "interest", "principal"), COMPONENTS),
    S("allocation_excess", "choice", "Excess payment", "With clear_dues: advance holds "
      "the rest in suspense; principal pays principal from the last installment back.",
      GROUPS[4], "advance", EXCESS),
    S("early_payment", "choice", "Paying ahead", "With schedule: in_advance pays the next "
      "installments in full, their interest paid ahead of accrual (shown as interest paid "
      "ahead, rebated at payoff); principal_first pays their principal only, the interest "
      "when it falls due.", GROUPS[4], "in_advance", EARLY),
    S("overpayment", "choice", "Payment above the payoff", "A payment at or above the payoff "
      "closes the loan; hold keeps the rest as a credit balance a servicer refunds; refund "
      "pays it back at once. Never interest income.", GROUPS[4], "hold", OVERPAYMENT),
    S("delinquency_buckets", "days", "Delinquency buckets (days past due)", "Lower bound of "
      "each bucket, e.g. 1, 31, 61, 91.", GROUPS[4], (1, 31, 61, 91)),
    S("workflow", "reference", "Workflow", "Published workflow applications follow.",
      GROUPS[5], "standard"),
    S("rule_set", "reference", "Decision rule set", "Rule set that decides applications; "
      "none: the built-in product rules.", GROUPS[5], "", optional=True),
    S("required_documents", "choices", "Required documents", "Document kinds needed "
      "before funding.", GROUPS[5], (), UPLOAD_KINDS, optional=True),
)
del S

CHECKS: tuple[Check, ...] = (
    Check(("min_amount", "max_amount"), "max_amount", "must be at least the minimum amount",
          lambda v: v["max_amount"] >= v["min_amount"]),
    Check(("min_term", "max_term"), "max_term", "must be at least the minimum term",
          lambda v: v["max_term"] >= v["min_term"]),
    Check(("grace_principal", "min_term"), "grace_principal", "must be under the minimum term",
          lambda v: v["grace_principal"] < v["min_term"]),
    Check(("grace_interest", "min_term"), "grace_interest", "must be under the minimum term",
          lambda v: v["grace_interest"] < v["min_term"]),
    Check(("origination_fee", "origination_fee_financed", "min_amount"), "origination_fee",
          "a deducted fee must be below the minimum amount",
          lambda v: v["origination_fee_financed"] or v["origination_fee"] < v["min_amount"]),
)
GL_NOTE = ("GL accounts are not a product setting: every product posts through the one "
           "versioned GL mapping (docs: Domain conventions, GL export; `/admin/gl`).")


def _items(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(x).strip() for x in value if str(x).strip()]
    return [x.strip() for x in str(value or "").split(",") if x.strip()]


def _one(setting: Setting, raw):
    """One value, typed; raises ValueError(reason) or ValidationError."""
    t, name = setting.type, setting.name
    text = "" if raw is None else (raw if isinstance(raw, str) else str(raw)).strip()
    if t in ("money", "amount"):
        minor = parse_amount(text or ("0" if setting.optional else ""), name, allow_zero=True)
        if setting.minimum is not None and minor < setting.minimum:
            raise ValueError("must be greater than zero" if setting.minimum == 1
                             else f"must be at least {from_minor(setting.minimum)}")
        return minor if t == "money" else from_minor(minor)
    if t == "percent":
        return parse_rate(text, name) if text else _missing()
    if t == "integer":
        try:
            n = int(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a whole number" if text else "is required") \
                from None
        if setting.minimum is not None and n < setting.minimum or \
                setting.maximum is not None and n > setting.maximum:
            raise ValueError(f"must be between {setting.minimum} and {setting.maximum}")
        return n
    if t == "choice":
        if text not in setting.choices:
            raise ValueError(f"must be one of {', '.join(setting.choices)}")
        return text
    if t == "flag":
        if isinstance(raw, bool):
            return raw
        if text.lower() not in ("true", "false", "yes", "no", "1", "0", "on", "off"):
            raise ValueError("must be yes or no")
        return text.lower() in ("true", "yes", "1", "on")
    if t == "choices":
        items = _items(raw)
        if any(i not in setting.choices for i in items) or len(set(items)) != len(items):
            raise ValueError(f"must be among {', '.join(setting.choices)}, each once")
        return tuple(items)
    if t == "order":
        items = _items(raw)
        if sorted(items) != sorted(setting.choices):
            raise ValueError(f"must order each of {', '.join(setting.choices)} once")
        return tuple(items)
    if t == "days":
        try:
            days = tuple(int(x) for x in _items(raw))
        except ValueError:
            raise ValueError("must be whole numbers of days, e.g. 1, 31, 61") from None
        if not days or days[0] < 1 or list(days) != sorted(set(days)):
            raise ValueError("must be increasing day counts starting at 1 or more")
        return days
    if t == "tiers":
        return _tiers(raw)
    if t == "reference":
        if not text and not setting.optional:
            raise ValueError("is required")
        return text or None
    raise ValueError(f"has an unknown type {t}")


def _missing():
    raise ValueError("is required")


def _tiers(raw) -> tuple[tuple[str, Decimal], ...]:
    pairs = raw.items() if isinstance(raw, dict) else \
        [p.partition("=")[::2] for p in _items(raw)]
    out = []
    for tier, rate in pairs:
        tier = str(tier).strip()
        if not tier or len(tier) > 20:
            raise ValueError("write tier=rate pairs, e.g. A=8.99, B=13.99")
        if tier in dict(out):
            raise ValueError(f"tier {tier} is given twice")
        try:
            out.append((tier, parse_rate(str(rate), "pricing_tiers")))
        except ValidationError:
            raise ValueError(f"tier {tier}: rate must be a percent between 0 and 100") \
                from None
    return tuple(out)


def parse(values: dict, schema: tuple[Setting, ...] = SCHEMA) -> dict:
    """Every setting of `schema` typed (missing ones take their default), then the cross-field
    checks; all errors together, by setting name. Unknown names are refused."""
    known = {s.name for s in schema}
    errors = {k: "is not a product setting" for k in values if k not in known}
    typed = {}
    for setting in schema:
        raw = values.get(setting.name, setting.default)
        try:
            typed[setting.name] = _one(setting, raw)
        except ValidationError as e:
            errors[setting.name] = next(iter(e.errors.values()))
        except (ValueError, InvalidOperation) as e:
            errors[setting.name] = str(e) or f"'{raw}' is not a valid value"
    for check in CHECKS:
        if all(f in typed for f in check.fields) and check.field not in errors \
                and not check.test(typed):
            errors[check.field] = check.message
    if errors:
        raise ValidationError(errors)
    return typed


def to_terms(values: dict) -> ProductTerms:
    """Validated settings as the ProductTerms the servicing engine uses."""
    typed = parse(values)
    return ProductTerms(**{s.field: typed[s.name] for s in SCHEMA if s.field in
                           ProductTerms.__dataclass_fields__})


def plain(terms: ProductTerms, schema: tuple[Setting, ...] = SCHEMA) -> dict:
    """The settings of `terms` as plain JSON values, keyed by setting name (export, diff,
    and the form's starting values); `parse(plain(t))` gives `t` back."""
    out = {}
    for s in schema:
        v = getattr(terms, s.field, s.default)
        if s.type == "money":
            v = str(from_minor(v))
        elif s.type in ("percent", "amount"):
            v = str(v)
        elif s.type == "tiers":
            v = {tier: str(rate) for tier, rate in v}
        elif s.type in ("choices", "order", "days"):
            v = list(v)
        elif s.type == "reference":
            v = v or ""
        out[s.name] = v
    return out
