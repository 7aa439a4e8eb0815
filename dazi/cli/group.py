"""The ``dazi`` command group: options, error translation, and its commands.

Each command parses its options, calls one function of ``corpus``,
``coding`` or ``reports``, and prints the result.  Errors are translated in
one place (:class:`_Group`): a :class:`dazi.errors.DaziError` prints
``Error: ...`` and its hint to stderr and exits with status 1, and so does
an operating-system error about a named file that the user can fix (a full
disk, a read-only or missing folder: :data:`_FILE_HINTS`).  Nothing else is
caught, because anything else is a bug worth a traceback.
"""

from __future__ import annotations

import errno
import importlib
import re
from pathlib import Path

import click

from dazi import __version__
from dazi.cli.context import Context
from dazi.errors import DaziError
from dazi.spelling import CLI_SPELLING, spelled

__all__ = ["main", "cli"]

#: Command modules under dazi/cli/commands, each defining ``register(cli)``.
_COMMAND_MODULES = (
    "project",
    "corpus",
    "codebook",
    "team",
    "workflow",
    "reliability",
    "reports",
    "text",
    "model",
)


#: What to do about an operating-system error on a file, by errno.
_FILE_HINTS = {
    errno.ENOSPC: "The disk is full: free some space, then run the command again.",
    errno.EDQUOT: "Your disk quota is used up: free some space, then run the command again.",
    errno.EROFS: "That disk is mounted read-only: choose a path on a writable disk.",
    errno.EACCES: "You may not use that file or folder: check its permissions, or choose another path.",
    errno.EPERM: "You may not use that file or folder: check its permissions, or choose another path.",
    errno.ENOENT: "Check the path: the file or its folder does not exist.",
    errno.ENOTDIR: "A part of the path is a file, not a folder: check the path.",
    errno.EISDIR: "That is a folder: give a file name.",
}


def _fail(ctx: click.Context, message: str, hint: str | None) -> None:
    click.secho(f"Error: {message}", fg="red", err=True)
    if hint:
        click.echo(hint, err=True)
    ctx.exit(1)


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DaziError as exc:
            _fail(ctx, exc.message, exc.hint)
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)  # a write() fails without naming its file
            if exc.errno not in _FILE_HINTS or not (exc.filename or full):
                raise
            where = _target(str(exc.filename)) if exc.filename else f"dazi {ctx.invoked_subcommand}"
            _fail(ctx, f"{where}: {exc.strerror}", _FILE_HINTS[exc.errno])


def _target(filename: str) -> str:
    """The file the user named, for a temporary ``.NAME.1a2b3c4d.part`` written first and renamed after."""
    path = Path(filename)
    match = re.fullmatch(r"\.(.+)\.[0-9a-f]{8}\.part", path.name)
    return str(path.with_name(match.group(1))) if match else filename


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dazi")
@click.option(
    "--db",
    "db_url",
    envvar="DAZI_DATABASE_URL",
    metavar="PATH|URL",
    help="Database: a SQLite file path or a postgresql:// URL. Default: $DAZI_DATABASE_URL or ./dazi.db.",
)
@click.option(
    "--project", "-p", "project_name", default="default", show_default=True, envvar="DAZI_PROJECT",
    help="Project inside the database.",
)
@click.pass_context
def cli(ctx, db_url, project_name):
    """dazi (搭子): qualitative content analysis of social media posts.

    Load crawler exports, code posts with several coders, measure
    inter-coder reliability, and export tables and reports.

    \b
    Example:
      dazi init
      dazi import notes.jsonl
      dazi corpus
    """
    ctx.obj = Context(db_url=db_url, project_name=project_name)
    ctx.call_on_close(ctx.obj.close)
    ctx.with_resource(spelled(CLI_SPELLING))  # error hints name CLI options, not Python arguments


for _name in _COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"dazi.cli.commands.{_name}")
    except ModuleNotFoundError as _exc:  # a command module not written yet
        if _exc.name != f"dazi.cli.commands.{_name}":
            raise
        continue
    _module.register(cli)


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``dazi``)."""
    cli.main(args=argv, prog_name="dazi")


if __name__ == "__main__":  # pragma: no cover
    main()
