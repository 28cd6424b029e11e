"""Bank file download for servicing staff: `GET /api/v1/ach-files/{id}` (session cookie,
checked through the domain like every page; each download audited)."""
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.kernel.errors import NotFound, PermissionDenied
from domain.access import accounts
from domain.payments import ach_files
from portal.api.documents import SESSION_COOKIE, _error


async def download_bank_file(request: Request) -> Response:
    actor = await run_in_threadpool(accounts.resolve, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        return _error(401, SESSION_COOKIE, "sign in to download bank files")
    try:
        name, content = await run_in_threadpool(ach_files.read_file, actor,
                                                request.path_params["file_id"])
    except PermissionDenied as e:
        return _error(403, "role", str(e))
    except NotFound as e:
        return _error(404, "file_id", str(e))
    return Response(content.encode("ascii"), media_type="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


ROUTES = [Route("/api/v1/ach-files/{file_id:int}", download_bank_file, methods=["GET"])]
