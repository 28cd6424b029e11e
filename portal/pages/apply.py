"""Borrower application in steps (loan, about you, address, work and income, consent): each
step is checked and saved as the borrower goes, so they resume where they left off; the last
step submits through the intake path every channel uses and opens the application page."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.origination.intake_schema import EMPLOYMENT, US_STATES
from domain.kernel.money import fmt
from domain.origination import drafts
from domain.configuration import products
from composition import ports
from portal.components.steps import step_field, step_select, stepper
from ui.components import alert, card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

CONSENT = ("I authorise the lender to obtain my credit report and verify my identity to "
           "decide this application.")


class ApplyState(ProtectedState, AuthState):
    step: int = 0
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    error: str = ""
    product_options: list[list[str]] = []
    product_notes: list[str] = []
    busy: bool = False

    def _load_page(self, actor):
        self.errors, self.error, self.busy = {}, "", False
        offered = products.list_products()
        self.product_options = [[p.code, p.name] for p in offered]
        self.product_notes = [
            f"{p.name}: {fmt(p.terms.min_amount_minor)}-{fmt(p.terms.max_amount_minor)}, "
            f"{p.terms.min_term}-{p.terms.max_term} {p.terms.frequency} payments at "
            f"{p.terms.annual_rate}%" for p in offered]
        self.step, saved = drafts.load(actor)
        defaults = {"product_code": offered[0].code if offered else "",
                    "state": "CA", "employment_status": "employed"}
        self.values = {**defaults, **saved}

    @rx.event
    def next_step(self, form: dict):
        try:
            actor = self._require("self.apply")
            self.values = {**self.values, **{k: str(v) for k, v in form.items()}}
            self.step = drafts.save_step(actor, self.step, form)
            self.errors, self.error = {}, ""
        except ValidationError as e:
            self.errors, self.error = e.errors, "Please correct the fields marked below."
        except DomainError as e:
            self.error = str(e)

    @rx.event
    def previous_step(self):
        try:
            self.step = drafts.back(self._require("self.apply"), self.step)
            self.errors, self.error = {}, ""
        except DomainError as e:
            self.error = str(e)

    @rx.event
    def submit(self, form: dict):
        if self.busy:
            return
        self.busy = True
        yield
        try:
            result = drafts.submit(self._require("self.apply"), form, ports().bureau)
        except ValidationError as e:
            self.errors, self.error, self.busy = e.errors, "Please correct: " + "; ".join(
                f"{k.replace('_', ' ')} {v}" for k, v in e.errors.items()), False
            return
        except DomainError as e:
            self.error, self.busy = str(e), False
            return
        self.busy = False
        yield rx.redirect(f"/applications/{result.application_id}")


def _f(label, name, **kw):
    return step_field(label, name, ApplyState.values, ApplyState.errors, **kw)


def _s(label, name, options):
    return step_select(label, name, options, ApplyState.values, ApplyState.errors)


def _buttons(last: bool = False):
    return rx.flex(
        rx.cond(ApplyState.step > 0, rx.button("Back", type="button", variant="outline",
                                               size="3", on_click=ApplyState.previous_step)),
        rx.button(rx.cond(ApplyState.busy, "Submitting…", "Submit application") if last
                  else "Save and continue", type="submit", size="3", id="step-next",
                  loading=ApplyState.busy if last else False),
        spacing="3", justify="between", width="100%")


def _grid(*children):
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="3",
                   width="100%")


def step_loan():
    return rx.form(rx.flex(
        _s("Product", "product_code", ApplyState.product_options),
        rx.foreach(ApplyState.product_notes, lambda n: rx.text(n, size="2", color="#4a5568")),
        _grid(_f("Amount", "amount", placeholder="5000.00", input_mode="decimal"),
              _f("Number of payments", "term", placeholder="24", input_mode="numeric"),
              _f("Purpose", "purpose", placeholder="Car repair")),
        _buttons(), direction="column", spacing="3"), on_submit=ApplyState.next_step,
        key="step-0")


def step_about():
    return rx.form(rx.flex(
        _grid(_f("First name", "first_name", auto_complete="given-name"),
              _f("Last name", "last_name", auto_complete="family-name"),
              _f("Date of birth", "date_of_birth", type_="date", auto_complete="bday"),
              _f("Last 4 digits of your SSN", "ssn_last4", input_mode="numeric",
                 max_length=4),
              _f("Mobile phone", "phone", type_="tel", auto_complete="tel")),
        _buttons(), direction="column", spacing="3"), on_submit=ApplyState.next_step,
        key="step-1")


def step_address():
    return rx.form(rx.flex(
        _grid(_f("Street address", "line1", auto_complete="address-line1"),
              _f("Apartment, suite (optional)", "line2", auto_complete="address-line2"),
              _f("City", "city", auto_complete="address-level2"),
              _s("State", "state", [[s, s] for s in US_STATES]),
              _f("ZIP code", "postal_code", input_mode="numeric", auto_complete="postal-code")),
        _buttons(), direction="column", spacing="3"), on_submit=ApplyState.next_step,
        key="step-2")


def step_work():
    return rx.form(rx.flex(
        _grid(_s("Employment", "employment_status",
                 [[e, e.replace("_", " ").capitalize()] for e in EMPLOYMENT]),
              _f("Employer (optional)", "employer"),
              _f("Months with this employer (optional)", "months_employed",
                 input_mode="numeric"),
              _f("Monthly income before tax", "monthly_income", placeholder="4500.00",
                 input_mode="decimal")),
        _buttons(), direction="column", spacing="3"), on_submit=ApplyState.next_step,
        key="step-3")


def _review_row(label, name):
    return rx.flex(rx.text(label, color="#4a5568", min_width="11em"),
                   rx.text(ApplyState.values.get(name, ""), weight="medium"), spacing="2",
                   wrap="wrap")


def step_consent():
    return rx.form(rx.flex(
        rx.heading("Check your answers", size="4", as_="h2"),
        *[_review_row(label, name) for label, name in (
            ("Product", "product_code"), ("Amount", "amount"), ("Payments", "term"),
            ("Name", "first_name"), ("", "last_name"), ("Date of birth", "date_of_birth"),
            ("Phone", "phone"), ("Address", "line1"), ("", "city"), ("", "postal_code"),
            ("Monthly income", "monthly_income"))],
        rx.el.label(rx.flex(
            rx.el.input(type="checkbox", name="consent_credit_check", id="consent_credit_check",
                        style={"width": "1.25em", "height": "1.25em"}),
            rx.text(CONSENT), spacing="2", align="start"), html_for="consent_credit_check"),
        rx.cond(ApplyState.errors.contains("consent_credit_check"),
                rx.text("Your consent to a credit check is required", color="#b71c1c",
                        size="2", role="alert")),
        _buttons(last=True), direction="column", spacing="3"), on_submit=ApplyState.submit,
        key="step-4")


@protected_page("/apply", "self.apply", state=ApplyState,
                title="Apply · Lendbook", heading="Apply for a loan")
def apply() -> rx.Component:
    return rx.flex(
        stepper([name for name, _ in drafts.STEPS], ApplyState.step),
        alert(ApplyState.error),
        card(rx.match(ApplyState.step, (0, step_loan()), (1, step_about()),
                      (2, step_address()), (3, step_work()), step_consent())),
        rx.text("Your answers are saved at each step; you can come back later.",
                size="2", color="#4a5568"),
        direction="column", spacing="3", max_width="44rem")
