"""Sign-in for every role."""
import json

import reflex as rx

from domain.kernel.errors import DomainError
from domain.access import accounts
from ui.components import alert, card, field
from ui.layout import shell
from ui.state import AuthState, home_for


class LoginState(AuthState):
    error: str = ""

    @rx.event
    def submit(self, form: dict):
        try:
            self.session_token = accounts.sign_in(form.get("email", ""), form.get("password", ""))
        except DomainError as e:
            self.error = str(e).capitalize()
            return
        self.error = ""
        actor = self._actor()
        nxt = self._query("next")
        target = (nxt if nxt.startswith("/") and not nxt.startswith("//")
                  else home_for(actor))
        if target.startswith(STATIC_PAGES):  # not a Reflex route: load it from the server
            return rx.call_script(f"window.location.assign({json.dumps(target)})")
        return rx.redirect(target)


STATIC_PAGES = ("/agent",)  # pages served from assets/ (the offline field capture)


@rx.page(route="/login", title="Sign in · Lendbook", on_load=AuthState.load_session)
def login() -> rx.Component:
    return shell("Sign in", card(
        rx.form(
            rx.flex(
                field("E-mail", "email", "email", "you@example.com", auto_complete="username",
                      required=True),
                field("Password", "password", "password", auto_complete="current-password",
                      required=True),
                alert(LoginState.error),
                rx.button("Sign in", type="submit", size="3", width="100%"),
                rx.text("New borrower? ", rx.link("Create an account", href="/signup")),
                rx.text("Have a code from your dealer? ",
                        rx.link("Claim your account", href="/claim")),
                direction="column", spacing="3",
            ),
            on_submit=LoginState.submit,
        ),
        max_width="28rem",
    ))
