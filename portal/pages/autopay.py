"""Autopay for one loan: the enrolment as it stands, or the form to enrol (a saved method or a
new bank account, draft day, amount, the debit authorization accepted); pause, resume, change
and cancel, each confirmed. The borrower acts; staff may look."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.kernel.money import parse_amount
from domain.payments import autopay, instruments, payment_methods
from domain.servicing import queries
from portal import payment_view, stripe_setup
from portal.components.autopay import (cancel_form, enrolment_actions, enrolment_card,
                                       fixed_amount_field, inactive_note, pause_form)
from portal.components.dealer import checked_select
from portal.components.payments import confirmation, mandate_box, method_picker, radio_choices
from ui.components import alert, card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

VIEWERS = ("self.loans", "loan.view")
FIELDS = ("instrument", "holder_name", "routing_number", "account_number", "account_type",
          "draft_offset_days", "amount_mode", "fixed_amount", "mandate", "loan", "until",
          "reason")
AMOUNT_MODES = [("installment", "The installment due each time"), ("fixed", "A fixed amount")]


ROUTE = "/loans/[loan_number]/autopay"

class AutopayState(ProtectedState, AuthState):
    loan_number: str = ""
    loan_active: bool = False
    can_act: bool = False  # the borrower; staff see the page without its forms
    enrolment: dict[str, str] = {}
    methods: list[list[str]] = []
    # the enrol/change form, held here so the authorization text follows every choice
    method: str = ""
    offset: str = "0"
    amount_mode: str = "installment"
    fixed_amount: str = ""
    mandate: str = ""
    form: str = ""  # the open action: "", "change", "pause", "cancel"
    errors: dict[str, str] = {f: "" for f in FIELDS}
    error: str = ""
    confirmation: dict[str, str] = {}
    stripe_enabled: bool = True  # cards and bank accounts through Stripe Checkout
    _lender: str = ""
    _disclosure: str = ""  # the lender's published autopay disclosure, part of the mandate
    _kinds: dict[str, str] = {}

    def _load_page(self, actor):
        number = self._route_arg(ROUTE, "loan_number")
        self.loan_number, self.confirmation, self.form, self.error = "", {}, "", ""
        self.loan_active = queries.loan_detail(actor, number).status == "active"
        self.loan_number, self._lender = number, payment_methods.lender_name()
        self._disclosure = self.brand_disclosures.get("autopay", "")
        self._refresh(actor)
        self.can_act = self.is_borrower
        returned = self.router.url.query_parameters.get(stripe_setup.SESSION_PARAM)
        if returned and self.can_act:
            try:
                self.method = str(stripe_setup.finish(actor, number, returned))
                self._refresh(actor, keep_method=True)
                self.form = "change" if self.enrolment.get("status") in autopay.ACTIVE else ""
            except DomainError as e:
                self._fail(e)

    def _refresh(self, actor, keep_method: bool = False) -> None:
        self.enrolment = payment_view.enrolment(autopay.view(actor, self.loan_number))
        saved = payment_methods.methods(actor, self.loan_number)
        self._kinds = {str(m.id): m.kind for m in saved}
        self.methods = ([["", "Choose how to pay"]] + [[str(m.id), m.label] for m in saved]
                        + [[payment_view.NEW_ACCOUNT, "Add a bank account"]])
        e = self.enrolment
        keep = e.get("status") in autopay.ACTIVE
        if not (keep_method and self.method in self._kinds):
            self.method = e["instrument_id"] if keep and e["instrument_id"] in self._kinds \
                else (str(saved[0].id) if saved else payment_view.NEW_ACCOUNT)
        self.offset = e["offset"] if keep else "0"
        self.amount_mode = e["amount_mode"] if keep else "installment"
        self.fixed_amount = e["fixed_amount"] if keep else ""
        self.errors = {f: "" for f in FIELDS}
        self._mandate()

    def _mandate(self) -> None:
        """The authorization for the terms on the form, exactly as enrol/change store it; a
        new text must be accepted again."""
        fixed = None
        if self.amount_mode == "fixed":
            try:
                fixed = parse_amount(self.fixed_amount, "fixed_amount")
            except ValidationError:
                self.mandate = ""
                return
        text = autopay.mandate_text(self._lender, self.loan_number,
                                    self._kinds.get(self.method, "us_bank_account"),
                                    self.amount_mode, fixed, int(self.offset or 0),
                                    self._disclosure)
        self.mandate = text

    def _set(self, field: str, attr: str, value: str) -> None:
        setattr(self, attr, value)
        self.errors = {**self.errors, field: "", "mandate": ""}
        self._mandate()

    @rx.event
    def set_method(self, value: str):
        self._set("instrument", "method", value)

    @rx.event
    def set_offset(self, value: str):
        self._set("draft_offset_days", "offset", value)

    @rx.event
    def set_amount_mode(self, value: str):
        self._set("amount_mode", "amount_mode", value)

    @rx.event
    def set_fixed_amount(self, value: str):
        self._set("fixed_amount", "fixed_amount", value)

    @rx.event
    def open_form(self, name: str):
        self.form, self.error, self.confirmation = name, "", {}
        self.errors = {f: "" for f in FIELDS}

    @rx.event
    def close_form(self):
        self.form = ""

    @rx.event
    def field_left(self, name: str, value: str):
        """A bank field filled in loses its old error (the next submit checks again)."""
        if str(value).strip() and self.errors.get(name):
            self.errors = {**self.errors, name: ""}
            if not any(self.errors.values()):
                self.error = ""

    @rx.event
    def start_stripe_setup(self):
        """To Stripe's hosted page (setup mode); it sends the borrower back here with the
        session, which `load` saves as one of `methods`."""
        try:
            actor = self._require("self.pay")
            url = stripe_setup.start(actor, self.loan_number, self.router.url.origin,
                                     f"/loans/{self.loan_number}/autopay")
        except DomainError as e:
            self._fail(e)
            return
        return rx.redirect(url, is_external=False)

    def _check(self, form: dict) -> dict[str, str]:
        """Every field at once, before anything is saved (the domain checks again)."""
        errors = {}
        if not self.method:
            errors["instrument"] = "choose a saved method or add a bank account"
        elif self.method == payment_view.NEW_ACCOUNT:
            errors.update(instruments.bank_account_errors(
                form.get("holder_name", ""), form.get("routing_number", ""),
                form.get("account_number", ""), form.get("account_type", "checking")))
        if self.amount_mode == "fixed":
            try:
                parse_amount(self.fixed_amount, "fixed_amount")
            except ValidationError as e:
                errors.update(e.errors)
        if not form.get("mandate") or not self.mandate:
            errors["mandate"] = "check the box to authorize the debits"
        return errors

    def _instrument(self, actor, form: dict) -> int:
        if self.method != payment_view.NEW_ACCOUNT:
            return int(self.method)
        inst = instruments.add_bank_account(
            actor, self.loan_number, form.get("holder_name", ""),
            form.get("routing_number", ""), form.get("account_number", ""),
            form.get("account_type", "checking"))
        self._kinds[str(inst)] = "us_bank_account"  # a retry after a refusal reuses it
        self.method = str(inst)
        return inst

    def _fail(self, e: DomainError) -> None:
        if isinstance(e, ValidationError) and "stripe" in e.errors:
            self.error = f"Nothing was changed: {e.errors['stripe']}."
            return
        if not isinstance(e, ValidationError):
            self.error = f"Nothing was changed: {e}."
            return
        said = payment_view.field_errors(e.errors)
        self.errors = {**{f: "" for f in FIELDS}, **said}
        self.error = "Nothing was changed: " + (said["loan"] if "loan" in said else
                                               "please correct the fields marked below.")

    def _done(self, actor, title: str, body: str) -> None:
        self._refresh(actor)
        self.form, self.error = "", ""
        self.confirmation = {"title": title, "body": body,
                             "version": self.enrolment.get("version", "")}

    @rx.event
    def save_terms(self, form: dict):
        """Enrol, or change the enrolment (the form says which); the authorization for the
        terms on the form is accepted with it."""
        changing = self.enrolment.get("status") in autopay.ACTIVE
        try:
            actor = self._require("self.pay")
            errors = self._check(form)
            if errors:
                raise ValidationError(errors)
            fixed = self.fixed_amount if self.amount_mode == "fixed" else None
            who = dict(accepted_mandate=True, ip=self.router.session.client_ip,
                       user_agent=self.router.headers.user_agent)
            inst = self._instrument(actor, form)
            if changing:
                view = autopay.change(actor, self.loan_number, instrument_id=inst,
                                      draft_offset_days=int(self.offset),
                                      amount_mode=self.amount_mode, fixed_amount=fixed, **who)
            else:
                view = autopay.enrol(actor, self.loan_number, inst, int(self.offset),
                                     self.amount_mode, fixed, **who)
        except (DomainError, ValueError) as e:
            return self._fail(e if isinstance(e, DomainError) else ValidationError(
                {"draft_offset_days": "choose a draft day from the list"}))
        view_row = payment_view.enrolment(view)
        self._done(actor, "Autopay changed" if changing else "You are enrolled in autopay",
                   f"{view_row['amount']} from {view_row['instrument']}, drafted "
                   f"{view_row['draft_day'].lower()}. The authorization you accepted is kept "
                   "with your account.")

    @rx.event
    def pause(self, form: dict):
        try:
            actor = self._require("self.pay")
            until = payment_view.parse_date(form.get("until", ""), "until")
            autopay.pause(actor, self.loan_number, until, (form.get("reason") or "").strip())
        except DomainError as e:
            return self._fail(e)
        self._done(actor, "Autopay paused", f"No drafts until {until.isoformat()}; it resumes "
                   "by itself the day after." if until else
                   "No drafts until you resume autopay.")

    @rx.event
    def resume(self):
        try:
            actor = self._require("self.pay")
            autopay.resume(actor, self.loan_number)
        except DomainError as e:
            return self._fail(e)
        self._done(actor, "Autopay resumed", "The next installment is drafted as before.")

    @rx.event
    def cancel(self, form: dict):
        reason = (form.get("reason") or "").strip()
        detail = (form.get("detail") or "").strip()
        try:
            actor = self._require("self.pay")
            if not reason:
                raise ValidationError({"reason": "is required: choose why you are cancelling"})
            autopay.cancel(actor, self.loan_number, f"{reason}: {detail}" if detail else reason)
        except DomainError as e:
            return self._fail(e)
        self._done(actor, "Autopay cancelled", "No more drafts will be made. You can pay with "
                   "Pay now or enrol again at any time.")



def terms_form() -> rx.Component:
    s = AutopayState
    changing = s.enrolment["status"] == "active"
    return card(rx.form(rx.flex(
        rx.heading(rx.cond(s.form == "change", "Change autopay", "Enrol in autopay"), size="5",
                   as_="h2"),
        method_picker(s.methods, s.method, s.set_method, s.errors, s.stripe_enabled,
                      s.start_stripe_setup, s.field_left),
        checked_select("Draft day", "draft_offset_days", payment_view.OFFSET_OPTIONS,
                       s.errors["draft_offset_days"], value=s.offset, on_change=s.set_offset),
        radio_choices("Amount", "amount_mode", AMOUNT_MODES, s.amount_mode, s.set_amount_mode,
                      s.errors["amount_mode"], extra=rx.cond(
                          s.amount_mode == "fixed", fixed_amount_field(
                              s.fixed_amount, s.set_fixed_amount, s.errors["fixed_amount"]))),
        mandate_box(s.mandate, s.errors["mandate"]),
        rx.flex(rx.button(rx.cond(s.form == "change", "Accept and save changes",
                                  "Accept and enrol"), type="submit", size="3"),
                rx.cond(s.form == "change", rx.button("Back", type="button", variant="soft",
                                                      size="3", on_click=s.close_form)),
                spacing="2", wrap="wrap"),
        direction="column", spacing="4"), on_submit=s.save_terms, aria_label=rx.cond(
            changing, "Change autopay", "Enrol in autopay")), id="terms-form")


@protected_page(ROUTE, VIEWERS, state=AutopayState,
                title="Autopay · Lendbook", heading="Autopay")
def autopay_page() -> rx.Component:
    s = AutopayState
    enrolled = (s.enrolment["status"] == "active") | (s.enrolment["status"] == "paused")
    return rx.cond(s.loan_number != "", rx.flex(
        rx.link("\u2190 Back to loan ", s.loan_number, href="/loans/" + s.loan_number,
                id="back-to-loan"),
        confirmation(s.confirmation),
        alert(s.error, id="form-error"),
        rx.cond(enrolled, enrolment_card(s.enrolment, rx.cond(
            s.can_act & (s.form == ""), enrolment_actions(
                s.enrolment["status"] == "paused", s.open_form("change"), s.open_form("pause"),
                s.resume, s.open_form("cancel")))), inactive_note(s.enrolment, s.can_act)),
        rx.cond(~s.can_act, rx.text("Only the borrower can enrol or change autopay.",
                                    color="#4a5568")),
        rx.cond(s.can_act & s.loan_active, rx.match(
            s.form,
            ("change", terms_form()),
            ("pause", pause_form(s.pause, s.errors, s.close_form)),
            ("cancel", cancel_form(s.cancel, s.errors, s.close_form)),
            rx.cond(enrolled, rx.fragment(), terms_form()))),
        rx.cond(~s.loan_active, rx.text("Autopay needs an active loan.", color="#4a5568")),
        direction="column", spacing="4", max_width="46rem"),
        rx.spinner(size="3"))
