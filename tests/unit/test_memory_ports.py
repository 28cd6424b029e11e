"""The in-memory fakes of the payment and e-signature ports (devservices.memory) keep the
providers' rules the domain relies on, with no server and no network."""
import pytest

from devservices.memory import InMemoryCharger, InMemoryESign
from devservices.memory.charger import ChargerUnavailable, IdempotencyConflict
from devservices.memory.esign import EnvelopeNotCompleted, EnvelopeNotFound

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_charger_one_result_per_idempotency_key():
    charger = InMemoryCharger()
    first = charger.charge("att-1", "cus_1", "pm_usBankAccount_success", 12_500, "Loan 1",
                           {"loan": "LN-1"})
    assert first.status == "processing" and first.reference.startswith("pi_")
    again = charger.charge("att-1", "cus_1", "pm_usBankAccount_success", 12_500, "Loan 1",
                           {"loan": "LN-1"})
    assert again == first and len(charger.charges) == 1 and charger.charged_minor == 12_500
    with pytest.raises(IdempotencyConflict):
        charger.charge("att-1", "cus_1", "pm_usBankAccount_success", 99, "Loan 1", {})
    assert charger.charge("att-2", "cus_1", "pm_card_visa", 100, "x", {}).status == "succeeded"


def test_charger_declines_are_results_and_outages_are_errors():
    charger = InMemoryCharger(outcomes={"pm_special": ("do_not_honor", "Refused.")},
                              unavailable_next=1)
    with pytest.raises(ChargerUnavailable):
        charger.charge("att-1", "cus_1", "pm_card_visa", 100, "x", {})
    assert charger.charges == []  # nothing charged: the retry uses the same key
    declined = charger.charge("att-2", "cus_1", "pm_card_chargeDeclinedInsufficientFunds",
                              100, "x", {})
    assert (declined.status, declined.failure_code) == ("requires_payment_method",
                                                        "card_declined")
    assert charger.charge("att-3", "cus_1", "pm_special", 100, "x", {}).failure_code == \
        "do_not_honor"
    assert charger.charged_minor == 0
    with pytest.raises(ValueError):
        charger.charge("", "cus_1", "pm_card_visa", 100, "x", {})


def test_esign_envelope_is_signed_then_its_document_is_available():
    esign = InMemoryESign()
    envelope = esign.send_for_signature(PDF, "Agreement", "Ana Lopez", "ana@example.test", "7",
                                        anchor_string="/sn1/")
    assert esign.status(envelope) == "sent"
    with pytest.raises(EnvelopeNotCompleted):
        esign.signed_document(envelope)
    url = esign.signing_url(envelope, "Ana Lopez", "ana@example.test", "7",
                            "http://app.test/applications/1?x=1")
    assert url.startswith("https://esign.invalid/signing/") and esign.status(envelope) == \
        "delivered"
    assert esign.sign(envelope) == \
        "http://app.test/applications/1?x=1&event=signing_complete"
    assert esign.status(envelope) == "completed" and esign.signed_document(envelope) == PDF
    assert esign.envelopes[envelope].options == {"anchor_string": "/sn1/"}


def test_esign_refuses_what_docusign_refuses():
    esign = InMemoryESign()
    with pytest.raises(ValueError):
        esign.send_for_signature(b"not a pdf", "A", "Ana", "ana@example.test", "7")
    with pytest.raises(ValueError):
        esign.send_for_signature(PDF, "A", "Ana", "ana@example.test", "")
    envelope = esign.send_for_signature(PDF, "A", "Ana", "ana@example.test", "7")
    with pytest.raises(PermissionError):  # only the envelope's own signer
        esign.signing_url(envelope, "Bob", "bob@example.test", "8", "http://app.test/")
    with pytest.raises(EnvelopeNotFound):
        esign.status("no-such-envelope")
    esign.decline(envelope)
    with pytest.raises(EnvelopeNotCompleted):
        esign.sign(envelope)
