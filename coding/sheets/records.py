"""What writing and reading a coding sheet report: :class:`CodingSheet`,
:class:`SheetProblem`, :class:`SheetImportError`, :class:`SheetImportReport`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coding.sheets.layout import _MAX_PROBLEMS
from dazi.errors import InputError

__all__ = ["CodingSheet", "SheetImportError", "SheetImportReport", "SheetProblem"]


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class CodingSheet:
    """What :func:`write_coding_sheet` wrote."""

    path: Path
    coder: str
    posts: int
    prefilled: int
    codebook_version: int

    def lines(self) -> list[str]:
        """A summary for the terminal."""
        out = [(f"Wrote {self.posts} post(s) for coder {self.coder!r} to {self.path} "
               f"(codebook version {self.codebook_version}).")]
        if self.prefilled:
            out.append(f"{self.prefilled} post(s) already have codings; their values are filled in.")
        return out


@dataclass(frozen=True)
class SheetProblem:
    """One bad cell (or row) of a coding sheet; ``str()`` gives ``Coding!F12 (kind): ...``."""

    sheet: str
    row: int
    column: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.column}{self.row} ({self.field}): {self.message}"


class SheetImportError(InputError):
    """A coding sheet with bad cells: nothing was imported.

    :attr:`problems` holds every problem; the message lists the first 20.
    """

    def __init__(self, path: str | os.PathLike, problems: Sequence[SheetProblem]):
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:_MAX_PROBLEMS]]
        if len(self.problems) > _MAX_PROBLEMS:
            shown.append(f"... and {len(self.problems) - _MAX_PROBLEMS} more")
        super().__init__(
            f"{len(self.problems)} problem(s) in the coding sheet; nothing was imported:\n  " + "\n  ".join(shown),
            "Correct these cells, save the file as .xlsx and import it again.",
            file=str(path),
        )


@dataclass
class SheetImportReport:
    """What :func:`import_codings` did.

    Attributes
    ----------
    rows_read : int
        Rows with a post id.
    skipped : int
        Of those, rows with no code, memo or flag: left alone.
    units_saved : int
        Posts whose codings, memo, flag or finished state changed.
    unchanged : int
        Filled rows identical to what was already stored (nothing written).
    values_changed : int
        Variables whose stored value changed, over all posts.
    finished : int
        Filled rows whose post is now finished (required values complete).
    drafts : list of str
        Filled rows saved (or left) as drafts, with the missing variables.
    warnings : list of str
        Things worth knowing that did not stop the import.
    """

    file: str
    coder: str
    codebook_version: int
    rows_read: int = 0
    skipped: int = 0
    units_saved: int = 0
    unchanged: int = 0
    values_changed: int = 0
    finished: int = 0
    drafts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A summary for the terminal."""
        out = [
            f"Imported {self.file} as coder {self.coder!r} (codebook version {self.codebook_version}).",
            f"  rows read: {self.rows_read}; left blank (skipped): {self.skipped}",
            f"  posts saved: {self.units_saved}; unchanged: {self.unchanged}; values changed: {self.values_changed}",
            f"  finished: {self.finished}; drafts: {len(self.drafts)}",
        ]
        out += [f"  draft, {line}" for line in self.drafts]
        out += [f"  warning: {w}" for w in self.warnings]
        return out
