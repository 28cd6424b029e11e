"""Turns domain query results into the plain strings and numbers pages display."""
from domain.money import fmt
from domain.services.queries import LoanDetail

STATUS_TEXT = {"active": "Active", "paid_off": "Paid off"}


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
    }


def schedule_rows(d: LoanDetail) -> list[dict[str, str]]:
    return [{"number": str(i.number), "due_date": i.due_date.isoformat(),
             "principal": fmt(i.principal_minor), "interest": fmt(i.interest_minor),
             "total": fmt(i.principal_minor + i.interest_minor), "paid": fmt(i.paid_minor),
             "status": i.status} for i in d.installments]


def payment_rows(d: LoanDetail) -> list[dict[str, str]]:
    return [{"date": p.received_on.isoformat(), "amount": fmt(p.amount_minor),
             "principal": fmt(p.principal_minor), "interest": fmt(p.interest_minor),
             "note": p.reason} for p in reversed(d.payments)]


def balance_series(d: LoanDetail) -> list[dict]:
    """Scheduled principal balance by due date, in whole currency units for the chart axis."""
    balance = d.principal_minor
    points = [{"date": d.disbursement_date.isoformat(), "balance": balance // 100}]
    for i in d.installments:
        balance -= i.principal_minor
        points.append({"date": i.due_date.isoformat(), "balance": balance // 100})
    return points
