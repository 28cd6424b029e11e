"""The channel an application records must be one its actor may use (borrower: portal,
dealer: dealer, field agent: agent, partner key: api), on SQLite and PostgreSQL: every other
pairing is refused before anything is stored, whoever calls `intake.submit`."""
import copy
import itertools

import pytest

from domain.origination import application_request as intake
from domain.db.origination_tables import BureauPull, IdempotencyRecord
from domain.db.tables import AppUser, Application
from domain.kernel.errors import PermissionDenied
from domain.origination import intake as intake_service
from domain.kernel.actor import SYSTEM, Actor
from integrations.bureau.local import LocalBureau
from tests.integration.helpers import count, make_product, make_user
from tests.integration.test_intake_api import VALID

ALLOWED = {"borrower": "portal", "dealer": "dealer", "field_agent": "agent",
           "api_partner": "api"}


@pytest.fixture
def world(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    code = f"CH{uniq}".upper()
    make_product(db_url, admin, uniq, code=code)
    actors = {role: make_user(db_url, uniq, role) for role in
              ("borrower", "dealer", "field_agent", "underwriter", "servicer")}
    actors["admin"] = admin
    actors["api_partner"] = Actor(None, "api_partner", f"partner:1:Acme {uniq}")
    return dict(url=db_url, uniq=uniq, code=code, actors=actors)


def request(w, tag):
    body = copy.deepcopy(VALID)
    body["product_code"] = w["code"]
    body["external_ref"] = f"ref-{tag}"
    body["applicant"]["email"] = f"applicant-{tag}-{w['uniq']}@example.test"
    return intake.parse(body)


def stored(url):
    return tuple(count(url, t) for t in (Application, AppUser, BureauPull, IdempotencyRecord))


def submit(w, role, channel):
    actor = w["actors"][role]
    # a borrower applies for themself (under their own e-mail); the others for a customer
    req = request(w, f"{role}-{channel}")
    if role == "borrower":
        req.applicant["email"] = actor.label
    return intake_service.submit(req, channel, actor, LocalBureau(), url=w["url"],
                                 idempotency=(f"test:{role}", f"{channel}-{w['uniq']}", "x"))


@pytest.mark.parametrize("role,channel", [
    (r, c) for r, c in itertools.product(
        ("borrower", "dealer", "field_agent", "api_partner", "underwriter", "servicer", "admin"),
        intake_service.CHANNELS) if ALLOWED.get(r) != c])
def test_a_channel_the_actor_may_not_use_is_refused_and_stores_nothing(world, role, channel):
    before = stored(world["url"])
    with pytest.raises(PermissionDenied, match=f"the {channel} channel is for the"):
        submit(world, role, channel)
    assert stored(world["url"]) == before


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_records_its_own_channel(world, role):
    result, replayed = submit(world, role, ALLOWED[role])
    assert not replayed and result.channel == ALLOWED[role]
    assert count(world["url"], Application, Application.id == result.application_id,
                 Application.channel == ALLOWED[role]) == 1


def test_the_in_process_system_actor_may_record_any_channel(world):
    """The demo seed and book migrations run as SYSTEM (no user: no request can be it)."""
    result, _ = intake_service.submit(request(world, "sys"), "dealer", SYSTEM, LocalBureau(),
                                      url=world["url"])
    assert result.channel == "dealer"
    staff_with_a_login = Actor(world["actors"]["admin"].user_id, "admin", "admin@x")
    with pytest.raises(PermissionDenied):
        intake_service.submit(request(world, "adm"), "dealer", staff_with_a_login,
                              LocalBureau(), url=world["url"])


def test_the_borrowers_own_form_records_only_the_portal_channel(world):
    from domain.db.tables import Product
    from domain.db.uow import UnitOfWork
    from domain.origination import applications as origination
    from sqlmodel import select
    with UnitOfWork(world["url"]) as s:
        product_id = s.exec(select(Product.id).where(Product.code == world["code"])).one()
    borrower = world["actors"]["borrower"]
    before = stored(world["url"])
    with pytest.raises(PermissionDenied, match="the dealer channel is for the Dealer role"):
        origination.submit_application(borrower, product_id, "5000", "12", "6000",
                                       channel="dealer", url=world["url"])
    assert stored(world["url"]) == before
    result = origination.submit_application(borrower, product_id, "5000", "12", "6000",
                                            url=world["url"])
    assert count(world["url"], Application, Application.id == result.id,
                 Application.channel == "portal") == 1
