"""Stripe's form encoding and the generic checks against spec3.json (no server)."""
import json
from urllib.parse import urlencode

import pytest
import stripe._encode

from devservices.stripe.spec import (
    ParamError,
    StripeSpec,
    decode_form,
    get_spec,
    response_errors,
    validate_params,
)
from tests.integration.stripe_support import require_spec


def sdk_form(params):
    """The body the official SDK sends for `params`."""
    return urlencode(list(stripe._encode._api_encode(params)))


def test_decode_form_reads_what_the_sdk_writes():
    params = {"amount": 1200, "confirm": True, "payment_method_types": ["us_bank_account"],
              "metadata": {"loan": "LN-1", "0": "zero"},
              "mandate_data": {"customer_acceptance": {"type": "online", "online": {
                  "ip_address": "1.2.3.4", "user_agent": "Mozilla/5.0 (X11)"}}},
              "expand": ["latest_charge", "payment_method"],
              "line_items": [{"price": "p1", "quantity": 2}, {"price": "p2"}]}
    assert decode_form(sdk_form(params)) == {
        "amount": "1200", "confirm": "true", "payment_method_types": {"0": "us_bank_account"},
        "metadata": {"loan": "LN-1", "0": "zero"},
        "mandate_data": {"customer_acceptance": {"type": "online", "online": {
            "ip_address": "1.2.3.4", "user_agent": "Mozilla/5.0 (X11)"}}},
        "expand": {"0": "latest_charge", "1": "payment_method"},
        "line_items": {"0": {"price": "p1", "quantity": "2"}, "1": {"price": "p2"}}}
    assert decode_form("expand[]=a&expand[]=b&empty=") == {"expand": {"0": "a", "1": "b"},
                                                          "empty": ""}


def test_validation_coerces_to_the_schema():
    spec = require_spec()
    schema = spec.request_schema("POST", "/v1/payment_intents")
    params = validate_params(spec, schema, decode_form(sdk_form({
        "amount": 1200, "currency": "usd", "confirm": True, "off_session": True,
        "payment_method_types": ["us_bank_account"], "metadata": {"0": "kept as a key"}})))
    assert params == {"amount": 1200, "currency": "usd", "confirm": True, "off_session": True,
                      "payment_method_types": ["us_bank_account"],
                      "metadata": {"0": "kept as a key"}}
    # anyOf: off_session is a boolean or one of two strings
    assert validate_params(spec, schema, {"amount": "1", "currency": "usd",
                                          "off_session": "recurring"})["off_session"] == \
        "recurring"
    # "" unsets where the spec allows it (metadata=""), and is refused elsewhere
    customer = spec.request_schema("POST", "/v1/customers")
    assert validate_params(spec, customer, {"metadata": ""}) == {"metadata": ""}
    with pytest.raises(ParamError) as empty:
        validate_params(spec, customer, {"balance": ""})
    assert empty.value.body["error"]["code"] == "parameter_invalid_empty"
    # GET: the operation's query parameters
    listing = spec.request_schema("GET", "/v1/customers/{customer}/payment_methods")
    with pytest.raises(ParamError) as missing:
        validate_params(spec, listing, {"limit": "3"})
    assert missing.value.param == "type"


@pytest.mark.parametrize("body, param, code, message", [
    ("amount=1&currency=usd&colour=red", "colour", "parameter_unknown",
     "Received unknown parameter: colour"),
    ("amount=1&currency=usd&metadata=red", "metadata", None, "Invalid hash for metadata"),
    ("amount=1&currency=usd&payment_method_options[us_bank_account][verification_method]=fax",
     "payment_method_options[us_bank_account][verification_method]", None,
     "must be one of"),
    ("amount=1&currency=usd&payment_method_types[0][x]=1", "payment_method_types[0]", None,
     "Invalid string"),
    ("amount=1&currency=usd&confirm=yes", "confirm", None, "Invalid boolean: yes"),
    ("amount=1", "currency", "parameter_missing", "Missing required param: currency."),
    ("amount=1&currency=usd&description=" + "x" * 1001, "description", None,
     "at most 1000 characters"),
])
def test_validation_errors_have_stripes_shape(body, param, code, message):
    spec = require_spec()
    with pytest.raises(ParamError) as refused:
        validate_params(spec, spec.request_schema("POST", "/v1/payment_intents"),
                        decode_form(body))
    error = refused.value.body["error"]
    assert refused.value.status == 400 and error["type"] == "invalid_request_error"
    assert error["param"] == param and error.get("code") == code and message in error["message"]
    assert response_errors(spec, "error", refused.value.body) == []


def test_response_errors_find_departures_from_the_schema():
    spec = require_spec()
    ok = {"id": "cus_1", "object": "customer", "created": 1, "livemode": False, "balance": 0,
          "metadata": {}, "invoice_settings": {}, "email": None, "next_invoice_sequence": 1}
    assert response_errors(spec, "customer", ok) == []
    bad = dict(ok, created="yesterday", livemode=None, email=3)
    assert sorted(response_errors(spec, "customer", bad)) == [
        "created: expected integer, got str", "email: expected string, got int",
        "livemode: null but not nullable"]
    del ok["id"]
    assert response_errors(spec, "customer", ok) == ["(root): lacks required 'id'"]
    assert response_errors(spec, "payment_intent", {**ok, "status": "pending"})  # not an enum


def test_without_the_spec_nothing_is_checked(tmp_path):
    absent = get_spec(tmp_path)
    assert not absent.available and "absent" in absent.source
    assert validate_params(absent, absent.request_schema("POST", "/v1/customers"),
                           {"anything": "goes"}) == {"anything": "goes"}
    tiny = StripeSpec(json.loads('{"paths": {}, "components": {"schemas": {}}}'), "tiny")
    assert tiny.request_schema("POST", "/v1/customers") is None
