"""What an export wrote (:class:`ExportResult`): the record every export returns.

Its own module because both :mod:`reports.exports` (CSV, JSONL, Parquet, SPSS)
and :mod:`reports.workbook` (``.xlsx``) return it, and the first calls the second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ExportResult"]


@dataclass
class ExportResult:
    """What an export wrote.

    Attributes
    ----------
    path : Path
    format : str
        ``xlsx``, ``csv``, ``jsonl``, ``parquet`` or ``sav``.
    rows : int
        Posts written.
    sheets : list of str
        Workbook sheets (xlsx).
    renamed : dict
        Column renames: variables that clash with post fields (``v_`` prefix)
        and, for SPSS, names made valid.
    tables : list of str
        Titles of the summary tables added (xlsx).
    truncated : int
        Cells cut to Excel's limit (xlsx).
    notes : list of str
    """

    path: Path
    format: str
    rows: int
    sheets: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    truncated: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What to tell the user, one line each."""
        out = [f"Wrote {self.rows:,} posts to {self.path}"]
        if self.sheets:
            out.append(f"  sheets: {', '.join(self.sheets)}")
        if self.renamed:
            out.append("  renamed columns: " + ", ".join(f"{k} -> {v}" for k, v in self.renamed.items()))
        out += [f"  {note}" for note in self.notes]
        return out
