"""The reads booking an onboarding chunk needs: ids reserved up front (a table's sequence on
PostgreSQL, above max(id) on SQLite, where the batch's first write holds the lock) and the
borrowers that exist already. On PostgreSQL they go over a second (autocommit) connection,
so they never queue behind the COPY running on the transaction's connection: sequences are
not transactional, and the borrowers this batch opened are known from its own rows."""
import json

from sqlalchemy import select, text

from domain.db.tables import AppUser


class Reader:
    """The reads booking needs: on PostgreSQL over a second (autocommit) connection, so they
    do not queue behind a COPY running on the transaction's connection."""

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
        return reserve_ids(self.s, table, n)

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


def reserve_ids(s, table: str, n: int) -> list[int]:
    if n == 0:
        return []
    if s.get_bind().dialect.name == "postgresql":
        seq = s.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
        return list(s.execute(text("SELECT nextval(CAST(:seq AS regclass)) "
                                   "FROM generate_series(1, :n)"), {"seq": seq, "n": n}).scalars())
    start = s.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() + 1
    return list(range(start, start + n))
