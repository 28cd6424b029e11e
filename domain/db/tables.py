"""The one data model, from application to payoff (SQLModel tables; money in cents)."""
from datetime import date, datetime, timezone

from sqlalchemy import Index, JSON, BigInteger, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


from domain.db.columns import VersionedDefinition, money as _money, ts as _ts, utcnow  # noqa: F401  (utcnow: re-used by callers)


class Lender(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    created_at: datetime = _ts()


class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32, foreign_key="role.code")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    password_hash: str
    active: bool = True
    created_at: datetime = _ts()


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"
    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Product(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=120)
    current_version: int = 1
    active: bool = True
    created_at: datetime = _ts()


class ProductVersion(VersionedDefinition, table=True):
    """One version of a product's settings: draft, then published (one per product, the one
    new applications get), then retired. `code` repeats the product's code so products use
    the shared draft/publish helper (domain/configuration/versioned.py) like other definitions."""
    __tablename__ = "product_version"
    __table_args__ = (UniqueConstraint("product_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    code: str = Field(max_length=40, index=True)
    name: str = Field(max_length=120)
    terms: dict = Field(sa_column=Column(JSON, nullable=False))


class Application(SQLModel, table=True):
    """One application from any channel; `stage` follows the product's workflow."""
    id: int | None = Field(default=None, primary_key=True)
    borrower_id: int = Field(foreign_key="app_user.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    product_version: int
    channel: str = Field(default="portal", max_length=20)
    amount_minor: int = _money()
    term: int
    monthly_income_minor: int = _money()
    purpose: str = Field(default="", max_length=200)
    installment_minor: int = _money()
    status: str = Field(max_length=20, index=True)  # approved, declined, booked
    decision: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    stage: str = Field(default="decision", max_length=30, index=True)
    applicant: dict | None = Field(default=None, sa_column=Column(JSON))  # identity, contact, job
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id",
                                      index=True)  # dealer, agent: their own lists
    partner_id: int | None = Field(default=None, foreign_key="api_partner.id")
    external_ref: str | None = Field(default=None, max_length=100)
    tier: str | None = Field(default=None, max_length=20)
    point_of_sale: dict | None = Field(default=None, sa_column=Column(JSON))  # merchant, item
    workflow_code: str | None = Field(default=None, max_length=40)
    workflow_version: int | None = None


class Loan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    loan_number: str | None = Field(default=None, unique=True, max_length=20)
    application_id: int = Field(foreign_key="application.id", unique=True)
    borrower_id: int = Field(foreign_key="app_user.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    product_version: int
    product_name: str = Field(max_length=120)
    terms: dict = Field(sa_column=Column(JSON, nullable=False))  # frozen at booking
    principal_minor: int = _money()
    term: int
    disbursement_date: date
    status: str = Field(default="active", max_length=20)  # active paid_off written_off charged_off
    booked_at: datetime = _ts()
    schedule_version: int = 1  # installments of this version are the current schedule
    closed_on: date | None = None
    # Cached by close of business; `lendbook check` rebuilds and compares them.
    days_past_due: int = 0
    delinquency_bucket: str = Field(default="current", max_length=20)
    last_cob_date: date | None = None


class Installment(SQLModel, table=True):
    """One installment of one schedule version; a modification writes a new version and
    keeps the old one. Keyed by what it is (migration 0014): the key leads with loan_id and
    serves every lookup by loan."""
    loan_id: int = Field(foreign_key="loan.id", primary_key=True)
    schedule_version: int = Field(default=1, primary_key=True)
    number: int = Field(primary_key=True)
    start_date: date | None = None
    due_date: date
    principal_minor: int = _money()
    interest_minor: int = _money()
    fee_minor: int = _money(default=0)


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    idempotency_key: str = Field(unique=True, max_length=100)
    amount_minor: int = _money()
    received_on: date
    method: str = Field(default="manual", max_length=20)
    reason: str = Field(default="", max_length=300)
    recorded_by: int = Field(foreign_key="app_user.id")
    journal_entry_id: str = Field(max_length=64)
    recorded_at: datetime = _ts()
    channel: str = Field(default="servicer", max_length=20)


class PaymentAllocation(SQLModel, table=True):
    __tablename__ = "payment_allocation"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    installment_number: int  # 0: held as an advance (suspense), not yet applied
    principal_minor: int = _money()
    interest_minor: int = _money()
    fee_minor: int = _money(default=0)
    advance_minor: int = _money(default=0)
    reversal_id: int | None = Field(default=None, foreign_key="payment_reversal.id")


class PaymentReversal(SQLModel, table=True):
    """A payment undone (returned debit, error): new rows, never an edit of the payment."""
    __tablename__ = "payment_reversal"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", unique=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    reversed_on: date
    return_code: str = Field(default="", max_length=10)
    reason: str = Field(max_length=300)
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    journal_entry_id: str = Field(max_length=64)
    recorded_at: datetime = _ts()


class LoanCharge(SQLModel, table=True):
    """A fee charged to a loan (late, NSF, origination); `source_key` makes assessment
    idempotent (one late fee per installment, one NSF fee per return)."""
    __tablename__ = "loan_charge"
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    kind: str = Field(max_length=20)
    installment_number: int | None = None
    amount_minor: int = _money()
    assessed_on: date
    source_key: str = Field(unique=True, max_length=100)
    journal_entry_id: str = Field(max_length=64)
    recorded_at: datetime = _ts()


class LoanModification(SQLModel, table=True):
    """A mid-life change of a loan's schedule (recast, rate/term, restructure, holiday,
    due-date change) or its closing (write-off, charge-off): one append-only record each."""
    __tablename__ = "loan_modification"
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    kind: str = Field(max_length=20)
    effective_date: date
    from_version: int
    to_version: int
    params: dict = Field(sa_column=Column(JSON, nullable=False))
    reason: str = Field(max_length=300)
    idempotency_key: str = Field(unique=True, max_length=100)
    journal_entry_id: str | None = Field(default=None, max_length=64)
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = _ts()


class CobRun(SQLModel, table=True):
    """One close of business per business date; its presence makes a rerun a no-op."""
    __tablename__ = "cob_run"
    business_date: date = Field(primary_key=True)
    loans: int = 0
    interest_accrued_minor: int = _money(default=0)
    late_fees: int = 0
    late_fees_minor: int = _money(default=0)
    started_at: datetime = _ts()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class JournalEntry(SQLModel, table=True):
    __tablename__ = "journal_entry"
    id: str = Field(primary_key=True, max_length=64)  # idempotency key
    code: str = Field(max_length=40)
    loan_id: int | None = Field(default=None, foreign_key="loan.id", index=True)
    effective_date: date
    memo: str = Field(default="", max_length=200)
    recorded_at: datetime = _ts()


class Posting(SQLModel, table=True):
    __table_args__ = (Index("ix_posting_loan_account", "loan_id", "account"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(foreign_key="journal_entry.id", index=True, max_length=64)
    account: str = Field(max_length=40, index=True)
    loan_id: int | None = Field(default=None, foreign_key="loan.id")  # ix_posting_loan_account
    amount_minor: int = _money()  # debit > 0, credit < 0


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor_id: int | None = Field(default=None)
    actor_label: str = Field(max_length=254)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40, index=True)
    entity_id: str = Field(max_length=40, index=True)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    reason: str = Field(default="", max_length=300)
    # the hash chain (domain/audit/chain.py): set once, when the row is sealed
    content_sha: str | None = Field(default=None, max_length=64)
    chain_seq: int | None = Field(default=None, unique=True, index=True)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


APPEND_ONLY = ("journal_entry", "posting", "audit_log", "payment", "payment_allocation",
               "payment_reversal", "loan_charge", "installment", "loan_modification",
               "funding_approval", "provider_event", "ach_file", "ach_return", "gl_export",
               "gl_exported_entry")


from domain.db import origination_tables  # noqa: E402,F401  (registers the origination tables)
from domain.db import workflow_tables  # noqa: E402,F401  (workflow, underwriting, funding)
from domain.db import payment_tables  # noqa: E402,F401  (payment rails, bank files, GL)
from domain.db import onboarding_tables  # noqa: E402,F401  (loan onboarding)
from domain.db import branding_tables  # noqa: E402,F401  (portal branding versions)
from domain.db import access_tables  # noqa: E402,F401  (roles, organisations, change requests)
