"""Payment receipts for signed-in users: `GET /api/v1/receipts/{payment_id}` (a PDF).

The portal's session cookie (`lb_session`) is resolved through the domain like every page;
`receipts.receipt_pdf` lets the loan's borrower and staff have it. Someone else's payment and
a payment that does not exist get the same 404; no session 401.
"""
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.kernel.errors import NotFound, PermissionDenied
from domain.access import accounts
from domain.servicing import receipts
from portal.api.documents import SESSION_COOKIE, _error


async def download_receipt(request: Request) -> Response:
    actor = await run_in_threadpool(accounts.resolve, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        return _error(401, SESSION_COOKIE, "sign in to download receipts")
    try:
        name, pdf = await run_in_threadpool(receipts.receipt_pdf, actor,
                                            request.path_params["payment_id"])
    except (NotFound, PermissionDenied):
        return _error(404, "payment_id", receipts.NOT_YOURS)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


ROUTES = [Route("/api/v1/receipts/{payment_id:int}", download_receipt, methods=["GET"])]
