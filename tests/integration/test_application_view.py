"""The staff read model of an application (application_view) and the stage tracker's states:
a stage the application never entered (its `when` did not hold) shows as skipped, not done
(SQLite and PostgreSQL)."""
import copy

import pytest

from domain.origination import application_request as intake
from domain.db.tables import Application
from domain.db.uow import UnitOfWork
from domain.kernel.errors import PermissionDenied
from domain.origination import (
    application_view,
    intake as intake_service,
    applications as origination,
    underwriting,
    workflows,
)
from domain.documents import store as document_store
from domain.kernel.actor import SYSTEM, Actor
from integrations.bureau.local import LocalBureau
from tests.integration.helpers import make_product, make_user
from tests.integration.test_intake_api import VALID
from tests.unit.test_documents import REAL_PDF


@pytest.fixture
def world(db_url, uniq, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    admin = make_user(db_url, uniq, "admin")
    code = f"AV{uniq}".upper()
    make_product(db_url, admin, uniq, code=code, workflow="standard")
    return dict(url=db_url, code=code, uniq=uniq, admin=admin,
                uw=make_user(db_url, uniq, "underwriter"),
                servicer=make_user(db_url, uniq, "servicer"))


def apply(w, ssn, tag, pos=None):
    body = copy.deepcopy(VALID)
    body.update(product_code=w["code"], amount="6000.00", term=12)
    body["applicant"].update(ssn_last4=ssn, email=f"{tag}-{w['uniq']}@example.test")
    if pos:
        body["point_of_sale"] = pos
    result, _ = intake_service.submit(intake.parse(body), "dealer" if pos else "api", SYSTEM,
                                      LocalBureau(), url=w["url"])
    with UnitOfWork(w["url"]) as s:
        borrower = s.get(Application, result.application_id).borrower_id
    return result.application_id, Actor(borrower, "borrower", body["applicant"]["email"])


def states(w, app_id):
    with UnitOfWork(w["url"]) as s:
        return {p["key"]: p["state"] for p in
                workflows.stage_progress(s, s.get(Application, app_id))}


def test_a_stage_that_did_not_apply_is_skipped_not_done(world):
    w = world
    clean, borrower = apply(w, "8888", "clean")  # approved at once: no underwriting
    assert states(w, clean) == {"decision": "done", "underwriting": "skipped",
                                "offer": "current", "signature": "upcoming",
                                "funding": "upcoming", "booked": "upcoming"}
    origination.accept_offer(borrower, clean, w["url"])
    assert states(w, clean)["underwriting"] == "skipped"
    assert states(w, clean)["offer"] == "done"
    assert states(w, clean)["signature"] == "current"

    referred, _ = apply(w, "0000", "thin")
    assert states(w, referred)["underwriting"] == "current"
    underwriting.approve(w["uw"], referred, "Stable income", url=w["url"])
    assert states(w, referred)["underwriting"] == "done"  # it was there, though the
    assert states(w, referred)["offer"] == "current"      # status is no longer 'referred'

    declined, _ = apply(w, "0000", "declined")
    underwriting.decline(w["uw"], declined, "Insufficient credit history", "OTH", w["url"])
    assert states(w, declined) == {"decision": "done", "underwriting": "done",
                                   "offer": "closed", "signature": "closed",
                                   "funding": "closed", "booked": "closed"}


def test_detail_shows_what_an_underwriter_needs_and_what_each_role_may_do(world):
    w = world
    pos = {"merchant": "Bright Appliances", "item": "Fridge", "price": "6400.00",
           "down_payment": "400.00"}
    app_id, borrower = apply(w, "0000", "pos", pos=pos)
    d = application_view.detail(w["uw"], app_id, w["url"])
    assert (d.stage, d.stage_name, d.status) == ("underwriting", "Underwriting review",
                                                  "referred")
    assert d.applicant["ssn_last4"] == "0000" and d.point_of_sale["merchant"] == \
        "Bright Appliances"
    assert d.bureau["thin_file"] is True and d.bureau["score"] is None
    assert d.ruleset == "the product's built-in rules"
    assert [r.result for r in d.rules] == ["passed", "passed", "passed"]
    assert d.decision_reasons == ("Insufficient credit history: manual review",)
    assert d.can_underwrite and d.can_act and not d.can_fund
    assert not application_view.detail(w["servicer"], app_id, w["url"]).can_underwrite
    with pytest.raises(PermissionDenied):
        application_view.detail(borrower, app_id, w["url"])

    underwriting.request_documents(w["uw"], app_id, ["proof_of_income"], "Pay stub", w["url"])
    document_store.store(borrower, app_id, "proof_of_income", "stub.pdf", "application/pdf",
                         REAL_PDF, w["url"])
    underwriting.approve(w["uw"], app_id, "Income checked", amount="5000", term="18",
                         url=w["url"])
    d = application_view.detail(w["uw"], app_id, w["url"])
    assert (d.requested_amount_minor, d.requested_term) == (600000, 12)
    assert (d.amount_minor, d.term) == (500000, 18)
    assert d.underwriter.endswith(": Income checked")
    assert [(x["kind"], x["filename"]) for x in d.documents] == [("proof_of_income",
                                                                  "stub.pdf")]
    assert [(c["document_kind"], c["status"]) for c in d.conditions] == \
        [("proof_of_income", "open")]
    actions = [h["action"] for h in d.history]
    assert actions[0] == "application.stage_changed"  # newest first
    assert {"application.underwriter_approved", "condition.opened", "document.stored",
            "application.submitted"} <= set(actions)
    assert not d.can_underwrite and d.stage == "offer"
    assert application_view.stage_names(w["uw"], [app_id], w["url"]) == {app_id: "Offer"}
