"""The reads booking an onboarding chunk needs: ids reserved up front (a table's sequence on
PostgreSQL, above max(id) on SQLite, where the batch's first write holds the lock) and the
borrowers that exist already. On PostgreSQL they go over a second (autocommit) connection,
so they never queue behind the COPY running on the transaction's connection: sequences are
not transactional, and the borrowers this batch opened are known from its own rows."""
import json

from sqlalchemy import select, text

from domain.db.tables import AppUser


class Reader:
    """One batch's reads (module docstring); `close` ends the second connection."""

    def __init__(self, s):
        self.s, self.side, self.sequences = s, None, {}
        if s.get_bind().dialect.name == "postgresql":
            import psycopg
            url = s.get_bind().url.set(drivername="postgresql")
            self.side = psycopg.connect(url.render_as_string(hide_password=False),
                                        autocommit=True)

    def ids(self, table: str, n: int) -> list[int]:
        if n == 0:
            return []
        if self.side is not None:
            seq = self.sequences.get(table)
            if seq is None:  # resolved once: per value it costs 8x the nextval itself
                seq = self.sequences[table] = self.side.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
            return _pg_ids(self.side, seq, n)
        return _sqlite_ids(self.s, table, n)

    def users(self, emails: list[str]) -> list[tuple[int, str]]:
        if self.side is not None:  # one JSON text parameter: cheaper to send than an array
            return list(self.side.execute(
                "SELECT id, email FROM app_user WHERE email = ANY(ARRAY("
                "SELECT json_array_elements_text(%s::json)))", (json.dumps(emails),)))
        return list(self.s.execute(select(AppUser.id, AppUser.email)
                                   .where(AppUser.email.in_(emails))))

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _pg_ids(conn, sequence: str, n: int):
    """n values of the sequence; as a range when they are consecutive (as they are unless
    another session draws from it meanwhile), else the values themselves."""
    first, last, values = conn.execute(
        "SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL "
        "ELSE array_agg(v ORDER BY v) END FROM (SELECT nextval(%s::regclass) AS v "
        "FROM generate_series(1, %s)) s", (sequence, n)).fetchone()
    return range(first, last + 1) if values is None else values


def _sqlite_ids(s, table: str, n: int) -> list[int]:
    """SQLite: the n ids above the table's largest (PostgreSQL draws from its sequence,
    `_pg_ids`, over the Reader's second connection)."""
    if n == 0:
        return []
    start = s.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() + 1
    return list(range(start, start + n))
