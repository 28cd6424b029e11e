"""Defaults of the Stripe adapter, which the local fake (`devservices.stripe`) shares (no
secrets: local use only)."""
from domain.kernel import settings

FAKE_PORT_OFFSET = 1  # the local fake listens on the app's port + 1 (`make run`)
# A test-mode-looking key and a webhook secret for the local fake only: the adapter uses them
# while STRIPE_API_BASE points at the fake (the default), never for api.stripe.com.
FAKE_API_KEY = "sk_test_lendbook_local"
FAKE_WEBHOOK_SECRET = "whsec_lendbook_local"
REAL_API_BASE = "https://api.stripe.com"
WEBHOOK_PATH = "/api/v1/webhooks/stripe"


def fake_port(config: settings.Settings | None = None) -> int:
    """LENDBOOK_STRIPE_FAKE_PORT, else LENDBOOK_PORT (3000) + 1."""
    c = config or settings.load()
    return c.stripe_fake_port or c.port + FAKE_PORT_OFFSET


def fake_url(config: settings.Settings | None = None) -> str:
    return f"http://127.0.0.1:{fake_port(config)}"
