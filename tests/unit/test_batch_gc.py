"""While a batch runs, the garbage collector's thresholds are the batch's (fewer collections
of a heap full of short-lived rows); the process's own values come back when the last batch
ends, after an error too, and batches running at once restore them once."""
import gc
import threading

import pytest

from domain.db import batch_gc
from domain.db.batch_gc import BATCH_THRESHOLDS, batch_collector


@pytest.fixture
def thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_the_batch_thresholds_hold_inside_and_the_old_ones_come_back(thresholds):
    with batch_collector():
        assert gc.get_threshold() == BATCH_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_after_an_error(thresholds):
    with pytest.raises(RuntimeError):
        with batch_collector():
            raise RuntimeError("the batch failed")
    assert gc.get_threshold() == (700, 10, 10)
    assert batch_gc._state["batches"] == 0


def test_overlapping_batches_restore_once(thresholds):
    first_in, second_done, out = threading.Event(), threading.Event(), []

    def other():
        with batch_collector():
            first_in.set()
            second_done.wait(5)
        out.append(gc.get_threshold())

    t = threading.Thread(target=other)
    t.start()
    first_in.wait(5)
    with batch_collector():
        pass
    assert gc.get_threshold() == BATCH_THRESHOLDS  # the other batch still runs
    second_done.set()
    t.join(5)
    assert out == [(700, 10, 10)] and gc.get_threshold() == (700, 10, 10)


def test_a_process_with_higher_thresholds_keeps_them_inside(thresholds):
    gc.set_threshold(100_000, 50, 200)
    with batch_collector():
        assert gc.get_threshold() == (100_000, 50, 200)
    assert gc.get_threshold() == (100_000, 50, 200)
