"""Borrower self-service sign-up (staff accounts are created by admins)."""
import reflex as rx

from domain.kernel.errors import ValidationError
from domain.access import accounts
from ui.components import alert, card, field
from ui.layout import shell
from ui.state import AuthState


class SignupState(AuthState):
    errors: dict[str, str] = {}
    error: str = ""

    @rx.event
    def submit(self, form: dict):
        try:
            accounts.sign_up(form.get("email", ""), form.get("password", ""), form.get("name", ""))
            self.session_token = accounts.sign_in(form.get("email", ""), form.get("password", ""))
        except ValidationError as e:
            self.errors = e.errors
            self.error = "Please correct: " + "; ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in e.errors.items())
            return
        self.errors, self.error = {}, ""
        self._actor()
        return rx.redirect("/apply")


@rx.page(route="/signup", title="Create account · Lendbook", on_load=AuthState.load_session)
def signup() -> rx.Component:
    return shell("Create your account", card(
        rx.form(
            rx.flex(
                field("Full name", "name", auto_complete="name", required=True),
                field("E-mail", "email", "email", auto_complete="email", required=True),
                field("Password", "password", "password", hint="At least 10 characters.",
                      auto_complete="new-password", required=True),
                alert(SignupState.error),
                rx.button("Create account", type="submit", size="3", width="100%"),
                direction="column", spacing="3",
            ),
            on_submit=SignupState.submit,
        ),
        max_width="28rem",
    ))
