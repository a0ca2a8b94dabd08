"""One small thread pool for work that can run while an upload is read.

python-calamine, zlib, numpy's array loops and DuckDB release the GIL, so on a machine
with two cores a sheet can be parsed, a zip part inflated, a slice of XML scanned and
the database read at the same time. A job here never waits for another job here, so
the pool cannot deadlock; jobs beyond its size queue.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

WORKERS = 4

_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def submit(work, *args) -> Future:
    """Start ``work(*args)`` on the shared pool."""
    global _POOL
    if _POOL is None:
        with _LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="upload")
    return _POOL.submit(work, *args)


def result_or_none(job: Future | None):
    """The job's result once it has finished; None when there is none or it failed (the caller
    then does the work itself, and meets the error there if there is one)."""
    if job is None:
        return None
    try:
        return job.result()
    except Exception:
        return None
