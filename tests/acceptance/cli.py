"""Run dazi's command line the way a user does, for the acceptance tests.

By default the console-script's click group is invoked in this process (``CliRunner``, as
``tests/test_cli.py`` does): the same entry point, without paying interpreter start-up on
every call.  Set ``DAZI_ACCEPTANCE_SUBPROCESS=1`` to run ``.venv/bin/dazi`` (or ``dazi`` on
PATH) in a subprocess instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SUBPROCESS = os.environ.get("DAZI_ACCEPTANCE_SUBPROCESS") == "1"


@dataclass
class Result:
    code: int
    output: str  # stdout and stderr together
    traceback: bool  # an uncaught exception (a bare traceback for the user)


def _dazi_executable() -> list[str]:
    venv = Path(sys.executable).parent / "dazi"
    if venv.exists():
        return [str(venv)]
    found = shutil.which("dazi")
    return [found] if found else [sys.executable, "-m", "dazi"]


def _group():
    from dazi.cli import cli  # the click group behind the ``dazi`` console script

    return cli


def dazi(*args: object, db: Path | str, project: str | None = None, cwd: Path | None = None) -> Result:
    """``dazi --db DB [--project P] ARGS...``; never raises on a failing command."""
    argv = ["--db", str(db)]
    if project:
        argv += ["--project", project]
    argv += [str(a) for a in args]
    if SUBPROCESS:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
        env.pop("DAZI_DATABASE_URL", None)
        proc = subprocess.run(_dazi_executable() + argv, capture_output=True, text=True, cwd=cwd, check=False,
                              env=env, timeout=600)
        out = proc.stdout + proc.stderr
        return Result(proc.returncode, out, "Traceback (most recent call last)" in out)
    from click.testing import CliRunner

    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        env = {"DAZI_DATABASE_URL": None}
        try:
            runner = CliRunner(mix_stderr=False)  # click < 8.2
        except TypeError:
            runner = CliRunner()
        res = runner.invoke(_group(), argv, catch_exceptions=True, env=env)
    finally:
        os.chdir(old)
    out = res.stdout
    try:
        out += res.stderr
    except (ValueError, AttributeError):
        pass
    crashed = res.exception is not None and not isinstance(res.exception, SystemExit)
    if crashed:
        import traceback

        out += "\n" + "".join(traceback.format_exception(res.exception))
    return Result(res.exit_code, out, crashed)
