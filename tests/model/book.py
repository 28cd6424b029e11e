"""The book as rows, the per-loan reference rules, and the guarantees checked against them
(docs/conventions/guarantees.md).

`load` reads a database into plain values in a few grouped queries. The reference rules below
are written again here from the documented conventions (accrual-cob.md, replay.md), not taken
from the domain code they check: what an installment has paid as of a date (as it happened,
or as known now), interest accrued, days past due and the bucket, the late fees due.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from domain.db.payment_tables import CollectionAttempt
from domain.db.tables import (CobRun, Installment, JournalEntry, Loan, LoanCharge,
                              LoanModification, Payment, PaymentAllocation, PaymentReversal,
                              Posting)
from domain.db.uow import UnitOfWork
from domain.ledger import entries as ledger
from domain.servicing import loan_state, queries

LR, IR, FR = ledger.LOANS_RECEIVABLE, ledger.INTEREST_RECEIVABLE, ledger.FEES_RECEIVABLE
CASH, SUSPENSE, INCOME = ledger.CASH, ledger.SUSPENSE, ledger.INTEREST_INCOME
PAYING = ("regular", "payoff")  # payments that bring money in (refunds and capitalizations
#                                  are payment rows too)


# --- the book as values ----------------------------------------------------------------------

@dataclass(frozen=True)
class Inst:
    version: int
    number: int
    start: date | None
    due: date
    principal: int
    interest: int
    fee: int


@dataclass(frozen=True)
class Row:
    payment_id: int
    number: int
    principal: int
    interest: int
    fee: int
    advance: int
    reversal_id: int | None


@dataclass(frozen=True)
class Pay:
    id: int
    loan_id: int
    key: str
    amount: int
    received_on: date
    method: str
    channel: str


@dataclass(frozen=True)
class Rev:
    id: int
    payment_id: int
    reversed_on: date
    code: str


@dataclass(frozen=True)
class Charge:
    kind: str
    number: int | None
    amount: int
    assessed_on: date
    key: str
    entry: str


@dataclass
class Book:
    loans: dict[int, Loan]
    insts: dict[int, dict[int, list[Inst]]]  # loan -> version -> installments by number
    rows: dict[int, list[Row]]  # loan -> allocation rows
    payments: dict[int, Pay]
    reversals: dict[int, Rev]  # by payment id
    reversed_on: dict[int, date]  # by reversal id
    charges: dict[int, list[Charge]]
    balances: dict[tuple[int, str], int]  # (loan, account) -> balance
    by_code: dict[tuple[int, str, str], int]  # (loan, account, entry code) -> sum
    unbalanced: list
    closed: date | None
    modifications: dict[int, list[tuple[str, date, dict]]]  # loan -> (kind, effective, params)

    def balance(self, loan_id: int, account: str) -> int:
        return self.balances.get((loan_id, account), 0)

    def current(self, loan: Loan) -> list[Inst]:
        return self.insts[loan.id][loan.schedule_version]

    def live(self, loan_id: int) -> list[Pay]:
        """Payments bringing money in and not reversed, in effective-date order."""
        return sorted((p for p in self.payments.values() if p.loan_id == loan_id and
                       p.method in PAYING and p.id not in self.reversals),
                      key=lambda p: (p.received_on, p.id))


def load(url: str) -> Book:
    with UnitOfWork(url) as s:
        loans = {l.id: l for l in s.exec(select(Loan).order_by(Loan.id))}
        insts: dict = defaultdict(lambda: defaultdict(list))
        for i in s.exec(select(Installment).order_by(Installment.loan_id,
                                                     Installment.schedule_version,
                                                     Installment.number)):
            insts[i.loan_id][i.schedule_version].append(Inst(
                i.schedule_version, i.number, i.start_date, i.due_date, i.principal_minor,
                i.interest_minor, i.fee_minor))
        rows = defaultdict(list)
        for a in s.exec(select(PaymentAllocation).order_by(PaymentAllocation.id)):
            rows[a.loan_id].append(Row(a.payment_id, a.installment_number, a.principal_minor,
                                       a.interest_minor, a.fee_minor, a.advance_minor,
                                       a.reversal_id))
        pays = {p.id: Pay(p.id, p.loan_id, p.idempotency_key, p.amount_minor, p.received_on,
                          p.method, p.channel) for p in s.exec(select(Payment))}
        revs = list(s.exec(select(PaymentReversal)))
        charges = defaultdict(list)
        for c in s.exec(select(LoanCharge).order_by(LoanCharge.id)):
            charges[c.loan_id].append(Charge(c.kind, c.installment_number, c.amount_minor,
                                             c.assessed_on, c.source_key, c.journal_entry_id))
        by_code = {(l, a, c): int(m) for l, a, c, m in s.exec(
            select(Posting.loan_id, Posting.account, JournalEntry.code,
                   func.sum(Posting.amount_minor))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .group_by(Posting.loan_id, Posting.account, JournalEntry.code))}
        balances: dict = defaultdict(int)
        for (l, a, _), m in by_code.items():
            balances[(l, a)] += m
        unbalanced = list(s.exec(
            select(JournalEntry.id, func.count(Posting.id),
                   func.coalesce(func.sum(Posting.amount_minor), 0))
            .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
            .group_by(JournalEntry.id)
            .having((func.coalesce(func.sum(Posting.amount_minor), 0) != 0)
                    | (func.count(Posting.id) < 2))).all())
        closed = s.exec(select(func.max(CobRun.business_date))).one()
        mods = defaultdict(list)
        for m in s.exec(select(LoanModification).order_by(LoanModification.id)):
            mods[m.loan_id].append((m.kind, m.effective_date, dict(m.params or {})))
    return Book(loans, insts, rows, pays, {r.payment_id: Rev(r.id, r.payment_id, r.reversed_on,
                                                                  r.return_code) for r in revs},
                {r.id: r.reversed_on for r in revs}, charges, balances, by_code, unbalanced,
                closed, mods)


# --- the reference rules ---------------------------------------------------------------------

def starts(loan: Loan, insts: list[Inst]) -> list[date]:
    """Each installment's period start: its own, else the previous due date or funding."""
    out, previous = [], loan.disbursement_date
    for i in insts:
        out.append(i.start or previous)
        previous = i.due
    return out


def accrued(loan: Loan, insts: list[Inst], on: date) -> int:
    """Interest accrued through `on` (end of day): each installment's scheduled interest
    evenly over its period, floor(interest x elapsed / period days), elapsed clamped."""
    total = 0
    for i, start in zip(insts, starts(loan, insts)):
        days = (i.due - start).days
        if days <= 0:
            total += i.interest if on >= i.due else 0
        else:
            total += i.interest * min(max((on - start).days, 0), days) // days
    return total


def paid_sums(book: Book, loan_id: int, on: date, as_known_now: bool) -> dict[int, list[int]]:
    """Per installment: [principal + interest, fee money] paid as of the end of `on`.
    As it happened (close of business): payments received and reversals made by `on`.
    As known now (replay): payments received by `on` and never reversed."""
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in book.rows[loan_id]:
        if r.number == 0:
            continue
        p = book.payments[r.payment_id]
        if as_known_now:
            counts = p.id not in book.reversals and p.received_on <= on
        elif r.reversal_id is not None:
            counts = book.reversed_on[r.reversal_id] <= on
        else:
            counts = p.received_on <= on
        if counts:
            out[r.number][0] += r.principal + r.interest
            out[r.number][1] += r.fee
    return out


def is_paid(i: Inst, sums: dict[int, list[int]]) -> bool:
    """Paid: scheduled principal + interest + installment fee covered by money allocated to
    those components; fee money counts up to the scheduled fee only (charges never count)."""
    pi, fee = sums.get(i.number, (0, 0))
    return pi + min(fee, i.fee) >= i.principal + i.interest + i.fee


def dpd(insts: list[Inst], sums: dict, on: date) -> int:
    for i in sorted(insts, key=lambda i: (i.due, i.number)):
        if i.due < on and not is_paid(i, sums):
            return (on - i.due).days
    return 0


def bucket(days: int, bounds) -> str:
    bounds = list(bounds)
    if days < bounds[0]:
        return "current"
    for low, high in zip(bounds, bounds[1:]):
        if low <= days < high:
            return f"{low}-{high - 1}"
    return f"{bounds[-1]}+"


def late_terms(loan: Loan) -> tuple[int, int]:
    return int(loan.terms.get("late_fee_minor", 0)), int(loan.terms.get("late_fee_grace_days",
                                                                         10))


def standing_late(book: Book, loan: Loan) -> dict[int, tuple[int, date]]:
    """Late fees standing per installment number, whatever schedule version charged them (a
    modification keeps the installments already due, numbers and all): (net amount, date
    of the last positive charge)."""
    out = {}
    by: dict[int, list[Charge]] = defaultdict(list)
    for c in book.charges[loan.id]:
        if c.kind == "late":
            by[c.number].append(c)
    for n, cs in by.items():
        net = sum(c.amount for c in cs)
        if net:
            out[n] = (net, [c for c in cs if c.amount > 0][-1].assessed_on)
    return out


def fees_due_as_known_now(book: Book, loan: Loan, closed: date) -> dict[int, tuple[int, date]]:
    """Replay's rule: an installment's late fee is due on the first closed date past its
    grace on which it is not paid, the history as known now; only while the loan was open
    (before it closed, and before the day its principal was all paid)."""
    fee, grace = late_terms(loan)
    if not fee:
        return {}
    ends = [d for d in (loan.closed_on if loan.status != "active" else None,
                        paid_off_on(book, loan)) if d is not None]
    if ends:
        closed = min(closed, min(ends) - timedelta(days=1))
    dates = sorted({p.received_on for p in book.live(loan.id)})
    out = {}
    for i in book.current(loan):
        first = i.due + timedelta(days=grace + 1)
        if first > closed:
            continue
        for d in [first] + [d for d in dates if first < d <= closed]:
            if not is_paid(i, paid_sums(book, loan.id, d, as_known_now=True)):
                out[i.number] = (fee, d)
                break
    return out


def paid_off_on(book: Book, loan: Loan) -> date | None:
    """The effective date of the payment by which the current schedule's principal is all
    paid (payments never reversed, by effective date), or None."""
    owed = sum(i.principal for i in book.current(loan))
    by_day: dict[date, int] = defaultdict(int)
    for r in book.rows[loan.id]:
        p = book.payments[r.payment_id]
        if p.id not in book.reversals and r.number > 0:  # row 0: outside the schedule
            by_day[p.received_on] += r.principal
    total = 0
    for d in sorted(by_day):
        total += by_day[d]
        if total >= owed:
            return d
    return None


# --- the guarantees --------------------------------------------------------------------------

class Broken(AssertionError):
    """A guarantee of the book does not hold: each line names the loan and the figures."""


@dataclass
class Findings:
    lines: list[str] = field(default_factory=list)

    def expect(self, ok: bool, what: str) -> None:
        if not ok:
            self.lines.append(what)

    def raise_any(self, where: str) -> None:
        if self.lines:
            raise Broken(f"after {where}:\n  " + "\n  ".join(self.lines))


def check_always(url: str, servicer, today: date, where: str) -> Book:
    """Guarantees 1, 2, 3 and 6, after every step."""
    book, f = load(url), Findings()
    # 1. every journal entry balances (and has two lines or more)
    f.expect(not book.unbalanced, f"1: entries that do not balance: {book.unbalanced}")
    f.expect(sum(book.balances.values()) == 0, "1: the trial balance does not add to zero")
    with UnitOfWork(url) as s:
        for loan in book.loans.values():
            n, st = loan.loan_number, loan_state.load(s, loan)
            b = lambda a: book.balance(loan.id, a)  # noqa: E731
            # 2. balances derived from rows (installments, charges, allocations) are the ledger's
            f.expect(-b(SUSPENSE) == st.advance_minor,
                     f"2: {n} advance held {st.advance_minor} != -suspense {-b(SUSPENSE)}")
            # (an advance can be negative: a payment whose excess was refunded, then returned,
            # leaves the refund owed; the payoff adds it)
            if loan.status in ("active", "paid_off"):
                f.expect(b(LR) == st.principal_outstanding_minor,
                         f"2: {n} ({loan.status}) principal outstanding "
                         f"{st.principal_outstanding_minor} != loans receivable {b(LR)}")
                # KNOWN (reported): a scheduled installment fee is never journalled as
                # receivable and income; paying it credits fees receivable. Fees outstanding
                # count the scheduled fees of every installment, so the two differ by them.
                scheduled = sum(i.scheduled_fee_minor for i in st.installments)
                f.expect(b(FR) == st.fees_outstanding_minor - scheduled,
                         f"2: {n} ({loan.status}) fees outstanding {st.fees_outstanding_minor}"
                         f" (scheduled installment fees {scheduled} among them) != fees "
                         f"receivable {b(FR)}")
                paid_interest = sum(r.interest for r in book.rows[loan.id])
                f.expect(-b(INCOME) - b(IR) == paid_interest,
                         f"2: {n} interest income {-b(INCOME)} - receivable {b(IR)} != "
                         f"interest paid {paid_interest}")
            else:  # written or charged off: every receivable moved to credit losses
                f.expect((b(LR), b(IR), b(FR)) == (0, 0, 0),
                         f"2: {n} ({loan.status}) receivables left after the closing: "
                         f"principal {b(LR)}, interest {b(IR)}, fees {b(FR)}")
            for i in st.installments:  # no component paid beyond what it owes
                f.expect(0 <= i.paid_principal_minor <= i.principal_minor and
                         0 <= i.paid_interest_minor <= i.interest_minor and
                         0 <= i.paid_fee_minor <= i.fee_minor,
                         f"2: {n} installment {i.number} paid (p {i.paid_principal_minor}, "
                         f"i {i.paid_interest_minor}, f {i.paid_fee_minor}) beyond what it owes "
                         f"(p {i.principal_minor}, i {i.interest_minor}, f {i.fee_minor})")
            # each payment's allocation adds up to its amount (nothing, once reversed); cash
            # is what came in less what was refunded
            net: dict[int, int] = defaultdict(int)
            for r in book.rows[loan.id]:
                net[r.payment_id] += r.principal + r.interest + r.fee + r.advance
            cash_in = 0
            for p in (p for p in book.payments.values() if p.loan_id == loan.id):
                want = (0 if p.id in book.reversals else p.amount) if p.method in PAYING \
                    else -p.amount if p.method == "refund" else p.amount
                if p.method == "capitalization" and net[p.id] == 0:
                    want = 0  # capitalized arrears a rewind undid (rows negated)
                f.expect(net[p.id] == want, f"2: {n} payment {p.key} ({p.method}) allocated "
                                            f"{net[p.id]}, expected {want}")
                if p.method != "capitalization":
                    cash_in += want
            paid_out = book.by_code.get((loan.id, CASH, ledger.DISBURSEMENT), 0)
            f.expect(b(CASH) - paid_out == cash_in,
                     f"2: {n} cash {b(CASH) - paid_out} (beyond the disbursement) != money in "
                     f"less refunds {cash_in}")
            # 6. interest income never exceeds the contractual interest to date
            income = -b(INCOME)
            contractual = max(accrued(loan, v, today) for v in book.insts[loan.id].values())
            f.expect(0 <= income <= contractual,
                     f"6: {n} interest income {income} outside [0, contractual to {today} "
                     f"{contractual}]")
            # 6b. a paid-off loan earned at least the interest accrued through the day its
            # principal was all paid (none forgiven), at most that accrued through its last
            # payment (KNOWN, finding S2: a loan kept open by a fee after its principal is
            # paid accrues interest on the schedule until the fee is paid)
            off = paid_off_on(book, loan)
            last = max((p.received_on for p in book.live(loan.id)), default=None)
            if loan.status == "paid_off" and off is not None:
                low, high = (accrued(loan, book.current(loan), d) for d in (off, last))
                f.expect(low <= income <= high,
                         f"6: {n} paid off on {off} (last payment {last}) with interest "
                         f"income {income} outside [{low}, {high}] accrued to those days")
            # 3. the payoff identity, on the page a borrower and a servicer read
            if loan.status == "active":
                d = queries.loan_detail(servicer, n, url, today=today)
                terms = (d.principal_outstanding_minor + d.interest_accrued_minor
                         - d.interest_paid_ahead_minor + d.fees_outstanding_minor
                         - d.advance_minor)
                f.expect(d.payoff_minor == terms,
                         f"3: {n} payoff {d.payoff_minor} != principal "
                         f"{d.principal_outstanding_minor} + accrued {d.interest_accrued_minor}"
                         f" - paid ahead {d.interest_paid_ahead_minor} + fees "
                         f"{d.fees_outstanding_minor} - advance {d.advance_minor} = {terms}")
                f.expect(d.payoff_minor == st.payoff_minor(today),
                         f"3: {n} page payoff {d.payoff_minor} != engine payoff "
                         f"{st.payoff_minor(today)}")
                f.expect(d.interest_accrued_minor >= 0 and d.interest_paid_ahead_minor >= 0,
                         f"3: {n} accrued {d.interest_accrued_minor} / paid ahead "
                         f"{d.interest_paid_ahead_minor} negative")
        f.expect(all(l.status in ("active", "paid_off", "written_off", "charged_off")
                     for l in book.loans.values()), "a loan in an unknown status")
    f.raise_any(where)
    return book


def late_charged(url: str) -> set[tuple[int, int]]:
    """(loan, installment number) of every late charge row so far."""
    with UnitOfWork(url) as s:
        return set(s.exec(select(LoanCharge.loan_id, LoanCharge.installment_number)
                          .where(LoanCharge.kind == "late")).all())


def check_after_cob(url: str, servicer, first: date, through: date,
                    charged_before: set[tuple[int, int]], where: str) -> None:
    """Guarantees 4 and 5, after a close of business that closed `first`..`through`."""
    book, f = load(url), Findings()
    for loan in book.loans.values():
        if loan.status != "active" or loan.disbursement_date > through:
            continue
        n, insts = loan.loan_number, book.current(loan)
        # 4a. accrual: the ledger holds the interest accrued on the current schedule
        income, want = -book.balance(loan.id, INCOME), accrued(loan, insts, through)
        f.expect(income == want, f"4: {n} interest income {income} != accrued through "
                                 f"{through} {want}")
        # 4b. delinquency as of the closed date, paid as it happened
        sums = paid_sums(book, loan.id, through, as_known_now=False)
        days = dpd(insts, sums, through)
        bounds = loan.terms.get("delinquency_buckets", (1, 31, 61, 91))
        f.expect((loan.days_past_due, loan.delinquency_bucket, loan.last_cob_date) ==
                 (days, bucket(days, bounds), through),
                 f"4: {n} cached (DPD {loan.days_past_due}, {loan.delinquency_bucket}, "
                 f"{loan.last_cob_date}) != reference ({days}, {bucket(days, bounds)}, "
                 f"{through})")
        # 4c. late fees: once per installment (number) not paid past its grace, on the first
        # date of the run on which it is not paid (as it happened), unless charged before
        fee, grace = late_terms(loan)
        expected = set()
        for i in insts if fee else ():
            if (loan.id, i.number) in charged_before:
                continue
            start = max(first, i.due + timedelta(days=grace + 1))
            for k in range((through - start).days + 1):
                d = start + timedelta(days=k)
                if not is_paid(i, paid_sums(book, loan.id, d, as_known_now=False)):
                    expected.add((i.number, fee, d))
                    break
        charged = {(c.number, c.amount, c.assessed_on) for c in book.charges[loan.id]
                   if c.kind == "late" and c.entry.startswith("cob-fees-")
                   and first <= c.assessed_on <= through}
        f.expect(charged == expected, f"4: {n} late fees charged by the close {sorted(charged)}"
                                      f" != reference {sorted(expected)}")
        # 5. the DPD and bucket the loan page derives from the installments are the cached
        # ones, when nothing was received or reversed after the closed date
        later = any(p.loan_id == loan.id and p.received_on > through
                    for p in book.payments.values()) or \
            any(book.payments[r.payment_id].loan_id == loan.id and r.reversed_on > through
                for r in book.reversals.values())
        if not later:
            d = queries.loan_detail(servicer, n, url, today=through)
            f.expect((d.days_past_due, d.delinquency_bucket) ==
                     (loan.days_past_due, loan.delinquency_bucket),
                     f"5: {n} page (DPD {d.days_past_due}, {d.delinquency_bucket}) != cached "
                     f"({loan.days_past_due}, {loan.delinquency_bucket}) on {through}")
    check_once_per_installment(book, f)
    f.raise_any(where)


def check_once_per_installment(book: Book, f: Findings) -> None:
    """4d. One late fee at most stands per installment number, whatever schedule version
    charged it, and never less than none."""
    for loan in book.loans.values():
        fee, _ = late_terms(loan)
        standing: dict[int, int] = defaultdict(int)
        for c in book.charges[loan.id]:
            if c.kind == "late":
                standing[c.number] += c.amount
        over = {k: v for k, v in standing.items() if v > fee or v < 0}
        f.expect(not over, f"4: {loan.loan_number} late fees standing per installment beyond "
                           f"one fee of {fee}: {over}")


def check_after_replay(url: str, loan_ids: set[int], was_active: set[int], where: str) -> None:
    """After an event dated on or before the last closed date: the loan's late fees and cached
    delinquency are what the history as known now gives (replay.md). (The delinquency of a
    paid-off loan the event reopened is left to the next close: when it is reopened only by
    the return's NSF fee, replay ran before that fee was charged.)"""
    book, f = load(url), Findings()
    closed = book.closed
    for loan in (book.loans[i] for i in loan_ids):
        if closed is None or loan.status not in ("active", "paid_off"):
            continue
        n = loan.loan_number
        want, have = fees_due_as_known_now(book, loan, closed), standing_late(book, loan)
        f.expect(have == want, f"replay: {n} late fees standing {have} != as known now {want}")
        if loan.status == "active" and loan.id in was_active:
            off = paid_off_on(book, loan)
            days = dpd(book.current(loan), paid_sums(book, loan.id, closed, True), closed) \
                if off is None or off > closed else 0
            bounds = loan.terms.get("delinquency_buckets", (1, 31, 61, 91))
            f.expect((loan.days_past_due, loan.delinquency_bucket) ==
                     (days, bucket(days, bounds)),
                     f"replay: {n} cached (DPD {loan.days_past_due}, "
                     f"{loan.delinquency_bucket}) != as known now on {closed} "
                     f"({days}, {bucket(days, bounds)})")
        # a paid-off loan keeps the delinquency cached when it was paid off (reports read
        # active loans only); replay sets it to current only when it replays a paid-off loan
    check_once_per_installment(book, f)
    f.raise_any(where)


# --- 7. the book replayed --------------------------------------------------------------------

def fingerprint(url: str) -> dict:
    """Everything a replay must reproduce, keyed so that two books compare: per loan (by
    number) its status, cached delinquency, installments of every version with what is paid
    on each, charges, payments with their net allocation and reversal, journal entries with
    their lines; the closed dates; the collection attempts."""
    book = load(url)
    out: dict = {"closed": book.closed, "loans": {}}
    with UnitOfWork(url) as s:
        entries = defaultdict(list)
        for e in s.exec(select(JournalEntry).order_by(JournalEntry.id)):
            entries[e.loan_id].append(e)
        lines = defaultdict(list)
        for p in s.exec(select(Posting).order_by(Posting.id)):
            lines[p.entry_id].append((p.account, p.loan_id, p.amount_minor))
        for loan in book.loans.values():
            st = loan_state.load(s, loan)
            pays = {}
            for p in sorted((p for p in book.payments.values() if p.loan_id == loan.id),
                            key=lambda p: p.id):
                net = defaultdict(lambda: [0, 0, 0, 0])
                for r in book.rows[loan.id]:
                    if r.payment_id == p.id:
                        for k, v in enumerate((r.principal, r.interest, r.fee, r.advance)):
                            net[r.number][k] += v
                rev = book.reversals.get(p.id)
                pays[p.key] = (p.amount, p.received_on, p.method, p.channel,
                               {k: tuple(v) for k, v in net.items() if any(v)},
                               (rev.reversed_on, rev.code) if rev else None)
            out["loans"][loan.loan_number] = dict(
                status=(loan.status, loan.closed_on, loan.schedule_version, loan.term),
                cached=(loan.days_past_due, loan.delinquency_bucket, loan.last_cob_date),
                installments={v: rows for v, rows in book.insts[loan.id].items()},
                paid=[(i.number, i.paid_principal_minor, i.paid_interest_minor,
                       i.paid_fee_minor, i.paid) for i in st.installments],
                charges=book.charges[loan.id], payments=pays,
                balances={a: book.balance(loan.id, a) for a in ledger.ACCOUNTS},
                journal=[(e.id, e.code, e.effective_date, sorted(lines[e.id]))
                         for e in entries[loan.id]])
        out["book_entries"] = [(e.id, e.code, e.effective_date, sorted(lines[e.id]))
                               for e in entries[None]]
        out["attempts"] = [(a.idempotency_key, a.status, a.amount_minor, a.draft_date,
                            a.failure_code, a.trace_number)
                           for a in s.exec(select(CollectionAttempt)
                                           .order_by(CollectionAttempt.id))]
    return out


def differences(a, b, path: str = "") -> list[str]:
    """Where two fingerprints differ (the first few)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'the book' if k in a else 'the replay'}")
            else:
                out += differences(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for k, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{k}]")]
    return [] if a == b else [f"{path}: book {a!r} != replay {b!r}"]
