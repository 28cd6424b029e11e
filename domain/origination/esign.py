"""Offer documents and e-signature: the agreement PDF (with the Truth-in-Lending box from the
servicing engine) is stored, sent for signature through an `ESignPort` (DocuSign in
`integrations/docusign`), and a verified completion event stores the signed copy and moves the
application to funding. Completion events may arrive twice: the second changes nothing.
"""
from datetime import date
from typing import Protocol

from sqlmodel import select

from domain.documents.agreement import AgreementData, render_agreement
from domain.origination.disclosure import Disclosure
from domain.db.origination_tables import Envelope
from domain.db.tables import AppUser, Application, Lender, ProductVersion, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound
from domain.calculation.quote import quote
from domain.audit import trail as audit
from domain.documents import store as document_store
from domain.origination import workflows
from domain.kernel.actor import SYSTEM, Actor
from domain.calculation.terms import ProductTerms
from domain.origination.underwriting import _reason



SUPERSEDED = "superseded"  # an agreement replaced by a new one (re-disclosure)


class ESignPort(Protocol):
    def send_for_signature(self, pdf: bytes, document_name: str, signer_name: str,
                           signer_email: str, client_user_id: str, **kw) -> str: ...
    def signing_url(self, envelope_id: str, signer_name: str, signer_email: str,
                    client_user_id: str, return_url: str) -> str: ...
    def status(self, envelope_id: str) -> str: ...
    def signed_document(self, envelope_id: str) -> bytes: ...


def agreement_and_disclosure(s, app: Application, on: date) -> tuple[bytes, Disclosure]:
    """The agreement PDF dated `on`, and what it discloses (kept to check funding against)."""
    version = s.exec(select(ProductVersion).where(
        ProductVersion.product_id == app.product_id,
        ProductVersion.version == app.product_version)).one()
    terms = ProductTerms.from_dict(version.terms).for_tier(app.tier)
    request = terms.quote_request(app.amount_minor, app.term, on)
    borrower = s.get(AppUser, app.borrower_id)
    lender = s.exec(select(Lender)).first()
    address = app.applicant["address"] if app.applicant else None
    lines = tuple(x for x in ((address["line1"], address.get("line2", ""),
                               f"{address['city']}, {address['state']} "
                               f"{address['postal_code']}") if address else ()) if x)
    figures = quote(request)
    data = AgreementData.from_quote(
        request, figures, lender_name=lender.name if lender else "Lendbook lender",
        borrower_name=borrower.name, borrower_address=lines, reference=f"APP-{app.id:06d}",
        product_name=version.name, agreement_date=on, annual_rate=terms.annual_rate)
    return render_agreement(data), Disclosure.from_quote(figures, on, terms.frequency)


def disclosure_of(s, app: Application) -> Disclosure | None:
    """What the agreement sent for signature disclosed (None: no agreement was sent). An
    agreement sent before disclosures were recorded is re-rendered as of its send date."""
    if app.decision.get("disclosure"):
        return Disclosure.from_dict(app.decision["disclosure"])
    env = s.exec(select(Envelope).where(Envelope.application_id == app.id,
                                        Envelope.status != SUPERSEDED)).first()
    return None if env is None else agreement_and_disclosure(s, app, env.sent_at.date())[1]


def send_agreement(actor: Actor, application_id: int, esign: ESignPort,
                   url: str | None = None, on: date | None = None) -> str:
    """Render, store and send the agreement; returns the envelope id (a replay: the same)."""
    actor.require_permission("self.apply", "application.view")
    on = on or date.today()
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None or (not actor.can("application.view") and app.borrower_id != actor.user_id):
            raise NotFound("this application does not exist or is not yours")
        existing = s.exec(select(Envelope).where(Envelope.application_id == app.id,
                                                 Envelope.status != SUPERSEDED)).first()
        if existing is not None:
            return existing.envelope_id
        if app.status != "approved" or app.stage not in ("offer", "signature"):
            raise Conflict(f"an application that is {app.status} at stage {app.stage} has no "
                           "offer to sign")
        if not workflows.of_application(s, app).has("signature"):
            raise Conflict("this application's workflow has no e-signature stage")
        pdf, disclosure = agreement_and_disclosure(s, app, on)
        borrower = s.get(AppUser, app.borrower_id)
    doc_id = document_store.store(SYSTEM, app.id, "agreement", f"agreement-{app.id}.pdf",
                                  "application/pdf", pdf, url)
    envelope_id = esign.send_for_signature(pdf, f"Loan agreement APP-{app.id:06d}",
                                           borrower.name, borrower.email, str(borrower.id),
                                           anchor_string="/sn1/")
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        s.add(Envelope(application_id=app.id, envelope_id=envelope_id,
                       agreement_document_id=doc_id))
        app.decision = {**app.decision, "disclosure": disclosure.to_dict()}  # new dict: saved
        if app.stage != "signature":
            workflows.move(s, app, actor, "signature", "offer accepted; agreement sent")
        audit.record(s, actor, "application.sent_for_signature", "application", app.id,
                     None, {"stage": app.stage, "envelope_id": envelope_id})
    return envelope_id


def signing_url(actor: Actor, application_id: int, return_url: str, esign: ESignPort,
                url: str | None = None) -> str:
    """The embedded signing page for the borrower (only the borrower signs)."""
    actor.require_permission("self.apply")
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        env = s.exec(select(Envelope).where(Envelope.application_id == application_id,
                                            Envelope.status != SUPERSEDED)).first()
        if app is None or app.borrower_id != actor.user_id or env is None:
            raise NotFound("there is no agreement of yours to sign here")
        borrower = s.get(AppUser, app.borrower_id)
        envelope_id = env.envelope_id
    return esign.signing_url(envelope_id, borrower.name, borrower.email, str(borrower.id),
                             return_url)


def envelope_completed(envelope_id: str, esign: ESignPort, url: str | None = None) -> bool:
    """A verified completion event: confirm with the provider, store the signed copy, move the
    application to funding. False when already done or unknown (nothing changes)."""
    with UnitOfWork(url) as s:
        env = s.exec(select(Envelope).where(Envelope.envelope_id == envelope_id)).first()
        if env is None or env.status in ("completed", SUPERSEDED):
            return False
        application_id = env.application_id
    if esign.status(envelope_id) != "completed":
        return False
    signed = esign.signed_document(envelope_id)
    doc_id = document_store.store(SYSTEM, application_id, "signed_agreement",
                                  f"signed-agreement-{application_id}.pdf", "application/pdf",
                                  signed, url)
    with UnitOfWork(url) as s:
        env = s.exec(select(Envelope).where(Envelope.envelope_id == envelope_id)).one()
        if env.status in ("completed", SUPERSEDED):  # a twin event finished first
            return False
        env.status, env.signed_document_id, env.completed_at = "completed", doc_id, utcnow()
        app = s.get(Application, application_id)
        s.add(env)
        s.flush()
        connect = Actor(None, "admin", "docusign-connect")
        audit.record(s, connect, "application.signed", "application", app.id,
                     {"stage": app.stage}, {"signed_document_id": doc_id})
        workflows.advance_or_hold(s, app, connect, "agreement signed")
    return True


def redisclose(actor: Actor, application_id: int, reason: str, esign: ESignPort,
               url: str | None = None, on: date | None = None) -> str:
    """Staff replace a signed agreement whose disclosure no longer holds (funding refused by
    "Disclosed terms still accurate"): the old envelope is superseded (kept, audited), the
    application goes back to signature and a new agreement dated `on` is sent; the borrower
    signs again and funding resumes. Returns the new envelope id."""
    actor.require_permission("application.decide", "application.fund")
    _reason(reason)
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None:
            raise NotFound("no such application")
        if app.status != "approved" or app.stage not in ("signature", "funding"):
            raise Conflict(f"an application that is {app.status} at stage {app.stage} has no "
                           "agreement to replace")
        envs = list(s.exec(select(Envelope).where(Envelope.application_id == app.id,
                                                  Envelope.status != SUPERSEDED)))
        if not envs:
            raise Conflict("no agreement was sent for this application")
        for env in envs:
            audit.record(s, actor, "envelope.superseded", "application", app.id,
                         {"envelope_id": env.envelope_id, "status": env.status},
                         {"envelope_id": env.envelope_id, "status": SUPERSEDED}, reason.strip())
            env.status = SUPERSEDED
            s.add(env)
        app.decision = {k: v for k, v in app.decision.items() if k != "disclosure"}
        if app.stage != "signature":
            workflows.move(s, app, actor, "signature", f"re-disclosure: {reason.strip()}")
        s.add(app)
    return send_agreement(actor, application_id, esign, url, on)
