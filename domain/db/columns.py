"""Column helpers every table module shares (timestamps in UTC, money as BIGINT cents).

A module of its own so the table modules import it, not each other: `tables` registers the
others by importing them, and none of them imports `tables` back."""
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def ts(**kw):
    """A timestamp column (timezone-aware) that defaults to now."""
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kw)


def money(**kw):
    """An amount in integer minor units (cents), BIGINT."""
    return Field(sa_type=BigInteger, **kw)


class VersionedDefinition(SQLModel):
    """The columns every versioned definition shares (products, rule sets, workflows,
    branding, the GL mapping): a version number per code, its status (draft, then published:
    one published per code; the rest retired), who drafted and who published it, and when.
    The tables add their code, their definition and their own constraints."""
    version: int
    status: str = Field(default="draft", max_length=12)  # draft, published, retired
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = ts()
    published_by: int | None = Field(default=None, foreign_key="app_user.id")
    published_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
