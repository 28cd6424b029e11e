"""HTTP helpers shared by the fake Stripe's API and test hooks: Stripe's error shape and
headers, API key checks, the request context."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from devservices.stripe.core import API_VERSION, Ctx
from devservices.stripe.objects import new_id


def error_response(status: int, message: str, request_id: str | None = None, **fields: Any) -> Response:
    body = {"error": {"type": fields.pop("type", "invalid_request_error"), "message": message,
                      **fields}}
    return respond(status, json.dumps(body, indent=2).encode(), request_id or new_id("req", 14))


def respond(status: int, body: bytes, request_id: str, **headers: str) -> Response:
    headers = {"Request-Id": request_id, "Stripe-Version": API_VERSION or "", **headers}
    return Response(body, status_code=status, media_type="application/json",
                    headers={k.replace("_", "-"): v for k, v in headers.items() if v})


def api_key_of(request: Request) -> tuple[str | None, Response | None]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    key = value.strip() if scheme.lower() == "bearer" else None
    if scheme.lower() == "basic":
        try:
            key = base64.b64decode(value).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            key = None
    if not key:
        return None, error_response(401, "You did not provide an API key. You need to provide your API "
                            "key in the Authorization header, using Bearer auth (e.g. "
                            "'Authorization: Bearer YOUR_SECRET_KEY').")
    if key.startswith("pk_"):
        return None, error_response(401, "This API call cannot be made with a publishable API key. "
                            "Please use a secret API key.")
    if not key.startswith(("sk_test_", "rk_test_")):
        masked = f"{key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}"
        return None, error_response(401, f"Invalid API Key provided: {masked} (the local fake Stripe "
                            "accepts test-mode secret keys, sk_test_...)")
    return key, None


def loose(value: Any) -> Any:
    """Without the spec: index maps become lists, true/false become booleans."""
    if isinstance(value, dict):
        if value and all(k.isdigit() for k in value):
            return [loose(value[k]) for k in sorted(value, key=int)]
        return {k: loose(v) for k, v in value.items()}
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def public_base(request: Request) -> str:
    """The start of links the fake hands out: its public URL when set, else the request's."""
    return getattr(request.app.state, "public_url", None) or str(request.base_url).rstrip("/")


def request_ctx(request: Request, request_id: str, idempotency_key: str | None) -> Ctx:
    return Ctx(request_id=request_id, idempotency_key=idempotency_key,
               ip=request.client.host if request.client else "127.0.0.1",
               user_agent=request.headers.get("user-agent", ""),
               base_url=public_base(request))
