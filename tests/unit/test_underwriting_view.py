"""The underwriting pages' display strings: audit changes, approval levels, stage filter."""
from domain.origination.underwriting import QueueRow
from portal import underwriting_view as view


def row(app_id, stage):
    return QueueRow(app_id, "A", "P", 100000, 12, "api", stage, "referred", ("r",),
                    "2026-01-01", 0)


def test_changes_show_what_moved_in_currency_and_skip_snapshot_noise():
    text = view._changes({"stage": "underwriting", "amount_minor": 500000, "applicant": {}},
                         {"stage": "offer", "amount_minor": 400000, "created_at": "x"})
    assert text == "stage: underwriting → offer, amount: 5,000.00 → 4,000.00"
    assert view._changes({}, {"reasons": ["a", "b"]}) == "reasons: a; b"
    assert len(view._changes({}, {"reasons": ["x" * 300]})) == 200


def test_stage_filter_lists_worked_stages_and_review_stages_by_their_names():
    rows = [row(1, "underwriting"), row(2, "verification")]
    choices = view.stage_choices(rows, {2: "Income verification"})
    assert choices == [["", "All stages"], ["underwriting", "Underwriting review"],
                       ["funding", "Funding approval"], ["signature", "Signed, held"],
                       ["verification", "Income verification"]]
    shown = view.queue_rows(rows, {1: "Underwriting review", 2: "Income verification"})
    assert [r["stage_label"] for r in shown] == ["Underwriting review", "Income verification"]
    assert shown[0]["amount"] == "1,000.00" and shown[0]["href"] == "/underwriting/1"
