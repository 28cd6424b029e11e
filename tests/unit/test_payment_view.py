"""The payment pages' display strings: history lines, the autopay summary, the preview, errors."""
from datetime import date

from domain.calculation.allocation import Allocation
from domain.documents.receipt import status_text
from domain.payments.autopay import EnrolmentView
from domain.servicing.queries import HistoryRow
from portal import payment_view as v


def test_history_lines_say_what_happened_and_only_payments_have_receipts():
    rows = v.history_rows([
        HistoryRow(date(2026, 3, 11), 3000, "scheduled", attempt_id=7, channel="nacha",
                   method="one_time", instrument="Bank account checking ending 6789"),
        HistoryRow(date(2026, 2, 10), 5662, "returned", 3, 1, 5662, channel="ach",
                   return_code="R01", return_text="Insufficient funds",
                   reversed_on=date(2026, 2, 12)),
        HistoryRow(date(2026, 3, 10), 1000, "pending", 4, 2, 900, 100, channel="ach"),
        HistoryRow(date(2026, 3, 11), 4000, "failed", attempt_id=8, channel="nacha",
                   method="one_time", return_code="R03", return_text="No account"),
    ])
    queued, returned, pending, failed = rows
    assert queued["detail"] == ("Queued for the next bank file · one-time payment · from Bank "
                                "account checking ending 6789")
    assert queued["principal"] == "" and queued["receipt"] == ""
    assert returned["status_label"] == "returned R01"
    assert returned["detail"].startswith("R01 Insufficient funds · taken off the loan 2026-02-12")
    assert returned["receipt"] == "/api/v1/receipts/3" and returned["principal"] == "56.62"
    assert (pending["principal"], pending["interest"], pending["channel"]) == \
        ("9.00", "1.00", "Bank debit (ACH)")
    assert failed["detail"].startswith("R03: No account")


def test_autopay_summary_and_enrolment():
    view = EnrolmentView("LN-1", "active", 5, "Bank account checking ending 6789", -2, "fixed",
                         15000, None, 3, "text")
    assert v.autopay_summary(view) == ("Autopay on: 150.00 from Bank account checking ending "
                                       "6789, 2 days before the due date.")
    assert v.enrolment(view)["amount"] == "150.00 each installment"
    assert v.enrolment(view)["draft_day"] == "2 days before the due date"
    assert v.autopay_summary(None) == "Autopay is off."
    paused = EnrolmentView("LN-1", "paused", 5, "x", 0, "installment", None,
                           date(2026, 5, 1), 4, "")
    assert v.autopay_summary(paused) == "Autopay paused until 2026-05-01."
    assert [o[0] for o in v.OFFSET_OPTIONS][:2] == ["-10", "-9"]
    assert dict(v.OFFSET_OPTIONS)["0"] == "On the due date"


def test_preview_rows_end_with_the_total_and_errors_read_as_sentences():
    rows = v.preview_rows((Allocation(5, 5710, 6790), Allocation(0, advance_minor=100)))
    assert [r["installment"] for r in rows] == ["No. 5", "Held in advance", "Total"]
    assert rows[-1]["total"] == "126.00"
    assert v.field_errors({"routing_number": "must be a valid 9-digit ABA routing number"}) == {
        "routing_number": "Routing number must be a valid 9-digit ABA routing number"}
    assert v.field_errors({"until": "must be after today"}, {"until": "To date"}) == {
        "until": "To date must be after today"}
    assert status_text("returned", "R01", "Insufficient funds", date(2026, 2, 12)) == \
        "Returned by the bank (R01: Insufficient funds) on February 12, 2026"


def test_a_refund_says_so_in_the_history():
    from datetime import date

    from domain.servicing.queries import HistoryRow
    from portal.payment_view import history_rows
    row = history_rows([HistoryRow(date(2026, 3, 20), 13_686, "posted", payment_id=7,
                                   advance_minor=-13_686, channel="servicer", method="refund",
                                   note="Paid above the payoff")])[0]
    assert row["status_label"] == "refunded"
    assert row["detail"] == "Refund of an advance · Paid above the payoff"
    assert row["advance"] == "-136.86"
