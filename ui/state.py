"""Session state shared by every page, portal and admin alike: identity lives in backend-only
vars.

The browser holds only an opaque session token (cookie). Every handler resolves it again
through the domain, so a revoked or expired session, or a role change, takes effect at once.
"""
import reflex as rx

from domain.kernel import permissions as catalogue
from domain.kernel.errors import PermissionDenied
from domain.access import accounts
from domain.configuration import branding_versions as branding
from domain.kernel.actor import Actor
from ui import routes

SESSION_COOKIE = "lb_session"


def path_arg(route: str, path: str, name: str) -> str:
    """The value of `[name]` in `route` (e.g. "/loans/[loan_number]/pay") for the URL path
    `path`; '' when the path does not have the route's shape."""
    want = [x for x in route.split("/") if x]
    got = [x for x in path.split("/") if x]
    if len(want) != len(got) or any(not w.startswith("[") and w != g
                                     for w, g in zip(want, got)):
        return ""
    return next((g for w, g in zip(want, got) if w == f"[{name}]"), "")


class AuthState(rx.State):
    session_token: str = rx.Cookie("", name=SESSION_COOKIE, same_site="strict",
                                   max_age=accounts.SESSION_DAYS * 24 * 3600)
    _user_id: int | None = None
    _role: str = ""
    # Display-only mirrors for hiding navigation; the backend never trusts them.
    perms: list[str] = []  # the signed-in user's permission codes (menus: perms.contains(..))
    user_name: str = ""
    role_label: str = ""
    is_signed_in: bool = False
    is_borrower: bool = False
    is_staff: bool = False
    is_admin: bool = False
    is_servicer: bool = False
    is_field_agent: bool = False
    is_dealer: bool = False
    # The published portal branding (the admin's Branding page), read again on every page load
    # (one indexed query), so a publish shows on every portal's next page without a redeploy.
    brand_name: str = branding.DEFAULT_VIEW["name"]
    brand_primary: str = branding.DEFAULT_VIEW["primary"]
    brand_accent: str = branding.DEFAULT_VIEW["accent"]
    brand_logo: str = ""
    brand_legal: str = ""
    brand_email: str = ""
    brand_phone: str = ""
    brand_disclosures: dict[str, str] = {}  # autopay, esign: shown where the borrower consents

    def _query(self, name: str) -> str:
        """A query-string parameter of the page (from `router.url`, which replaces the
        deprecated `router.page`)."""
        return self.router.url.query_parameters.get(name, "")

    def _route_arg(self, route: str, name: str) -> str:
        """A dynamic segment of the page's path, e.g. ("/loans/[loan_number]", "loan_number")."""
        return path_arg(route, self.router.url.path, name)

    def _load_brand(self) -> None:
        b = branding.current()
        self.brand_name, self.brand_primary, self.brand_accent = b["name"], b["primary"], b["accent"]
        self.brand_logo, self.brand_legal = b["logo_url"], b["legal"]
        self.brand_email, self.brand_phone = b["support_email"], b["support_phone"]
        self.brand_disclosures = dict(b.get("disclosures") or {})

    def _actor(self) -> Actor | None:
        self._load_brand()
        actor = accounts.resolve(self.session_token)
        self._user_id = actor.user_id if actor else None
        self._role = actor.role if actor else ""
        self.is_signed_in = actor is not None
        perms = actor.permissions if actor else frozenset()
        portal = actor.portal if actor else ""
        if sorted(perms) != self.perms:
            self.perms = sorted(perms)
        self.role_label = actor.role_name if actor else ""
        self.is_borrower = portal == "borrower"
        self.is_staff = bool(perms & {"application.view", "loan.view"})
        self.is_admin = "product.edit" in perms
        self.is_servicer = "payment.post" in perms
        self.is_field_agent = portal == "agent"
        self.is_dealer = portal == "dealer"
        self.user_name = accounts.display_name(actor.user_id) if actor else ""
        return actor

    def _require(self, *permissions: str) -> Actor:
        """The backend check behind every page and action: the signed-in actor, if they hold
        one of `permissions` (catalogue codes, domain/kernel/permissions.py)."""
        actor = self._actor()
        if actor is None:
            raise PermissionDenied("please sign in")
        actor.require_permission(*permissions)
        return actor

    @rx.event
    def load_session(self):
        self._actor()

    @rx.event
    def sign_out(self):
        accounts.sign_out(self.session_token)
        self.session_token = ""
        self._actor()
        # The offline capture page (assets/agent/) trusts the agent it last saw online; forget
        # them, so a signed-out device cannot capture under their name. Unsent captures stay.
        return [rx.call_script("localStorage.removeItem('lendbook.agent.agent')"),
                rx.redirect(routes.SIGN_IN)]


def home_for(actor: Actor | None) -> str:
    """Where a user lands after sign-in: their role's portal and permissions decide."""
    return catalogue.home_for(actor.portal, actor.permissions) if actor else "/"
