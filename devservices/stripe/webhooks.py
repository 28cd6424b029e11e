"""Webhook delivery for the fake Stripe, signed as Stripe signs them.

Each event is POSTed as JSON to every endpoint with `Stripe-Signature: t=<unix>,v1=<hex>`,
v1 = HMAC-SHA256(endpoint secret, f"{t}.{raw body}"). A non-2xx answer or a network error is
retried after each delay in `retry_delays` (Stripe retries for days; the fake for seconds).
Events go out one at a time per endpoint, in the order they happened, unless a test says
otherwise:

- `hold = True`: events are kept back; `release(order)` sends them ("created", "reverse" or a
  list of event ids first) and stops holding.
- `duplicate_all = True`: every event is sent twice.
- `deliver(event, mode)`: send one event again now: "normal" (a duplicate), "bad_signature"
  (signed with another secret), "stale" (signed 10 minutes ago, outside the 300 s tolerance)
  or "unsigned" (no header).

Every attempt is recorded in `deliveries`.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)  # ~19 min
MODES = ("normal", "bad_signature", "stale", "unsigned")
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str


@dataclass
class Delivery:
    event_id: str
    event_type: str
    url: str
    attempt: int
    mode: str
    signature: str | None
    status_code: int | None = None
    error: str | None = None
    at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def as_json(self) -> dict[str, Any]:
        return {"event": self.event_id, "type": self.event_type, "url": self.url,
                "attempt": self.attempt, "mode": self.mode, "signature": self.signature,
                "status_code": self.status_code, "error": self.error, "ok": self.ok,
                "at": self.at}


class WebhookSender:
    def __init__(self, endpoints: list[Endpoint], retry_delays: tuple[float, ...] =
                 DEFAULT_RETRY_DELAYS, timeout: float = 10.0):
        self.endpoints = list(endpoints)
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self.hold = False
        self.duplicate_all = False
        self.held: list[dict[str, Any]] = []
        self.deliveries: deque[Delivery] = deque(maxlen=2000)
        self._queues: dict[Endpoint, deque] = {}
        self._draining: set[Endpoint] = set()
        self._tasks: set[asyncio.Task] = set()

    # -- called on the server's loop -------------------------------------------------------

    def submit(self, event: dict[str, Any]) -> None:
        if not self.endpoints:
            return
        if self.hold:
            self.held.append(event)
            return
        for endpoint in self.endpoints:
            self._enqueue(endpoint, event, 1)
            if self.duplicate_all:
                self._enqueue(endpoint, event, 1)

    async def release(self, order: str | list[str] = "created") -> list[str]:
        events, self.held, self.hold = self.held, [], False
        if order == "reverse":
            events.reverse()
        elif isinstance(order, list):
            first = [e for i in order for e in events if e["id"] == i]
            events = first + [e for e in events if e not in first]
        async with self._http() as client:
            for event in events:
                for endpoint in self.endpoints:
                    delivery = await self._post(client, endpoint, event, 1, "normal")
                    if not delivery.ok:
                        self._retry_later(endpoint, event, 1)
        return [e["id"] for e in events]

    async def deliver(self, event: dict[str, Any], mode: str = "normal",
                      times: int = 1) -> list[Delivery]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        async with self._http() as client:
            return [await self._post(client, endpoint, event, 1, mode)
                    for _ in range(times) for endpoint in self.endpoints]

    # -- internals -------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, trust_env=False)

    def _enqueue(self, endpoint: Endpoint, event: dict[str, Any], attempt: int) -> None:
        self._queues.setdefault(endpoint, deque()).append((event, attempt))
        if endpoint not in self._draining:  # one sender per endpoint keeps the order
            self._draining.add(endpoint)
            task = asyncio.get_running_loop().create_task(self._drain(endpoint))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _drain(self, endpoint: Endpoint) -> None:
        queue = self._queues[endpoint]
        try:
            async with self._http() as client:
                while queue:
                    event, attempt = queue.popleft()
                    try:
                        delivery = await self._post(client, endpoint, event, attempt, "normal")
                        if not delivery.ok:
                            self._retry_later(endpoint, event, attempt)
                    except Exception:  # noqa: BLE001 - keep delivering the others
                        log.exception("fake Stripe: webhook delivery error")
        finally:
            self._draining.discard(endpoint)

    def _retry_later(self, endpoint: Endpoint, event: dict[str, Any], attempt: int) -> None:
        if attempt > len(self.retry_delays):
            log.warning("fake Stripe: giving up on %s to %s after %d attempts", event["id"],
                        endpoint.url, attempt)
            return
        delay = self.retry_delays[attempt - 1]
        asyncio.get_running_loop().call_later(delay, self._enqueue, endpoint, event, attempt + 1)

    async def _post(self, client: httpx.AsyncClient, endpoint: Endpoint, event: dict[str, Any],
                    attempt: int, mode: str) -> Delivery:
        payload = json.dumps(event, indent=2).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
        signature = None
        if mode != "unsigned":
            secret = endpoint.secret if mode != "bad_signature" else "whsec_not_the_secret"
            signature = signature_header(payload, secret,
                                         int(time.time()) - (600 if mode == "stale" else 0))
            headers["Stripe-Signature"] = signature
        delivery = Delivery(event["id"], event["type"], endpoint.url, attempt, mode, signature)
        try:
            response = await client.post(endpoint.url, content=payload, headers=headers)
            delivery.status_code = response.status_code
        except httpx.HTTPError as e:
            delivery.error = repr(e)
        self.deliveries.append(delivery)
        if delivery.ok and mode == "normal":
            event["pending_webhooks"] = max(0, int(event.get("pending_webhooks") or 0) - 1)
        elif not delivery.ok and mode == "normal":
            log.info("fake Stripe: webhook %s %s to %s failed (attempt %d): %s", event["type"],
                     event["id"], endpoint.url, attempt, delivery.status_code or delivery.error)
        return delivery
