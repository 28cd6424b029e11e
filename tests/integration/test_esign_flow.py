"""Offer to signature, over real HTTP: an approved application's agreement (with the TILA box)
goes to the fake DocuSign through the official SDK; the borrower signs on the fake's page;
Connect calls our webhook, which verifies the HMAC, stores the signed copy and moves the
application to funding. A bad signature is refused and changes nothing; a repeat is harmless."""
import copy
import json
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import select

from domain.origination import application_request as intake
from domain.db.origination_tables import Document, Envelope
from domain.db.tables import Application, AuditLog
from domain.db.uow import UnitOfWork
from domain.documents import store as document_store
from domain.origination import esign, intake as intake_service
from domain.kernel.actor import SYSTEM, Actor
from integrations.bureau.local import LocalBureau
from integrations.docusign.client import ESignClient
from integrations.docusign.connect import sign
from tests.integration.helpers import (make_product, make_user,
                                       serve_with_fake_docusign)
from tests.integration.test_intake_api import VALID



@pytest.fixture
def world(db_url, uniq, monkeypatch, tmp_path):
    api, stop = serve_with_fake_docusign(db_url, monkeypatch, tmp_path)
    admin = make_user(db_url, uniq, "admin")
    code = f"ES{uniq}".upper()
    make_product(db_url, admin, uniq, code=code, workflow="standard")
    body = copy.deepcopy(VALID)
    body["product_code"] = code
    body["applicant"]["email"] = f"signer-{uniq}@example.test"
    result, _ = intake_service.submit(intake.parse(body), "api", SYSTEM, LocalBureau(), url=db_url)
    assert result.status == "approved"
    with UnitOfWork(db_url) as s:
        borrower_id = s.get(Application, result.application_id).borrower_id
    yield dict(url=db_url, app_id=result.application_id, api=api,
               borrower=Actor(borrower_id, "borrower", body["applicant"]["email"]))
    stop()


def test_sign_on_the_fake_page_and_connect_moves_the_application_to_funding(world):
    client = ESignClient.from_env()
    envelope_id = esign.send_agreement(world["borrower"], world["app_id"], client, world["url"])
    assert esign.send_agreement(world["borrower"], world["app_id"], client,
                                world["url"]) == envelope_id  # replay: same envelope
    with UnitOfWork(world["url"]) as s:
        assert s.get(Application, world["app_id"]).stage == "signature"
        agreement = s.exec(select(Document).where(Document.kind == "agreement")).one()
    _, pdf = document_store.read(SYSTEM, agreement.id, world["url"])
    assert pdf.startswith(b"%PDF") and b"%%EOF" in pdf[-1024:]

    # a forged completion is refused and changes nothing
    forged = json.dumps({"event": "envelope-completed", "data": {
        "envelopeId": envelope_id, "envelopeSummary": {"status": "completed"}}}).encode()
    r = httpx.post(world["api"] + "/api/v1/webhooks/docusign", content=forged,
                   headers={"X-DocuSign-Signature-1": sign(forged, "wrong-key"),
                            "Content-Type": "application/json"})
    assert r.status_code == 401
    with UnitOfWork(world["url"]) as s:
        assert s.exec(select(Envelope)).one().status == "sent"

    url = esign.signing_url(world["borrower"], world["app_id"], "http://127.0.0.1/done", client,
                            world["url"])
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(url).text
        action = page.split('action="', 1)[1].split('"', 1)[0]
        field = page.split('<input', 1)[1].split('name="', 1)[1].split('"', 1)[0]
        done = browser.post(urljoin(url, action), data={field: "Ana Lopez"},
                            follow_redirects=False)
        assert done.status_code in (302, 303)
    with UnitOfWork(world["url"]) as s:  # Connect has called our webhook by now
        env = s.exec(select(Envelope)).one()
        assert env.status == "completed" and env.signed_document_id
        assert s.get(Application, world["app_id"]).stage == "funding"
        signed = s.get(Document, env.signed_document_id)
        assert signed.kind == "signed_agreement"
        audits = [a.action for a in s.exec(select(AuditLog).where(
            AuditLog.entity == "application", AuditLog.entity_id == str(world["app_id"])))]
    assert "application.signed" in audits
    # a repeated completion event changes nothing
    assert esign.envelope_completed(envelope_id, client, world["url"]) is False
