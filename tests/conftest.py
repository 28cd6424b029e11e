"""Shared fixtures: a fresh SQLite file and a fresh PostgreSQL database per test run.

PostgreSQL: each run creates its own database and drops it at the end, so runs never see each
other's data. With CI set, an unreachable server fails the run instead of skipping.
"""
import os
import uuid
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
PG_ADMIN_URL = os.environ.get("LENDBOOK_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin_connect():
    import psycopg
    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(dsn, autocommit=True, connect_timeout=5)


@pytest.fixture(scope="session")
def pg_url():
    try:
        conn = _pg_admin_connect()
    except Exception as e:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL} under CI: {e}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL} (set CI to make this fail): {e}")
    name = f"lendbook_test_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    try:
        yield url
    finally:
        from domain.db.engine import get_engine
        get_engine(url).dispose()
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lendbook.db'}"


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(request):
    """A migrated database on each engine, shared by the integration tests of a run."""
    from domain.db.migrate import upgrade
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    upgrade(url)
    return url


@pytest.fixture
def uniq():
    return uuid.uuid4().hex[:8]


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared reference folder is not beside this checkout")
    return path
