"""Loan onboarding tables: batches, their per-row results, the external reference of each
boarded loan (unique per source system) and column mappings versioned per source."""
from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.db.columns import VersionedDefinition, money as _money, ts as _ts


class OnboardingBatch(SQLModel, table=True):
    """One API call, file or manual entry; a booked file's SHA-256 is never booked again."""
    __tablename__ = "onboarding_batch"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=60, index=True)
    method: str = Field(max_length=10)  # api, file, manual
    filename: str = Field(default="", max_length=200)
    sha256: str = Field(default="", max_length=64, index=True)
    status: str = Field(max_length=12)  # booked, refused, dry_run
    rows_total: int = 0
    rows_booked: int = 0
    rows_failed: int = 0
    funded_total_minor: int = _money(default=0)
    totals: dict = Field(sa_column=Column(JSON, nullable=False))  # by product code
    created_by: str = Field(max_length=254)
    created_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class OnboardingRow(SQLModel, table=True):
    __tablename__ = "onboarding_row"
    __table_args__ = (UniqueConstraint("batch_id", "row_number"),)
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="onboarding_batch.id")  # the unique key leads with it
    row_number: int
    external_ref: str = Field(default="", max_length=100)
    loan_id: int | None = Field(default=None, foreign_key="loan.id")
    status: str = Field(max_length=12)  # booked, invalid, skipped, duplicate
    errors: list | None = Field(default=None, sa_column=Column(JSON))


class OnboardedLoan(SQLModel, table=True):
    """The source system's reference of a boarded loan: the key that books nothing twice."""
    __tablename__ = "onboarded_loan"
    __table_args__ = (UniqueConstraint("source", "external_ref"),)
    loan_id: int = Field(foreign_key="loan.id", primary_key=True)
    source: str = Field(max_length=60)
    external_ref: str = Field(max_length=100)
    batch_id: int = Field(foreign_key="onboarding_batch.id", index=True)
    row_number: int
    method: str = Field(max_length=10)
    # the business date it was boarded: late fees on installments already past their grace
    # before it are the source system's (domain.servicing.cob)
    boarded_on: date | None = None


class OnboardingMapping(VersionedDefinition, table=True):
    """A file column mapping of one source, versioned like rule sets (domain.configuration.versioned)."""
    __tablename__ = "onboarding_mapping"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, index=True)  # the source system
    mapping: dict = Field(sa_column=Column(JSON, nullable=False))


class ManualLoanEntry(SQLModel, table=True):
    """A loan keyed in by hand, waiting for a second person's approval (maker-checker) before
    it is boarded; kept afterwards as the record of who entered and who approved it."""
    __tablename__ = "manual_loan_entry"
    id: int | None = Field(default=None, primary_key=True)
    data: dict = Field(sa_column=Column(JSON, nullable=False))  # one onboarding row
    status: str = Field(default="pending", max_length=10)  # pending booked rejected
    maker_id: int | None = Field(default=None, foreign_key="app_user.id")
    maker_label: str = Field(max_length=254)
    checker_id: int | None = Field(default=None, foreign_key="app_user.id")
    reason: str = Field(default="", max_length=300)
    batch_id: int | None = Field(default=None, foreign_key="onboarding_batch.id")
    loan_number: str = Field(default="", max_length=20)
    created_at: datetime = _ts()
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
