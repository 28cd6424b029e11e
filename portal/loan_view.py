"""Turns domain query results into the plain strings and numbers pages display."""
from domain.kernel.money import fmt
from domain.servicing.queries import LoanDetail

STATUS_TEXT = {"active": "Active", "paid_off": "Paid off", "written_off": "Written off",
               "charged_off": "Charged off"}


def summary(d: LoanDetail) -> dict[str, str]:
    return {
        "loan_number": d.loan_number, "borrower": d.borrower_name,
        "product": f"{d.product_name} (v{d.product_version})",
        "status": STATUS_TEXT.get(d.status, d.status), "principal": fmt(d.principal_minor),
        "rate": f"{d.annual_rate}%", "term": f"{d.term} {d.frequency} payments",
        "funded": d.disbursement_date.isoformat(),
        "balance": fmt(d.principal_outstanding_minor),
        "interest_paid": fmt(d.interest_paid_minor),
        "next_due_date": d.next_due_date.isoformat() if d.next_due_date else "None",
        "next_due_amount": fmt(d.next_due_minor),
        "interest_accrued": fmt(d.interest_accrued_minor),
        "interest_paid_ahead": fmt(d.interest_paid_ahead_minor),
        "fees_outstanding": fmt(d.fees_outstanding_minor),
        "advance": fmt(d.advance_minor),
        "payoff": fmt(d.payoff_minor),
        "as_of": d.as_of.isoformat() if d.as_of else "",
        "days_past_due": str(d.days_past_due),
        "bucket": d.delinquency_bucket,
    }


def schedule_rows(d: LoanDetail) -> list[dict[str, str]]:
    return [{"number": str(i.number), "due_date": i.due_date.isoformat(),
             "principal": fmt(i.principal_minor), "interest": fmt(i.interest_minor),
             "fees": fmt(i.fee_minor), "total": fmt(i.total_minor), "paid": fmt(i.paid_minor),
             "status": i.status} for i in d.installments]


def payment_rows(d: LoanDetail) -> list[dict[str, str]]:
    return [{"id": str(p.id), "date": p.received_on.isoformat(), "amount": fmt(p.amount_minor),
             "principal": fmt(p.principal_minor), "interest": fmt(p.interest_minor),
             "fees": fmt(p.fee_minor), "channel": p.channel,
             "status": (f"reversed {p.return_code}".strip() if p.reversed else
                        p.method if p.method in ("refund", "capitalization", "payoff")
                        else "posted"),
             "note": p.reason} for p in reversed(d.payments)]


def balance_series(d: LoanDetail) -> list[dict]:
    """Principal balance for the chart, in whole currency units: as scheduled (at each due
    date) and as actually paid down (at each payment not reversed, and today)."""
    points: dict[str, dict] = {}
    scheduled = d.principal_minor
    points[d.disbursement_date.isoformat()] = {"scheduled": scheduled // 100}
    for i in d.installments:
        scheduled -= i.principal_minor
        points.setdefault(i.due_date.isoformat(), {})["scheduled"] = scheduled // 100
    actual = d.principal_minor
    points[d.disbursement_date.isoformat()]["actual"] = actual // 100
    for p in sorted((p for p in d.payments if not p.reversed), key=lambda p: p.received_on):
        actual -= p.principal_minor
        points.setdefault(p.received_on.isoformat(), {})["actual"] = actual // 100
    if d.as_of and d.status == "active":
        points.setdefault(d.as_of.isoformat(), {})["actual"] = \
            d.principal_outstanding_minor // 100
    return [{"date": day, **values} for day, values in sorted(points.items())]
