"""Worker processes for a machine coder's training and coding: an ordered map over forked processes.

:func:`ordered_map` runs ``fn(shared, item)`` for each item on ``n_jobs``
worker processes forked from this one, so they read ``shared`` (a feature
matrix, a model) from their parent's memory instead of having it copied to
them, and yields the results in the items' order.  At most ``ahead`` items
are in flight, read lazily from the iterable: the parent reads the next
batch from the database, or writes the last one, while the workers compute.
One task at a time per process also keeps liblinear's random generator (a
global) to one fit, so results never depend on how tasks interleave.

A process with other threads (the app's server) is never forked, since a
thread may hold a lock the child would wait on forever: its workers start
from a fork server instead, and receive ``shared`` pickled, once each.  With
``n_jobs=1``, or where neither is available, everything runs in this
process, in the same order, with the same results.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import Any

__all__ = ["ordered_map", "start_method"]

_SHARED: Any = None
_LIMITS: Any = None


def _start(shared: Any = None) -> None:
    """BLAS on one thread in each worker: the work is single-threaded, and idle BLAS threads spinning on a
    shared 2-core machine made fits several times slower.  ``shared`` comes pickled to a fork server's worker."""
    from threadpoolctl import threadpool_limits

    global _LIMITS, _SHARED
    _LIMITS = threadpool_limits(1)
    if shared is not None:
        _SHARED = shared


def start_method() -> str | None:
    """How workers start here: ``fork`` in a process without other threads, else ``forkserver``; ``None``
    where neither is available (the work then runs in this process)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


def _call(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


def ordered_map(fn: Callable[[Any, Any], Any], items: Iterable[Any], *, shared: Any, n_jobs: int, ahead: int
                ) -> Generator[Any, None, None]:
    """``fn(shared, item)`` for each item, in order (see the module docstring).

    ``fn`` must be a module-level function (the workers receive it by name).
    Closing the iterator early stops the workers.
    """
    global _SHARED
    method = start_method() if n_jobs > 1 else None
    if method is None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            for item in items:
                yield fn(shared, item)
        return
    import sklearn.svm  # noqa: F401  (imported before forking, so a worker imports nothing)

    forked = method == "fork"
    if forked:
        _SHARED = shared
    try:
        with multiprocessing.get_context(method).Pool(n_jobs, initializer=_start,
                                                      initargs=() if forked else (shared,)) as pool:
            pending: deque = deque()
            for item in items:
                pending.append(pool.apply_async(_call, (fn, item)))
                if len(pending) >= max(ahead, 1):
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _SHARED = None
