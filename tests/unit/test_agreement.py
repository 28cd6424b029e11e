"""The agreement PDF discloses exactly the quoted TILA figures, in a document that opens."""
import dataclasses
import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from domain.documents.agreement import (
    SIGN_ANCHOR,
    AgreementData,
    ScheduledPayment,
    frequency_label,
    render_agreement,
    schedule_lines,
)
from domain.kernel.money import fmt, to_minor
from domain.calculation.quote import quote

REQUEST = {"principal": "5000.00", "annual_rate": "12.5", "periods": 12,
           "frequency": "monthly", "disbursement_date": "2025-01-15",
           "fees": {"origination": "100.00", "origination_treatment": "deducted",
                    "late": "15.00", "late_grace_days": 10, "nsf": "25.00"}}
PARTIES = {"lender_name": "Demo Community Lending", "borrower_name": "Dana Borrower",
           "borrower_address": ("12 Main Street", "Springfield, IL 62701"),
           "reference": "LN-000123", "product_name": "Personal loan",
           "agreement_date": date(2025, 1, 15)}


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _shown(amount: str) -> str:
    return fmt(to_minor(Decimal(amount)))


@pytest.fixture(scope="module")
def quoted():
    return quote(REQUEST)


@pytest.fixture(scope="module")
def rendered(quoted):
    pdf = render_agreement(AgreementData.from_quote(REQUEST, quoted, **PARTIES))
    return pdf, _text(pdf)


def test_is_a_complete_pdf(rendered):
    pdf, _ = rendered
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_tila_figures_appear_exactly(quoted, rendered):
    _, text = rendered
    assert quoted["apr"] == "16.36"  # the real quote, not a hand-made figure
    assert f"{quoted['apr']}%" in text
    for key in ("finance_charge", "amount_financed", "total_of_payments"):
        assert f"${_shown(quoted[key])}" in text, key
    assert "$4,900.00" in text and "$5,344.98" in text  # thousands separators


def test_tila_box_headings_and_statements(rendered):
    _, text = rendered
    flat = " ".join(text.split())
    for phrase in ("FEDERAL TRUTH-IN-LENDING DISCLOSURES", "ANNUAL PERCENTAGE RATE",
                   "The cost of your credit as a yearly rate.", "FINANCE CHARGE",
                   "The dollar amount the credit will cost you.", "Amount Financed",
                   "The amount of credit provided to you or on your behalf.",
                   "Total of Payments", "The amount you will have paid after you have made "
                   "all payments as scheduled.", "Consumer Loan Agreement",
                   "If a payment is more than 10 days late, you will be charged $15.00.",
                   "If you pay off early, you will not have to pay a penalty",
                   "refund of the prepaid finance charge of $100.00",
                   "returned unpaid, you will be charged $25.00",
                   "Itemization of the Amount Financed",
                   "Amount given to you directly $4,900.00",
                   "Prepaid finance charge (origination fee) $100.00",
                   "Principal amount of your loan $5,000.00", "Dana Borrower",
                   "Springfield, IL 62701", "LN-000123", "Demo Community Lending"):
        assert phrase in flat, phrase


def test_payment_schedule_summarised(quoted, rendered):
    _, text = rendered
    flat = " ".join(text.split())
    regular, final = quoted["schedule"][0]["total"], quoted["schedule"][-1]["total"]
    assert regular != final
    assert f"11 ${_shown(regular)} Monthly beginning February 15, 2025" in flat
    assert f"1 ${_shown(final)} January 15, 2026" in flat


def test_signature_anchor_present(rendered):
    pdf, text = rendered
    assert text.count(SIGN_ANCHOR) == 1
    assert SIGN_ANCHOR == "/sn1/"


def test_same_inputs_same_bytes(quoted, rendered):
    pdf, _ = rendered
    assert render_agreement(AgreementData.from_quote(REQUEST, quoted, **PARTIES)) == pdf


def test_financed_fee_itemization():
    request = dict(REQUEST, fees={"origination": "100.00"})
    a = AgreementData.from_quote(request, **PARTIES)
    assert a.amount_financed_minor == 500000 and a.principal_minor == 510000
    text = " ".join(_text(render_agreement(a)).split())
    assert "Amount given to you directly $5,000.00" in text
    assert "Principal amount of your loan $5,100.00" in text
    assert "Late charge: None." in text


def test_multi_page_schedule_of_360_payments():
    request = {"principal": "250000.00", "annual_rate": "6.5", "periods": 360,
               "frequency": "monthly", "disbursement_date": "2025-01-15"}
    q = quote(request)
    pdf = render_agreement(AgreementData.from_quote(request, q, **PARTIES))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert _pages(pdf) >= 5
    text = _text(pdf)
    assert f"${_shown(q['total_of_payments'])}" in text
    assert f"{q['apr']}%" in text
    assert "2055-01-15" in text  # the 360th payment in the detail schedule
    assert text.count("Due date") >= 4  # headings repeated on each page of the detail


def test_grace_rows_and_every_n_days():
    request = {"principal": "1200.00", "annual_rate": "10", "periods": 6,
               "frequency": "every_14_days", "disbursement_date": "2025-03-01",
               "grace_on_principal": 2}
    a = AgreementData.from_quote(request, **PARTIES)
    lines = schedule_lines(a)
    assert lines[0][2].startswith("Every 14 days beginning")
    assert sum(int(n) for n, _, _ in lines) == 6
    assert render_agreement(a).startswith(b"%PDF-")


def test_non_latin_names_do_not_break_fonts():
    a = AgreementData.from_quote(REQUEST, **dict(PARTIES, borrower_name="Zoë O’Brien — 王"))
    text = _text(render_agreement(a))
    assert "Zoë O'Brien - ?" in text


def test_inconsistent_figures_refused(quoted):
    a = AgreementData.from_quote(REQUEST, quoted, **PARTIES)
    with pytest.raises(ValueError, match="finance charge"):
        render_agreement(dataclasses.replace(a, finance_charge_minor=a.finance_charge_minor + 1))
    with pytest.raises(ValueError, match="total of payments"):
        render_agreement(dataclasses.replace(
            a, total_of_payments_minor=a.total_of_payments_minor + 1,
            finance_charge_minor=a.finance_charge_minor + 1))
    with pytest.raises(ValueError, match="no scheduled payments"):
        render_agreement(dataclasses.replace(a, payments=(), total_of_payments_minor=0,
                                             finance_charge_minor=-a.amount_financed_minor))


def test_hand_built_data_without_breakdown():
    payments = tuple(ScheduledPayment(n, date(2025, n + 1, 1), 10000) for n in (1, 2, 3))
    a = AgreementData(lender_name="L", borrower_name="B", borrower_address=(), reference="R",
                      product_name="P", apr=Decimal("0"), finance_charge_minor=0,
                      amount_financed_minor=30000, total_of_payments_minor=30000,
                      installment_minor=10000, frequency="monthly", payments=payments,
                      annual_rate=Decimal("0"))
    pdf = render_agreement(a)
    assert _pages(pdf) == 1  # no detail schedule without a principal/interest breakdown
    flat = " ".join(_text(pdf).split())
    assert "3 $100.00 Monthly beginning February 1, 2025" in flat
    assert "0.00%" in flat and "with interest at the rate of 0.00% a year" in flat


@pytest.mark.parametrize("frequency, label", [("monthly", "Monthly"),
                                              ("biweekly", "Every two weeks"),
                                              ("semimonthly", "Twice a month"),
                                              ("every_10_days", "Every 10 days")])
def test_frequency_labels(frequency, label):
    assert frequency_label(frequency) == label
