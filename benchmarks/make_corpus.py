"""Write a synthetic MediaCrawler Xiaohongshu export of any size, for benchmarks.

Usage::

    python benchmarks/make_corpus.py N OUT.jsonl [--seed S] [--no-duplicates]
                                     [--comments COMMENTS.jsonl] [--per-note LO HI]

``N`` distinct notes are written (plus one duplicate-keyword row per 100 notes
unless ``--no-duplicates``), exactly as :func:`dazi.demo.synthetic.generate_notes`
yields them: the same N and seed give the same file, byte for byte.  The data
is synthetic (see ``corpus/data/README.md``).

Example::

    python benchmarks/make_corpus.py 1000000 benchmarks/out/notes_1m.jsonl --seed 1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from dazi.demo.synthetic import generate_comments, generate_notes, write_jsonl, write_notes_jsonl
from dazi.errors import DaziError


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make_corpus.py",
        description="Write N synthetic Xiaohongshu notes as MediaCrawler JSONL.",
        epilog="Example: python benchmarks/make_corpus.py 100000 benchmarks/out/notes.jsonl --seed 1",
    )
    parser.add_argument("n", type=_positive_int, metavar="N", help="number of distinct notes")
    parser.add_argument("out", metavar="OUT", help="notes file to write (.jsonl)")
    parser.add_argument("--seed", type=_positive_int, default=0, help="generator seed (default 0)")
    parser.add_argument(
        "--no-duplicates",
        action="store_true",
        help="leave out the rows that repeat a note under a second keyword",
    )
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="processes drawing notes (default: all cores; the file is the same for any value)",
    )
    parser.add_argument("--comments", metavar="PATH", help="also write comments to PATH")
    parser.add_argument(
        "--per-note",
        type=_positive_int,
        nargs=2,
        default=(0, 3),
        metavar=("LO", "HI"),
        help="comments per note, inclusive bounds (default 0 3)",
    )
    args = parser.parse_args(argv)

    try:
        started = time.perf_counter()
        rows = write_notes_jsonl(
            args.n, args.out, args.seed, duplicates=not args.no_duplicates, jobs=max(args.jobs, 1)
        )
        elapsed = time.perf_counter() - started
        print(
            f"wrote {rows:,} rows ({args.n:,} notes + {rows - args.n:,} duplicate-keyword rows) "
            f"to {args.out} in {elapsed:.1f} s ({rows / max(elapsed, 1e-9):,.0f} rows/s)"
        )
        if args.comments:
            started = time.perf_counter()
            notes = generate_notes(args.n, args.seed, duplicates=False)
            count = write_jsonl(
                generate_comments(notes, tuple(args.per_note), args.seed), args.comments
            )
            elapsed = time.perf_counter() - started
            print(f"wrote {count:,} comments to {args.comments} in {elapsed:.1f} s")
    except DaziError as exc:
        print(f"Error: {exc.describe()}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
