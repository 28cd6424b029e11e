"""Dishonored and contested returns on both engines, with figures.

Three loans of 1,200.00 at 12% for 12 months (installment 106.62; NSF fee 25.00), on autopay by
bank debit. Installment 2 (interest 11.05, principal 95.57) is debited on 2026-03-10, which
takes each loan's principal from 1,105.38 to 1,009.81. Loan A's debit comes back R01 on
03-12 (principal 1,105.38 again, NSF fee 25.00, re-presentment on 03-17); on 03-16 the bank
dishonors that return (R68, untimely): the payment stands again as of 03-10 (principal
1,009.81, every ledger balance as right after the payment), the fee is reversed, the
re-presentment cancelled. On 03-20 the returning bank contests the dishonor (R71): the payment
is reversed again with a new NSF fee, and no re-presentment follows.
"""
from datetime import date, datetime, timezone

from sqlmodel import select

from domain.audit import trail as audit_trail
from domain.db.payment_tables import CollectionAttempt, Notice
from domain.db.tables import Loan, LoanCharge, Payment
from domain.db.uow import UnitOfWork
from domain.ledger import entries as ledger
from domain.nacha.parse import parse
from domain.nacha.returns import build_dishonor_file, build_return_file
from domain.payments import ach_files
from domain.servicing import notices
from tests.integration.test_ach_files import build_world, loan_balances, make_file, mine

AT = datetime(2026, 3, 12, 9, 0, tzinfo=timezone.utc)


def attempts_of(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return [(a.presentment, a.installment_number, a.status, a.failure_code, a.draft_date)
                for a in s.exec(select(CollectionAttempt).where(
                    CollectionAttempt.loan_id == loan.id).order_by(CollectionAttempt.id))]


def charges_of(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return [(c.kind, c.installment_number, c.amount_minor, c.assessed_on) for c in s.exec(
            select(LoanCharge).where(LoanCharge.loan_id == loan.id).order_by(LoanCharge.id))]


def notices_of(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return [n.kind for n in s.exec(select(Notice).where(Notice.loan_id == loan.id)
                                       .order_by(Notice.id))]


def actions(url, action, entity="collection_attempt"):
    with UnitOfWork(url) as s:
        return [r for r in audit_trail.trail(s, entity, limit=10_000) if r.action == action]


def test_r68_restores_the_returned_debit_and_r71_returns_it_again(db_url, uniq, monkeypatch):
    w = build_world(db_url, uniq, monkeypatch)
    url, servicer, (a, b, c) = w["url"], w["servicer"], w["loans"]
    f, _ = make_file(w)
    after_payment = loan_balances(url, a)
    assert after_payment[ledger.LOANS_RECEIVABLE] == 1_009_81
    entries = {e.individual_id: e for e in mine(w, f)}
    original = parse(f.text)

    ret = build_return_file(original, [(entries[a].trace_number, "R01")], created_at=AT)
    r = ach_files.process_return_file(servicer, ret, "r01.ach", date(2026, 3, 12), url)
    assert (r.returns, r.reversed, r.fees, r.retries) == (1, 1, 1, 1)
    returned = loan_balances(url, a)
    assert returned[ledger.LOANS_RECEIVABLE] == 1_105_38
    assert returned[ledger.FEES_RECEIVABLE] - after_payment[ledger.FEES_RECEIVABLE] == 25_00
    assert attempts_of(url, a)[-1] == (2, 2, "scheduled", "", date(2026, 3, 17))

    # the bank dishonors A's return (untimely); B's debit was never returned: flagged alone
    dishonor = build_dishonor_file(original, [(entries[a].trace_number, "R68", "R01", ""),
                                              (entries[b].trace_number, "R68", "R01", "")],
                                   created_at=datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc))
    b_before = loan_balances(url, b)
    r = ach_files.process_return_file(servicer, dishonor, "r68.ach", date(2026, 3, 16), url)
    assert (r.returns, r.dishonors, r.restored, r.flagged, r.reversed, r.fees) == \
        (0, 2, 1, 1, 0, 0)
    assert [x["status"] for x in r.lines] == ["restored", "flagged"]
    assert r.lines[0]["fee_reversed"] is True and len(r.lines[0]["cancelled_attempt_ids"]) == 1
    assert "no return of this debit" in r.lines[1]["note"]
    assert loan_balances(url, a) == after_payment  # to the cent, every account
    assert loan_balances(url, b) == b_before  # B's debit stands as it was
    assert charges_of(url, a) == [("nsf", 2, 25_00, date(2026, 3, 12)),
                                  ("nsf_reversal", 2, -25_00, date(2026, 3, 12))]
    assert attempts_of(url, a)[-2:] == [(1, 2, "succeeded", "", date(2026, 3, 10)),
                                        (2, 2, "cancelled", "", date(2026, 3, 17))]
    with UnitOfWork(url) as s:
        restored = s.exec(select(Payment).where(
            Payment.idempotency_key.like("autopay-%-n2-p1-d%"),
            Payment.loan_id == s.exec(select(Loan.id).where(Loan.loan_number == a)).one())).one()
        assert (restored.amount_minor, restored.received_on) == (106_62, date(2026, 3, 10))
    assert notices_of(url, a)[-1] == "payment_restored"
    queue = [q for q in notices.servicer_queue(servicer, url=url) if q.loan_number == b]
    assert [(q.kind, "nothing to dishonor" in q.body) for q in queue] == [("ach_exception", True)]
    assert actions(url, "collection.dishonored") and actions(url, "collection.cancelled")
    sent = ach_files.generate_debit_file(servicer, date(2026, 3, 17), url)  # others' retries
    assert sent is None or a not in {e.individual_id for e in mine(w, sent)}  # not A's

    # the same dishonor again: the same file is recognised; another file changes nothing
    assert ach_files.process_return_file(servicer, dishonor, "again.ach", date(2026, 3, 17),
                                         url).already_processed
    resent = build_dishonor_file(original, [(entries[a].trace_number, "R68", "R01", "")],
                                 created_at=datetime(2026, 3, 17, 9, 0, tzinfo=timezone.utc))
    r = ach_files.process_return_file(servicer, resent, "resent.ach", date(2026, 3, 17), url)
    assert [x["status"] for x in r.lines] == ["unchanged"]
    assert loan_balances(url, a) == after_payment

    # the returning bank contests the dishonor: the R01 return stands after all
    contested = build_dishonor_file(original, [(entries[a].trace_number, "R71", "R01", "R68")],
                                    created_at=datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc))
    r = ach_files.process_return_file(servicer, contested, "r71.ach", date(2026, 3, 20), url)
    assert (r.dishonors, r.reversed, r.fees, r.retries, r.flagged) == (1, 1, 1, 0, 0)
    assert r.lines[0]["status"] == "returned again"
    again = loan_balances(url, a)
    assert again[ledger.LOANS_RECEIVABLE] == 1_105_38
    assert again[ledger.FEES_RECEIVABLE] - after_payment[ledger.FEES_RECEIVABLE] == 25_00
    assert again[ledger.CASH] == returned[ledger.CASH]
    assert charges_of(url, a)[-1] == ("nsf", 2, 25_00, date(2026, 3, 20))
    assert attempts_of(url, a)[-2:] == [(1, 2, "returned", "R01", date(2026, 3, 10)),
                                        (2, 2, "cancelled", "", date(2026, 3, 17))]
    assert notices_of(url, a)[-1] == "payment_returned"
    assert [q.kind for q in notices.servicer_queue(servicer, url=url) if q.loan_number == a] \
        == ["review"]
    # a contest again, or a dishonor after the contest: nothing changes
    for code, refers in (("R71", "R68"), ("R68", "")):
        text = build_dishonor_file(original, [(entries[a].trace_number, code, "R01", refers)],
                                   created_at=datetime(2026, 3, 23, 9, 0, tzinfo=timezone.utc))
        r = ach_files.process_return_file(servicer, text, f"{code}.ach", date(2026, 3, 23), url)
        assert [x["status"] for x in r.lines] == ["unchanged"]
    assert loan_balances(url, a) == again


def test_what_cannot_be_applied_is_flagged_alone_and_undone_whole(db_url, uniq, monkeypatch):
    """One file: R68 naming another return code than Lendbook's (flagged), R67 (a duplicate
    return voided: the first return stands), R68 of a loan paid off since the return (the
    fee reversal already made is rolled back with the rest: flagged, nothing half-done).
    Then a contest of a dishonor never applied (flagged)."""
    from domain.kernel.money import fmt
    from domain.servicing import loan_state, payments
    w = build_world(db_url, uniq, monkeypatch)
    url, servicer, (a, b, c) = w["url"], w["servicer"], w["loans"]
    f, _ = make_file(w)
    entries = {e.individual_id: e for e in mine(w, f)}
    original = parse(f.text)
    ret = build_return_file(original, [(entries[n].trace_number, "R01") for n in (a, b, c)],
                            created_at=AT)
    ach_files.process_return_file(servicer, ret, "r01.ach", date(2026, 3, 12), url)
    with UnitOfWork(url) as s:
        payoff = loan_state.load(s, s.exec(select(Loan).where(Loan.loan_number == c)).one()) \
            .payoff_minor(date(2026, 3, 13))
    payments.record_payment(servicer, c, fmt(payoff), date(2026, 3, 13), f"payoff-{uniq}",
                            url=url, payoff=True, today=date(2026, 3, 13))
    returned = {n: (loan_balances(url, n), charges_of(url, n)) for n in (a, b, c)}
    text = build_dishonor_file(original, [(entries[a].trace_number, "R68", "R03", ""),
                                          (entries[b].trace_number, "R67", "R01", ""),
                                          (entries[c].trace_number, "R68", "R01", "")],
                               created_at=datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc))
    r = ach_files.process_return_file(servicer, text, "mixed.ach", date(2026, 3, 16), url)
    assert [x["status"] for x in r.lines] == ["flagged", "unchanged", "flagged"]
    assert "Lendbook returned this debit with R01" in r.lines[0]["note"]
    assert "the R01 return stands" in r.lines[1]["note"]
    assert "could not post its payment again: loan is paid off" in r.lines[2]["note"]
    assert {n: (loan_balances(url, n), charges_of(url, n)) for n in (a, b, c)} == returned
    text = build_dishonor_file(original, [(entries[a].trace_number, "R72", "R01", "R68")],
                               created_at=datetime(2026, 3, 17, 9, 0, tzinfo=timezone.utc))
    r = ach_files.process_return_file(servicer, text, "r72.ach", date(2026, 3, 17), url)
    assert [x["status"] for x in r.lines] == ["flagged"]
    assert "nothing to contest" in r.lines[0]["note"]
    kinds = sorted((q.loan_number, q.kind) for q in notices.servicer_queue(servicer, url=url)
                   if q.loan_number in (a, b, c))
    assert kinds == sorted([(a, "ach_exception"), (a, "ach_exception"), (c, "ach_exception")])


def test_a_re_presentment_already_sent_goes_to_the_servicer(db_url, uniq, monkeypatch):
    """R01 on 03-12, its re-presentment sent in the 03-17 file, R68 on 03-19: the original
    debit is restored, and the second collection of the same installment is the servicer's
    to refund (queue item); nothing is cancelled."""
    w = build_world(db_url, uniq, monkeypatch)
    url, servicer, (a, _, _) = w["url"], w["servicer"], w["loans"]
    f, _ = make_file(w)
    entry = {e.individual_id: e for e in mine(w, f)}[a]
    original = parse(f.text)
    ach_files.process_return_file(servicer, build_return_file(
        original, [(entry.trace_number, "R01")], created_at=AT), "r.ach", date(2026, 3, 12), url)
    retry = ach_files.generate_debit_file(servicer, date(2026, 3, 17), url)
    assert retry is not None and retry.total_minor >= 106_62
    text = build_dishonor_file(original, [(entry.trace_number, "R68", "R01", "")],
                               created_at=datetime(2026, 3, 19, 9, 0, tzinfo=timezone.utc))
    r = ach_files.process_return_file(servicer, text, "r68.ach", date(2026, 3, 19), url)
    assert r.lines[0]["status"] == "restored" and r.lines[0]["cancelled_attempt_ids"] == []
    item = [q for q in notices.servicer_queue(servicer, url=url) if q.loan_number == a]
    assert [q.kind for q in item] == ["ach_exception"]
    assert "already sent" in item[0].body and "106.62" in item[0].body
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == a)).one()
        live = s.exec(select(Payment.amount_minor, Payment.received_on).where(
            Payment.loan_id == loan.id, Payment.received_on >= date(2026, 3, 10))
            .order_by(Payment.id)).all()
    assert [tuple(p) for p in live] == [(106_62, date(2026, 3, 10)), (106_62, date(2026, 3, 17)),
                                        (106_62, date(2026, 3, 10))]


def test_a_dishonor_gives_back_what_later_money_paid_to_the_voided_fee(db_url, uniq,
                                                                      monkeypatch):
    """Between A's R01 (03-12, NSF fee 25.00) and the R68 dishonor (03-16) the borrower pays
    50.00 on 03-14, which pays the fee first. The return is void, so the fee never stood: the
    03-14 payment is applied again without it (fee 0.00), and fees receivable are as right
    after the debit."""
    from domain.servicing import payments, queries
    w = build_world(db_url, uniq, monkeypatch)
    url, servicer, (a, _, _) = w["url"], w["servicer"], w["loans"]
    f, _ = make_file(w)
    after_payment = loan_balances(url, a)
    entries = {e.individual_id: e for e in mine(w, f)}
    original = parse(f.text)
    ret = build_return_file(original, [(entries[a].trace_number, "R01")], created_at=AT)
    ach_files.process_return_file(servicer, ret, "r01.ach", date(2026, 3, 12), url)
    paid = payments.record_payment(servicer, a, "50.00", date(2026, 3, 14), f"{a}-cheque",
                                   url=url, today=date(2026, 3, 14))
    assert paid.fee_minor == 25_00
    dishonor = build_dishonor_file(original, [(entries[a].trace_number, "R68", "R01", "")],
                                   created_at=datetime(2026, 3, 16, 9, 0, tzinfo=timezone.utc))
    r = ach_files.process_return_file(servicer, dishonor, "r68.ach", date(2026, 3, 16), url)
    assert [x["status"] for x in r.lines] == ["restored"]
    cheque = [p for p in queries.loan_detail(servicer, a, url, today=date(2026, 3, 16)).payments
              if p.id == paid.payment_id][0]
    assert cheque.fee_minor == 0 and cheque.amount_minor == 50_00
    assert loan_balances(url, a)[ledger.FEES_RECEIVABLE] == after_payment[ledger.FEES_RECEIVABLE]
