"""The README's tour, run for real: every command shown, and the output it gives.

A fenced block of the README preceded by an HTML comment ``<!-- tour -->`` is
a tour block: lines starting with ``$ `` are commands, the lines after each
(until the next command or the fence) are what it printed on stdout.  A
final ``...`` line shows only the first lines of a long output: the command's
output must start with them.  A ``<!-- tour: python -->`` block is a Python
session (``>>>`` prompts, checked with doctest).

All tour blocks run in README order in one scratch folder holding a copy of
the demo files (``corpus/data/demo_*``) and a fresh demo project
(``dazi --db dazi-demo/demo.db demo``), so later commands see what earlier
ones did.  Only what must vary is normalised: the scratch folder's path.
Progress bars and counts on stderr are not part of the tour.  The commands run
in-process through the ``dazi`` click group (the same code as the console
script, without its start-up per command).

``make readme`` (``python -m tests.readme_tour --write``) runs the tour and
writes each command's output back into README.md; ``tests/test_readme.py``
runs it and fails when README.md differs.  To add a block to the tour, put
``<!-- tour -->`` on the line before its opening fence.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_MARK = re.compile(r"^<!-- tour(?::\s*(?P<kind>\w+))?\s*-->\s*$")
_FENCE = re.compile(r"^(```+|~~~+)")


@dataclass
class Step:
    """One ``$ command`` and the output lines the README shows for it."""

    command: str
    shown: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return bool(self.shown) and self.shown[-1] == "..."


@dataclass
class Block:
    """A tour block: where its body sits in the README's lines, and its steps."""

    kind: str
    start: int  # index of the first body line
    end: int  # index of the closing fence
    steps: list[Step]
    text: str


def parse(lines: list[str]) -> list[Block]:
    """The tour blocks of the README's ``lines``."""
    blocks = []
    i = 0
    while i < len(lines):
        mark = _MARK.match(lines[i])
        if mark and i + 1 < len(lines) and _FENCE.match(lines[i + 1]):
            fence = _FENCE.match(lines[i + 1]).group(1)
            start = i + 2
            end = start
            while end < len(lines) and not lines[end].startswith(fence):
                end += 1
            body = lines[start:end]
            steps: list[Step] = []
            for line in body:
                if line.startswith("$ "):
                    steps.append(Step(line[2:]))
                elif steps:
                    steps[-1].shown.append(line)
            blocks.append(Block(mark.group("kind") or "shell", start, end, steps, "\n".join(body)))
            i = end + 1
        else:
            i += 1
    return blocks


def _argv(command: str) -> list[str]:
    argv = shlex.split(command, comments=True)
    if not argv or argv[0] != "dazi":
        raise ValueError(f"a tour command must start with 'dazi': {command!r}")
    return argv[1:]


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)


class Tour:
    """A scratch folder with the demo files and a fresh demo project.

    Commands run in this process through the real ``dazi`` group (click's
    test runner, stdout only), so the tour does not pay Python's and jieba's
    start-up per command; ``DAZI_*`` variables of the caller are hidden.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        data = folder / "corpus" / "data"
        data.mkdir(parents=True)
        for path in (ROOT / "corpus" / "data").glob("demo_*"):
            shutil.copy(path, data / path.name)
        self.env = {k: None for k in os.environ if k.startswith("DAZI_")}
        self.run("dazi --db dazi-demo/demo.db demo")

    def run(self, command: str) -> list[str]:
        """A command's stdout lines, normalised."""
        from click.testing import CliRunner

        from dazi.cli import cli

        with _inside(self.folder):
            result = CliRunner(env=self.env).invoke(cli, _argv(command), catch_exceptions=True)
        if result.exit_code != 0:
            raise RuntimeError(f"tour command failed ({result.exit_code}): {command}\n{result.output}"
                               f"{result.exc_info[1] if result.exc_info else ''}")
        text = result.stdout.replace(str(self.folder) + os.sep, "").replace(str(self.folder), ".")
        return [line.rstrip() for line in text.rstrip("\n").split("\n")] if text.strip() else []

    def python(self, block: Block) -> str | None:
        """Run a Python session block; ``None`` when every example gives what is shown, else the report."""
        test = doctest.DocTestParser().get_doctest(block.text, {}, "README", str(README), block.start)
        out: list[str] = []
        with _inside(self.folder):
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            runner.run(test, out=out.append)
        return "".join(out) or None


def expected(step: Step, output: list[str]) -> list[str]:
    """What the README should show for ``step`` given its real ``output``."""
    if step.truncated:
        keep = len(step.shown) - 1
        return output[:keep] + (["..."] if len(output) > keep else [])
    return output


def run_tour(readme: Path = README) -> tuple[str, list[str]]:
    """Run every tour block; returns the README text with real outputs, and the Python problems."""
    lines = readme.read_text(encoding="utf-8").split("\n")
    blocks = parse(lines)
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dazi-tour-") as tmp:
        tour = Tour(Path(tmp))
        replacements: list[tuple[int, int, list[str]]] = []
        for block in blocks:
            if block.kind == "python":
                report = tour.python(block)
                if report:
                    problems.append(report)
                continue
            body: list[str] = []
            for step in block.steps:
                body.append(f"$ {step.command}")
                body.extend(expected(step, tour.run(step.command)))
            replacements.append((block.start, block.end, body))
    for start, end, body in reversed(replacements):
        lines[start:end] = body
    return "\n".join(lines), problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text, problems = run_tour()
    for problem in problems:
        print(problem, file=sys.stderr)
    if "--write" in args:
        README.write_text(text, encoding="utf-8")
        print(f"wrote {README}")
    elif text != README.read_text(encoding="utf-8"):
        print("README.md differs from what the tour gives: run `make readme`", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
