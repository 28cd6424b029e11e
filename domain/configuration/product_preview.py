"""A sample loan for a product draft, from the domain's own quote (schedule + TILA APR):
what the admin configurator shows beside the form. Pure: settings in, figures out."""
from datetime import date

from domain.configuration import product_schema
from domain.kernel.errors import ValidationError
from domain.kernel.money import parse_amount
from domain.calculation.quote import quote


def preview(settings: dict, amount: str, term: str, disbursed: date) -> dict:
    """First and last installments, totals, APR and the balance after each installment of a
    sample loan of `amount` over `term` payments; ValidationError by field (settings, or
    `sample_amount` / `sample_term` when the sample falls outside the draft's ranges)."""
    errors: dict[str, str] = {}
    terms = None
    try:
        terms = product_schema.to_terms(settings)
    except ValidationError as e:
        errors.update(e.errors)
    amount_minor, periods = 0, 0
    try:
        amount_minor = parse_amount(amount, "sample_amount")
    except ValidationError as e:
        errors.update(e.errors)
    try:
        periods = int(str(term).strip())
    except ValueError:
        errors["sample_term"] = f"'{term}' is not a whole number"
    if terms is not None and not errors:
        try:
            terms.check_request(amount_minor, periods)
        except ValidationError as e:
            errors.update({f"sample_{k}": v for k, v in e.errors.items()})
    if errors:
        raise ValidationError(errors)
    q = quote(terms.quote_request(amount_minor, periods, disbursed))
    rows = q["schedule"]
    return {"apr": q["apr"], "installment": q["installment"],
            "amount_financed": q["amount_financed"], "finance_charge": q["finance_charge"],
            "total_interest": q["total_interest"], "total_of_payments": q["total_of_payments"],
            "first": rows[0], "last": rows[-1], "count": len(rows),
            # chart points only (display, after every money figure is computed in Decimal)
            "balances": [{"number": r["number"], "balance": float(r["balance"])}
                         for r in rows]}
