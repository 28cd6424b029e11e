"""Automatic decision for the thin lifecycle: simple rules, every result recorded as a reason."""
from dataclasses import dataclass
from decimal import Decimal

from domain.kernel.money import fmt
from domain.calculation.terms import ProductTerms


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Decision:
    outcome: str  # "approved" | "declined"
    results: tuple[RuleResult, ...]

    @property
    def reasons(self) -> list[str]:
        """Why: the failed rules on a decline, every rule on an approval."""
        failed = [r.detail for r in self.results if not r.passed]
        return failed or [r.detail for r in self.results]


def decide(terms: ProductTerms, amount_minor: int, term: int, monthly_income_minor: int,
           installment_minor: int) -> Decision:
    in_amount = terms.min_amount_minor <= amount_minor <= terms.max_amount_minor
    in_term = terms.min_term <= term <= terms.max_term
    monthly_payment = Decimal(installment_minor) * terms.periods_per_year / 12
    limit = Decimal(monthly_income_minor) * terms.max_payment_to_income / 100
    affordable = monthly_income_minor > 0 and monthly_payment <= limit
    ratio = (monthly_payment / monthly_income_minor * 100) if monthly_income_minor else None
    results = (
        RuleResult("amount_in_range", in_amount,
                   f"Amount {fmt(amount_minor)} is within {fmt(terms.min_amount_minor)}"
                   f"-{fmt(terms.max_amount_minor)}" if in_amount else
                   f"Amount {fmt(amount_minor)} is outside the product's range"),
        RuleResult("term_in_range", in_term,
                   f"Term of {term} payments is within {terms.min_term}-{terms.max_term}"
                   if in_term else f"Term of {term} payments is outside the product's range"),
        RuleResult("payment_to_income", affordable,
                   (f"Payment is {ratio:.1f}% of monthly income (limit "
                    f"{terms.max_payment_to_income}%)") if ratio is not None and affordable else
                   ("Insufficient income for the requested amount: payment would be "
                    + (f"{ratio:.1f}%" if ratio is not None else "more than 100%")
                    + f" of monthly income (limit {terms.max_payment_to_income}%)")),
    )
    outcome = "approved" if all(r.passed for r in results) else "declined"
    return Decision(outcome, results)
