"""Run dazi's benchmarks, one after another, each in its own process.

Every benchmark times dazi against what a researcher would otherwise use, in
the same run (plain pandas, the bare ``krippendorff`` package, ``jieba.cut``,
``DataFrame.to_excel``, a SQL ``LIKE`` scan), and prints ratios as well as
seconds. This runner passes each one a size that finishes in minutes on a
2-core machine (``--size quick``, the default) or the sizes the issues name
(``--size full``: 1,000,000 posts for import, tokenising and search,
100,000 for export and the app; expect an hour or more), then repeats the
ratio lines of every benchmark in one summary at the end.

    python benchmarks/run.py                      # all, quick sizes (make bench)
    python benchmarks/run.py import export        # some, by name
    python benchmarks/run.py --size full text     # the issue-sized run of one
    python benchmarks/run.py --list

Benchmarks are not tests: none of them runs in ``make test``. Timings on a
busy machine are noisy; the ratios, measured interleaved in one run, much less.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> (script, arguments for --size quick, arguments for --size full)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "import": ("bench_import.py", ["--n", "100000", "--repeat", "2"],
               ["--n", "1000000", "--repeat", "1", "--pandas-chunksize", "100000"]),
    "reliability": ("bench_reliability.py", ["--units", "20000"], []),
    "export": ("bench_export.py", ["--n", "20000", "--project", "5000"], ["--n", "100000", "--project", "100000"]),
    "text": ("bench_text.py", ["--n", "50000"], ["--n", "1000000"]),
    "search": ("bench_search.py", ["--n", "100000"], ["--n", "1000000"]),
    "saves": ("bench_saves.py", ["--coders", "20", "--saves", "100"], ["--coders", "20", "--saves", "500"]),
    "app": ("bench_app.py", ["--posts", "20000", "--repeat", "10"], ["--posts", "100000", "--coders", "10"]),
    "model": ("bench_model.py", ["--train-posts", "5000", "--code-posts", "50000"],
              ["--train-posts", "5000", "--code-posts", "1000000"]),
}

#: words that mark a line worth repeating in the summary
SUMMARY_WORDS = ("ratio", "speed-up", "speedup", "x faster", "median", "p99", "goal")


def summary_lines(output: str) -> list[str]:
    """The lines of a benchmark's output that state a ratio, a goal or a latency."""
    return [line.rstrip() for line in output.splitlines()
            if any(word in line.lower() for word in SUMMARY_WORDS)]


def run_one(name: str, size: str) -> tuple[int, float, list[str]]:
    """Run one benchmark, echoing its output as it comes; return (exit code, seconds, summary)."""
    script, quick, full = BENCHMARKS[name]
    path = HERE / script
    if not path.exists():
        print(f"[{name}] {script} is not in this checkout; skipped", flush=True)
        return 0, 0.0, []
    args = quick if size == "quick" else full
    command = [sys.executable, str(path), *args]
    print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=HERE.parent)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    code = process.wait()
    return code, time.perf_counter() - start, summary_lines("".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})")
    parser.add_argument("--size", choices=("quick", "full"), default="quick",
                        help="quick: minutes on 2 cores (default); full: the sizes the issues name")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and their arguments")
    options = parser.parse_args(argv)
    if options.list:
        for name, (script, quick, full) in BENCHMARKS.items():
            print(f"{name:12} {script:22} quick: {' '.join(quick) or '(defaults)':30} full: {' '.join(full) or '(defaults)'}")
        return 0
    unknown = [name for name in options.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    results = {name: run_one(name, options.size) for name in options.names or BENCHMARKS}
    print("\n=== summary")
    failed = 0
    for name, (code, seconds, lines) in results.items():
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        failed += code != 0
        print(f"[{name}] {status}, {seconds:.0f} s")
        for line in lines:
            print(f"    {line.strip()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
