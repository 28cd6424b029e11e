"""Provider webhooks. DocuSign Connect: the raw body's HMAC is verified before anything is
read; a bad or missing signature is refused (401) and changes nothing; a repeated event is
answered 200 and changes nothing."""
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.services import esign
from integrations.docusign.client import DocuSignConfig, ESignClient
from integrations.docusign.connect import ConnectPayloadError, parse_connect, verify_connect
from integrations.docusign.defaults import CONNECT_WEBHOOK_PATH


async def docusign_connect(request: Request) -> JSONResponse:
    raw = await request.body()
    keys = list(DocuSignConfig.from_env().connect_hmac_keys)
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
                                          ESignClient.from_env())
    return JSONResponse({"received": True, "changed": changed})


ROUTES = [Route(CONNECT_WEBHOOK_PATH, docusign_connect, methods=["POST"])]
