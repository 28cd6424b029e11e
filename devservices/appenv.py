"""The app's settings for the fakes of `python -m devservices`: base URLs on the fakes' host
and ports, and the test-mode development values both sides share. On a host name that is not
loopback (a phone on the network must reach it) the adapters in `integrations/` apply none of
their local defaults, so the key, webhook secret, access token and Connect key are given
explicitly; the fakes read the same variables. Development values only: not secrets.

`make run` exports these (`python -m devservices --print-app-env`); browser tests pass them to
the app they serve."""
from __future__ import annotations

from devservices.hosts import url_host

DEV_VALUES = {
    "STRIPE_API_KEY": "sk_test_lendbook_dev",
    "STRIPE_WEBHOOK_SECRET": "whsec_lendbook_dev",
    "LENDBOOK_DOCUSIGN_ACCESS_TOKEN": "lendbook-dev-access-token",
    "LENDBOOK_DOCUSIGN_CONNECT_HMAC_KEY": "lendbook-dev-connect-key",
}


def app_env(host: str, port_stripe: int, port_docusign: int) -> dict[str, str]:
    """Environment for the app (and the fakes) when the fakes run on `host`."""
    h = url_host(host)
    return {
        "STRIPE_API_BASE": f"http://{h}:{port_stripe}",
        "LENDBOOK_DOCUSIGN_BASE_PATH": f"http://{h}:{port_docusign}/restapi",
        "LENDBOOK_DOCUSIGN_OAUTH_HOST": f"http://{h}:{port_docusign}",
        **DEV_VALUES,
    }


def shell_exports(env: dict[str, str]) -> str:
    import shlex
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in env.items())
