"""Borrower application: product, amount, term, income -> instant decision -> accept offer."""
import reflex as rx

from domain.errors import DomainError, PermissionDenied, ValidationError
from domain.money import fmt
from domain.services import origination, products
from portal.components.layout import alert, card, denied, field, select_field, shell
from portal.state import AuthState

FIELD_NAMES = {"amount": "Amount", "term": "Number of payments", "monthly_income":
               "Monthly income", "product": "Product", "purpose": "Purpose"}


def describe(errors: dict[str, str]) -> str:
    return "; ".join(f"{FIELD_NAMES.get(k, k)} {v}" for k, v in errors.items())


class ApplyState(AuthState):
    denied: str = ""
    product_options: list[list[str]] = []
    product_notes: list[str] = []
    error: str = ""
    application_id: int = 0
    outcome: str = ""
    reasons: list[str] = []
    installment: str = ""

    @rx.event
    def load(self):
        try:
            self._require("borrower")
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."
            return
        self.denied = ""
        offered = products.list_products()
        self.product_options = [[str(p.id), p.name] for p in offered]
        self.product_notes = [
            f"{p.name}: {fmt(p.terms.min_amount_minor)}-{fmt(p.terms.max_amount_minor)}, "
            f"{p.terms.min_term}-{p.terms.max_term} {p.terms.frequency} payments at "
            f"{p.terms.annual_rate}%" for p in offered]
        self.outcome, self.reasons, self.error = "", [], ""

    @rx.event
    def submit(self, form: dict):
        try:
            actor = self._require("borrower")
            result = origination.submit_application(
                actor, int(form.get("product") or 0), form.get("amount", ""),
                form.get("term", ""), form.get("monthly_income", ""), form.get("purpose", ""))
        except ValidationError as e:
            self.error = "Please correct: " + describe(e.errors)
            return
        except DomainError as e:
            self.error = str(e)
            return
        self.error = ""
        self.application_id = result.id
        self.outcome = result.status
        self.reasons = result.reasons
        self.installment = fmt(result.installment_minor)

    @rx.event
    def accept(self):
        try:
            loan_number = origination.accept_offer(self._require("borrower"), self.application_id)
        except DomainError as e:
            self.error = str(e)
            return
        return rx.redirect(f"/loans/{loan_number}")


def application_form() -> rx.Component:
    return card(rx.form(
        rx.flex(
            select_field("Product", "product", ApplyState.product_options),
            rx.foreach(ApplyState.product_notes, lambda n: rx.text(n, size="2", color="#4a5568")),
            rx.grid(
                field("Amount", "amount", placeholder="5000.00", input_mode="decimal"),
                field("Number of payments", "term", placeholder="24", input_mode="numeric"),
                field("Monthly income (before tax)", "monthly_income", placeholder="4500.00",
                      input_mode="decimal"),
                field("Purpose", "purpose", placeholder="Car repair"),
                columns=rx.breakpoints(initial="1", sm="2"), gap="3", width="100%",
            ),
            alert(ApplyState.error),
            rx.button("Submit application", type="submit", size="3"),
            direction="column", gap="3",
        ),
        on_submit=ApplyState.submit,
    ))


def decision() -> rx.Component:
    approved = ApplyState.outcome == "approved"
    return card(
        rx.heading(rx.cond(approved, "Approved", "Declined"), size="5", as_="h2",
                   id="decision-outcome", color=rx.cond(approved, "#1b5e20", "#b71c1c")),
        rx.el.ul(rx.foreach(ApplyState.reasons, lambda r: rx.el.li(r)), id="decision-reasons"),
        rx.cond(approved, rx.flex(
            rx.text("Your payment would be ", rx.text.strong(ApplyState.installment), "."),
            rx.button("Accept offer", on_click=ApplyState.accept, size="3", color_scheme="green"),
            direction="column", gap="2", align="start")),
        alert(ApplyState.error),
    )


@rx.page(route="/apply", title="Apply · Lendbook", on_load=ApplyState.load)
def apply() -> rx.Component:
    return shell("Apply for a loan", rx.cond(
        ApplyState.denied != "", denied(ApplyState.denied),
        rx.cond(ApplyState.outcome == "", application_form(), decision()),
    ))
