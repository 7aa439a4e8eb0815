"""Export benchmark: dazi's workbook writer vs ``DataFrame.to_excel``.

dazi writes every workbook through :class:`reports.xlsx.StreamingWorkbook`,
XlsxWriter in its constant-memory mode.  Two comparisons, each contender in a
fresh subprocess so its peak resident memory is its own:

1. The writer alone, on plain data (no database): N coded posts (default
   100,000) with the canonical fields and V coded variables (default 20),
   generated deterministically, the same table for every contender.

   - ``pandas (openpyxl)``: the rows built into a DataFrame, then
     ``to_excel(engine="openpyxl")`` (timed: the ``to_excel`` call alone, so
     pandas is not charged for building its frame).  The goal is set against
     this one;
   - ``pandas (xlsxwriter)``: the same with ``engine="xlsxwriter"``, which is
     what a bare ``to_excel`` picks once XlsxWriter is installed (dazi
     installs it): the same library as dazi, holding every cell in memory;
   - ``dazi``: :func:`reports.workbook.write_posts_sheet` streaming the same
     rows from the generator into :class:`reports.xlsx.StreamingWorkbook`
     (timed: generating the rows and writing, everything).

2. The full ``dazi export out.xlsx`` path on projects of the sizes given
   with ``--project`` (e.g. ``10000,100000`` posts in SQLite, imported from
   the synthetic corpus; V variables; coder ``a`` finished every post and
   coder ``b`` the ``--overlap`` share, 10 % by default; codings are
   inserted in bulk, a benchmark shortcut that skips the event log).  The
   contenders, each in a fresh process:

   - ``dazi export out.xlsx`` (the CLI): README, Posts (final values:
     consensus, adjudicated or the single coder's), Codings (long, every
     coding), Codebook, Reliability (``--bootstrap``), Coder pairs,
     Disagreements;
   - the user's pandas route: ``read_sql`` of posts, codings and coding
     units, ``pivot_table`` of the codings to one row per post and coder,
     merged with the posts, ``to_excel`` (openpyxl) as one sheet; with
     ``--pandas-codings`` also the long codings as a second sheet (several
     GB of memory at 100,000 posts: openpyxl holds every cell).

   Both timed from process start to the file written (imports included).

Prints seconds, CPU seconds, peak resident memory (MiB) and the ratios
dazi/pandas, and the load average before and after (the machine is shared:
on a loaded machine the CPU-time ratio is the steadier figure).  Goal: at
most half of ``to_excel(engine="openpyxl")``'s time; peak memory under
200 MB, and for the full export a peak that does not grow with the number
of posts.

    python benchmarks/bench_export.py
    python benchmarks/bench_export.py --n 100000 --variables 20 --project 10000,100000 --bootstrap 1000
    python benchmarks/bench_export.py --n 0 --project 100000 --keep /tmp/bench   # reuse the built project
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_WORDS = ["找搭子", "饭搭子", "旅行搭子", "学习搭子", "健身", "周末", "上海", "同城", "不聊天只打卡", "一起",
          "looking for a buddy", "study with me", "😀", "🏃‍♀️", "💪🏻", "#云搭子[话题]#", "1.2万", "蹲一个"]
_CODES = ["activity_based", "emotional_support", "content_sharing", "study_work", "other", "unclear"]
FIELDS = ["post_id", "platform", "url", "title", "text", "author_id", "author_name", "created_at", "location",
          "likes", "collects", "comments", "shares", "engagement", "hashtags", "lang", "status"]
FIELD_KINDS = {"post_id": "text", "platform": "text", "url": "text", "title": "text", "text": "wrap",
               "author_id": "text", "author_name": "text", "created_at": "datetime", "location": "text",
               "likes": "integer", "collects": "integer", "comments": "integer", "shares": "integer",
               "engagement": "integer", "hashtags": "list", "lang": "text", "status": "text"}


def columns(variables: int) -> tuple[list[str], dict[str, str]]:
    """Column names and kinds: the canonical fields, then the variables (code id, 0/1 flag or number)."""
    names, kinds = list(FIELDS), dict(FIELD_KINDS)
    for j in range(variables):
        name = f"v{j + 1:02d}"
        names.append(name)
        kinds[name] = ("text", "flag", "number")[j % 3]
    return names, kinds


def rows(n: int, variables: int, seed: int = 7):
    """``n`` rows of plain Python values in :func:`columns` order, the same for the same arguments."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(n):
        likes, collects, comments, shares = (rng.randint(0, 20000), rng.randint(0, 5000), rng.randint(0, 900),
                                             rng.randint(0, 300))
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 30)))
        row = [f"{6_700_000_000_000_000_000 + i * 7919}", "xiaohongshu",
               f"https://www.xiaohongshu.com/explore/{i:024x}", text[:20], text, f"{i % 9973:024x}",
               f"用户{i % 9973}", start + timedelta(minutes=7 * i), rng.choice(["上海", "北京", "广东", "海外"]),
               likes, collects, comments, shares, likes + collects + comments + shares,
               ["云搭子", "找搭子"][: 1 + i % 2], "zh", "ok"]
        for j in range(variables):
            kind = j % 3
            row.append(rng.choice(_CODES) if kind == 0 else rng.randint(0, 1) if kind == 1 else
                       round(rng.uniform(0, 24), 1))
        yield row


_CHILD = r"""
import json, resource, sys, time
sys.path[:0] = [sys.argv[5], sys.argv[6]]
kind, n, variables, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
from bench_export import columns, rows
names, kinds = columns(variables)
info = {}
if kind.startswith("pandas-"):
    import pandas as pd
    t = time.perf_counter()
    frame = pd.DataFrame([[("; ".join(v) if isinstance(v, list) else v) for v in r] for r in rows(n, variables)],
                         columns=names)
    frame["created_at"] = frame["created_at"].dt.tz_localize(None)  # to_excel refuses time zones
    info["build_seconds"] = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    frame.to_excel(out, engine=kind.removeprefix("pandas-"), index=False, sheet_name="Posts")
elif kind == "dazi":
    from reports.workbook import write_posts_sheet
    from reports.xlsx import StreamingWorkbook
    t, c = time.perf_counter(), time.process_time()  # after the imports, as for pandas; row generation counts
    with StreamingWorkbook(out) as book:
        write_posts_sheet(book, names, kinds, rows(n, variables))
info["seconds"] = time.perf_counter() - t
info["cpu_seconds"] = time.process_time() - c
info["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(info))
"""

_FULL_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[4])
kind, db_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
t, c = time.perf_counter(), time.process_time()
info = {}
if kind == "dazi":
    from dazi.cli import main
    try:
        main(["--db", db_path, "export", out, "--bootstrap", sys.argv[5]])
    except SystemExit as exc:
        if exc.code:
            raise
else:
    # what a researcher would write with pandas: read the tables, pivot the codings, to_excel
    import json as js
    import sqlite3
    import pandas as pd
    con = sqlite3.connect(db_path)
    posts = pd.read_sql("SELECT id AS post_pk, post_id, platform, url, title, text, author_id, author_name, "
                        "created_at, location, likes, collects, comments, shares, hashtags, lang, status "
                        "FROM posts ORDER BY id", con, dtype={"post_id": str, "author_id": str})
    codings = pd.read_sql("SELECT c.post_pk, k.name AS coder, c.variable, c.value, c.codebook_version, "
                          "c.updated_at FROM codings c JOIN coders k ON k.id = c.coder_id "
                          "ORDER BY c.post_pk, k.name, c.variable", con)
    units = pd.read_sql("SELECT u.post_pk, k.name AS coder, u.memo, u.uncertain, u.done "
                        "FROM coding_units u JOIN coders k ON k.id = u.coder_id", con)
    def plain(v):  # SQLite gives JSON numbers back as numbers, the rest as JSON text
        x = js.loads(v) if isinstance(v, str) else v
        return "; ".join(map(str, x)) if isinstance(x, list) else x

    codings["value"] = codings["value"].map(plain)
    wide = codings.pivot_table(index=["post_pk", "coder"], columns="variable", values="value",
                               aggfunc="first").reset_index()
    wide = wide.merge(units, on=["post_pk", "coder"], how="left")
    table = posts.merge(wide, on="post_pk", how="left").drop(columns=["post_pk"])
    table["created_at"] = pd.to_datetime(table["created_at"], utc=True, format="mixed").dt.tz_localize(None)
    info["rows"] = len(table)
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        table.to_excel(writer, index=False, sheet_name="Posts")
        if sys.argv[5] == "codings":
            codings.merge(posts[["post_pk", "post_id"]], on="post_pk").to_excel(writer, index=False,
                                                                                 sheet_name="Codings")
info.update({"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - c,
             "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
print(json.dumps(info))
"""


def _child(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _codebook(variables: int) -> dict:
    out = []
    for j in range(variables):
        vid = f"v{j + 1:02d}"
        kind = ("single", "single", "multi", "ordinal", "single", "numeric")[j % 6]
        variable: dict = {"id": vid, "label": {"en": f"Variable {j + 1}", "zh": f"变量{j + 1}"}, "type": kind}
        if kind == "numeric":
            variable.update(min=0, max=120, required=False)
        else:
            variable["codes"] = [{"id": f"c{k}", "label": {"en": f"Code {k}", "zh": f"代码{k}"}} for k in range(1, 6)]
        if kind == "multi":
            variable["required"] = False
        out.append(variable)
    return {"name": "benchmark", "version": 1, "variables": out}


def build_project(path: Path, n: int, variables: int, overlap: float = 0.1) -> float:
    """A SQLite project of ``n`` imported synthetic notes, coded in bulk; returns seconds taken.

    Coder ``a`` finishes every post, coder ``b`` the share ``overlap`` of them
    (the reliability subsample).  Codings are inserted in chunks.
    """
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert

    from coding.codebook import Codebook
    from coding.codebook_store import save_codebook
    from coding.coders import add_coder
    from corpus.importer import import_files
    from dazi.db import connect
    from dazi.demo.synthetic import generate_notes, write_jsonl
    from dazi.projects import create_project
    from dazi.schema import coding_units, codings, utcnow

    t = time.perf_counter()
    db = connect(path)
    project = create_project(db, "default")
    notes = path.with_suffix(".jsonl")
    write_jsonl(generate_notes(n, seed=3, duplicates=False), notes)
    import_files(db, project, [notes])
    codebook = Codebook.from_dict(_codebook(variables))
    save_codebook(db, project, codebook)
    coders = [add_coder(db, project, name, passcode="1234")[0] for name in ("a", "b")]
    rng = random.Random(11)
    with db.read() as conn:
        from sqlalchemy import select

        from dazi.schema import posts

        pks = list(conn.execute(select(posts.c.id).where(posts.c.project_id == project.id)).scalars())
    now = utcnow()
    unit_rows, value_rows = [], []
    every = max(1, round(1 / overlap)) if overlap > 0 else 0

    def flush() -> None:
        with db.write() as conn:
            if unit_rows:
                conn.execute(insert(coding_units), unit_rows)
            if value_rows:
                conn.execute(insert(codings), value_rows)
        unit_rows.clear()
        value_rows.clear()

    for i, pk in enumerate(pks):
        if len(value_rows) >= 200_000:
            flush()
        for coder in coders if every and i % every == 0 else coders[:1]:
            unit_rows.append({"project_id": project.id, "post_pk": pk, "coder_id": coder.id, "done": True,
                              "uncertain": False, "seconds": 10.0, "updated_at": now})
            for variable in codebook.variables:
                if variable.type == "numeric":
                    value = round(rng.uniform(0, 24), 1)
                elif variable.type == "multi":
                    value = sorted(rng.sample([c.id for c in variable.codes], rng.randint(0, 3)))
                else:
                    value = rng.choice([c.id for c in variable.codes])
                value_rows.append({"project_id": project.id, "post_pk": pk, "coder_id": coder.id,
                                   "variable": variable.id, "value": value, "codebook_version": 1,
                                   "updated_at": now, "event_id": 0})
    flush()
    db.close()
    return time.perf_counter() - t


def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip() and int(part.replace("_", ""))]


def _writer_benchmark(args: argparse.Namespace, out: Path) -> None:
    names, _ = columns(args.variables)
    print(f"writer: {args.n:,} posts x {args.variables} variables ({len(names)} columns), same table for all; "
          f"load average before: {_load()}")
    contenders = {"pandas-openpyxl": 'pandas DataFrame.to_excel(engine="openpyxl")',
                  "pandas-xlsxwriter": 'pandas DataFrame.to_excel(engine="xlsxwriter")',
                  "dazi": "dazi StreamingWorkbook (generate + write)"}
    results = {kind: _child(_CHILD, kind, str(args.n), str(args.variables), str(out / f"{kind}.xlsx"),
                            str(HERE), str(ROOT)) for kind in contenders}
    print(f"{'':<50}{'seconds':>10}{'CPU s':>10}{'peak MiB':>10}{'file MiB':>10}")
    for kind, label in contenders.items():
        r = results[kind]
        print(f"{label:<50}{r['seconds']:>10.1f}{r['cpu_seconds']:>10.1f}{r['peak_bytes'] / 2**20:>10.0f}"
              f"{(out / f'{kind}.xlsx').stat().st_size / 2**20:>10.1f}")
    print("(pandas also took {:.1f} s to build its frame, not counted)".format(
        results["pandas-openpyxl"]["build_seconds"]))
    dazi = results["dazi"]
    for kind in ("pandas-openpyxl", "pandas-xlsxwriter"):
        base = results[kind]
        goal = "  (goal <= 0.5)" if kind == "pandas-openpyxl" else ""
        print(f"ratio dazi/{kind} time: {dazi['seconds'] / base['seconds']:.2f} wall, "
              f"{dazi['cpu_seconds'] / base['cpu_seconds']:.2f} CPU{goal}; "
              f"peak memory {dazi['peak_bytes'] / base['peak_bytes']:.2f}")
    print(f"dazi peak memory: {dazi['peak_bytes'] / 1e6:.0f} MB (goal: under 200 MB); "
          f"load average after: {_load()}")


def _full_benchmark(args: argparse.Namespace, out: Path, keep: Path) -> None:
    peaks = {}
    for size in _sizes(args.project):
        db = keep / f"bench_{size}_{args.variables}_{args.overlap:g}.db"
        if db.exists():
            print(f"\nfull export: project of {size:,} posts x {args.variables} variables (reused {db})")
        else:
            took = build_project(db, size, args.variables, args.overlap)
            print(f"\nfull export: project of {size:,} posts x {args.variables} variables "
                  f"(built in {took:.1f} s)")
        print(f"  coders a (every post) and b ({args.overlap:.0%} of them); load average before: {_load()}")
        dazi = _child(_FULL_CHILD, "dazi", str(db), str(out / "full.xlsx"), str(ROOT), str(args.bootstrap))
        pandas = _child(_FULL_CHILD, "pandas", str(db), str(out / "full-pandas.xlsx"), str(ROOT),
                        "codings" if args.pandas_codings else "posts")
        sheets = "Posts + Codings sheets" if args.pandas_codings else "one sheet"
        print(f"{'':<52}{'seconds':>10}{'CPU s':>10}{'peak MiB':>10}")
        for label, r in ((f"pandas: read_sql, pivot, to_excel ({sheets})", pandas),
                         (f"dazi export (7 sheets, bootstrap {args.bootstrap:,})", dazi)):
            print(f"{label:<52}{r['seconds']:>10.1f}{r['cpu_seconds']:>10.1f}{r['peak_bytes'] / 2**20:>10.0f}")
        print(f"  ratio dazi/pandas time: {dazi['seconds'] / pandas['seconds']:.2f} wall, "
              f"{dazi['cpu_seconds'] / pandas['cpu_seconds']:.2f} CPU; "
              f"peak memory {dazi['peak_bytes'] / pandas['peak_bytes']:.2f}")
        print(f"  file sizes: dazi {(out / 'full.xlsx').stat().st_size / 2**20:.1f} MiB, "
              f"pandas {(out / 'full-pandas.xlsx').stat().st_size / 2**20:.1f} MiB ({pandas['rows']:,} rows); "
              f"load average after: {_load()}")
        peaks[size] = dazi["peak_bytes"]
    if len(peaks) > 1:
        (small, low), (large, high) = min(peaks.items()), max(peaks.items())
        print(f"\ndazi export peak memory: {low / 2**20:.0f} MiB at {small:,} posts, {high / 2**20:.0f} MiB at "
              f"{large:,} posts: x{high / low:.2f} for x{large / small:.0f} posts")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="posts for the writer benchmark (default 100,000; "
                                                               "0: skip)")
    parser.add_argument("--variables", type=int, default=20, help="coded variables (default 20)")
    parser.add_argument("--project", default="5000",
                        help="posts of the full-export projects, comma-separated (default 5000; 0: skip)")
    parser.add_argument("--overlap", type=float, default=0.1,
                        help="share of the posts coder b also codes (default 0.1)")
    parser.add_argument("--bootstrap", type=int, default=1_000, help="bootstrap of the full export (default 1,000)")
    parser.add_argument("--pandas-codings", action="store_true",
                        help="pandas also writes the long codings sheet (needs several GB at 100,000 posts)")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the built projects in")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if args.n:
            _writer_benchmark(args, out)
        if _sizes(args.project):
            keep = args.keep or out
            keep.mkdir(parents=True, exist_ok=True)
            _full_benchmark(args, out, keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
