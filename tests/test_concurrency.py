"""Many coders saving at once through the same core the app uses.

Every save must land exactly once, the current values must be the last ones
each coder saved, and no lock or serialisation error may reach a coder (the
core retries with backoff).  The full 20 x 500 run is the benchmark
``benchmarks/bench_saves.py``; here a smaller load runs on both backends, in
one process (threads queue in order on SQLite) and in two processes at once
(they meet at SQLite's ``BEGIN IMMEDIATE`` and retry).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coding.assignments import assign
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import codings_long, save_coding
from corpus.sampling import draw_sample
from dazi.db import connect
from dazi.schema import coding_events
from tests.conftest import make_posts
from tests.test_codings import SMALL_CODEBOOK

KINDS = ["meal", "travel", "study"]


def simulate(db_url: str, project, coders: int, saves: int, first: int = 0) -> list[BaseException]:
    """``coders`` threads (coders ``c{first}``, ``c{first + 1}`` ...), each with its own
    connection, each saving ``saves`` times."""
    errors: list[BaseException] = []
    start = threading.Barrier(coders)

    def work(name: str) -> None:
        db = connect(db_url, migrate=False)
        try:
            coder = get_coder(db, project, name)
            from coding.assignments import assigned_post_pks

            pks = assigned_post_pks(db, project, coder)
            start.wait()
            for i in range(saves):
                pk = pks[i % len(pks)]
                kind = KINDS[(i // len(pks) + int(name[1:])) % 3]
                save_coding(db, project, coder, pk, {"kind": kind, "outcome": "failure"}, done=True)
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=work, args=(f"c{i}",)) for i in range(first, first + coders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _team(db, project, coders: int) -> None:
    """20 posts, the small codebook, ``coders`` coders all assigned the same 10 posts."""
    make_posts(db, project, 20)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    names = [f"c{i}" for i in range(coders)]
    for name in names:
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "all", size=10, seed=1)
    assign(db, project, "all", names, overlap=10, seed=1)  # everyone codes the same 10 posts


def _check(db, project, coders: int, saves: int) -> None:
    """Exactly the events the saves must have written, and each coder's last values."""
    # each save changes "kind" except when it repeats the value already there; the first
    # save of each post also sets "outcome": count exactly what must have been written
    expected = 0
    for i in range(coders):
        last = {}
        for j in range(saves):
            post, kind = j % 10, KINDS[(j // 10 + i) % 3]
            if last.get(post) != kind:
                expected += 1
            if post not in last:
                expected += 1  # outcome
            last[post] = kind
    with db.read() as conn:
        events = conn.execute(select(func.count()).select_from(coding_events).where(coding_events.c.field == "value")).scalar()
    assert events == expected
    current = codings_long(db, project, None)
    kinds = current[current.variable == "kind"]
    assert len(kinds) == coders * 10
    for i in range(coders):
        mine = kinds[kinds.coder == f"c{i}"]
        # the last pass over the 10 posts used this kind for every post
        assert set(mine.value) == {KINDS[((saves - 1) // 10 + i) % 3]}


@pytest.mark.parametrize("coders, saves", [(8, 30)])
def test_concurrent_saves_all_land_once(db, db_url, project, coders, saves):
    _team(db, project, coders)
    errors = simulate(db_url, project, coders, saves)
    assert not errors, errors[0]
    _check(db, project, coders, saves)


_PROCESS = """
import sys
from dazi.db import connect
from dazi.projects import get_project
from tests.test_concurrency import simulate
url, coders, saves, first = sys.argv[1], *map(int, sys.argv[2:])
db = connect(url, migrate=False)
errors = simulate(url, get_project(db), coders, saves, first)
for exc in errors:
    print(repr(exc))
sys.exit(1 if errors else 0)
"""


def test_two_processes_saving_at_once_all_land_once(db, db_url, project):
    """Two server processes on one database: 2 x 4 coders x 20 saves."""
    _team(db, project, 8)
    root = Path(__file__).resolve().parent.parent
    procs = [subprocess.Popen([sys.executable, "-c", _PROCESS, db_url, "4", "20", str(first)], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for first in (0, 4)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    _check(db, project, 8, 20)
