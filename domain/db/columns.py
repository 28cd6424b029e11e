"""Column helpers every table module shares (timestamps in UTC, money as BIGINT cents).

A module of its own so the table modules import it, not each other: `tables` registers the
others by importing them, and none of them imports `tables` back."""
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def ts(**kw):
    """A timestamp column (timezone-aware) that defaults to now."""
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kw)


def money(**kw):
    """An amount in integer minor units (cents), BIGINT."""
    return Field(sa_type=BigInteger, **kw)
