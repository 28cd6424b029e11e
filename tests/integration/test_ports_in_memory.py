"""Domain services on the in-memory ports (devservices.memory), no HTTP: an agreement is sent,
signed and completed to funding through `InMemoryESign`; an autopay draft is charged through
`InMemoryCharger` once per idempotency key, and a decline fails the attempt."""
import copy
from datetime import date

from sqlmodel import select

from devservices.memory import InMemoryCharger, InMemoryESign
from domain.db.origination_tables import Envelope
from domain.db.payment_tables import CollectionAttempt
from domain.db.tables import Application, Loan
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM, Actor
from domain.origination import application_request as intake
from domain.origination import applications as origination
from domain.origination import esign
from domain.origination import intake as intake_service
from domain.payments import autopay, collection_runs, collections, instruments
from integrations.bureau.local import LocalBureau
from tests.integration.helpers import make_product, make_user
from tests.integration.test_intake_api import VALID

BOOKED, DUE = date(2026, 1, 10), date(2026, 2, 10)


def test_agreement_signed_in_memory_moves_the_application_to_funding(db_url, uniq,
                                                                     monkeypatch, tmp_path):
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    admin = make_user(db_url, uniq, "admin")
    code = f"MS{uniq}".upper()
    make_product(db_url, admin, uniq, code=code, workflow="standard")
    body = copy.deepcopy(VALID)
    body["product_code"], body["applicant"]["email"] = code, f"mem-{uniq}@example.test"
    result, _ = intake_service.submit(intake.parse(body), "api", SYSTEM, LocalBureau(),
                                      url=db_url)
    assert result.status == "approved"
    with UnitOfWork(db_url) as s:
        borrower = Actor(s.get(Application, result.application_id).borrower_id, "borrower",
                         body["applicant"]["email"])
    port = InMemoryESign()
    envelope_id = esign.send_agreement(borrower, result.application_id, port, db_url)
    assert port.envelopes[envelope_id].pdf.startswith(b"%PDF")
    url = esign.signing_url(borrower, result.application_id, "http://app.test/back", port,
                            db_url)
    assert url.startswith(port.base_url)
    assert not esign.envelope_completed(envelope_id, port, db_url)  # not signed yet
    assert port.sign(envelope_id) == "http://app.test/back?event=signing_complete"
    assert esign.envelope_completed(envelope_id, port, db_url)
    assert not esign.envelope_completed(envelope_id, port, db_url)  # a repeat: nothing
    with UnitOfWork(db_url) as s:
        env = s.exec(select(Envelope).where(Envelope.envelope_id == envelope_id)).one()
        assert env.status == "completed" and env.signed_document_id
        assert s.get(Application, result.application_id).stage == "funding"


def _enrolled(db_url, uniq, tag, method_ref, kind):
    admin = make_user(db_url, uniq, "admin", tag=tag)
    product = make_product(db_url, admin, f"{uniq}{tag}", annual_rate="12")
    borrower = make_user(db_url, uniq, "borrower", tag=tag)
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=db_url)
    number = origination.accept_offer(borrower, app.id, db_url, on=BOOKED)
    inst = instruments.save_provider_method(borrower, number, customer=f"cus_{tag}{uniq}",
                                            method_ref=f"{method_ref}_{uniq}", kind=kind,
                                            last4="6789", url=db_url)
    autopay.enrol(borrower, number, inst, 0, accepted_mandate=True, ip="198.51.100.4",
                  today=date(2026, 2, 1), url=db_url)
    collections.schedule_drafts(DUE, db_url)
    with UnitOfWork(db_url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return s.exec(select(CollectionAttempt).where(CollectionAttempt.loan_id == loan.id)
                      .order_by(CollectionAttempt.id)).first().id


def test_autopay_draft_charged_once_in_memory_and_a_decline_fails_it(db_url, uniq):
    charger = InMemoryCharger(outcomes={f"pm_card_declines_{uniq}": ("card_declined",
                                                                     "Your card was declined.")})
    bank = _enrolled(db_url, uniq, "mb", "pm_usBankAccount", "us_bank_account")
    out = collection_runs.submit(bank, charger, DUE, db_url)
    assert out.status == "submitted" and out.payment_id
    again = collection_runs.submit(bank, charger, DUE, db_url)  # a restart: nothing new
    assert again.payment_id == out.payment_id and len(charger.charges) == 1
    with UnitOfWork(db_url) as s:
        attempt = s.get(CollectionAttempt, bank)
        assert attempt.provider_ref == charger.charges[0].result.reference
        assert charger.charges[0].idempotency_key == attempt.idempotency_key

    card = _enrolled(db_url, uniq, "mc", "pm_card_declines", "card")
    failed = collection_runs.submit(card, charger, DUE, db_url)
    with UnitOfWork(db_url) as s:
        attempt = s.get(CollectionAttempt, card)
        assert attempt.status == failed.status == "failed", failed
        assert attempt.failure_code.lower() == "card_declined" and attempt.payment_id is None
