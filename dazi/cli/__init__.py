"""The ``dazi`` command: one thin face over the core.

Each command parses its options, calls one function of ``corpus``,
``coding`` or ``reports``, and prints the result.  :mod:`dazi.cli.group`
holds the command group and its error translation, :mod:`dazi.cli.context`
what every command receives, and :mod:`dazi.cli.commands` one module per
family of commands.  Nothing below the command line imports this package.
"""

from dazi.cli.context import Context, pass_ctx  # first: the command modules import it
from dazi.cli.group import cli, main

__all__ = ["Context", "cli", "main", "pass_ctx"]
