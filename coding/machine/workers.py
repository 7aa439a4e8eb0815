"""Worker processes for a machine coder's training and coding: an ordered map over forked processes.

:func:`ordered_map` runs ``fn(shared, item)`` for each item on ``n_jobs``
worker processes forked from this one, so they read ``shared`` (a feature
matrix, a model) from their parent's memory instead of having it copied to
them, and yields the results in the items' order.  At most ``ahead`` items
are in flight, read lazily from the iterable: the parent reads the next
batch from the database, or writes the last one, while the workers compute.
One task at a time per process also keeps liblinear's random generator (a
global) to one fit, so results never depend on how tasks interleave.

With ``n_jobs=1``, or where processes cannot be forked, everything runs in
this process, in the same order, with the same results.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import Any

__all__ = ["ordered_map"]

_SHARED: Any = None
_LIMITS: Any = None


def _start() -> None:
    """BLAS on one thread in each worker: the work is single-threaded, and idle BLAS threads spinning on a
    shared 2-core machine made fits several times slower."""
    from threadpoolctl import threadpool_limits

    global _LIMITS
    _LIMITS = threadpool_limits(1)


def _call(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


def ordered_map(fn: Callable[[Any, Any], Any], items: Iterable[Any], *, shared: Any, n_jobs: int, ahead: int
                ) -> Generator[Any, None, None]:
    """``fn(shared, item)`` for each item, in order (see the module docstring).

    ``fn`` must be a module-level function (the workers receive it by name).
    Closing the iterator early stops the workers.
    """
    global _SHARED
    if n_jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            for item in items:
                yield fn(shared, item)
        return
    import sklearn.svm  # noqa: F401  (imported before forking, so a worker imports nothing)

    _SHARED = shared
    try:
        with multiprocessing.get_context("fork").Pool(n_jobs, initializer=_start) as pool:
            pending: deque = deque()
            for item in items:
                pending.append(pool.apply_async(_call, (fn, item)))
                if len(pending) >= max(ahead, 1):
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _SHARED = None
