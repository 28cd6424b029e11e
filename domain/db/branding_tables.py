"""Portal branding versions (draft / published / retired, one published per code)."""
from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.db.columns import VersionedDefinition, ts as _ts


class BrandingVersion(VersionedDefinition, table=True):
    """One version of a lender's portal branding; the logo is kept in the row with its
    SHA-256, which names it in the logo URL (a new logo is a new URL)."""
    __tablename__ = "branding_version"
    __table_args__ = (UniqueConstraint("code", "version"),
                      Index("ix_branding_version_code_status", "code", "status"))
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(default="default", max_length=40)
    definition: dict = Field(sa_column=Column(JSON, nullable=False))
    logo: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    logo_sha256: str | None = Field(default=None, max_length=64, index=True)
    logo_mime: str | None = Field(default=None, max_length=20)
