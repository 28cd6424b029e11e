"""The intake API for partners: `POST /api/v1/applications`, `GET /api/v1/applications/{id}`
and the OpenAPI document at `GET /api/v1/openapi.json`.

Every answer is JSON; errors are `{"errors": [{"field", "reason"}]}` with the HTTP status saying
what kind (400 unreadable, 401 key, 404, 409 idempotency conflict, 422 invalid fields). The
handlers run the synchronous domain commands in a worker thread.
"""
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.kernel.errors import Conflict, PermissionDenied, ValidationError
from domain.origination import intake as intake_service
from domain.access import partners
from domain.origination import application_request as intake
from composition import ports
from portal.api.openapi import document

MAX_BODY = 64 * 1024


def _errors(status: int, errors: dict[str, str]) -> JSONResponse:
    return JSONResponse({"errors": [{"field": f, "reason": r} for f, r in errors.items()]},
                        status_code=status)


def _key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


async def create_application(request: Request) -> JSONResponse:
    partner = await run_in_threadpool(partners.authenticate, _key(request))
    if partner is None:
        return _errors(401, {"Authorization": "a valid partner API key is required "
                                              "(Authorization: Bearer lbk_...)"})
    return await submit_from(request, "api", partners.partner_actor(partner),
                             f"partner:{partner.id}", partner_id=partner.id)


async def submit_from(request: Request, channel: str, actor, scope: str,
                      headers: dict | None = None, **kw) -> JSONResponse:
    """Read an application request (Idempotency-Key, size, JSON), submit it through the one
    intake path and answer; every channel's HTTP API refuses and answers the same way."""
    key = request.headers.get("idempotency-key", "").strip()
    if not 1 <= len(key) <= 100:
        return _errors(400, {"Idempotency-Key": "header is required (1-100 characters)"})
    body = await request.body()
    if len(body) > MAX_BODY:
        return _errors(413, {"(body)": f"must be at most {MAX_BODY} bytes"})
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _errors(400, {"(body)": "is not valid JSON"})
    except RecursionError:  # nesting deeper than the parser's stack: not an application
        return _errors(400, {"(body)": "is nested too deeply"})
    try:
        req = intake.parse(payload)
        result, replayed = await run_in_threadpool(
            intake_service.submit, req, channel, actor, ports().bureau,
            idempotency=(scope, key, intake_service.request_hash(body)), **kw)
    except ValidationError as e:
        return _errors(422, e.errors)
    except Conflict as e:
        return _errors(409, {"Idempotency-Key": str(e)})
    except PermissionDenied as e:  # the actor may not use this channel
        return _errors(403, {"channel": str(e)})
    return JSONResponse(result.to_json(), status_code=200 if replayed else 201,
                        headers={"Idempotent-Replayed": "true" if replayed else "false",
                                 **(headers or {})})


async def get_application(request: Request) -> JSONResponse:
    partner = await run_in_threadpool(partners.authenticate, _key(request))
    if partner is None:
        return _errors(401, {"Authorization": "a valid partner API key is required"})
    try:
        app_id = int(request.path_params["application_id"])
    except ValueError:
        return _errors(404, {"application_id": "no such application"})
    found = await run_in_threadpool(intake_service.partner_view, partner.id, app_id)
    if found is None:
        return _errors(404, {"application_id": "no such application for this partner"})
    return JSONResponse(found)


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(document())


ROUTES = [
    Route("/api/v1/applications", create_application, methods=["POST"]),
    Route("/api/v1/applications/{application_id}", get_application, methods=["GET"]),
    Route("/api/v1/openapi.json", openapi, methods=["GET"]),
]
