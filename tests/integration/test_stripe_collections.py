"""Autopay through Stripe, end to end over HTTP: the official SDK against the local fake, its
signed webhooks arriving at our own API route, on SQLite and PostgreSQL."""
import time
from datetime import date

import httpx
import pytest
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.db.payment_tables import CollectionAttempt, ProviderEvent
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.payments import autopay, collection_runs, collections, instruments
from domain.ledger import journal
from domain.servicing import loan_state
from domain.origination import applications as origination
from integrations.stripe.charger import StripeCharger
from integrations.stripe.client import StripeConfig, StripeGateway
from integrations.stripe.defaults import WEBHOOK_PATH
from devservices.stripe.control import FakeStripeControl
from devservices.stripe.server import create_app, run_in_thread
from devservices.stripe.webhooks import signature_header
from tests.integration.helpers import count, make_product, make_user
from tests.integration.stripe_support import KEY, SECRET

BOOKED, DUE = date(2026, 1, 10), date(2026, 2, 10)


@pytest.fixture
def stripe_world(db_url, uniq, monkeypatch, tmp_path):
    """Our API (with the Stripe webhook route) and the fake Stripe, wired to each other."""
    from portal.api import api_app
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    ours = run_in_thread(api_app(), 0)
    fake = run_in_thread(create_app(f"{ours.url}{WEBHOOK_PATH}", SECRET, retry_delays=(0.2,)),
                         0)
    monkeypatch.setenv("STRIPE_API_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", fake.url)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    gateway = StripeGateway(StripeConfig.from_env())
    admin = make_user(db_url, uniq, "admin")
    product = make_product(db_url, admin, uniq, annual_rate="12",
                           settings=(("nsf_fee_minor", "25.00"),))
    control = FakeStripeControl(fake.url, KEY)
    yield dict(url=db_url, uniq=uniq, product=product, gateway=gateway, control=control,
               api=ours.url)
    control.close()
    fake.stop()
    ours.stop()


def enrolled(w, account="000123456789", tag="b", card=None, enrol=True):
    """A booked loan whose borrower saved a bank account (or a card) on Stripe's hosted page
    and enrolled in autopay on the due date."""
    borrower = make_user(w["url"], w["uniq"], "borrower", tag=tag)
    app = origination.submit_application(borrower, w["product"], "1200", "12", "50000",
                                         url=w["url"])
    number = origination.accept_offer(borrower, app.id, w["url"], on=BOOKED)
    g = w["gateway"]
    customer = g.ensure_customer(borrower.label, "Pat Doe", f"user-{borrower.user_id}")
    session_id, url = g.start_setup(customer, "http://127.0.0.1/done?s={CHECKOUT_SESSION_ID}",
                                    "http://127.0.0.1/cancel")
    with httpx.Client(trust_env=False) as browser:
        form = {"kind": "card", "card_name": "Pat Doe", "number": card, "expiry": "09/39",
                "cvc": "314"} if card else {
            "kind": "us_bank_account", "name": "Pat Doe", "routing": "110000000",
            "account": account, "account_confirm": account, "mandate": "accepted"}
        done = browser.post(url, data=form)
    assert done.status_code == 303
    saved = g.setup_result(session_id)
    inst = instruments.save_provider_method(
        borrower, number, customer=customer, method_ref=saved.payment_method_id,
        kind=saved.kind, bank_name=saved.bank_name or "",
        last4=(saved.card_last4 if card else saved.bank_last4) or "",
        card_brand=saved.card_brand or "", routing_number=saved.routing_number or "",
        url=w["url"])
    if not enrol:
        return number, borrower, inst
    autopay.enrol(borrower, number, inst, 0, accepted_mandate=True, ip="198.51.100.4",
                  today=date(2026, 2, 1), url=w["url"])
    return number


def attempt_of(w, number) -> CollectionAttempt:
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return s.exec(select(CollectionAttempt).where(CollectionAttempt.loan_id == loan.id)
                      .order_by(CollectionAttempt.id)).first()


def balances(w, number):
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        st = loan_state.load(s, loan)
        return ([(i.number, i.paid_minor) for i in st.installments],
                {a: journal.account_balance(s, a, loan.id) for a in ledger.ACCOUNTS})


def wait_status(w, number, status, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        a = attempt_of(w, number)
        if a.status == status:
            return a
        time.sleep(0.2)
    raise AssertionError(f"attempt stayed {attempt_of(w, number).status}, not {status}")


def collect(w, number):
    """The collection job for the due date, for this loan's draft only (the database is
    shared with other tests' loans)."""
    collections.schedule_drafts(DUE, w["url"])
    a = attempt_of(w, number)
    return collection_runs.submit(a.id, StripeCharger(w["gateway"]), DUE, w["url"])


def test_autopay_charge_posts_pending_then_settles_by_webhook(stripe_world):
    w = stripe_world
    number = enrolled(w)
    before = balances(w, number)
    out = collect(w, number)
    assert out.status == "submitted" and out.payment_id
    a = attempt_of(w, number)
    assert a.provider_ref.startswith("pi_") and balances(w, number) != before
    # the same attempt sent again (a restart): Stripe answers the same key, nothing new
    again = collection_runs.submit(a.id, StripeCharger(w["gateway"]), DUE, w["url"])
    assert again.payment_id == out.payment_id
    w["control"].settle(a.provider_ref)
    assert wait_status(w, number, "succeeded").payment_id == out.payment_id


def test_failed_debit_reverses_and_charges_the_fee_to_the_cent(stripe_world):
    w = stripe_world
    number = enrolled(w, account="000222222227", tag="nsf")  # insufficient funds
    before = balances(w, number)
    collect(w, number)
    w["control"].settle(attempt_of(w, number).provider_ref)
    a = wait_status(w, number, "returned")
    assert a.failure_code == "R01"
    paid, after = balances(w, number)
    assert paid == before[0]
    for account, delta in ((ledger.FEES_RECEIVABLE, 2500), (ledger.FEE_INCOME, -2500),
                           (ledger.CASH, 0), (ledger.LOANS_RECEIVABLE, 0),
                           (ledger.INTEREST_RECEIVABLE, 0)):
        assert after[account] == before[1][account] + delta, account


def test_bad_signature_refused_and_a_duplicate_event_ignored(stripe_world):
    w = stripe_world
    number = enrolled(w, tag="dup")
    collect(w, number)
    body = b'{"id": "evt_forged", "object": "event", "type": "payment_intent.succeeded"}'
    forged = httpx.post(f"{w['api']}{WEBHOOK_PATH}", content=body, headers={
        "Stripe-Signature": signature_header(body, "whsec_wrong"),
        "Content-Type": "application/json"})
    assert forged.status_code == 400 and count(w["url"], ProviderEvent,
                                               ProviderEvent.id == "evt_forged") == 0
    w["control"].settle(attempt_of(w, number).provider_ref)
    a = wait_status(w, number, "succeeded")
    deadline, event = time.monotonic() + 10, None
    while event is None and time.monotonic() < deadline:  # charge.succeeded may come first
        with UnitOfWork(w["url"]) as s:
            event = s.exec(select(ProviderEvent).where(
                ProviderEvent.object_id == a.provider_ref,
                ProviderEvent.type == "payment_intent.succeeded")).first()
        time.sleep(0.2)
    assert event is not None
    replies = w["control"].deliver(event.id, times=2)
    assert len(replies) == 2 and all(r["status_code"] == 200 for r in replies), replies
    assert count(w["url"], ProviderEvent, ProviderEvent.id == event.id) == 1
    assert attempt_of(w, number).payment_id == a.payment_id


def test_out_of_order_events_end_in_the_right_state(stripe_world):
    w = stripe_world
    number = enrolled(w, account="000111111113", tag="ooo")  # closed: fails on settling
    before = balances(w, number)
    w["control"].hold_webhooks()
    collect(w, number)
    w["control"].settle(attempt_of(w, number).provider_ref)
    released = w["control"].release_webhooks("reverse")  # the failure before "processing"
    assert len(released) >= 2
    a = wait_status(w, number, "returned")
    deadline = time.monotonic() + 10
    while count(w["url"], ProviderEvent, ProviderEvent.id.in_(released)) < len(released) \
            and time.monotonic() < deadline:  # every released event recorded
        time.sleep(0.2)
    assert attempt_of(w, number).status == "returned" and a.failure_code == "R02"
    assert balances(w, number) == before  # R02: reversed exactly, no fee, nothing re-posted
    with UnitOfWork(w["url"]) as s:
        late = [e.outcome for e in s.exec(select(ProviderEvent).where(
            ProviderEvent.object_id == a.provider_ref,
            ProviderEvent.type == "payment_intent.processing"))]
    enrolment = autopay.view(_staff(w), number, w["url"])
    assert all(o.startswith("already") for o in late)
    assert enrolment.status == "disabled"


def _staff(w):
    return make_user(w["url"], w["uniq"], "servicer", tag="staff")


def test_pay_now_by_card_for_the_payoff_closes_the_loan(stripe_world):
    w = stripe_world
    number, borrower, inst = enrolled(w, card="4242424242424242", tag="card", enrol=False)
    today = date.today()
    due, payoff = collection_runs.amounts(borrower, number, today, w["url"])
    out = collection_runs.pay_now(borrower, number, inst, "payoff", "", f"k-{w['uniq']}",
                                  StripeCharger(w["gateway"]), today, w["url"])
    assert out.status == "succeeded" and out.payment_id
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        assert loan.status == "paid_off"
        assert journal.principal_outstanding(s, loan.id) == 0
    again = collection_runs.pay_now(borrower, number, inst, "payoff", "", f"k-{w['uniq']}",
                                    StripeCharger(w["gateway"]), today, w["url"])
    assert again.payment_id == out.payment_id  # the same key: the same payment, once
