"""The onboarding API's JSON Schema (published in the OpenAPI document and validated
against, so they cannot drift) and the mapping of a request onto the flat onboarding row.
Unknown fields are refused with their path, never dropped."""
from jsonschema import Draft202012Validator

from domain.origination.intake_schema import ADDRESS, DECIMAL
from domain.onboarding.rows import Issue

_t = lambda n, m=1: {"type": "string", "minLength": m, "maxLength": n}  # noqa: E731
DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}

LOAN_REQUEST = {
    "type": "object", "additionalProperties": False,
    "required": ["external_ref", "product_code", "borrower", "funded_amount", "funding_date",
                 "terms"],
    "properties": {
        "external_ref": {**_t(100), "description": "the loan's reference in the source "
                         "system; unique per source"},
        "product_code": _t(40),
        "borrower": {"type": "object", "additionalProperties": False,
                     "required": ["name", "email", "date_of_birth", "address"],
                     "properties": {"name": _t(200), "email": _t(254),
                                    "date_of_birth": DATE, "address": ADDRESS}},
        "funded_amount": DECIMAL, "funding_date": DATE,
        "terms": {"type": "object", "additionalProperties": False, "required": ["term"],
                  "properties": {
                      "use_product_defaults": {"type": "boolean", "description":
                                               "rate and frequency from the product"},
                      "annual_rate": {"type": "string", "pattern": r"^[0-9]{1,3}(\.[0-9]{1,4})?$"},
                      "term": {"type": "integer", "minimum": 1, "maximum": 600},
                      "frequency": {"type": "string", "enum": ["monthly", "semimonthly",
                                                               "biweekly", "weekly",
                                                               "quarterly"]}}},
        "history": {"type": "object", "additionalProperties": False,
                    "description": "a seasoned loan: what happened before boarding",
                    "properties": {"payments_to_date": DECIMAL,
                                   "payments": {"type": "array", "maxItems": 600, "items": {
                                       "type": "object", "additionalProperties": False,
                                       "required": ["date", "amount"],
                                       "properties": {"date": DATE, "amount": DECIMAL}},
                                       "description": "each payment made, instead of "
                                                      "(or summing to) payments_to_date"},
                                   "current_principal": DECIMAL,
                                   "days_past_due": {"type": "integer", "minimum": 0},
                                   "fees_due": {**DECIMAL, "description":
                                                "fees the source system charged that were "
                                                "still owed at boarding (late, NSF, ...): "
                                                "charged on the oldest unpaid installment"}}},
    },
}
BATCH_REQUEST = {"type": "object", "additionalProperties": False, "required": ["loans"],
                 "properties": {"loans": {"type": "array", "minItems": 1, "maxItems": 1000,
                                          "items": LOAN_REQUEST}}}
INSTALLMENT = {"type": "object", "properties": {
    "number": {"type": "integer"}, "due_date": DATE, "principal": DECIMAL, "interest": DECIMAL,
    "fees": DECIMAL, "total": DECIMAL}}
LOAN_RESPONSE = {"type": "object", "required": ["loan_id", "external_ref", "schedule"],
                 "properties": {"loan_id": {"type": "string", "example": "LN-000123"},
                                "external_ref": {"type": "string"},
                                "batch_id": {"type": "integer"},
                                "schedule": {"type": "array", "items": INSTALLMENT}}}
LOAN_STATUS = {"type": "object",
               "required": ["loan_id", "external_ref", "status", "principal_outstanding",
                            "schedule"],
               "properties": {**LOAN_RESPONSE["properties"],
                              "status": {"type": "string", "example": "active"},
                              "product_code": {"type": "string"},
                              "funded_amount": DECIMAL, "funding_date": DATE,
                              "principal_outstanding": DECIMAL,
                              "days_past_due": {"type": "integer"},
                              "delinquency_bucket": {"type": "string"}}}
BATCH_RESPONSE = {"type": "object", "required": ["batch_id", "loans"],
                  "properties": {"batch_id": {"type": "integer"},
                                 "loans": {"type": "array", "items": LOAN_RESPONSE}}}

PATHS = {"external_ref": "external_ref", "product_code": "product_code",
         "borrower_name": "borrower.name", "borrower_email": "borrower.email",
         "borrower_date_of_birth": "borrower.date_of_birth",
         "address_line1": "borrower.address.line1", "address_line2": "borrower.address.line2",
         "city": "borrower.address.city", "state": "borrower.address.state",
         "postal_code": "borrower.address.postal_code", "funded_amount": "funded_amount",
         "funding_date": "funding_date", "use_product_defaults": "terms.use_product_defaults",
         "annual_rate": "terms.annual_rate", "term": "terms.term",
         "frequency": "terms.frequency", "payments_to_date": "history.payments_to_date",
         "current_principal": "history.current_principal",
         "days_past_due": "history.days_past_due", "payments": "history.payments",
         "fees_due": "history.fees_due"}
_VALIDATORS = {id(s): Draft202012Validator(s) for s in (LOAN_REQUEST, BATCH_REQUEST)}


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def check(payload, schema) -> dict[str, str]:
    """Field path -> reason for every schema violation (unknown fields named one by one)."""
    errors: dict[str, str] = {}
    for e in _VALIDATORS[id(schema)].iter_errors(payload):
        where = list(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            for key in sorted(set(e.instance) - set(e.schema.get("properties", {}))):
                errors[_path(where + [key])] = "is not a known field (refused, not dropped)"
        elif e.validator == "required":
            missing = e.message.split("'")[1]
            errors[_path(where + [missing])] = "is required"
        else:
            errors.setdefault(_path(where) or "(body)", e.message)
    return errors


def flatten(loan: dict) -> dict:
    """The onboarding row of one schema-valid loan request."""
    def get(path):
        node = loan
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node
    row = {}
    for column, path in PATHS.items():
        v = get(path)
        if isinstance(v, list):  # history.payments: the file's DATE:AMOUNT;... form
            row[column] = ";".join(f"{p['date']}:{p['amount']}" for p in v)
        else:
            row[column] = ("yes" if v else "no") if isinstance(v, bool) else \
                ("" if v is None else str(v))
    return row


def issue_path(issue: Issue, prefix: str = "") -> str:
    return prefix + PATHS.get(issue.column, issue.column)
