"""Pay now: the amount due, the payoff or another amount, from a saved method or a new bank
account; the allocation preview before Confirm; the result (queued for the next bank file,
posted, or failed with the reason). One idempotency key per form load, so a double click or
a resubmitted form pays once."""
import uuid
from datetime import date

import reflex as rx

from domain.documents.agreement import long_date
from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import fmt
from domain.payments import collection_runs, instruments, payment_methods
from domain.servicing import queries
from composition import ports
from portal import payment_view, stripe_setup
from portal.components.autopay import fixed_amount_field
from portal.components.dealer import HINT_COLOR
from portal.components.payments import (confirmation, method_picker, preview_table,
                                        radio_choices)
from ui.components import alert, card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

FIELDS = ("choice", "amount", "instrument", "holder_name", "routing_number", "account_number",
          "account_type")
RESULTS = {  # attempt status -> title of the result card
    "scheduled": "Payment queued", "submitted": "Payment sent: pending",
    "succeeded": "Payment posted", "failed": "Payment failed", "returned": "Payment failed"}


ROUTE = "/loans/[loan_number]/pay"

class PayState(ProtectedState, AuthState):
    loan_number: str = ""
    due: str = ""
    payoff: str = ""
    choice: str = "due"
    amount: str = ""
    methods: list[list[str]] = []
    method: str = ""
    step: str = "form"  # form, review, done
    preview: list[dict[str, str]] = []
    summary: str = ""
    authorization: str = ""
    errors: dict[str, str] = {f: "" for f in FIELDS}
    error: str = ""
    result: dict[str, str] = {}
    stripe_enabled: bool = True  # cards and bank accounts through Stripe Checkout
    _key: str = ""
    _labels: dict[str, str] = {}
    _rails: dict[str, str] = {}
    _bank: dict[str, str] = {}

    def _load_page(self, actor):
        number = self._route_arg(ROUTE, "loan_number")
        self.loan_number, self.step, self.result, self.error = "", "form", {}, ""
        due, payoff = collection_runs.amounts(actor, number)
        saved = payment_methods.methods(actor, number)
        self.loan_number = number
        self._key = uuid.uuid4().hex  # one payment per form load
        self.due, self.payoff = fmt(due), fmt(payoff)
        self.choice, self.amount = ("due" if due > 0 else "custom"), ""
        self._labels = {str(m.id): m.label for m in saved}
        self._rails = {str(m.id): m.rail for m in saved}
        self.methods = ([["", "Choose how to pay"]] + [[str(m.id), m.label] for m in saved]
                        + [[payment_view.NEW_ACCOUNT, "Add a bank account"]])
        self.method = str(saved[0].id) if saved else payment_view.NEW_ACCOUNT
        self.errors = {f: "" for f in FIELDS}
        returned = self.router.url.query_parameters.get(stripe_setup.SESSION_PARAM)
        if returned:
            try:
                new = stripe_setup.finish(actor, number, returned)
            except DomainError as e:
                self.error = "Not saved: " + "; ".join(
                    e.errors.values() if isinstance(e, ValidationError) else [str(e)])
                return
            return PayState.reload_methods(str(new))

    @rx.event
    def reload_methods(self, chosen: str):
        """After a method was saved on Stripe's page: list it and choose it."""
        actor = self._require("self.pay")
        saved = payment_methods.methods(actor, self.loan_number)
        self._labels = {str(m.id): m.label for m in saved}
        self._rails = {str(m.id): m.rail for m in saved}
        self.methods = ([["", "Choose how to pay"]] + [[str(m.id), m.label] for m in saved]
                        + [[payment_view.NEW_ACCOUNT, "Add a bank account"]])
        self.method = chosen if chosen in self._labels else self.method

    @rx.event
    def set_choice(self, value: str):
        self.choice, self.errors = value, {**self.errors, "choice": "", "amount": ""}

    @rx.event
    def set_amount(self, value: str):
        self.amount, self.errors = value, {**self.errors, "amount": ""}

    @rx.event
    def set_method(self, value: str):
        self.method, self.errors = value, {**self.errors, "instrument": ""}

    @rx.event
    def field_left(self, name: str, value: str):
        """A bank field filled in loses its old error (the next submit checks again)."""
        if str(value).strip() and self.errors.get(name):
            self.errors = {**self.errors, name: ""}
            if not any(self.errors.values()):
                self.error = ""

    @rx.event
    def start_stripe_setup(self):
        """To Stripe's hosted page; back here with the new method chosen (see `load`)."""
        try:
            actor = self._require("self.pay")
            url = stripe_setup.start(actor, self.loan_number, self.router.url.origin,
                                     f"/loans/{self.loan_number}/pay")
        except DomainError as e:
            self.error = "Not saved: " + "; ".join(
                e.errors.values() if isinstance(e, ValidationError) else [str(e)])
            return
        return rx.redirect(url)

    @rx.event
    def review(self, form: dict):
        """Check everything and show how the payment would be applied; nothing is saved."""
        if self.step != "form":
            return
        errors = {}
        if "amount" in form:  # what the form holds now (a typed value's change event may lag)
            self.amount = str(form["amount"] or "").strip()
        try:
            actor = self._require("self.pay")
            if not self.method:
                errors["instrument"] = "Payment method: choose a saved method or add a bank " \
                                       "account"
            elif self.method == payment_view.NEW_ACCOUNT:
                self._bank = {k: (form.get(k) or "").strip() for k in (
                    "holder_name", "routing_number", "account_number", "account_type")}
                errors.update(payment_view.field_errors(instruments.bank_account_errors(
                    self._bank["holder_name"], self._bank["routing_number"],
                    self._bank["account_number"], self._bank["account_type"] or "checking")))
            p = collection_runs.preview(actor, self.loan_number, self.choice, self.amount)
            if p.error:
                errors["amount" if self.choice == "custom" else "choice"] = \
                    f"Amount: {p.error}" + ("; choose another amount" if self.choice == "due"
                                            else "")
        except ValidationError as e:
            errors.update(payment_view.field_errors(e.errors))
        except DomainError as e:
            self.error = f"Not possible: {e}."
            return
        if errors:
            self.errors = {**{f: "" for f in FIELDS}, **errors}
            self.error = "Please correct the fields marked below."
            return
        source = self._labels.get(self.method) or \
            f"the bank account ending {self._bank['account_number'][-4:]}"
        self.preview = payment_view.preview_rows(p.allocation)
        self.summary = f"{fmt(p.amount_minor)} from {source}"
        self.authorization = (
            f"By confirming, you authorize {payment_methods.lender_name()} to debit {source} "
            f"once for {fmt(p.amount_minor)}, on or after {long_date(date.today())}, for loan "
            f"{self.loan_number}.")
        self.step, self.error = "review", ""

    @rx.event
    def edit(self):
        if self.step == "review":
            self.step = "form"

    @rx.event
    def confirm(self):
        if self.step != "review":
            return  # a second click, or a replayed event: already paid or not reviewed
        try:
            actor = self._require("self.pay")
            if self.method == payment_view.NEW_ACCOUNT:
                b = self._bank
                inst = instruments.add_bank_account(actor, self.loan_number, b["holder_name"],
                                                    b["routing_number"], b["account_number"],
                                                    b["account_type"] or "checking")
                self.method = str(inst)  # a retry of this form reuses the account
                self._labels[self.method] = f"the bank account ending {b['account_number'][-4:]}"
                self._rails[self.method] = "nacha"
            # Stripe methods are charged now; bank-file (nacha) ones wait for the next file
            out = collection_runs.pay_now(actor, self.loan_number, int(self.method),
                                          self.choice, self.amount, self._key,
                                          ports().charger)
        except DomainError as e:
            self.error = f"Not paid: {e}." if not isinstance(e, ValidationError) else \
                "Not paid: " + "; ".join(payment_view.field_errors(e.errors).values())
            return
        self.step = "done"
        self.result = self._result(actor, out)

    def _result(self, actor, out) -> dict[str, str]:
        title = RESULTS.get(out.status, out.status)
        if out.status == "scheduled":
            body = (f"{self.summary} goes in the next bank file. It shows as pending once sent "
                    "to your bank, and as posted when it settles." if
                    self._rails.get(self.method) == "nacha" else f"{self.summary} will be "
                    "charged shortly.")
        elif out.status in ("failed", "returned"):
            row = next((r for r in queries.payment_history(actor, self.loan_number)
                        if r.attempt_id == out.attempt_id), None)
            body = f"{self.summary} was refused" + (
                f": {row.return_code} {row.return_text}".rstrip() if row else ".")
        else:
            body = f"{self.summary}: {title.lower()}."
        return {"title": title, "body": body, "version": "", "status": out.status}

    @rx.event
    def another(self):
        return PayState.load


def form_step() -> rx.Component:
    s = PayState
    return card(rx.form(rx.flex(
        radio_choices("How much", "choice", [
            ("due", "The amount due now (" + s.due + ")"),
            ("payoff", "Pay off the loan today (" + s.payoff + ")"),
            ("custom", "Another amount")], s.choice, s.set_choice, s.errors["choice"],
            extra=rx.cond(s.choice == "custom", fixed_amount_field(
                s.amount, s.set_amount, s.errors["amount"], "Amount to pay", "", "amount"))),
        method_picker(s.methods, s.method, s.set_method, s.errors, s.stripe_enabled,
                      s.start_stripe_setup, s.field_left),
        rx.button("Review payment", type="submit", size="3",
                  align_self=rx.breakpoints(initial="stretch", sm="flex-start")),
        direction="column", spacing="4"), on_submit=s.review, aria_label="Pay now"),
        id="pay-form")


def review_step() -> rx.Component:
    s = PayState
    return card(rx.flex(
        rx.heading("Check your payment", size="5", as_="h2"),
        rx.text(rx.text.strong(s.summary, id="pay-summary")),
        rx.text("How it would be applied, by installment:", size="2", color=HINT_COLOR),
        preview_table(s.preview),
        rx.text(s.authorization, size="2", id="pay-authorization"),
        rx.flex(rx.button("Confirm payment", on_click=s.confirm, size="3", id="confirm-payment"),
                rx.button("Change", on_click=s.edit, size="3", variant="soft"),
                spacing="2", wrap="wrap"),
        direction="column", spacing="3"), id="pay-review")


@protected_page(ROUTE, "self.pay", state=PayState,
                title="Pay now · Lendbook", heading="Pay now")
def pay_page() -> rx.Component:
    s = PayState
    return rx.cond(s.loan_number != "", rx.flex(
        rx.link("\u2190 Back to loan ", s.loan_number, href="/loans/" + s.loan_number,
                id="back-to-loan"),
        rx.text("Due now: ", rx.text.strong(s.due, id="pay-due"), " · payoff today: ",
                rx.text.strong(s.payoff, id="pay-payoff")),
        alert(s.error, id="form-error"),
        rx.match(s.step,
                 ("review", review_step()),
                 ("done", rx.flex(
                     rx.cond((s.result["status"] == "failed") |
                             (s.result["status"] == "returned"),
                             rx.callout(s.result["body"], color_scheme="red",
                                        role="alert", id="pay-failed"),
                             confirmation(s.result)),
                     rx.flex(rx.button("Make another payment", on_click=s.another,
                                       variant="soft", size="3"),
                             rx.link("See the payment history",
                                     href="/loans/" + s.loan_number + "#payment-history"),
                             spacing="3", align="center", wrap="wrap"),
                     direction="column", spacing="3")),
                 form_step()),
        direction="column", spacing="4", max_width="46rem"),
        rx.spinner(size="3"))
