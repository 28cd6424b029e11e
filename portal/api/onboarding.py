"""The onboarding API for source systems: `POST /api/v1/loans` (one loan),
`POST /api/v1/loans:batch` (up to 1,000, all or nothing) and `GET /api/v1/loans/{external_ref}`
(a boarded loan by the source's reference). A partner's API key names the source system;
every POST needs an `Idempotency-Key`; answers and errors as the intake API's."""
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.kernel.errors import Conflict, ValidationError
from domain.onboarding import api_commands as onboarding_api
from domain.access import partners
from portal.api.intake import _errors, _key

MAX_BODY = 4 * 1024 * 1024


async def _submit(request: Request, batch: bool) -> JSONResponse:
    partner = await run_in_threadpool(partners.authenticate, _key(request))
    if partner is None:
        return _errors(401, {"Authorization": "a valid partner API key is required "
                                              "(Authorization: Bearer lbk_...)"})
    key = request.headers.get("idempotency-key", "").strip()
    if not 1 <= len(key) <= 100:
        return _errors(400, {"Idempotency-Key": "header is required (1-100 characters)"})
    body = await request.body()
    if len(body) > MAX_BODY:
        return _errors(413, {"(body)": f"must be at most {MAX_BODY} bytes"})
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _errors(400, {"(body)": "is not valid JSON"})
    try:
        answer, replayed = await run_in_threadpool(
            onboarding_api.submit, payload, batch=batch, source=partner.name,
            actor=partners.partner_actor(partner), scope=f"onboard:{partner.id}", key=key,
            body=body)
    except ValidationError as e:
        return _errors(422, e.errors)
    except Conflict as e:
        return _errors(409, {"Idempotency-Key": str(e)})
    return JSONResponse(answer, status_code=200 if replayed else 201,
                        headers={"Idempotent-Replayed": "true" if replayed else "false"})


async def create_loan(request: Request) -> JSONResponse:
    return await _submit(request, batch=False)


async def create_loans(request: Request) -> JSONResponse:
    return await _submit(request, batch=True)


async def get_loan(request: Request) -> JSONResponse:
    """A loan this partner boarded, by its own external reference (URL-encoded)."""
    partner = await run_in_threadpool(partners.authenticate, _key(request))
    if partner is None:
        return _errors(401, {"Authorization": "a valid partner API key is required"})
    ref = request.path_params["external_ref"]
    found = await run_in_threadpool(onboarding_api.lookup, partner.name, ref)
    if found is None:
        return _errors(404, {"external_ref": "no loan boarded by this partner with this "
                                             "reference"})
    return JSONResponse(found)


ROUTES = [Route("/api/v1/loans", create_loan, methods=["POST"]),
          Route("/api/v1/loans:batch", create_loans, methods=["POST"]),
          Route("/api/v1/loans/{external_ref:path}", get_loan, methods=["GET"])]
