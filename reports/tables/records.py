"""The records a table is returned as (:class:`Table`, :class:`Section`) and their text form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reports.tables.spec import TableSpec


def _zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


def _say(lang: str, en: str, zh: str) -> str:
    return zh if _zh(lang) else en


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------

@dataclass
class Section:
    """An extra block under a table (shares, bases), with the number format of its cells.

    ``format`` is one of ``integer``, ``percent`` (fractions shown as %),
    ``decimal`` (three places) or ``one_decimal``.
    """

    title: str
    frame: pd.DataFrame
    format: str = "integer"


@dataclass
class Table:
    """A summary table with everything needed to print, save or cite it.

    Attributes
    ----------
    name : str
        Short name for a sheet or file (``summary_interest_category``).
    title : str
    frame : pandas.DataFrame
        The table; label columns first (text), then figures.
    source : str
        ``"final"`` or a coder's name.
    source_text : str
        The sentence saying where the values come from.
    n : int
        Posts the table is based on (after leaving out posts without the
        values it needs).
    note : str
        Definitions of the figures and what was left out.
    formats : dict
        Column to number format (``integer``, ``percent``, ``decimal``,
        ``one_decimal``); other columns are shown as they are.
    sections : list of Section
    stats : dict
        Test statistics (crosstab: ``chi2``, ``dof``, ``p``, ``cramers_v``,
        ``min_expected``, ``share_expected_below_5``, ``test_reason``).
    spec : TableSpec, optional
        The spec that made it.
    """

    name: str
    title: str
    frame: pd.DataFrame
    source: str
    source_text: str
    n: int
    note: str = ""
    formats: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    spec: TableSpec | None = None
    lang: str = "en"

    def caption(self) -> str:
        """Source sentence and n, for under the title."""
        return f"{self.source_text} n = {self.n:,}."

    def to_text(self) -> str:
        """The table as plain text for a terminal."""
        return format_table(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: title, source, n, note, stats and the frames as records."""
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): _json_safe(v) for k, v in row.items()} for row in frame.to_dict("records")]

        return {
            "name": self.name, "title": self.title, "source": self.source, "source_text": self.source_text,
            "n": int(self.n), "note": self.note, "rows": records(self.frame),
            "sections": [{"title": s.title, "rows": records(s.frame)} for s in self.sections],
            "stats": {k: _json_safe(v) for k, v in self.stats.items()},
            "spec": self.spec.to_dict() if self.spec else None,
        }


def _json_safe(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------

def _format_value(value: Any, fmt: str | None) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if fmt == "percent" and isinstance(value, (int, float, np.number)):
        return f"{float(value) * 100:.1f}%"
    if fmt == "decimal" and isinstance(value, (int, float, np.number)):
        return f"{float(value):.3f}"
    if fmt == "one_decimal" and isinstance(value, (int, float, np.number)):
        return f"{float(value):.1f}"
    if fmt == "integer" and isinstance(value, (int, float, np.number)):
        return f"{round(float(value)):,}"
    return str(value)


def _format_frame(frame: pd.DataFrame, formats: Mapping[str, str], default: str | None = None) -> pd.DataFrame:
    out = {}
    for column in frame.columns:
        fmt = formats.get(column, default if pd.api.types.is_numeric_dtype(frame[column]) else None)
        out[column] = [_format_value(v, fmt) if fmt or not isinstance(v, str) else v for v in frame[column]]
    return pd.DataFrame(out, columns=frame.columns)


def format_table(table: Table) -> str:
    """Title, source and n, the table, its sections and note, as plain text."""
    lines = [table.title, table.caption(), ""]
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200,
                           "display.max_columns", None, "display.max_rows", None):
        lines.append(_format_frame(table.frame, table.formats).to_string(index=False))
        for section in table.sections:
            lines += ["", section.title]
            lines.append(_format_frame(section.frame, {}, section.format).to_string(index=False))
    if table.note:
        lines += ["", _say(table.lang, "Note: ", "注：") + table.note]
    return "\n".join(lines)
