"""Alembic from an empty database, both engines: up, down to nothing, and up again."""
import pytest
from sqlalchemy import create_engine, inspect, text

from domain.db.migrate import downgrade, upgrade

TABLES = {"app_user", "user_session", "lender", "product", "product_version", "application",
          "loan", "installment", "payment", "payment_allocation", "journal_entry", "posting",
          "audit_log", "alembic_version", "payment_reversal", "loan_charge", "cob_run",
          "loan_modification"}


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    import psycopg  # a second, separate empty database beside the run's shared one
    base = request.getfixturevalue("pg_url")
    name = base.rsplit("/", 1)[1] + "_mig"
    admin = psycopg.connect(base.replace("+psycopg", ""), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    yield base.rsplit("/", 1)[0] + "/" + name
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def test_upgrade_downgrade_upgrade_from_empty(empty_url):
    upgrade(empty_url)
    engine = create_engine(empty_url)
    assert set(inspect(engine).get_table_names()) == TABLES
    with engine.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar() == "0002"
    engine.dispose()
    downgrade(empty_url)
    engine = create_engine(empty_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(empty_url)
    engine = create_engine(empty_url)
    assert set(inspect(engine).get_table_names()) == TABLES
    engine.dispose()

