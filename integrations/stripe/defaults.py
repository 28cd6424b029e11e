"""Defaults shared by the Stripe adapter and the local fake Stripe (no secrets: local use only)."""
import os

FAKE_PORT = 12111
# A test-mode-looking key and a webhook secret for the local fake only: the adapter uses them
# while STRIPE_API_BASE points at the fake (the default), never for api.stripe.com.
FAKE_API_KEY = "sk_test_lendbook_local"
FAKE_WEBHOOK_SECRET = "whsec_lendbook_local"
REAL_API_BASE = "https://api.stripe.com"
WEBHOOK_PATH = "/api/v1/webhooks/stripe"
FAKE_SETTLE_SECONDS = 5.0


def fake_port(environ=None) -> int:
    env = os.environ if environ is None else environ
    return int(env.get("LENDBOOK_STRIPE_FAKE_PORT") or FAKE_PORT)


def fake_url(environ=None) -> str:
    return f"http://127.0.0.1:{fake_port(environ)}"
