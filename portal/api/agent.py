"""The field agents' capture API, used by the offline page `/agent/` when it syncs.

Authenticated by the portal's own session cookie (`lb_session`), for a role holding
`agent.capture` only: no cookie or an expired one is 401, anyone else 403. The cookie is
SameSite=Strict, and the POST also needs a JSON body, an `Idempotency-Key` header and (when
the browser sends one) a same-origin `Origin`, so another site cannot make an agent's browser
submit anything.

`POST /api/v1/agent/applications` takes the published `ApplicationRequest`; the key is the
device's id for that capture, scoped to the agent, so a replayed sync stores nothing twice.
`POST /api/v1/agent/applications/{id}/documents?kind=id&filename=x.pdf` takes one document's
raw bytes (Content-Type the file's), keyed by the device's id for that document the same way;
the type is sniffed from the bytes here whatever the device said (domain/documents/files.py).
"""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.documents.files import MAX_BYTES
from domain.kernel.document_kinds import UPLOAD_KINDS
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.kernel.money import from_minor
from domain.access import accounts
from domain.documents import store as document_store
from domain.configuration import products
from domain.origination import submissions
from domain.kernel.actor import Actor
from portal.api.intake import _errors, submit_from
from ui.state import SESSION_COOKIE

NEEDS = "agent.capture"
NO_STORE = {"Cache-Control": "no-store"}


async def _agent(request: Request) -> Actor | JSONResponse:
    """The signed-in field agent, or the refusal to send."""
    actor = await run_in_threadpool(accounts.resolve, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        return _errors(401, {"session": "please sign in (your session is missing or expired)"})
    if not actor.can(NEEDS):
        return _errors(403, {"session": "only field agents may use the capture API"})
    return actor


async def me(request: Request) -> JSONResponse:
    actor = await _agent(request)
    if isinstance(actor, JSONResponse):
        return actor
    name = await run_in_threadpool(accounts.display_name, actor.user_id)
    return JSONResponse({"user_id": actor.user_id, "email": actor.label, "name": name,
                         "role": actor.role}, headers=NO_STORE)


async def product_list(request: Request) -> JSONResponse:
    """What the capture form offers; the page caches it for use offline."""
    actor = await _agent(request)
    if isinstance(actor, JSONResponse):
        return actor
    found = await run_in_threadpool(products.list_products)
    return JSONResponse({"products": [
        {"code": p.code, "name": p.name, "annual_rate": str(p.terms.annual_rate),
         "min_amount": str(from_minor(p.terms.min_amount_minor)),
         "max_amount": str(from_minor(p.terms.max_amount_minor)),
         "min_term": p.terms.min_term, "max_term": p.terms.max_term,
         "frequency": p.terms.frequency} for p in found]}, headers=NO_STORE)


async def list_applications(request: Request) -> JSONResponse:
    actor = await _agent(request)
    if isinstance(actor, JSONResponse):
        return actor
    found = await run_in_threadpool(submissions.submitted_by, actor)
    return JSONResponse({"applications": found}, headers=NO_STORE)


def _same_origin(request: Request) -> bool:
    """Defence in depth (a cross-site JSON POST is already stopped by the CORS preflight this
    app never grants); behind a reverse proxy the site's own host is in X-Forwarded-Host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site request (those always carry Origin)
    hosts = {request.headers.get("host", "")}
    hosts.update(h.strip() for h in request.headers.get("x-forwarded-host", "").split(","))
    return origin.split("://", 1)[-1] in hosts - {""}


async def create_application(request: Request) -> JSONResponse:
    actor = await _agent(request)
    if isinstance(actor, JSONResponse):
        return actor
    if not _same_origin(request):
        return _errors(403, {"Origin": "must be this site"})
    if not request.headers.get("content-type", "").startswith("application/json"):
        return _errors(415, {"Content-Type": "must be application/json"})
    return await submit_from(request, "agent", actor, f"agent:{actor.user_id}",
                             headers=NO_STORE)


async def _body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is longer than `limit` (read no further)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def upload_document(request: Request) -> JSONResponse:
    actor = await _agent(request)
    if isinstance(actor, JSONResponse):
        return actor
    if not _same_origin(request):
        return _errors(403, {"Origin": "must be this site"})
    key = request.headers.get("idempotency-key", "").strip()
    if not 1 <= len(key) <= 100:
        return _errors(400, {"Idempotency-Key": "header is required (1-100 characters)"})
    kind = request.query_params.get("kind", "")
    if kind not in UPLOAD_KINDS:
        return _errors(422, {"kind": f"must be one of {', '.join(UPLOAD_KINDS)}"})
    filename = request.query_params.get("filename", "")[:200]
    content = await _body(request, MAX_BYTES)
    if content is None:
        return _errors(413, {"file": f"is larger than the {MAX_BYTES // (1024 * 1024)} MiB "
                                     "limit"})
    try:
        doc_id, replayed = await run_in_threadpool(
            document_store.store_once, actor, request.path_params["application_id"], kind,
            filename, request.headers.get("content-type"), content,
            (f"agent-document:{actor.user_id}", key))
    except ValidationError as e:
        return _errors(422, e.errors)
    except NotFound as e:
        return _errors(404, {"application_id": str(e)})
    except Conflict as e:
        return _errors(409, {"Idempotency-Key": str(e)})
    return JSONResponse({"document_id": doc_id, "kind": kind, "filename": filename},
                        status_code=200 if replayed else 201,
                        headers={"Idempotent-Replayed": "true" if replayed else "false",
                                 **NO_STORE})


ROUTES = [
    Route("/api/v1/agent/me", me, methods=["GET"]),
    Route("/api/v1/agent/products", product_list, methods=["GET"]),
    Route("/api/v1/agent/applications", list_applications, methods=["GET"]),
    Route("/api/v1/agent/applications", create_application, methods=["POST"]),
    Route("/api/v1/agent/applications/{application_id:int}/documents", upload_document,
          methods=["POST"]),
]
