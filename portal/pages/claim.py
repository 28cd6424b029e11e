"""Claiming an account opened for the applicant (at a dealer's counter, by a field agent or a
partner app): e-mail, the one-time code the dealer handed over, a password of their own.
The domain (domain/access/claims.py) checks everything; a refusal reads the same whatever
was wrong."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.access import claims
from ui.components import alert, card, field
from ui.layout import shell
from ui.state import AuthState


class ClaimState(AuthState):
    error: str = ""

    @rx.event
    def submit(self, form: dict):
        password = form.get("password", "")
        if password != form.get("confirm", ""):
            self.error = "The two passwords are not the same."
            return
        try:
            token, application_id = claims.claim(form.get("email", ""), form.get("code", ""),
                                                 password)
        except ValidationError as e:
            self.error = "; ".join(f"{k.capitalize()} {v}" for k, v in e.errors.items()) + "."
            return
        except DomainError as e:
            self.error = f"{str(e).capitalize()}. Check the code, or ask for a new one."
            return
        self.error = ""
        self.session_token = token
        return rx.redirect(f"/applications/{application_id}" if application_id else "/loans")


@rx.page(route="/claim", title="Claim your account · Lendbook", on_load=AuthState.load_session)
def claim() -> rx.Component:
    return shell("Claim your account", card(
        rx.form(
            rx.flex(
                rx.text("Your dealer (or field agent) opened an account for your application "
                        "and gave you a one-time code. Choose your own password to sign in "
                        "and accept your offer."),
                field("E-mail", "email", "email", "you@example.com", auto_complete="username",
                      required=True),
                field("Code", "code", "text", "XXXXX-XXXXX-XXXXX-XXXXX", auto_complete="off",
                      hint="20 letters and digits; valid for 72 hours, once", required=True),
                field("New password", "password", "password", auto_complete="new-password",
                      hint="At least 10 characters", required=True),
                field("Repeat the password", "confirm", "password",
                      auto_complete="new-password", required=True),
                alert(ClaimState.error),
                rx.button("Claim account and sign in", type="submit", size="3", width="100%"),
                direction="column", spacing="3",
            ),
            on_submit=ClaimState.submit,
        ),
        max_width="28rem",
    ))
