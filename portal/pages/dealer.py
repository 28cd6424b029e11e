"""The dealer's point-of-sale page: apply for a customer at the counter and get the decision in
seconds; below, this dealer's own applications (and no one else's)."""
import time
import uuid

import reflex as rx

from domain.kernel.errors import DomainError, PermissionDenied, ValidationError
from domain.origination.intake_schema import EMPLOYMENT, US_STATES
from domain.kernel.money import fmt
from domain.origination import dealer
from domain.configuration import products
from composition import ports
from portal import dealer_form
from portal.components.dealer import (applications_table, checked_field, checked_select,
                                      consent_box, section)
from ui.components import alert, card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

DISCLOSURE = ("Read to the customer: \u201cBy agreeing, you authorize the lender and its service "
              "providers to obtain your consumer credit report from a credit bureau and to "
              "verify the identity, income and employment you gave us, to decide this "
              "application. A credit check may affect your credit score.\u201d Check the box "
              "only if the customer agrees.")
EMPLOYMENT_OPTIONS = [(e, e.replace("_", " ").capitalize()) for e in EMPLOYMENT]
STATE_OPTIONS = [("", "Choose a state")] + [(s, s) for s in US_STATES]
FOCUS_FIRST_ERROR = ("setTimeout(() => { const el = document.querySelector("
                     "'[aria-invalid=\"true\"]'); if (el) { el.focus(); "
                     "el.scrollIntoView({block: 'center'}); } }, 60)")
OUTCOME_TEXT = {"approved": "Approved", "declined": "Declined",
                "referred": "Referred to underwriting"}


class DealerState(ProtectedState, AuthState):
    product_options: list[list[str]] = []
    product_notes: list[str] = []
    merchant: str = ""
    price: str = ""
    down_payment: str = ""
    financed: str = ""
    errors: dict[str, str] = {name: "" for name in dealer_form.PATHS}
    error: str = ""
    submitting: bool = False
    outcome: str = ""
    outcome_text: str = ""
    reasons: list[str] = []
    installment: str = ""
    stage: str = ""
    application_id: str = ""
    elapsed: str = ""
    rows: list[dict[str, str]] = []
    _form_key: str = ""

    def _fresh_form(self, actor) -> None:
        self._form_key = uuid.uuid4().hex  # one key per form load: a double click submits once
        self.merchant = dealer.last_merchant(actor)
        self.price = self.down_payment = self.financed = self.error = ""
        self.errors = {name: "" for name in dealer_form.PATHS}
        self.outcome = self.outcome_text = self.installment = self.stage = ""
        self.application_id, self.reasons, self.elapsed = "", [], ""

    def _list(self, actor) -> None:
        self.rows = [dealer_form.row(a) for a in dealer.list_applications(actor)]

    def _load_page(self, actor):
        self.rows = []
        offered = products.list_products()
        self.product_options = [[p.code, p.name] for p in offered]
        self.product_notes = [
            f"{p.name}: {fmt(p.terms.min_amount_minor)} to {fmt(p.terms.max_amount_minor)} "
            f"financed, {p.terms.min_term}-{p.terms.max_term} {p.terms.frequency} payments at "
            f"{p.terms.annual_rate}%" for p in offered]
        self._fresh_form(actor)
        self._list(actor)

    def _clear(self, *names: str) -> None:
        if any(self.errors.get(n) for n in names):
            self.errors = {**self.errors, **{n: "" for n in names}}
            if not any(self.errors.values()) and self.error.startswith("Please correct"):
                self.error = ""

    @rx.event
    def field_left(self, name: str, value: str):
        """A field the dealer filled in loses its old error (the next submit checks again)."""
        if str(value).strip():
            self._clear(name)

    @rx.event
    def set_merchant(self, value: str):
        self.merchant = value
        self._clear("merchant")

    @rx.event
    def set_price(self, value: str):
        self.price = value
        self.financed = dealer_form.financed(self.price, self.down_payment)
        self._clear("price", "amount")

    @rx.event
    def set_down_payment(self, value: str):
        self.down_payment = value
        self.financed = dealer_form.financed(self.price, self.down_payment)
        self._clear("down_payment", "amount")

    @rx.event
    def submit(self, form: dict):
        if self.outcome or self.submitting:
            return  # already decided or deciding: the form shows once per key
        self.submitting, self.error = True, ""
        yield
        started = time.monotonic()
        try:
            actor = self._require("dealer.submit")
            result, _ = dealer.submit(actor, dealer_form.payload(form), self._form_key,
                                      ports().bureau)
        except ValidationError as e:
            self.errors, other = dealer_form.field_errors(e.errors, form)
            count = sum(1 for v in self.errors.values() if v)
            self.error = (f"Please correct the {count} field{'s' if count != 1 else ''} "
                          "marked below." if count else "") + (f" {other}" if other else "")
            yield rx.call_script(FOCUS_FIRST_ERROR)
            return
        except DomainError as e:
            self.error = f"Not submitted: {e}."
            return
        finally:
            self.submitting = False
        self.errors = {name: "" for name in dealer_form.PATHS}
        self.outcome, self.outcome_text = result.status, OUTCOME_TEXT[result.status]
        self.reasons, self.installment = result.reasons, result.installment
        self.stage = result.stage.replace("_", " ")
        self.application_id = str(result.application_id)
        self.elapsed = f"{time.monotonic() - started:.2f}"
        self._list(actor)

    @rx.event
    def new_application(self):
        try:
            self._fresh_form(self._require("dealer.submit"))
        except PermissionDenied as e:
            self.denied = f"Access refused: {e}."


def _err(name: str):
    return DealerState.errors[name]


def _left(name: str):
    return lambda value: DealerState.field_left(name, value)


def f(label: str, name: str, **props) -> rx.Component:
    """A field of this form: its error from the State, cleared once the dealer fills it."""
    if "on_change" not in props:
        props["on_blur"] = _left(name)
    return checked_field(label, name, _err(name), **props)


def pick(label: str, name: str, options) -> rx.Component:
    return checked_select(label, name, options, _err(name), on_change=_left(name))


def pos_form() -> rx.Component:
    e = _err
    return card(rx.form(
        rx.flex(
            rx.box(rx.heading("New application", size="5", as_="h2"),
                   rx.text("Every field is required unless it says optional.", size="2",
                           color="#4a5568")),
            alert(DealerState.error, id="form-error"),
            section(
                "Sale",
                f("Merchant", "merchant", value=DealerState.merchant,
                  on_change=DealerState.set_merchant, auto_complete="organization"),
                f("Item", "item", placeholder="Sofa, e-bike, laptop..."),
                f("Price", "price", placeholder="0.00", input_mode="decimal",
                  value=DealerState.price, on_change=DealerState.set_price),
                f("Down payment (optional)", "down_payment", placeholder="0.00",
                  input_mode="decimal", required=False, value=DealerState.down_payment,
                  on_change=DealerState.set_down_payment),
                rx.flex(
                    rx.text("Amount financed", weight="medium"),
                    rx.text(rx.cond(DealerState.financed != "", DealerState.financed, "-"),
                            id="amount-financed", size="6", weight="bold", aria_live="polite"),
                    rx.text("Price less down payment", size="1", color="#4a5568"),
                    rx.cond(e("amount") != "", rx.text(e("amount"), color="#b71c1c", size="2",
                                                       id="amount-error")),
                    direction="column", spacing="1", padding="0.5em 0.8em",
                    background="#eef2f7", border_radius="8px"),
            ),
            section(
                "Loan",
                pick("Product", "product_code", DealerState.product_options),
                f("Number of payments", "term", placeholder="24",
                  input_mode="numeric"),
                rx.flex(rx.foreach(DealerState.product_notes,
                                   lambda n: rx.text(n, size="2", color="#4a5568")),
                        direction="column", grid_column=rx.breakpoints(initial="auto",
                                                                        md="span 1")),
            ),
            section(
                "Customer",
                f("First name", "first_name", auto_complete="off"),
                f("Last name", "last_name", auto_complete="off"),
                f("Date of birth", "date_of_birth", type_="date"),
                f("SSN, last 4 digits", "ssn_last4", input_mode="numeric",
                  max_length=4, placeholder="1234", auto_complete="off"),
                f("E-mail", "email", type_="email", auto_complete="off"),
                f("Phone", "phone", type_="tel", placeholder="+1 555 010 0000"),
            ),
            section(
                "Address",
                f("Street address", "line1"),
                f("Apartment, suite (optional)", "line2", required=False),
                f("City", "city"),
                pick("State", "state", STATE_OPTIONS),
                f("ZIP code", "postal_code", input_mode="numeric",
                  placeholder="62701"),
            ),
            section(
                "Employment and income",
                pick("Employment", "employment_status", EMPLOYMENT_OPTIONS),
                f("Employer (optional)", "employer", required=False),
                f("Months with employer (optional)", "months_employed",
                  input_mode="numeric", required=False),
                f("Monthly income before tax", "monthly_income",
                  placeholder="4500.00", input_mode="decimal"),
            ),
            consent_box(e("consent"), DISCLOSURE, on_change=_left("consent")),
            rx.button("Submit for a decision", type="submit", size="4",
                      loading=DealerState.submitting,
                      width=rx.breakpoints(initial="100%", sm="auto"),
                      align_self=rx.breakpoints(initial="stretch", sm="flex-start"),
                      min_width=rx.breakpoints(initial="0", sm="18rem")),
            direction="column", spacing="4",
        ),
        on_submit=DealerState.submit, aria_label="Point-of-sale application",
    ))


def decision() -> rx.Component:
    color = rx.match(DealerState.outcome, ("approved", "#1b5e20"), ("declined", "#b71c1c"),
                     "#8a4b00")
    return card(
        rx.flex(
            rx.heading(DealerState.outcome_text, size="7", as_="h2", id="decision-outcome",
                       color=color),
            rx.text("Application ", rx.link(DealerState.application_id,
                                            href="/dealer/applications/"
                                            + DealerState.application_id),
                    " · stage: ", DealerState.stage, " · decided in ", DealerState.elapsed,
                    " s", size="2", color="#4a5568"),
            direction="column", spacing="1"),
        rx.el.ul(rx.foreach(DealerState.reasons, lambda r: rx.el.li(r)), id="decision-reasons",
                 style={"margin": "0.75em 0"}),
        rx.cond(DealerState.outcome == "approved", rx.text(
            "Installment: ", rx.text.strong(DealerState.installment, id="decision-installment"),
            size="4")),
        rx.button("Start a new application", on_click=DealerState.new_application, size="3",
                  margin_top="1em"),
        id="decision", role="status", border_left="6px solid", border_color=color,
    )


@protected_page("/dealer", "dealer.submit", state=DealerState,
                title="Point of sale · Lendbook", heading="Point of sale")
def dealer_page() -> rx.Component:
    return rx.flex(
        rx.cond(DealerState.outcome == "", pos_form(), decision()),
        card(rx.heading("Your applications", size="5", as_="h2", margin_bottom="0.5em"),
             applications_table(DealerState.rows)),
        direction="column", spacing="4")
