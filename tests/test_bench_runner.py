"""The benchmark runner (``make bench``): it knows every benchmark script that exists and refuses unknown names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "benchmarks" / "run.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), *args], capture_output=True, text=True, cwd=ROOT)


def test_every_benchmark_script_is_listed_by_the_runner():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run as runner
    finally:
        sys.path.pop(0)
    scripts = {script for script, _, _ in runner.BENCHMARKS.values()}
    assert {p.name for p in (ROOT / "benchmarks").glob("bench_*.py")} <= scripts
    listed = run("--list")
    assert listed.returncode == 0
    assert all(name in listed.stdout for name in runner.BENCHMARKS)


def test_unknown_benchmark_names_are_refused_with_the_choices():
    result = run("nope")
    assert result.returncode == 2
    assert "unknown benchmark(s) nope" in result.stderr and "import" in result.stderr


def test_summary_keeps_the_ratio_and_latency_lines():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run as runner
    finally:
        sys.path.pop(0)
    output = "building...\nratio dazi/pandas 0.81\nwrote 10 rows\nmedian 12 ms, p99 40 ms\n"
    assert runner.summary_lines(output) == ["ratio dazi/pandas 0.81", "median 12 ms, p99 40 ms"]
