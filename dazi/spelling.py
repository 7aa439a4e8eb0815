"""How an error hint names an argument: in the words of the face that was used.

The core raises errors whose hints say what to change ("Pass value_order=[...]
listing every value").  A researcher on the command line never typed
``value_order``: the same hint must say ``--order``.  Core code spells an
argument with :func:`argument`; each face sets its own spelling with
:func:`spelled` (the CLI does so for every command), and Python callers get
the Python spelling by default.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["CLI_SPELLING", "argument", "spelled"]

_SPELLING: ContextVar[Mapping[str, str] | None] = ContextVar("dazi_argument_spelling", default=None)

#: The command line's words for the core's arguments.
CLI_SPELLING: Mapping[str, str] = {
    "value_order": "--order a,b,c",
    "unit": "--unit COLUMN",
    "coder": "--coder COLUMN",
    "value": "--value COLUMN",
    "coders": "--coders A,B",
    "level": "--level",
    "weights": "--weights",
    "source": "--source final",
    "missing": "--missing VALUE",
}


def argument(name: str, python: str) -> str:
    """``python`` (e.g. ``"value_order=[...]"``), or the current face's word for ``name``.

    >>> argument("value_order", "value_order=[...]")
    'value_order=[...]'
    >>> with spelled(CLI_SPELLING):
    ...     argument("value_order", "value_order=[...]")
    '--order a,b,c'
    """
    return (_SPELLING.get() or {}).get(name, python)


@contextmanager
def spelled(spelling: Mapping[str, str]) -> Iterator[None]:
    """Within the block, hints name arguments as ``spelling`` says."""
    token = _SPELLING.set(spelling)
    try:
        yield
    finally:
        _SPELLING.reset(token)
