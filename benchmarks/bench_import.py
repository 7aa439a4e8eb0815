"""Import benchmark: ``dazi import`` end to end vs ``pandas.read_json(lines=True)``.

Generates N synthetic MediaCrawler Xiaohongshu notes (JSONL, ~1.4 KB each,
1% duplicates), then in the same run, interleaved and repeated, times each
in a fresh process:

- ``pandas``: ``pandas.read_json(path, lines=True, dtype=False)``, parsing
  only, under an address-space limit (``--pandas-limit-gb``) so that a file
  too large for memory fails cleanly instead of pushing the machine into the
  OOM killer (pandas holds ~23 KB a note: ~23 GB for 1,000,000);
- ``dazi``: the real command ``dazi --db new.db import notes.jsonl`` into a
  new SQLite database (parsing, normalising counts/times/hashtags/language,
  deduplicating, writing in one transaction; worker processes chosen
  automatically), or with ``--workers N`` the same import through
  :func:`corpus.importer.import_files` with N workers.

The same is done for a Zeeschuimer export of N RedNote notes (``--sources``,
default both): each synthetic note wrapped as Zeeschuimer stores an API
object (an envelope around ``{id, note_card: {display_title, desc, time,
user, interact_info, tag_list, image_list}, xsec_token}``, ~2 KB a line),
which dazi detects as ``zeeschuimer-xiaohongshu``; pandas reads that file.

Both are timed from outside (interpreter start included), CPU time is the
process tree's user + system time, and peak memory is the largest sum of
the resident sizes of the process and its children, sampled every 20 ms.
Prints every run, the ratio dazi/pandas of each pair of runs (goal:
<= 1.0, with dazi's peak under 1 GB at 1,000,000 notes) and their range.

Options for measuring a change in the same run:

- ``--compare-tree DIR`` also times the same dazi command on the source tree
  in DIR (for example ``git worktree add /tmp/old HEAD~3``), interleaved
  with the others, and prints its ratios beside the current tree's;
- ``--page-size N`` creates the new SQLite database with that page size
  before dazi opens it (dazi keeps the size of an existing file);
- ``--pandas-to-sql`` makes the pandas run also write the frame into a new
  SQLite file with ``DataFrame.to_sql`` (what a user without dazi would do),
  instead of parsing only.

A second baseline, for sizes whose frame does not fit in memory (1,000,000
notes): ``--pandas-chunksize N`` also times
``pandas.read_json(path, lines=True, dtype=False, chunksize=N)``, parsing
every chunk and keeping none (the least pandas can do within bounded
memory), labelled ``pandas-chunked``; its ratios are printed on their own
lines.  The goal stays stated against plain ``read_json``.

    python benchmarks/bench_import.py --n 100000 200000 --repeat 3
    python benchmarks/bench_import.py --n 100000 --sources zeeschuimer
    python benchmarks/bench_import.py --n 1000000 --repeat 1
    python benchmarks/bench_import.py --n 100000 --repeat 2 --compare-tree /tmp/old
    python benchmarks/bench_import.py --n 1000000 --repeat 1 --pandas-chunksize 100000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_PANDAS = r"""
import json, resource, sys
limit = int(sys.argv[2])
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    import pandas as pd
    frame = pd.read_json(sys.argv[1], lines=True, dtype=False)
    n = len(frame)
    if len(sys.argv) > 3:  # --pandas-to-sql: a new SQLite file
        import sqlite3
        with sqlite3.connect(sys.argv[3]) as con:
            frame.to_sql("posts", con, index=False, chunksize=10_000)
except MemoryError:
    print(json.dumps({"error": "failed: memory limit"}))
else:
    print(json.dumps({"n": n}))
"""

_PANDAS_CHUNKED = r"""
import json, sys
import pandas as pd
n = 0
with pd.read_json(sys.argv[1], lines=True, dtype=False, chunksize=int(sys.argv[2])) as reader:
    for chunk in reader:
        n += len(chunk)
print(json.dumps({"n": n}))
"""

_API = r"""
import json, sys
from corpus.importer import import_files
from dazi.db import connect
from dazi.projects import ensure_project

db = connect(sys.argv[2])
report = import_files(db, ensure_project(db, "default"), [sys.argv[1]], workers=int(sys.argv[3]))
print(json.dumps({"n": report.imported}))
"""


def _tree_rss(pid: int) -> int:
    """Resident bytes of *pid* and its descendants (Linux /proc), 0 where unreadable."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def _run(cmd: list[str], tree: Path | None = None) -> dict:
    """Run *cmd* (on the source *tree*, default this one); wall seconds, tree CPU seconds, peak tree RSS
    and its JSON output."""
    env = dict(os.environ)
    if tree is not None:  # ahead of the editable install on sys.path, also in the workers
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    before = _children_cpu()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True, env=env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t
    done.set()
    sampler.join()
    # waited-for children count their own waited-for children (the workers)
    result: dict = {"seconds": seconds, "cpu": _children_cpu() - before, "peak": peak, "rc": proc.returncode}
    lines = [x for x in out.strip().splitlines() if x.startswith("{")]
    imported = re.search(r"^imported\s+([\d,]+) new posts", out, re.MULTILINE)  # the dazi command's report
    if lines:
        result.update(json.loads(lines[-1]))
    elif imported and not proc.returncode:
        result["n"] = int(imported.group(1).replace(",", ""))
    elif proc.returncode:
        result["error"] = f"failed ({err.strip().splitlines()[-1] if err.strip() else proc.returncode})"
    else:
        result["n"] = None
    return result


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _zeeschuimer_item(note: dict, n: int) -> dict:
    """A synthetic MediaCrawler note as Zeeschuimer stores the RedNote API object it came from
    (modules/rednote.js; the shape 4CAT's datasources/xiaohongshu/search_rednote.py reads)."""
    collected = 1_764_000_000_000 + n
    card = {
        "type": note["type"],
        "display_title": note["title"],
        "desc": note["desc"],
        "time": note["time"],
        "ip_location": note["ip_location"],
        "user": {"user_id": note["user_id"], "nickname": note["nickname"], "avatar": note["avatar"]},
        "interact_info": {"liked_count": note["liked_count"], "collected_count": note["collected_count"],
                          "comment_count": note["comment_count"], "share_count": note["share_count"]},
        "tag_list": [{"name": t, "type": "topic"} for t in note["tag_list"].split(",") if t],
        "image_list": [{"url_default": u, "info_list": []} for u in note["image_list"].split(",") if u],
    }
    return {
        "id": n, "nav_index": f"1:1:{n}", "item_id": note["note_id"], "timestamp_collected": collected,
        "last_updated": collected, "source_platform": "xiaohongshu.com",
        "source_platform_url": "https://www.xiaohongshu.com/search_result?keyword=" + note["source_keyword"],
        "source_url": "https://edith.xiaohongshu.com/api/sns/web/v1/search/notes",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "data": {"id": note["note_id"], "model_type": "note", "xsec_token": note["xsec_token"], "note_card": card},
    }


def write_zeeschuimer(notes, path: Path) -> None:
    """Write *notes* (MediaCrawler records) as a Zeeschuimer NDJSON export of RedNote API objects."""
    with open(path, "w", encoding="utf-8") as fh:
        for n, note in enumerate(notes):
            fh.write(json.dumps(_zeeschuimer_item(note, n), ensure_ascii=False) + "\n")


def _dazi_cmd(path: Path, db: Path, workers: int | None) -> list[str]:
    if workers is None:
        script = Path(sys.executable).with_name("dazi")  # the installed console script
        return [str(script), "--db", str(db), "import", str(path)]
    return [sys.executable, "-c", _API, str(path), str(db), str(workers)]


def _fresh(db: Path, page_size: int | None = None) -> None:
    """Remove the database files; with *page_size*, create an empty WAL database with that page size."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    if page_size:
        import sqlite3

        con = sqlite3.connect(db)
        con.execute(f"PRAGMA page_size = {int(page_size)}")
        con.execute("PRAGMA journal_mode = WAL")  # writes the header: the size is fixed from here on
        con.close()


def _show(name: str, r: dict) -> str:
    if "error" in r:
        return f"  {name:<15}{r['error']} after {r['seconds']:.1f} s (peak {r['peak'] / 2**20:,.0f} MiB)"
    return (f"  {name:<15}{r['seconds']:>8.1f} s  cpu {r['cpu']:>7.1f} s  peak {r['peak'] / 2**20:>7,.0f} MiB"
            f"  {r.get('n') or 0:>10,} rows")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000], help="numbers of notes (default 100,000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, interleaved (default 1)")
    parser.add_argument("--workers", type=int, help="import through the API with this many workers "
                        "(default: the dazi command, workers chosen automatically)")
    parser.add_argument("--pandas-limit-gb", type=float, default=20.0,
                        help="address-space limit for pandas (default 20; 0: none)")
    parser.add_argument("--skip-pandas", action="store_true", help="time dazi only")
    parser.add_argument("--pandas-to-sql", action="store_true",
                        help="pandas also writes the frame to a new SQLite file (DataFrame.to_sql)")
    parser.add_argument("--pandas-chunksize", type=int, metavar="N",
                        help="also time read_json(lines=True, chunksize=N), "
                             "a second baseline in bounded memory")
    parser.add_argument("--compare-tree", type=Path, metavar="DIR",
                        help="also time dazi on the source tree in DIR (e.g. a git worktree of an older commit)")
    parser.add_argument("--page-size", type=int, help="create dazi's SQLite database with this page size")
    parser.add_argument("--dir", type=Path, help="keep generated files here (reused when present)")
    parser.add_argument("--sources", nargs="+", choices=["mediacrawler", "zeeschuimer"],
                        default=["mediacrawler", "zeeschuimer"],
                        help="which files to time: MediaCrawler JSONL, Zeeschuimer NDJSON (default both)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from dazi.demo.synthetic import generate_notes, write_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n, source in ((n, s) for n in args.n for s in args.sources):
            if source == "mediacrawler":
                path = folder / f"notes_{n}.jsonl"
                if not path.exists():
                    t = time.perf_counter()
                    write_jsonl(generate_notes(n, seed=1), path)
                    print(f"generated {path.name} in {time.perf_counter() - t:.1f} s")
            else:
                path = folder / f"zeeschuimer-xiaohongshu.com_{n}.ndjson"
                if not path.exists():
                    t = time.perf_counter()
                    write_zeeschuimer(generate_notes(n, seed=1), path)
                    print(f"generated {path.name} in {time.perf_counter() - t:.1f} s")
            size = path.stat().st_size
            print(f"N = {n:,} {source} notes, {size / 2**20:,.0f} MiB ({size / n:,.0f} bytes a note); "
                  f"dazi: {'dazi import' if args.workers is None else f'import_files(workers={args.workers})'}")
            db = Path(tmp) / "bench.db"
            if args.page_size:
                print(f"  dazi's database is created with page_size {args.page_size}")
            trees = [("dazi", None)] + ([("dazi-cmp", args.compare_tree.resolve())] if args.compare_tree else [])
            if args.pandas_chunksize:
                print(f"  pandas-chunked: read_json(lines=True, chunksize={args.pandas_chunksize:,}), "
                      "a second baseline (the goal is stated against plain pandas)")
            ratios: dict[tuple[str, str], list[float]] = {}
            for i in range(args.repeat):
                baselines: dict[str, dict] = {}
                if not args.skip_pandas:
                    limit = int(args.pandas_limit_gb * 2**30)
                    cmd = [sys.executable, "-c", _PANDAS, str(path), str(limit)]
                    if args.pandas_to_sql:
                        _fresh(db)
                        cmd.append(str(db))
                    baselines["pandas"] = _run(cmd)
                    _fresh(db)
                    print(_show("pandas", baselines["pandas"]))
                if args.pandas_chunksize:
                    chunked = [sys.executable, "-c", _PANDAS_CHUNKED, str(path), str(args.pandas_chunksize)]
                    baselines["pandas-chunked"] = _run(chunked)
                    print(_show("pandas-chunked", baselines["pandas-chunked"]))
                for name, tree in trees if i % 2 == 0 else trees[::-1]:  # alternate which goes first
                    _fresh(db, args.page_size)
                    dazi = _run(_dazi_cmd(path, db, args.workers), tree)
                    _fresh(db)
                    print(_show(name, dazi))
                    for base, result in baselines.items():
                        if "error" in result or "error" in dazi:
                            continue
                        ratio = dazi["seconds"] / result["seconds"]
                        ratios.setdefault((name, base), []).append(ratio)
                        goal = " (goal <= 1.0)" if base == "pandas" else " (second baseline)"
                        print(f"  run {i + 1}: ratio {name}/{base} time {ratio:.2f}{goal}, "
                              f"cpu {dazi['cpu'] / result['cpu']:.2f}, "
                              f"peak memory {dazi['peak'] / result['peak']:.2f}")
            for (name, base), values in ratios.items():
                tree = dict(trees)[name]
                label = f"{name} ({tree})" if tree else name
                print(f"  N = {n:,} ({source}): {label} time ratio to {base} {min(values):.2f} to {max(values):.2f} "
                      f"over {len(values)} run(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
