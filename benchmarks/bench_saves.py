"""Concurrent saves: 20 simulated coders x 500 saves each, through the core the app uses.

For SQLite (a temp file) and PostgreSQL (``--pg URL``, default the local server's
``test`` database, in a fresh database), prints the number of events written
(expected exactly coders x saves), lock errors that reached a coder (expected 0),
and the save latency distribution (median, p90, p99, max).  ``--unqueued`` also
runs SQLite without the in-process FIFO write queue of :meth:`dazi.db.Database.write`
(every thread meeting at SQLite's busy handler, as before the queue), for a
ratio measured on the same machine at the same time.

    python benchmarks/bench_saves.py --coders 20 --saves 500 --unqueued
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CODEBOOK = {
    "name": "bench", "version": 1,
    "variables": [{"id": "kind", "label": "Kind", "type": "single",
                   "codes": [{"id": f"k{i}", "label": f"K{i}"} for i in range(4)]}],
}


def _setup(url: str, coders: int, posts_n: int):
    from coding.assignments import assign
    from coding.codebook import Codebook
    from coding.codebook_store import save_codebook
    from coding.coders import add_coder
    from corpus.sampling import draw_sample
    from dazi.db import connect
    from dazi.projects import create_project
    from tests.conftest import make_posts

    db = connect(url)
    project = create_project(db, "bench")
    make_posts(db, project, posts_n)
    save_codebook(db, project, Codebook.from_dict(CODEBOOK))
    names = [f"c{i}" for i in range(coders)]
    for name in names:
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "all", size=posts_n, seed=1, include_unavailable=True)
    assign(db, project, "all", names, overlap=0, seed=1)
    db.close()
    return project, names


def _run(url: str, project, names: list[str], saves: int,
         queued: bool = True) -> tuple[list[float], list[BaseException]]:
    from coding.assignments import assigned_post_pks
    from coding.coders import get_coder
    from coding.codings import save_coding
    from dazi.db import connect

    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(names))

    def work(name: str) -> None:
        db = connect(url, migrate=False)
        if not queued:
            db._write_queue = None  # SQLite's busy handler alone decides who writes next
        coder = get_coder(db, project, name)
        pks = assigned_post_pks(db, project, coder)
        mine = []
        barrier.wait()
        for i in range(saves):
            t = time.perf_counter()
            try:
                # every save changes the value, so every save is one event
                save_coding(db, project, coder, pks[i % len(pks)], {"kind": f"k{(i // len(pks)) % 4}"})
            except BaseException as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(exc)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)
        db.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def _report(label: str, url: str, project, latencies, errors, elapsed: float) -> None:
    from sqlalchemy import func, select

    from dazi.db import connect
    from dazi.schema import coding_events

    db = connect(url, migrate=False)
    with db.read() as conn:
        events = conn.execute(select(func.count()).select_from(coding_events)
                              .where(coding_events.c.project_id == project.id)).scalar()
    db.close()
    q = statistics.quantiles(latencies, n=100)
    print(f"{label:<11} events {events:>6,}  errors {len(errors):>3}  {len(latencies) / elapsed:>6.0f} saves/s  "
          f"latency ms: median {statistics.median(latencies) * 1e3:6.1f}  p90 {q[89] * 1e3:6.1f}  "
          f"p99 {q[98] * 1e3:6.1f}  max {max(latencies) * 1e3:6.1f}")
    for exc in errors[:3]:
        print("   error:", repr(exc)[:200])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=20)
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--unqueued", action="store_true", help="also run SQLite without the FIFO write queue")
    args = parser.parse_args(argv)
    posts_n = args.coders * 25  # 25 posts per coder, each saved 20 times at the default
    print(f"{args.coders} coders x {args.saves} saves = {args.coders * args.saves:,} expected events")
    for queued in (True, False) if args.unqueued else (True,):
        with tempfile.TemporaryDirectory() as tmp:
            url = str(Path(tmp) / "bench.db")
            project, names = _setup(url, args.coders, posts_n)
            t = time.perf_counter()
            lat, err = _run(url, project, names, args.saves, queued)
            _report("SQLite" if queued else "unqueued", url, project, lat, err, time.perf_counter() - t)
    if not args.no_pg:
        import sqlalchemy as sa

        name = f"dazi_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = args.pg.rsplit("/", 1)[0] + "/" + name
        try:
            project, names = _setup(url, args.coders, posts_n)
            t = time.perf_counter()
            lat, err = _run(url, project, names, args.saves)
            _report("PostgreSQL", url, project, lat, err, time.perf_counter() - t)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
