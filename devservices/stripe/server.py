"""A local fake of Stripe's API (v1, form-encoded, test mode), so the official `stripe` SDK and
the Lendbook adapter run offline. State is in memory and lost on restart.

API (every request needs `Authorization: Bearer sk_test_...`; any such key works; params are
checked against spec3.json: unknown, missing or mistyped ones get Stripe's 400 error):

- customers: `POST /v1/customers`, `GET /v1/customers[?email=]`, `GET /v1/customers/{id}`,
  `GET /v1/customers/{id}/payment_methods?type=`
- payment methods: `POST /v1/payment_methods` (`type=us_bank_account` with
  `us_bank_account[routing_number|account_number|account_holder_type|account_type]` and
  `billing_details[name]`; `type=card` with `card[token]=tok_visa` or test card numbers);
  `GET /v1/payment_methods[/{id}]`, `POST /v1/payment_methods/{id}/attach`. Test tokens such
  as `pm_card_visa`, `pm_card_chargeDeclinedInsufficientFunds`, `pm_usBankAccount_success`
  work wherever a payment method id does.
- setup intents: create (`confirm`, `mandate_data`, `usage`...), retrieve, confirm,
  verify_microdeposits (see `setup_intents`); mandates: retrieve
- checkout sessions (`mode=setup`): create, retrieve; the hosted page `/checkout/{id}`
  (see `checkout`)
- payment intents: create (`confirm`, `off_session`, ...), retrieve, confirm; charges and
  disputes: retrieve (see `payments`)
- events: `GET /v1/events[/{id}]`; each is also POSTed to the webhook endpoints, signed
  (see `webhooks`)

`Idempotency-Key` works as at Stripe: a repeat with the same parameters replays the first
response (header `Idempotent-Replayed: true`), with other parameters or on another endpoint it
is refused (400 `idempotency_error`); requests refused by parameter validation are not saved;
keys are kept 24 hours.

Test hooks (JSON bodies, same auth), also wrapped by `control.FakeStripeControl`:
`POST /_fake/settle {payment_intent?, delay?}`, `POST /_fake/disputes {charge|payment_intent,
reason?, network_code?}`, `POST /_fake/webhooks/hold`, `POST /_fake/webhooks/release {order}`,
`POST /_fake/webhooks/deliver {event, mode?, times?}`, `POST /_fake/webhooks/config
{duplicate_all?, hold?}`, `GET /_fake/webhooks/deliveries[?event=]`, `GET /_fake/state`.

Run it: `python -m devservices --only stripe --port-stripe 3001` (its own process; `make run`
starts it on PORT+1), `start_fake_stripe()` (env-driven, in a thread) or
`run_in_thread(create_app(...))` (tests). The production app never imports or starts it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devservices.stripe.checkout import Checkout, checkout_page, microdeposits_page
from devservices.stripe.core import FakeError, StripeStore
from devservices.stripe.hooks import hook_endpoint
from devservices.stripe.wire import api_key_of, error_response, loose, request_ctx, respond
from devservices.stripe.objects import new_id
from devservices.stripe.payments import Payments
from devservices.stripe.setup_intents import SetupIntents
from devservices.stripe.webhooks import DEFAULT_RETRY_DELAYS, Endpoint, WebhookSender
from devservices.stripe.spec import ParamError, decode_form, get_spec, validate_params
from devservices.serving import RunningServer, free_port, run_in_thread
from integrations.stripe import defaults
from domain.kernel import settings

__all__ = ["FakeStripe", "create_app", "run_in_thread", "free_port", "RunningServer",
           "start_fake_stripe"]
log = logging.getLogger(__name__)
IDEMPOTENCY_TTL = 24 * 3600
FAKE_SETTLE_SECONDS = 5.0  # ACH payments settle this long after confirm (default)


@dataclass
class FakeStripe(StripeStore, SetupIntents, Payments, Checkout):
    """The fake's state and rules (see the mixins' modules)."""


def _get(name: str, param: str) -> Callable[..., Any]:
    return lambda s, p, a, c: s.get(a[param], name, param)


def _list_events(s: FakeStripe, p: dict[str, Any]) -> dict[str, Any]:
    wanted = list(p.get("types") or []) + ([p["type"]] if p.get("type") else [])

    def match(t: str) -> bool:
        return not wanted or any(t == w or (w.endswith("*") and t.startswith(w[:-1]))
                                 for w in wanted)
    found = [s.objects[i] for i in s.event_ids if match(s.objects[i]["type"])]
    return s.page(found, p, "/v1/events")


API: list[tuple[str, str, Callable[..., Any]]] = [
    ("POST", "/v1/customers", lambda s, p, a, c: s.create_customer(p, c)),
    ("GET", "/v1/customers", lambda s, p, a, c: s.list_customers(p)),
    ("GET", "/v1/customers/{customer}", _get("customer", "customer")),
    ("GET", "/v1/customers/{customer}/payment_methods", lambda s, p, a, c: s.list_payment_methods(
        a["customer"], p, f"/v1/customers/{a['customer']}/payment_methods")),
    ("POST", "/v1/payment_methods", lambda s, p, a, c: s.create_payment_method(p, c)),
    ("GET", "/v1/payment_methods", lambda s, p, a, c: s.list_payment_methods(
        p["customer"], p, "/v1/payment_methods") if p.get("customer")
        else s.page([], p, "/v1/payment_methods")),
    ("GET", "/v1/payment_methods/{payment_method}", _get("payment_method", "payment_method")),
    ("POST", "/v1/payment_methods/{payment_method}/attach", lambda s, p, a, c: s.attach(
        s.get(a["payment_method"], "payment_method", "payment_method"), p["customer"], c)),
    ("POST", "/v1/setup_intents", lambda s, p, a, c: s.create_setup_intent(p, c)),
    ("GET", "/v1/setup_intents/{intent}", _get("setup_intent", "intent")),
    ("POST", "/v1/setup_intents/{intent}/confirm",
     lambda s, p, a, c: s.confirm_setup_intent(a["intent"], p, c)),
    ("POST", "/v1/setup_intents/{intent}/verify_microdeposits",
     lambda s, p, a, c: s.verify_microdeposits(a["intent"], p, c)),
    ("GET", "/v1/mandates/{mandate}", _get("mandate", "mandate")),
    ("POST", "/v1/checkout/sessions", lambda s, p, a, c: s.create_checkout_session(p, c)),
    ("GET", "/v1/checkout/sessions/{session}",
     lambda s, p, a, c: s.checkout_session(a["session"])),
    ("POST", "/v1/payment_intents", lambda s, p, a, c: s.create_payment_intent(p, c)),
    ("GET", "/v1/payment_intents/{intent}", _get("payment_intent", "intent")),
    ("POST", "/v1/payment_intents/{intent}/confirm",
     lambda s, p, a, c: s.confirm_payment_intent(a["intent"], p, c)),
    ("GET", "/v1/charges/{charge}", _get("charge", "charge")),
    ("GET", "/v1/disputes/{dispute}", _get("dispute", "dispute")),
    ("GET", "/v1/events", lambda s, p, a, c: _list_events(s, p)),
    ("GET", "/v1/events/{id}", _get("event", "id")),
]


@dataclass
class Saved:
    endpoint: str
    params: dict[str, Any]
    status: int
    body: bytes
    request_id: str
    at: float


def _endpoint(method: str, path: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    async def handle(request: Request) -> Response:
        app = request.app.state
        request_id = new_id("req", 14)
        key, denied = api_key_of(request)
        if denied:
            return denied
        raw = (await request.body()).decode("utf-8", "replace") if method == "POST" \
            else request.url.query
        decoded = decode_form(raw)
        try:
            params = validate_params(app.spec, app.spec.request_schema(method, path), decoded)
        except ParamError as e:
            return respond(e.status, json.dumps(e.body, indent=2).encode(), request_id)
        if not app.spec.available:
            params = loose(decoded)
        idem = request.headers.get("idempotency-key") if method == "POST" else None
        endpoint = f"{method} {request.url.path}"
        if idem:
            if len(idem) > 255:
                return error_response(400, "Idempotency-Key must be at most 255 characters.",
                              request_id, param="Idempotency-Key")
            saved = app.idempotency.get((key, idem))
            if saved and saved.at < time.time() - IDEMPOTENCY_TTL:
                saved = None
            if saved and saved.endpoint != endpoint:
                return error_response(400, "Keys for idempotent requests can only be used for the same "
                              f"endpoint they were first used for ('{saved.endpoint}' vs "
                              f"'{endpoint}'). Try using a key other than '{idem}' if you "
                              "meant to execute a different request.", request_id,
                              type="idempotency_error")
            if saved and saved.params != decoded:
                return error_response(400, "Keys for idempotent requests can only be used with the same "
                              "parameters they were first used with. Try using a key other "
                              f"than '{idem}' if you meant to execute a different request.",
                              request_id, type="idempotency_error")
            if saved:
                return respond(saved.status, saved.body, request_id, Idempotency_Key=idem,
                                Idempotent_Replayed="true", Original_Request=saved.request_id)
        stripe: FakeStripe = app.stripe
        try:
            result = fn(stripe, params, request.path_params, request_ctx(request, request_id, idem))
            status, body = 200, stripe.expand(result, list(params.get("expand") or []))
        except FakeError as e:
            status, body = e.status, e.body
        except Exception:  # noqa: BLE001 - a bug in the fake: answer as Stripe would
            log.exception("fake Stripe: %s failed", endpoint)
            return error_response(500, "An unexpected error occurred in the local fake Stripe (see its "
                          "log).", request_id, type="api_error")
        payload = json.dumps(body, indent=2).encode()
        if idem:
            now = time.time()
            for k in [k for k, v in app.idempotency.items() if v.at < now - IDEMPOTENCY_TTL]:
                del app.idempotency[k]
            app.idempotency[(key, idem)] = Saved(endpoint, decoded, status, payload,
                                                 request_id, now)
        return respond(status, payload, request_id, Idempotency_Key=idem or "")
    return handle


async def index(request: Request) -> Response:
    app = request.app.state
    return JSONResponse({"service": "lendbook fake Stripe (test mode)", "spec": app.spec.source,
                         "objects": len(app.stripe.objects)})


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    return error_response(404 if status == 404 else status,
                  f"Unrecognized request URL ({request.method}: {request.url.path}). Please see "
                  "https://stripe.com/docs or we can help at https://support.stripe.com/. "
                  "(The local fake implements only part of the API.)")


def _schedule(delay: float, fn: Callable[[], Any]) -> None:
    def run() -> None:
        try:
            fn()
        except Exception:  # noqa: BLE001
            log.exception("fake Stripe: timer failed")
    asyncio.get_running_loop().call_later(max(0.0, delay), run)


def create_app(webhook_url: str | Sequence[str] | None = None,
               webhook_secret: str = defaults.FAKE_WEBHOOK_SECRET, *,
               endpoints: Sequence[Endpoint] | None = None,
               settle_after_seconds: float | None = None,
               retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
               business_name: str = "Lendbook",
               spec_dir: str | os.PathLike | None = None,
               public_url: str | None = None) -> Starlette:
    """The fake as a Starlette app. Webhooks go to `webhook_url` (one or several, all signed
    with `webhook_secret`) or to `endpoints` (each with its own secret). ACH payments settle
    `settle_after_seconds` after confirm, or only through the settle hook when None. Links it
    hands out (Checkout, microdeposit pages) start with `public_url` (default: the URL the
    request came to)."""
    urls = [webhook_url] if isinstance(webhook_url, str) else list(webhook_url or [])
    targets = list(endpoints or []) + [Endpoint(u, webhook_secret) for u in urls]
    sender = WebhookSender(targets, tuple(retry_delays))
    stripe = FakeStripe(settle_after_seconds=settle_after_seconds, business_name=business_name,
                        endpoints=len(targets), on_event=sender.submit, schedule=_schedule)
    routes: list[Route] = [Route("/", index)]
    by_path: dict[str, list[str]] = {}
    for method, path, fn in API:
        routes.append(Route(path, _endpoint(method, path, fn), methods=[method],
                            name=f"{method} {path}"))
        by_path.setdefault(path, []).append(method)
    routes += [Route("/checkout/{session_id}", checkout_page, methods=["GET", "POST"]),
               Route("/microdeposits/{intent}", microdeposits_page, methods=["GET", "POST"]),
               Route("/_fake/{hook:path}", hook_endpoint, methods=["GET", "POST"])]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _not_found})
    app.state.stripe = stripe
    app.state.webhooks = sender
    app.state.spec = get_spec(spec_dir)
    app.state.idempotency = {}
    app.state.public_url = public_url.rstrip("/") if public_url else None
    return app


# ---------------------------------------------------------------------------------------------
# start-up


def default_webhook_url(environ: Mapping[str, str] | None = None,
                        app_url: str | None = None) -> str:
    """Where events go: the app at `app_url`, else http://127.0.0.1:$LENDBOOK_PORT."""
    if not app_url:
        app_url = f"http://127.0.0.1:{settings.load(environ).port}"
    return f"{app_url.rstrip('/')}{defaults.WEBHOOK_PATH}"


def settle_seconds(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return FAKE_SETTLE_SECONDS
    return None if value.strip().lower() in ("none", "manual", "off") else float(value)


def start_fake_stripe(port: int | None = None, webhook_url: str | None = None,
                      webhook_secret: str | None = None,
                      settle_after_seconds: float | None | str = "env",
                      host: str = "127.0.0.1", public_url: str | None = None,
                      app_url: str | None = None) -> RunningServer:
    """Start the fake in a background thread, listening on `host`, settings from the
    environment: port LENDBOOK_STRIPE_FAKE_PORT (LENDBOOK_PORT + 1); webhooks to
    LENDBOOK_STRIPE_FAKE_WEBHOOK_URL (default `app_url` or http://127.0.0.1:$LENDBOOK_PORT,
    plus /api/v1/webhooks/stripe; "none" for none) signed with STRIPE_WEBHOOK_SECRET (default
    the local whsec); ACH settles after LENDBOOK_STRIPE_FAKE_SETTLE_SECONDS (default 5;
    "manual": only through the settle hook). Links start with `public_url` (default: the URL
    the request came to). Raises OSError if the port is taken."""
    c = settings.load()
    url = (webhook_url or c.stripe_fake_webhook_url or default_webhook_url(None, app_url))
    secret = webhook_secret or c.stripe_webhook_secret or defaults.FAKE_WEBHOOK_SECRET
    settle = settle_seconds(c.stripe_fake_settle_seconds) \
        if settle_after_seconds == "env" else settle_after_seconds
    app = create_app(None if url.lower() == "none" else url, secret,
                     settle_after_seconds=settle, public_url=public_url)  # type: ignore[arg-type]
    return run_in_thread(app, port or defaults.fake_port(c), host)


def describe(server: RunningServer) -> str:
    state = server.app.state
    settle = state.stripe.settle_after_seconds
    return (f"fake Stripe on {server.host}:{server.port}, links at "
            f"{state.public_url or server.url}; webhooks -> "
            f"{', '.join(e.url for e in state.webhooks.endpoints) or 'none'}; "
            f"ACH settles {f'after {settle} s' if settle is not None else 'by the hook only'}; "
            f"spec: {state.spec.source}")
