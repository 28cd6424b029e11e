"""HTTP API routes served on the app's one port beside the pages (mounted in webapp.app)."""
from starlette.applications import Starlette

from portal.api.agent import ROUTES as AGENT_ROUTES
from portal.api.audit_export import ROUTES as AUDIT_EXPORT_ROUTES
from portal.api.brand import ROUTES as BRAND_ROUTES
from portal.api.bank_files import ROUTES as BANK_FILE_ROUTES
from portal.api.documents import ROUTES as DOCUMENT_ROUTES
from portal.api.gl_exports import ROUTES as GL_EXPORT_ROUTES
from portal.api.intake import ROUTES as INTAKE_ROUTES
from portal.api.onboarding import ROUTES as ONBOARDING_ROUTES
from portal.api.receipts import ROUTES as RECEIPT_ROUTES
from portal.api.webhooks import ROUTES as WEBHOOK_ROUTES


def api_app() -> Starlette:
    return Starlette(routes=[*INTAKE_ROUTES, *AGENT_ROUTES, *WEBHOOK_ROUTES, *DOCUMENT_ROUTES,
                             *BANK_FILE_ROUTES, *GL_EXPORT_ROUTES, *RECEIPT_ROUTES,
                             *ONBOARDING_ROUTES, *BRAND_ROUTES, *AUDIT_EXPORT_ROUTES])
