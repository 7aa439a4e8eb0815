"""The one error family every face of dazi translates.

Every user-facing failure is a :class:`DaziError` (or a subclass).  Its
message says what went wrong *where* (file, row, column; coder, post,
variable) and :attr:`DaziError.hint` says what to do about it.  The CLI prints
``Error: <message>`` plus the hint and exits non-zero; the app shows the same
text in an error box.  Anything that is not a ``DaziError`` is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class DaziError(Exception):
    """Base class of all errors a user is meant to read.

    Parameters
    ----------
    message : str
        What went wrong, naming the object (file, row, column, coder ...).
    hint : str, optional
        What the user can do about it.
    """

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def describe(self) -> str:
        """Message and hint as one text for a terminal or an error box."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


@dataclass
class Location:
    """Where in an input file something was found (1-based row numbers).

    ``row`` counts data rows as a spreadsheet user sees them: for a CSV with
    a header the first data row is row 2; for JSONL it is the line number.
    """

    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class InputError(DaziError):
    """Bad input data: an unreadable file, a missing column, a malformed row.

    The message starts with the location (``posts.csv, row 17, column
    'note_id': ...``) so a researcher can open the file and find the cell.
    """

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ):
        self.location = Location(file=str(file) if file else None, row=row, column=column)
        where = str(self.location)
        self.reason = message
        super().__init__(f"{where}: {message}" if where else message, hint)


class NotFound(DaziError):
    """A named thing (project, coder, sample, variable, post) does not exist."""


class AccessDenied(DaziError):
    """The acting coder may not read or change this."""


class ValidationError(DaziError):
    """A value, codebook or setting breaks a rule; nothing was written."""


class StorageError(DaziError):
    """The database cannot be opened, is read-only, full, or too new."""


@dataclass
class RejectedRow:
    """A row skipped under ``--skip-bad-rows``, with why, for the rejects file."""

    file: str
    row: int
    reason: str
    column: str | None = None
    raw: dict = field(default_factory=dict)
