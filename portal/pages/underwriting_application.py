"""One application as an underwriter works it: stage tracker, applicant, terms, bureau data,
decision with rule results, documents, conditions and history; the actions (approve with
changed terms, decline, request documents, verify identity, complete a review stage) and the
funding panel (pre-funding checks, approvals, disbursement). Every handler checks the role on
the backend again; the domain services check it once more against the workflow."""
import reflex as rx

from domain.kernel.errors import DomainError, ValidationError
from domain.origination import application_view, esign, funding, underwriting
from portal import underwriting_view as view
from portal.components.underwriting import section, stage_badge
from portal.components.underwriting_facts import (bureau_card, conditions_card, decision_card,
                                                  documents_card, facts, history_card,
                                                  stage_tracker)
from portal.components.underwriting_forms import actions_card, funding_panel
from composition import ports
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

FIELDS = ("approve.amount", "approve.term", "approve.reason", "decline.reason",
          "decline.adverse_action_code", "request.kinds", "request.note", "verify.reason",
          "complete.reason", "fund.note", "redisclose.reason")
AREAS = ("actions", "conditions", "funding", "disbursement")
VERBS = {"approve": "Not approved", "decline": "Not declined",
         "request": "Documents not requested", "verify": "Identity not verified",
         "complete": "Stage not completed", "fund": "Funding not approved",
         "condition": "Not recorded", "disbursement": "Disbursement not updated",
         "redisclose": "No new agreement sent"}


ROUTE = "/underwriting/[application_id]"

class UnderwritingAppState(ProtectedState, AuthState):
    loaded: bool = False
    summary: dict[str, str] = {}
    progress: list[dict[str, str]] = []
    applicant: list[dict[str, str]] = []
    terms: list[dict[str, str]] = []
    bureau: list[dict[str, str]] = []
    flags: dict[str, str] = {"thin": "", "fraud": "", "kyc": ""}
    reasons: list[str] = []
    rules: list[dict[str, str]] = []
    documents: list[dict[str, str]] = []
    conditions: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    can_underwrite: bool = False
    can_complete: bool = False
    can_act: bool = False
    can_verify: bool = False
    show_funding: bool = False
    stale_disclosure: bool = False  # the signed terms no longer hold: re-disclose
    can_fund: bool = False
    checks: list[dict[str, str]] = []
    checks_passed: bool = False
    approval_count: int = 0
    approvers_needed: int = 1
    approvers: str = ""
    approval_levels: str = ""
    loan_number: str = ""
    disbursement: dict[str, str] = {}
    disbursement_choices: list[list[str]] = []
    can_track: bool = False
    tab: str = "approve"
    errors: dict[str, str] = {k: "" for k in FIELDS}
    msg: dict[str, str] = {k: "" for k in AREAS}
    note: dict[str, str] = {k: "" for k in AREAS}

    def _id(self) -> int:
        try:
            return int(self._route_arg(ROUTE, "application_id"))
        except ValueError:
            return 0

    def _refresh(self, actor) -> None:
        d = application_view.detail(actor, self._id())
        self.summary = view.summary(d)
        self.progress = view.progress_rows(d)
        self.applicant = view.applicant_rows(d)
        self.terms = view.terms_rows(d)
        self.bureau = view.bureau_rows(d)
        self.flags = view.bureau_alerts(d)
        self.reasons = list(d.decision_reasons)
        self.rules = view.rule_rows(d)
        self.documents = view.document_rows(d)
        self.conditions = view.condition_rows(d)
        self.history = view.history_rows(d)
        self.can_underwrite, self.can_complete = d.can_underwrite, d.can_complete_stage
        self.can_act = d.can_act
        self.can_verify = d.can_act and not d.kyc_passed
        self.loan_number = d.loan_number or ""
        self.disbursement = view.disbursement(d)
        self.can_track = d.can_track_disbursement
        self.disbursement_choices = [[x, x.capitalize()] for x in d.disbursement_next]
        self.approval_levels = view.approval_levels(d)
        signed_held = d.stage == "signature" and any(
            h["action"] == "application.signed" for h in d.history)
        self.show_funding = d.stage == "funding" or signed_held or bool(d.loan_number)
        self.can_fund = d.can_fund
        if self.show_funding and not d.loan_number:
            st = funding.state(actor, d.id)
            self.checks = view.funding_rows(st)
            self.checks_passed = all(c.passed for c in st.checks)
            self.stale_disclosure = any(c.name == funding.DISCLOSURE_CHECK and not c.passed
                                        for c in st.checks)
            self.approval_count, self.approvers_needed = len(st.approvals), st.needed
            self.approvers = ", ".join(st.approvals)
        else:
            self.checks, self.checks_passed, self.approvers = [], False, ""
            self.stale_disclosure = False
        tabs = self._tabs()
        if self.tab not in tabs:
            self.tab = tabs[0] if tabs else ""
        self.loaded = True

    def _tabs(self) -> list[str]:
        return [t for t, ok in (("approve", self.can_underwrite), ("complete", self.can_complete),
                                ("request", self.can_act), ("verify", self.can_verify),
                                ("decline", self.can_act)) if ok]

    def _clear(self) -> None:
        self.errors = {k: "" for k in FIELDS}
        self.msg = {k: "" for k in AREAS}
        self.note = {k: "" for k in AREAS}

    def _fail(self, form: str, area: str, e: DomainError) -> None:
        """Show a refusal: each field's reason under its field, the rest in the message."""
        self._clear()
        if isinstance(e, ValidationError):
            errors, rest = dict(self.errors), []
            for field, reason in e.errors.items():
                key = f"{form}.{field}"
                if key in errors:
                    errors[key] = f"{field.replace('_', ' ').capitalize()} {reason}."
                else:
                    rest.append(f"{field.replace('_', ' ')} {reason}")
            self.errors = errors
            text = "; ".join(rest) if rest else "check the fields marked below"
        else:
            text = str(e)
        self.msg = {**self.msg, area: f"{VERBS[form]}: {text}."}

    def _done(self, actor, area: str, text: str) -> None:
        self._clear()
        self.note = {**self.note, area: text}
        self._refresh(actor)

    def _load_page(self, actor):
        self.loaded = False
        self._clear()
        self.tab = "approve"
        self._refresh(actor)

    def _refuse(self, error: DomainError) -> None:
        super()._refuse(error)
        self.summary = {}  # a refused user's state holds no application

    @rx.event
    def set_tab(self, value: str):
        self.tab = value

    @rx.event
    def approve(self, form: dict):
        try:
            actor = self._require("application.view")
            stage = underwriting.approve(actor, self._id(), form.get("reason", ""),
                                         form.get("amount", ""), form.get("term", ""))
        except DomainError as e:
            return self._fail("approve", "actions", e)
        self._done(actor, "actions", f"Approved: the application moved to "
                                     f"{view.stage_label(stage)}.")

    @rx.event
    def decline(self, form: dict):
        try:
            actor = self._require("application.view")
            underwriting.decline(actor, self._id(), form.get("reason", ""),
                                 form.get("adverse_action_code", ""))
        except DomainError as e:
            return self._fail("decline", "actions", e)
        self._done(actor, "actions", "Declined; the adverse action reason is recorded.")

    @rx.event
    def request_documents(self, form: dict):
        kinds = [k for k, _ in view.DOCUMENT_CHOICES if form.get(f"kind_{k}")]
        try:
            actor = self._require("application.view")
            ids = underwriting.request_documents(actor, self._id(), kinds,
                                                 form.get("note", ""))
        except DomainError as e:
            return self._fail("request", "actions", e)
        names = ", ".join(dict(view.DOCUMENT_CHOICES)[k] for k in kinds)
        self._done(actor, "actions", f"Requested {names}: {len(ids)} condition"
                                     f"{'s' if len(ids) != 1 else ''} opened.")

    @rx.event
    def verify_identity(self, form: dict):
        try:
            actor = self._require("application.view")
            stage = underwriting.verify_identity(actor, self._id(), form.get("reason", ""))
        except DomainError as e:
            return self._fail("verify", "actions", e)
        self._done(actor, "actions", f"Identity verified; the application is at "
                                     f"{view.stage_label(stage)}.")

    @rx.event
    def complete_stage(self, form: dict):
        try:
            actor = self._require("application.view")
            stage = underwriting.complete_stage(actor, self._id(), form.get("reason", ""))
        except DomainError as e:
            return self._fail("complete", "actions", e)
        self._done(actor, "actions", f"Stage completed: the application moved to "
                                     f"{view.stage_label(stage)}.")

    @rx.event
    def settle_condition(self, form: dict):
        try:
            actor = self._require("application.view")
            cid = int(form.get("condition_id") or 0)
            if str(cid) not in {c["id"] for c in self.conditions}:
                raise ValidationError({"condition": "is not one of this application's"})
            waive = form.get("condition_action") == "waive"
            underwriting.clear_condition(actor, cid, form.get("reason", ""), waive=waive)
        except (DomainError, ValueError) as e:
            if isinstance(e, ValueError):
                e = ValidationError({"condition": "is not one of this application's"})
            return self._fail("condition", "conditions", e)
        self._done(actor, "conditions", f"Condition {cid} {'waived' if waive else 'cleared'}.")

    @rx.event
    def approve_funding(self, form: dict):
        try:
            actor = self._require("application.view")
            number = funding.approve(actor, self._id(), form.get("note", ""))
        except DomainError as e:
            return self._fail("fund", "funding", e)
        self._done(actor, "funding" if number is None else "disbursement",
                   f"Funding approved and booked as {number}; the disbursement is recorded."
                   if number else "Your approval is recorded; another approver is needed.")

    @rx.event
    def redisclose(self, form: dict):
        try:
            actor = self._require("application.decide", "application.fund")
            esign.redisclose(actor, self._id(), form.get("reason", ""), ports().esign)
        except DomainError as e:
            return self._fail("redisclose", "funding", e)
        except Exception as e:  # noqa: BLE001  the e-signature provider was unreachable
            self._clear()
            self.msg = {**self.msg, "funding": f"No new agreement sent: e-signature is "
                                              f"unavailable right now ({e})."}
            return
        self._done(actor, "funding", "A new agreement was sent; the borrower signs it again, "
                                     "then funding resumes.")

    @rx.event
    def update_disbursement(self, form: dict):
        try:
            actor = self._require("application.fund")
            status = form.get("status", "")
            funding.update_disbursement(actor, self.loan_number, status,
                                        form.get("reference", ""))
        except DomainError as e:
            return self._fail("disbursement", "disbursement", e)
        self._done(actor, "disbursement", f"Disbursement marked {status}.")


@protected_page(ROUTE, "application.view", state=UnderwritingAppState,
                title="Underwriting an application · Lendbook",
                heading="Underwriting an application")
def underwriting_application() -> rx.Component:
    s = UnderwritingAppState
    return rx.cond(s.loaded, rx.flex(
        rx.flex(
            rx.heading("Application #", s.summary["id"], " · ", s.summary["applicant"],
                       size="5", as_="h2", id="application-title"),
            stage_badge(s.summary["stage"], s.summary["stage_name"]),
            rx.badge(s.summary["status"], variant="outline", size="2",
                     high_contrast=True, id="application-status"),
            rx.spacer(),
            rx.link("← Back to the queue", href="/underwriting"),
            spacing="2", align="center", wrap="wrap", width="100%"),
        stage_tracker(s.progress),
        rx.box(
            rx.flex(
                section("Applicant", facts(s.applicant, "Applicant"), id="applicant"),
                section("Terms", facts(s.terms, "Requested and current terms"),
                        id="terms"),
                bureau_card(s.bureau, s.flags),
                decision_card(s.summary, s.reasons, s.rules),
                direction="column", spacing="4", min_width="0"),
            rx.flex(
                actions_card(s),
                rx.cond(s.show_funding, funding_panel(s)),
                documents_card(s.documents),
                conditions_card(s.conditions, s.settle_condition, s.can_act,
                                s.msg["conditions"], s.note["conditions"]),
                direction="column", spacing="4", min_width="0"),
            display="grid", gap="1rem", width="100%",
            grid_template_columns=rx.breakpoints(
                initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(0, 2fr)")),
        history_card(s.history),
        direction="column", spacing="4"), rx.spinner(size="3"))
