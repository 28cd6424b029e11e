"""A model-based proof of the book (issue 18): a hypothesis state machine books loans of random
products and drives them through the real services on a real database, over random
sequences of operations, with a simulated "today" that only moves forward:

- booking (origination: submit an application, accept the offer; some borrowers on autopay
  by bank debit);
- close of business over skipped days (catch-up), repeated days (a date closed before is not
  closed again) and the current day;
- payments of random sizes (part of what is due, what is due, several installments, the
  payoff, above the payoff, a flagged payoff), backdated up to ~6 weeks but never before the
  loan's last modification; reversals (posting errors, R01/R09 with their NSF fee);
  refunds of a credit balance; modifications (recast, rate and term, restructure, payment
  holiday, due date move); write-off and charge-off;
- bank files: the day's debit file (autopay drafts, re-presentments), returns of a sent
  debit (R01, R09, R03, R10) and dishonored returns (R68) with their contest (R71).

After every step the book's guarantees (docs/conventions/guarantees.md) are checked:

1. every journal entry balances (and the trial balance adds to zero);
2. balances derived from the rows (installments, charges, allocations: `loan_state`) are the
   ledger's, per loan: principal outstanding = loans receivable, fees outstanding = fees
   receivable, advance held = -suspense, interest income - interest receivable = interest
   paid; a written-off loan has no receivable left; no component is paid beyond what it
   owes; each payment's allocation adds up to its amount (nothing once reversed) and cash is
   the money in less refunds;
3. the payoff identity on the loan page: payoff = principal + interest accrued - interest
   paid ahead + fees - advance, and it is the payoff the engine quotes;
4. after a close of business, its set-based result equals the per-loan reference written in
   `book.py`: interest accrued on the current schedule, cached DPD / bucket / last closed
   date (paid as it happened: payments received and reversals made by the date), late fees
   charged by the close (once per installment not paid past its grace, on the first date of
   the run it is not paid), and never more than one late fee standing per installment;
5. after a close of business, the DPD and bucket the loan page derives from the installments
   equal the cached ones (when nothing was received or reversed after the closed date);
6. interest income never exceeds the contractual interest accrued to date;
7. at the end of the example every command is run again, in order, on an empty database: the
   same outcomes (refusals included) and an identical book (per loan: status, cached
   delinquency, installments of every version and what is paid on each, charges, payments
   with their allocation and reversal, every journal entry with its lines; the closed dates;
   the collection attempts).

After an event dated on or before the last closed date (a backdated payment, the reversal or
return of such a payment, a dishonored return) the loan's late fees and cached delinquency
are also checked against the history as known now (replay.md).

Findings (sequences, figures: the session's report, docs/conventions/guarantees.md). Fixed
since they were found, so the model generates them freely: A (reversal of a payment made on
a modification's day), I (a modification dated before payments: now refused), K
(principal-only capitalization), M (R68 and the NSF fee's payments), P (an event between two
modifications), C, H, R, S (replay and allocation_rows, with regression tests). Open, and how
the model meets them:

- Installment fees (guarantee 2 checked as fees receivable = fees outstanding - scheduled
  installment fees): a scheduled installment fee is never journalled; paying it credits
  fees receivable, and the payoff collects the fees of installments not yet due.
- B: a holiday or due-date move whose long first period earns more interest than the level
  installment is refused as "installment_rounding: makes an installment zero ... use a
  smaller multiple" (quarterly, 6,962.97 at 15.5%, 20 periods, holiday of 2). Accepted.
- E (negative advance): a payment above the payoff whose excess was refunded, then reversed,
  leaves a negative advance (the refund owed); allowed (the payoff adds it).
- F: a bank return of a debit on a written- or charged-off loan refuses the whole return file
  ("is before the loan's write-off of ..."); G: a reversal of a payment dated after a
  backdated charge-off left receivables on the closed loan. Payments of closed loans are not
  reversed or returned here.
- J: a late bank return through the bulk path (the debit dated on or before the last closed
  date) is not replayed (cached DPD 0, 3 as known now). Bank returns name debits dated after
  the last closed date; late returns are made through `reverse_payment`.
- L: a reversal is refused ("exceeds the 1,200.00 the loan can take; use a payoff") when a
  later payoff, applied again below the new payoff, is more than a clear_dues/principal rule
  can place (1,200.00 at 12%: 1.00 on 2026-01-15, payoff on 02-05, the 1.00 reversed). Accepted.
- Q: with clear_dues/principal a regular payment below the payoff that pays all principal
  closes the loan and forgives the accrued interest (1,200.00 at 12%: 1,200.00 paid on
  2026-01-30 against a payoff of 1,207.74). Such payments are made at the payoff instead.
- S2: a loan whose principal is all paid but kept open by a fee accrues scheduled interest
  until the fee is paid (0.47 for one day); guarantee 6b bounds a paid-off loan's income by
  the interest accrued to the day its principal was paid and to its last payment.
- T: an event dated before a restructure that capitalized arrears rebuilds it before replay
  re-derives the late fees (a fee replay then removes stays capitalized: installment fees
  paid 15.00 of 0.00 owed). Events before such a restructure are not made; loans on autopay
  are restructured without capitalizing.
- V and U: a schedule modification after a holiday (or a due date move) builds its schedule
  from the funding date or the last installment due by its date, so its first installments
  fall due before its own date (2,039.76 at 0% quarterly, holiday of 3 from 2027-01-14,
  restructure on 2027-06-28: installment 1 due 2027-04-14, instantly late); replay then moves
  that installment's fee and re-applies a payment made before the restructure onto its
  schedule (principal outstanding 1,935.51, receivable 1,987.61). Modifications are not made
  when a period or more lies between that start and their date.
- O: money held as an advance (clear_dues/advance) never pays installments as they fall due:
  213.24 held from 2026-01-12, DPD 15 and a 15.00 late fee on 2026-02-25. Not avoided (the
  guarantees hold: it is a servicing rule, not an inconsistency of the book).

Profiles: `LENDBOOK_MODEL_PROFILE=short` (default, in `make test`: a few examples on SQLite,
one on PostgreSQL) or `long` with `LENDBOOK_MODEL_SECONDS=N` (examples until N seconds have
passed). Each example runs on a fresh database; the seed is random. A summary of the examples
and steps run is printed at the end of the session and written to
`$LENDBOOK_MODEL_SUMMARY` (default /tmp/lendbook-model-summary.json).
"""
import json
import os
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)
from sqlalchemy import func
from sqlmodel import select

from domain.db.engine import get_engine
from domain.db.payment_tables import AutopayEnrolment, CollectionAttempt
from domain.db.tables import CobRun, Loan, LoanModification, Payment, PaymentReversal
from domain.db.uow import UnitOfWork
from domain.servicing import loan_state, queries
from tests.model import book as B
from tests.model.commands import command, new_world, run

PROFILE = os.environ.get("LENDBOOK_MODEL_PROFILE", "short")
SUMMARY = Path(os.environ.get("LENDBOOK_MODEL_SUMMARY", "/tmp/lendbook-model-summary.json"))
_SHRINK = os.environ.get("LENDBOOK_MODEL_SHRINK", "1") != "0"  # 0: report unshrunk, faster
_COMMON = dict(deadline=None, derandomize=False, print_blob=True,
               phases=[p for p in Phase if _SHRINK or p is not Phase.shrink],
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile("lendbook-model-short", max_examples=7, stateful_step_count=25,
                          **_COMMON)
settings.register_profile("lendbook-model-postgres", max_examples=1, stateful_step_count=20,
                          **_COMMON)
settings.register_profile("lendbook-model-long", max_examples=4, stateful_step_count=60,
                          **_COMMON)  # a batch; batches run until the time is up

# KNOWN (reported, finding L): a reversal is refused when a later payment, applied again
# below the new payoff, exceeds what the allocation rule can place
KNOWN_L = ("the loan can take",)
PERIOD_DAYS = {"monthly": 28, "semimonthly": 13, "biweekly": 14, "weekly": 7, "quarterly": 89}
STATS: Counter = Counter()  # examples, steps, commands by kind and outcome, replays


# --- what the machine draws ------------------------------------------------------------------

def choice(*values):
    return st.sampled_from(values)


@st.composite
def products(draw) -> tuple:
    """A product's settings, as an admin types them (the product schema's names)."""
    return (
        ("annual_rate", draw(choice("0", "4.5", "11.99", "19.9", "36"))),
        ("frequency", draw(choice("monthly", "semimonthly", "biweekly", "weekly",
                                  "quarterly"))),
        ("amortization", draw(choice("equal_installments", "equal_principal"))),
        ("interest_method", draw(choice("declining_balance", "flat"))),
        ("interest_period", draw(choice("same_as_repayment", "daily"))),
        ("day_count", draw(choice("30/360", "actual/360", "actual/365", "actual/364",
                                  "actual/actual"))),
        ("allocation_method", draw(choice("due_date", "bucket"))),
        ("allocation_order", ",".join(draw(st.permutations(["fee", "interest", "principal"])))),
        ("allocation_hierarchy", draw(choice("schedule", "clear_dues"))),
        ("allocation_excess", draw(choice("advance", "principal"))),
        ("early_payment", draw(choice("in_advance", "principal_first"))),
        ("overpayment", draw(choice("hold", "refund"))),
        ("late_fee", draw(choice("0", "15.00", "25.00"))),
        ("late_fee_grace_days", str(draw(st.integers(0, 15)))),
        ("nsf_fee", draw(choice("0", "25.00"))),
        ("installment_fee", draw(choice("0", "0", "3.00"))),
        ("delinquency_buckets", draw(choice("1,31,61,91", "1,8,15,30,60", "5,30,90"))),
    )


LOANS = st.tuples(products(), st.integers(1_000_00, 25_000_00), st.integers(2, 18),
                  st.one_of(st.none(), st.integers(-10, 5)))
WAIT = choice(0, 0, 0, 1, 2, 4, 7)
PICK = st.integers(0, 10_000)


# --- the machine -----------------------------------------------------------------------------

class BookMachine(RuleBasedStateMachine):
    """See the module's docstring. `make_db` (set by the test) makes a fresh migrated
    database; every example gets two: its book and the replay's."""
    make_db = None
    max_days = 150  # simulated days per example (close of business costs ~15 ms a day)
    max_loans = 3

    def __init__(self):
        super().__init__()
        self.url = type(self).make_db()
        self.world = new_world(self.url)
        self.log: list = []  # (command, outcome)
        self.start = self.today = None
        self.autopay = False
        self.dishonored: list[str] = []  # attempt keys whose return was dishonored
        self.busy = None  # the step in progress; left set when it failed
        self.active = True  # any loan active (after the first booking)
        STATS["examples"] += 1

    # --- plumbing ---

    def _do(self, kind: str, /, **args):
        c = command(kind, **args)
        outcome = run(self.world, c)
        self.log.append((c, outcome))
        STATS[f"{kind}: {outcome[0]}"] += 1
        if outcome[0] != "ok":
            STATS[f"{kind}: {outcome[0]}: {json.dumps(outcome[1], default=str)[:70]}"] += 1
        return outcome

    def _fail(self, message: str) -> None:
        raise B.Broken(f"{message}\ncommands so far:\n  " +
                       "\n  ".join(f"{c} -> {o}" for c, o in self.log))

    def _check(self, fn, *args) -> None:
        try:
            fn(*args)
            return
        except B.Broken as e:
            message = str(e)
        self._fail(message)  # with the commands so far

    def _wait(self, days: int) -> None:
        room = (self.start + timedelta(days=type(self).max_days) - self.today).days
        self.today += timedelta(days=max(0, min(days, room)))

    def _begin(self, name: str, wait: int = 0) -> None:
        self.busy = name
        STATS["steps"] += 1
        self._wait(wait)
        self.marks = self._marks()
        with UnitOfWork(self.url) as s:
            self.was_active = set(s.exec(select(Loan.id).where(Loan.status == "active")).all())

    def _end(self) -> None:
        """After a step that moves money: the replay check for each loan it touched on or
        before the last closed date."""
        with UnitOfWork(self.url) as s:
            closed = s.exec(select(func.max(CobRun.business_date))).one()
            touched: dict[int, date] = {}
            pays = s.exec(select(Payment).where(Payment.id > self.marks[0],
                                                Payment.method.in_(B.PAYING))).all()
            for p in pays:
                touched[p.loan_id] = min(touched.get(p.loan_id, p.received_on), p.received_on)
            for r, p in s.exec(select(PaymentReversal, Payment).join(
                    Payment, Payment.id == PaymentReversal.payment_id)
                    .where(PaymentReversal.id > self.marks[1])).all():
                touched[p.loan_id] = min(touched.get(p.loan_id, p.received_on), p.received_on)
        with UnitOfWork(self.url) as s:
            self.active = s.exec(select(Loan.id).where(Loan.status == "active")).first() \
                is not None
        replayed = {k for k, d in touched.items() if closed is not None and d <= closed}
        if replayed:
            STATS["replay checks"] += 1
            self._check(B.check_after_replay, self.url, replayed, self.was_active, self.busy)
        self.busy = None

    def _marks(self) -> tuple[int, int]:
        with UnitOfWork(self.url) as s:
            return (s.exec(select(func.coalesce(func.max(Payment.id), 0))).one(),
                    s.exec(select(func.coalesce(func.max(PaymentReversal.id), 0))).one())

    def _autopay_of(self, loan: Loan) -> bool:
        with UnitOfWork(self.url) as s:
            return s.exec(select(AutopayEnrolment.id).where(
                AutopayEnrolment.loan_id == loan.id)).first() is not None

    def _loan(self, pick: int) -> tuple[int, Loan] | None:
        """A loan by the draw: an active one, unless the draw is a multiple of 8: any loan,
        so that commands on closed loans are tried (and refused) too. None (the step does
        nothing) when no loan is active and the draw is not a multiple of 8."""
        with UnitOfWork(self.url) as s:
            loans = {l.loan_number: l for l in s.exec(select(Loan))}
        numbers = list(enumerate(self.world.loans))
        active = [(i, n) for i, n in numbers if loans[n].status == "active"]
        if pick % 8 == 0:
            i, n = numbers[pick % len(numbers)]
        elif active:
            i, n = active[pick % len(active)]
        else:
            return None
        return i, loans[n]

    def _lowest(self, loan: Loan) -> date:
        """The earliest date a payment or modification may carry: funding, or the loan's
        last modification."""
        with UnitOfWork(self.url) as s:
            last = s.exec(select(func.max(LoanModification.effective_date)).where(
                LoanModification.loan_id == loan.id)).one()
        return max(loan.disbursement_date, last or loan.disbursement_date)

    @staticmethod
    def _before_capitalization(book: B.Book, loan_id: int, on: date) -> bool:
        """KNOWN (reported, finding T): an event dated before a restructure that capitalized
        arrears rebuilds it on the fees standing before replay removes or charges them (a
        removed late fee stays capitalized). Such events are not made here, and loans on
        autopay (their debits post at the draft date) are restructured without capitalizing."""
        return any(kind == "restructure" and params.get("capitalize_arrears", True)
                   and effective > on
                   for kind, effective, params in book.modifications.get(loan_id, ()))

    @staticmethod
    def _rebuilds_past_dues(book: B.Book, loan: Loan, effective: date) -> bool:
        """KNOWN (reported, findings V and U): a schedule modification builds its schedule
        from the last installment due by its date (or funding), so after a holiday or a due
        date move it makes installments due before its own date, instantly overdue; replay
        then re-applies payments made before it onto its schedule. Not made here when a
        period or more lies between that start and the effective date."""
        insts = book.current(loan)
        kept = [i.due for i in insts if i.due <= effective]
        start = kept[-1] if kept else loan.disbursement_date
        period = PERIOD_DAYS[loan.terms.get("frequency", "monthly")]
        return (effective - start).days >= period

    @staticmethod
    def _open(book: B.Book, loan_id: int) -> bool:
        """KNOWN (reported, findings F and G): a payment of a written- or charged-off loan is
        not reversed or returned here: dated before the closing, its bank return refuses the
        whole return file; dated after it (a backdated closing), the reversal puts principal
        and an NSF fee back as receivables of the closed loan."""
        return book.loans[loan_id].status in ("active", "paid_off")

    def _expect(self, outcome, allowed: tuple[str, ...], what: str) -> None:
        """A refusal must be one the rules explain; anything else is a finding."""
        if outcome[0] == "ok":
            return
        text = json.dumps(outcome[1], default=str)
        if not any(a in text for a in allowed):
            self._fail(f"{what} refused unexpectedly: {text}")

    def _book(self, spec) -> None:
        settings_, amount, term, offset = spec
        outcome = self._do("book", settings=settings_, amount_minor=amount, term=term,
                           on=self.today, autopay_offset=offset)
        self._expect(outcome, (), "booking")
        self.autopay = self.autopay or offset is not None

    # --- rules ---

    @initialize(start=st.dates(date(2025, 1, 1), date(2027, 12, 31)), loan=LOANS)
    def first_loan(self, start, loan):
        self.start = self.today = start
        self._begin("book")
        self._book(loan)
        self._end()

    @precondition(lambda self: len(self.world.loans) < self.max_loans)
    @rule(loan=LOANS, wait=WAIT)
    def book_another(self, loan, wait):
        self._begin("book", wait)
        self._book(loan)
        self._end()

    @precondition(lambda self: not self.active and len(self.world.loans) < self.max_loans)
    @rule(loan=LOANS, wait=WAIT)
    def book_when_all_are_closed(self, loan, wait):
        """Every loan paid off or closed: a new one (a second rule weighs booking up then)."""
        self.book_another(loan, wait)

    @rule(days=choice(1, 2, 4, 7, 10, 15, 25, 35), close=choice("nightly", "nightly", "none"))
    def advance(self, days, close):
        """Days pass; close of business runs each night (through yesterday) or not at all
        (a later close catches up)."""
        self._begin("advance", days)
        if close == "nightly":
            self._close(self.today - timedelta(days=1))
        self._end()

    @rule(ahead=choice(0, 0, 1, 3, 7), lag=choice(0, 0, 1, 1, 2, 6, 30))
    def close_of_business(self, ahead, lag):
        """Close of business through today (the command's default), yesterday or a date
        already closed (nothing to do)."""
        self._begin("close of business", ahead)
        self._close(self.today - timedelta(days=lag))
        self._end()

    def _close(self, through: date) -> None:
        charged = B.late_charged(self.url)
        outcome = self._do("cob", through=through)
        self._expect(outcome, (), "close of business")
        if outcome[1]:
            first, last, _ = outcome[1]
            self._check(B.check_after_cob, self.url, self.world.servicer, first, last, charged,
                        f"close of business {first}..{last}")

    PAYMENTS = dict(pick=PICK, kind=choice("part", "part", "part", "due", "due", "due", "due",
                                           "installments", "installments", "cents", "payoff",
                                           "above", "payoff_flag"),
                    part=st.integers(1, 999), k=st.integers(2, 4), extra=st.integers(1, 50_000),
                    back=choice(0, 0, 0, 1, 5, 12, 25, 45), wait=WAIT)

    @rule(**PAYMENTS)
    def pay_more(self, **args):
        """Payments are the commonest event (a second rule weighs them double)."""
        self.pay(**args)

    @rule(**PAYMENTS)
    def pay(self, pick, kind, part, k, extra, back, wait):
        self._begin("pay", wait)
        if (chosen := self._loan(pick)) is None:
            return self._end()
        i, loan = chosen
        received = max(self._lowest(loan), self.today - timedelta(days=back))
        if kind == "payoff_flag":
            received = self.today
        d = queries.loan_detail(self.world.servicer, loan.loan_number, self.url,
                                today=self.today)
        scheduled = d.installments[0].total_minor if d.installments else 10_000
        due = d.next_due_minor or scheduled
        amount = {"part": max(1, due * part // 1000), "due": due,
                  "installments": k * scheduled, "payoff": d.payoff_minor,
                  "above": d.payoff_minor + extra, "payoff_flag": d.payoff_minor,
                  "cents": part % 100 + 1}[kind]
        if amount <= 0 and kind == "payoff_flag":  # an advance covers what is owed (finding O)
            return self._end()
        if loan.terms.get("allocation_hierarchy") == "clear_dues" and \
                loan.terms.get("allocation_excess") == "principal" and \
                d.principal_outstanding_minor <= amount < d.payoff_minor:
            amount = d.payoff_minor  # KNOWN (finding Q): it would close the loan below the payoff
        if amount <= 0:
            amount = scheduled
        key = f"pay-{len(self.log)}"
        outcome = self._do("pay", loan=i, amount_minor=amount, received_on=received,
                           today=self.today, key=key, payoff=kind == "payoff_flag")
        self._expect(outcome, ("loan is paid off", "loan is written off",
                               "loan is charged off", "the loan can take"), f"payment {key}")
        self._end()

    @rule(pick=PICK, code=choice("", "R01", "R09"), wait=WAIT)
    def reverse(self, pick, code, wait):
        self._begin("reverse", wait)
        book = B.load(self.url)
        live = [p for l in book.loans for p in book.live(l) if self._open(book, p.loan_id)
                and not self._before_capitalization(book, p.loan_id, p.received_on)]
        if live:
            p = live[pick % len(live)]
            outcome = self._do("reverse", key=p.key, code=code, on=self.today)
            self._expect(outcome, ("is before the loan's write-off", "is before the loan's charge-off")
                         + KNOWN_L, f"reversal of {p.key}")
        self._end()

    @rule(pick=PICK, part=st.integers(1, 1000), wait=WAIT)
    def refund(self, pick, part, wait):
        self._begin("refund", wait)
        with UnitOfWork(self.url) as s:
            held = [(n, loan_state.load(s, l).advance_minor)
                    for n, l in enumerate(s.exec(select(Loan).order_by(Loan.id)))]
        held = [(n, a) for n, a in held if a > 0]
        if held:
            n, advance = held[pick % len(held)]
            outcome = self._do("refund", loan=n, amount_minor=max(1, advance * part // 1000),
                               on=self.today, key=f"refund-{len(self.log)}")
            self._expect(outcome, (), "refund")
        self._end()

    @rule(pick=PICK, kind=choice("recast", "rate_term", "restructure", "holiday", "due_date"),
          back=choice(0, 0, 3, 10, 30), rate=choice("0", "6", "15.5", "29.99"),
          periods=st.integers(1, 24), skip=st.integers(1, 3), shift=st.integers(1, 40),
          capitalize=st.booleans(), wait=WAIT)
    def modify(self, pick, kind, back, rate, periods, skip, shift, capitalize, wait):
        self._begin("modify", wait)
        if (chosen := self._loan(pick)) is None:
            return self._end()
        i, loan = chosen
        # mostly after the loan's last payment (a modification dated before one is refused)
        book = B.load(self.url)
        paid = max((p.received_on for p in book.live(loan.id)), default=loan.disbursement_date)
        floor = self._lowest(loan) if back == 30 else max(self._lowest(loan), paid)
        effective = min(self.today, max(floor, self.today - timedelta(days=back)))
        if self._autopay_of(loan):
            capitalize = False  # finding T: a debit posts at its draft date, before it
        if self._rebuilds_past_dues(book, loan, effective):
            return self._end()
        params = {"recast": (), "rate_term": (("annual_rate", rate), ("periods", periods)),
                  "restructure": (("annual_rate", rate), ("capitalize_arrears", capitalize)),
                  "holiday": (("installments", skip),),
                  "due_date": (("first_due_date",
                                (effective + timedelta(days=shift)).isoformat()),)}[kind]
        outcome = self._do("modify", loan=i, kind=kind, effective=effective, params=params,
                           key=f"mod-{len(self.log)}")
        # KNOWN (reported, finding B): a holiday or due date move whose long first period
        # earns more than the installment is refused with a rounding message
        self._expect(outcome, ("loan is paid off", "loan is written off", "loan is charged off",
                               "no installment falls due after", "no principal is left",
                               "makes an installment zero", "must not be before the loan's last"),
                     f"modification {kind}")
        self._end()

    @rule(pick=PICK, kind=choice("write_off", "charge_off", None, None, None, None),
          back=choice(0, 0, 5), wait=WAIT)
    def close_loan(self, pick, kind, back, wait):
        """A write-off or charge-off (one draw in three: it ends a loan's story)."""
        self._begin(kind or "no closing", wait)
        if kind is None or (chosen := self._loan(pick)) is None:
            return self._end()
        i, loan = chosen
        effective = max(self._lowest(loan), self.today - timedelta(days=back))
        outcome = self._do("modify", loan=i, kind=kind, effective=effective, params=(),
                           key=f"close-{len(self.log)}")
        self._expect(outcome, ("loan is paid off", "loan is written off", "loan is charged off",
                               "must not be before the loan's last"), kind)
        self._end()

    @precondition(lambda self: self.autopay)
    @rule(wait=WAIT)
    def debit_file(self, wait):
        self._begin("debit file", wait)
        self._expect(self._do("debit_file", on=self.today), (), "debit file")
        self._end()

    def _attempts(self, *statuses) -> list[CollectionAttempt]:
        with UnitOfWork(self.url) as s:
            return list(s.exec(select(CollectionAttempt).where(
                CollectionAttempt.status.in_(statuses),
                CollectionAttempt.trace_number.is_not(None)).order_by(CollectionAttempt.id)))

    @precondition(lambda self: self.autopay)
    @rule(pick=PICK, code=choice("R01", "R09", "R03", "R10"), wait=WAIT)
    def bank_return(self, pick, code, wait):
        self._begin("bank return", wait)
        book = B.load(self.url)
        # KNOWN (reported, finding J): the bulk return path does not replay a late return (a
        # debit dated on or before the last closed date); bank returns here name debits
        # dated after it (late returns are made by `reverse`, which replays)
        sent = [a for a in self._attempts("submitted", "succeeded")
                if self._open(book, a.loan_id) and a.payment_id is not None
                and not self._before_capitalization(book, a.loan_id,
                                                    book.payments[a.payment_id].received_on)
                and (book.closed is None or book.payments[a.payment_id].received_on > book.closed)]
        if sent:
            a = sent[pick % len(sent)]
            # KNOWN (reported, finding F): a return of a debit on a written- or charged-off
            # loan refuses the whole return file
            self._expect(self._do("ach_return", attempt_key=a.idempotency_key, code=code,
                                  on=self.today),
                         ("is before the loan's write-off", "is before the loan's charge-off")
                         + KNOWN_L, f"{code} return")
        self._end()

    @precondition(lambda self: self.autopay)
    @rule(pick=PICK, contest=st.booleans(), wait=WAIT)
    def dishonored_return(self, pick, contest, wait):
        self._begin("dishonored return", wait)
        if contest and self.dishonored:
            key = self.dishonored[pick % len(self.dishonored)]
            with UnitOfWork(self.url) as s:
                a = s.exec(select(CollectionAttempt).where(
                    CollectionAttempt.idempotency_key == key)).one()
            self._do("dishonor", attempt_key=key, code="R71", returned=a.failure_code or "R01",
                     contests="R68", on=self.today)
        else:
            book = B.load(self.url)
            returned = [a for a in self._attempts("returned") if a.failure_code
                        and not self._before_capitalization(book, a.loan_id, a.draft_date)]
            if returned:
                a = returned[pick % len(returned)]
                outcome = self._do("dishonor", attempt_key=a.idempotency_key, code="R68",
                                   returned=a.failure_code, contests="", on=self.today)
                if outcome[0] == "ok" and "restored" in outcome[1][-1]:
                    self.dishonored.append(a.idempotency_key)
        self._end()

    @invariant()
    def the_book_holds(self):
        self.busy = self.busy or "the invariant"
        self._check(B.check_always, self.url, self.world.servicer, self.today,
                    f"step {len(self.log)} ({self.log[-1][0] if self.log else 'start'})")
        self.busy = None

    def teardown(self):
        try:
            if self.busy is None and self.log:
                self._replay()
        finally:
            write_summary()  # after every example: the figures survive an interrupted run
            get_engine(self.url).dispose()
            if self.url.startswith("sqlite:///"):
                for suffix in ("", "-wal", "-shm"):
                    Path(self.url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)

    def _replay(self) -> None:
        """7. Every command again, in order, on an empty database: the same outcomes and an
        identical book."""
        url = type(self).make_db()
        try:
            w = new_world(url)
            for c, outcome in self.log:
                again = run(w, c)
                if again != outcome:
                    self._fail(f"7: replayed {c} gave {again}, the book had {outcome}")
            diff = B.differences(B.fingerprint(self.url), B.fingerprint(url))
            if diff:
                self._fail("7: the replayed book differs:\n  " + "\n  ".join(diff[:20]))
            STATS["replayed examples"] += 1
            STATS["replayed commands"] += len(self.log)
        finally:
            get_engine(url).dispose()
            if url.startswith("sqlite:///"):
                for suffix in ("", "-wal", "-shm"):
                    Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


# --- the tests -------------------------------------------------------------------------------

def _run(fresh_db, profile: str, seconds: float | None = None, **overrides) -> None:
    BookMachine.make_db = staticmethod(fresh_db)
    chosen = settings(settings.get_profile(profile), **overrides)
    started = time.monotonic()
    batches = 0
    try:
        while True:
            run_state_machine_as_test(BookMachine, settings=chosen)
            batches += 1
            if seconds is None or time.monotonic() - started >= seconds:
                break
    finally:
        STATS["seconds"] += round(time.monotonic() - started)
        STATS["batches"] += batches
        write_summary()


def write_summary() -> None:
    SUMMARY.write_text(json.dumps(dict(sorted(STATS.items())), indent=2) + "\n")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_book_holds_on_sqlite(fresh_db):
    if PROFILE == "long":
        seconds = float(os.environ.get("LENDBOOK_MODEL_SECONDS", "600"))
        BookMachine.max_days = 400
        BookMachine.max_loans = 4
        _run(fresh_db, "lendbook-model-long", seconds)
    else:
        _run(fresh_db, "lendbook-model-short")


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_book_holds_on_postgresql(fresh_db):
    _run(fresh_db, "lendbook-model-postgres")
