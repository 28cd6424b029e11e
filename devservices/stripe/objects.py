"""Stripe-shaped objects for the local fake, and Stripe's documented test bank accounts and cards.

Every object starts from its example in fixtures3.json (so it has the same keys as Stripe's),
with the example's placeholder values neutralised: null where the spec says nullable, empty
lists, false; then the fake overwrites the fields it knows. Without the fixtures file, objects
carry only the fields set here.
"""
from __future__ import annotations

import copy
import hashlib
import secrets
import string
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from devservices.stripe.spec import StripeSpec, get_fixtures, get_spec

ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{''.join(secrets.choice(ALPHABET) for _ in range(length))}"


def now() -> int:
    return int(time.time())


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# templates from the fixtures


def _blank_unknown(value: Any) -> Any:
    # a key the (older) spec does not describe: treat the feature as unused
    if isinstance(value, list):
        return []
    if isinstance(value, bool):
        return False
    return None


def _neutral(spec: StripeSpec, value: Any, schema: dict[str, Any] | None) -> Any:
    if schema is None:
        return _blank_unknown(value)
    schema = spec.resolve(schema)
    if schema.get("nullable"):
        return None
    if "anyOf" in schema:
        branch = next((b for b in schema["anyOf"] if "$ref" in b), schema["anyOf"][0])
        return _neutral(spec, value, branch)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, dict):
            return {}  # a map such as metadata
        return {k: _neutral(spec, v, props.get(k)) for k, v in value.items()}
    if isinstance(value, list):
        return []
    if isinstance(value, bool):
        return False
    return value  # a non-nullable string or number: the fixture's value is a sane default


@lru_cache(maxsize=64)
def _template(name: str) -> dict[str, Any]:
    spec = get_spec()
    example = get_fixtures().get(name)
    if not example:
        return {}
    if not spec.available:
        return copy.deepcopy(example)
    return _neutral(spec, copy.deepcopy(example), spec.component(name))


def build(resource: str, /, **fields: Any) -> dict[str, Any]:
    """A new object of a type named as in the fixtures ("customer", "checkout.session", ...)."""
    obj = copy.deepcopy(_template(resource))
    obj.update({"object": resource, "livemode": False})
    obj.update(fields)
    return obj


def list_object(data: list[dict[str, Any]], url: str, has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


# ---------------------------------------------------------------------------------------------
# test bank accounts (routing 110000000) and what a debit from them does


@dataclass(frozen=True)
class BankOutcome:
    failure_code: str | None  # None: the debit settles
    network_code: str | None  # the ACH return (R) code
    message: str
    blocks_account: str | None = None  # reason Stripe gives when it blocks the account
    disputes: bool = False
    stays_processing: bool = False


TEST_ROUTING_NUMBER = "110000000"
BANK_NAMES = {TEST_ROUTING_NUMBER: "STRIPE TEST BANK"}
SUCCESS = BankOutcome(None, None, "The payment succeeded.")
TEST_BANK_ACCOUNTS: dict[str, BankOutcome] = {
    "000123456789": SUCCESS,
    "000111111116": BankOutcome("no_account", "R03", "The customer's bank account could not "
                                "be located.", blocks_account="bank_account_invalid_details"),
    "000111111113": BankOutcome("account_closed", "R02", "The customer's bank account has been "
                                "closed.", blocks_account="bank_account_closed"),
    "000222222227": BankOutcome("insufficient_funds", "R01", "The customer's account has "
                                "insufficient funds to cover this payment."),
    "000333333335": BankOutcome("debit_not_authorized", "R10", "The customer has notified "
                                "their bank that this payment was unauthorized.",
                                blocks_account="debit_not_authorized"),
    "000444444440": BankOutcome("invalid_currency", None, "The bank was unable to process this "
                                "payment because of its currency."),
    "000555555559": BankOutcome(None, "R10", "The payment succeeds, then is disputed.",
                                disputes=True),
    "000000000009": BankOutcome(None, None, "The payment stays processing.",
                                stays_processing=True),
}
BANK_TOKENS = {"pm_usBankAccount_success": "000123456789",
               "pm_usBankAccount_noAccount": "000111111116",
               "pm_usBankAccount_accountClosed": "000111111113",
               "pm_usBankAccount_insufficientFunds": "000222222227",
               "pm_usBankAccount_debitNotAuthorized": "000333333335",
               "pm_usBankAccount_invalidCurrency": "000444444440",
               "pm_usBankAccount_dispute": "000555555559",
               "pm_usBankAccount_processing": "000000000009"}
# microdeposit test values: verify / exceed attempts
MICRODEPOSITS_OK = ({"amounts": [32, 45]}, {"descriptor_code": "SM11AA"})
MICRODEPOSITS_EXCEEDED = ({"amounts": [10, 11]}, {"descriptor_code": "SM33CC"})


def bank_outcome(account_number: str) -> BankOutcome:
    return TEST_BANK_ACCOUNTS.get(account_number, SUCCESS)


def aba_valid(routing: str) -> bool:
    if len(routing) != 9 or not routing.isdigit():
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


# ---------------------------------------------------------------------------------------------
# test cards


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    funding: str = "credit"
    decline: tuple[str, str, str] | None = None  # (code, decline_code, message) when charged
    declines_setup: bool = False  # also refused when saved (SetupIntent / attach)
    needs_authentication: bool = False  # every off-session charge needs 3DS: fails


DECLINED = ("card_declined", "generic_decline", "Your card was declined.")
TEST_CARDS: dict[str, TestCard] = {c.number: c for c in (
    TestCard("4242424242424242", "visa"),
    TestCard("4000056655665556", "visa", "debit"),
    TestCard("5555555555554444", "mastercard"),
    TestCard("378282246310005", "amex"),
    TestCard("6011111111111117", "discover"),
    TestCard("4000000000000002", "visa", decline=DECLINED, declines_setup=True),
    TestCard("4000000000009995", "visa", decline=("card_declined", "insufficient_funds",
                                                  "Your card has insufficient funds.")),
    TestCard("4000000000009987", "visa", decline=("card_declined", "lost_card",
                                                  "Your card was declined."),
             declines_setup=True),
    TestCard("4000000000009979", "visa", decline=("card_declined", "stolen_card",
                                                  "Your card was declined."),
             declines_setup=True),
    TestCard("4000000000000069", "visa", decline=("expired_card", "expired_card",
                                                  "Your card has expired."),
             declines_setup=True),
    TestCard("4000000000000127", "visa", decline=("incorrect_cvc", "incorrect_cvc",
                                                  "Your card's security code is incorrect."),
             declines_setup=True),
    TestCard("4000000000000119", "visa", decline=("processing_error", "processing_error",
                                                  "An error occurred while processing your "
                                                  "card. Try again in a little bit."),
             declines_setup=True),
    TestCard("4000000000000341", "visa", decline=DECLINED),  # saves, then charges fail
    TestCard("4000002760003184", "visa", needs_authentication=True),
)}
CARD_TOKENS = {
    "visa": "4242424242424242", "visa_debit": "4000056655665556",
    "mastercard": "5555555555554444", "amex": "378282246310005", "discover": "6011111111111117",
    "chargeDeclined": "4000000000000002",
    "chargeDeclinedInsufficientFunds": "4000000000009995",
    "chargeDeclinedLostCard": "4000000000009987", "chargeDeclinedStolenCard": "4000000000009979",
    "chargeDeclinedExpiredCard": "4000000000000069",
    "chargeDeclinedIncorrectCvc": "4000000000000127",
    "chargeDeclinedProcessingError": "4000000000000119",
    "chargeCustomerFail": "4000000000000341", "authenticationRequired": "4000002760003184",
}
LIVE_CARD = ("card_declined", "test_mode_live_card",
             "Your card was declined. Your request was in test mode, but used a non test (live) "
             "card. For a list of valid test cards, visit: https://stripe.com/docs/testing.")
AUTHENTICATION_REQUIRED = ("authentication_required", "authentication_required",
                           "Your card was declined. This transaction requires authentication.")


def card_for_token(token: str) -> str | None:
    """`pm_card_visa` / `tok_visa` -> its card number."""
    for prefix in ("pm_card_", "tok_"):
        if token.startswith(prefix):
            return CARD_TOKENS.get(token[len(prefix):])
    return None


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def card_info(number: str) -> TestCard:
    known = TEST_CARDS.get(number)
    if known:
        return known
    brand = {"4": "visa", "5": "mastercard", "3": "amex", "6": "discover"}.get(number[:1],
                                                                               "unknown")
    return TestCard(number, brand, decline=LIVE_CARD, declines_setup=True)


def card_details(card: TestCard, exp_month: int, exp_year: int) -> dict[str, Any]:
    return {"brand": card.brand, "display_brand": card.brand, "country": "US",
            "exp_month": exp_month, "exp_year": exp_year, "funding": card.funding,
            "last4": card.number[-4:], "fingerprint": fingerprint("card", card.number),
            "checks": {"address_line1_check": None, "address_postal_code_check": None,
                       "cvc_check": "pass"},
            "generated_from": None, "networks": {"available": [card.brand], "preferred": None},
            "three_d_secure_usage": {"supported": True}, "wallet": None,
            "regulated_status": "unregulated"}


def bank_details(routing: str, account: str, holder_type: str | None,
                 account_type: str | None) -> dict[str, Any]:
    return {"account_holder_type": holder_type or "individual",
            "account_type": account_type or "checking",
            "bank_name": BANK_NAMES.get(routing, "TEST BANK"),
            "financial_connections_account": None,
            "fingerprint": fingerprint("us_bank_account", routing, account),
            "last4": account[-4:],
            "networks": {"preferred": "ach", "supported": ["ach"]},
            "routing_number": routing, "status_details": None}
