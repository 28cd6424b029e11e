"""Referential integrity of a bulk write on PostgreSQL, checked set-based instead of by
PostgreSQL's per-row foreign-key triggers (which cost more than the rows themselves:
boarding 100k loans writes 2.4M installments, each checked against its loan one at a time).

Inside the batch's transaction `SET LOCAL session_replication_role = replica` turns this
session's triggers off (foreign-key triggers are the only INSERT triggers Lendbook has; the
append-only guards fire on UPDATE and DELETE). Before the transaction may commit, `verify`
runs one query per foreign key of every table written, over the rows the batch wrote (ids
above the table's sequence value at `begin`; for a table without one that is keyed by, or
refers to, a parent that has one, such as installment (loan_id, schedule_version, number)
or journal_entry (loan_id), the rows under the batch's new parents, and then this
transaction's rows among them (xmin) must number exactly the rows written with a parent, so
a row under any other parent fails too; else the keys the writer recorded): a value with no
parent row fails the batch, which then rolls back whole. Parent rows that existed
before the batch are locked FOR KEY SHARE, as the triggers would have locked them, so a
concurrent DELETE waits for this commit and is then refused by its own trigger. The session
is back in `origin` mode before anything else runs in the transaction.

Only when the role may set the parameter (superuser, or PostgreSQL 15+ `GRANT SET ON
PARAMETER session_replication_role TO <role>`); otherwise, or with
LENDBOOK_BULK_FK_CHECK=triggers, the triggers check each row as usual.
"""
from domain.kernel import settings

from sqlalchemy import text



class BrokenReference(RuntimeError):
    """A bulk-written row names a parent row that does not exist: the batch is refused
    whole (a defect in the writer, never bad input, which validation refuses first)."""


def permitted(s) -> bool:
    """May this session switch its triggers off for the transaction?"""
    if s.get_bind().dialect.name != "postgresql":
        return False
    if settings.load().bulk_fk_check == "triggers":
        return False
    row = s.execute(text(
        "SELECT current_setting('is_superuser') = 'on', "
        "current_setting('server_version_num')::int >= 150000")).one()
    if row[0]:
        return True
    return bool(row[1] and s.execute(text(
        "SELECT has_parameter_privilege('session_replication_role', 'SET')")).scalar())


def _start(s, table) -> int | None:
    """The table's id sequence value before the batch draws from it (None: no sequence)."""
    pk = list(table.primary_key.columns)
    seq = s.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                    {"t": table.name, "c": pk[0].name}).scalar() if len(pk) == 1 else None
    if not seq:
        return None
    last, called = s.execute(text(f"SELECT last_value, is_called FROM {seq}")).one()
    return last if called else last - 1


class ReferentialCheck:
    """`begin` before the first bulk write, `verify` after the last (writer waited)."""

    def __init__(self, s, tables):
        """tables: the SQLAlchemy tables the batch may write."""
        self.on = permitted(s)
        self.tables = {t.name: t for t in tables}
        self.starts: dict[str, int] = {}
        self.anchors: dict[str, tuple[str, str, int]] = {}  # table -> (column, parent, start)
        self.append_only: set[str] = set()
        self.checked = 0
        if not self.on:
            return
        for name, table in self.tables.items():
            start = _start(s, table)
            if start is not None:
                self.starts[name] = start
        for name, table in self.tables.items():
            if name in self.starts:
                continue
            # keyed by a parent that has a sequence, else (journal_entry) referring to one by
            # its only foreign key: its rows without a loan refer to nothing, so nothing of
            # theirs goes unchecked, and the writer counts the rows with one
            refs = [c for c in table.c if c.foreign_keys and not c.primary_key]
            cols = list(table.primary_key.columns) + (refs if len(refs) == 1 else [])
            for col in cols:
                for fk in col.foreign_keys:
                    parent = fk.column.table
                    start = self.starts[parent.name] if parent.name in self.starts \
                        else _start(s, parent)  # not queried again when known
                    if start is not None and name not in self.anchors:
                        self.anchors[name] = (col.name, parent.name, start)
        self.append_only = {r[0] for r in s.execute(text(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%_append_only'"))}
        s.execute(text("SET LOCAL session_replication_role = replica"))

    def _rows(self, name: str, keys: dict, alias: str) -> tuple[str, dict] | None:
        """SQL condition selecting the batch's rows of table `name` (None: it wrote none)."""
        table = self.tables[name]
        if name in self.starts:
            pk = list(table.primary_key.columns)[0].name
            return f"{alias}.{pk} > :start_{alias}", {f"start_{alias}": self.starts[name]}
        if name in self.anchors:
            col, _parent, start = self.anchors[name]
            return f"{alias}.{col} > :start_{alias}", {f"start_{alias}": start}
        if keys.get(name):
            pk = list(table.primary_key.columns)[0]
            return (f"{alias}.{pk.name} = ANY(:keys_{alias})",
                    {f"keys_{alias}": list(keys[name])})
        return None

    def verify(self, s, written: set[str], keys: dict, counts: dict) -> None:
        """Every foreign key of every row written has its parent; pre-existing parents are
        locked. `written`: names of the tables written; `keys`: table name -> primary keys
        written, for tables without a sequence or parent anchor; `counts`: table name ->
        rows written with a value in its anchor column (BulkWriter.anchors). Raises
        BrokenReference (nothing commits)."""
        if not self.on:
            return
        for name in sorted(written):
            rows = self._rows(name, keys, "c")
            if rows is None:
                continue
            where, params = rows
            if name in self.anchors:
                self._count(s, name, where, params, counts.get(name, 0))
            for fk in sorted(self.tables[name].foreign_keys, key=lambda f: f.parent.name):
                self._check(s, name, fk, where, params)
        s.execute(text("SET LOCAL session_replication_role = origin"))

    def _count(self, s, name, where, params, written: int) -> None:
        """This transaction's rows under the batch's new parents are all it wrote."""
        found = s.execute(text(f"SELECT count(*) FROM {name} c WHERE {where} "
                               "AND c.xmin = pg_current_xact_id()::xid"), params).scalar()
        if found != written:
            col, parent, _start = self.anchors[name]
            raise BrokenReference(f"{name}: {written} row(s) written, {found} of them under "
                                  f"this batch's new {parent} rows ({col}); nothing was booked")

    def _check(self, s, name, fk, where, params) -> None:
        col, parent, pcol = fk.parent.name, fk.column.table.name, fk.column.name
        mine = self._rows(parent, {}, "p") if parent in self.starts else None
        pre = f"NOT ({mine[0]})" if mine else "true"
        params = {**params, **(mine[1] if mine else {})}
        found = s.execute(text(
            f"SELECT v.k, p.{pcol} IS NULL FROM (SELECT DISTINCT c.{col} AS k FROM {name} c "
            f"WHERE {where} AND c.{col} IS NOT NULL) v "
            f"LEFT JOIN {parent} p ON p.{pcol} = v.k WHERE p.{pcol} IS NULL OR {pre}"),
            params).all()
        self.checked += 1
        missing = [k for k, gone in found if gone]
        existing = [k for k, gone in found if not gone]
        if existing and parent not in self.append_only:
            locked = s.execute(text(f"SELECT {pcol} FROM {parent} WHERE {pcol} = ANY(:k) "
                                    "FOR KEY SHARE"), {"k": existing}).scalars().all()
            missing += sorted(set(existing) - set(locked), key=str)
        if missing:
            raise BrokenReference(f"{name}.{col}: {len(missing)} value(s) with no {parent} "
                                  f"row, e.g. {missing[:3]}; nothing was booked")
