"""Payment pages' display strings: history lines, an autopay enrolment, a pay-now preview.
Status and channel wording comes from domain.documents.receipt, so the page and the receipt agree."""
from datetime import date

from domain.calculation.allocation import Allocation
from domain.kernel.errors import ValidationError
from domain.kernel.money import fmt
from domain.documents.receipt import METHOD_TEXT, channel_text
from domain.payments.autopay import OFFSET_RANGE, EnrolmentView, offset_label
from domain.payments.queued import QueuedRow
from domain.servicing.notices import NoticeView
from domain.servicing.queries import HISTORY_STATUSES, HistoryRow

OFFSET_OPTIONS = [[str(d), offset_label(d).capitalize()]
                  for d in range(OFFSET_RANGE[0], OFFSET_RANGE[1] + 1)]
STATUS_FILTER = [["", "Every status"]] + [[s, s.capitalize()] for s in HISTORY_STATUSES]
ENROLMENT_STATUS = {"active": "Active", "paused": "Paused", "cancelled": "Cancelled",
                    "disabled": "Stopped after a bank return"}
NEW_ACCOUNT = "new"  # the method choice that opens the bank account fields


def history_rows(rows: list[HistoryRow]) -> list[dict[str, str]]:
    def part(r: HistoryRow, minor: int) -> str:  # an attempt never posted applied nothing
        return fmt(minor) if r.payment_id else ""
    return [{"key": f"{r.payment_id or ''}-{r.attempt_id or ''}", "date": r.on.isoformat(),
             "amount": fmt(r.amount_minor), "principal": part(r, r.principal_minor),
             "interest": part(r, r.interest_minor), "fees": part(r, r.fee_minor),
             "advance": part(r, r.advance_minor), "channel": channel_text(r.channel),
             "kind": METHOD_TEXT.get(r.method, r.method), "status": r.status,
             "status_label": (f"returned {r.return_code}" if r.status == "returned"
                              and r.return_code else "refunded" if r.method == "refund"
                              else r.status),
             "detail": _detail(r),
             "receipt": f"/api/v1/receipts/{r.payment_id}" if r.payment_id else ""}
            for r in rows]


def _detail(r: HistoryRow) -> str:
    parts = []
    if r.status == "pending":
        parts.append("Sent to your bank; not settled yet")
    elif r.status == "returned":
        parts.append(f"{r.return_code} {r.return_text}".strip())
        parts.append(f"taken off the loan {r.reversed_on.isoformat()}" if r.reversed_on else "")
    elif r.status == "reversed":
        parts += [r.return_text, f"on {r.reversed_on.isoformat()}" if r.reversed_on else ""]
    elif r.status == "failed":
        parts.append(f"{r.return_code}: {r.return_text}" if r.return_code else r.return_text)
    elif r.status == "scheduled":
        parts.append("Queued for the next bank file" if r.channel == "nacha"
                     else "To be charged")
    elif r.status == "cancelled":
        parts.append(f"Not sent: {r.return_text}" if r.return_text else "Not sent")
    elif r.status == "held":
        parts.append(f"Not sent, {r.return_text}" if r.return_text else "Held back, not sent")
    if r.payment_id is None:
        parts.append(METHOD_TEXT.get(r.method, r.method).lower())
    elif r.method in ("refund", "payoff", "capitalization"):  # not a plain payment: say so
        parts.append(METHOD_TEXT[r.method])
    parts += [r.note, f"from {r.instrument}" if r.instrument else ""]
    return " · ".join(p for p in parts if p)


def queued_rows(rows: list[QueuedRow]) -> list[dict[str, str]]:
    """A loan's queued and held-back payments (the Queued payments card; the Bank files
    page's held-back list reads loan and reason)."""
    return [{"id": str(r.attempt_id), "loan": r.loan_number, "date": r.draft_date.isoformat(),
             "amount": fmt(r.amount_minor), "kind": METHOD_TEXT.get(r.purpose, r.purpose),
             "instrument": r.instrument, "status": r.status,
             "status_label": "Held back" if r.status == "held" else "Queued",
             "detail": r.reason or ("Goes in the next bank file" if r.rail == "nacha"
                                    else "To be charged"),
             "reason": r.reason, "cancellable": "yes" if r.rail == "nacha" else ""}
            for r in rows]


def queued_choices(rows: list[QueuedRow]) -> list[list[str]]:
    return [[str(r.attempt_id), f"{r.draft_date.isoformat()} · {fmt(r.amount_minor)} "
             f"({METHOD_TEXT.get(r.purpose, r.purpose).lower()}"
             f"{', held back' if r.status == 'held' else ''})"] for r in rows
            if r.rail == "nacha"]


def enrolment(v: EnrolmentView | None) -> dict[str, str]:
    if v is None:
        return {}
    return {"status": v.status, "status_label": ENROLMENT_STATUS.get(v.status, v.status),
            "instrument": v.instrument_label, "instrument_id": str(v.instrument_id),
            "draft_day": offset_label(v.draft_offset_days).capitalize(),
            "offset": str(v.draft_offset_days), "amount_mode": v.amount_mode,
            "amount": ("The installment due" if v.amount_mode == "installment"
                       else f"{fmt(v.fixed_amount_minor or 0)} each installment"),
            "fixed_amount": fmt(v.fixed_amount_minor) if v.fixed_amount_minor else "",
            "paused_until": v.paused_until.isoformat() if v.paused_until else "",
            "version": str(v.version), "mandate": v.mandate_text}


def preview_rows(parts: tuple[Allocation, ...]) -> list[dict[str, str]]:
    rows = [{"installment": f"No. {a.number}" if a.number else "Held in advance",
             "principal": fmt(a.principal_minor), "interest": fmt(a.interest_minor),
             "fees": fmt(a.fee_minor), "advance": fmt(a.advance_minor),
             "total": fmt(a.total_minor)} for a in parts]
    total = Allocation(0, *(sum(getattr(a, f) for a in parts) for f in (
        "principal_minor", "interest_minor", "fee_minor", "advance_minor")))
    return rows + [{"installment": "Total", "principal": fmt(total.principal_minor),
                    "interest": fmt(total.interest_minor), "fees": fmt(total.fee_minor),
                    "advance": fmt(total.advance_minor), "total": fmt(total.total_minor)}]


def notice_rows(notices: list[NoticeView]) -> list[dict[str, str]]:
    return [{"id": str(n.id), "kind": n.kind, "subject": n.subject, "body": n.body,
             "date": n.created_at.date().isoformat()} for n in notices]


def field_errors(errors: dict[str, str], names: dict[str, str] | None = None) -> dict[str, str]:
    """A domain ValidationError's fields as sentences for the form ("must be ..." reads
    after the field's name)."""
    names = {**NAMES, **(names or {})}
    return {k: f"{names.get(k, k.replace('_', ' ').capitalize())} {v}" for k, v in errors.items()}


NAMES = {"holder_name": "Account holder's name", "routing_number": "Routing number",
         "account_number": "Account number", "account_type": "Account type",
         "draft_offset_days": "Draft day", "amount_mode": "Amount", "fixed_amount": "Amount",
         "amount": "Amount", "instrument": "Payment method:", "mandate": "Authorization:",
         "until": "Pause until date", "since": "From date", "status": "Status",
         "loan": "This loan", "reason": "Reason",
         "choice": "Amount", "idempotency_key": "This form"}


def parse_date(text: str, field: str) -> date | None:
    """A date input's value ("" for none) or a field error."""
    if not (text or "").strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError({field: f"'{text}' is not a date (YYYY-MM-DD)"}) from None


def autopay_summary(v: EnrolmentView | None) -> str:
    """One line for the loan page beside the Autopay link."""
    if v is None or v.status == "cancelled":
        return "Autopay is off."
    if v.status == "disabled":
        return "Autopay stopped after a bank return."
    what = "the installment due" if v.amount_mode == "installment" else \
        f"{fmt(v.fixed_amount_minor or 0)}"
    if v.status == "paused":
        return f"Autopay paused until {v.paused_until.isoformat()}." if v.paused_until else \
            "Autopay paused."
    return f"Autopay on: {what} from {v.instrument_label}, {offset_label(v.draft_offset_days)}."
