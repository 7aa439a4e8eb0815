"""Import benchmark: ``dazi import`` end to end vs ``pandas.read_json(lines=True)``.

Generates N synthetic MediaCrawler Xiaohongshu notes (JSONL), then in the
same run times, each in a fresh subprocess so peak memory is its own:

- ``pandas``: ``pandas.read_json(path, lines=True)`` (parsing only);
- ``dazi``: ``dazi import`` into a new SQLite database (parsing, normalising
  counts/times/hashtags, deduplicating, writing in one transaction).

Prints seconds, peak resident memory and the ratio dazi/pandas (goal: <= 1.0,
peak memory under 1 GB at 1,000,000 posts).

    python benchmarks/bench_import.py --n 200000
    python benchmarks/bench_import.py --n 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_CHILD = r"""
import json, resource, sys, time
kind, path, db = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
if kind == "pandas":
    import pandas as pd
    frame = pd.read_json(path, lines=True, dtype=False)
    n = len(frame)
else:
    from dazi.db import connect
    from dazi.projects import create_project
    from corpus.importer import import_files
    database = connect(db)
    project = create_project(database, "bench")
    n = import_files(database, project, [path]).imported
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"n": n, "seconds": elapsed, "peak_bytes": peak}))
"""


def _run(kind: str, path: Path, db: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, kind, str(path), str(db)], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of notes (default 100,000)")
    parser.add_argument("--keep", type=Path, help="keep the generated file here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from corpus.synthetic import generate_notes, write_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "notes.jsonl"
        t = time.perf_counter()
        write_jsonl(generate_notes(args.n, seed=1), path)
        size = path.stat().st_size
        print(f"generated {args.n:,} notes ({size / 2**20:,.0f} MiB) in {time.perf_counter() - t:.1f} s")
        pandas = _run("pandas", path, Path(tmp) / "unused.db")
        dazi = _run("dazi", path, Path(tmp) / "bench.db")
    print(f"{'':<28}{'seconds':>10}{'peak MiB':>10}{'posts':>12}")
    for name, r in (("pandas.read_json(lines)", pandas), ("dazi import (SQLite)", dazi)):
        print(f"{name:<28}{r['seconds']:>10.1f}{r['peak_bytes'] / 2**20:>10.0f}{r['n']:>12,}")
    print(f"ratio dazi/pandas time: {dazi['seconds'] / pandas['seconds']:.2f}  (goal <= 1.0)")
    print(f"ratio dazi/pandas peak memory: {dazi['peak_bytes'] / pandas['peak_bytes']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
