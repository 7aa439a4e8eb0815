"""Exporting posts with their coded values: Excel, CSV, JSONL, Parquet and SPSS.

``dazi export FILE`` picks the format from the extension (:data:`FORMATS`)
and calls :func:`export_posts`.  Every format has the same layout, one row
per post (:class:`reports.data.PostsTable`: canonical fields, coded values,
memos and flags); ``.xlsx`` is the full workbook of :mod:`reports.workbook`.

- CSV: UTF-8 with a byte-order mark by default so Excel shows Chinese
  (``bom=False`` for tools that dislike it); lists joined with ``"; "``;
  times in ISO 8601 (UTC); text that could start a formula is neutralised
  (:func:`reports.safety.neutralize`).
- JSONL: one JSON object per post; lists stay lists, times are ISO 8601.
- Parquet: typed columns (strings, int64, float64, UTC timestamps, lists
  of strings, booleans); the source and codebook are in the file metadata.
- SPSS ``.sav`` (pyreadstat): choice variables become numeric codes with
  value labels (codes flagged ``missing`` in the codebook, such as "not
  stated", are user-missing), multi-select code columns 0/1 with labels,
  every column with a variable label; names are made valid SPSS names
  (at most 64 bytes, starting with a letter, no reserved word such as
  ``BY`` or ``WITH``) and every rename is reported.

All formats stream posts from the database, except SPSS, whose writer needs
the whole table at once.
"""

from __future__ import annotations

import csv
import math
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from coding.codebook import Codebook, Variable, code_label
from dazi.db import Database
from dazi.errors import ValidationError
from dazi.files import replacing
from dazi.projects import Project
from reports.data import EXPORT_FIELDS, PostsTable, describe_source, posts_table
from reports.results import ExportResult
from reports.safety import neutralize
from reports.workbook import export_workbook, write_table_sheet
from reports.xlsx import StreamingWorkbook, sheet_name

__all__ = [
    "EXPORT_FIELDS",
    "FORMATS",
    "SPSS_RESERVED",
    "ExportResult",
    "export_bytes",
    "COMMENT_FORMATS",
    "comments_bytes",
    "comments_path",
    "export_posts",
    "save_tables",
    "write_comments",
    "spss_name",
    "write_csv",
    "write_jsonl",
    "write_parquet",
    "write_parquet_rows",
    "write_sav",
]

#: File extensions ``export_posts`` writes.
FORMATS: tuple[str, ...] = (".xlsx", ".csv", ".jsonl", ".parquet", ".sav")
#: SPSS reserved words, which cannot be variable names (IBM SPSS Statistics, "Variable names").
SPSS_RESERVED: frozenset[str] = frozenset(
    {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"})
_SPSS_MAX_BYTES = 64
_SPSS_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.@#$\u0080-\uffff]")
_BATCH = 5000
_FIELD_LABELS = {
    "post_id": "Post id", "platform": "Platform", "url": "URL", "title": "Title", "text": "Text",
    "author_id": "Author id", "author_name": "Author name", "created_at": "Posted at (UTC)",
    "location": "Location (IP属地)", "likes": "Likes (点赞)", "collects": "Collects (收藏)",
    "comments": "Comments (评论)", "shares": "Shares (分享)",
    "engagement": "Engagement = likes + collects + comments + shares", "counts_approximate": "Counts approximate",
    "hashtags": "Hashtags", "mentions": "Mentions", "source_keywords": "Search keywords", "lang": "Language",
    "status": "Status", "crawled_at": "Crawled at (UTC)", "unresolved": "Variables with an open disagreement",
    "coders": "Coders who finished the post", "double_coded": "Coded by two or more coders",
    "memos": "Coders' memos", "uncertain": "Flagged uncertain by a coder",
}


def _check_path(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(f"Cannot export to {path.name!r}: unknown file type.",
                              f"Use one of: {', '.join(FORMATS)}.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"Cannot write {path}: folder {folder} does not exist.", "Create it first.")
    return suffix


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (list, tuple)):
        return neutralize("; ".join(map(str, value)))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return neutralize(value) if isinstance(value, str) else value


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]], path: str | Path, *, bom: bool = True,
              progress: Callable[[int], None] | None = None) -> int:
    """Write rows as CSV (UTF-8, BOM by default, formulas neutralised); returns the row count."""
    path = Path(path)
    n = 0
    with replacing(path) as tmp, open(tmp, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([_csv_cell(c) for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            n += 1
            if progress is not None and n % _BATCH == 0:
                progress(n)
    return n


def write_jsonl(columns: Sequence[str], rows: Iterable[Sequence[Any]], path: str | Path) -> int:
    """Write one JSON object per row (lists as arrays, times as ISO 8601); returns the row count."""
    path = Path(path)
    n = 0
    with replacing(path) as tmp, open(tmp, "wb") as fh:
        for row in rows:
            record = {c: (None if isinstance(v, float) and math.isnan(v) else v) for c, v in zip(columns, row)}
            fh.write(orjson.dumps(record, default=str) + b"\n")
            n += 1
    return n


def _arrow_type(kind: str):
    # imported here: pyarrow loads only for a Parquet export
    import pyarrow as pa

    return {"text": pa.string(), "wrap": pa.string(), "datetime": pa.timestamp("us", tz="UTC"),
            "integer": pa.int64(), "number": pa.float64(), "flag": pa.int8(), "bool": pa.bool_(),
            "list": pa.list_(pa.string())}.get(kind, pa.string())


def write_parquet(table: PostsTable, path: str | Path) -> int:
    """Write the posts table as Parquet with typed columns, in batches; returns the row count."""
    meta = {"dazi.source": describe_source(table.source), "dazi.codebook": table.codebook.name if table.codebook else "",
            "dazi.codebook_version": str(table.codebook_version or ""), "dazi.lang": table.lang}
    return write_parquet_rows(table.columns, [table.kinds[c] for c in table.columns], table.rows(), path,
                              metadata=meta)


def write_parquet_rows(columns: Sequence[str], kinds: Sequence[str], rows: Iterable[Sequence[Any]],
                       path: str | Path, *, metadata: dict[str, str] | None = None) -> int:
    """Write rows as Parquet, column ``i`` typed by ``kinds[i]`` (text, datetime, integer, ...); returns the count."""
    # imported here: pyarrow loads only for a Parquet export
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    schema = pa.schema([pa.field(c, _arrow_type(k)) for c, k in zip(columns, kinds)], metadata=metadata)
    n = 0

    def cast(kind: str, value: Any) -> Any:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
        if kind == "list":
            return [str(v) for v in value]
        if kind in ("text", "wrap") and not isinstance(value, str):
            return str(value)
        return value

    with replacing(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        batch: list[Sequence[Any]] = []

        def flush() -> None:
            arrays = [pa.array([cast(kind, r[j]) for r in batch], type=schema.field(j).type)
                      for j, kind in enumerate(kinds)]
            writer.write_batch(pa.record_batch(arrays, schema=schema))

        for row in rows:
            batch.append(row)
            n += 1
            if len(batch) >= _BATCH:
                flush()
                batch = []
        if batch or n == 0:
            flush()
    return n


def spss_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid SPSS variable name made from ``name``, unique among ``taken`` (case-insensitive).

    Rules (IBM SPSS Statistics): at most 64 bytes, starts with a letter,
    letters, digits and ``_ . @ # $`` only, does not end with ``.``, is not
    a reserved word (ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH).

    >>> spss_name("by")
    'by_'
    >>> spss_name("2nd_wave")
    'v2nd_wave'
    >>> spss_name("a" * 70, ["a" * 64])
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_2'
    """
    clean = _SPSS_NAME_CHARS.sub("_", name) or "v"
    if not clean[0].isalpha():
        clean = "v" + clean
    clean = clean.rstrip(".")
    if clean.upper() in SPSS_RESERVED:
        clean += "_"

    def fit(text: str, limit: int = _SPSS_MAX_BYTES) -> str:
        while len(text.encode("utf-8")) > limit:
            text = text[:-1]
        return text.rstrip(".")

    clean = fit(clean)
    used = {t.upper() for t in taken}
    candidate, k = clean, 2
    while candidate.upper() in used:
        suffix = f"_{k}"
        candidate = fit(clean, _SPSS_MAX_BYTES - len(suffix)) + suffix
        k += 1
    return candidate


def _spss_codes(variable: Variable, seen: Iterable[str]) -> tuple[dict[str, int], list[int]]:
    """Numeric codes of a choice variable: scale codes 1..k in order, then others, then 'missing' codes."""
    ordered = [c.id for c in (variable.ordered_codes() if variable.type == "ordinal" else variable.codable_codes())
               if not c.missing]
    missing = [c.id for c in variable.codable_codes() if c.missing]
    others = [c for c in dict.fromkeys(seen) if c not in ordered and c not in missing]
    numbers: dict[str, int] = {}
    for code in [*ordered, *others, *missing]:
        numbers[code] = len(numbers) + 1
    return numbers, [numbers[c] for c in missing]


def write_sav(table: PostsTable, path: str | Path) -> dict[str, str]:
    """Write the posts table as an SPSS ``.sav`` file with variable and value labels.

    Returns
    -------
    dict
        Column names that were changed to valid SPSS names (old -> new).
    """
    # imported here: pyreadstat loads only for an SPSS export
    import pyreadstat

    path = Path(path)
    codebook: Codebook | None = table.codebook
    data: dict[str, list[Any]] = {c: [] for c in table.columns}
    for row in table.rows():
        for c, v in zip(table.columns, row):
            data[c].append(v)
    frame: dict[str, Any] = {}
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[int | float, str]] = {}
    missing_ranges: dict[str, list[dict[str, float]]] = {}
    measure: dict[str, str] = {}
    lang = table.lang
    for column in table.columns:
        kind = table.kinds[column]
        values = data[column]
        vid = table.variables.get(column)
        variable = codebook.variable(vid) if codebook is not None and vid else None
        suffix = column.partition("__")[2] if variable is not None else ""
        if variable is not None and variable.type in ("single", "ordinal") and suffix == "label":
            continue  # the value labels carry it
        if variable is not None and variable.type in ("single", "ordinal") and not suffix:
            numbers, user_missing = _spss_codes(variable, [v for v in values if isinstance(v, str)])
            frame[column] = pd.Series([float(numbers[v]) if isinstance(v, str) else None for v in values],
                                      dtype="float64")
            value_labels[column] = {float(n): code_label(variable, c, lang)
                                    for c, n in numbers.items()}
            if user_missing:
                missing_ranges[column] = [{"lo": float(min(user_missing)), "hi": float(max(user_missing))}]
            labels[column] = variable.display(lang)
            measure[column] = "ordinal" if variable.type == "ordinal" else "nominal"
        elif kind == "flag":
            frame[column] = pd.Series([None if v is None else float(v) for v in values], dtype="float64")
            assert variable is not None
            code = code_label(variable, suffix, lang)
            labels[column] = f"{variable.display(lang)}: {code}"
            value_labels[column] = {0.0: "not chosen" if not lang.startswith("zh") else "未选",
                                    1.0: "chosen" if not lang.startswith("zh") else "已选"}
            measure[column] = "nominal"
        elif kind == "bool":
            frame[column] = pd.Series([None if v is None else float(bool(v)) for v in values], dtype="float64")
            value_labels[column] = {0.0: "no", 1.0: "yes"}
            labels[column] = _FIELD_LABELS.get(column, column)
            measure[column] = "nominal"
        elif kind in ("integer", "number"):
            frame[column] = pd.Series([None if v is None else float(v) for v in values], dtype="float64")
            labels[column] = variable.display(lang) + (f" ({variable.unit})" if variable.unit else "") \
                if variable is not None else _FIELD_LABELS.get(column, column)
            measure[column] = "scale"
        elif kind == "datetime":
            frame[column] = pd.Series(pd.to_datetime(values, utc=True)).dt.tz_localize(None)
            labels[column] = _FIELD_LABELS.get(column, column)
            measure[column] = "scale"
        else:
            # neutralised as in CSV: SPSS data often travels on to a spreadsheet
            frame[column] = pd.Series(["" if v is None else neutralize("; ".join(map(str, v)) if isinstance(v, list)
                                                                       else str(v))
                                       for v in values], dtype=object)
            labels[column] = (variable.display(lang) if variable is not None
                              else _FIELD_LABELS.get(column, column))
            measure[column] = "nominal"
    renamed: dict[str, str] = {}
    taken: list[str] = []
    for column in list(frame):
        new = spss_name(column, taken)
        taken.append(new)
        if new != column:
            renamed[column] = new
    out = pd.DataFrame(frame).rename(columns=renamed)

    def rename(mapping: dict[str, Any]) -> dict[str, Any]:
        return {renamed.get(k, k): v for k, v in mapping.items()}

    # labels come from the codebook, which researchers type: neutralised like the data
    labels = {k: neutralize(v) for k, v in labels.items()}
    value_labels = {k: {n: neutralize(text) for n, text in mapping.items()} for k, mapping in value_labels.items()}

    with replacing(path) as tmp:
        pyreadstat.write_sav(
            out, str(tmp), column_labels=rename(labels), variable_value_labels=rename(value_labels),
            missing_ranges=rename(missing_ranges) or None, variable_measure=rename(measure),
            file_label=f"dazi export: {describe_source(table.source)}"[:64],
        )
    return renamed


def export_posts(db: Database, project: Project, path: str | Path, *, bom: bool = True, with_codes: bool = True,
                 source: str = "final", lang: str = "zh", tables: Sequence[Any] = (), bootstrap: int = 10_000,
                 seed: int | None = 0, progress: Callable[[int], None] | None = None,
                 terms: Sequence[str] = (), dummies: bool = False, with_model: str | None = None) -> ExportResult:
    """Write the project's posts (and their coded values) to ``path``; the format follows the extension.

    Parameters
    ----------
    path : str or Path
        ``.xlsx`` (the full workbook, see :mod:`reports.workbook`), ``.csv``,
        ``.jsonl``, ``.parquet`` or ``.sav``.
    bom : bool
        CSV only: start with a UTF-8 byte-order mark so Excel opens Chinese
        text correctly (``--no-bom`` turns it off).
    with_codes : bool
        Add the coded values (when the project has a codebook).
    source : str
        ``"final"`` (consensus where double-coded, adjudicated where
        resolved, the single coder's value elsewhere) or a coder's name.
    lang : {"zh", "en"}
        Language of code labels.
    tables : sequence of TableSpec or str
        ``.xlsx`` only: summary tables to add as sheets.
    bootstrap, seed
        ``.xlsx`` only: for the Reliability sheet.
    dummies : bool
        Single-choice variables also get one 0/1 column per code, as
        multi-select ones always do (:func:`reports.wide.wide_layout`).
    terms : sequence of str
        ``.xlsx`` only: variables to add a terms sheet for (top and
        distinctive terms per code, :mod:`reports.terms`); also asked for
        with a ``terms VARIABLE`` spec in ``tables``.
    with_model : str, optional
        A machine coder's name: the posts no human coded carry the model's
        codes, and each variable a ``<variable>__source`` column (``final``,
        ``agreed``, ``machine``); see :func:`reports.data.posts_table`.

    Raises
    ------
    ValidationError
        Unknown extension, missing folder, tables with a format other than xlsx.
    NotFound
        No coder named ``source``.
    """
    path = Path(path)
    suffix = _check_path(path)
    if (tables or terms) and suffix != ".xlsx":
        raise ValidationError(f"Summary tables go into an .xlsx workbook, not {path.name!r}.",
                              "Export to .xlsx, or print and save tables with `dazi tables ... --save FILE`.")
    if suffix == ".xlsx":
        return export_workbook(db, project, path, source=source, lang=lang, tables=tables, with_codes=with_codes,
                               bootstrap=bootstrap, seed=seed, progress=progress, terms=terms, dummies=dummies,
                               with_model=with_model)
    table = posts_table(db, project, source=source, lang=lang, with_codes=with_codes, dummies=dummies,
                        with_model=with_model)
    result = ExportResult(path, suffix[1:], 0, renamed=dict(table.renamed))
    if suffix == ".csv":
        result.rows = write_csv(table.columns, table.rows(), path, bom=bom, progress=progress)
        _comments_beside(db, project, path, bom, result)
    elif suffix == ".jsonl":
        result.rows = write_jsonl(table.columns, table.rows(), path)
        _comments_beside(db, project, path, bom, result)
    elif suffix == ".parquet":
        result.rows = write_parquet(table, path)
        _comments_beside(db, project, path, bom, result)
    else:
        renamed = write_sav(table, path)
        result.rows = table.n_posts
        result.renamed.update(renamed)
        if table.codebook is not None:
            result.notes.append("SPSS: choice variables are numeric codes with value labels; the <variable>__label "
                                "columns are left out (the value labels carry them).")
    if progress is not None:
        progress(result.rows)
    return result


#: Formats a comments file can take, beside a posts export or alone (``dazi comments --out``).
COMMENT_FORMATS: tuple[str, ...] = (".csv", ".jsonl", ".parquet")
_COMMENT_KINDS = {"created_at": "datetime", "likes": "integer"}


def comments_path(path: str | Path) -> Path:
    """Where an export of posts puts the comments: ``posts.csv`` -> ``posts_comments.csv`` (same format)."""
    path = Path(path)
    return path.with_name(f"{path.stem}_comments{path.suffix}")


def write_comments(comments: Iterable[Mapping[str, Any]], path: str | Path, *, bom: bool = True) -> int:
    """Write comments (records with :data:`COMMENT_EXPORT_FIELDS`) as .csv, .jsonl or .parquet; returns the count.

    They are linked to the posts by ``platform`` and ``post_id``; dazi imports
    such a file back as comments (preset ``dazi-comments``).
    """
    from corpus.comments import COMMENT_EXPORT_FIELDS

    path = Path(path)
    rows = ([c[f] for f in COMMENT_EXPORT_FIELDS] for c in comments)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(COMMENT_EXPORT_FIELDS, rows, path, bom=bom)
    if suffix == ".jsonl":
        return write_jsonl(COMMENT_EXPORT_FIELDS, rows, path)
    if suffix == ".parquet":
        kinds = [_COMMENT_KINDS.get(f, "text") for f in COMMENT_EXPORT_FIELDS]
        return write_parquet_rows(COMMENT_EXPORT_FIELDS, kinds, rows, path)
    raise ValidationError(f"Cannot write comments to {path.name!r}: unknown file type.",
                          f"Use one of: {', '.join(COMMENT_FORMATS)}.")


def _comments_beside(db: Database, project: Project, path: Path, bom: bool, result: ExportResult) -> None:
    from corpus.comments import count_comments, iter_comments

    if not count_comments(db, project):
        return
    target = comments_path(path)
    n = write_comments(iter_comments(db, project), target, bom=bom)
    result.notes.append(f"{n:,} comments written to {target} (linked to the posts by platform and post_id)")


def _table_lines(table: Any) -> list[list[Any]]:
    """A table as rows of cells: title, source and n, the table, its sections, the note."""
    lines: list[list[Any]] = [[table.title], [table.caption()], [], [str(c) for c in table.frame.columns]]
    lines += [list(r) for r in table.frame.itertuples(index=False, name=None)]
    for section in table.sections:
        lines += [[], [section.title], [str(c) for c in section.frame.columns]]
        lines += [list(r) for r in section.frame.itertuples(index=False, name=None)]
    if table.note:
        lines += [[], [("注：" if table.lang.startswith("zh") else "Note: ") + table.note]]
    return lines


def save_tables(tables: Sequence[Any], path: str | Path, *, bom: bool = True) -> list[Path]:
    """Save summary tables: ``.xlsx`` (one sheet each), ``.csv`` (one file each) or ``.json``.

    With several tables and ``.csv``, the files are named
    ``<stem>_<n>_<table name>.csv`` next to ``path``.  Returns the files written.

    Raises
    ------
    ValidationError
        Another extension, or a missing folder.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv", ".json"):
        raise ValidationError(f"Cannot save tables as {path.name!r}.", "Use a .xlsx, .csv or .json file name.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"Cannot write {path}: folder {folder} does not exist.", "Create it first.")
    if suffix == ".json":
        with replacing(path) as tmp:
            tmp.write_bytes(orjson.dumps([t.to_dict() for t in tables], option=orjson.OPT_INDENT_2, default=str))
        return [path]
    if suffix == ".xlsx":
        with StreamingWorkbook(path, title="dazi tables") as book:
            taken: list[str] = []
            for table in tables:
                name = sheet_name(table.name, taken)
                taken.append(name)
                write_table_sheet(book, table, name)
        return [path]
    written = []
    for i, table in enumerate(tables, start=1):
        target = path if len(tables) == 1 else path.with_name(f"{path.stem}_{i}_{table.name}.csv")
        lines = _table_lines(table)
        width = max(len(line) for line in lines)
        padded = [line + [None] * (width - len(line)) for line in lines]
        write_csv(padded[0], padded[1:], target, bom=bom)
        written.append(target)
    return written


def export_bytes(db: Database, project: Project, suffix: str, **options: Any) -> bytes:
    """The export as bytes (for a download button): :func:`export_posts` into a temporary file.

    ``suffix`` is the format's extension (``".xlsx"``, ``".csv"`` ...); ``options`` as for
    :func:`export_posts`.
    """
    suffix = suffix if suffix.startswith(".") else "." + suffix
    with tempfile.TemporaryDirectory(prefix="dazi-export-") as tmp:
        path = Path(tmp) / f"export{suffix.lower()}"
        export_posts(db, project, path, **options)
        return path.read_bytes()


def comments_bytes(db: Database, project: Project, suffix: str = ".csv") -> bytes:
    """Every comment of the project as a file's bytes (for a download button): see :func:`write_comments`."""
    from corpus.comments import iter_comments

    suffix = suffix if suffix.startswith(".") else "." + suffix
    with tempfile.TemporaryDirectory(prefix="dazi-export-") as tmp:
        path = Path(tmp) / f"comments{suffix.lower()}"
        write_comments(iter_comments(db, project), path)
        return path.read_bytes()
