"""The fake Stripe's test hooks, `/_fake/{hook}` (JSON in and out, a test key required):

- `POST settle {payment_intent?, delay?}`: processing ACH payments settle now (or after delay)
- `POST disputes {charge | payment_intent, reason?, network_code?}`: an ACH return / dispute
- `POST webhooks/hold`, `POST webhooks/release {order: "created" | "reverse" | [event ids]}`
- `POST webhooks/deliver {event, mode?: normal | bad_signature | stale | unsigned, times?}`
- `POST webhooks/config {duplicate_all?, hold?}`, `GET webhooks/deliveries[?event=]`
- `GET state`: object counts and settings
"""
from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from devservices.stripe.core import FakeError
from devservices.stripe.wire import api_key_of, error_response, request_ctx
from devservices.stripe.objects import new_id
from devservices.stripe.webhooks import WebhookSender


async def hook_endpoint(request: Request) -> Response:
    _, denied = api_key_of(request)
    if denied:
        return denied
    app = request.app.state
    stripe = app.stripe
    sender: WebhookSender = app.webhooks
    name = request.path_params["hook"]
    try:
        body = json.loads(await request.body() or b"{}") if request.method == "POST" else {}
    except json.JSONDecodeError:
        return error_response(400, "Test hooks take a JSON body.")
    try:
        if name == "settle":
            return JSONResponse({"payment_intents": stripe.settle(body.get("payment_intent"),
                                                                  body.get("delay")),
                                 "delay": body.get("delay")})
        if name == "disputes":
            charge = body.get("charge")
            if not charge and body.get("payment_intent"):
                charge = stripe.get(body["payment_intent"], "payment_intent",
                                    "payment_intent")["latest_charge"]
            return JSONResponse(stripe.create_dispute(
                charge, body.get("reason"), body.get("network_code", "R10"),
                request_ctx(request, new_id("req", 14), None)))
        if name == "webhooks/hold":
            sender.hold = True
            return JSONResponse({"holding": True, "held": [e["id"] for e in sender.held]})
        if name == "webhooks/release":
            return JSONResponse({"released": await sender.release(body.get("order", "created"))})
        if name == "webhooks/deliver":
            event = stripe.get(body.get("event"), "event", "event")
            done = await sender.deliver(event, body.get("mode", "normal"),
                                        int(body.get("times", 1)))
            return JSONResponse({"deliveries": [d.as_json() for d in done]})
        if name == "webhooks/config":
            for option in ("duplicate_all", "hold"):
                if option in body:
                    setattr(sender, option, bool(body[option]))
            return JSONResponse({"duplicate_all": sender.duplicate_all, "hold": sender.hold,
                                 "endpoints": [e.url for e in sender.endpoints]})
        if name == "webhooks/deliveries":
            wanted = request.query_params.get("event")
            return JSONResponse({"deliveries": [d.as_json() for d in sender.deliveries
                                                if not wanted or d.event_id == wanted]})
        if name == "state":
            counts: dict[str, int] = {}
            for obj in stripe.objects.values():
                counts[obj["object"]] = counts.get(obj["object"], 0) + 1
            return JSONResponse({"objects": counts, "spec": app.spec.source,
                                 "settle_after_seconds": stripe.settle_after_seconds,
                                 "webhook_endpoints": [e.url for e in sender.endpoints],
                                 "held": [e["id"] for e in sender.held]})
    except FakeError as e:
        return JSONResponse(e.body, status_code=e.status)
    except ValueError as e:
        return error_response(400, str(e))
    return error_response(404, f"No test hook '{name}'.")
