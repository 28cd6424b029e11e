"""Shared pieces of the Stripe tests: a webhook receiver, an SDK client for the fake, helpers."""
import json
import queue
import time

import httpx
import pytest
import stripe
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from integrations.stripe.defaults import WEBHOOK_PATH
from devservices.stripe.spec import get_fixtures, get_spec, spec_dir

SECRET = "whsec_test_secret_for_lendbook"
KEY = "sk_test_lendbook_tests"
ONLINE = {"customer_acceptance": {"type": "online", "online": {
    "ip_address": "203.0.113.7", "user_agent": "pytest"}}}


def require_spec():
    """The spec the fake validates with; skips (with the reason) when it is absent."""
    spec = get_spec()
    if not spec.available:
        pytest.skip(f"Stripe spec3.json not found in {spec_dir()}: the shared reference "
                    "folder is not beside this checkout (or LENDBOOK_STRIPE_SPEC_DIR is wrong)")
    return spec


def require_fixtures():
    fixtures = get_fixtures()
    if not fixtures:
        pytest.skip(f"Stripe fixtures3.json not found in {spec_dir()}")
    return fixtures


class Receiver:
    """The app's side of webhooks: records (raw body, headers); `fail_next` answers 500."""

    def __init__(self):
        self.messages: queue.Queue = queue.Queue()
        self.held: list = []  # deliveries a wait skipped over
        self.fail_next = 0

        async def webhook(request):
            raw = await request.body()
            if self.fail_next:
                self.fail_next -= 1
                self.messages.put(("failed", raw, dict(request.headers)))
                return Response(status_code=500)
            self.messages.put(("ok", raw, dict(request.headers)))
            return Response(status_code=200)

        self.app = Starlette(routes=[Route(WEBHOOK_PATH, webhook, methods=["POST"])])

    def drain(self):
        self.held.clear()
        while not self.messages.empty():
            self.messages.get_nowait()

    def wait_for(self, predicate, timeout=30.0, include_failed=False):
        """The (raw, headers) of the first accepted delivery whose event matches. Deliveries
        that do not match are kept for the next wait (they may arrive in any order)."""
        for k, (outcome, raw, headers) in enumerate(self.held):
            if (outcome == "ok" or include_failed) and predicate(json.loads(raw)):
                del self.held[k]
                return raw, headers
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no matching webhook arrived")
            try:
                outcome, raw, headers = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if (outcome == "ok" or include_failed) and predicate(json.loads(raw)):
                return raw, headers
            self.held.append((outcome, raw, headers))

    def collect(self, seconds=0.5, until=None):
        """Every accepted delivery within `seconds` (events as dicts, in arrival order), or
        until `until(events)` holds."""
        out, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until([e for e, _, _ in out])):
            try:
                outcome, raw, headers = self.messages.get(timeout=0.05)
            except queue.Empty:
                continue
            if outcome == "ok":
                out.append((json.loads(raw), raw, headers))
        return out


def sdk(url: str, key: str = KEY) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0,
                               http_client=stripe.HTTPXClient(allow_sync_methods=True))


def hook(url: str, name: str, body=None, method="POST"):
    response = httpx.request(method, f"{url}/_fake/{name}", json=body, trust_env=False,
                             headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    assert response.status_code < 400, response.text
    return response.json()


def raw(url: str, method: str, path: str, **kw) -> httpx.Response:
    return httpx.request(method, f"{url}{path}", trust_env=False, timeout=30,
                         headers={"Authorization": f"Bearer {KEY}", **kw.pop("headers", {})},
                         **kw)


def saved_bank_account(client: stripe.StripeClient, customer: str, account: str):
    """A bank account saved server-side as in Stripe test mode: PaymentMethod, SetupIntent
    confirmed with the mandate, microdeposits verified (descriptor code SM11AA)."""
    pm = client.v1.payment_methods.create(params={
        "type": "us_bank_account", "billing_details": {"name": "Ann Lee"},
        "us_bank_account": {"routing_number": "110000000", "account_number": account,
                            "account_holder_type": "individual", "account_type": "checking"}})
    si = client.v1.setup_intents.create(params={
        "customer": customer, "payment_method_types": ["us_bank_account"],
        "payment_method": pm.id, "confirm": True, "usage": "off_session",
        "mandate_data": ONLINE})
    assert si.status == "requires_action"
    assert si.next_action.type == "verify_with_microdeposits"
    si = client.v1.setup_intents.verify_microdeposits(si.id, params={"descriptor_code": "SM11AA"})
    assert si.status == "succeeded"
    return pm.id, si


def ach_payment(client, customer, pm_id, amount=12500, key=None, **extra):
    params = {"amount": amount, "currency": "usd", "customer": customer, "payment_method": pm_id,
              "payment_method_types": ["us_bank_account"], "off_session": True, "confirm": True,
              "metadata": {"loan": "LN-000042", "installment": "3"},
              "description": "Installment 3 of LN-000042", **extra}
    return client.v1.payment_intents.create(params=params,
                                            options={"idempotency_key": key} if key else {})
