"""Published portal branding for pages that are not Reflex pages (the field agent's static
capture page) and the logo itself.

`GET /api/v1/brand`: the published name, colours, support contact and logo URL (JSON, public:
it is what every page header shows). `GET /brand/logo/{sha256}` (also under `/api/v1`): the
logo bytes, named by their hash, so a new logo is a new URL and the old one may be cached for a
year (`immutable`).
"""
import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.configuration import branding_versions as branding

_HASH = re.compile(r"^[0-9a-f]{64}$")
PUBLIC_KEYS = ("name", "primary", "accent", "support_email", "support_phone", "legal",
               "logo_url", "version")


async def brand(request: Request) -> Response:
    view = await run_in_threadpool(branding.current)
    return JSONResponse({k: view[k] for k in PUBLIC_KEYS},
                        headers={"Cache-Control": "no-cache"})


async def logo(request: Request) -> Response:
    sha = request.path_params["sha256"]
    found = await run_in_threadpool(branding.logo, sha) if _HASH.match(sha) else None
    if found is None:
        return JSONResponse({"errors": {"sha256": "no such logo"}}, status_code=404)
    mime, content = found
    return Response(content, media_type=mime, headers={
        "Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{sha}"',
        "X-Content-Type-Options": "nosniff"})


ROUTES = [Route("/api/v1/brand", brand, methods=["GET"]),
          Route("/brand/logo/{sha256}", logo, methods=["GET"]),
          Route("/api/v1/brand/logo/{sha256}", logo, methods=["GET"])]
