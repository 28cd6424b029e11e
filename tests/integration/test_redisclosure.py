"""Funding later than the agreement's date, on SQLite and PostgreSQL with the fake DocuSign
over real HTTP: within Reg Z's 1/8-point APR tolerance the loan books the disclosed schedule
(same due dates and payments, interest from the funding date); beyond it funding is refused
with the reason, nothing is booked, and a new agreement (re-disclosure) lets it proceed."""
from datetime import date, timedelta
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import select

from domain.db.tables import Application, Installment, Loan
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import FundingApproval
from domain.kernel.errors import Conflict, PermissionDenied
from domain.origination import esign, funding, applications as origination
from integrations.docusign.client import ESignClient
from tests.integration.helpers import count
from tests.integration.test_underwriting_funding import apply, stage, world  # noqa: F401

DISCLOSED = date(2026, 3, 2)


def sign_on(w, app_id, borrower, on, first=True):
    client = ESignClient.from_env()
    if first:
        assert origination.accept_offer(borrower, app_id, w["url"]) is None
        esign.send_agreement(borrower, app_id, client, w["url"], on=on)
    url = esign.signing_url(borrower, app_id, "http://127.0.0.1/done", client, w["url"])
    with httpx.Client(trust_env=False) as browser:
        page = browser.get(url).text
        action = page.split('action="', 1)[1].split('"', 1)[0]
        field = page.split('<input', 1)[1].split('name="', 1)[1].split('"', 1)[0]
        assert browser.post(urljoin(url, action), data={field: "Ana Lopez"},
                            follow_redirects=False).status_code in (302, 303)


def disclosed_rows(w, app_id):
    with UnitOfWork(w["url"]) as s:
        d = s.get(Application, app_id).decision["disclosure"]
    return d, [(date.fromisoformat(x), m) for x, m in d["payments"]]


def test_funded_days_later_within_tolerance_books_the_disclosed_schedule(world):
    w = world
    result, borrower = apply(w, ssn="8888", amount="20000.00", tag="late")  # 36 payments
    sign_on(w, result.application_id, borrower, DISCLOSED)
    assert stage(w, result.application_id) == "funding"
    disclosure, rows = disclosed_rows(w, result.application_id)
    assert disclosure["date"] == "2026-03-02" and rows[0][0] == date(2026, 4, 2)

    funded = DISCLOSED + timedelta(days=4)
    check = [c for c in funding.state(w["uw"], result.application_id, w["url"]).checks
             if c.name == "Disclosed terms still accurate"]
    assert check  # shown on the funding panel (evaluated for today)
    number = funding.approve(w["uw"], result.application_id, "ok", w["url"], on=funded)
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        inst = list(s.exec(select(Installment).where(Installment.loan_id == loan.id)
                           .order_by(Installment.number)))
    assert loan.disbursement_date == funded
    # the booked schedule is the disclosed one, to the date and the cent
    assert [(i.due_date, i.principal_minor + i.interest_minor + i.fee_minor) for i in inst] \
        == rows
    assert inst[0].start_date == funded  # first period's interest accrues from funding
    assert inst[1].start_date == rows[0][0]


def test_funded_beyond_tolerance_is_refused_until_a_new_agreement_is_signed(world):
    w = world
    result, borrower = apply(w, ssn="8888", amount="20000.00", tag="stale")
    sign_on(w, result.application_id, borrower, DISCLOSED)
    late = DISCLOSED + timedelta(days=9)
    with pytest.raises(Conflict, match=r"disclosed an APR of 11\.99%; funded on 2026-03-11 "
                                       r"the same payments are an APR of 12\.18%, more "
                                       r"than 1/8 of a point off: a new agreement must be signed"):
        funding.approve(w["uw"], result.application_id, "ok", w["url"], on=late)
    assert count(w["url"], Loan, Loan.application_id == result.application_id) == 0
    assert count(w["url"], FundingApproval,
                 FundingApproval.application_id == result.application_id) == 0
    assert stage(w, result.application_id) == "funding"

    with pytest.raises(Conflict, match="no agreement to replace"):
        esign.redisclose(w["uw"], _declined(w), "stale", ESignClient.from_env(), w["url"])
    with pytest.raises(PermissionDenied):
        esign.redisclose(borrower, result.application_id, "x", ESignClient.from_env(), w["url"])
    esign.redisclose(w["uw"], result.application_id, "funding moved to 7 March",
                     ESignClient.from_env(), w["url"], on=late)
    assert stage(w, result.application_id) == "signature"
    disclosure, rows = disclosed_rows(w, result.application_id)
    assert disclosure["date"] == "2026-03-11" and rows[0][0] == date(2026, 4, 11)
    with pytest.raises(Conflict):  # not signed again yet
        funding.approve(w["uw"], result.application_id, "ok", w["url"], on=late)
    sign_on(w, result.application_id, borrower, late, first=False)
    assert stage(w, result.application_id) == "funding"
    number = funding.approve(w["uw"], result.application_id, "ok", w["url"], on=late)
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        first = s.exec(select(Installment).where(Installment.loan_id == loan.id,
                                                 Installment.number == 1)).one()
    assert (loan.disbursement_date, first.start_date, first.due_date) == \
        (late, late, date(2026, 4, 11))


def _declined(w):
    result, _ = apply(w, ssn="1111", amount="6000.00", tag="declined")  # score 540
    return result.application_id
