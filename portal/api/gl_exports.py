"""Past GL exports for admins: `GET /api/v1/gl-exports/{id}.csv` (or `.json`).

Authenticates with the portal's session cookie like the document download, then serves the
export again through `gl_export.export_file`: admins only (checked there, on the backend),
the same bytes as the first time (its SHA-256 is checked), each download audited.
"""
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.access import accounts
from domain.ledger import gl_export
from portal.api.documents import SESSION_COOKIE


def _error(status: int, field: str, reason: str) -> JSONResponse:
    return JSONResponse({"errors": [{"field": field, "reason": reason}]}, status_code=status,
                        headers={"Cache-Control": "no-store"})


async def download_export(request: Request) -> Response:
    actor = await run_in_threadpool(accounts.resolve, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        return _error(401, SESSION_COOKIE, "sign in to download GL exports")
    try:
        name, media_type, text = await run_in_threadpool(
            gl_export.export_file, actor, request.path_params["export_id"],
            request.path_params["fmt"])
    except PermissionDenied as e:
        return _error(403, "role", str(e))
    except NotFound as e:
        return _error(404, "export_id", str(e))
    except ValidationError as e:
        field, reason = next(iter(e.errors.items()))
        return _error(404, field, reason)
    except Conflict as e:  # the journal no longer gives the recorded bytes: never serve them
        return _error(500, "export", str(e))
    return Response(text, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


ROUTES = [Route("/api/v1/gl-exports/{export_id:int}.{fmt}", download_export, methods=["GET"])]
