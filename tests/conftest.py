"""Shared fixtures: a fresh SQLite file and a fresh PostgreSQL database per test run.

PostgreSQL: each run creates its own database and drops it at the end, so runs never see each
other's data. With CI set, an unreachable server fails the run instead of skipping.
"""
import os
import uuid
from pathlib import Path

import pytest

# Hundreds of accounts are made per run: argon2id at its lowest cost here (the app's default is
# RFC 9106's, 64 MiB and 3 passes, ~0.1-0.25 s a hash on this machine). The browser app and CLI
# subprocesses inherit it. tests/unit/test_settings.py checks the production default.
for _name, _value in (("LENDBOOK_ARGON2_TIME_COST", "1"), ("LENDBOOK_ARGON2_MEMORY_KIB", "8"),
                      ("LENDBOOK_ARGON2_PARALLELISM", "1")):
    os.environ.setdefault(_name, _value)

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


@pytest.fixture(scope="session")
def _db_templates(tmp_path_factory):
    """One migrated template per engine, made on first use: a fresh database is then a copy of
    it (SQLite: the file; PostgreSQL: CREATE DATABASE ... TEMPLATE) instead of a migration."""
    made: dict[str, str] = {}
    yield made
    from domain.db.engine import get_engine
    for engine, url in made.items():
        get_engine(url).dispose()
        if engine == "postgres":
            with _pg_admin_connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _template(templates: dict, like_url: str, tmp_path_factory) -> str:
    from domain.db.engine import get_engine
    from domain.db.migrate import upgrade
    engine = "sqlite" if like_url.startswith("sqlite") else "postgres"
    if engine not in templates:
        if engine == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
        else:
            name = f"lendbook_tpl_{uuid.uuid4().hex[:12]}"
            with _pg_admin_connect() as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = f"{like_url.rsplit('/', 1)[0]}/{name}"
        upgrade(url)
        get_engine(url).dispose()  # a PostgreSQL template must have no sessions when copied
        templates[engine] = url
    return templates[engine]


@pytest.fixture
def fresh_sqlite(tmp_path, _db_templates, tmp_path_factory) -> str:
    """One fresh migrated SQLite database, for a test whose point is figures computed through
    the real services rather than the engine (the demo book's interest): it runs once, not
    once per engine. Engine behaviour is tested on both engines elsewhere."""
    import shutil
    template = _template(_db_templates, "sqlite://", tmp_path_factory)
    path = tmp_path / "fresh-sqlite.db"
    shutil.copyfile(template.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def fresh_db(db_url, tmp_path, _db_templates, tmp_path_factory):
    """A factory of fresh migrated databases on the engine `db_url` runs on, dropped after
    the test: each is a copy of the engine's migrated template."""
    import shutil
    from domain.db.engine import get_engine
    made = []

    def make() -> str:
        template = _template(_db_templates, db_url, tmp_path_factory)
        if template.startswith("sqlite"):
            path = tmp_path / f"fresh-{len(made)}.db"
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
            url = f"sqlite:///{path}"
        else:
            name = f"lendbook_fresh_{uuid.uuid4().hex[:12]}"
            with _pg_admin_connect() as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"')
            url = f"{db_url.rsplit('/', 1)[0]}/{name}"
        made.append(url)
        return url
    yield make
    for url in made:
        get_engine(url).dispose()
        if not url.startswith("sqlite"):
            with _pg_admin_connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def pytest_collection_modifyitems(config, items):
    """Browser tests run last, so the app and Chromium they start (session fixtures) live only
    while they run instead of idling beside every integration test."""
    in_browser = [i for i in items if "/tests/browser/" in str(i.path)]
    for item in in_browser:
        item.add_marker(pytest.mark.browser)
    chosen = set(map(id, in_browser))
    items[:] = [i for i in items if id(i) not in chosen] + in_browser
