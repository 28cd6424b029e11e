"""Provider webhooks. DocuSign Connect: the raw body's HMAC is verified before anything is
read; a bad or missing signature is refused (401) and changes nothing; a repeated event is
answered 200 and changes nothing. Stripe: `Stripe-Signature` verified over the raw body (300 s
tolerance) by the official SDK; a bad one is refused (400, as Stripe expects) and changes
nothing; each event is processed once by its id, in any order (collection_runs.apply_event)."""
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.payments import collection_runs
from domain.origination import esign
from composition import ports
from integrations.docusign.client import DocuSignConfig
from integrations.docusign.connect import ConnectPayloadError, parse_connect, verify_connect
from integrations.docusign.defaults import CONNECT_WEBHOOK_PATH
from integrations.stripe.client import WebhookVerificationError
from integrations.stripe.defaults import WEBHOOK_PATH as STRIPE_WEBHOOK_PATH


async def docusign_connect(request: Request) -> JSONResponse:
    raw = await request.body()
    keys = list(DocuSignConfig.from_settings(ports().settings).connect_hmac_keys)
    if not keys or not verify_connect(raw, request.headers, keys):
        return JSONResponse({"errors": [{"field": "X-DocuSign-Signature-1",
                                         "reason": "signature does not verify"}]},
                            status_code=401)
    try:
        event = parse_connect(raw)
    except ConnectPayloadError as e:
        return JSONResponse({"errors": [{"field": "(body)", "reason": str(e)}]},
                            status_code=400)
    changed = False
    if event.status == "completed" or event.event == "envelope-completed":
        changed = await run_in_threadpool(esign.envelope_completed, event.envelope_id,
                                          ports().esign)
    return JSONResponse({"received": True, "changed": changed})


async def stripe_webhook(request: Request) -> JSONResponse:
    raw = await request.body()
    try:
        gateway = ports().stripe
        event = gateway.verify_webhook(raw, request.headers.get("stripe-signature"))
    except WebhookVerificationError as e:
        return JSONResponse({"errors": [{"field": "Stripe-Signature", "reason": str(e)}]},
                            status_code=400)
    code = event.network_code or event.failure_code or ""
    outcome = await run_in_threadpool(
        collection_runs.apply_event, event.event_id, event.type,
        int(event.created.timestamp()), event.payment_intent_id or "", code, "",
        json.loads(raw), event.metadata.get("lendbook_attempt", ""))
    return JSONResponse({"received": True, "outcome": outcome})


ROUTES = [Route(CONNECT_WEBHOOK_PATH, docusign_connect, methods=["POST"]),
          Route(STRIPE_WEBHOOK_PATH, stripe_webhook, methods=["POST"])]
