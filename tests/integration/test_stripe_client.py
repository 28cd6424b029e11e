"""The app's Stripe adapter (`StripeGateway`, official SDK) against the local fake over HTTP:
configuration, enrolment through the hosted Checkout page, idempotent charges, outcomes,
webhook verification and mapping, the fake as its own process (`python -m devservices`)."""
import json
import time

import httpx
import pytest

from integrations.stripe import defaults
from integrations.stripe.client import (
    ChargeResult,
    IdempotencyConflict,
    MandateRequired,
    ProviderEvent,
    SetupIncomplete,
    StripeConfig,
    StripeConfigError,
    StripeError,
    StripeGateway,
    StripeUnavailable,
    WebhookVerificationError,
    provider_event,
)
from devservices.stripe.control import FakeStripeControl
from devservices.serving import free_port, run_in_thread
from devservices.stripe.server import create_app
from devservices.stripe.webhooks import signature_header
from tests.devservices_support import fakes_process
from tests.integration.stripe_support import KEY, SECRET, Receiver

SUCCESS = "http://127.0.0.1:3000/loans/LN-000042/autopay/done?session={CHECKOUT_SESSION_ID}"
CANCEL = "http://127.0.0.1:3000/loans/LN-000042/autopay"
META = {"loan": "LN-000042", "installment": "3", "attempt": "1"}


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    server = run_in_thread(r.app, 0)
    r.url = f"{server.url}{defaults.WEBHOOK_PATH}"
    yield r
    server.stop()


@pytest.fixture(scope="module")
def fake(receiver):
    server = run_in_thread(create_app(receiver.url, SECRET, retry_delays=(0.1,)), 0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(fake):
    return StripeGateway(StripeConfig(api_key=KEY, api_base=fake.url, webhook_secret=SECRET))


@pytest.fixture(scope="module")
def control(fake):
    with FakeStripeControl(fake.url, KEY) as c:
        yield c


@pytest.fixture
def customer(gateway, uniq):
    return gateway.ensure_customer(f"ann.{uniq}@example.test", "Ann Lee", f"borrower-{uniq}")


def enrol(gateway, customer, **form):
    """The borrower's browser on the hosted page; returns the SavedMethod."""
    session_id, url = gateway.start_setup(customer, SUCCESS, CANCEL)
    with pytest.raises(SetupIncomplete):
        gateway.setup_result(session_id)
    if "number" in form:
        data = {"kind": "card", "card_name": "Ann Lee", "expiry": "09/39", "cvc": "314", **form}
    else:
        account = form.get("account", "000123456789")
        data = {"kind": "us_bank_account", "name": "Ann Lee", "routing": "110000000",
                "account": account, "account_confirm": account, "mandate": "accepted"}
    with httpx.Client(trust_env=False) as browser:
        done = browser.post(url, data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"].endswith(f"session={session_id}")
    return gateway.setup_result(session_id)


def webhook_events(receiver, gateway, *types):
    """The webhooks that arrive (verified and mapped) until every one of `types` has."""
    wanted = set(types)
    got = receiver.collect(10, until=lambda events: wanted <= {e["type"] for e in events})
    return [gateway.verify_webhook(raw, headers["stripe-signature"]) for _, raw, headers in got]


def test_config_from_env():
    local = StripeConfig.from_env({})
    assert local.api_base == "http://127.0.0.1:3001" and local.is_local  # LENDBOOK_PORT + 1
    assert StripeConfig.from_env({"LENDBOOK_PORT": "3300"}).api_base == "http://127.0.0.1:3301"
    assert local.api_key == defaults.FAKE_API_KEY
    assert local.webhook_secret == defaults.FAKE_WEBHOOK_SECRET
    moved = StripeConfig.from_env({"LENDBOOK_STRIPE_FAKE_PORT": "12999"})
    assert moved.api_base == "http://127.0.0.1:12999"

    real = StripeConfig.from_env({"STRIPE_API_KEY": "sk_test_51RealKey",
                                  "STRIPE_WEBHOOK_SECRET": "whsec_fromdashboard"})
    assert real.api_base == "https://api.stripe.com"
    assert real.webhook_secret == "whsec_fromdashboard" and not real.is_local
    explicit = StripeConfig.from_env({"STRIPE_API_KEY": "sk_test_51RealKey",
                                      "STRIPE_API_BASE": "https://api.stripe.com/"})
    assert explicit.api_base == "https://api.stripe.com"
    assert explicit.webhook_secret is None  # the local secret is never trusted for Stripe
    assert "sk_test_51RealKey" not in repr(explicit) and "whsec" not in repr(real)
    assert StripeConfig.from_env({"STRIPE_API_BASE": "local"}).api_base == local.api_base
    elsewhere = StripeConfig.from_env({"STRIPE_API_BASE": "http://127.0.0.1:9999"})
    assert elsewhere.is_local and elsewhere.api_key == defaults.FAKE_API_KEY
    # a fake on another host name (make run, for phones on the network) is not loopback:
    # it needs its own test key and webhook secret, as the Makefile gives it
    lan = StripeConfig.from_env({"STRIPE_API_BASE": "http://192.0.2.2:3001"})
    assert not lan.is_local and lan.api_key == "" and lan.webhook_secret is None
    with pytest.raises(StripeConfigError):
        StripeGateway(StripeConfig.from_env({"STRIPE_API_BASE": "http://192.0.2.2:3001",
                                             "STRIPE_API_KEY": defaults.FAKE_API_KEY}))

    with pytest.raises(StripeConfigError):
        StripeGateway(StripeConfig.from_env({"STRIPE_API_BASE": "https://api.stripe.com"}))
    with pytest.raises(StripeConfigError):
        StripeGateway(StripeConfig(api_key="pk_test_x", api_base="http://127.0.0.1:1"))
    with pytest.raises(StripeConfigError):
        StripeGateway(StripeConfig(api_key=defaults.FAKE_API_KEY,
                                   api_base="https://api.stripe.com"))
    StripeGateway(real)  # builds; nothing is sent until a call


def test_enrol_a_bank_account_and_charge_it(gateway, fake, receiver, control, uniq):
    email = f"bo.{uniq}@example.test"
    customer = gateway.ensure_customer(email, "Bo Chen", f"borrower-{uniq}")
    assert customer.startswith("cus_")
    assert gateway.ensure_customer(email, "Bo Chen", f"borrower-{uniq}") == customer
    assert gateway.ensure_customer(email, "Bo Chen", f"other-{uniq}") != customer

    saved = enrol(gateway, customer)
    assert saved.kind == "us_bank_account" and saved.customer_id == customer
    assert (saved.bank_name, saved.routing_number, saved.bank_last4, saved.account_type) == (
        "STRIPE TEST BANK", "110000000", "6789", "checking")
    assert saved.mandate_id.startswith("mandate_") and saved.fingerprint
    assert abs(saved.mandate_accepted_at.timestamp() - time.time()) < 60
    assert saved.card_brand is None

    receiver.drain()
    result = gateway.charge("LN-000042/3/1", customer, saved.payment_method_id, 15_000,
                            "LN-000042 installment 3", META)
    assert isinstance(result, ChargeResult)
    assert result.pending and result.status == "processing" and result.amount_minor == 15_000
    assert result.charge_id.startswith("py_") and result.failure_code is None
    # a retry or a restart of the job: same key, same payment, nothing new charged
    again = gateway.charge("LN-000042/3/1", customer, saved.payment_method_id, 15_000,
                           "LN-000042 installment 3", META)
    assert again == result
    intents = [o for o in fake.app.state.stripe.objects.values()
               if o["object"] == "payment_intent" and o["customer"] == customer]
    assert len(intents) == 1
    with pytest.raises(IdempotencyConflict):
        gateway.charge("LN-000042/3/1", customer, saved.payment_method_id, 15_001,
                       "LN-000042 installment 3", META)

    assert control.settle(result.payment_intent_id) == [result.payment_intent_id]
    settled = gateway.retrieve_payment_intent(result.payment_intent_id)
    assert settled.succeeded and settled.failure_code is None
    events = webhook_events(receiver, gateway, "payment_intent.succeeded", "charge.succeeded")
    succeeded = next(e for e in events if e.type == "payment_intent.succeeded")
    assert isinstance(succeeded, ProviderEvent)
    assert (succeeded.object_id, succeeded.payment_intent_id, succeeded.status,
            succeeded.amount_minor) == (result.payment_intent_id, result.payment_intent_id,
                                        "succeeded", 15_000)
    assert dict(succeeded.metadata) == META and succeeded.created.tzinfo is not None
    charge = next(e for e in events if e.type == "charge.succeeded")
    assert charge.payment_intent_id == result.payment_intent_id
    assert charge.object_id == result.charge_id


@pytest.mark.parametrize("account, code, blocked", [
    ("000222222227", "insufficient_funds", None),
    ("000111111116", "no_account", "R03"),
    ("000111111113", "account_closed", "R02"),
    ("000333333335", "debit_not_authorized", "R10"),
])
def test_bank_failures_reach_the_app(gateway, receiver, control, customer, account, code,
                                     blocked):
    saved = enrol(gateway, customer, account=account)
    result = gateway.charge(f"{account}/1", customer, saved.payment_method_id, 9_900,
                            "installment", META)
    assert result.pending
    receiver.drain()
    control.settle(result.payment_intent_id)
    after = gateway.retrieve_payment_intent(result.payment_intent_id)
    assert after.failed and after.failure_code == code and after.failure_message
    expected = ["payment_intent.payment_failed", "charge.failed"] + (
        ["payment_method.automatically_updated"] if blocked else [])
    events = {e.type: e for e in webhook_events(receiver, gateway, *expected)}
    failed = events["payment_intent.payment_failed"]
    assert (failed.failure_code, failed.status) == (code, "requires_payment_method")
    assert events["charge.failed"].failure_code == code
    if blocked is None:
        assert "payment_method.automatically_updated" not in events
        return
    updated = events["payment_method.automatically_updated"]
    assert (updated.object_id, updated.network_code) == (saved.payment_method_id, blocked)
    if blocked != "R10":  # the account is blocked: the next debit is refused at once
        refused = gateway.charge(f"{account}/2", customer, saved.payment_method_id, 9_900,
                                 "installment", META)
        assert refused.failed and refused.failure_code == "bank_account_unusable"
        assert refused.payment_intent_id.startswith("pi_")


def test_cards_through_the_adapter(gateway, receiver, customer):
    saved = enrol(gateway, customer, number="4000 0000 0000 9995")
    assert (saved.kind, saved.card_brand, saved.card_last4, saved.card_exp_month,
            saved.card_exp_year, saved.mandate_id) == ("card", "visa", "9995", 9, 2039, None)
    receiver.drain()
    declined = gateway.charge("card/1", customer, saved.payment_method_id, 2_000, "i", META)
    events = {e.type: e for e in webhook_events(receiver, gateway,
                                                "payment_intent.payment_failed",
                                                "charge.failed")}
    for type_ in ("payment_intent.payment_failed", "charge.failed"):
        assert (events[type_].failure_code, events[type_].decline_code) == (
            "card_declined", "insufficient_funds")
    assert declined.failed and declined.status == "requires_payment_method"
    assert (declined.failure_code, declined.decline_code) == ("card_declined",
                                                              "insufficient_funds")
    assert declined.payment_intent_id and declined.charge_id.startswith("ch_")
    assert gateway.charge("card/1", customer, saved.payment_method_id, 2_000, "i",
                          META) == declined
    good = enrol(gateway, customer, number="4242424242424242")
    paid = gateway.charge("card/2", customer, good.payment_method_id, 2_000, "i", META)
    assert paid.succeeded and paid.charge_id.startswith("ch_")


def test_verify_webhook(gateway, receiver, uniq):
    receiver.drain()
    customer = gateway.ensure_customer(f"wh.{uniq}@example.test", "W", f"wh-{uniq}")
    raw, headers = receiver.wait_for(
        lambda e: e["type"] == "customer.created" and e["data"]["object"]["id"] == customer)
    event = gateway.verify_webhook(raw, headers["stripe-signature"])
    assert (event.type, event.object_id, event.status) == ("customer.created", customer, None)
    assert dict(event.metadata) == {"lendbook_reference": f"wh-{uniq}"}
    assert event.event_id == json.loads(raw)["id"]
    bad = [(raw.replace(b"customer.created", b"customer.deleted"), headers["stripe-signature"]),
           (raw, signature_header(raw, "whsec_wrong")),
           (raw, signature_header(raw, SECRET, int(time.time()) - 301)),
           (raw, ""), (raw, None), (raw, "t=abc,v1=zz"),
           (b'{"not": "an event"}', signature_header(b'{"not": "an event"}', SECRET)),
           (b"not json", signature_header(b"not json", SECRET))]
    for body, header in bad:
        with pytest.raises(WebhookVerificationError):
            gateway.verify_webhook(body, header)
    recent = signature_header(raw, SECRET, int(time.time()) - 200)  # within tolerance
    assert gateway.verify_webhook(raw, recent).event_id == event.event_id
    no_secret = StripeGateway(StripeConfig(api_key=KEY, api_base=gateway.config.api_base))
    with pytest.raises(WebhookVerificationError):
        no_secret.verify_webhook(raw, headers["stripe-signature"])


def test_dispute_and_blocked_account_events_map_to_provider_events(gateway, receiver,
                                                                   control, customer):
    saved = enrol(gateway, customer)
    paid = gateway.charge("dispute/1", customer, saved.payment_method_id, 5_000, "i", META)
    control.settle(paid.payment_intent_id)
    receiver.drain()
    dispute = control.dispute(paid.payment_intent_id)
    events = {e.type: e for e in webhook_events(receiver, gateway, "charge.dispute.created",
                                                "mandate.updated")}
    created = events["charge.dispute.created"]
    assert (created.object_id, created.payment_intent_id, created.failure_code,
            created.amount_minor, created.status) == (dispute["id"], paid.payment_intent_id,
                                                      "debit_not_authorized", 5_000, "lost")
    assert created.network_code is None  # Stripe shows no R-code on ACH disputes
    assert events["mandate.updated"].status == "inactive"
    with pytest.raises(MandateRequired):  # the borrower must authorize debits again
        gateway.charge("dispute/2", customer, saved.payment_method_id, 5_000, "i", META)
    assert enrol(gateway, customer).mandate_id  # a new setup brings a new mandate
    card = provider_event({"id": "evt_1", "type": "charge.dispute.created", "created": 1,
                           "data": {"object": {
                               "object": "dispute", "id": "dp_1", "payment_intent": "pi_1",
                               "reason": "fraudulent", "status": "needs_response",
                               "amount": 100, "payment_method_details": {
                                   "type": "card", "card": {"network_reason_code": "10.4"}}}}})
    assert (card.network_code, card.failure_code, card.payment_intent_id) == (
        "10.4", "fraudulent", "pi_1")


def test_errors(gateway, fake):
    with pytest.raises(StripeError) as missing:
        gateway.retrieve_payment_intent("pi_doesnotexist")
    assert (missing.value.status, missing.value.code) == (404, "resource_missing")
    with pytest.raises(StripeError) as unknown_customer:
        gateway.start_setup("cus_nobody", SUCCESS, CANCEL)
    assert unknown_customer.value.param == "customer"
    with pytest.raises(ValueError):
        gateway.start_setup("cus_x", SUCCESS, CANCEL, kinds=("sepa_debit",))
    with pytest.raises(ValueError):
        gateway.charge("", "cus_x", "pm_x", 100, "d", {})
    denied = StripeGateway(StripeConfig(api_key="sk_live_notallowed", api_base=fake.url))
    with pytest.raises(StripeConfigError):
        denied.retrieve_payment_intent("pi_x")
    down = StripeGateway(StripeConfig(api_key=KEY, api_base=f"http://127.0.0.1:{free_port()}",
                                      max_network_retries=0))
    with pytest.raises(StripeUnavailable):
        down.retrieve_payment_intent("pi_x")


def test_the_fake_runs_as_its_own_process_with_links_on_its_host(receiver):
    """`python -m devservices` (as `make run` starts it): the adapter reaches it at one
    address, the Checkout page's link is on the host it was given, payments settle by
    themselves and the webhook reaches the app signed with the secret both read from the
    environment."""
    port = free_port()
    secret = "whsec_devservices_process"
    app_url = receiver.url.removesuffix(defaults.WEBHOOK_PATH)
    env = {"STRIPE_WEBHOOK_SECRET": secret, "LENDBOOK_STRIPE_FAKE_SETTLE_SECONDS": "0.2"}
    with fakes_process(host="localhost", bind="127.0.0.1", app_url=app_url, port_stripe=port,
                       env=env) as fakes:
        assert f"links at http://localhost:{port}" in fakes.output
        gateway = StripeGateway(StripeConfig.from_env({
            "STRIPE_API_BASE": f"http://127.0.0.1:{port}", "STRIPE_WEBHOOK_SECRET": secret}))
        customer = gateway.ensure_customer("p@example.test", "P", "process")
        session = gateway.start_setup(customer, SUCCESS, CANCEL)
        assert session.url.startswith(f"http://localhost:{port}/checkout/cs_")
        saved = enrol(gateway, customer)
        receiver.drain()
        result = gateway.charge("process/1", customer, saved.payment_method_id, 1_000, "i",
                                META)
        assert result.pending
        raw, headers = receiver.wait_for(lambda e: e["type"] == "payment_intent.succeeded")
        event = gateway.verify_webhook(raw, headers["stripe-signature"])
        assert event.payment_intent_id == result.payment_intent_id
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", trust_env=False)
