"""`GET /api/v1/audit/export.csv` (or `.jsonl`) with the viewer's filter as query parameters.

Authenticates with the portal's session cookie like the other downloads; admins only (checked
in `audit_queries.export`, on the backend); the export itself is audited before the first
byte; rows stream in keyset batches, so a large trail is never held in memory.
"""
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from domain.kernel.errors import PermissionDenied, ValidationError
from domain.access import accounts
from domain.audit import queries as audit_queries
from portal.api.documents import SESSION_COOKIE


def _error(status: int, field: str, reason: str) -> JSONResponse:
    return JSONResponse({"errors": [{"field": field, "reason": reason}]}, status_code=status,
                        headers={"Cache-Control": "no-store"})


async def export_audit(request: Request) -> Response:
    actor = await run_in_threadpool(accounts.resolve, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        return _error(401, SESSION_COOKIE, "sign in to export the audit trail")
    try:
        name, media_type, chunks = await run_in_threadpool(
            audit_queries.export, actor, audit_queries.Filter.of(dict(request.query_params)),
            request.path_params["fmt"])
    except PermissionDenied as e:
        return _error(403, "role", str(e))
    except ValidationError as e:
        field, reason = next(iter(e.errors.items()))
        return _error(400, field, reason)
    return StreamingResponse(chunks, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


ROUTES = [Route("/api/v1/audit/export.{fmt}", export_audit, methods=["GET"])]
