"""Returns in bulk: a bank file of thousands of returns reversed with a few grouped reads and
bulk inserts, instead of the single-payment path's dozen queries per return.

It takes the plain case, which is nearly every return: the returned debit is the loan's
latest live payment, the loan is active, nothing was modified after it, and the file returns
one debit of that loan. Then reversing is exact without re-allocating anything: the payment's
allocation rows are negated, its journal entry mirrored, the fee charged to the first
installment left owing (as `payments._charge_nsf` does). Every other return goes through
`collections.fail`; both give the same loan state (bench/bench_returns.py checks it).
"""
from collections import defaultdict
from datetime import date

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from domain.ledger import entries as ledger
from domain.calculation.allocation import Allocation, net
from domain.db.payment_tables import CollectionAttempt, Notice
from domain.db.tables import Installment, Loan, LoanCharge, LoanModification, Payment, \
    PaymentAllocation, PaymentReversal, utcnow
from domain.kernel.money import fmt
from domain.nacha.codes import return_policy, servicer_queue
from domain.audit import trail as audit
from domain.payments import autopay, collections
from domain.ledger import journal
from domain.servicing import allocation_rows, payments
from domain.kernel.actor import Actor
from domain.calculation.terms import ProductTerms

CHUNK = 2000  # ids per IN (...) list


def _many(s: Session, statement, rows: list[dict]) -> None:
    """One executemany inside the session's transaction."""
    if rows:
        s.connection().execute(statement, rows)


def _chunks(ids):
    ids = list(ids)
    for k in range(0, len(ids), CHUNK):
        yield ids[k:k + CHUNK]


def plain(s: Session, pairs: list[tuple[CollectionAttempt, object]]) -> set[int]:
    """Ids of the attempts whose return the bulk path can reverse exactly."""
    per_loan = defaultdict(int)
    for a, _ in pairs:
        per_loan[a.loan_id] += 1
    candidates = {a.id: a for a, _ in pairs if a.payment_id is not None
                  and a.status in ("submitted", "succeeded") and per_loan[a.loan_id] == 1}
    loans = {a.loan_id for a in candidates.values()}
    status, latest, modified, reversed_ids = {}, {}, {}, set()
    for ids in _chunks(loans):
        status.update(s.exec(select(Loan.id, Loan.status).where(Loan.id.in_(ids))).all())
        modified.update(s.exec(select(LoanModification.loan_id,
                                      func.max(LoanModification.effective_date))
                               .where(LoanModification.loan_id.in_(ids))
                               .group_by(LoanModification.loan_id)).all())
        reversed_ids.update(s.exec(select(PaymentReversal.payment_id)
                                   .where(PaymentReversal.loan_id.in_(ids))).all())
        for pid, loan_id, on in s.exec(select(Payment.id, Payment.loan_id, Payment.received_on)
                                       .where(Payment.loan_id.in_(ids),
                                              Payment.method.not_in(allocation_rows.NOT_PAYMENTS))):
            if pid not in reversed_ids:
                latest.setdefault(loan_id, []).append((on, pid))
    out = set()
    for a in candidates.values():
        live = [x for x in latest.get(a.loan_id, []) if x[1] not in reversed_ids]
        mine = next((on for on, pid in live if pid == a.payment_id), None)
        if mine is None or status.get(a.loan_id) != "active":
            continue
        if any(on > mine for on, _ in live) or (modified.get(a.loan_id) or date.min) > mine:
            continue
        out.add(a.id)
    return out


def reverse(s: Session, actor: Actor, pairs: list[tuple[CollectionAttempt, object]],
            today: date) -> dict[int, collections.Outcome]:
    """Reverse the plain returns `pairs` [(attempt, ReturnItem)] in bulk; one Outcome each."""
    now = utcnow()
    pids = [a.payment_id for a, _ in pairs]
    pays, rows, nsf_fee, loans = {}, defaultdict(list), {}, {}
    conn = s.connection()  # plain rows, not ORM objects: thousands of them
    pay_cols = Payment.__table__.c
    for ids in _chunks(pids):
        pays.update({r.id: dict(r._mapping) for r in conn.execute(
            sa_select(pay_cols).where(pay_cols.id.in_(ids)))})
        for pid, n, pr, it, fee, adv in conn.execute(sa_select(
                PaymentAllocation.payment_id, PaymentAllocation.installment_number,
                PaymentAllocation.principal_minor, PaymentAllocation.interest_minor,
                PaymentAllocation.fee_minor, PaymentAllocation.advance_minor)
                .where(PaymentAllocation.payment_id.in_(ids))):
            rows[pid].append(Allocation(n, pr, it, fee, adv))
    for ids in _chunks({a.loan_id for a, _ in pairs}):
        for lid, borrower, number, stored in conn.execute(sa_select(
                Loan.id, Loan.borrower_id, Loan.loan_number, Loan.terms)
                .where(Loan.id.in_(ids))):
            loans[lid] = (borrower, number)
            # the fee as the loan's frozen terms hold it (ProductTerms' default when absent)
            nsf_fee[lid] = int(stored.get("nsf_fee_minor", ProductTerms.nsf_fee_minor))
    policies = {a.id: return_policy(collections.PROVIDER_CODES.get(i.code, i.code),
                                    a.presentment - 1, a.draft_date, today) for a, i in pairs}
    reason = {a.id: f"{i.code} {i.reason_text}".strip() for a, i in pairs}
    _many(s, insert(PaymentReversal), [dict(
        payment_id=a.payment_id, loan_id=a.loan_id, reversed_on=today, return_code=i.code,
        reason=reason[a.id], recorded_by=actor.user_id,
        journal_entry_id=f"rev-{a.payment_id}", recorded_at=now) for a, i in pairs])
    rev_ids = {}
    for ids in _chunks(pids):
        rev_ids.update(s.exec(select(PaymentReversal.payment_id, PaymentReversal.id)
                              .where(PaymentReversal.payment_id.in_(ids))).all())
    alloc_rows, entries, audits = [], [], []
    for a, i in pairs:
        current = net(rows[a.payment_id])
        alloc_rows += [dict(payment_id=a.payment_id, loan_id=a.loan_id,
                            installment_number=x.number, principal_minor=-x.principal_minor,
                            interest_minor=-x.interest_minor, fee_minor=-x.fee_minor,
                            advance_minor=-x.advance_minor, reversal_id=rev_ids[a.payment_id])
                       for x in current]
        entries.append(allocation_rows.correction(f"rev-{a.payment_id}", a.loan_id, today, current,
                                           f"Payment {a.payment_id} reversed: {reason[a.id]}"))
        p = pays[a.payment_id]
        audits.append(audit.entry(
            actor, "payment.reversed", "payment", p["id"], p,
            {"payment_id": p["id"], "reversed_on": str(today), "return_code": i.code,
             "reason": reason[a.id]}, reason[a.id], now))
    _many(s, insert(PaymentAllocation), alloc_rows)
    fees = _fees(s, actor, [(a, nsf_fee[a.loan_id]) for a, _ in pairs
                            if policies[a.id].fee and nsf_fee[a.loan_id]],
                 today, now, entries)
    journal.write(s, entries, recorded_at=now)
    _many(s, update(CollectionAttempt).where(CollectionAttempt.id == bindparam("aid")).values(
        status="returned", failure_code=bindparam("code"), failure_reason=bindparam("why"),
        updated_at=now).execution_options(synchronize_session=False),
        [dict(aid=a.id, code=i.code[:40], why=i.reason_text[:300]) for a, i in pairs])
    disabled = {a.id: bool(autopay.disable_instrument(s, actor, a.instrument_id, reason[a.id],
                                                      policies[a.id].notify_borrower))
                for a, _ in pairs if policies[a.id].disable_account}
    for a, i in pairs:  # deceased (estate) and codes no rule settles: a servicer's
        code = collections.PROVIDER_CODES.get(i.code, i.code)
        if servicer_queue(code):
            collections.queue_return(s, actor, a, loans[a.loan_id][1], code, i.reason_text,
                                     reversed_=True, disabled=disabled.get(a.id, False),
                                     told=policies[a.id].notify_borrower)
    retries, notices, out = [], [], {}
    for a, i in pairs:
        pol = policies[a.id]
        if pol.retry_on:
            base = a.idempotency_key.rsplit("-p", 1)[0]
            retries.append(dict(
                loan_id=a.loan_id, instrument_id=a.instrument_id, enrolment_id=a.enrolment_id,
                purpose="retry", schedule_version=a.schedule_version,
                installment_number=a.installment_number, presentment=a.presentment + 1,
                retry_of=a.id, idempotency_key=f"{base}-p{a.presentment + 1}", rail=a.rail,
                amount_minor=a.amount_minor, draft_date=pol.retry_on, status="scheduled",
                failure_code="", failure_reason="", created_at=now, updated_at=now))
        if pol.notify_borrower and not disabled.get(a.id):
            when = f" We will try again on {pol.retry_on:%b %d, %Y}." if pol.retry_on else ""
            borrower, number = loans[a.loan_id]
            notices.append(dict(
                user_id=borrower, loan_id=a.loan_id, kind="payment_returned",
                subject=f"A payment on loan {number} was returned",
                body=f"Your bank returned the debit of {fmt(a.amount_minor)} "
                     f"({i.code}: {i.reason_text}).{when}", created_at=now))
    if retries:
        _many(s, insert(CollectionAttempt), retries)
    if notices:
        _many(s, insert(Notice), notices)
    retry_ids = dict(s.exec(select(CollectionAttempt.retry_of, CollectionAttempt.id).where(
        CollectionAttempt.retry_of.in_([a.id for a, _ in pairs if policies[a.id].retry_on]))
    ).all()) if retries else {}
    for a, i in pairs:
        audits.append(audit.entry(
            actor, "collection.returned", "collection_attempt", a.id, None,
            {"status": "returned", "failure_code": i.code, "payment_id": a.payment_id},
            reason[a.id], now))
        out[a.id] = collections.Outcome(a.id, "returned", a.payment_id,
                                        rev_ids[a.payment_id], retry_ids.get(a.id),
                                        a.id in fees, disabled.get(a.id, False))
    audit.insert_many(s, audits)
    return out


def _fees(s, actor, due, today, now, entries) -> set[int]:
    """NSF fee on the first installment still owing after the reversal (last if none)."""
    if not due:
        return set()
    loan_ids = [a.loan_id for a, _ in due]
    owed = defaultdict(dict)
    for ids in _chunks(loan_ids):
        for loan_id, number, amount in s.exec(
                select(Installment.loan_id, Installment.number,
                       Installment.principal_minor + Installment.interest_minor
                       + Installment.fee_minor)
                .join(Loan, (Loan.id == Installment.loan_id)
                      & (Loan.schedule_version == Installment.schedule_version))
                .where(Installment.loan_id.in_(ids))):
            owed[loan_id][number] = amount
        for loan_id, number, amount in s.exec(
                select(LoanCharge.loan_id, LoanCharge.installment_number,
                       func.sum(LoanCharge.amount_minor)).where(LoanCharge.loan_id.in_(ids))
                .group_by(LoanCharge.loan_id, LoanCharge.installment_number)):
            if number in owed[loan_id]:
                owed[loan_id][number] += int(amount)
        for loan_id, number, paid in s.exec(
                select(PaymentAllocation.loan_id, PaymentAllocation.installment_number,
                       func.sum(PaymentAllocation.principal_minor
                                + PaymentAllocation.interest_minor
                                + PaymentAllocation.fee_minor))
                .where(PaymentAllocation.loan_id.in_(ids))
                .group_by(PaymentAllocation.loan_id, PaymentAllocation.installment_number)):
            if number in owed[loan_id]:
                owed[loan_id][number] -= int(paid)
    charges, charged = [], set()
    for a, fee in due:
        numbers = sorted(owed[a.loan_id])
        target = next((n for n in numbers if owed[a.loan_id][n] > 0), numbers[-1])
        entry_id = f"nsf-{a.payment_id}"
        charges.append(dict(loan_id=a.loan_id, kind="nsf", installment_number=target,
                            amount_minor=fee, assessed_on=today,
                            source_key=f"nsf:{a.payment_id}", journal_entry_id=entry_id,
                            recorded_at=now))
        entries.append(ledger.fee_charge(entry_id, a.loan_id, today, fee,
                                         f"Returned payment fee (payment {a.payment_id})"))
        charged.add(a.id)
    _many(s, insert(LoanCharge), charges)
    return charged


