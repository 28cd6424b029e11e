"""The fake Stripe's in-memory state and business rules, apart from HTTP: storage, events,
expansion, lists, customers, payment methods and mandates. SetupIntents are in `setup_intents`;
PaymentIntents, charges, settlement and disputes in `payments`; Checkout in
`checkout`; `server.FakeStripe` puts them together.

Everything here runs on the fake server's event loop (requests, timers), one call at a time.
Errors are raised as `FakeError` carrying Stripe's error body and HTTP status.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from devservices.stripe import objects as fo
from devservices.stripe.objects import build, new_id, now

DOC_URL = "https://stripe.com/docs/error-codes/"
try:  # the API version events carry: the one the SDK in this environment speaks
    from stripe._api_version import _ApiVersion
    API_VERSION: str | None = _ApiVersion.CURRENT
except ImportError:  # pragma: no cover - the fake does not need the SDK
    API_VERSION = None


class FakeError(Exception):
    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None, **extra: Any):
        super().__init__(message)
        error: dict[str, Any] = {"type": type, "message": message}
        if code:
            error["code"] = code
            error["doc_url"] = DOC_URL + code.replace("_", "-")
        if param:
            error["param"] = param
        error.update({k: v for k, v in extra.items() if v is not None})
        self.status, self.body = status, {"error": error}


def missing(kind: str, object_id: str, param: str = "id") -> FakeError:
    return FakeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


@dataclass
class Ctx:
    """What the fake knows of the request that caused a change (for events and mandates)."""
    request_id: str | None = None
    idempotency_key: str | None = None
    ip: str = "127.0.0.1"
    user_agent: str = ""
    base_url: str = "http://127.0.0.1"


# how Stripe names each object in "No such ...: 'id'"
NOUNS = {"payment_method": "PaymentMethod", "setup_intent": "setupintent"}


@dataclass
class StripeStore:
    """Storage, events, expansion, lists, customers, payment methods and mandates; the full fake
    (`server.FakeStripe`) adds SetupIntents, payments and Checkout to it."""
    settle_after_seconds: float | None = None
    business_name: str = "Lendbook"
    endpoints: int = 0  # webhook endpoints, for events' pending_webhooks
    on_event: Callable[[dict[str, Any]], None] | None = None
    schedule: Callable[[float, Callable[[], None]], None] | None = None
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    private: dict[str, dict[str, Any]] = field(default_factory=dict)  # never returned
    event_ids: list[str] = field(default_factory=list)

    # -- storage ---------------------------------------------------------------------------

    def get(self, object_id: Any, name: str, param: str = "id") -> dict[str, Any]:
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj.get("object") != name:
            raise missing(NOUNS.get(name, name), str(object_id), param)
        return obj

    def store(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        return obj

    def emit(self, type_: str, obj: dict[str, Any], ctx: Ctx | None,
             previous: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = self.store(build(
            "event", id=new_id("evt"), type=type_, created=now(), api_version=API_VERSION,
            data=data, pending_webhooks=self.endpoints,
            request={"id": ctx.request_id if ctx else None,
                     "idempotency_key": ctx.idempotency_key if ctx else None}))
        self.event_ids.append(event["id"])
        if self.on_event:
            self.on_event(event)
        return event

    def expand(self, value: Any, paths: list[str]) -> Any:
        """Stripe's `expand[]`: replace ids on the dotted paths by their objects."""
        out = copy.deepcopy(value)
        for path in paths:
            out = self._expand(out, path.split("."))
        return out

    def _expand(self, node: Any, parts: list[str]) -> Any:
        if isinstance(node, list):
            return [self._expand(n, parts) for n in node]
        if not isinstance(node, dict) or parts[0] not in node:
            return node
        child = node[parts[0]]
        if isinstance(child, str) and child in self.objects:
            child = copy.deepcopy(self.objects[child])
        node[parts[0]] = self._expand(child, parts[1:]) if len(parts) > 1 else child
        return node

    def page(self, items: list[dict[str, Any]], params: dict[str, Any],
             url: str) -> dict[str, Any]:
        """Newest first, `limit` (default 10, 1..100), `starting_after`, `ending_before`."""
        # newest first; objects created in the same second: the later one first
        items = sorted(reversed(items), key=lambda o: o.get("created", 0), reverse=True)
        ids = [o["id"] for o in items]
        if params.get("starting_after") in ids:
            items = items[ids.index(params["starting_after"]) + 1:]
        elif params.get("ending_before") in ids:
            items = items[:ids.index(params["ending_before"])]
        limit = max(1, min(100, int(params.get("limit") or 10)))
        return fo.list_object(items[:limit], url, has_more=len(items) > limit)

    # -- customers -------------------------------------------------------------------------

    def create_customer(self, p: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
        customer = self.store(build(
            "customer", id=new_id("cus", 14), created=now(), email=p.get("email") or None,
            name=p.get("name") or None, description=p.get("description") or None,
            phone=p.get("phone") or None, metadata=_metadata(p.get("metadata")),
            invoice_prefix=new_id("x", 8)[2:].upper(), delinquent=False, tax_exempt="none",
            balance=0, next_invoice_sequence=1, preferred_locales=[]))
        customer["invoice_settings"] = {"custom_fields": None, "default_payment_method": None,
                                        "footer": None, "rendering_options": None}
        self.emit("customer.created", customer, ctx)
        return customer

    def list_customers(self, p: dict[str, Any]) -> dict[str, Any]:
        found = [o for o in self.objects.values() if o.get("object") == "customer"
                 and (not p.get("email") or o.get("email") == p["email"])]
        return self.page(found, p, "/v1/customers")

    # -- payment methods -------------------------------------------------------------------

    def create_payment_method(self, p: dict[str, Any], ctx: Ctx) -> dict[str, Any]:
        kind = p.get("type")
        billing = {"address": None, "email": None, "name": None, "phone": None, "tax_id": None}
        billing.update({k: v for k, v in (p.get("billing_details") or {}).items()
                        if k in billing and v != ""})
        if kind == "us_bank_account":
            bank = p.get("us_bank_account") or {}
            if not billing.get("name"):
                raise FakeError(400, "Missing required param: billing_details[name].",
                                code="parameter_missing", param="billing_details[name]")
            return self.new_bank_method(str(bank.get("routing_number") or ""),
                                        str(bank.get("account_number") or ""),
                                        bank.get("account_holder_type"), bank.get("account_type"),
                                        billing, _metadata(p.get("metadata")), verified=False)
        if kind == "card":
            card = p.get("card") or {}
            number = fo.card_for_token(str(card.get("token") or "")) if card.get("token") \
                else str(card.get("number") or "").replace(" ", "")
            if card.get("token") and number is None:
                raise FakeError(400, f"No such token: '{card['token']}'", code="resource_missing",
                                param="card[token]")
            return self.new_card_method(number, _int(card.get("exp_month"), 12),
                                        _int(card.get("exp_year"), time.gmtime().tm_year + 3),
                                        billing, _metadata(p.get("metadata")))
        raise FakeError(400, f"The fake Stripe supports payment methods of type card and "
                        f"us_bank_account, not {kind!r}.", param="type")

    def new_bank_method(self, routing: str, account: str, holder_type: str | None,
                        account_type: str | None, billing: dict[str, Any],
                        metadata: dict[str, str] | None = None, *,
                        verified: bool) -> dict[str, Any]:
        if not fo.aba_valid(routing):
            raise FakeError(400, "Invalid routing number.", code="routing_number_invalid",
                            param="us_bank_account[routing_number]")
        if not (account.isdigit() and 4 <= len(account) <= 17):
            raise FakeError(400, "Invalid account number: it must be 4 to 17 digits.",
                            code="account_number_invalid",
                            param="us_bank_account[account_number]")
        pm = self.store(build("payment_method", id=new_id("pm"), type="us_bank_account",
                              created=now(), customer=None, billing_details=billing,
                              metadata=metadata or {}, allow_redisplay="unspecified",
                              us_bank_account=fo.bank_details(
                                  routing, account, holder_type, account_type)))
        pm.pop("card", None)  # Stripe includes only the hash of the method's own type
        self.private[pm["id"]] = {"account_number": account, "verified": verified,
                                  "attempts": 0, "disputes": 0}
        return pm

    def new_card_method(self, number: str, exp_month: int, exp_year: int,
                        billing: dict[str, Any], metadata: dict[str, str] | None = None
                        ) -> dict[str, Any]:
        if not fo.luhn_valid(number):
            raise FakeError(402, "Your card number is incorrect.", type="card_error",
                            code="incorrect_number", param="number")
        if not 1 <= exp_month <= 12:
            raise FakeError(402, "Your card's expiration month is invalid.", type="card_error",
                            code="invalid_expiry_month", param="exp_month")
        today = time.gmtime()
        if (exp_year, exp_month) < (today.tm_year, today.tm_mon) or exp_year > today.tm_year + 50:
            raise FakeError(402, "Your card's expiration year is invalid.", type="card_error",
                            code="invalid_expiry_year", param="exp_year")
        card = fo.card_info(number)
        pm = self.store(build("payment_method", id=new_id("pm"), type="card", created=now(),
                              customer=None, billing_details=billing, metadata=metadata or {},
                              allow_redisplay="unspecified",
                              card=fo.card_details(card, exp_month, exp_year)))
        self.private[pm["id"]] = {"card_number": number, "verified": True}
        return pm

    def payment_method(self, value: Any, param: str = "payment_method") -> dict[str, Any]:
        """An existing PaymentMethod, or a new one from a test token (pm_card_visa, ...)."""
        value = str(value or "")
        empty = {"address": None, "email": None, "name": None, "phone": None, "tax_id": None}
        number = fo.card_for_token(value)
        if number:
            return self.new_card_method(number, 12, time.gmtime().tm_year + 3, empty)
        if value in fo.BANK_TOKENS:
            return self.new_bank_method(fo.TEST_ROUTING_NUMBER, fo.BANK_TOKENS[value],
                                        "individual", "checking",
                                        dict(empty, name="Jenny Rosen"), verified=False)
        return self.get(value, "payment_method", param)

    def attach(self, pm: dict[str, Any], customer_id: str, ctx: Ctx,
               param: str = "customer") -> dict[str, Any]:
        self.get(customer_id, "customer", param)
        if pm.get("customer") not in (None, customer_id):
            raise FakeError(400, f"The payment method you provided has already been attached "
                            f"to a customer.", code="payment_method_unexpected_state")
        if pm["type"] == "card":
            card = fo.card_info(self.private[pm["id"]]["card_number"])
            if card.declines_setup:
                code, decline_code, message = card.decline or fo.DECLINED
                raise FakeError(402, message, type="card_error", code=code,
                                decline_code=decline_code)
        if pm.get("customer") is None:
            pm["customer"] = customer_id
            self.emit("payment_method.attached", pm, ctx)
        return pm

    def list_payment_methods(self, customer_id: str, p: dict[str, Any], url: str
                             ) -> dict[str, Any]:
        self.get(customer_id, "customer", "customer")
        found = [o for o in self.objects.values() if o.get("object") == "payment_method"
                 and o.get("customer") == customer_id
                 and (not p.get("type") or o["type"] == p["type"])]
        return self.page(found, p, url)

    # -- mandates --------------------------------------------------------------------------

    def new_mandate(self, pm: dict[str, Any], acceptance: dict[str, Any], ctx: Ctx,
                    status: str = "active") -> dict[str, Any]:
        kind = acceptance.get("type") or "online"
        # only the hash of the acceptance's own type, as Stripe returns it
        accepted: dict[str, Any] = {"accepted_at": _int(acceptance.get("accepted_at"), now()),
                                    "type": kind}
        if kind == "online":
            online = acceptance.get("online") or {}
            accepted["online"] = {"ip_address": online.get("ip_address") or ctx.ip,
                                  "user_agent": online.get("user_agent") or ctx.user_agent}
        else:
            accepted["offline"] = {}
        return self.store(build("mandate", id=new_id("mandate"), customer_acceptance=accepted,
                                multi_use={}, payment_method=pm["id"],
                                payment_method_details={"type": "us_bank_account",
                                                        "us_bank_account": {}},
                                status=status, type="multi_use"))

    def active_mandate(self, pm: dict[str, Any]) -> dict[str, Any] | None:
        return next((o for o in self.objects.values() if o.get("object") == "mandate"
                     and o["payment_method"] == pm["id"] and o["status"] == "active"), None)

    def set_mandate_status(self, mandate: dict[str, Any], status: str, ctx: Ctx | None) -> None:
        if mandate["status"] != status:
            previous = {"status": mandate["status"]}
            mandate["status"] = status
            self.emit("mandate.updated", mandate, ctx, previous)


def _metadata(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v != ""}


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _bool(value: Any) -> bool:
    return value is True or value == "true"
