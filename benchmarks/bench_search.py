"""Benchmark: search latency at scale, against pandas and a SQL LIKE scan.

Builds (or reuses, with the same ``--dir``) a project of N synthetic
Xiaohongshu notes the way a user would: ``make_corpus.py``'s generator
writes the JSONL, ``dazi import`` loads it, ``dazi index --only substrings``
builds the substring index and ``dazi index --only words --processes 2`` the
word index (times and the database's growth printed; ``--no-words`` skips
the word index, which takes most of an hour at 1,000,000, and the
whole-word queries).  Then, in the same run, each representative query is
timed with

* dazi: :func:`corpus.search.search` (the first page of 20 hits with
  keyword-in-context, and the total count), ``--repeat`` times: median and
  95th percentile;
* pandas: the same condition with ``Series.str.contains`` over the title and
  text held in memory (loading them is not counted);
* LIKE: ``SELECT count(*) ... WHERE lower(title || ' ' || text) LIKE ...``,
  the scan a database does without a full-text index.

The ratios print as baseline time / dazi time (above 1: dazi is faster).
The machine may be shared: the load averages are printed at the start and
the end.  Run on demand::

    python benchmarks/bench_search.py --n 100000
    python benchmarks/bench_search.py --n 1000000 --dir benchmarks/out/search-1m
    python benchmarks/bench_search.py --n 100000 --db postgresql://127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


@dataclass
class Case:
    """A query, its filters, and the same condition for the two baselines."""

    label: str
    query: str
    whole_words: bool = False
    filters: dict | None = None
    #: boolean mask over the in-memory frame (columns doc = folded title + text, and the filters')
    pandas: Callable | None = None
    #: WHERE clause over ``lower(coalesce(title, '') || ' ' || text)`` as ``d``, with its parameters
    like: tuple[str, tuple] | None = None


def _contains(frame, term: str, regex: bool = False):
    return frame["doc"].str.contains(term, regex=regex)


CASES = [
    Case("keyword 搭子", "搭子", pandas=lambda f: _contains(f, "搭子"), like=("d LIKE ?", ("%搭子%",))),
    Case("rare keyword 飞盘", "飞盘", pandas=lambda f: _contains(f, "飞盘"), like=("d LIKE ?", ("%飞盘%",))),
    Case("one character 年", "年", pandas=lambda f: _contains(f, "年"), like=("d LIKE ?", ("%年%",))),
    Case(
        "English keyword buddy",
        "buddy",
        pandas=lambda f: _contains(f, "buddy"),
        like=("d LIKE ?", ("%buddy%",)),
    ),
    Case(
        "phrase \"旅行 搭子\"",
        '"旅行 搭子"',
        pandas=lambda f: _contains(f, r"旅行\s*搭子", True),
        like=("d LIKE ?", ("%旅行%搭子%",)),
    ),
    Case(
        "AND 找搭子 AND 上海",
        "找搭子 AND 上海",
        pandas=lambda f: _contains(f, "找搭子") & _contains(f, "上海"),
        like=("d LIKE ? AND d LIKE ?", ("%找搭子%", "%上海%")),
    ),
    Case(
        "OR 北京 OR 成都",
        "北京 OR 成都",
        pandas=lambda f: _contains(f, "北京") | _contains(f, "成都"),
        like=("d LIKE ? OR d LIKE ?", ("%北京%", "%成都%")),
    ),
    Case(
        "NOT 搭子 NOT 游戏",
        "搭子 NOT 游戏",
        pandas=lambda f: _contains(f, "搭子") & ~_contains(f, "游戏"),
        like=("d LIKE ? AND NOT d LIKE ?", ("%搭子%", "%游戏%")),
    ),
    Case(
        "only NOT: NOT 饭搭子",
        "NOT 饭搭子",
        pandas=lambda f: ~_contains(f, "饭搭子"),
        like=("NOT d LIKE ?", ("%饭搭子%",)),
    ),
    Case(
        "whole word 饭搭子",
        "饭搭子",
        whole_words=True,
        pandas=lambda f: _contains(f, r"(?<![\u4e00-\u9fff])饭搭子(?![\u4e00-\u9fff])", True),
        like=("d LIKE ?", ("%饭搭子%",)),
    ),
    Case(
        "whole word 搭子 AND 周末",
        "搭子 AND 周末",
        whole_words=True,
        pandas=lambda f: _contains(f, "搭子") & _contains(f, "周末"),
        like=("d LIKE ? AND d LIKE ?", ("%搭子%", "%周末%")),
    ),
    Case(
        "keyword + filters (date, engagement)",
        "搭子",
        filters={"since": "2025-06-01", "until": "2025-12-31", "min_engagement": 1000},
        pandas=lambda f: _contains(f, "搭子")
        & (f["created_at"] >= "2025-06-01")
        & (f["created_at"] <= "2025-12-31")
        & (f["engagement"] >= 1000),
        like=(
            "d LIKE ? AND created_at >= ? AND created_at <= ? AND engagement >= ?",
            ("%搭子%", "2025-06-01", "2025-12-31", 1000),
        ),
    ),
    Case(
        "regex /(饭|饭局)搭子.{0,5}上海/ (index: 饭搭子|饭局搭子, 上海)",
        "/(饭|饭局)搭子.{0,5}上海/",
        pandas=lambda f: _contains(f, r"(?:饭|饭局)搭子.{0,5}上海", True),
        like=("d LIKE ? AND d LIKE ?", ("%搭子%", "%上海%")),
    ),
    Case(
        "regex with no literal /\\d{4}年/",
        r"/\d{4}年/",
        pandas=lambda f: _contains(f, r"\d{4}年", True),
        like=("d GLOB ?", ("*[0-9][0-9][0-9][0-9]年*",)),
    ),
]


def _run(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


def build(n: int, folder: Path, url: str | None, seed: int, words: bool) -> str:
    """Create the project (import + indexes) unless ``folder`` already holds it."""
    from dazi.demo.synthetic import write_notes_jsonl

    folder.mkdir(parents=True, exist_ok=True)
    url = url or str(folder / "search.db")
    marker = folder / f"built-{n}{'-words' if words else ''}"
    if marker.exists() and (url.startswith("postgresql") or Path(url).exists()):
        print(f"reusing {url} ({n:,} notes)")
        return url
    notes = folder / f"notes-{n}.jsonl"
    if not notes.exists():
        t0 = time.perf_counter()
        write_notes_jsonl(n, notes, seed, duplicates=False, jobs=os.cpu_count() or 1)
        print(f"generated {n:,} notes in {time.perf_counter() - t0:.1f} s")
    dazi = [sys.executable, "-m", "dazi", "--db", url]
    if not (folder / f"built-{n}").exists():
        print(f"dazi import: {_run([*dazi, 'import', str(notes)]):.1f} s  ({_size(url)})")
        seconds = _run([*dazi, "index", "--only", "substrings"])
        print(f"dazi index --only substrings: {seconds:.1f} s  ({_size(url)})")
        (folder / f"built-{n}").write_text(url)
    if words:
        seconds = _run([*dazi, "index", "--only", "words", "--processes", "2"])
        print(f"dazi index --only words --processes 2: {seconds:.1f} s  ({_size(url)})")
    marker.write_text(url)
    return url


def _size(url: str) -> str:
    """The SQLite file's size with its log (PostgreSQL: not measured here)."""
    if url.startswith("postgresql"):
        return "PostgreSQL"
    total = sum(Path(url + suffix).stat().st_size for suffix in ("", "-wal") if Path(url + suffix).exists())
    return f"{total / 2**20:,.0f} MiB on disk"


def _frame(db, project):
    """Title + text folded, and the filter columns, in memory (for pandas)."""
    import pandas as pd
    from sqlalchemy import select

    from corpus.text import fold
    from dazi.schema import posts

    with db.read() as conn:
        rows = conn.execute(
            select(posts.c.title, posts.c.text, posts.c.created_at, posts.c.engagement).where(
                posts.c.project_id == project.id
            )
        ).all()
    frame = pd.DataFrame(rows, columns=["title", "text", "created_at", "engagement"])
    frame["doc"] = [fold(f"{t}\n{x}" if t else x) for t, x in zip(frame.title, frame.text, strict=True)]
    frame["created_at"] = frame["created_at"].astype(str)
    return frame


def _times(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    laps, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        laps.append(time.perf_counter() - t0)
    laps.sort()
    p95 = laps[min(len(laps) - 1, round(0.95 * (len(laps) - 1)))]
    return statistics.median(laps), p95, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="notes (default 100,000)")
    parser.add_argument("--dir", type=Path, help="folder for the project (reused when present)")
    parser.add_argument("--db", help="a postgresql:// URL instead of a SQLite file in --dir")
    parser.add_argument("--repeat", type=int, default=7, help="runs per query (default 7)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baselines", action="store_true", help="time dazi only")
    parser.add_argument("--no-words", action="store_true", help="no word index and no whole-word queries")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from corpus.search import SearchFilters, search
    from dazi.db import connect
    from dazi.projects import get_project

    folder = args.dir or HERE / "out" / f"search-{args.n}"
    print(f"load average at the start (1, 5, 15 min): {_load()}")
    url = build(args.n, folder, args.db, args.seed, words=not args.no_words)
    db = connect(url)
    project = get_project(db)
    with db.read() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM posts WHERE project_id = :p"), {"p": project.id}
        ).scalar()
    print(f"{count:,} posts in {url}")
    frame = None if args.no_baselines else _frame(db, project)
    placeholder = "?" if db.dialect == "sqlite" else "%s"

    if not args.no_words:  # jieba's dictionary loads once per process (the app keeps it): timed apart
        from corpus.text import tokenizer

        t0 = time.perf_counter()
        tokenizer().tokenize("预热")
        print(f"set-up (the word pipeline, jieba's dictionary): {time.perf_counter() - t0:.2f} s, not counted")
    header = f"{'query':<52}{'hits':>9}{'median':>9}{'p95':>9}{'pandas':>9}{'LIKE':>9}  ratios"
    print(header)
    worst = 0.0
    for case in CASES:
        if case.whole_words and args.no_words:
            continue
        raw = dict(case.filters or {})
        for key in ("since", "until"):
            if key in raw:
                raw[key] = datetime.fromisoformat(raw[key]).replace(tzinfo=UTC)
        filters = SearchFilters(**raw)
        median, p95, result = _times(
            lambda case=case, filters=filters: search(
                db, project, case.query, whole_words=case.whole_words, filters=filters
            ),
            args.repeat,
        )
        worst = max(worst, p95)
        line = f"{case.label:<52}{result.total:>9,}{median:>8.3f}s{p95:>8.3f}s"
        if frame is not None and case.pandas and case.like:
            t_pandas, _, mask = _times(lambda case=case: int(case.pandas(frame).sum()), 1)
            where, params = case.like
            if db.dialect != "sqlite" and "GLOB" in where:
                where, params = "d ~ %s", (r"\d{4}年",)
            sql = (
                "SELECT count(*) FROM (SELECT lower(coalesce(title, '') || ' ' || text) AS d, "
                f"created_at, engagement FROM posts WHERE project_id = {int(project.id)}) AS x "
                f"WHERE {where.replace('?', placeholder)}"
            )
            with db.engine.connect() as conn:
                t_like, _, _ = _times(
                    lambda sql=sql, params=params, conn=conn: conn.exec_driver_sql(
                        sql, tuple(params)
                    ).scalar(),
                    1,
                )
            line += f"{t_pandas:>8.3f}s{t_like:>8.3f}s  pandas/dazi {t_pandas / median:6.1f}x  LIKE/dazi {t_like / median:6.1f}x"
        print(line, flush=True)
    print(f"slowest p95: {worst:.3f} s")
    print(f"load average at the end (1, 5, 15 min): {_load()}")
    db.engine.dispose()
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
