"""Alembic from an empty database, both engines: up, down to nothing, and up again."""
import pytest
from sqlalchemy import create_engine, inspect, text

from domain.db.migrate import downgrade, upgrade

TABLES = {"app_user", "user_session", "lender", "product", "product_version", "application",
          "loan", "installment", "payment", "payment_allocation", "journal_entry", "posting",
          "audit_log", "alembic_version", "payment_reversal", "loan_charge", "cob_run",
          "loan_modification", "rule_set_version", "api_partner", "idempotency_record",
          "bureau_pull", "document", "envelope", "workflow_version", "application_draft",
          "application_condition", "funding_approval", "disbursement", "payment_instrument",
          "autopay_enrolment", "collection_attempt", "provider_event", "ach_file", "ach_return",
          "notice", "gl_mapping_version", "gl_export", "gl_exported_entry",
          "onboarding_batch", "onboarding_row", "onboarded_loan", "onboarding_mapping",
          "manual_loan_entry", "branding_version", "account_claim", "role",
          "role_permission", "organisation", "approval_policy", "change_request",
          "servicer_queue_item"}


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
        assert c.execute(text("select version_num from alembic_version")).scalar() == "0016"
    engine.dispose()
    downgrade(empty_url)
    engine = create_engine(empty_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(empty_url)
    engine = create_engine(empty_url)
    assert set(inspect(engine).get_table_names()) == TABLES
    engine.dispose()



def test_0002_keeps_a_booked_loan_and_dates_its_periods(empty_url):
    """A database at 0001 with a booked loan upgrades with its installments intact, each
    period starting at the previous due date (the first at funding)."""
    upgrade(empty_url, "0001")
    engine = create_engine(empty_url)
    now = "2026-01-01 00:00:00+00:00"
    with engine.begin() as c:
        c.execute(text("INSERT INTO app_user (id, email, name, role, password_hash, active, "
                       "created_at) VALUES (1, 'b@x.test', 'B', 'borrower', 'x', true, :t)"),
                  {"t": now})
        c.execute(text("INSERT INTO product (id, code, name, current_version, active, "
                       "created_at) VALUES (1, 'P', 'P', 1, true, :t)"), {"t": now})
        c.execute(text("INSERT INTO application (id, borrower_id, product_id, product_version, "
                       "channel, amount_minor, term, monthly_income_minor, purpose, "
                       "installment_minor, status, decision, created_at) VALUES (1, 1, 1, 1, "
                       "'portal', 20000, 2, 500000, '', 10075, 'booked', '{}', :t)"), {"t": now})
        c.execute(text("INSERT INTO loan (id, loan_number, application_id, borrower_id, "
                       "product_id, product_version, product_name, terms, principal_minor, "
                       "term, disbursement_date, status, booked_at) VALUES (1, 'LN-000001', 1, "
                       "1, 1, 1, 'P', '{}', 20000, 2, '2026-01-10', 'active', :t)"), {"t": now})
        for n, due, p in ((1, "2026-02-10", 9950), (2, "2026-03-10", 10050)):
            c.execute(text("INSERT INTO installment (loan_id, number, due_date, principal_minor, "
                           "interest_minor) VALUES (1, :n, :d, :p, 100)"),
                      {"n": n, "d": due, "p": p})
    engine.dispose()
    upgrade(empty_url)
    engine = create_engine(empty_url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT number, schedule_version, start_date, fee_minor, "
                              "principal_minor FROM installment ORDER BY number")).all()
        assert [(r[0], r[1], str(r[2]), r[3], r[4]) for r in rows] == [
            (1, 1, "2026-01-10", 0, 9950), (2, 1, "2026-02-10", 0, 10050)]
        assert c.execute(text("SELECT schedule_version, delinquency_bucket FROM loan")).one() \
            == (1, "current")
    engine.dispose()


def test_the_migrated_schema_matches_the_models(empty_url):
    """Alembic's autogenerate finds nothing to change: migrations and tables agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import domain.db.tables  # noqa: F401

    upgrade(empty_url)
    engine = create_engine(empty_url)
    with engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_0011_gives_existing_product_versions_their_code_and_status(empty_url):
    """Before 0011 every product version was in use or superseded: the current one becomes
    published, older ones retired, each with its product's code."""
    upgrade(empty_url, "0008")
    engine = create_engine(empty_url)
    now = "2026-01-01 00:00:00+00:00"
    with engine.begin() as c:
        c.execute(text("INSERT INTO product (id, code, name, current_version, active, "
                       "created_at) VALUES (1, 'P', 'P', 2, true, :t)"), {"t": now})
        for v in (1, 2):
            c.execute(text("INSERT INTO product_version (product_id, version, name, terms, "
                           "created_at) VALUES (1, :v, 'P', '{}', :t)"), {"v": v, "t": now})
    engine.dispose()
    upgrade(empty_url, "0011")
    engine = create_engine(empty_url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT version, code, status, published_at IS NOT NULL FROM "
                              "product_version ORDER BY version")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "P", "retired", False), (2, "P", "published", True)]
