"""Exporting posts (and, once coded, their final codes) to CSV, JSONL and Excel.

``dazi export FILE`` picks the format from the extension.  Every format keeps
ids as text, Chinese and emoji intact, and post text inert (see
:mod:`reports.safety`).  Rows are streamed, so large projects export in
bounded memory.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import orjson
import pandas as pd

from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project

from corpus.fields import POST_FIELDS
from reports.safety import neutralize

__all__ = ["EXPORT_FIELDS", "export_posts", "FORMATS"]

#: Canonical fields in exports (``raw`` stays in the database).
EXPORT_FIELDS: tuple[str, ...] = tuple(f for f in POST_FIELDS if f not in ("raw", "counts_raw"))
FORMATS = (".csv", ".jsonl", ".xlsx")
_LISTS = ("hashtags", "mentions", "source_keywords")
_NUMBERS = ("likes", "collects", "comments", "shares", "engagement")
_TEXT_WIDTH = {"title": 30, "text": 60, "url": 30, "post_id": 26}


def _rows(db: Database, project: Project, extra: Callable[[dict], dict] | None) -> Iterator[dict]:
    from corpus.store import iter_posts

    for post in iter_posts(db, project):
        row = {f: post.get(f) for f in EXPORT_FIELDS}
        if extra is not None:
            row.update(extra(post))
        yield row


def _final_columns(db: Database, project: Project) -> tuple[list[str], Callable[[dict], dict]] | None:
    """Final (consensus/adjudicated) code columns, when the project has codings."""
    try:
        from coding.adjudication import final_dataset, wide_codes
        from coding.codebook_store import current_codebook
    except ImportError:  # pragma: no cover - the coding layer is always installed
        return None
    from dazi.errors import NotFound

    try:
        stored = current_codebook(db, project)
    except NotFound:
        return None
    final = final_dataset(db, project)
    if final.empty:
        return None
    wide = wide_codes(final, stored.codebook)
    wide = wide.set_index("post_pk") if "post_pk" in wide.columns else wide
    columns = [c for c in wide.columns if c not in ("post_id",)]
    records = {pk: row for pk, row in zip(wide.index, wide[columns].to_dict("records"))}

    def extra(post: dict) -> dict:
        return records.get(post["pk"], dict.fromkeys(columns))

    return columns, extra


def _cell(value, field: str):
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):  # NaN, pd.NA
        return None
    return value


def export_posts(db: Database, project: Project, path: str | Path, *, bom: bool = True, with_codes: bool = True,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the project's posts to ``path`` (.csv, .jsonl or .xlsx); returns the row count.

    Parameters
    ----------
    bom : bool
        CSV only: start with a UTF-8 byte-order mark so Excel opens Chinese
        text correctly (``--no-bom`` turns it off).
    with_codes : bool
        Add the final codes (consensus where double-coded, adjudicated where
        resolved, the single coder's elsewhere) when the project has codings.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(f"Cannot export to {path.name!r}", f"Use one of: {', '.join(FORMATS)}.")
    codes = _final_columns(db, project) if with_codes else None
    extra_cols, extra = codes if codes else ([], None)
    header = list(EXPORT_FIELDS) + extra_cols
    n = 0
    if suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in _rows(db, project, extra):
                out = []
                for f in header:
                    v = _cell(row.get(f), f)
                    out.append(v.isoformat() if isinstance(v, datetime) else neutralize(v))
                writer.writerow(out)
                n += 1
                if progress and n % 5000 == 0:
                    progress(n)
    elif suffix == ".jsonl":
        with open(path, "wb") as fh:
            for row in _rows(db, project, extra):
                fh.write(orjson.dumps({f: row.get(f) for f in header}, default=str) + b"\n")
                n += 1
    else:
        n = _write_xlsx(path, header, _rows(db, project, extra), progress)
    if progress:
        progress(n)
    return n


def _write_xlsx(path: Path, header: list[str], rows: Iterator[dict], progress) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Posts")
    ws.freeze_panes = "B2"
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _TEXT_WIDTH.get(name, 14)
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    n = 0
    for row in rows:
        cells = []
        for name in header:
            value = _cell(row.get(name), name)
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)  # Excel has no time zones: UTC, said in the header note
            cell = WriteOnlyCell(ws, value=neutralize(value) if isinstance(value, str) else value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
                if name in ("post_id", "author_id") or value.isdigit():
                    cell.number_format = "@"
                if name in ("text", "title"):
                    cell.alignment = wrap
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            cells.append(cell)
        ws.append(cells)
        n += 1
        if progress and n % 5000 == 0:
            progress(n)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{n + 1}"
    wb.save(path)
    return n
