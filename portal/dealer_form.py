"""The dealer's point-of-sale form, translated both ways: what the dealer typed becomes an
intake request body (`domain.origination.application_request`), and the intake's errors (by JSON path) come back to the
form field they concern. The amount financed is computed here, never typed."""
from decimal import Decimal, InvalidOperation

from domain.kernel.money import fmt, to_minor
from domain.origination.dealer import DealerApplication

# form field name -> JSON path in the intake request
PATHS = {
    "merchant": "point_of_sale.merchant", "item": "point_of_sale.item",
    "price": "point_of_sale.price", "down_payment": "point_of_sale.down_payment",
    "amount": "amount", "product_code": "product_code", "term": "term",
    "first_name": "applicant.first_name", "last_name": "applicant.last_name",
    "date_of_birth": "applicant.date_of_birth", "ssn_last4": "applicant.ssn_last4",
    "email": "applicant.email", "phone": "applicant.phone",
    "line1": "applicant.address.line1", "line2": "applicant.address.line2",
    "city": "applicant.address.city", "state": "applicant.address.state",
    "postal_code": "applicant.address.postal_code",
    "employment_status": "applicant.employment.status",
    "employer": "applicant.employment.employer",
    "months_employed": "applicant.employment.months_employed",
    "monthly_income": "applicant.monthly_income", "consent": "consent_credit_check",
}
FIELD_FOR = {path: name for name, path in PATHS.items()}
STATUS_TEXT = {"approved": "Approved", "declined": "Declined", "referred": "Referred",
               "booked": "Booked"}


def money_text(text: str | None) -> str:
    """'$1,299.00 ' -> '1299.00'; anything else is passed on for the schema to name."""
    return (text or "").strip().replace(",", "").replace("$", "")


def money(text: str | None) -> Decimal | None:
    raw = money_text(text)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 and value == round(value, 2) else None


def financed(price: str, down_payment: str) -> str:
    """The amount financed as the form shows it, or '' while price or down payment is not a
    usable amount."""
    p, d = money(price), money(down_payment or "0")
    if p is None or d is None or d >= p:
        return ""
    return fmt(to_minor(p - d))


def _whole(text: str | None):
    raw = (text or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else raw


def payload(form: dict) -> dict:
    """The intake request body for what the dealer typed."""
    f = {k: (v.strip() if isinstance(v, str) else v) for k, v in form.items()}
    price, down = money_text(f.get("price")), money_text(f.get("down_payment")) or "0"
    p, d = money(price), money(down)
    amount = f"{p - d:.2f}" if p is not None and d is not None and d < p else "0.00"
    employment = {"status": f.get("employment_status", "")}
    if f.get("employer"):
        employment["employer"] = f["employer"]
    if f.get("months_employed"):
        employment["months_employed"] = _whole(f["months_employed"])
    address = {k: f.get(k, "") for k in ("line1", "city", "state", "postal_code")}
    if f.get("line2"):
        address["line2"] = f["line2"]
    return {
        "product_code": f.get("product_code", ""), "amount": amount,
        "term": _whole(f.get("term")), "purpose": (f.get("item") or "")[:200],
        "consent_credit_check": f.get("consent") in ("on", "true", True),
        "point_of_sale": {"merchant": f.get("merchant", ""), "item": f.get("item", ""),
                          "price": price, "down_payment": down},
        "applicant": {
            **{k: f.get(k, "") for k in ("first_name", "last_name", "date_of_birth",
                                         "ssn_last4", "email", "phone")},
            "address": address, "employment": employment,
            "monthly_income": money_text(f.get("monthly_income"))},
    }


FORM_WORDING = {"consent": "The customer's consent to a credit check is required",
                "term": "Enter the number of payments as a whole number"}


def field_errors(errors: dict[str, str], form: dict | None = None) -> tuple[dict[str, str], str]:
    """(message per form field, message for anything no field shows). The intake's reasons
    are written for API partners; a field left empty just says so."""
    form = form or {}
    shown = {name: "" for name in PATHS}
    other = []
    for path, reason in errors.items():
        name = FIELD_FOR.get(path)
        if name is None:
            other.append(f"{path}: {reason}")
        elif name in form and not str(form[name]).strip() and name != "consent":
            shown[name] = "Required"
        else:
            shown[name] = FORM_WORDING.get(name, reason[:1].upper() + reason[1:])
    if shown["amount"] and (shown["price"] or shown["down_payment"]):
        shown["amount"] = ""  # computed from them: their own messages say what to fix
    elif shown["amount"]:
        shown["amount"] = "Amount financed: " + errors["amount"]
    return shown, "; ".join(other)


def row(a: DealerApplication) -> dict[str, str]:
    return {"id": str(a.id), "date": a.submitted_on.isoformat(), "customer": a.customer_name,
            "merchant": a.merchant, "item": a.item, "price": fmt(a.price_minor),
            "down_payment": fmt(a.down_payment_minor), "financed": fmt(a.amount_minor),
            "term": str(a.term), "status": a.status,
            "status_text": STATUS_TEXT.get(a.status, a.status.capitalize()),
            "stage": a.stage.replace("_", " "), "reasons": "; ".join(a.reasons),
            "installment": fmt(a.installment_minor), "product": a.product_name,
            "href": f"/dealer/applications/{a.id}"}
