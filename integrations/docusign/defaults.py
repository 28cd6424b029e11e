"""Defaults of the DocuSign adapter, which the local fake (`devservices.docusign`) shares (no
secrets: local use only)."""
from domain.kernel import settings

FAKE_PORT_OFFSET = 2  # the local fake listens on the app's port + 2 (`make run`)
FAKE_ACCOUNT_ID = "5c1d2e3f-0a4b-4c6d-8e9f-7a6b5c4d3e2f"
FAKE_USER_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
FAKE_INTEGRATION_KEY = "lendbook-local-integration-key"
# Connect HMAC key the fake signs with by default; the adapter accepts it only while it talks to
# a loopback (local fake) DocuSign, never when configured for a real DocuSign host.
FAKE_CONNECT_HMAC_KEY = "lendbook-local-connect-hmac-key"
CONNECT_WEBHOOK_PATH = "/api/v1/webhooks/docusign"


def fake_port(config: settings.Settings | None = None) -> int:
    """LENDBOOK_DOCUSIGN_FAKE_PORT, else LENDBOOK_PORT (3000) + 2."""
    c = config or settings.load()
    return c.docusign_fake_port or c.port + FAKE_PORT_OFFSET


def fake_url(config: settings.Settings | None = None) -> str:
    return f"http://127.0.0.1:{fake_port(config)}"
