"""`lendbook` payment commands: bank files out (`ach-debits`) and back (`returns`); queued
payments listed (`queued`) and cancelled (`cancel-payment`)."""
import json
import sys
from datetime import date
from pathlib import Path

from domain.kernel.errors import DomainError, ValidationError


def _day(text: str | None) -> date | None:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        print(f"error: date: '{text}' is not a date (YYYY-MM-DD)", file=sys.stderr)
        return None


def _fail(e: DomainError) -> int:
    if isinstance(e, ValidationError):
        for where, why in e.errors.items():
            print(f"error: {where}: {why}", file=sys.stderr)
    else:
        print(f"error: {e}", file=sys.stderr)
    return 2


def _returns(args) -> int:
    """Process a bank return / notification-of-change file; prints one JSON summary."""
    from domain.payments import ach_files
    from domain.kernel.actor import SYSTEM
    on = _day(args.date)
    if on is None:
        return 2
    path = Path(args.file)
    try:
        content = sys.stdin.read() if args.file == "-" else path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: file: cannot read {args.file}: {e}", file=sys.stderr)
        return 2
    try:
        r = ach_files.process_return_file(SYSTEM, content, path.name, on, args.database_url)
    except DomainError as e:
        return _fail(e)
    print(json.dumps({"file_id": r.file_id, "already_processed": r.already_processed,
                      **{k: getattr(r, k) for k in ach_files.SUMMARY}, "lines": r.lines},
                     default=str))
    return 0


def _servicer_queue(args) -> int:
    """The servicer queue (estate handling, returns to review, bank file exceptions): one
    line per item; --resolve ID --note TEXT closes one."""
    from domain.kernel.actor import SYSTEM
    from domain.servicing import notices
    try:
        if args.resolve is not None:
            done = notices.resolve(SYSTEM, args.resolve, args.note or "", args.database_url)
            print(f"item {args.resolve} " + ("resolved" if done else
                                             "was resolved before: nothing changed"),
                  file=sys.stderr)
            return 0
        items = notices.servicer_queue(SYSTEM, "all" if args.all else "open",
                                       url=args.database_url)
    except DomainError as e:
        return _fail(e)
    for q in items:
        print(f"{q.id}\t{q.created_at:%Y-%m-%d}\t{q.status}\t{q.kind_label}\t"
              f"{q.loan_number or '-'}\t{q.subject}\t{q.body}")
    if not items:
        print("the servicer queue is empty", file=sys.stderr)
    return 0


def _ach_debits(args) -> int:
    """Create the drafts due by --date and write the NACHA debit file for them."""
    from domain.kernel.money import fmt
    from domain.payments import ach_files, collections
    from domain.kernel.actor import SYSTEM
    on = _day(args.date)
    if on is None:
        return 2
    try:
        drafted = collections.schedule_drafts(on, args.database_url)
        result = ach_files.generate_debit_file(SYSTEM, on, args.database_url)
    except DomainError as e:
        return _fail(e)
    print(f"{drafted} new drafts", file=sys.stderr)
    if result is None:
        print(f"nothing due on the bank-file rail through {on}", file=sys.stderr)
        return 0
    for h in result.held:  # not in the file; the attempt keeps the reason (`queued`)
        print(f"held back: payment {h.attempt_id} on {h.loan_number}, "
              f"{fmt(h.amount_minor)}: {h.reason}", file=sys.stderr)
    if result.file_id is None:
        print("every debit due was held back: no file written", file=sys.stderr)
        return 0
    out = Path(args.out or result.filename)
    out.write_text(result.text, encoding="ascii")
    print(f"{out}: {result.entry_count} debits, {fmt(result.total_minor)}", file=sys.stderr)
    return 0


def _queued(args) -> int:
    """A loan's payments queued and not yet sent, and those held back from a debit file."""
    from domain.kernel.money import fmt
    from domain.payments import queued
    from domain.kernel.actor import SYSTEM
    try:
        rows = queued.listing(SYSTEM, args.loan, args.database_url)
    except DomainError as e:
        return _fail(e)
    for r in rows:
        print(f"{r.attempt_id}\t{r.draft_date}\t{fmt(r.amount_minor)}\t{r.purpose}\t"
              f"{r.rail}\t{r.status}\t{r.reason}")
    if not rows:
        print(f"nothing queued on {args.loan}", file=sys.stderr)
    return 0


def _cancel_payment(args) -> int:
    """Cancel a queued (or held back) payment before it is in a bank file (as staff)."""
    from domain.payments import queued
    from domain.kernel.actor import SYSTEM
    try:
        done = queued.cancel(SYSTEM, args.attempt_id, args.reason or "", args.database_url)
    except DomainError as e:
        return _fail(e)
    print(f"payment {done.attempt_id} " + ("already cancelled: nothing changed" if done.already
                                           else "cancelled"), file=sys.stderr)
    return 0


def register(sub) -> None:
    p = sub.add_parser("returns", help="process a NACHA return / NOC file (FILE or -)")
    p.add_argument("file")
    p.add_argument("--date", help="business date the returns are posted on (default today)")
    p.set_defaults(func=_returns)
    p = sub.add_parser("servicer-queue", help="list the servicer queue (estate handling, "
                       "returns to review, bank file exceptions) or resolve an item")
    p.add_argument("--all", action="store_true", help="resolved items too, newest first")
    p.add_argument("--resolve", type=int, metavar="ID", help="resolve this item")
    p.add_argument("--note", help="what was done (required with --resolve; audited)")
    p.set_defaults(func=_servicer_queue)
    p = sub.add_parser("ach-debits", help="write the NACHA debit file for due autopay drafts")
    p.add_argument("--date", help="drafts due through this date (default today)")
    p.add_argument("--out", help="file to write (default lendbook-debits-DATE-X.ach)")
    p.set_defaults(func=_ach_debits)
    p = sub.add_parser("queued", help="a loan's payments queued and not yet sent, and held back")
    p.add_argument("loan", help="loan number (LN-...)")
    p.set_defaults(func=_queued)
    p = sub.add_parser("cancel-payment", help="cancel a queued payment before it is in a file")
    p.add_argument("attempt_id", type=int, help="the queued payment's id (see `queued`)")
    p.add_argument("--reason", help="why (required; audited)")
    p.set_defaults(func=_cancel_payment)
