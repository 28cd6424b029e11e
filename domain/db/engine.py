"""Engines per database URL, and the guard that keeps the journal append-only."""
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.kernel import settings
from domain.kernel.errors import ValidationError
from domain.db.tables import APPEND_ONLY


def ensure_sqlite_dir(url: str) -> None:
    """SQLite creates the file but not its folder (./data on a fresh checkout)."""
    if url.startswith("sqlite") and ":///" in url and not url.endswith(":memory:"):
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, or for DATABASE_URL as it is now (read on every call)."""
    return _engine_for(url or settings.load().database_url)


@lru_cache(maxsize=16)
def _engine_for(url: str) -> Engine:
    kwargs: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        ensure_sqlite_dir(url)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    return engine


@event.listens_for(Session, "before_flush")
def _append_only(session, _ctx, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in APPEND_ONLY and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError(f"{table} is append-only: post a reversing entry instead")


@event.listens_for(Session, "before_flush")
def _no_nul(session, _ctx, _instances):
    """PostgreSQL stores no NUL (U+0000) in text, and SQLite would keep what PostgreSQL
    refuses: any text with one is refused by field on both engines, before the database
    answers with a 500 (forms and APIs check their own fields first, with their names)."""
    for obj in list(session.new) + list(session.dirty):
        table = getattr(obj, "__table__", None)
        if table is None:
            continue
        for column in table.columns:
            value = getattr(obj, column.key, None)
            if type(value) is str and "\x00" in value:
                raise ValidationError({column.key: "must not contain a NUL character (U+0000)"})
