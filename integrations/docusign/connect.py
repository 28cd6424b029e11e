"""DocuSign Connect webhooks: HMAC verification and a tolerant reader of the JSON (v2) message.

DocuSign signs each message with every active HMAC key of the Connect configuration and sends
`X-DocuSign-Signature-1`, `-2`, ... = base64(HMAC-SHA256(key, raw body)). Verify the raw bytes
as received (before any JSON parsing), and accept the message when any header matches any of
our keys (keys rotate: keep the old one listed until DocuSign stops using it).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

SIGNATURE_HEADER = re.compile(r"^x-docusign-signature-\d+$", re.IGNORECASE)


def sign(raw_body: bytes, key: str) -> str:
    """base64(HMAC-SHA256(key, raw body)), as DocuSign computes it."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), raw_body, hashlib.sha256).digest()
                            ).decode("ascii")


def _header_items(headers: Mapping[str, str] | Iterable[tuple[str, str]]):
    if isinstance(headers, Mapping):
        multi = getattr(headers, "multi_items", None)  # starlette Headers keeps repeats here
        return multi() if callable(multi) else headers.items()
    return headers


def verify_connect(raw_body: bytes, headers: Mapping[str, str], keys: list[str]) -> bool:
    """True when one X-DocuSign-Signature-N header (any case) equals the HMAC of `raw_body`
    under one of `keys`. Every comparison runs in constant time; no keys means False."""
    expected = [sign(raw_body, k).encode("ascii") for k in keys if k]
    if not expected:
        return False
    received = [str(v).strip().encode("utf-8", "replace")
                for k, v in _header_items(headers) if SIGNATURE_HEADER.match(str(k))]
    ok = False
    for value in received:
        for candidate in expected:
            ok |= hmac.compare_digest(value, candidate)
    return ok


@dataclass(frozen=True)
class ConnectEvent:
    event: str                       # e.g. "envelope-completed" ("" if absent)
    envelope_id: str | None
    status: str | None               # the envelope's status, e.g. "completed"
    generated_at: datetime | None    # timezone-aware UTC, None when absent or unreadable
    account_id: str | None = None
    retry_count: int = 0


class ConnectPayloadError(ValueError):
    pass


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _when(value: Any) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        # DocuSign writes seven fractional digits ("...46.5530000Z"); keep microseconds
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None \
        else moment.astimezone(timezone.utc)


def parse_connect(raw_body: bytes | str) -> ConnectEvent:
    """Read a Connect JSON (SIM, v2.x) message. Tolerant: missing or empty fields become None
    ("" for the event), the envelope id is taken from data.envelopeId, then
    data.envelopeSummary.envelopeId, then the top level; the status from
    data.envelopeSummary.status, else from an `envelope-<status>` event name.
    Raises ConnectPayloadError when the body is not a JSON object (e.g. legacy XML)."""
    try:
        payload = json.loads(raw_body)
    except (ValueError, TypeError) as e:
        raise ConnectPayloadError(f"Connect message is not JSON: {e}") from e
    if not isinstance(payload, dict):
        raise ConnectPayloadError("Connect message is not a JSON object")
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    summary = data.get("envelopeSummary") if isinstance(data.get("envelopeSummary"), dict) else {}
    event = _text(payload.get("event")) or ""
    status = _text(summary.get("status")) or _text(payload.get("status"))
    if status is None and event.startswith("envelope-"):
        status = event.removeprefix("envelope-")
    try:
        retry = int(payload.get("retryCount") or 0)
    except (TypeError, ValueError):
        retry = 0
    return ConnectEvent(
        event=event,
        envelope_id=(_text(data.get("envelopeId")) or _text(summary.get("envelopeId"))
                     or _text(payload.get("envelopeId"))),
        status=status,
        generated_at=_when(payload.get("generatedDateTime")),
        account_id=_text(data.get("accountId")) or _text(payload.get("accountId")),
        retry_count=retry,
    )
