"""The application intake schema: one JSON Schema for every channel (portal, dealer, agent,
partner API). The intake API publishes it in its OpenAPI document and validates against it, so
the published contract and the check cannot drift apart."""

US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT "
             "NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR").split()
EMPLOYMENT = ("employed", "self_employed", "retired", "unemployed", "student", "other")
DECIMAL = {"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
           "description": "A decimal amount in the currency's units, as a string: \"1250.00\""}


def _text(max_length: int, min_length: int = 1) -> dict:
    return {"type": "string", "minLength": min_length, "maxLength": max_length}


ADDRESS = {
    "type": "object", "additionalProperties": False,
    "required": ["line1", "city", "state", "postal_code"],
    "properties": {
        "line1": _text(100), "line2": _text(100, 0), "city": _text(60),
        "state": {"type": "string", "enum": US_STATES},
        "postal_code": {"type": "string", "pattern": r"^[0-9]{5}(-[0-9]{4})?$"},
    },
}

APPLICANT = {
    "type": "object", "additionalProperties": False,
    "required": ["first_name", "last_name", "date_of_birth", "ssn_last4", "email", "phone",
                 "address", "employment", "monthly_income"],
    "properties": {
        "first_name": _text(60), "last_name": _text(60),
        "date_of_birth": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                          "description": "YYYY-MM-DD; the applicant must be 18 or older"},
        "ssn_last4": {"type": "string", "pattern": r"^[0-9]{4}$"},
        "email": {"type": "string", "maxLength": 254,
                  "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"},
        "phone": {"type": "string", "pattern": r"^\+?[0-9 ()-]{7,20}$"},
        "address": ADDRESS,
        "employment": {
            "type": "object", "additionalProperties": False, "required": ["status"],
            "properties": {"status": {"type": "string", "enum": EMPLOYMENT},
                           "employer": _text(100, 0),
                           "months_employed": {"type": "integer", "minimum": 0,
                                               "maximum": 900}}},
        "monthly_income": {**DECIMAL, "description": "Gross monthly income"},
    },
}

POINT_OF_SALE = {
    "type": "object", "additionalProperties": False,
    "required": ["merchant", "item", "price", "down_payment"],
    "properties": {"merchant": _text(100), "item": _text(200), "price": DECIMAL,
                   "down_payment": DECIMAL},
}

APPLICATION_REQUEST = {
    "type": "object", "additionalProperties": False,
    "required": ["product_code", "amount", "term", "applicant", "consent_credit_check"],
    "properties": {
        "product_code": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{2,40}$"},
        "amount": DECIMAL,
        "term": {"type": "integer", "minimum": 1, "maximum": 600,
                 "description": "Number of payments"},
        "purpose": _text(200, 0),
        "external_ref": _text(100),
        "applicant": APPLICANT,
        "point_of_sale": POINT_OF_SALE,
        "consent_credit_check": {"const": True,
                                 "description": "The applicant agreed to a credit check"},
    },
}

ERROR = {
    "type": "object", "required": ["errors"],
    "properties": {"errors": {"type": "array", "items": {
        "type": "object", "required": ["field", "reason"],
        "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}}},
}

APPLICATION_RESPONSE = {
    "type": "object",
    "required": ["application_id", "status", "stage", "reasons", "channel"],
    "properties": {
        "application_id": {"type": "integer"}, "status": {"type": "string",
                                                         "enum": ["approved", "declined",
                                                                  "referred"]},
        "stage": {"type": "string"}, "reasons": {"type": "array", "items": {"type": "string"}},
        "installment": DECIMAL, "tier": {"type": ["string", "null"]},
        "channel": {"type": "string"}, "external_ref": {"type": ["string", "null"]},
    },
}
