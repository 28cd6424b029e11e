"""Turns the underwriting queue, an application's detail and its funding state into the plain
strings the underwriting pages display (no Reflex here, so it is easy to test)."""
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from domain.kernel.document_kinds import UPLOAD_KINDS
from domain.kernel.money import fmt
from domain.origination.application_view import ApplicationDetail
from domain.origination.funding import FundingState
from domain.origination.underwriting import ADVERSE_ACTION_CODES, QueueRow

STAGE_LABELS = {"underwriting": "Underwriting review", "funding": "Funding approval",
                "signature": "Signed, held", "offer": "Offer", "booked": "Booked",
                "declined": "Declined", "withdrawn": "Withdrawn", "decision": "Decision"}
KIND_LABELS = {"id": "ID document", "proof_of_income": "Proof of income",
               "bank_statement": "Bank statement", "proof_of_address": "Proof of address",
               "other": "Other document", "agreement": "Loan agreement",
               "signed_agreement": "Signed agreement"}
CHANNEL_LABELS = {"portal": "Borrower portal", "api": "Partner API", "dealer": "Dealer",
                  "agent": "Field agent"}
EMPLOYMENT_LABELS = {"employed": "Employed", "self_employed": "Self-employed",
                     "retired": "Retired", "unemployed": "Unemployed", "student": "Student",
                     "other": "Other"}
DOCUMENT_CHOICES = [[k, KIND_LABELS[k]] for k in UPLOAD_KINDS]
ADVERSE_CHOICES = [["", "Choose a reason code"]] + [[code, f"{code} · {text}"]
                                                     for code, text in ADVERSE_ACTION_CODES.items()]
# Audit fields worth showing in the history (snapshots carry much more)
SHOWN = ("status", "stage", "amount_minor", "term", "installment_minor", "reasons",
         "adverse_action_code", "document_kind", "condition_id", "level", "needed",
         "kyc_verified_by", "payee_type", "payee_name", "reference", "kind", "tier")


def stage_label(key: str) -> str:
    return STAGE_LABELS.get(key, key.replace("_", " ").capitalize())


def when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def queue_rows(rows: list[QueueRow], names: dict[int, str]) -> list[dict[str, str]]:
    """`names`: each application's stage as its workflow names it."""
    return [{"id": str(r.application_id), "href": f"/underwriting/{r.application_id}",
             "applicant": r.applicant, "product": r.product, "amount": fmt(r.amount_minor),
             "term": f"{r.term}", "channel": CHANNEL_LABELS.get(r.channel, r.channel),
             "stage": r.stage, "status": r.status,
             "stage_label": "Signed, held" if r.stage == "signature" else
             names.get(r.application_id) or stage_label(r.stage),
             "reasons": "; ".join(r.reasons) or "None recorded",
             "waiting_since": r.waiting_since,
             "open_conditions": str(r.open_conditions)} for r in rows]


def stage_choices(rows: list[QueueRow], names: dict[int, str]) -> list[list[str]]:
    """The filter's options: every stage a person works, plus any review stage in the queue
    (named as its workflow names it)."""
    keys = ["underwriting", "funding", "signature"]
    custom = {r.stage: names.get(r.application_id) or stage_label(r.stage)
              for r in rows if r.stage not in keys}
    return [["", "All stages"]] + [[k, stage_label(k)] for k in keys] + \
        sorted(([k, v] for k, v in custom.items()), key=lambda kv: kv[1])


def _pairs(*items) -> list[dict[str, str]]:
    return [{"label": label, "value": value if value not in (None, "") else "Not given"}
            for label, value in items]


def summary(d: ApplicationDetail) -> dict[str, str]:
    changed = (d.amount_minor, d.term) != (d.requested_amount_minor, d.requested_term)
    return {"id": str(d.id), "applicant": d.applicant_name, "status": d.status,
            "stage": d.stage, "stage_name": d.stage_name,
            "channel": CHANNEL_LABELS.get(d.channel, d.channel),
            "product": f"{d.product_name} ({d.product_code} v{d.product_version})",
            "workflow": d.workflow, "received": when(d.created_at),
            "requested": f"{fmt(d.requested_amount_minor)} over {d.requested_term} payments",
            "current": f"{fmt(d.amount_minor)} over {d.term} payments",
            "terms_changed": "yes" if changed else "",
            "amount": fmt(d.amount_minor), "term": str(d.term),
            "installment": f"{fmt(d.installment_minor)} {d.frequency}",
            "rate": f"{d.annual_rate}% a year",
            "decision_outcome": d.decision_outcome, "ruleset": d.ruleset,
            "tier": d.tier or "", "adverse": ", ".join(
                f"{c} ({ADVERSE_ACTION_CODES.get(c, c)})" for c in d.adverse_action_codes),
            "underwriter": d.underwriter,
            "kyc": ("passed" if d.kyc_passed and not d.kyc_verified_by else
                    f"verified by {d.kyc_verified_by}" if d.kyc_verified_by else "not passed"),
            "loan_number": d.loan_number or ""}


def applicant_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    a = d.applicant
    addr = a.get("address", {})
    job = a.get("employment", {})
    months = job.get("months_employed")
    street = ", ".join(x for x in (addr.get("line1"), addr.get("line2")) if x)
    town = " ".join(x for x in (addr.get("city", "") + ",", addr.get("state", ""),
                                addr.get("postal_code", "")) if x.strip(","))
    return _pairs(
        ("Name", d.applicant_name),
        ("Date of birth", a.get("date_of_birth")),
        ("SSN", f"••• •• {a['ssn_last4']}" if a.get("ssn_last4") else ""),
        ("E-mail", a.get("email")), ("Phone", a.get("phone")),
        ("Address", f"{street}; {town}" if street else ""),
        ("Employment", EMPLOYMENT_LABELS.get(job.get("status"), job.get("status"))),
        ("Employer", job.get("employer")),
        ("Time in job", f"{months} months" if months is not None else ""),
        ("Monthly income", fmt(d.monthly_income_minor)),
        ("Purpose", d.purpose))


def terms_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    s = summary(d)
    rows = [("Product", s["product"]), ("Requested", s["requested"]),
            ("Terms now", s["current"] + (" (changed by underwriting)"
                                          if s["terms_changed"] else "")),
            ("Installment", s["installment"]), ("Rate", s["rate"]),
            ("Channel", s["channel"]), ("Received", s["received"]),
            ("Workflow", s["workflow"])]
    pos = d.point_of_sale
    if pos:
        rows += [("Merchant", pos.get("merchant")), ("Item", pos.get("item")),
                 ("Price", _money(pos.get("price"))),
                 ("Down payment", _money(pos.get("down_payment")))]
    return _pairs(*rows)


def bureau_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    b = d.bureau
    if not b:
        return []
    flags = b.get("fraud_flags") or []
    return _pairs(
        ("Score", str(b["score"]) if b.get("score") is not None else "No score"),
        ("Thin file", "Yes" if b.get("thin_file") else "No"),
        ("Fraud flags", ", ".join(flags) if flags else "None"),
        ("KYC", "Passed" if b.get("kyc_passed") else "Failed"),
        ("Tradelines", str(b.get("tradelines", 0))),
        ("Monthly debt on file", fmt(int(b.get("monthly_debt_minor", 0)))),
        ("Key factors", "; ".join(b.get("reasons") or []) or "None"),
        ("Pulled", f"{when(b.get('pulled_at'))} from {b.get('provider')}, "
                   f"ref. {b.get('reference')}"))


def bureau_alerts(d: ApplicationDetail) -> dict[str, str]:
    b = d.bureau or {}
    return {"thin": "yes" if b.get("thin_file") else "",
            "fraud": "yes" if b.get("fraud_flags") else "",
            "kyc": "" if d.kyc_passed else "yes"}


def rule_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    return [{"group": r.group, "rule": r.rule, "name": r.name, "condition": r.condition,
             "outcome": r.outcome, "result": r.result, "detail": r.detail} for r in d.rules]


def document_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    return [{"id": str(x["id"]), "href": f"/api/v1/documents/{x['id']}",
             "kind": KIND_LABELS.get(x["kind"], x["kind"]), "filename": x["filename"],
             "type": x["mime"].split("/")[-1].upper(), "size": _size(x["size"]),
             "uploaded": when(x["created_at"]),
             "uploaded_by": x["uploaded_by"] or "system"} for x in d.documents]


def condition_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    out = []
    for c in d.conditions:
        what = KIND_LABELS.get(c["document_kind"], c["document_kind"]) \
            if c["kind"] == "document" else c["kind"].capitalize()
        settled = (f"{c['status']} by {c['cleared_by']} {when(c['cleared_at'])}"
                   if c["status"] != "open" else "")
        out.append({"id": str(c["id"]), "what": what, "note": c["description"],
                    "status": c["status"], "opened": f"{c['created_by']} "
                                                     f"{when(c['created_at'])}".strip(),
                    "settled": settled})
    return out


def progress_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    labels = {"done": "Done", "current": "Current stage", "upcoming": "Upcoming",
              "skipped": "Skipped", "closed": "Not reached"}
    return [{"key": p["key"], "name": p["name"], "state": p["state"],
             "state_label": labels.get(p["state"], p["state"]),
             "number": str(i + 1), "actors": ", ".join(p["actors"]) or "Automatic"}
            for i, p in enumerate(d.progress)]


def history_rows(d: ApplicationDetail) -> list[dict[str, str]]:
    return [{"id": str(h["id"]), "at": when(h["at"]), "actor": h["actor"],
             "action": h["action"], "entity": h["entity"], "reason": h["reason"],
             "changes": _changes(h["before"], h["after"])} for h in d.history]


def funding_rows(st: FundingState) -> list[dict[str, str]]:
    return [{"name": c.name, "passed": "yes" if c.passed else "", "detail": c.detail}
            for c in st.checks]


def disbursement(d: ApplicationDetail) -> dict[str, str]:
    x = d.disbursement
    if not x:
        return {}
    return {"payee": f"{x['payee_name']} ({x['payee_type']})", "amount": fmt(x["amount_minor"]),
            "method": x["method"].upper(), "reference": x["reference"], "status": x["status"],
            "updated": when(x["updated_at"])}


def _money(text) -> str:
    """'2400.00' as stored by intake -> '2,400.00'."""
    try:
        return f"{Decimal(str(text)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(text or "")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _show(key: str, value) -> str:
    if key.endswith("_minor") and isinstance(value, int):
        return fmt(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "none" if value is None else str(value)


def _changes(before: dict, after: dict) -> str:
    parts = []
    for key in SHOWN:
        label = key.removesuffix("_minor").replace("_", " ")
        if key in before and key in after and before[key] != after[key]:
            parts.append(f"{label}: {_show(key, before[key])} → {_show(key, after[key])}")
        elif key in after and key not in before:
            parts.append(f"{label}: {_show(key, after[key])}")
    text = ", ".join(parts)
    return text if len(text) <= 200 else text[:197] + "..."


def approval_levels(d: ApplicationDetail) -> str:
    """'One approver; above 25,000.00: 2 distinct approvers'."""
    parts = []
    for above, count in d.approval_levels:
        who = "1 approver" if count == 1 else f"{count} distinct approvers"
        parts.append(who if above == 0 else f"above {fmt(above)}: {who}")
    return "; ".join(parts) or "1 approver"
