"""The PostgreSQL writer's COPY thread takes flushes in order from a queue of one: the
caller runs at most two chunks ahead of what is written (memory stays bounded: a third
flush waits), a failed COPY stops everything queued after it and is raised by `wait`, and
`drop` (an abandoned batch) writes nothing more. The COPY itself is replaced here (no
database); tests/integration/test_bulk_checks.py runs the real one."""
import threading
from types import SimpleNamespace

import pytest

from domain.db import bulk_write

TABLE = SimpleNamespace(name="loan")


class Writer(bulk_write.BulkWriter):
    def __init__(self):  # no session: only the queue is under test
        self.postgres, self.staged, self.fine = True, set(), False
        self.pending, self.thread, self.error, self.dropping = [], None, None, False
        self.queue = bulk_write.queue.Queue(maxsize=1)
        self.copied, self.gate, self.fail_on = [], threading.Event(), None

    def _copy(self, blocks):
        self.gate.wait(5)
        data = blocks[0][1]
        if data == self.fail_on:
            self.error = RuntimeError(f"COPY failed on {data!r}")
            return
        self.copied.append(data)

    def chunk(self, k: int) -> None:
        self.pending.append((TABLE, ("id",), [(k,)], True))
        self.flush()


@pytest.fixture
def w():
    writer = Writer()
    yield writer
    writer.gate.set()
    writer.close()


def test_flushes_are_written_in_order_two_ahead_at_most(w):
    w.chunk(1)  # taken by the COPY thread, which waits at the gate
    w.chunk(2)  # queued
    third = threading.Thread(target=w.chunk, args=(3,))
    third.start()
    third.join(0.3)
    assert third.is_alive(), "a third flush must wait while two are outstanding"
    assert w.copied == []
    w.gate.set()
    third.join(5)
    w.wait()
    assert w.copied == [b"1\n", b"2\n", b"3\n"]


def test_a_failed_copy_stops_what_is_queued_and_is_raised(w):
    w.fail_on = b"1\n"
    w.chunk(1)
    w.chunk(2)
    w.gate.set()
    with pytest.raises(RuntimeError, match="COPY failed on b'1"):
        w.wait()
    assert w.copied == []


def test_a_dropped_writer_writes_nothing_more(w):
    w.chunk(1)
    w.chunk(2)
    w.drop()
    w.gate.set()
    w.wait()
    assert w.copied in ([], [b"1\n"])  # the running COPY may finish; the queued one never
    assert b"2\n" not in w.copied
    w.close()
    assert w.thread is None
