"""Many rows of many tables into the session's transaction, a chunk at a time, without a
Python object or SQLAlchemy parameter set per row: PostgreSQL gets COPY text built here
(written by a background thread while the caller builds the next chunk), SQLite a plain
DB-API executemany of tuples. On PostgreSQL a table may be staged (`stage_through`): the audit chain
registers audit_log, whose rows then enter it already linked at commit: no UPDATE of each row.

Values are stored exactly as the SQLAlchemy insert would store them (dates as ISO text,
SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff', JSON as json.dumps, on SQLite a JSON None
as 'null' as SQLAlchemy's JSON type writes it; on PostgreSQL a JSON None is NULL, as the
COPY path always wrote it), and Python-side column defaults are applied on SQLite as
SQLAlchemy applies them; tests/integration/test_onboarding_fast.py compares the results.

Over 300 lines on purpose: the COPY text format, the writer thread and the SQLite path must
agree value for value, so they are read side by side.
"""
import json
import queue
import sqlite3
import sys
import threading
from operator import itemgetter
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime
from sqlalchemy.exc import IntegrityError


class Json(str):
    """JSON already serialized (json.dumps), shared by many rows (a loan's frozen terms)."""


_stages: dict[str, tuple[str, object]] = {}


def stage_through(table: str, stage_table: str, prepare) -> None:
    """On PostgreSQL, COPY rows of `table` into `stage_table` instead, after `prepare(session)`
    ran once in the writer's transaction (the audit chain registers audit_log this way: its
    rows enter audit_log already linked at commit). Registration keeps this writer free of
    the audit context, which sits above it."""
    _stages[table] = (stage_table, prepare)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg(v) -> str:
    t = type(v)
    if t is int:
        return str(v)
    if t is str or t is Json:
        return _escape(v)
    if v is None:
        return "\\N"
    if t is bool:
        return "t" if v else "f"
    if t is date or t is datetime:
        return v.isoformat()
    if t is dict or t is list:
        return _escape(json.dumps(v))
    return _escape(str(v))


def _escape(v: str) -> str:
    """COPY text escaping; most values need none, and `in` is far cheaper than translate."""
    if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
        return v.translate(_ESCAPES)
    return v


def _sqlite_datetime(v: datetime) -> str:
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:"
            f"{v.second:02d}.{v.microsecond:06d}")


_SWITCH = 0.0005  # seconds; CPython's default is 0.005
_switching = {"writers": 0, "before": None}
_switching_lock = threading.Lock()


def _fine_switching(on: bool) -> None:
    """While a COPY thread runs, the interpreter hands the GIL over every 0.5 ms instead of
    every 5: the COPY thread needs it for a moment after each socket wait, and with the
    default it waits up to 5 ms each time behind the thread validating the next chunk (the
    server then idles). Counted, so concurrent batches in one process restore it once.
    Measured at 100k loans: main thread waiting on the COPY 4.7-6.2 s -> 1.4-1.9 s."""
    with _switching_lock:
        if on:
            if _switching["writers"] == 0:
                _switching["before"] = sys.getswitchinterval()
                sys.setswitchinterval(min(_SWITCH, _switching["before"]))
            _switching["writers"] += 1
        elif _switching["writers"] > 0:
            _switching["writers"] -= 1
            if _switching["writers"] == 0:
                sys.setswitchinterval(_switching["before"])


class BulkWriter:
    """Collect rows per table (`add`), then `flush` them in the order added. On PostgreSQL a
    flush returns at once and the COPY runs in a thread on the session's connection, so the
    caller must not use the session until `wait`. One flush may queue behind the one being
    copied (the caller runs at most two chunks ahead; a third flush waits), so a chunk that
    copies slowly does not stop the caller while the next is still being built."""

    def __init__(self, s):
        self.session = s
        self.postgres = s.get_bind().dialect.name == "postgresql"
        self.staged: set[str] = set()  # tables whose rows go to a stage table (PostgreSQL)
        self.conn = s.connection().connection.driver_connection
        self.pending: list = []  # (table, columns, rows)
        self.thread: threading.Thread | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=1)  # flushes behind the running one
        self.error: BaseException | None = None
        self.dropping = False  # abandoned: queued flushes are not written
        self.written: set[str] = set()  # names of the tables rows were added to
        self.record: set[str] = set()  # tables whose primary keys `keys` collects
        self.keys: dict[str, list] = {}  # (domain.db.bulk_checks)
        self.counts: dict[str, int] = {}  # table name -> rows added (see `anchors`)
        self.anchors: dict[str, str] = {}  # table name -> column: count only rows with one
        self.fine = False  # this writer lowered the switch interval (`close` restores)

    def add(self, table, columns: tuple[str, ...], rows: list[tuple], plain: bool = False):
        """rows: tuples in `columns` order. `plain`: every value is an int or a str that
        needs no COPY escaping (installments: numbers and ISO dates), formatted faster."""
        if rows:
            self.pending.append((table, columns, rows, plain))
            self.written.add(table.name)
            anchor = self.anchors.get(table.name)
            n = len(rows) if anchor is None else \
                len(rows) - list(map(itemgetter(columns.index(anchor)), rows)).count(None)
            self.counts[table.name] = self.counts.get(table.name, 0) + n
            if table.name in self.record:
                k = columns.index(list(table.primary_key.columns)[0].name)
                self.keys.setdefault(table.name, []).extend(r[k] for r in rows)

    def add_lines(self, table, columns: tuple[str, ...], lines: list[str], rows: int):
        """PostgreSQL only: `rows` rows already in COPY text, one or more lines a string."""
        if lines:
            assert table.name not in self.record, "COPY lines carry no recorded keys"
            self.pending.append((table, columns, lines, None))
            self.written.add(table.name)
            self.counts[table.name] = self.counts.get(table.name, 0) + rows

    def add_dicts(self, table, rows: list[dict]):
        if rows:
            columns = tuple(rows[0])
            get = itemgetter(*columns)
            self.add(table, columns, list(map(get, rows)) if len(columns) > 1 else
                     [(r[columns[0]],) for r in rows])

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        if not self.postgres:
            self._sqlite(pending)
            return
        if self.error is not None:
            self.wait()  # raises it: nothing more is written after a failed COPY
        names = {t.name for t, *_ in pending}
        if "audit_log" in names and "audit_log" not in _stages:  # never write unsealed rows
            raise RuntimeError("audit rows need the audit chain's stage (domain.audit.chain)")
        staged = (names & set(_stages)) - self.staged
        if staged:
            self.wait()  # the session's connection is free for the stage table's DDL
            for name in staged:
                _stages[name][1](self.session)
            self.staged |= staged
        blocks = [(f"COPY {_stages[t.name][0] if t.name in self.staged else t.name} "
                   f"({', '.join(cols)}) FROM STDIN", _copy_text(rows, plain))
                  for t, cols, rows, plain in pending]
        if not self.fine:
            _fine_switching(True)
            self.fine = True
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        self.queue.put(blocks)  # waits while one flush is queued already

    def _run(self) -> None:
        """The COPY thread: the flushes in order; after a failure the rest are dropped (the
        transaction is lost anyway, and the first error is the one reported)."""
        while (blocks := self.queue.get()) is not None:
            if self.error is None and not self.dropping:
                self._copy(blocks)
            self.queue.task_done()
        self.queue.task_done()

    def drop(self) -> None:
        """Abandon what is not written yet (the running COPY finishes; `wait` for it)."""
        self.pending, self.dropping = [], True

    def wait(self) -> None:
        """Every flush so far written (or failed); raises the failure."""
        if self.thread is not None:
            self.queue.join()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def close(self) -> None:
        """After the last `wait` (or when abandoned): the COPY thread ends, the switch
        interval is back."""
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if self.fine:
            self.fine = False
            _fine_switching(False)

    def _copy(self, blocks) -> None:
        import psycopg
        sql = ""
        try:
            for sql, data in blocks:
                with self.conn.cursor().copy(sql) as cp:
                    cp.write(data)
        except psycopg.IntegrityError as e:  # as SQLAlchemy reports it on SQLite
            self.error = IntegrityError(sql, None, e)
        except BaseException as e:  # noqa: BLE001  re-raised in the caller's thread
            self.error = e

    def _sqlite(self, pending) -> None:
        for table, cols, rows, plain in pending:
            defaults = [c.default for c in table.c
                        if c.name not in cols and c.default is not None]
            names = [*cols, *(c.name for c in table.c
                              if c.name not in cols and c.default is not None)]
            sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
                   f"VALUES ({', '.join('?' * len(names))})")
            convert = [] if plain else _converters(table, cols)
            if not convert and not defaults:
                params = rows
            else:
                params = []
                for r in rows:
                    values = list(r)
                    for k, f in convert:
                        values[k] = f(values[k])
                    values.extend(_default(d) for d in defaults)
                    params.append(values)
            try:
                self.conn.executemany(sql, params)
            except sqlite3.IntegrityError as e:  # as SQLAlchemy would report it
                raise IntegrityError(sql, None, e) from e


def _converters(table, cols) -> list:
    """(position, function) for the columns SQLAlchemy's SQLite types would convert."""
    out = []
    for k, name in enumerate(cols):
        typ = table.c[name].type
        if isinstance(typ, JSON):
            out.append((k, _sqlite_json))
        elif isinstance(typ, DateTime):
            out.append((k, _LastDatetime()))
        elif isinstance(typ, Date):
            out.append((k, _sqlite_date))
    return out


def _sqlite_json(v):
    return v if type(v) is Json else json.dumps(v)  # None too: SQLAlchemy stores 'null'


def _sqlite_date(v):
    return v.isoformat() if type(v) is date else v


class _LastDatetime:
    """A chunk's rows share one timestamp: format it once."""

    def __init__(self):
        self.last, self.text = None, None

    def __call__(self, v):
        if v is None or type(v) is not datetime:
            return v
        if v is not self.last:
            self.last, self.text = v, _sqlite_datetime(v)
        return self.text


def _default(d):
    value = d.arg(None) if d.is_callable else d.arg
    if type(value) is datetime:
        return _sqlite_datetime(value)
    if type(value) is date:
        return value.isoformat()
    return value


def _copy_text(rows, plain: bool | None) -> bytes:
    if plain is None:
        lines = list(rows)
    elif plain:
        lines = ["\t".join(map(str, r)) for r in rows]
    else:
        lines = list(map("\t".join, zip(*map(_column, zip(*rows)))))
    lines.append("")
    return "\n".join(lines).encode()


def _column(values: tuple) -> list | tuple:
    """One column of a chunk as COPY text, exactly as `_pg` gives it value by value, but
    converted in one C-level pass when every value is an int, or every value a string that
    needs no escaping, or a date (most columns): a Python call per value is most of the
    cost of building COPY text."""
    types = set(map(type, values))
    if types == {int}:
        return list(map(str, values))
    if types <= {str, Json}:
        joined = "".join(values)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return list(map(_escape, values))
        return values
    if types == {date} or types == {datetime}:  # few distinct values (a chunk's timestamp)
        text = {v: v.isoformat() for v in set(values)}
        return list(map(text.__getitem__, values))
    return list(map(_pg, values))
