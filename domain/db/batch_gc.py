"""The cyclic garbage collector tuned while a big batch runs (onboarding.board).

With CPython's default thresholds (700, 10, 10) a batch that allocates millions of short
container objects (row tuples, dicts, schedules) runs a collection every 700 of them and a
full one every 70,000, and each full collection walks every tracked object the process holds,
the batch's own growing structures included: measured at 100k loans on PostgreSQL, 5,550
collections (40 full) took 4.8-6.1 s of a 19-24 s run. Inside `batch_collector` the
thresholds are (50,000, 20, 100): 360 collections, 0.3 s, peak RSS +9 MB. Nothing is left
uncollected: the young generations still run, a full collection still comes, only less often,
and the process's own values come back when the last batch ends (counted, so batches running
at once in one process restore them once). The setting is process-wide (docs/operator/known-limits.md).
"""
import gc
import threading
from contextlib import contextmanager

BATCH_THRESHOLDS = (50_000, 20, 100)
_state = {"batches": 0, "before": None}
_lock = threading.Lock()


@contextmanager
def batch_collector():
    with _lock:
        if _state["batches"] == 0:
            _state["before"] = gc.get_threshold()
            gc.set_threshold(*(max(a, b) for a, b in zip(BATCH_THRESHOLDS,
                                                          _state["before"])))
        _state["batches"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["batches"] -= 1
            if _state["batches"] == 0:
                gc.set_threshold(*_state["before"])
