"""A borrower's application: the decision and offer (with the Truth-in-Lending figures), the
workflow's progress, accepting and e-signing on DocuSign's page, uploading requested documents,
and the loan once it is funded."""
import reflex as rx

from domain.kernel.errors import DomainError
from domain.documents import store as document_store
from domain.origination import esign, my_application, applications as origination
from composition import ports
from portal.components.documents import document_panel, labelled
from portal.components.steps import stage_tracker
from ui.components import alert, card, stat
from ui.protected import ProtectedState, protected_page
from ui.state import AuthState

ROUTE = "/applications/[application_id]"

class ApplicationState(ProtectedState, AuthState):
    error: str = ""
    notice: str = ""
    app: dict[str, str] = {}
    reasons: list[str] = []
    progress: list[dict[str, str]] = []
    documents: list[dict[str, str]] = []
    requested: list[dict[str, str]] = []
    upload_kind: str = "proof_of_income"
    working: bool = False

    def _id(self) -> int:
        try:
            return int(self._route_arg(ROUTE, "application_id"))
        except ValueError:
            return 0

    def _load_page(self, actor):
        v = my_application.view(actor, self._id())
        self.error, self.working = "", False
        self.app = {"id": str(v.id), "product": v.product, "amount": v.amount,
                    "term": str(v.term), "installment": v.installment, "status": v.status,
                    "stage": v.stage, "apr": v.apr, "finance_charge": v.finance_charge,
                    "total_of_payments": v.total_of_payments,
                    "signed": "yes" if v.signed else "", "loan": v.loan_number or "",
                    "can_sign": "yes" if v.status == "approved" and v.stage in (
                        "offer", "signature") and not v.signed else "",
                    "sign_label": "Accept offer and sign" if v.has_signature_stage
                    else "Accept offer"}
        self.reasons = v.reasons
        self.progress = v.progress
        self.documents, self.requested = labelled(v.documents), labelled(v.requested)
        if self._query("event") == "signing_complete" and not v.signed:
            self.notice = "Thank you for signing. We are confirming your signature…"
        elif v.signed and v.stage != "booked":
            self.notice = "Your agreement is signed. Funding is being approved."
        else:
            self.notice = ""

    @rx.event
    def accept_and_sign(self):
        if self.working:
            return
        self.working = True
        yield
        try:
            actor = self._require("self.apply")
            number = origination.accept_offer(actor, self._id())
            if number:
                yield rx.redirect(f"/loans/{number}")
                return
            client = ports().esign
            esign.send_agreement(actor, self._id(), client)
            host = self.router.headers.origin or ""
            back = f"{host}/applications/{self._id()}"
            url = esign.signing_url(actor, self._id(), back, client)
        except DomainError as e:
            self.error, self.working = str(e), False
            return
        except Exception as e:  # noqa: BLE001  the provider was unreachable or refused
            self.error, self.working = f"E-signature is unavailable right now: {e}", False
            return
        yield rx.redirect(url)

    @rx.event
    def set_upload_kind(self, kind: str):
        self.upload_kind = kind

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        try:
            actor = self._require("self.apply")
            for f in files:
                content = await f.read()
                document_store.store(actor, self._id(), self.upload_kind,
                                     f.name or "document", f.content_type, content)
        except DomainError as e:
            self.error = str(e)
            return
        self.error = ""
        return ApplicationState.load


def offer() -> rx.Component:
    a = ApplicationState.app
    return card(rx.flex(
        rx.heading("Your offer", size="5", as_="h2"),
        rx.flex(stat("Amount financed", a["amount"]), stat("Payment", a["installment"]),
                stat("Number of payments", a["term"]), stat("APR", a["apr"] + "%"),
                spacing="3", wrap="wrap"),
        rx.text("Finance charge ", rx.text.strong(a["finance_charge"]),
                " · Total of payments ", rx.text.strong(a["total_of_payments"]), size="2"),
        rx.cond(a["can_sign"] == "yes", rx.flex(
            # The lender's e-sign disclosure (published branding), read before signing.
            rx.cond(ApplicationState.brand_disclosures.get("esign", "") != "",
                    rx.text(ApplicationState.brand_disclosures.get("esign", ""),
                            id="esign-disclosure", size="2",
                            style={"whiteSpace": "pre-line"})),
            rx.button(a["sign_label"], on_click=ApplicationState.accept_and_sign,
                      size="3", color_scheme="green", id="accept-sign",
                      aria_describedby="esign-disclosure",
                      loading=ApplicationState.working),
            direction="column", spacing="2")),
        direction="column", spacing="3"))


def documents() -> rx.Component:
    st = ApplicationState
    return document_panel(st.requested, st.documents, st.upload_kind, st.set_upload_kind,
                          st.upload)


@protected_page(ROUTE, "self.apply", state=ApplicationState,
                title="Application · Lendbook", heading="Your application")
def application_page() -> rx.Component:
    a = ApplicationState.app
    return rx.flex(
        rx.text("Application #", a["id"], " · ", a["product"], size="3"),
        card(stage_tracker(ApplicationState.progress)),
        rx.heading(rx.match(a["status"], ("approved", "Approved"),
                            ("declined", "Declined"), ("referred", "Under review"),
                            ("booked", "Funded"), a["status"]),
                   size="6", as_="h2", id="application-status"),
        rx.el.ul(rx.foreach(ApplicationState.reasons, lambda r: rx.el.li(r)),
                 id="decision-reasons"),
        alert(ApplicationState.notice, color="green"),
        alert(ApplicationState.error),
        rx.cond(a["loan"] != "", card(rx.text(
            "Your loan ", rx.link(a["loan"], href="/loans/" + a["loan"], id="loan-link"),
            " is booked."))),
        rx.cond((a["status"] == "approved") | (a["status"] == "booked"), offer()),
        rx.cond(a["status"] != "declined", documents()),
        direction="column", spacing="3")
