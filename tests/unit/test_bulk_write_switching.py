"""While bulk COPY threads run, the interpreter's switch interval is lowered (the COPY thread
is not starved by the validating thread); the last writer to close restores the value the
process had, and a writer that never started a thread changes nothing."""
import sys

import pytest

from domain.db import bulk_write


@pytest.fixture
def interval():
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)
    yield
    sys.setswitchinterval(before)


def test_counted_across_writers_and_restored_once(interval):
    bulk_write._fine_switching(True)
    bulk_write._fine_switching(True)
    assert sys.getswitchinterval() == pytest.approx(bulk_write._SWITCH)
    bulk_write._fine_switching(False)  # another batch still copies
    assert sys.getswitchinterval() == pytest.approx(bulk_write._SWITCH)
    bulk_write._fine_switching(False)
    assert sys.getswitchinterval() == pytest.approx(0.004)
    bulk_write._fine_switching(False)  # an extra close is harmless
    assert sys.getswitchinterval() == pytest.approx(0.004)


def test_a_writer_closes_only_what_it_opened(interval):
    class Quiet(bulk_write.BulkWriter):
        def __init__(self):  # no session: only the switching bookkeeping is under test
            self.fine, self.thread = False, None

    w = Quiet()
    w.close()
    assert sys.getswitchinterval() == pytest.approx(0.004)
    bulk_write._fine_switching(True)
    w.fine = True
    w.close()
    w.close()
    assert not w.fine and sys.getswitchinterval() == pytest.approx(0.004)
