"""Referred application through underwriting (changed terms, document conditions), e-signature
on the fake DocuSign over real HTTP, pre-funding checks, two distinct approvers above the level,
booking of the same record and a tracked disbursement (to the dealer for a POS loan)."""
import copy
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import select

from domain.origination import application_request as intake
from domain.db.tables import Application, AuditLog, Loan
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import Disbursement
from domain.kernel.errors import Conflict, PermissionDenied, ValidationError
from domain.documents import store as document_store
from domain.origination import esign, funding, intake as intake_service
from domain.configuration import workflow_versions
from domain.origination import applications as origination, underwriting, workflows
from domain.kernel.actor import SYSTEM, Actor
from integrations.bureau.local import LocalBureau
from integrations.docusign.client import ESignClient
from tests.integration.helpers import (make_product, make_user,
                                       serve_with_fake_docusign)
from tests.integration.test_intake_api import VALID
from tests.unit.test_documents import REAL_PDF



@pytest.fixture
def world(db_url, uniq, monkeypatch, tmp_path):
    api, stop = serve_with_fake_docusign(db_url, monkeypatch, tmp_path)
    admin = make_user(db_url, uniq, "admin")
    code = f"UW{uniq}".upper()
    make_product(db_url, admin, uniq, code=code, workflow="standard", max_amount="50000")
    yield dict(url=db_url, code=code, uniq=uniq, admin=admin,
               uw=make_user(db_url, uniq, "underwriter"),
               uw2=make_user(db_url, uniq, "underwriter", tag="second"),
               servicer=make_user(db_url, uniq, "servicer"))
    stop()


def apply(w, ssn="0000", amount="30000.00", pos=None, tag="a"):
    body = copy.deepcopy(VALID)
    body.update(product_code=w["code"], amount=amount, term=36)
    body["applicant"].update(ssn_last4=ssn, email=f"{tag}-{w['uniq']}@example.test",
                             monthly_income="15000.00")
    if pos:
        body["point_of_sale"] = pos
    result, _ = intake_service.submit(intake.parse(body), "dealer" if pos else "api", SYSTEM,
                                      LocalBureau(), url=w["url"])
    with UnitOfWork(w["url"]) as s:
        borrower_id = s.get(Application, result.application_id).borrower_id
    return result, Actor(borrower_id, "borrower", body["applicant"]["email"])


def sign(w, app_id, borrower):
    client = ESignClient.from_env()
    assert origination.accept_offer(borrower, app_id, w["url"]) is None  # on to signature
    esign.send_agreement(borrower, app_id, client, w["url"])
    url = esign.signing_url(borrower, app_id, "http://127.0.0.1/done", client, w["url"])
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(url).text
        action = page.split('action="', 1)[1].split('"', 1)[0]
        field = page.split('<input', 1)[1].split('name="', 1)[1].split('"', 1)[0]
        assert browser.post(urljoin(url, action), data={field: "Ana Lopez"},
                            follow_redirects=False).status_code in (302, 303)


def stage(w, app_id):
    with UnitOfWork(w["url"]) as s:
        return s.get(Application, app_id).stage


def test_referred_application_through_underwriting_signature_and_two_approvers(world):
    w = world
    result, borrower = apply(w, ssn="0000")  # thin file: referred by the built-in rules
    assert (result.status, result.stage) == ("referred", "underwriting")
    assert result.application_id in [r.application_id for r in underwriting.queue(w["uw"],
                                                                                  url=w["url"])]
    with pytest.raises(PermissionDenied):
        underwriting.approve(w["servicer"], result.application_id, "ok", url=w["url"])
    with pytest.raises(ValidationError) as e:
        underwriting.approve(w["uw"], result.application_id, "ok", amount="90000",
                             url=w["url"])
    assert "amount" in e.value.errors and stage(w, result.application_id) == "underwriting"
    assert underwriting.approve(w["uw"], result.application_id, "Thin file, stable job",
                                amount="28000", term="48", url=w["url"]) == "offer"
    ids = underwriting.request_documents(w["uw"], result.application_id, ["proof_of_income"],
                                         "Latest pay stub", w["url"])
    sign(w, result.application_id, borrower)
    assert stage(w, result.application_id) == "funding"

    st = funding.state(w["uw2"], result.application_id, w["url"])
    assert [c.name for c in st.checks if not c.passed] == ["Conditions cleared"]
    assert st.needed == 2  # 28,000 is above the 25,000 level
    with pytest.raises(Conflict, match="Conditions cleared"):
        funding.approve(w["uw2"], result.application_id, url=w["url"])
    with pytest.raises(Conflict, match="no proof_of_income document"):
        underwriting.clear_condition(w["uw"], ids[0], "received", url=w["url"])
    document_store.store(borrower, result.application_id, "proof_of_income", "stub.pdf",
                         "application/pdf", REAL_PDF, w["url"])
    underwriting.clear_condition(w["uw"], ids[0], "Pay stub matches", url=w["url"])

    # the underwriter who set the terms may not release a two-approver loan
    with pytest.raises(Conflict, match="underwriter who approved"):
        funding.approve(w["uw"], result.application_id, url=w["url"])
    assert funding.approve(w["uw2"], result.application_id, "first", w["url"]) is None
    with pytest.raises(Conflict, match="already approved"):
        funding.approve(w["uw2"], result.application_id, url=w["url"])
    number = funding.approve(w["admin"], result.application_id, "second", w["url"])
    assert number and number.startswith("LN-")
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        app = s.get(Application, result.application_id)
        assert (app.status, app.stage) == ("booked", "booked")
        assert (loan.principal_minor, loan.term) == (2800000, 48)  # the approved terms
        d = s.exec(select(Disbursement).where(Disbursement.loan_id == loan.id)).one()
        assert (d.payee_type, d.amount_minor, d.status) == ("borrower", 2800000, "pending")
        actions = [a.action for a in s.exec(select(AuditLog).where(
            AuditLog.entity == "application", AuditLog.entity_id == str(app.id)))]
    for a in ("application.underwriter_approved", "condition.opened", "condition.cleared",
              "application.signed", "funding.approved", "application.stage_changed"):
        assert a in actions
    funding.update_disbursement(w["servicer"], number, "sent", "ACH-123", w["url"])
    with pytest.raises(Conflict):
        funding.update_disbursement(w["servicer"], number, "pending", url=w["url"])
    funding.update_disbursement(w["servicer"], number, "settled", url=w["url"])
    with UnitOfWork(w["url"]) as s:  # the disbursement row itself (staff see it on the page)
        assert s.exec(select(Disbursement.status).join(Loan, Loan.id == Disbursement.loan_id)
                      .where(Loan.loan_number == number)).one() == "settled"


def test_pos_loan_pays_the_dealer_and_kyc_failure_holds_funding(world):
    w = world
    pos = {"merchant": "Bright Appliances", "item": "Fridge", "price": "2400.00",
           "down_payment": "400.00"}
    result, borrower = apply(w, ssn="8888", amount="2000.00", pos=pos, tag="pos")
    assert result.stage == "offer"
    sign(w, result.application_id, borrower)
    number = funding.approve(w["uw"], result.application_id, url=w["url"])  # one approver
    with UnitOfWork(w["url"]) as s:
        d = s.exec(select(Disbursement).where(
            Disbursement.application_id == result.application_id)).one()
    assert (d.payee_type, d.payee_name, d.amount_minor) == ("dealer", "Bright Appliances",
                                                            200000)
    assert number

    held, borrower2 = apply(w, ssn="9999", amount="3000.00", tag="kyc")  # KYC fails: referred
    assert held.stage == "underwriting"
    underwriting.approve(w["uw"], held.application_id, "Identity to be checked", url=w["url"])
    sign(w, held.application_id, borrower2)
    assert stage(w, held.application_id) == "signature"  # held: funding needs kyc.passed
    with pytest.raises(Conflict, match="ID document"):
        underwriting.verify_identity(w["uw"], held.application_id, "checked", w["url"])
    document_store.store(borrower2, held.application_id, "id", "id.pdf", "application/pdf",
                         REAL_PDF, w["url"])
    assert underwriting.verify_identity(w["uw"], held.application_id, "Driver licence matches",
                                        w["url"]) == "funding"


def test_decline_and_workflow_versions(world):
    w = world
    result, _ = apply(w, ssn="0000", amount="4000.00", tag="dec")
    with pytest.raises(ValidationError):
        underwriting.decline(w["uw"], result.application_id, "too thin", "XX", w["url"])
    underwriting.decline(w["uw"], result.application_id, "Insufficient credit history", "OTH",
                         w["url"])
    with UnitOfWork(w["url"]) as s:
        app = s.get(Application, result.application_id)
        assert (app.status, app.stage) == ("declined", "declined")
        assert app.decision["adverse_action_codes"] == ["OTH"]

    from domain.configuration.workflow import STANDARD
    custom = copy.deepcopy(STANDARD)
    custom["stages"].insert(2, {"key": "verification", "name": "Income verification",
                                "actors": ["underwriter"], "when": "amount > 3000"})
    code = f"wf{w['uniq']}"
    version = workflow_versions.save_draft(w["admin"], code, custom, w["url"])
    workflow_versions.publish(w["admin"], code, version, "verify larger loans", w["url"])
    with UnitOfWork(w["url"]) as s:
        wf = workflow_versions.current(s, code)
    assert [st.key for st in wf.stages][2] == "verification" and wf.version == version


def test_a_product_may_only_name_a_published_workflow(world):
    with pytest.raises(ValidationError) as e:
        make_product(world["url"], world["admin"], world["uniq"] + "x", code="NOWF"
                     + world["uniq"], workflow="nonesuch")
    assert "no published workflow nonesuch" in e.value.errors["workflow"]


def test_only_underwriters_act_and_only_on_open_applications(world):
    w = world
    result, _ = apply(w, ssn="0000", amount="4000.00", tag="perm")
    with pytest.raises(PermissionDenied):  # a servicer does not underwrite
        underwriting.decline(w["servicer"], result.application_id, "no", "OTH", w["url"])
    with pytest.raises(PermissionDenied):
        underwriting.request_documents(w["servicer"], result.application_id, ["id"], "ID",
                                       w["url"])
    underwriting.decline(w["uw"], result.application_id, "Insufficient history", "OTH",
                         w["url"])
    with pytest.raises(Conflict, match="declined"):  # closed: nothing more to request
        underwriting.request_documents(w["uw"], result.application_id, ["id"], "ID", w["url"])


def test_a_role_an_admin_created_can_act_at_a_workflow_stage(world):
    """Stage actors are role codes: an admin's own role (created under Roles) may be one; a
    role that does not exist is refused by path when the draft is saved."""
    from domain.access import accounts, roles, users
    from domain.configuration.workflow import STANDARD
    w = world
    code = f"verifier_{w['uniq']}"[:32].lower()
    roles.save(w["admin"], {"create": True, "code": code, "name": "Income verifier",
                            "description": "verifies income", "portal": "staff",
                            "permissions": ["application.view", "application.decide"]},
               url=w["url"])
    custom = copy.deepcopy(STANDARD)
    custom["stages"].insert(2, {"key": "verification", "name": "Income verification",
                                "actors": [code]})
    wf_code = f"wv{w['uniq']}"
    bad = copy.deepcopy(custom)
    bad["stages"][2]["actors"] = ["no_such_role"]
    with pytest.raises(ValidationError) as e:
        workflow_versions.save_draft(w["admin"], wf_code, bad, w["url"])
    assert e.value.errors == {"stages[2].actors": "no role no_such_role (create it under "
                                                  "Roles first)"}
    version = workflow_versions.save_draft(w["admin"], wf_code, custom, w["url"])
    workflow_versions.publish(w["admin"], wf_code, version, "custom verifier", w["url"])
    email = f"verifier-{w['uniq']}@example.test"
    users.create(SYSTEM, email, "correct-horse-battery", "Vera", code, None, w["url"])
    verifier = accounts.resolve(accounts.sign_in(email, "correct-horse-battery", w["url"]),
                                w["url"])
    with UnitOfWork(w["url"]) as s:
        wf = workflow_versions.current(s, wf_code)
    assert workflows.require_actor(wf, "verification", verifier).key == "verification"
    with pytest.raises(PermissionDenied):
        workflows.require_actor(wf, "verification", w["servicer"])
