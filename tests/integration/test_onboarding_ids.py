"""Ids reserved up front for a chunk (onboarding_reads.Reader.ids): on PostgreSQL drawn from
the table's own sequence over the side connection (the sequence's name looked up once per
table, not once per value), given as a range when consecutive and as the values themselves
when another session drew from the sequence meanwhile; on SQLite above max(id)."""
import psycopg
from sqlalchemy import text

from domain.db.migrate import upgrade
from domain.db.uow import UnitOfWork
from domain.onboarding import reads as onboarding_reads


def test_postgres_ids_come_from_the_sequence_and_survive_interleaved_draws(pg_url):
    upgrade(pg_url)
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with UnitOfWork(pg_url) as s, psycopg.connect(dsn, autocommit=True) as other:
        reader = onboarding_reads.Reader(s)
        try:
            first = reader.ids("loan", 5)
            assert isinstance(first, range) and len(first) == 5
            assert reader.sequences == {"loan": "public.loan_id_seq"}
            # another session draws between two reservations: its value is not reused
            other.execute("SELECT nextval('loan_id_seq')")
            second = reader.ids("loan", 4)
            assert list(second) == sorted(second) and len(set(second)) == 4
            assert min(second) > max(first) + 1
            drawn = other.execute("SELECT last_value FROM loan_id_seq").fetchone()[0]
            assert max(second) == drawn
            assert reader.ids("loan", 0) == []
            assert reader.sequences == {"loan": "public.loan_id_seq"}
        finally:
            reader.close()


def test_postgres_ids_not_consecutive_are_listed(pg_url):
    """Values that are not one range (here a sequence stepping by 2; in use, another session
    drawing at the same moment) come back as the values themselves."""
    upgrade(pg_url)
    dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as a:
        a.execute("CREATE SEQUENCE IF NOT EXISTS lendbook_test_ids_seq INCREMENT BY 2")
        values = onboarding_reads._pg_ids(a, "lendbook_test_ids_seq", 3)
        assert not isinstance(values, range) and len(values) == 3
        assert [v - values[0] for v in values] == [0, 2, 4]
        a.execute("DROP SEQUENCE lendbook_test_ids_seq")


def test_sqlite_ids_start_above_the_largest(tmp_path):
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    upgrade(url)
    with UnitOfWork(url) as s:
        s.execute(text("INSERT INTO app_user (id, email, name, role, password_hash, active, "
                       "created_at) VALUES (41, 'a@x.test', 'A', 'borrower', '!', 1, "
                       "'2026-01-01 00:00:00')"))
        reader = onboarding_reads.Reader(s)
        assert list(reader.ids("app_user", 3)) == [42, 43, 44]
        reader.close()
