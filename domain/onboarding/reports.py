"""A booked onboarding batch's Bulk Loan Upload Report again, from what the batch stored
(its rows and totals), for `lendbook import --report BATCH` and the console."""
from sqlalchemy import select

from domain.db.onboarding_tables import OnboardingBatch, OnboardingRow
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound
from domain.onboarding.rows import Issue
from domain.onboarding.boarding import Report


def stored_report(batch_id: int, url: str | None = None) -> Report:
    """A booked batch's Bulk Loan Upload Report again, from its stored rows and totals."""
    with UnitOfWork(url) as s:
        batch = s.get(OnboardingBatch, batch_id)
        if batch is None:
            raise NotFound(f"onboarding batch {batch_id}")
        report = Report(status=batch.status, batch_id=batch.id, rows_total=batch.rows_total)
        for code, v in batch.totals.items():
            report.file_totals[code] = [v["file_rows"], v["file_funded_minor"]]
            if v["rows"]:
                report.booked_totals[code] = [v["rows"], v["funded_minor"]]
        rows = s.execute(select(OnboardingRow.row_number, OnboardingRow.external_ref,
                                OnboardingRow.errors, Loan.loan_number)
                         .outerjoin(Loan, Loan.id == OnboardingRow.loan_id)
                         .where(OnboardingRow.batch_id == batch_id)
                         .order_by(OnboardingRow.row_number))
        for number, ref, errors, loan_number in rows:
            if loan_number:
                report.loans.append((number, ref, loan_number))
                continue
            report.invalid_rows.add(number)
            report.invalid_refs[number] = ref
            report.issues.extend(Issue(number, c, v, r) for c, v, r in errors or [])
        return report
