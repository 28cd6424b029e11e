"""One of the dealer's own applications: status, stage, decision reasons and the sale.
Anyone else's application is refused on the backend, whatever id the URL carries."""
import reflex as rx

from domain.kernel.errors import DomainError
from domain.access import claims
from domain.origination import dealer
from domain.documents import store as document_store
from domain.origination import document_requests
from portal import dealer_form
from portal.components.dealer import facts, status_badge
from portal.components.documents import document_panel, labelled
from ui.components import alert, card
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState


ROUTE = "/dealer/applications/[application_id]"

class DealerApplicationState(ProtectedState, AuthState):
    app: dict[str, str] = {}
    reasons: list[str] = []
    documents: list[dict[str, str]] = []
    requested: list[dict[str, str]] = []
    upload_kind: str = "id"
    upload_error: str = ""
    can_invite: bool = False  # the customer's account was opened here and is not claimed
    claim_code: str = ""

    def _documents(self, actor, application_id: int) -> None:
        self.documents = labelled([
            {"kind": d.kind, "filename": d.filename}
            for d in document_store.for_application(actor, application_id)])
        self.requested = labelled(document_requests.requested(actor, application_id))

    def _load_page(self, actor):
        raw = self._route_arg(ROUTE, "application_id")
        self.app, self.reasons = {}, []
        found = dealer.application(actor, int(raw) if raw.isdigit() else 0)
        self.app = dealer_form.row(found)
        self.reasons = found.reasons
        self._documents(actor, found.id)
        self.can_invite = claims.awaits_claim(actor, found.id)
        self.claim_code = ""

    @rx.event
    def issue_code(self):
        """A one-time code the customer uses at /claim to set a password and accept."""
        try:
            actor = self._require("dealer.submit")
            self.claim_code = claims.issue(actor, int(self.app.get("id", "0")))
            self.upload_error = ""
        except (DomainError, ValueError) as e:
            self.upload_error = str(e)

    @rx.event
    def set_upload_kind(self, kind: str):
        self.upload_kind = kind

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        """The dealer uploads the customer's documents at the counter (ID, proof of income)."""
        try:
            actor = self._require("dealer.submit")
            app_id = int(self.app.get("id", "0"))
            for f in files:
                document_store.store(actor, app_id, self.upload_kind, f.name or "document",
                                     f.content_type, await f.read())
            self._documents(actor, app_id)
            self.upload_error = ""
        except (DomainError, ValueError) as e:
            self.upload_error = str(e)


def claim_card(s) -> rx.Component:
    return card(
        rx.heading("Customer sign-in", size="4", as_="h2"),
        rx.text("The customer's account was opened with this application and has no password "
                "yet. Give them a one-time code: at /claim they enter their e-mail, the code "
                "and a password of their own, then accept the offer and sign. A new code "
                "replaces the last one; it is valid for 72 hours, once."),
        rx.cond(s.claim_code != "",
                rx.callout(rx.text("Code for the customer: ",
                                   rx.code(s.claim_code, id="claim-code", size="4"),
                                   " (shown once)"),
                           icon="key_round", color_scheme="blue", margin_top="0.5em"),
                rx.button("Give the customer a sign-in code", on_click=s.issue_code,
                          size="3", margin_top="0.5em")),
        id="customer-claim")


@protected_page(ROUTE, "dealer.submit", state=DealerApplicationState,
                title="Application · Lendbook", heading="Application")
def dealer_application() -> rx.Component:
    a = DealerApplicationState.app
    return rx.cond(a.contains("id"), rx.flex(
        rx.link("\u2190 Back to point of sale", href="/dealer"),
        card(
            rx.flex(rx.heading("Application ", a["id"], size="5", as_="h2",
                               id="application-number"),
                    status_badge(a["status"], a["status_text"]),
                    spacing="3", align="center", wrap="wrap", margin_bottom="0.75em",
                    id="application-status"),
            facts(a)),
        card(rx.heading("Decision reasons", size="4", as_="h2"),
             rx.el.ul(rx.foreach(DealerApplicationState.reasons, lambda r: rx.el.li(r)),
                      id="application-reasons")),
        document_panel(DealerApplicationState.requested, DealerApplicationState.documents,
                       DealerApplicationState.upload_kind,
                       DealerApplicationState.set_upload_kind, DealerApplicationState.upload),
        rx.cond(DealerApplicationState.can_invite, claim_card(DealerApplicationState)),
        alert(DealerApplicationState.upload_error),
        direction="column", spacing="4"),
        rx.spinner(size="3"))
