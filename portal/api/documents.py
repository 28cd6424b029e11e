"""Document download for signed-in users: `GET /api/v1/documents/{id}`.

Authenticates with the portal's session cookie (`lb_session`, resolved through the domain like
every page), then streams the bytes from `document_store.read`, which checks that this user
may see the document (staff, the applicant, or whoever submitted the application), verifies
the stored checksum and writes the download to the audit trail. Someone else's document and a
document that does not exist get the same 404.
"""
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.kernel.errors import NotFound, ValidationError
from domain.access import accounts
from domain.documents import store as document_store

SESSION_COOKIE = "lb_session"  # ui.state.SESSION_COOKIE (kept free of the Reflex import)


def _error(status: int, field: str, reason: str) -> JSONResponse:
    return JSONResponse({"errors": [{"field": field, "reason": reason}]}, status_code=status,
                        headers={"Cache-Control": "no-store"})


async def download_document(request: Request) -> Response:
    actor = await run_in_threadpool(accounts.resolve, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        return _error(401, SESSION_COOKIE, "sign in to download documents")
    try:
        doc, content = await run_in_threadpool(document_store.read, actor,
                                               request.path_params["document_id"])
    except NotFound as e:
        return _error(404, "document_id", str(e))
    except ValidationError as e:  # the stored bytes fail their checksum: never serve them
        return _error(500, "document", "; ".join(e.errors.values()))
    ascii_name = doc.filename.encode("ascii", "replace").decode().replace('"', "'")
    return Response(content, media_type=doc.mime, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(doc.filename)}",
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


ROUTES = [Route("/api/v1/documents/{document_id:int}", download_document, methods=["GET"])]
