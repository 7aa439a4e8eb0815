"""Many coders saving at once through the same core the app uses.

Every save must land exactly once, the current values must be the last ones
each coder saved, and no lock or serialisation error may reach a coder (the
core retries with backoff).  The full 20 x 500 run is the benchmark
``benchmarks/bench_saves.py``; here a smaller load runs on both backends.
"""

from __future__ import annotations

import threading

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


def simulate(db_url: str, project, coders: int, saves: int) -> list[BaseException]:
    """``coders`` threads, each with its own connection, each saving ``saves`` times."""
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

    threads = [threading.Thread(target=work, args=(f"c{i}",)) for i in range(coders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.parametrize("coders, saves", [(8, 30)])
def test_concurrent_saves_all_land_once(db, db_url, project, coders, saves):
    make_posts(db, project, 20)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    names = [f"c{i}" for i in range(coders)]
    for name in names:
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "all", size=10, seed=1)
    assign(db, project, "all", names, overlap=10, seed=1)  # everyone codes the same 10 posts

    errors = simulate(db_url, project, coders, saves)
    assert not errors, errors[0]

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
