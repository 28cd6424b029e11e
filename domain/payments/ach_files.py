"""Bank files for lenders that debit through their own bank: the outgoing NACHA debit file
for due autopay drafts, and return / notification-of-change files coming back.

Both are all or nothing: a file is recorded, and every entry in it posted or returned, in one
transaction. A return file uploaded twice (same SHA-256) is recognised and changes nothing; a
malformed one is refused with the line and field at fault; a return that names no entry we
sent refuses the whole file. A dishonored or contested return Lendbook cannot apply (a
dishonor of a debit it never returned, ...) is flagged on its line and put on the servicer
queue; the rest of the file is processed (`dishonors`).
"""
import hashlib
from domain.kernel import settings
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

from sqlalchemy import func, insert
from sqlmodel import select

from domain.db.payment_tables import AchFile, AchReturn, CollectionAttempt, PaymentInstrument
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, ValidationError
from domain.nacha import build as nacha_build
from domain.nacha.parse import NachaFormatError, parse
from domain.nacha.returns import return_items
from domain.audit import trail as audit
from domain.payments import bulk_returns, collections, dishonors, instruments, queued
from domain.kernel.actor import Actor

MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# NOC change codes and what they correct on the instrument
NOC_FIELDS = {"C01": ("account",), "C02": ("routing",), "C03": ("routing", "account"),
              "C05": ("type",), "C06": ("account", "type"), "C07": ("routing", "account", "type")}


def originator() -> nacha_build.Originator:
    """The lender's bank details for its files (settings LENDBOOK_ACH_*; demo values by
    default)."""
    c = settings.load()
    return nacha_build.Originator(
        immediate_destination=c.ach_destination,
        immediate_destination_name=c.ach_destination_name,
        immediate_origin=c.ach_origin, immediate_origin_name=c.ach_origin_name,
        company_name=c.ach_company_name, company_id=c.ach_company_id,
        odfi_routing=c.ach_odfi)


@dataclass(frozen=True)
class DebitFileResult:
    file_id: int | None  # None: every entry due was held back, no file written
    filename: str
    entry_count: int
    total_minor: int
    text: str
    held: tuple[queued.QueuedRow, ...] = ()  # entries held back, each with its reason


@dataclass
class ReturnFileResult:
    file_id: int | None
    already_processed: bool = False
    returns: int = 0
    notifications: int = 0
    reversed: int = 0
    fees: int = 0
    retries: int = 0
    autopay_disabled: int = 0
    dishonors: int = 0  # dishonored (R61-R70) and contested (R71-R77) returns read
    restored: int = 0  # payments posted again after a dishonor
    flagged: int = 0  # lines not applied, each on the servicer queue
    lines: list[dict] = field(default_factory=list)


SUMMARY = ("returns", "notifications", "reversed", "fees", "retries", "autopay_disabled",
           "dishonors", "restored", "flagged")


def generate_debit_file(actor: Actor, on: date, url: str | None = None,
                        now: datetime | None = None) -> DebitFileResult | None:
    """One file with every bank-file draft due by `on`; each entry carries its attempt's
    key, and is posted (provisionally) as it is written. An entry its loan cannot take is
    held back with its reason and the rest is written (`queued.sift`). None when nothing is
    due."""
    actor.require_permission("bank_files.manage")
    now = now or datetime.combine(on, datetime.now(timezone.utc).time(), timezone.utc)
    due = (CollectionAttempt.rail == "nacha", CollectionAttempt.status == "scheduled",
           CollectionAttempt.draft_date <= on)
    with UnitOfWork(url) as s:  # the loans locked first: queueing and cancelling wait
        queued.lock_loans(s, s.exec(select(CollectionAttempt.loan_id).where(*due)).all())
        rows = list(s.exec(select(CollectionAttempt, PaymentInstrument, Loan)
                           .join(PaymentInstrument,
                                 PaymentInstrument.id == CollectionAttempt.instrument_id)
                           .join(Loan, Loan.id == CollectionAttempt.loan_id)
                           .where(*due, PaymentInstrument.status == "active")
                           .order_by(CollectionAttempt.id)))
        if not rows:
            return None
        rows, held = queued.sift(s, actor, rows, on)
        if not rows:
            return DebitFileResult(None, "", 0, 0, "", tuple(held))
        entries = [nacha_build.DebitEntry(
            reference=a.idempotency_key, rdfi_routing=i.routing_number,
            account_number=instruments.unseal_account(i), account_type=i.account_type,
            amount_minor=a.amount_minor, individual_id=loan.loan_number,
            individual_name=i.holder_name, sec_code="WEB" if i.mandate_ip else "PPD",
            effective_date=max(a.draft_date, on),
            payment_type=("S" if a.purpose == "one_time" else "R") if i.mandate_ip else "",
            reinitiated=a.presentment > 1) for a, i, loan in rows]
        origin = originator()
        last = s.exec(select(func.max(CollectionAttempt.trace_number)).where(  # this ODFI's
            CollectionAttempt.trace_number.like(f"{origin.odfi_routing}%"))).one()
        sent_today = s.exec(select(func.count()).select_from(AchFile).where(
            AchFile.direction == "outgoing", AchFile.file_date == on)).one()
        built = nacha_build.build_debit_file(
            origin, entries, created_at=now,
            file_id_modifier=MODIFIERS[sent_today % len(MODIFIERS)],
            first_sequence=(int(last[8:]) + 1) if last else 1)
        name = f"lendbook-debits-{on:%Y%m%d}-{MODIFIERS[sent_today % len(MODIFIERS)]}.ach"
        f = AchFile(direction="outgoing", sha256=hashlib.sha256(built.text.encode()).hexdigest(),
                    filename=name, file_date=on, entry_count=len(entries),
                    debit_total_minor=sum(e.amount_minor for e in entries),
                    content=built.text, summary={"held_back": len(held)} if held else {},
                    created_by=actor.user_id)
        s.add(f)
        s.flush()
        traces = dict(built.entries)
        for a, _, _ in rows:  # posted by sift; now in this file
            a.trace_number, a.ach_file_id = traces[a.idempotency_key], f.id
            s.add(a)
        audit.record(s, actor, "ach.debit_file", "ach_file", f.id, None,
                     {"filename": name, "entries": len(entries),
                      "total_minor": f.debit_total_minor,
                      "held_back": [{"attempt_id": h.attempt_id, "loan": h.loan_number,
                                     "amount_minor": h.amount_minor, "reason": h.reason}
                                    for h in held]}, "due autopay drafts")
        return DebitFileResult(f.id, name, len(entries), f.debit_total_minor, built.text,
                               tuple(held))


def process_return_file(actor: Actor, content: str, filename: str = "",
                        today: date | None = None, url: str | None = None,
                        bulk: bool = True) -> ReturnFileResult:
    """Match every return and notification of change by trace number and act on it. Plain
    returns go through the bulk path (`bulk=False` sends each through the single-payment
    path, for the benchmark's comparison)."""
    actor.require_permission("bank_files.manage")
    today = today or date.today()
    sha = hashlib.sha256(content.encode()).hexdigest()
    with UnitOfWork(url) as s:
        prior = s.exec(select(AchFile).where(AchFile.sha256 == sha)).first()
        if prior is not None:
            return ReturnFileResult(prior.id, already_processed=True, **prior.summary)
    try:
        items = return_items(parse(content))
    except NachaFormatError as e:
        raise ValidationError({f"line {n}, {fld}": why for n, fld, why in e.errors}) from None
    if not items:
        raise ValidationError({"file": "holds no returns (addenda 99) or notifications of "
                                       "change (addenda 98)"})
    with UnitOfWork(url) as s:
        traces = {i.original_trace for i in items}
        attempts = {a.trace_number: a for a in s.exec(select(CollectionAttempt).where(
            CollectionAttempt.trace_number.in_(traces)))}
        unknown = {f"line {i.line_number}, original_trace": f"{i.original_trace} matches no "
                   "entry Lendbook sent" for i in items if i.original_trace not in attempts}
        if unknown:
            raise ValidationError(unknown)
        result, rows, f_time = ReturnFileResult(None), [], datetime.now(timezone.utc)
        items = [_with_death(i) for i in items]
        returned = [(attempts[i.original_trace], i) for i in items if i.addenda_kind == "return"]
        fast = bulk_returns.plain(s, returned) if bulk else set()
        done = bulk_returns.reverse(s, actor, [(a, i) for a, i in returned if a.id in fast],
                                    today) if fast else {}
        for item in items:
            attempt = attempts[item.original_trace]
            if item.addenda_kind == "noc":
                actions = _apply_change(s, actor, attempt, item)
                result.notifications += 1
            elif item.addenda_kind in ("dishonored", "contested"):
                actions = dishonors.apply(s, actor, attempt, item, today)
                result.dishonors += 1
                result.restored += actions["status"] == "restored"
                result.flagged += actions["status"] == "flagged"
                result.reversed += "reversal_id" in actions
                result.fees += bool(actions.get("fee"))
            else:
                out = done.get(attempt.id) or \
                    collections.fail(s, attempt, item.code, item.reason_text, today, actor)
                actions = {"status": out.status, "reversal_id": out.reversal_id,
                           "fee": out.fee, "retry_attempt_id": out.retry_attempt_id,
                           "autopay_disabled": out.autopay_disabled}
                result.returns += 1
                result.reversed += out.reversal_id is not None
                result.fees += out.fee
                result.retries += out.retry_attempt_id is not None
                result.autopay_disabled += out.autopay_disabled
            rows.append(dict(line_number=item.line_number, kind=item.addenda_kind,
                             original_trace=item.original_trace, attempt_id=attempt.id,
                             code=item.code, reason=item.reason_text[:200],
                             corrected_data=item.corrected_data[:40],
                             amount_minor=item.amount_minor, actions=actions,
                             recorded_at=f_time))
            result.lines.append({"line": item.line_number, "trace": item.original_trace,
                                 "code": item.code, "reason": item.reason_text, **actions})
        summary = {k: getattr(result, k) for k in SUMMARY}
        f = AchFile(direction="return", sha256=sha, filename=filename[:200], file_date=today,
                    entry_count=len(items), debit_total_minor=sum(i.amount_minor for i in items),
                    content=content, summary=summary, created_by=actor.user_id)
        s.add(f)
        s.flush()
        result.file_id = f.id
        s.connection().execute(insert(AchReturn), [{**r, "ach_file_id": f.id} for r in rows])
        audit.record(s, actor, "ach.return_file", "ach_file", f.id, None,
                     {"filename": filename, **summary}, "bank return file")
        return result


def _with_death(item):
    """A deceased return carries the date of death into its reason (and so into the
    attempt's failure reason and the servicer queue item)."""
    if item.date_of_death is None:
        return item
    return replace(item, reason_text=f"{item.reason_text} (date of death "
                                     f"{item.date_of_death.isoformat()})")


def _apply_change(s, actor: Actor, attempt: CollectionAttempt, item) -> dict:
    """A notification of change: correct the instrument as the bank says (before the next
    entry, as NACHA requires); codes that name nothing we keep are recorded only."""
    inst = s.get(PaymentInstrument, attempt.instrument_id)
    fields = NOC_FIELDS.get(item.code)
    if not fields:
        return {"applied": False}
    data = item.corrected_data.strip()
    before = instruments.public(inst)
    account = instruments.unseal_account(inst)
    routing, kind = inst.routing_number, inst.account_type
    parts = data.split() if len(fields) > 1 else [data]
    for name, value in zip(fields, parts if len(parts) == len(fields) else
                           _split_fixed(data, fields)):
        if name == "routing":
            routing = value[:9]
        elif name == "account":
            account = value
        else:
            kind = "savings" if value.startswith("3") else "checking"
    if not instruments.routing_ok(routing) or not account:
        return {"applied": False, "why": "corrected data unreadable"}
    inst.routing_number, inst.account_type, inst.last4 = routing, kind, account[-4:]
    inst.account_number_sealed = instruments.seal_account(inst.borrower_id, routing, account)
    s.add(inst)
    audit.record(s, actor, "instrument.corrected", "payment_instrument", inst.id, before,
                 instruments.public(inst), f"notification of change {item.code}")
    return {"applied": True, "fields": list(fields)}


def _split_fixed(data: str, fields: tuple[str, ...]) -> list[str]:
    """NACHA's fixed layouts of corrected data: routing in 9, account in 17, code in 2."""
    width = {"routing": 9, "account": 17, "type": 2}
    out, at = [], 0
    for name in fields:
        out.append(data[at:at + width[name]].strip())
        at += width[name]
    return out


@dataclass(frozen=True)
class FileRow:
    id: int
    direction: str
    filename: str
    file_date: date
    entry_count: int
    total_minor: int
    summary: dict
    created_at: datetime


def list_files(actor: Actor, limit: int = 50, url: str | None = None) -> list[FileRow]:
    """Bank files sent and received, newest first."""
    actor.require_permission("bank_files.manage")
    with UnitOfWork(url) as s:
        return [FileRow(f.id, f.direction, f.filename, f.file_date, f.entry_count,
                        f.debit_total_minor, f.summary, f.created_at)
                for f in s.exec(select(AchFile).order_by(AchFile.id.desc()).limit(limit))]


def read_file(actor: Actor, file_id: int, url: str | None = None) -> tuple[str, str]:
    """(filename, content) of a bank file, for download; the download is audited."""
    actor.require_permission("bank_files.manage")
    with UnitOfWork(url) as s:
        f = s.get(AchFile, file_id)
        if f is None:
            raise NotFound(f"bank file {file_id}")
        audit.record(s, actor, "ach.downloaded", "ach_file", f.id, None,
                     {"filename": f.filename}, "download")
        return f.filename or f"ach-{f.id}.ach", f.content
