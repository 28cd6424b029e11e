"""Origination tables: rule sets, partners' API keys, idempotent requests, bureau pulls, and
borrower drafts. Registered with the rest by `domain.db.tables` (imported at its end)."""
from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.db.columns import VersionedDefinition, ts as _ts


class RuleSetVersion(VersionedDefinition, table=True):
    """One version of a decision rule set: draft, then published (one published per code at a
    time, the rest retired). Decisions record the code and version they used."""
    __tablename__ = "rule_set_version"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, index=True)
    definition: dict = Field(sa_column=Column(JSON, nullable=False))


class ApiPartner(SQLModel, table=True):
    """A third-party app allowed to call the intake API; only a hash of its key is kept."""
    __tablename__ = "api_partner"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    key_prefix: str = Field(unique=True, max_length=16)
    key_hash: str = Field(max_length=64)
    active: bool = True
    created_at: datetime = _ts()


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a request key, replayed for a retry with the same body."""
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=60)  # e.g. partner:3
    key: str = Field(max_length=100)
    request_sha256: str = Field(max_length=64)
    status_code: int
    response: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()


class BureauPull(SQLModel, table=True):
    __tablename__ = "bureau_pull"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    provider: str = Field(max_length=40)
    reference: str = Field(max_length=60)
    report: dict = Field(sa_column=Column(JSON, nullable=False))
    pulled_at: datetime = _ts()


class Document(SQLModel, table=True):
    """An uploaded or generated file; the bytes live encrypted outside the database, bound to
    this row's id, and every download is audited."""
    __tablename__ = "document"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int | None = Field(default=None, foreign_key="application.id", index=True)
    kind: str = Field(max_length=30)  # id, proof_of_income, agreement, signed_agreement
    filename: str = Field(max_length=200)
    mime: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()


class Envelope(SQLModel, table=True):
    """An agreement sent for e-signature; Connect events move its status (idempotently)."""
    __tablename__ = "envelope"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    envelope_id: str = Field(unique=True, max_length=64)
    status: str = Field(default="sent", max_length=20)
    agreement_document_id: int = Field(foreign_key="document.id")
    signed_document_id: int | None = Field(default=None, foreign_key="document.id")
    sent_at: datetime = _ts()
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AccountClaim(SQLModel, table=True):
    """A one-time code that lets an applicant whose account was opened for them (by a dealer,
    agent or partner) set a password and sign in. Only a SHA-256 of the code is kept."""
    __tablename__ = "account_claim"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id")
    code_hash: str = Field(unique=True, max_length=64)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    failed_attempts: int = 0
