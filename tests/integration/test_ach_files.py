"""Bank files end to end on both engines: the debit file for due drafts, then the bank's
return and change files, all or nothing, each exactly once."""
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.db.payment_tables import AchFile, CollectionAttempt, PaymentInstrument
from domain.db.tables import Loan, PaymentReversal
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.nacha.parse import parse
from domain.nacha.returns import build_noc_file, build_return_file
from domain.payments import ach_files, autopay, collections, instruments
from domain.ledger import journal
from domain.origination import applications as origination
from tests.integration.helpers import count, make_product, make_user

BOOKED = date(2026, 1, 10)
DRAFT = date(2026, 2, 10)
AT = datetime(2026, 2, 12, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(db_url, uniq, monkeypatch):
    return build_world(db_url, uniq, monkeypatch)


def build_world(db_url, uniq, monkeypatch):
    """Three borrowers on autopay by bank debit, their first drafts sent (any other due
    drafts of the database first, so the next file holds only what the test makes)."""
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    admin = make_user(db_url, uniq, "admin")
    servicer = make_user(db_url, uniq, "servicer")
    product = make_product(db_url, admin, uniq, annual_rate="12",
                           settings=(("nsf_fee_minor", "25.00"),))
    loans = []
    for n, account in enumerate(("000123456789", "000111111116", "000222222227")):
        borrower = make_user(db_url, uniq, "borrower", tag=f"b{n}")
        app = origination.submit_application(borrower, product, "1200", "12", "50000",
                                             url=db_url)
        number = origination.accept_offer(borrower, app.id, db_url, on=BOOKED)
        inst = instruments.add_bank_account(borrower, number, f"Borrower {n}", "110000000",
                                            account, url=db_url)
        autopay.enrol(borrower, number, inst, 0, accepted_mandate=True, ip="198.51.100.7",
                      today=date(2026, 2, 1), url=db_url)
        loans.append(number)
    # other tests share the database: send their due drafts first, so this file is ours
    collections.schedule_drafts(DRAFT, db_url)
    ach_files.generate_debit_file(servicer, DRAFT, db_url)
    return dict(url=db_url, servicer=servicer, loans=loans)


def loan_balances(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return {a: journal.account_balance(s, a, loan.id) for a in ledger.ACCOUNTS}


def mine(w, f):
    return [e for b in parse(f.text).batches for e in b.entries if e.individual_id in w["loans"]]


def make_file(w, on=date(2026, 3, 10)):
    before = {n: loan_balances(w["url"], n) for n in w["loans"]}
    collections.schedule_drafts(on, w["url"])
    f = ach_files.generate_debit_file(w["servicer"], on, w["url"], now=AT)
    return f, before


def test_debit_file_is_well_formed_posts_each_entry_and_is_made_once(world):
    w = world
    f, before = make_file(w)
    lines = f.text.splitlines()
    assert all(len(line) == 94 for line in lines) and len(lines) % 10 == 0
    entries = mine(w, f)
    assert [e.individual_id for e in entries] == w["loans"]
    assert all(e.transaction_code == "27" and e.amount_minor == entries[0].amount_minor
               for e in entries)
    parsed = parse(f.text)
    assert parsed.control.total_debit_minor == f.total_minor
    for n in w["loans"]:  # posted when sent: cash in, receivables down
        after = loan_balances(w["url"], n)
        assert after[ledger.CASH] - before[n][ledger.CASH] == entries[0].amount_minor
    assert ach_files.generate_debit_file(w["servicer"], date(2026, 3, 10), w["url"]) is None


def test_return_file_reverses_exactly_the_entries_it_names_once(world):
    w = world
    f, before = make_file(w)
    entries = mine(w, f)
    ret = build_return_file(parse(f.text), [(entries[1].trace_number, "R03"),
                                            (entries[2].trace_number, "R01")], created_at=AT)
    reversals = count(w["url"], PaymentReversal)
    result = ach_files.process_return_file(w["servicer"], ret, "ret.ach", date(2026, 3, 12),
                                           w["url"])
    assert (result.returns, result.reversed, result.fees, result.retries,
            result.autopay_disabled) == (2, 2, 1, 1, 1)
    assert count(w["url"], PaymentReversal) == reversals + 2
    untouched, closed, nsf = (loan_balances(w["url"], n) for n in w["loans"])
    assert untouched != before[w["loans"][0]]  # its debit stands
    assert closed == before[w["loans"][1]]  # R03: back exactly, no fee
    fee = 2500
    for account, delta in ((ledger.FEES_RECEIVABLE, fee), (ledger.FEE_INCOME, -fee),
                           (ledger.CASH, 0), (ledger.LOANS_RECEIVABLE, 0)):
        assert nsf[account] == before[w["loans"][2]][account] + delta
    with UnitOfWork(w["url"]) as s:
        retry = s.exec(select(CollectionAttempt).where(
            CollectionAttempt.presentment == 2,
            CollectionAttempt.idempotency_key.like("autopay-%"),
            CollectionAttempt.retry_of.is_not(None))).all()
    assert any(r.draft_date > date(2026, 3, 12) and r.status == "scheduled" for r in retry)
    again = ach_files.process_return_file(w["servicer"], ret, "ret.ach", date(2026, 3, 13),
                                          w["url"])
    assert again.already_processed and again.returns == 2
    assert count(w["url"], PaymentReversal) == reversals + 2


def test_bad_return_files_are_refused_whole(world):
    w = world
    f, _ = make_file(w)
    entries = mine(w, f)
    files = count(w["url"], AchFile)
    ret = build_return_file(parse(f.text), [(entries[0].trace_number, "R01")], created_at=AT)
    broken = ret.splitlines()
    broken[2] = broken[2][:35] + "X" + broken[2][36:]  # inside the entry's amount field
    with pytest.raises(ValidationError) as e:
        ach_files.process_return_file(w["servicer"], "\n".join(broken), "bad.ach",
                                      date(2026, 3, 12), w["url"])
    assert any(k.startswith("line 3") for k in e.value.errors)
    foreign = ret.replace(entries[0].trace_number, "999999990000001")
    with pytest.raises(ValidationError) as e:
        ach_files.process_return_file(w["servicer"], foreign, "x.ach", date(2026, 3, 12),
                                      w["url"])
    assert "matches no entry" in " ".join(e.value.errors.values())
    assert count(w["url"], AchFile) == files
    assert loan_balances(w["url"], w["loans"][0]) is not None


def test_notification_of_change_corrects_the_account(world):
    w = world
    f, _ = make_file(w)
    entries = mine(w, f)
    noc = build_noc_file(parse(f.text), [(entries[0].trace_number, "C01", "99887766")],
                         created_at=AT)
    result = ach_files.process_return_file(w["servicer"], noc, "noc.ach", date(2026, 3, 12),
                                           w["url"])
    assert result.notifications == 1 and result.returns == 0
    with UnitOfWork(w["url"]) as s:
        a = s.exec(select(CollectionAttempt).where(
            CollectionAttempt.trace_number == entries[0].trace_number)).one()
        inst = s.get(PaymentInstrument, a.instrument_id)
        assert inst.last4 == "7766" and instruments.unseal_account(inst) == "99887766"
        assert a.status == "submitted"  # a change is not a return: the debit stands


def test_cli_returns_round_trip_and_refusal(world, tmp_path, capsys):
    import json

    from cli.main import main
    from tests.conftest import SHARED
    w = world
    f, _ = make_file(w)
    entries = mine(w, f)
    path = tmp_path / "returns.ach"
    path.write_text(build_return_file(parse(f.text), [(entries[0].trace_number, "R02")],
                                      created_at=AT))
    assert main(["--database-url", w["url"], "returns", str(path), "--date", "2026-03-12"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["returns"], out["reversed"], out["fees"], out["autopay_disabled"]) == (1, 1, 0, 1)
    assert out["lines"][0]["code"] == "R02"
    assert main(["--database-url", w["url"], "returns", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["already_processed"] is True
    sample = SHARED / "samples" / "ach" / "ppd-debit-invalid-entryDetail-checkDigit.ach"
    if not sample.exists():
        pytest.skip(f"{sample} is absent (the shared folder is not beside the project)")
    assert main(["--database-url", w["url"], "returns", str(sample)]) == 2
    err = capsys.readouterr().err
    assert "error: line 3" in err and "check" in err.lower()


def loan_state_of(url, number):
    """Everything a return changes on a loan, without ids: balances, what each installment
    has paid and been charged, the attempts' statuses and retries, notices."""
    from domain.db.payment_tables import Notice
    from domain.db.tables import LoanCharge
    from domain.servicing import loan_state
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        st = loan_state.load(s, loan)
        charges = sorted((c.kind, c.installment_number, c.amount_minor) for c in s.exec(
            select(LoanCharge).where(LoanCharge.loan_id == loan.id)))
        tries = sorted((a.presentment, a.status, a.failure_code, a.draft_date) for a in s.exec(
            select(CollectionAttempt).where(CollectionAttempt.loan_id == loan.id)))
        notices = len(s.exec(select(Notice).where(Notice.loan_id == loan.id)).all())
        return (loan_balances(url, number), [(i.number, i.paid_principal_minor,
                i.paid_interest_minor, i.paid_fee_minor, i.fee_minor) for i in st.installments],
                charges, tries, notices, loan.status)


def test_bulk_and_single_payment_paths_leave_the_same_loan(world):
    w = world
    f, _ = make_file(w)
    entries = mine(w, f)
    parsed = parse(f.text)
    for entry, bulk in ((entries[0], True), (entries[2], False)):
        ret = build_return_file(parsed, [(entry.trace_number, "R01")], created_at=AT)
        ach_files.process_return_file(w["servicer"], ret, f"r{bulk}.ach", date(2026, 3, 12),
                                      w["url"], bulk=bulk)
    bulk_state = loan_state_of(w["url"], w["loans"][0])
    assert bulk_state == loan_state_of(w["url"], w["loans"][2])
    assert bulk_state[2] == [("nsf", 2, 2500)]  # on the first installment owing: the returned one


def test_deceased_returns_go_to_the_servicer_queue_and_the_borrower_is_not_told(world, capsys):
    """R15 (bulk path) and R14 (single-payment path), each with a date of death: the payment
    is reversed (no fee, no re-presentment), autopay stops on the account, no notice reaches
    the borrower, and an estate item is on the servicer queue (query, CLI), audited."""
    from cli.main import main
    from domain.audit import trail
    from domain.db.payment_tables import AutopayEnrolment, Notice
    from domain.servicing import notices
    w = world
    f, before = make_file(w)
    entries = mine(w, f)
    parsed = parse(f.text)
    death = date(2026, 3, 1)
    for entry, code, bulk in ((entries[0], "R15", True), (entries[1], "R14", False)):
        ret = build_return_file(parsed, [(entry.trace_number, code)], created_at=AT,
                                dates_of_death={entry.trace_number: death})
        out = ach_files.process_return_file(w["servicer"], ret, f"{code}.ach",
                                            date(2026, 3, 12), w["url"], bulk=bulk)
        assert (out.returns, out.reversed, out.fees, out.retries, out.autopay_disabled) == \
            (1, 1, 0, 0, 1)
    with UnitOfWork(w["url"]) as s:
        for number in w["loans"][:2]:
            loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
            assert s.exec(select(Notice).where(Notice.loan_id == loan.id)).all() == []
            enr = s.exec(select(AutopayEnrolment).where(AutopayEnrolment.loan_id == loan.id)).one()
            assert enr.status == "disabled"
            assert s.get(PaymentInstrument, enr.instrument_id).status == "disabled"
        opened = [r for r in trail.trail(s, "servicer_queue_item", limit=10_000)
                  if r.action == "servicer_queue.opened"]
    for number in w["loans"][:2]:
        assert loan_balances(w["url"], number) == before[number]  # reversed exactly, no fee
    queue = {q.loan_number: q for q in notices.servicer_queue(w["servicer"], url=w["url"])}
    for number, code in zip(w["loans"][:2], ("R15", "R14")):
        item = queue[number]
        assert (item.kind, item.kind_label) == ("estate", "Estate handling")
        assert item.subject == f"Deceased ({code}): loan {number}, estate handling"
        assert "date of death 2026-03-01" in item.body and "not told" in item.body
        assert str(item.id) in {r.entity_id for r in opened}
    assert w["loans"][2] not in queue
    assert main(["--database-url", w["url"], "servicer-queue"]) == 0
    listed = capsys.readouterr().out
    assert f"Estate handling\t{w['loans'][0]}\tDeceased (R15)" in listed
    item = queue[w["loans"][0]]
    assert main(["--database-url", w["url"], "servicer-queue", "--resolve", str(item.id),
                 "--note", "estate contacted; executor pays by check"]) == 0
    assert item.id not in {q.id for q in notices.servicer_queue(w["servicer"], url=w["url"])}
    assert notices.resolve(w["servicer"], item.id, "again", w["url"]) is False
