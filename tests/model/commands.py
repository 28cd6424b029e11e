"""The model's commands: each one a call of a real service with concrete arguments, run the
same way on the example's database and, at the end of the example, on an empty one (the
replay of invariant 7). A command names loans by their booking order, payments and
collection attempts by their idempotency keys, so it means the same thing in both books.

`run` returns the command's outcome: what the service answered (the allocation of a payment,
the dates a close of business closed, a return file's summary) or, for a refusal
(`ValidationError`, `Conflict`), the refusal and its message; an entry the journal refused
(`UnbalancedEntry`: nothing was recorded) is a "crashed" outcome the machine fails on unless
it is a known finding. Anything else propagates: a crash or an append-only violation is a
failure of the example.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlmodel import select

from domain.db.payment_tables import AchFile, CollectionAttempt
from domain.db.tables import Payment
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM, Actor
from domain.kernel.errors import Conflict, ValidationError
from domain.ledger.entries import UnbalancedEntry
from domain.nacha.parse import parse
from domain.nacha.returns import build_dishonor_file, build_return_file
from domain.origination import applications as origination
from domain.payments import ach_files, autopay, collections, instruments
from domain.servicing import cob, modifications, payments
from tests.integration.helpers import make_product, make_user

ROUTING = "110000000"
ACCOUNT = "000123456789"


def money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


@dataclass
class World:
    """One book: its database and the people acting on it."""
    url: str
    admin: Actor
    servicer: Actor
    borrowers: list[Actor] = field(default_factory=list)
    loans: list[str] = field(default_factory=list)  # loan numbers in booking order


def new_world(url: str) -> World:
    return World(url, make_user(url, "model", "admin"), make_user(url, "model", "servicer"))


@dataclass(frozen=True)
class Command:
    kind: str
    args: tuple  # (name, value) pairs, so a command is hashable and prints in order

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(f'{k}={v!r}' for k, v in self.args)})"


def command(kind: str, /, **args) -> Command:
    return Command(kind, tuple(args.items()))


def run(w: World, c: Command):
    """Run one command against the world's book; its outcome (refusals included)."""
    try:
        return ("ok", RUNNERS[c.kind](w, **dict(c.args)))
    except ValidationError as e:
        return ("refused", dict(e.errors))
    except Conflict as e:
        return ("conflict", str(e))
    except UnbalancedEntry as e:  # nothing recorded (the unit of work rolled back); the
        return ("crashed", str(e))  # machine says which crashes are known findings


# --- the commands ----------------------------------------------------------------------------

def _book(w: World, settings: tuple, amount_minor: int, term: int, on: date,
          autopay_offset: int | None) -> str:
    i = len(w.loans)
    product = make_product(w.url, w.admin, f"m{i}", min_term="1", max_term="60",
                           settings=settings)
    borrower = make_user(w.url, f"m{i}", "borrower", tag=f"b{i}")
    app = origination.submit_application(borrower, product, money(amount_minor), str(term),
                                         "1000000", url=w.url)
    assert app.status == "approved", app.reasons
    number = origination.accept_offer(borrower, app.id, w.url, on=on)
    assert number, "the instant workflow books on acceptance"
    if autopay_offset is not None:
        inst = instruments.add_bank_account(borrower, number, f"Borrower {i}", ROUTING,
                                            ACCOUNT, url=w.url)
        autopay.enrol(borrower, number, inst, autopay_offset, accepted_mandate=True,
                      ip="198.51.100.7", today=on, url=w.url)
    w.borrowers.append(borrower)
    w.loans.append(number)
    return number


def _cob(w: World, through: date) -> tuple:
    closed = [r.business_date for r in cob.run_cob(through, SYSTEM, w.url)]
    return (closed[0], closed[-1], len(closed)) if closed else ()


def _pay(w: World, loan: int, amount_minor: int, received_on: date, today: date, key: str,
         payoff: bool) -> tuple:
    r = payments.record_payment(w.servicer, w.loans[loan], money(amount_minor), received_on,
                                key, "", w.url, payoff=payoff, today=today)
    return (r.payment_id, r.principal_minor, r.interest_minor, r.fee_minor, r.advance_minor)


def payment_id(url: str, key: str) -> int:
    with UnitOfWork(url) as s:
        return s.exec(select(Payment.id).where(Payment.idempotency_key == key)).one()


def _reverse(w: World, key: str, code: str, on: date) -> int:
    return payments.reverse_payment(w.servicer, payment_id(w.url, key),
                                    f"model: {code or 'posting error'}", code, on, w.url)


def _refund(w: World, loan: int, amount_minor: int, on: date, key: str) -> int:
    return payments.refund_advance(w.servicer, w.loans[loan], money(amount_minor), on, key,
                                   "model: credit balance refunded", w.url)


def _modify(w: World, loan: int, kind: str, effective: date, params: tuple, key: str) -> int:
    return modifications.modify_loan(w.servicer, w.loans[loan], kind, effective,
                                     f"model: {kind}", key, dict(params), w.url)


def _noon(on: date, hour: int = 12) -> datetime:
    return datetime.combine(on, time(hour), timezone.utc)


def _debit_file(w: World, on: date) -> tuple:
    drafted = collections.schedule_drafts(on, w.url)
    f = ach_files.generate_debit_file(w.servicer, on, w.url, now=_noon(on))
    if f is None:
        return (drafted,)
    return (drafted, f.entry_count, f.total_minor, tuple(h.reason for h in f.held))


def _sent(url: str, attempt_key: str) -> tuple[str, str]:
    """(trace number, the debit file's text) of a bank-file attempt."""
    with UnitOfWork(url) as s:
        a = s.exec(select(CollectionAttempt).where(
            CollectionAttempt.idempotency_key == attempt_key)).one()
        return a.trace_number, s.get(AchFile, a.ach_file_id).content


def _summary(r) -> tuple:
    return (r.already_processed, r.returns, r.reversed, r.fees, r.retries, r.autopay_disabled,
            r.dishonors, r.restored, r.flagged,
            tuple(str(line.get("status")) for line in r.lines))


def _ach_return(w: World, attempt_key: str, code: str, on: date) -> tuple:
    trace, text = _sent(w.url, attempt_key)
    content = build_return_file(parse(text), [(trace, code)], created_at=_noon(on, 9))
    return _summary(ach_files.process_return_file(w.servicer, content, f"r-{attempt_key}.ach",
                                                  on, w.url))


def _dishonor(w: World, attempt_key: str, code: str, returned: str, contests: str,
              on: date) -> tuple:
    trace, text = _sent(w.url, attempt_key)
    content = build_dishonor_file(parse(text), [(trace, code, returned, contests)],
                                  created_at=_noon(on, 10))
    return _summary(ach_files.process_return_file(w.servicer, content, f"d-{attempt_key}.ach",
                                                  on, w.url))


RUNNERS = {"book": _book, "cob": _cob, "pay": _pay, "reverse": _reverse, "refund": _refund,
           "modify": _modify, "debit_file": _debit_file, "ach_return": _ach_return,
           "dishonor": _dishonor}
