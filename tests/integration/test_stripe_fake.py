"""The local fake Stripe through the official `stripe` SDK (HTTPX) over real HTTP.

The fake and a webhook receiver each run in a thread on a free 127.0.0.1 port. ACH payments
settle only through the settle hook here, so each test decides when the "bank" answers.
"""
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import stripe

from devservices.stripe.server import create_app, run_in_thread
from devservices.stripe.webhooks import signature_header
from devservices.stripe.spec import response_errors
from tests.integration.stripe_support import (
    KEY,
    ONLINE,
    SECRET,
    Receiver,
    ach_payment,
    hook,
    raw,
    require_fixtures,
    require_spec,
    saved_bank_account,
    sdk,
)

# the SDK's HTTPX transport posts str bodies with data=, which httpx 0.28 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")
SUCCESS_URL = "http://127.0.0.1:3000/autopay/done?session={CHECKOUT_SESSION_ID}"
CANCEL_URL = "http://127.0.0.1:3000/autopay"


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    server = run_in_thread(r.app, 0)
    r.url = f"{server.url}/api/v1/webhooks/stripe"
    yield r
    server.stop()


@pytest.fixture(scope="module")
def fake(receiver):
    server = run_in_thread(create_app(receiver.url, SECRET, retry_delays=(0.1, 0.2)), 0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(fake):
    return sdk(fake.url)


@pytest.fixture
def customer(client):
    return client.v1.customers.create(params={"email": "ann.lee@example.test",
                                              "name": "Ann Lee"}).id


def state(server):
    return server.app.state.stripe


def event_for(object_id, type_):
    return lambda e: e["type"] == type_ and e["data"]["object"]["id"] == object_id


# -- parameters checked against spec3.json ----------------------------------------------------

def test_unknown_parameter_is_refused_in_stripes_shape(client, fake):
    spec = require_spec()
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.create(params={"email": "a@example.test", "nickname": "Al"})
    e = refused.value
    assert (e.http_status, e.param, e.code) == (400, "nickname", "parameter_unknown")
    assert e.user_message == "Received unknown parameter: nickname"
    assert e.json_body == {"error": {
        "type": "invalid_request_error", "code": "parameter_unknown", "param": "nickname",
        "message": "Received unknown parameter: nickname",
        "doc_url": "https://stripe.com/docs/error-codes/parameter-unknown"}}
    assert response_errors(spec, "error", e.json_body) == []
    # nested, in bracket notation, as the SDK encodes it
    with pytest.raises(stripe.InvalidRequestError) as nested:
        client.v1.setup_intents.create(params={"mandate_data": {"customer_acceptance": {
            "type": "online", "signature": "x"}}})
    assert nested.value.param == "mandate_data[customer_acceptance][signature]"
    assert not state(fake).objects.get("bogus")


@pytest.mark.parametrize("params, param, code", [
    ({"currency": "usd"}, "amount", "parameter_missing"),
    ({"amount": "ten", "currency": "usd"}, "amount", "parameter_invalid_integer"),
    ({"amount": 1000, "currency": "usd", "capture_method": "later"}, "capture_method", None),
    ({"amount": 1000, "currency": "usd", "payment_method_types": "card"},
     "payment_method_types", None),
    ({"amount": 1000, "currency": "usd", "mandate_data": {"customer_acceptance": {
        "online": {"ip_address": "1.2.3.4", "user_agent": "x"}}}},
     "mandate_data[customer_acceptance][type]", "parameter_missing"),
])
def test_missing_mistyped_and_bad_enum_params(client, fake, params, param, code):
    require_spec()
    before = len(state(fake).objects)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(params=params)
    assert refused.value.param == param and refused.value.code == code
    assert refused.value.json_body["error"]["type"] == "invalid_request_error"
    assert len(state(fake).objects) == before


def test_authentication(fake):
    for headers, fragment in [({}, "did not provide an API key"),
                              ({"Authorization": "Bearer pk_test_abc"}, "publishable"),
                              ({"Authorization": "Bearer sk_live_abcdefgh1234"}, "Invalid API")]:
        r = httpx.get(f"{fake.url}/v1/customers", headers=headers, trust_env=False)
        assert r.status_code == 401 and fragment in r.json()["error"]["message"]
        assert r.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(stripe.AuthenticationError):
        sdk(fake.url, "sk_live_nope").v1.customers.list()
    basic = httpx.get(f"{fake.url}/v1/customers", auth=(KEY, ""), trust_env=False)
    assert basic.status_code == 200 and basic.json()["object"] == "list"
    assert raw(fake.url, "GET", "/v1/nothing").json()["error"]["message"].startswith(
        "Unrecognized request URL (GET: /v1/nothing)")


# -- idempotency ---------------------------------------------------------------------------

def test_idempotent_replay_and_refusal(client, fake, customer):
    pm_id, _ = saved_bank_account(client, customer, "000123456789")
    first = ach_payment(client, customer, pm_id, key="LN-000042/3/attempt-1")
    count = sum(o["object"] == "payment_intent" for o in state(fake).objects.values())
    again = ach_payment(client, customer, pm_id, key="LN-000042/3/attempt-1")
    assert again.id == first.id and again.status == "processing"
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert again.last_response.headers["Original-Request"] == first.last_response.request_id
    assert sum(o["object"] == "payment_intent" for o in state(fake).objects.values()) == count
    with pytest.raises(stripe.IdempotencyError) as changed:
        ach_payment(client, customer, pm_id, amount=12600, key="LN-000042/3/attempt-1")
    assert "same parameters" in changed.value.user_message
    assert changed.value.http_status == 400
    with pytest.raises(stripe.IdempotencyError) as elsewhere:
        client.v1.customers.create(params={"email": "x@example.test"},
                                   options={"idempotency_key": "LN-000042/3/attempt-1"})
    assert "same endpoint" in elsewhere.value.user_message
    other = ach_payment(client, customer, pm_id, key="LN-000042/3/attempt-2")
    assert other.id != first.id


def test_a_request_refused_by_validation_does_not_use_up_its_key(client):
    require_spec()
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.create(params={"bogus": 1}, options={"idempotency_key": "k-v"})
    assert client.v1.customers.create(params={"name": "Bo"},
                                      options={"idempotency_key": "k-v"}).name == "Bo"


# -- ACH Direct Debit with Stripe's test bank accounts ------------------------------------------

@pytest.mark.parametrize("account, status, code, network", [
    ("000123456789", "succeeded", None, None),
    ("000111111116", "requires_payment_method", "no_account", "R03"),
    ("000111111113", "requires_payment_method", "account_closed", "R02"),
    ("000222222227", "requires_payment_method", "insufficient_funds", None),
    ("000333333335", "requires_payment_method", "debit_not_authorized", "R10"),
])
def test_test_bank_accounts_settle_as_documented(client, fake, customer, account, status,
                                                 code, network):
    pm_id, si = saved_bank_account(client, customer, account)
    mandate = client.v1.mandates.retrieve(si.mandate)
    assert mandate.status == "active" and mandate.payment_method == pm_id
    assert mandate.customer_acceptance.online.ip_address == "203.0.113.7"
    intent = ach_payment(client, customer, pm_id)
    assert intent.status == "processing" and intent.latest_charge.startswith("py_")
    pending = client.v1.charges.retrieve(intent.latest_charge)
    assert pending.status == "pending" and pending.payment_method_details.type == \
        "us_bank_account"
    assert pending.payment_method_details.us_bank_account.mandate == si.mandate
    assert hook(fake.url, "settle", {"payment_intent": intent.id})["payment_intents"] == \
        [intent.id]
    settled = client.v1.payment_intents.retrieve(intent.id)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert settled.status == status
    assert charge.failure_code == code
    assert charge.metadata.to_dict() == {"loan": "LN-000042", "installment": "3"}
    pm = client.v1.payment_methods.retrieve(pm_id)
    if code is None:
        assert settled.amount_received == 12500 and charge.paid and settled.last_payment_error \
            is None
        return
    assert settled.last_payment_error.code == code and charge.status == "failed"
    assert settled.last_payment_error.payment_method.id == pm_id
    details = pm.us_bank_account.status_details
    blocked = details.blocked if details else None
    if network is None:  # insufficient funds: retry allowed
        assert blocked is None
        assert ach_payment(client, customer, pm_id).status == "processing"
        return
    assert (blocked.network_code, blocked.reason) == (
        network, {"R02": "bank_account_closed", "R03": "bank_account_invalid_details",
                  "R10": "debit_not_authorized"}[network])
    if network == "R10":
        assert client.v1.mandates.retrieve(si.mandate).status == "inactive"
        return
    with pytest.raises(stripe.CardError) as unusable:  # Stripe: 402 bank_account_unusable
        ach_payment(client, customer, pm_id)
    assert unusable.value.code == "bank_account_unusable"
    assert unusable.value.error.payment_intent.status == "requires_payment_method"


def test_settlement_clock(receiver):
    with run_in_thread(create_app(receiver.url, SECRET, settle_after_seconds=0.2), 0) as auto:
        client = sdk(auto.url)
        customer = client.v1.customers.create(params={"name": "Cy"}).id
        pm_id, _ = saved_bank_account(client, customer, "000123456789")
        intent = ach_payment(client, customer, pm_id)
        receiver.wait_for(event_for(intent.id, "payment_intent.succeeded"))
        assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
        # the hook can also wait: a delay
        later = ach_payment(client, customer, pm_id)
        hook(auto.url, "settle", {"payment_intent": later.id, "delay": 0.05})
        receiver.wait_for(event_for(later.id, "payment_intent.succeeded"))


def test_processing_account_stays_processing(client, fake, customer):
    pm_id, _ = saved_bank_account(client, customer, "000000000009")
    intent = ach_payment(client, customer, pm_id)
    assert hook(fake.url, "settle", {"payment_intent": intent.id})["payment_intents"] == []
    assert client.v1.payment_intents.retrieve(intent.id).status == "processing"


def test_bank_account_needs_mandate_and_verification(client, fake, customer):
    pm = client.v1.payment_methods.create(params={
        "type": "us_bank_account", "billing_details": {"name": "Ann Lee"},
        "us_bank_account": {"routing_number": "110000000", "account_number": "000123456789"}})
    assert pm.us_bank_account.bank_name == "STRIPE TEST BANK"
    with pytest.raises(stripe.InvalidRequestError) as no_mandate:
        client.v1.setup_intents.create(params={
            "customer": customer, "payment_method_types": ["us_bank_account"],
            "payment_method": pm.id, "confirm": True})
    assert no_mandate.value.param == "mandate_data"
    with pytest.raises(stripe.InvalidRequestError) as unverified:
        ach_payment(client, customer, pm.id, mandate_data=ONLINE)
    assert unverified.value.param == "payment_method"
    with pytest.raises(stripe.InvalidRequestError) as bad_routing:
        client.v1.payment_methods.create(params={
            "type": "us_bank_account", "billing_details": {"name": "A"},
            "us_bank_account": {"routing_number": "110000001", "account_number": "0001"}})
    assert bad_routing.value.code == "routing_number_invalid"


def test_microdeposit_verification(client, customer):
    def pending():
        si = client.v1.setup_intents.create(params={
            "customer": customer, "payment_method_types": ["us_bank_account"],
            "payment_method": "pm_usBankAccount_success", "confirm": True,
            "mandate_data": ONLINE})
        assert si.next_action.verify_with_microdeposits.microdeposit_type == "descriptor_code"
        return si
    si = pending()
    with pytest.raises(stripe.InvalidRequestError) as wrong:
        client.v1.setup_intents.verify_microdeposits(si.id, params={"descriptor_code": "SM00XX"})
    assert wrong.value.code == "payment_method_microdeposit_verification_descriptor_code_mismatch"
    assert client.v1.setup_intents.verify_microdeposits(
        si.id, params={"amounts": [32, 45]}).status == "succeeded"
    assert client.v1.payment_methods.retrieve(
        client.v1.setup_intents.retrieve(si.id).payment_method).customer == customer
    si = pending()
    with pytest.raises(stripe.InvalidRequestError) as exceeded:
        client.v1.setup_intents.verify_microdeposits(si.id, params={"descriptor_code": "SM33CC"})
    assert exceeded.value.code == "payment_method_microdeposit_verification_attempts_exceeded"
    assert client.v1.setup_intents.retrieve(si.id).status == "requires_payment_method"
    # the hosted verification page
    si = pending()
    page = httpx.post(si.next_action.verify_with_microdeposits.hosted_verification_url,
                      data={"descriptor_code": "sm11aa"}, trust_env=False)
    assert page.status_code == 200 and "verified" in page.text
    assert client.v1.setup_intents.retrieve(si.id).status == "succeeded"


# -- cards ---------------------------------------------------------------------------------

def test_cards_succeed_or_decline_synchronously(client, fake, customer):
    card = {"amount": 2500, "currency": "usd", "confirm": True}
    paid = client.v1.payment_intents.create(params={**card, "payment_method": "pm_card_visa"})
    assert paid.status == "succeeded" and paid.latest_charge.startswith("ch_")
    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            params={**card, "payment_method": "pm_card_chargeDeclinedInsufficientFunds"},
            options={"idempotency_key": "card-decline-1"})
    e = declined.value
    assert (e.http_status, e.code, e.error.decline_code) == (402, "card_declined",
                                                             "insufficient_funds")
    assert e.user_message == "Your card has insufficient funds."
    intent = e.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "insufficient_funds"
    assert client.v1.charges.retrieve(e.error.charge).status == "failed"
    with pytest.raises(stripe.CardError) as replayed:  # a 402 is replayed too
        client.v1.payment_intents.create(
            params={**card, "payment_method": "pm_card_chargeDeclinedInsufficientFunds"},
            options={"idempotency_key": "card-decline-1"})
    assert replayed.value.error.payment_intent.id == intent.id

    # saved for later, then charged off-session
    def saved(token):
        si = client.v1.setup_intents.create(params={
            "customer": customer, "payment_method_types": ["card"], "payment_method": token,
            "confirm": True, "usage": "off_session"})
        return si.payment_method
    off = {**card, "customer": customer, "off_session": True}
    with pytest.raises(stripe.CardError) as fails_later:
        client.v1.payment_intents.create(params={**off, "payment_method": saved(
            "pm_card_chargeCustomerFail")})
    assert fails_later.value.error.decline_code == "generic_decline"
    with pytest.raises(stripe.CardError) as needs_3ds:
        client.v1.payment_intents.create(params={**off, "payment_method": saved(
            "pm_card_authenticationRequired")})
    assert needs_3ds.value.code == "authentication_required"
    with pytest.raises(stripe.CardError) as refused_setup:
        saved("pm_card_chargeDeclined")
    assert refused_setup.value.error.setup_intent.status == "requires_payment_method"
    listed = client.v1.customers.payment_methods.list(customer, params={"type": "card"})
    assert len(listed.data) == 2 and all(pm.customer == customer for pm in listed.data)


# -- Checkout (setup mode) and its hosted page ---------------------------------------------

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.labels, self.inputs, self.legends = [], {}, [], []
        self._label = self._legend = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "label":
            self._label = a.get("for")
            self.labels[self._label] = ""
        elif tag == "legend":
            self._legend = ""
        elif tag == "input":
            self.inputs.append(a)

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None
        elif tag == "legend":
            self.legends.append(self._legend)
            self._legend = None

    def handle_data(self, data):
        if self._label is not None:
            self.labels[self._label] += data
        if self._legend is not None:
            self._legend += data


def parse(text):
    page = Page()
    page.feed(text)
    return page


BANK_FORM = {"kind": "us_bank_account", "name": "Ann Lee", "routing": "110000000",
             "account": "000123456789", "account_confirm": "000123456789",
             "account_type": "checking", "mandate": "accepted"}


def test_checkout_setup_page_saves_a_bank_account(client, fake, receiver, customer):
    session = client.v1.checkout.sessions.create(params={
        "mode": "setup", "customer": customer, "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL, "payment_method_types": ["us_bank_account", "card"]})
    assert session.status == "open" and session.setup_intent is None
    assert session.url == f"{fake.url}/checkout/{session.id}"
    assert re.fullmatch(r"cs_test_[A-Za-z0-9]{58}", session.id)
    with httpx.Client(trust_env=False, headers={"User-Agent": "Borrower Browser/1.0"}) as b:
        form = b.get(session.url)
        assert form.status_code == 200 and '<html lang="en">' in form.text
        page = parse(form.text)
        assert not any(t in ("script", "iframe", "img", "link") for t, _ in page.tags)
        visible = [i for i in page.inputs if i.get("type") != "hidden"]
        assert all(i["id"] in page.labels and page.labels[i["id"]].strip() for i in visible)
        assert {"How would you like to pay?", "Bank account (ACH Direct Debit)", "Card",
                "Account type"} <= set(page.legends)
        assert page.labels["routing-number"] == "Routing number"
        assert page.labels["account-number"] == "Account number"
        assert "authorize Lendbook to debit the bank account" in form.text
        checkbox = next(i for i in page.inputs if i["id"] == "mandate-accept")
        assert checkbox["type"] == "checkbox" and "ach-mandate" in checkbox["aria-describedby"]
        action = urljoin(session.url, next(a for t, a in page.tags if t == "form")["action"])

        refused = b.post(action, data={**BANK_FORM, "account_confirm": "000123456780",
                                       "mandate": ""})
        assert refused.status_code == 400 and 'role="alert"' in refused.text
        again = parse(refused.text)
        confirm = next(i for i in again.inputs if i["id"] == "account-number-confirm")
        assert confirm["aria-invalid"] == "true" and "account-number-confirm-error" in \
            confirm["aria-describedby"]
        assert 'href="#mandate-accept"' in refused.text
        assert client.v1.checkout.sessions.retrieve(session.id).status == "open"

        done = b.post(action, data=BANK_FORM, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}",
                                                               session.id)
        assert "already saved" in b.get(session.url).text
    complete = client.v1.checkout.sessions.retrieve(session.id, params={
        "expand": ["setup_intent.payment_method", "setup_intent.mandate"]})
    assert complete.status == "complete" and complete.payment_status == "no_payment_required"
    si = complete.setup_intent
    assert si.status == "succeeded" and si.usage == "off_session"
    assert si.payment_method.type == "us_bank_account"
    assert si.payment_method.customer == customer
    assert si.payment_method.us_bank_account.last4 == "6789"
    assert si.mandate.status == "active"
    assert si.mandate.customer_acceptance.type == "online"
    assert si.mandate.customer_acceptance.online.user_agent == "Borrower Browser/1.0"
    for type_, object_id in (("setup_intent.succeeded", si.id),
                             ("checkout.session.completed", session.id)):
        body, headers = receiver.wait_for(event_for(object_id, type_))
        event = stripe.Webhook.construct_event(body, headers["stripe-signature"], SECRET)
        assert event.type == type_
    # the saved account can be debited off-session at once (verified on the page)
    assert ach_payment(client, customer, si.payment_method.id).status == "processing"


def test_checkout_page_card_and_decline(client, fake, customer):
    session = client.v1.checkout.sessions.create(params={
        "mode": "setup", "customer": customer, "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL, "payment_method_types": ["card"]})
    card = {"kind": "card", "card_name": "Ann Lee", "expiry": "12 / 40", "cvc": "123"}
    with httpx.Client(trust_env=False) as b:
        page = b.get(session.url).text
        assert "Bank account" not in page and 'autocomplete="cc-number"' in page
        declined = b.post(session.url, data={**card, "number": "4000 0000 0000 0002"})
        assert declined.status_code == 402 and "Your card was declined." in declined.text
        live = b.post(session.url, data={**card, "number": "4111111111111111"})
        assert live.status_code == 402 and "non test" in live.text
        ok = b.post(session.url, data={**card, "number": "4242 4242 4242 4242"},
                    follow_redirects=False)
        assert ok.status_code == 303
    si = client.v1.setup_intents.retrieve(client.v1.checkout.sessions.retrieve(
        session.id).setup_intent, params={"expand": ["payment_method"]})
    assert si.payment_method.card.last4 == "4242" and si.mandate is None
    expiring = client.v1.checkout.sessions.create(params={
        "mode": "setup", "customer": customer, "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL, "payment_method_types": ["card"]})
    state(fake).objects[expiring.id]["expires_at"] -= 86401
    assert client.v1.checkout.sessions.retrieve(expiring.id).status == "expired"
    assert httpx.get(expiring.url, trust_env=False).status_code == 410
    with pytest.raises(stripe.InvalidRequestError) as payment_mode:
        client.v1.checkout.sessions.create(params={
            "mode": "payment", "success_url": SUCCESS_URL, "cancel_url": CANCEL_URL})
    assert payment_mode.value.param == "mode"


# -- webhooks ------------------------------------------------------------------------------

def test_webhook_signature_verifies_and_tampering_fails(client, receiver):
    receiver.drain()
    created = client.v1.customers.create(params={"email": "sig@example.test"})
    body, headers = receiver.wait_for(event_for(created.id, "customer.created"))
    header = headers["stripe-signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert headers["content-type"].startswith("application/json")
    event = stripe.Webhook.construct_event(body, header, SECRET)
    assert event.data.object.id == created.id and event.request.id
    assert event.to_dict() == json.loads(body)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"sig@", b"sIg@"), header, SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_other")
    t = int(header.split(",")[0][2:])
    assert signature_header(body, SECRET, t) == header


def test_webhook_test_hooks(client, fake, receiver):
    receiver.drain()
    hook(fake.url, "webhooks/hold")
    ids = [client.v1.customers.create(params={"name": f"Order {i}"}).id for i in range(3)]
    assert receiver.collect(0.3) == []
    held = hook(fake.url, "state")["held"]
    assert len(held) == 3
    assert hook(fake.url, "webhooks/release", {"order": "reverse"})["released"] == held[::-1]
    arrived = [e["data"]["object"]["id"] for e, _, _ in receiver.collect(
        10, until=lambda got: len(got) == 3)]
    assert arrived == ids[::-1]

    hook(fake.url, "webhooks/config", {"duplicate_all": True})
    twice = client.v1.customers.create(params={"name": "Twice"}).id
    copies = [e for e, _, _ in receiver.collect(10, until=lambda got: sum(
        e["data"]["object"]["id"] == twice for e in got) == 2)
        if e["data"]["object"]["id"] == twice]
    hook(fake.url, "webhooks/config", {"duplicate_all": False})
    assert len(copies) == 2 and copies[0]["id"] == copies[1]["id"]

    event_id = copies[0]["id"]
    assert raw(fake.url, "GET", f"/v1/events/{event_id}").json()["id"] == event_id
    outcomes = {}
    for mode in ("normal", "bad_signature", "stale", "unsigned"):
        receiver.drain()
        [delivery] = hook(fake.url, "webhooks/deliver", {"event": event_id, "mode": mode})[
            "deliveries"]
        assert delivery["ok"] and delivery["mode"] == mode
        _, body, headers = receiver.messages.get(timeout=5)
        try:
            stripe.Webhook.construct_event(body, headers.get("stripe-signature"), SECRET)
            outcomes[mode] = "verified"
        except stripe.SignatureVerificationError as e:
            outcomes[mode] = e.user_message
    assert outcomes["normal"] == "verified"
    assert "No signatures found matching" in outcomes["bad_signature"]
    assert "outside the tolerance zone" in outcomes["stale"]
    assert "No Stripe-Signature header" in outcomes["unsigned"]

    receiver.fail_next = 1  # the first attempt gets a 500: Stripe retries
    retried = client.v1.customers.create(params={"name": "Retry"}).id
    receiver.wait_for(event_for(retried, "customer.created"))
    attempts = [d for d in hook(fake.url, "webhooks/deliveries")["deliveries"]
                if d["type"] == "customer.created" and d["status_code"] in (200, 500)][-2:]
    assert [(d["attempt"], d["status_code"]) for d in attempts] == [(1, 500), (2, 200)]
    listed = raw(fake.url, "GET", "/v1/events", params={"type": "customer.*", "limit": 2}).json()
    assert [e["type"] for e in listed["data"]] == ["customer.created"] * 2
    assert listed["data"][0]["data"]["object"]["id"] == retried and listed["has_more"]


def test_ach_return_after_success_is_a_dispute(client, fake, receiver, customer):
    pm_id, si = saved_bank_account(client, customer, "000123456789")
    first = ach_payment(client, customer, pm_id)
    hook(fake.url, "settle", {"payment_intent": first.id})
    dispute = hook(fake.url, "disputes", {"payment_intent": first.id})
    assert dispute["object"] == "dispute" and dispute["payment_intent"] == first.id
    assert dispute["reason"] == "debit_not_authorized" and dispute["status"] == "lost"
    body, _ = receiver.wait_for(event_for(dispute["id"], "charge.dispute.created"))
    receiver.wait_for(event_for(dispute["id"], "charge.dispute.closed"))
    assert client.v1.charges.retrieve(first.latest_charge).disputed
    assert client.v1.mandates.retrieve(si.mandate).status == "inactive"
    intents = sum(o["object"] == "payment_intent" for o in state(fake).objects.values())
    with pytest.raises(stripe.InvalidRequestError) as needs_mandate:
        ach_payment(client, customer, pm_id)
    assert needs_mandate.value.param == "mandate_data"
    assert sum(o["object"] == "payment_intent" for o in state(fake).objects.values()) == intents
    second = ach_payment(client, customer, pm_id, mandate_data=ONLINE)  # a new mandate
    hook(fake.url, "settle", {"payment_intent": second.id})
    hook(fake.url, "disputes", {"payment_intent": second.id, "network_code": "R07"})
    blocked = client.v1.payment_methods.retrieve(pm_id).us_bank_account.status_details.blocked
    assert (blocked.network_code, blocked.reason) == ("R07", "debit_not_authorized")
    # the dispute test account disputes by itself after settling
    pm2, _ = saved_bank_account(client, customer, "000555555559")
    third = ach_payment(client, customer, pm2)
    hook(fake.url, "settle", {"payment_intent": third.id})
    assert client.v1.charges.retrieve(third.latest_charge).disputed


# -- shapes: fixture keys, spec response schemas -------------------------------------------

def test_objects_have_the_fixtures_keys_and_match_the_spec(client, fake, customer):
    spec, fixtures = require_spec(), require_fixtures()
    pm_id, si = saved_bank_account(client, customer, "000123456789")
    intent = ach_payment(client, customer, pm_id)
    hook(fake.url, "settle", {"payment_intent": intent.id})
    card = client.v1.payment_intents.create(params={
        "amount": 900, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True})
    session = client.v1.checkout.sessions.create(params={
        "mode": "setup", "customer": customer, "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL, "payment_method_types": ["us_bank_account"]})
    dispute = hook(fake.url, "disputes", {"payment_intent": intent.id})
    event = state(fake).objects[state(fake).event_ids[-1]]
    paths = {
        "customer": ("GET", "/v1/customers/{customer}", f"/v1/customers/{customer}"),
        "payment_method": ("GET", "/v1/payment_methods/{payment_method}",
                           f"/v1/payment_methods/{pm_id}"),
        "setup_intent": ("GET", "/v1/setup_intents/{intent}", f"/v1/setup_intents/{si.id}"),
        "mandate": ("GET", "/v1/mandates/{mandate}", f"/v1/mandates/{si.mandate}"),
        "payment_intent": ("GET", "/v1/payment_intents/{intent}",
                           f"/v1/payment_intents/{intent.id}"),
        "charge": ("GET", "/v1/charges/{charge}", f"/v1/charges/{intent.latest_charge}"),
        "card_charge": ("GET", "/v1/charges/{charge}", f"/v1/charges/{card.latest_charge}"),
        "checkout.session": ("GET", "/v1/checkout/sessions/{session}",
                             f"/v1/checkout/sessions/{session.id}"),
        "dispute": ("GET", "/v1/disputes/{dispute}", f"/v1/disputes/{dispute['id']}"),
        "event": ("GET", "/v1/events/{id}", f"/v1/events/{event['id']}"),
    }
    problems = {}
    for name, (method, template, path) in paths.items():
        obj = raw(fake.url, method, path).json()
        resource = name.replace("card_", "")
        assert obj["object"] == resource and obj["livemode"] is False
        # a payment method carries only its own type's hash ("card" in the fixture)
        expected = set(fixtures[resource]) - ({"card"} if obj.get("type") == "us_bank_account"
                                               else set())
        missing = expected - set(obj)
        errors = response_errors(spec, spec.response_schema(method, template), obj)
        if missing or errors:
            problems[name] = {"fixture keys missing": sorted(missing), "spec": errors}
    assert problems == {}
    prefixes = {"cus_": customer, "pm_": pm_id, "seti_": si.id, "pi_": intent.id,
                "py_": intent.latest_charge, "ch_": card.latest_charge, "evt_": event["id"],
                "cs_test_": session.id, "mandate_": si.mandate, "dp_": dispute["id"]}
    assert all(v.startswith(k) for k, v in prefixes.items())
    listed = raw(fake.url, "GET", f"/v1/customers/{customer}/payment_methods",
                 params={"type": "us_bank_account"}).json()
    assert response_errors(spec, spec.response_schema(
        "GET", "/v1/customers/{customer}/payment_methods"), listed) == []
