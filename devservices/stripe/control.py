"""Drive the fake Stripe's test hooks from tests (or a browser test) over HTTP.

    control = FakeStripeControl("http://127.0.0.1:3001")  # default: LENDBOOK_PORT + 1
    control.settle()                       # every processing ACH payment settles now
    control.hold_webhooks(); ...; control.release_webhooks("reverse")
    control.deliver(event_id, mode="bad_signature")
"""
from __future__ import annotations

from typing import Any

import httpx

from integrations.stripe import defaults


class FakeStripeControl:
    def __init__(self, base_url: str | None = None, api_key: str = defaults.FAKE_API_KEY,
                 timeout: float = 30.0):
        self.base_url = (base_url or defaults.fake_url()).rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, trust_env=False,
                                  headers={"Authorization": f"Bearer {api_key}"})

    def _call(self, method: str, hook: str, body: dict[str, Any] | None = None,
              params: dict[str, str] | None = None) -> Any:
        response = self._http.request(method, f"/_fake/{hook}", json=body, params=params)
        if response.status_code >= 400:
            raise RuntimeError(f"fake Stripe hook {hook}: {response.status_code} "
                               f"{response.text}")
        return response.json()

    def settle(self, payment_intent: str | None = None, delay: float | None = None) -> list[str]:
        body: dict[str, Any] = {"payment_intent": payment_intent}
        if delay is not None:
            body["delay"] = delay
        return self._call("POST", "settle", body)["payment_intents"]

    def dispute(self, payment_intent: str | None = None, charge: str | None = None,
                reason: str | None = None, network_code: str = "R10") -> dict[str, Any]:
        return self._call("POST", "disputes", {"payment_intent": payment_intent,
                                               "charge": charge, "reason": reason,
                                               "network_code": network_code})

    def hold_webhooks(self) -> None:
        self._call("POST", "webhooks/hold", {})

    def release_webhooks(self, order: str | list[str] = "created") -> list[str]:
        return self._call("POST", "webhooks/release", {"order": order})["released"]

    def deliver(self, event_id: str, mode: str = "normal", times: int = 1) -> list[dict]:
        return self._call("POST", "webhooks/deliver", {"event": event_id, "mode": mode,
                                                       "times": times})["deliveries"]

    def configure_webhooks(self, **options: bool) -> dict[str, Any]:
        return self._call("POST", "webhooks/config", options)

    def deliveries(self, event_id: str | None = None) -> list[dict[str, Any]]:
        params = {"event": event_id} if event_id else None
        return self._call("GET", "webhooks/deliveries", params=params)["deliveries"]

    def state(self) -> dict[str, Any]:
        return self._call("GET", "state")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "FakeStripeControl":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
