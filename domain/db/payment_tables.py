"""Payment rails: saved instruments, autopay enrolments, collection attempts (one per try at
collecting an installment, whatever the rail), provider events, bank files, borrower notices,
the servicer queue and GL exports. Registered with the rest by `domain.db.tables` (imported
at its end)."""
from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.db.columns import VersionedDefinition, money as _money, ts as _ts


class PaymentInstrument(SQLModel, table=True):
    """A borrower's saved way to pay: a Stripe PaymentMethod (bank account or card), or a bank
    account the lender debits through its own bank (NACHA; the account number is kept
    encrypted). The mandate the borrower accepted is kept with it."""
    __tablename__ = "payment_instrument"
    id: int | None = Field(default=None, primary_key=True)
    borrower_id: int = Field(foreign_key="app_user.id", index=True)
    rail: str = Field(max_length=10)  # stripe, nacha
    kind: str = Field(max_length=20)  # us_bank_account, card
    provider_customer: str | None = Field(default=None, max_length=64)
    provider_ref: str | None = Field(default=None, max_length=64, unique=True)  # pm_...
    bank_name: str = Field(default="", max_length=80)
    routing_number: str = Field(default="", max_length=9)
    account_type: str = Field(default="checking", max_length=10)  # checking, savings
    account_number_sealed: str = Field(default="", max_length=400)  # nacha rail only
    last4: str = Field(default="", max_length=4)
    card_brand: str = Field(default="", max_length=20)
    holder_name: str = Field(default="", max_length=120)
    mandate_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    mandate_accepted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    mandate_ip: str = Field(default="", max_length=64)
    mandate_user_agent: str = Field(default="", max_length=300)
    status: str = Field(default="active", max_length=12)  # active, disabled, removed

    def label(self) -> str:
        """How the instrument is named to people: "Visa ending 4242", "First Bank checking
        ending 6789"."""
        if self.kind == "card":
            return f"{self.card_brand.title() or 'Card'} ending {self.last4}"
        return f"{self.bank_name or 'Bank account'} {self.account_type} ending {self.last4}"
    disabled_reason: str = Field(default="", max_length=200)
    created_at: datetime = _ts()


class AutopayEnrolment(SQLModel, table=True):
    """A loan's autopay: which instrument, the draft day relative to each due date, and the
    amount (the installment due, or a fixed amount). One row per loan, changed in place with
    every change audited before/after and `version` counting the changes."""
    __tablename__ = "autopay_enrolment"
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", unique=True)
    instrument_id: int = Field(foreign_key="payment_instrument.id")
    draft_offset_days: int = 0  # -10 .. +5: days before (negative) or after the due date
    amount_mode: str = Field(default="installment", max_length=12)  # installment, fixed
    fixed_amount_minor: int | None = _money(default=None, nullable=True)
    status: str = Field(default="active", max_length=12)  # active paused cancelled disabled
    paused_until: date | None = None
    starts_on: date  # installments drafting before this day are not drafted (no surprise
    # debits of old arrears on enrolment)
    version: int = 1
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class CollectionAttempt(SQLModel, table=True):
    """One try at collecting money from a borrower's instrument: an autopay draft of an
    installment, a re-presentment after a return, or a one-time portal payment. Its
    idempotency key is what the provider (Stripe's Idempotency-Key) or bank file sees, so a
    retried job or a restart can never charge twice."""
    __tablename__ = "collection_attempt"
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    instrument_id: int = Field(foreign_key="payment_instrument.id")
    enrolment_id: int | None = Field(default=None, foreign_key="autopay_enrolment.id")
    purpose: str = Field(default="autopay", max_length=12)  # autopay, retry, one_time
    schedule_version: int | None = None
    installment_number: int | None = None
    presentment: int = 1  # 1 = first try; 2, 3 = re-presentments of a returned debit
    payoff: bool = False  # a one-time payment that closes the loan (posted as a payoff)
    retry_of: int | None = Field(default=None, foreign_key="collection_attempt.id")
    idempotency_key: str = Field(unique=True, max_length=100)
    rail: str = Field(max_length=10)  # stripe, nacha
    amount_minor: int = _money()
    draft_date: date = Field(index=True)
    status: str = Field(default="scheduled", max_length=12, index=True)
    # scheduled -> submitted -> succeeded | failed | returned; cancelled before submission
    provider_ref: str | None = Field(default=None, max_length=64, unique=True)  # pi_...
    trace_number: str | None = Field(default=None, max_length=15, unique=True)  # NACHA
    ach_file_id: int | None = Field(default=None, foreign_key="ach_file.id")
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    failure_code: str = Field(default="", max_length=40)
    failure_reason: str = Field(default="", max_length=300)
    requested_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ProviderEvent(SQLModel, table=True):
    """A webhook event received (Stripe's `evt_...` id is the key): a repeat is ignored, and
    `object_created` orders events about one object when they arrive out of order."""
    __tablename__ = "provider_event"
    id: str = Field(primary_key=True, max_length=80)
    provider: str = Field(max_length=20)
    type: str = Field(max_length=60)
    object_id: str = Field(default="", max_length=80, index=True)
    object_created: int = 0
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    outcome: str = Field(default="", max_length=200)
    received_at: datetime = _ts()


class AchFile(SQLModel, table=True):
    """A NACHA file sent to (outgoing debits) or received from (returns, notifications of
    change) the lender's bank. The SHA-256 of the content recognises a file uploaded twice."""
    __tablename__ = "ach_file"
    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=10)  # outgoing, return
    sha256: str = Field(unique=True, max_length=64)
    filename: str = Field(default="", max_length=200)
    file_date: date
    entry_count: int = 0
    debit_total_minor: int = _money(default=0)
    credit_total_minor: int = _money(default=0)
    content: str = Field(sa_column=Column(Text, nullable=False))
    summary: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()


class AchReturn(SQLModel, table=True):
    """One return (addenda 99) or notification of change (addenda 98) read from a return
    file, matched by trace number to the attempt it answers, with what was done about it."""
    __tablename__ = "ach_return"
    __table_args__ = (UniqueConstraint("ach_file_id", "line_number"),)
    id: int | None = Field(default=None, primary_key=True)
    ach_file_id: int = Field(foreign_key="ach_file.id", index=True)
    line_number: int
    kind: str = Field(max_length=12)  # return, noc, dishonored, contested
    original_trace: str = Field(max_length=15, index=True)
    attempt_id: int | None = Field(default=None, foreign_key="collection_attempt.id")
    code: str = Field(max_length=4)
    reason: str = Field(default="", max_length=200)
    corrected_data: str = Field(default="", max_length=40)
    amount_minor: int = _money(default=0)
    actions: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recorded_at: datetime = _ts()


class Notice(SQLModel, table=True):
    """A message to a user shown in the portal (autopay disabled after a return, a payment
    failed, a retry scheduled); kept as the record that the borrower was notified."""
    __tablename__ = "notice"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    loan_id: int | None = Field(default=None, foreign_key="loan.id")
    kind: str = Field(max_length=30)
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = _ts()
    read_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ServicerQueueItem(SQLModel, table=True):
    """Work for a servicer, not a borrower: a deceased account holder's return (estate
    handling), a return no rule settles on its own, a dishonored return Lendbook could not
    apply. One per cause (`source_key`); open until a servicer resolves it, audited."""
    __tablename__ = "servicer_queue_item"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # estate, review, ach_exception
    loan_id: int | None = Field(default=None, foreign_key="loan.id", index=True)
    attempt_id: int | None = Field(default=None, foreign_key="collection_attempt.id")
    subject: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source_key: str = Field(unique=True, max_length=100)
    status: str = Field(default="open", max_length=10, index=True)  # open, resolved
    created_at: datetime = _ts()
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolved_by: int | None = Field(default=None, foreign_key="app_user.id")
    resolution: str = Field(default="", max_length=300)


class GlMappingVersion(VersionedDefinition, table=True):
    """The chart-of-accounts mapping from Lendbook's ledger accounts to the lender's GL
    account codes; versioned like rule sets (draft, published, retired)."""
    __tablename__ = "gl_mapping_version"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(default="default", max_length=40)
    mapping: dict = Field(sa_column=Column(JSON, nullable=False))


class GlExport(SQLModel, table=True):
    """One GL export run: the date range, the mapping version used and its totals."""
    __tablename__ = "gl_export"
    id: int | None = Field(default=None, primary_key=True)
    from_date: date
    to_date: date
    mapping_version_id: int | None = Field(default=None, foreign_key="gl_mapping_version.id")
    line_count: int = 0
    debit_total_minor: int = _money(default=0)
    credit_total_minor: int = _money(default=0)
    sha256: str = Field(default="", max_length=64)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()


class GlExportedEntry(SQLModel, table=True):
    """A journal entry taken by an export: the primary key makes a second export of the same
    entry impossible."""
    __tablename__ = "gl_exported_entry"
    entry_id: str = Field(primary_key=True, foreign_key="journal_entry.id", max_length=64)
    export_id: int = Field(foreign_key="gl_export.id", index=True)
