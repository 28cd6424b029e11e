"""Workflow, underwriting and funding tables: versioned workflows, the borrower's saved form,
underwriting conditions, funding approvals and disbursements. Registered with the rest by
`domain.db.tables` (imported at its end)."""
from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.db.columns import VersionedDefinition, money as _money, ts as _ts


class WorkflowVersion(VersionedDefinition, table=True):
    """One version of a workflow (stages, order, who acts, entry conditions) as data: draft,
    then published (one published per code), the rest retired. Applications record the
    version they follow."""
    __tablename__ = "workflow_version"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, index=True)
    definition: dict = Field(sa_column=Column(JSON, nullable=False))


class ApplicationDraft(SQLModel, table=True):
    """A borrower's application form in progress (one per borrower), so they resume where
    they left off. Not a financial record: it is replaced as they go and removed on submit."""
    __tablename__ = "application_draft"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", unique=True)
    step: int = 0
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _ts()


class ApplicationCondition(SQLModel, table=True):
    """Something an underwriter requires before funding (a document, a check); funding waits
    until every condition is cleared or waived."""
    __tablename__ = "application_condition"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    kind: str = Field(max_length=20)  # document, check
    document_kind: str | None = Field(default=None, max_length=30)
    description: str = Field(max_length=300)
    status: str = Field(default="open", max_length=12)  # open, cleared, waived
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()
    cleared_by: int | None = Field(default=None, foreign_key="app_user.id")
    cleared_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class FundingApproval(SQLModel, table=True):
    """One approver's release of funds; the unique key makes a second approval by the same
    person impossible."""
    __tablename__ = "funding_approval"
    __table_args__ = (UniqueConstraint("application_id", "approver_id"),)
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    approver_id: int = Field(foreign_key="app_user.id")
    level: int
    note: str = Field(default="", max_length=300)
    approved_at: datetime = _ts()


class Disbursement(SQLModel, table=True):
    """Where the proceeds of a booked loan go (the borrower, or the dealer for a point-of-sale
    loan) and how far the transfer has got."""
    __tablename__ = "disbursement"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    loan_id: int = Field(foreign_key="loan.id", unique=True)
    payee_type: str = Field(max_length=20)  # borrower, dealer
    payee_name: str = Field(max_length=200)
    amount_minor: int = _money()
    method: str = Field(default="ach", max_length=20)
    reference: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=12)  # pending, sent, settled, failed
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
