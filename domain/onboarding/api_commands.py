"""The onboarding API's commands: one loan or a batch from a partner (source system), with
an Idempotency-Key whose first answer (Loan ID and schedule) is stored in the booking's own
transaction and replayed for a retry with the same body."""
import hashlib
import json

from sqlalchemy import select

from domain.db.onboarding_tables import OnboardedLoan
from domain.db.origination_tables import IdempotencyRecord
from domain.db.tables import Installment, Loan, Product
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, ValidationError
from domain.kernel.money import from_minor
from domain.onboarding.schema import BATCH_REQUEST, LOAN_REQUEST, check, flatten, issue_path
from domain.ledger import journal
from domain.onboarding import boarding as onboarding
from domain.kernel.actor import Actor


def _m(minor: int) -> str:
    return f"{from_minor(minor):.2f}"


def schedule_json(s, loan_number: str) -> list[dict]:
    rows = s.execute(select(Installment.number, Installment.due_date,
                            Installment.principal_minor, Installment.interest_minor,
                            Installment.fee_minor)
                     .join(Loan, Loan.id == Installment.loan_id)
                     .where(Loan.loan_number == loan_number,
                            Installment.schedule_version == Loan.schedule_version)
                     .order_by(Installment.number))
    return [{"number": n, "due_date": d.isoformat(), "principal": _m(p), "interest": _m(i),
             "fees": _m(f), "total": _m(p + i + f)} for n, d, p, i, f in rows]


def _replay(scope: str, key: str, digest: str, url) -> dict | None:
    with UnitOfWork(url) as s:
        rec = s.execute(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                        IdempotencyRecord.key == key)
                        ).scalars().first()
        if rec is None:
            return None
        if rec.request_sha256 != digest:
            raise Conflict("this Idempotency-Key was used with a different request body")
        return rec.response


def submit(payload, *, batch: bool, source: str, actor: Actor, scope: str, key: str,
           body: bytes, url: str | None = None) -> tuple[dict, bool]:
    """(answer, replayed). Raises ValidationError naming each field by its JSON path."""
    digest = hashlib.sha256(body).hexdigest()
    prior = _replay(scope, key, digest, url)
    if prior is not None:
        return prior, True
    errors = check(payload, BATCH_REQUEST if batch else LOAN_REQUEST)
    if errors:
        raise ValidationError(errors)
    loans = payload["loans"] if batch else [payload]
    flat = [flatten(loan) for loan in loans]
    answer: dict = {}

    def store(s, report):
        items = [{"loan_id": number, "external_ref": ref, "batch_id": report.batch_id,
                  "schedule": schedule_json(s, number)} for _, ref, number in report.loans]
        answer.update({"batch_id": report.batch_id, "loans": items} if batch else items[0])
        s.add(IdempotencyRecord(scope=scope, key=key, request_sha256=digest, status_code=201,
                                response=json.loads(json.dumps(answer))))

    report = onboarding.board(lambda: enumerate(flat), source=source, method="api",
                              actor=actor, url=url, within=store)
    if report.issues:
        prefix = (lambda i: f"loans[{i.row}].") if batch else (lambda i: "")
        raise ValidationError({issue_path(i, prefix(i)): i.reason for i in report.issues})
    return answer, False


def lookup(source: str, external_ref: str, url: str | None = None) -> dict | None:
    """A loan this source boarded, by the source's own reference: Loan ID, status, balances
    today and the current schedule (None when this source boarded no such loan)."""
    with UnitOfWork(url) as s:
        found = s.execute(select(Loan, OnboardedLoan.batch_id, Product.code)
                          .join(OnboardedLoan, OnboardedLoan.loan_id == Loan.id)
                          .join(Product, Product.id == Loan.product_id)
                          .where(OnboardedLoan.source == source,
                                 OnboardedLoan.external_ref == external_ref)).first()
        if found is None:
            return None
        loan, batch_id, code = found
        return {"loan_id": loan.loan_number, "external_ref": external_ref,
                "batch_id": batch_id, "status": loan.status, "product_code": code,
                "funded_amount": _m(loan.principal_minor),
                "funding_date": loan.disbursement_date.isoformat(),
                "principal_outstanding": _m(journal.principal_outstanding(s, loan.id)),
                "days_past_due": loan.days_past_due,
                "delinquency_bucket": loan.delinquency_bucket,
                "schedule": schedule_json(s, loan.loan_number)}
