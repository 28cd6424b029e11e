"""Dealers at the point of sale, on SQLite and PostgreSQL: what a dealer's submission stores,
who sees it (the dealer, and no other dealer or borrower), refusals that store nothing, and
a replayed form that stores once. Real intake, real local bureau, real database."""
import copy

import pytest

from domain.db.origination_tables import BureauPull, IdempotencyRecord
from domain.db.tables import AppUser, Application
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, PermissionDenied, ValidationError
from domain.origination import dealer
from integrations.bureau.local import LocalBureau
from portal import dealer_form
from tests.integration.helpers import count, make_product, make_user

SALE = {"merchant": "Main Street Bikes", "item": "Cargo e-bike", "price": "6500.00",
        "down_payment": "500.00"}


@pytest.fixture
def pos(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    code = f"POS{uniq}".upper()
    make_product(db_url, admin, uniq, code=code)
    body = {"product_code": code, "amount": "6000.00", "term": 12, "consent_credit_check": True,
            "point_of_sale": dict(SALE),
            "applicant": {"first_name": "Rosa", "last_name": "Park", "date_of_birth": "1979-03-01",
                          "ssn_last4": "8888", "email": f"rosa-{uniq}@example.test",
                          "phone": "+1 555 010 2000",
                          "address": {"line1": "5 Elm St", "city": "Austin", "state": "TX",
                                      "postal_code": "73301"},
                          "employment": {"status": "employed", "months_employed": 48},
                          "monthly_income": "6100.00"}}
    return dict(url=db_url, uniq=uniq, body=body, dealer=make_user(db_url, uniq, "dealer"),
                other=make_user(db_url, uniq, "dealer", tag="other"))


def rows(url):
    return tuple(count(url, t) for t in (Application, AppUser, BureauPull, IdempotencyRecord))


def test_a_dealer_submission_stores_channel_dealer_and_the_sale(pos):
    result, replayed = dealer.submit(pos["dealer"], pos["body"], f"form-{pos['uniq']}",
                                     LocalBureau(), pos["url"])
    assert not replayed and result.status == "approved" and result.channel == "dealer"
    with UnitOfWork(pos["url"]) as s:
        app = s.get(Application, result.application_id)
        assert app.channel == "dealer" and app.submitted_by == pos["dealer"].user_id
        assert app.point_of_sale == SALE and app.amount_minor == 600000
        assert s.get(AppUser, app.borrower_id).email == pos["body"]["applicant"]["email"]
    mine = dealer.list_applications(pos["dealer"], pos["url"])
    assert [a.id for a in mine] == [result.application_id]
    seen = mine[0]
    assert (seen.customer_name, seen.merchant, seen.item) == ("Rosa Park", SALE["merchant"],
                                                               SALE["item"])
    assert (seen.price_minor, seen.down_payment_minor, seen.amount_minor) == (650000, 50000,
                                                                              600000)
    assert seen.status == "approved" and seen.stage == "offer" and seen.reasons
    assert seen.installment_minor == 53306  # 6,000 at 11.99% over 12 months
    assert dealer.application(pos["dealer"], result.application_id, pos["url"]) == seen
    assert dealer.last_merchant(pos["dealer"], pos["url"]) == SALE["merchant"]


def test_another_dealer_sees_none_of_them_and_is_refused_the_detail(pos):
    result, _ = dealer.submit(pos["dealer"], pos["body"], f"form-{pos['uniq']}", LocalBureau(),
                              pos["url"])
    assert dealer.list_applications(pos["other"], pos["url"]) == []
    assert dealer.last_merchant(pos["other"], pos["url"]) == ""
    with pytest.raises(NotFound, match="not yours"):
        dealer.application(pos["other"], result.application_id, pos["url"])
    with pytest.raises(NotFound, match="not yours"):  # a missing id looks the same
        dealer.application(pos["other"], 10**9, pos["url"])


@pytest.mark.parametrize("role", ["borrower", "servicer", "admin", "field_agent"])
def test_other_roles_are_refused(pos, role):
    result, _ = dealer.submit(pos["dealer"], pos["body"], f"form-{pos['uniq']}", LocalBureau(),
                              pos["url"])
    someone = make_user(pos["url"], pos["uniq"], role, tag="x")
    before = rows(pos["url"])
    for call in (lambda: dealer.list_applications(someone, pos["url"]),
                 lambda: dealer.application(someone, result.application_id, pos["url"]),
                 lambda: dealer.submit(someone, pos["body"], "k", LocalBureau(), pos["url"])):
        with pytest.raises(PermissionDenied):
            call()
    assert rows(pos["url"]) == before


@pytest.mark.parametrize("sale,amount,field", [
    ({"price": "6500.00", "down_payment": "400.00"}, "6000.00", "amount"),
    ({"price": "6500.00", "down_payment": "6500.00"}, "6000.00", "point_of_sale.down_payment"),
    ({"price": "65OO.00"}, "6000.00", "point_of_sale.price"),
    ({"merchant": ""}, "6000.00", "point_of_sale.merchant"),
])
def test_bad_point_of_sale_is_refused_with_the_field_named_and_nothing_stored(pos, sale,
                                                                              amount, field):
    body = copy.deepcopy(pos["body"])
    body["point_of_sale"].update(sale)
    body["amount"] = amount
    before = rows(pos["url"])
    with pytest.raises(ValidationError) as e:
        dealer.submit(pos["dealer"], body, f"bad-{pos['uniq']}", LocalBureau(), pos["url"])
    assert field in e.value.errors
    assert rows(pos["url"]) == before
    assert dealer.list_applications(pos["dealer"], pos["url"]) == []


def test_a_replayed_form_stores_once(pos):
    key = f"form-{pos['uniq']}"
    first, replayed = dealer.submit(pos["dealer"], pos["body"], key, LocalBureau(), pos["url"])
    before = rows(pos["url"])
    again, replayed = dealer.submit(pos["dealer"], copy.deepcopy(pos["body"]), key,
                                    LocalBureau(), pos["url"])
    assert replayed and again == first
    assert rows(pos["url"]) == before
    # the key belongs to this dealer: another dealer's form with the same key is its own
    other, replayed = dealer.submit(pos["other"], pos["body"], key, LocalBureau(), pos["url"])
    assert not replayed and other.application_id != first.application_id


def test_the_form_translation_names_fields_and_computes_the_amount(pos):
    form = {"merchant": " Main Street Bikes ", "item": "Cargo e-bike", "price": "$6,500.00",
            "down_payment": "", "product_code": pos["body"]["product_code"], "term": "12",
            "first_name": "Rosa", "last_name": "Park", "date_of_birth": "1979-03-01",
            "ssn_last4": "8888", "email": f"form-{pos['uniq']}@example.test",
            "phone": "+1 555 010 2000", "line1": "5 Elm St", "line2": "", "city": "Austin",
            "state": "TX", "postal_code": "7330", "employment_status": "employed",
            "employer": "", "months_employed": "", "monthly_income": "6,100", "consent": "on"}
    body = dealer_form.payload(form)
    assert body["amount"] == "6500.00" and body["point_of_sale"]["down_payment"] == "0"
    assert dealer_form.financed("$6,500.00", "500") == "6,000.00"
    assert dealer_form.financed("6500", "6500") == "" and dealer_form.financed("x", "1") == ""
    with pytest.raises(ValidationError) as e:
        dealer.submit(pos["dealer"], body, f"f-{pos['uniq']}", LocalBureau(), pos["url"])
    shown, other = dealer_form.field_errors(e.value.errors)
    assert shown["postal_code"].startswith("Must be a 5-digit ZIP") and other == ""
    assert [k for k, v in shown.items() if v] == ["postal_code"]
    form["postal_code"] = "73301"
    result, _ = dealer.submit(pos["dealer"], dealer_form.payload(form), f"f-{pos['uniq']}",
                              LocalBureau(), pos["url"])
    assert result.status == "approved"
