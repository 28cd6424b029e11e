"""Organisations and maker-checker, on SQLite and PostgreSQL. Two dealers of one organisation
see each other's applications (list, page, documents); a dealer of another organisation sees
none and is refused by direct request. Where a kind needs approval, publishing is a change
request: self-approval is refused, a second admin's approval publishes. The roles section of
configuration-as-data round-trips."""
import pytest
from starlette.testclient import TestClient

from domain.kernel.errors import NotFound, PermissionDenied, ValidationError
from domain.access import accounts, organisations, roles, users
from domain.access import approvals
from domain.config_document import roles_section as roles_config
from domain.origination import dealer, rulesets
from domain.documents import store as document_store
from domain.kernel.actor import SYSTEM, Actor
from integrations.bureau.local import LocalBureau
from portal.api import api_app
from tests.integration.test_dealer import pos  # noqa: F401  (the point-of-sale fixture)
from tests.integration.test_rulesets import rules
from tests.unit.test_documents import REAL_PDF

PASSWORD = "correct-horse-battery"


def person(url, uniq, tag, role, org=None):
    email = f"{tag}-{uniq}@example.test"
    users.create(SYSTEM, email, PASSWORD, tag, role, org, url)
    token = accounts.sign_in(email, PASSWORD, url)
    return token, accounts.resolve(token, url)


def test_dealers_see_their_organisations_applications_and_no_one_elses(  # noqa: F811
        pos, monkeypatch, tmp_path):
    url, uniq = pos["url"], pos["uniq"]
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    bikes = organisations.create(SYSTEM, f"Bikes {uniq}", "dealer", url)
    cars = organisations.create(SYSTEM, f"Cars {uniq}", "dealer", url)
    _, ann = person(url, uniq, "ann", "dealer", bikes)
    ben_token, ben = person(url, uniq, "ben", "dealer", bikes)
    cat_token, cat = person(url, uniq, "cat", "dealer", cars)
    result, _ = dealer.submit(ann, pos["body"], f"org-{uniq}", LocalBureau(), url)
    app_id = result.application_id
    doc = document_store.store(ann, app_id, "proof_of_income", "stub.pdf", "application/pdf",
                               REAL_PDF, url)
    assert [a.id for a in dealer.list_applications(ben, url)] == [app_id]
    assert dealer.application(ben, app_id, url).customer_name == "Rosa Park"
    assert dealer.list_applications(cat, url) == []
    with pytest.raises(NotFound):
        dealer.application(cat, app_id, url)
    with pytest.raises(PermissionDenied):  # a borrower is not a dealer at all
        dealer.list_applications(Actor(1, "borrower", "b"), url)
    client = TestClient(api_app(), raise_server_exceptions=False)
    client.cookies.set("lb_session", ben_token)
    r = client.get(f"/api/v1/documents/{doc}")
    assert r.status_code == 200 and r.content == REAL_PDF
    client.cookies.clear()
    client.cookies.set("lb_session", cat_token)
    r = client.get(f"/api/v1/documents/{doc}")
    assert r.status_code == 404 and REAL_PDF[:20] not in r.content


@pytest.fixture
def policy(db_url):
    """Turns a kind's approval on for one test, and off again (the database is shared)."""
    turned = []

    def on(kind):
        approvals.set_policy(SYSTEM, kind, True, db_url)
        turned.append(kind)
    yield on
    for kind in turned:
        approvals.set_policy(SYSTEM, kind, False, db_url)


def test_publishing_needs_a_second_admin_and_self_approval_is_refused(db_url, uniq, policy):
    _, maker = person(db_url, uniq, "maker", "admin")
    _, checker = person(db_url, uniq, "checker", "admin")
    code = f"MC{uniq}".upper()
    version = rulesets.save_draft(maker, code, rules(600), db_url)
    policy("ruleset")
    request_id = rulesets.publish(maker, code, version, "stricter floor", db_url)
    assert request_id is not None
    assert rulesets.versions(maker, code, db_url)[0]["status"] == "draft"
    assert [r["id"] for r in approvals.pending(checker, db_url)
            if r["code"] == code] == [request_id]
    with pytest.raises(PermissionDenied) as e:
        approvals.approve(maker, request_id, "looks fine", db_url)
    assert "your own change request" in str(e.value)
    with pytest.raises(PermissionDenied):
        approvals.reject(maker, request_id, "no", db_url)
    approvals.approve(checker, request_id, "checked", db_url)
    assert rulesets.versions(maker, code, db_url)[0]["status"] == "published"
    assert request_id not in [r["id"] for r in approvals.pending(checker, db_url)]


def test_a_product_publish_waits_for_a_second_admin_then_new_applications_get_it(
        db_url, uniq, policy):
    from domain.configuration import products
    _, maker = person(db_url, uniq, "pmaker", "admin")
    _, checker = person(db_url, uniq, "pchecker", "admin")
    code = f"PM{uniq}".upper()[:30]
    settings = {"min_amount": "1000", "max_amount": "20000", "min_term": "6",
                "max_term": "36", "annual_rate": "9.5"}
    v1 = products.save_draft(maker, code, "Maker checked", settings, db_url)
    policy("product")
    request_id = products.publish(maker, code, v1, "first rate", db_url)
    assert request_id is not None
    assert [p.code for p in products.list_products(db_url) if p.code == code] == []
    with pytest.raises(PermissionDenied):
        approvals.approve(maker, request_id, "mine", db_url)
    approvals.approve(checker, request_id, "checked", db_url)
    live = [p for p in products.list_products(db_url) if p.code == code]
    assert len(live) == 1 and products.version_settings(code, url=db_url)["version"] == v1
    assert str(products.version_settings(code, url=db_url)["settings"]["annual_rate"]) == "9.5"


def test_role_changes_can_need_approval_too_and_a_rejection_changes_nothing(db_url, uniq,
                                                                           policy):
    _, maker = person(db_url, uniq, "rmaker", "admin")
    _, checker = person(db_url, uniq, "rchecker", "admin")
    roles.save(SYSTEM, {"code": f"chk_{uniq}", "name": "Checker", "portal": "staff",
                        "permissions": ["config.approve", "loan.view"], "create": True},
               url=db_url)
    _, small_checker = person(db_url, uniq, "small", f"chk_{uniq}")
    policy("role")
    rid = roles.save(maker, {"code": f"exp_{uniq}", "name": "Exporter", "portal": "staff",
                             "permissions": ["export.data"], "create": True}, url=db_url)
    with pytest.raises(ValidationError):  # the checker must hold what the change grants
        approvals.approve(small_checker, rid, "ok", db_url)
    approvals.reject(checker, rid, "not now", db_url)
    code = f"desk_{uniq}"
    change = {"code": code, "name": "Desk", "portal": "staff", "permissions": ["loan.view"],
              "create": True}
    rid = roles.save(maker, change, "new desk", url=db_url)
    assert rid is not None and code not in [r["code"] for r in roles.listing(maker, db_url)]
    with pytest.raises(ValidationError):
        approvals.reject(checker, rid, "", db_url)  # a rejection needs its reason
    approvals.reject(checker, rid, "not needed", db_url)
    assert code not in [r["code"] for r in roles.listing(maker, db_url)]
    rid = roles.save(maker, change, "new desk, again", url=db_url)
    approvals.approve(checker, rid, "fine", db_url)
    assert code in [r["code"] for r in roles.listing(maker, db_url)]


def test_the_roles_config_section_round_trips_and_a_broken_one_changes_nothing(db_url, uniq):
    doc = roles_config.snapshot(db_url)
    assert roles_config.validate(doc) == [] and roles_config.diff(doc, db_url) == []
    assert roles_config.apply(doc, SYSTEM, db_url) == 0
    new = {**doc, "roles": doc["roles"] + [{"code": f"imp_{uniq}", "name": "Imported",
                                            "description": "", "portal": "staff",
                                            "permissions": ["audit.view"]}]}
    assert roles_config.diff(new, db_url)[0][0] == f"roles.imp_{uniq}.name"
    broken = {**new, "roles": new["roles"] + [{"code": "Bad Code", "name": "",
                                               "portal": "moon", "permissions": ["x.y"]}]}
    paths = [p for p, _ in roles_config.validate(broken)]
    n = len(new["roles"])
    assert paths == [f"roles[{n}].code", f"roles[{n}].name", f"roles[{n}].portal",
                     f"roles[{n}].permissions[0]"]
    with pytest.raises(ValidationError):
        roles_config.apply(broken, SYSTEM, db_url)
    assert roles_config.snapshot(db_url) == doc
    assert roles_config.apply(new, SYSTEM, db_url) == 4
    assert roles_config.snapshot(db_url)["roles"] == sorted(new["roles"],
                                                            key=lambda r: r["code"])
