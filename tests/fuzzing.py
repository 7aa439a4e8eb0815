"""Shared machinery of the fuzz tests (``tests/test_fuzz_*.py``, ``tests/test_hostile.py``).

Each fuzz test runs a hypothesis property a bounded number of times so that
the suite stays fast: :data:`CI_EXAMPLES` per target by default, and
:data:`DEEP_EXAMPLES` in the ``deep`` variant of each test, which is marked
``slow`` (``make test-slow`` / ``pytest --runslow -m slow``).  The environment
variable ``DAZI_FUZZ_EXAMPLES`` overrides both.  Every example runs under a
wall-clock limit (:func:`time_limit`): a hang fails the test instead of
stalling CI.  The number of cases tried per target is printed and added to
``tests/artifacts/fuzz_counts.json``.

The property every loader obeys: it returns, or it raises a
:class:`~dazi.errors.DaziError` whose message names the file
(:func:`check_error`); nothing else escapes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dazi.errors import DaziError, InputError

CI_EXAMPLES = 200
DEEP_EXAMPLES = 3000
#: Wall-clock seconds one example may take (the machine is shared and slow).
EXAMPLE_SECONDS = float(os.environ.get("DAZI_FUZZ_SECONDS", "20"))
COUNTS = Path(__file__).parent / "artifacts" / "fuzz_counts.json"



def depths(ci: int = CI_EXAMPLES, deep: int = DEEP_EXAMPLES) -> list:
    """The two budgets a fuzz test is parametrised with: ``ci`` and ``deep`` (marked slow)."""
    return [pytest.param(ci, id="ci"), pytest.param(deep, id="deep", marks=pytest.mark.slow)]


DEPTHS = depths()


class Hang(BaseException):
    """An example ran past its time limit (a BaseException: no ``except Exception`` hides it)."""


@contextlib.contextmanager
def time_limit(seconds: float = EXAMPLE_SECONDS) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread if the block runs longer than *seconds*."""

    def _alarm(signum, frame):  # type: ignore[no-untyped-def]
        raise Hang(f"no result after {seconds:.0f} s: the code under test hangs")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_error(exc: BaseException, path: str | os.PathLike | None = None, *,
                unnamed: tuple[type[DaziError], ...] = ()) -> None:
    """Assert *exc* is one of the project's own errors, naming *path* when given.

    Row-level input errors (those with a row) must say which row in their
    message too.  Errors of the *unnamed* classes need not name the file
    (a bad argument, such as a column mapping, is not about the file).
    """
    if not isinstance(exc, DaziError):
        raise AssertionError(f"not a DaziError: {type(exc).__name__}: {exc}") from exc
    message = str(exc)
    assert message.strip(), "an error without a message"
    if path is not None and not isinstance(exc, unnamed):
        assert Path(path).name in message, f"the message does not name the file: {message!r}"
    if isinstance(exc, InputError) and exc.location.row is not None:
        assert f"row {exc.location.row}" in message, message


def run(target: str, examples: int, strategy: st.SearchStrategy, check: Callable[[object], None]) -> int:
    """Run ``check(example)`` on *examples* cases drawn from *strategy*; return how many ran.

    Each case runs under :func:`time_limit`.  The count includes the cases
    hypothesis replays while shrinking a failure.
    """
    examples = int(os.environ.get("DAZI_FUZZ_EXAMPLES", examples))
    tried = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def _property(example):  # type: ignore[no-untyped-def]
        nonlocal tried
        tried += 1
        with time_limit():
            check(example)

    started = time.perf_counter()
    try:
        _property()
    finally:
        record(target, tried, time.perf_counter() - started)
    return tried


def record(target: str, tried: int, seconds: float) -> None:
    """Print the count and add it to :data:`COUNTS` (tests/artifacts is not committed)."""
    print(f"\nfuzz {target}: {tried} cases in {seconds:.1f} s")
    try:
        COUNTS.parent.mkdir(exist_ok=True)
        counts = json.loads(COUNTS.read_text()) if COUNTS.exists() else {}
        entry = counts.setdefault(target, {"cases": 0, "runs": 0, "seconds": 0.0})
        entry["cases"] += tried
        entry["runs"] += 1
        entry["seconds"] = round(entry["seconds"] + seconds, 1)
        COUNTS.write_text(json.dumps(counts, indent=1, sort_keys=True))
    except (OSError, ValueError):  # pragma: no cover - counting must never fail a test
        pass
