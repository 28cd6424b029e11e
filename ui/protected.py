"""`protected_page`: the one permission guard of every page that needs a signed-in user.

Why one: the guard (sign-in redirect for a signed-out visitor, the refusal for a user without
the permission, the page's registration) was hand-rolled in 26 pages with small differences (one
sent a signed-out visitor to sign in with no way back; some showed a domain error from loading
as the refusal, others let it escape). A page now says only which permission it needs and what
it shows once the guard let the user in:

    class LedgerState(ProtectedState, AuthState):
        def _load_page(self, actor): ...          # fill the page for an allowed actor

    @protected_page("/admin/ledger", "ledger.view", state=LedgerState,
                    title="Ledger · Lendbook admin", heading="Ledger")
    def ledger_page() -> rx.Component: ...        # the page's body once allowed

The permission is bound on the server (not an event argument the browser could change), and
each page state keeps its own `denied` text: ProtectedState is a Reflex state mixin. A page
state names AuthState as well because Reflex makes a class whose only state bases are mixins a
mixin too.
"""
import functools
from collections.abc import Callable

import reflex as rx

from domain.kernel.actor import Actor
from domain.kernel.errors import DomainError
from ui.components import denied
from ui.layout import shell
from ui.routes import sign_in_url
from ui.state import AuthState

# Full state name -> the permission codes (any one of them) its page needs.
_PERMISSIONS: dict[str, tuple[str, ...]] = {}


class ProtectedState(AuthState, mixin=True):
    """The state of a protected page: `load` (its on_load) runs the guard, then `_load_page`."""

    denied: str = ""  # the refusal shown instead of the page; "" once the guard let them in

    def _load_page(self, actor: Actor):
        """Fill the page for `actor`, who holds the page's permission. A DomainError raised
        here (not their loan, no such application) is shown as the refusal. May return an
        event to run next, as an event handler would."""

    def _refuse(self, error: DomainError) -> None:
        self.denied = f"Access refused: {error}."

    @rx.event
    def load(self):
        try:
            actor = self._require(*_PERMISSIONS[self.get_full_name()])
            then = self._load_page(actor)
        except DomainError as e:
            self._refuse(e)
            return None if self.is_signed_in else rx.redirect(sign_in_url(self.router.url.path))
        self.denied = ""
        return then


def protected_page(route: str, permission: str | tuple[str, ...], *,
                   state: type[ProtectedState], title: str, heading: str,
                   **page_props) -> Callable[[Callable[[], rx.Component]],
                                             Callable[[], rx.Component]]:
    """Register the decorated body as the page at `route`, drawn in the shell under `heading`,
    for users holding `permission` (or any one of a tuple of codes); everyone else sees the
    refusal, and a signed-out visitor is sent to sign in and back here."""
    codes = (permission,) if isinstance(permission, str) else tuple(permission)
    if not codes or not issubclass(state, ProtectedState):
        raise TypeError("protected_page needs a permission and a ProtectedState subclass")

    def register(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        name = state.get_full_name()
        if _PERMISSIONS.setdefault(name, codes) != codes:
            raise ValueError(f"{state.__name__} already guards a page with other permissions")

        @functools.wraps(body)
        def page() -> rx.Component:
            return shell(heading, rx.cond(state.denied != "", denied(state.denied), body()))

        rx.page(route=route, title=title, on_load=state.load, **page_props)(page)
        return page

    return register


def permissions_of(state: type[ProtectedState]) -> tuple[str, ...]:
    """What the page of `state` needs (for tests and the docs)."""
    return _PERMISSIONS.get(state.get_full_name(), ())
