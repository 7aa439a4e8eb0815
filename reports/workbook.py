"""The Excel workbook a researcher sends to a co-author or loads into SPSS or R.

``dazi export out.xlsx`` writes, in this order:

``README``
    Project, codebook name and version, export time, where the values come
    from (consensus/adjudicated final values or one coder), how multi-select
    variables and renamed columns are laid out, what every sheet holds.
``Posts``
    One row per post: the canonical fields, then the coded values
    (:class:`reports.data.PostsTable`), then the coders' memos and flags.
``Codings``
    Long format: one row per (post, coder, variable) with the value, its
    label, the coder's memo and flag, whether the post was finished, the
    codebook version and the time it was saved.
``Codebook``
    Every variable and code with labels, definitions, criteria, examples and
    keywords (one column per language of the codebook).
``Reliability``, ``Coder pairs``, ``Disagreements``
    Per variable (and per code of multi-select variables), per pair of
    coders, and every post and variable on which coders disagree, with the
    adjudication if any.
one sheet per summary table asked for (:mod:`reports.tables`)
``Terms <variable>``
    One per variable asked for: top and distinctive terms per code
    (:mod:`reports.terms`).

Everything is written by :class:`reports.xlsx.StreamingWorkbook`: bold
frozen headers, autofilters, widths, wrapped long text, ids as text, dates
as Excel dates, formulas neutralised, rows streamed.

Memory stays bounded whatever the number of posts: Posts merges the posts
(read in batches) with the final values computed post by post, Codings and
Disagreements stream the codings post by post
(:func:`coding.adjudication.iter_post_codings`), and only the reliability
subsample (posts finished by two or more coders) is held for the
Reliability and Coder pairs sheets.  Disagreements are listed in post order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from coding.adjudication import iter_disagreements, iter_post_codings
from coding.codebook import Codebook, code_label, localize
from dazi import __version__
from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project
from reports.data import PostsTable, describe_source, load_coded_posts, posts_table
from reports.report import reliability_frame, reliability_report
from reports.results import ExportResult
from reports.tables import Table, TableSpec, make_tables, parse_table_spec
from reports.terms import terms_table, write_terms_sheet
from reports.xlsx import Column, StreamingWorkbook, sheet_name, write_frame_sheet

if TYPE_CHECKING:  # pragma: no cover
    from coding.adjudication import Disagreement
    from reports.report import ReliabilityReport

__all__ = [
    "CODINGS_COLUMNS",
    "POSTS_ROW_HEIGHT",
    "codebook_frame",
    "codings_frame",
    "codings_rows",
    "disagreement_rows",
    "disagreements_frame",
    "export_workbook",
    "posts_columns",
    "write_frame_sheet",
    "write_posts_sheet",
    "write_rows_sheet",
    "write_table_sheet",
]

#: Height (points) of a Posts row: three lines of wrapped post text.
POSTS_ROW_HEIGHT = 45.0
_XLSX_KIND = {"text": "text", "wrap": "wrap", "datetime": "datetime", "integer": "auto", "number": "auto",
              "flag": "auto", "bool": "auto", "list": "text"}
_FIELD_WIDTH = {"post_id": 26.0, "url": 30.0, "title": 30.0, "text": 60.0}
_TABLE_KIND = {"percent": "percent", "integer": "integer", "decimal": "decimal", "one_decimal": "one_decimal"}


def posts_columns(columns: Sequence[str], kinds: Mapping[str, str]) -> list[Column]:
    """Sheet columns for a posts table (ids and lists as text, post text wrapped)."""
    return [Column(name, _XLSX_KIND.get(kinds.get(name, "text"), "auto"), _FIELD_WIDTH.get(name)) for name in columns]


def write_posts_sheet(book: StreamingWorkbook, columns: Sequence[str], kinds: Mapping[str, str],
                      rows: Iterable[Sequence[Any]], *, name: str = "Posts",
                      progress: Callable[[int], None] | None = None, every: int = 5000) -> int:
    """Stream posts into a sheet: frozen header and ``post_id`` column, autofilter; returns the row count.

    Parameters
    ----------
    columns, kinds
        As in :class:`reports.data.PostsTable`.
    rows : iterable of sequences
        Values in column order (lists become ``"a; b"``).
    progress : callable, optional
        Called with the number of rows written every ``every`` rows.
    """
    n = 0
    with book.sheet(name, posts_columns(columns, kinds), freeze=(1, 1), row_height=POSTS_ROW_HEIGHT) as sheet:
        for row in rows:
            sheet.write_row(row)
            n += 1
            if progress is not None and n % every == 0:
                progress(n)
    return n


def write_comments_sheet(book: StreamingWorkbook, db: Database, project: Project, name: str = "Comments") -> int:
    """Stream the project's comments into a sheet (:data:`corpus.comments.COMMENT_EXPORT_FIELDS`)."""
    from corpus.comments import COMMENT_EXPORT_FIELDS, iter_comments

    kinds = {"comment_id": "text", "post_id": "text", "platform": "text", "parent_comment_id": "text",
             "text": "wrap", "author_id": "text", "author_name": "text", "created_at": "datetime",
             "location": "text", "likes": "integer"}
    rows = ([c[f] for f in COMMENT_EXPORT_FIELDS] for c in iter_comments(db, project))
    return write_rows_sheet(book, name, COMMENT_EXPORT_FIELDS, rows, kinds=kinds, freeze=(1, 1))


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def write_table_sheet(book: StreamingWorkbook, table: Table, name: str) -> None:
    """A summary table: title, source and n, the table, its sections, and the note under it."""
    frame = table.frame
    width = max([frame.shape[1], *(s.frame.shape[1] for s in table.sections)])
    kinds = [_TABLE_KIND.get(table.formats.get(str(c), ""), "auto") for c in frame.columns]
    kinds += ["auto"] * (width - len(kinds))
    columns = [Column(f"c{i}", kind) for i, kind in enumerate(kinds)]
    with book.sheet(name, columns, header=False, freeze=(4, 1), autofilter=False) as sheet:
        sheet.write_row([table.title], style="title")
        sheet.write_row([table.caption()], style="note")
        sheet.write_row([])
        sheet.write_row([str(c) for c in frame.columns], style="header")
        for row in frame.itertuples(index=False, name=None):
            sheet.write_row([None if _missing(v) else v for v in row])
        for section in table.sections:
            sheet.write_row([])
            sheet.write_row([section.title], style="bold")
            sheet.write_row([str(c) for c in section.frame.columns], style="header")
            section_kinds = [("auto" if j == 0 else _TABLE_KIND.get(section.format, "auto"))
                             for j in range(section.frame.shape[1])]
            for row in section.frame.itertuples(index=False, name=None):
                sheet.write_row([None if _missing(v) else v for v in row], kinds=section_kinds)
        if table.note:
            sheet.write_row([])
            label = "注：" if table.lang.startswith("zh") else "Note: "
            sheet.write_row([label + table.note], style="note")


def _languages(codebook: Codebook) -> list[str]:
    """Languages used in the codebook's texts, English and Chinese first."""
    found: set[str] = set()

    def visit(text: object) -> None:
        if isinstance(text, dict):
            found.update(k for k, v in text.items() if v)

    for variable in codebook.variables:
        visit(variable.label)
        visit(variable.instruction)
        for code in variable.all_codes():
            for text in (code.label, code.definition, code.include, code.exclude):
                visit(text)
    ordered = [lang for lang in ("en", "zh") if lang in found] + sorted(found - {"en", "zh"})
    return ordered or ["en"]


def codebook_frame(codebook: Codebook) -> pd.DataFrame:
    """Every variable and code as rows: labels, instructions, definitions and criteria per language."""
    langs = _languages(codebook)
    suffix = (lambda lang: f"_{lang}") if len(langs) > 1 else (lambda lang: "")
    rows = []
    for variable in codebook.variables:
        base: dict[str, Any] = {"variable": variable.id}
        for lang in langs:
            base[f"variable_label{suffix(lang)}"] = localize(variable.label, lang)
        base.update({"type": variable.type, "level": variable.level, "required": variable.required,
                     "when": "; ".join(f"{k} = {' | '.join(v)}" for k, v in variable.conditions().items()) or None,
                     "unit": variable.unit, "min": variable.min, "max": variable.max})
        for lang in langs:
            base[f"instruction{suffix(lang)}"] = localize(variable.instruction, lang) or None
        codes = variable.all_codes()
        if not codes:
            rows.append(base)
            continue
        for code in codes:
            row = dict(base)
            row["code"] = code.id
            for lang in langs:
                row[f"code_label{suffix(lang)}"] = localize(code.label, lang)
            parent = variable.parent(code.id)
            row.update({"parent": parent.id if parent else None, "codable": code.codable, "missing": code.missing,
                        "retired": code.retired, "merged_into": code.merged_into})
            for key in ("definition", "include", "exclude"):
                for lang in langs:
                    row[f"{key}{suffix(lang)}"] = localize(getattr(code, key), lang) or None
            row["examples"] = "\n".join(code.examples) or None
            row["keywords"] = "; ".join(code.keywords) or None
            row["color"] = code.color
            rows.append(row)
    frame = pd.DataFrame(rows)
    order = ["variable", *[c for c in frame.columns if c.startswith("variable_label")], "type", "level",
             "required", "when", "unit", "min", "max", *[c for c in frame.columns if c.startswith("instruction")],
             "code", *[c for c in frame.columns if c.startswith("code_label")], "parent", "codable", "missing",
             "retired", "merged_into", *[c for c in frame.columns if c.startswith(("definition", "include", "exclude"))],
             "examples", "keywords", "color"]
    return frame.reindex(columns=[c for c in order if c in frame.columns])


def _codebook_kinds(frame: pd.DataFrame) -> dict[str, str]:
    wide = ("instruction", "definition", "include", "exclude", "examples")
    return {c: "wrap" for c in frame.columns if c.startswith(wide)}


def _value_text(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return value


def _label_text(codebook: Codebook | None, variable_id: str, value: Any, lang: str) -> str | None:
    if codebook is None or value is None or variable_id not in codebook.variable_ids():
        return None
    variable = codebook.variable(variable_id)
    values = value if isinstance(value, list) else [value]
    if not variable.is_choice:
        return None
    return "; ".join(code_label(variable, v, lang) for v in values)


_SHOWN_LIMIT = 50_000
CODINGS_COLUMNS: tuple[str, ...] = ("post_id", "platform", "coder", "variable", "value", "label", "memo",
                                     "uncertain", "done", "codebook_version", "updated_at")


def codings_rows(db: Database, project: Project, codebook: Codebook | None, lang: str) -> Iterator[tuple]:
    """Every current coding in long format (:data:`CODINGS_COLUMNS`), drafts included, streamed.

    One row per (post, coder, variable), posts in key order, coders by name,
    variables alphabetically, with the coder's memo and flags for the post;
    read post by post (:func:`coding.adjudication.iter_post_codings`).
    """
    shown: dict[tuple[str, Any], tuple[Any, str | None]] = {}  # (variable, value) -> (value text, label)
    choice = {v.id for v in codebook.variables if v.is_choice} if codebook is not None else set()

    for post in iter_post_codings(db, project, drafts=True, details=True):
        for unit in post.units:
            memo = unit.memo or None
            for variable, value in unit.values.items():
                if isinstance(value, (str, list)):  # codes: few distinct values, looked up once
                    key = (variable, tuple(value) if isinstance(value, list) else value)
                    cells = shown.get(key)
                    if cells is None:
                        cells = (_value_text(value), _label_text(codebook, variable, value, lang))
                        if len(shown) < _SHOWN_LIMIT:  # free text never fills memory
                            shown[key] = cells
                else:
                    cells = (value, _label_text(codebook, variable, value, lang) if variable in choice else None)
                version = unit.versions.get(variable)
                yield (post.post_id, post.platform, unit.coder, variable, cells[0], cells[1], memo, unit.uncertain,
                       unit.done, None if version is None else int(version), unit.updated.get(variable))


def codings_frame(db: Database, project: Project, codebook: Codebook | None, lang: str) -> pd.DataFrame:
    """:func:`codings_rows` as a DataFrame (small projects, tests)."""
    return pd.DataFrame(list(codings_rows(db, project, codebook, lang)), columns=list(CODINGS_COLUMNS))


def write_rows_sheet(book: StreamingWorkbook, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                     kinds: Mapping[str, str] | None = None, freeze: tuple[int, int] = (1, 0),
                     empty_note: str | None = None) -> int:
    """Stream rows into a sheet with a header, autofilter and column kinds per name; returns the data rows."""
    kinds = dict(kinds or {})
    n = 0
    with book.sheet(name, [Column(c, kinds.get(c, "auto")) for c in columns], freeze=freeze) as sheet:
        for row in rows:
            sheet.write_row(row)
            n += 1
        if not n and empty_note:
            sheet.write_row([empty_note], style="note")
    return n


def _disagreement_row(d: Disagreement, coders: Sequence[str]) -> list[Any]:
    held = {cv.coder: cv for cv in d.values}
    adj = d.adjudication
    return [d.post_id, d.platform, d.variable, d.status,
            *(_value_text(held[c].value) if c in held else None for c in coders),
            "; ".join(f"{cv.coder}: {cv.memo}" for cv in d.values if cv.memo) or None,
            ", ".join(cv.coder for cv in d.values if cv.uncertain) or None,
            _value_text(adj.value) if adj else None, adj.rationale if adj else None,
            adj.adjudicator if adj else None, adj.created_at if adj else None]


def _disagreement_columns(coders: Sequence[str]) -> list[str]:
    return ["post_id", "platform", "variable", "status", *coders, "memos", "uncertain", "final_value", "rationale",
            "adjudicator", "adjudicated_at"]


def disagreements_frame(report: ReliabilityReport) -> pd.DataFrame:
    """One row per post and variable on which coders disagree, with each coder's value and any adjudication."""
    coders = sorted({cv.coder for d in report.disagreements for cv in d.values})
    return pd.DataFrame([_disagreement_row(d, coders) for d in report.disagreements],
                        columns=_disagreement_columns(coders))


def disagreement_rows(db: Database, project: Project, coders: Sequence[str]) -> Iterator[list[Any]]:
    """:func:`disagreements_frame`'s rows streamed in post order, one column per coder of ``coders``."""
    return (_disagreement_row(d, coders) for d in iter_disagreements(db, project, None, include_resolved=True))


def _readme(project: Project, posts: PostsTable, report: ReliabilityReport | None, tables: Sequence[Table],
            sheets: Sequence[tuple[str, str]], exported: datetime, lang: str) -> list[tuple[str, Any]]:
    codebook = posts.codebook
    rows: list[tuple[str, Any]] = [
        ("Project", project.name),
        ("Exported", exported.replace(tzinfo=None)),
        ("Exported by", f"dazi {__version__}"),
        ("Codebook", codebook.name if codebook else "(no codebook loaded: posts only)"),
        ("Codebook version", posts.codebook_version),
        ("Values", describe_source(posts.source, "en")),
        ("Posts", f"{posts.n_posts:,} posts in the project, {posts.n_coded:,} of them with a finished coding."),
        ("Labels", (f"Code labels are in {'Chinese' if lang.startswith('zh') else 'English'} ({lang}); "
                    "the Codebook sheet has every language.")),
        ("Posts layout", ("One row per post: the canonical post fields (post_id ... crawled_at), then per "
                          "variable: single-choice and ordinal variables as <variable> (code id) and "
                          "<variable>__label; numeric and text variables as <variable>; then unresolved (variables "
                          "with an open disagreement), coders (who finished the post), double_coded, memos, "
                          "uncertain.")),
        ("Multi-select", ("A multi-select variable has one column per code, <variable>__<code>, holding 1 if the "
                          "code was chosen and 0 if not, then <variable> with the chosen labels joined by '; '. "
                          "All its cells are empty when the post has no value (not coded, not applicable, or an "
                          "open disagreement): 0 always means 'coded, and this code not chosen'.")),
        ("Column names", ("Columns are named by variable id. A variable whose id equals a post field or a flag "
                          "column (e.g. lang, text, memos) gets the prefix v_ on all its columns."
                          + (" Renamed here: " + ", ".join(f"{k} -> {v}" for k, v in posts.renamed.items())
                             if posts.renamed else " No variable needed it in this export."))),
        ("Missing values", ("An empty cell is a missing value. Open disagreements are missing in Posts and listed "
                            "in the unresolved column and the Disagreements sheet.")),
        ("Dates", "Dates and times are Excel dates in UTC (Excel has no time zones)."),
        ("Ids", "Post and author ids are stored as text, never as numbers, so long ids keep every digit."),
        ("Formulas", ("Text that began with = + - @ a tab or a carriage return has an added ' in front, so no "
                      "spreadsheet treats post text as a formula; remove that first character to get the "
                      "original.")),
        ("Flags", "double_coded, uncertain, done and counts_approximate are TRUE/FALSE."),
    ]
    if report is not None:
        design = report.design
        rows.append(("Reliability", (f"{design.n_units:,} posts coded by two or more coders "
                                     f"({', '.join(design.coders) or 'none'}); alpha at each variable's level "
                                     f"with {design.bootstrap:,} bootstrap resamples (seed {design.seed}).")))
    for table in tables:
        rows.append((f"Table: {table.title}", table.caption()))
    for name, description in sheets:
        rows.append((f"Sheet {name}", description))
    return rows


def _split_terms(tables: Sequence[Any], terms: Sequence[str]) -> tuple[list[Any], list[str]]:
    """Table specs without the ``terms`` specs, and the variables of all terms sheets asked for."""
    rest: list[Any] = []
    wanted = list(terms)
    for spec in tables:
        parsed = parse_table_spec(spec) if isinstance(spec, str) else spec
        if isinstance(parsed, TableSpec) and parsed.kind == "terms":
            wanted += list(parsed.variables)
        else:
            rest.append(parsed)
    return rest, list(dict.fromkeys(wanted))


def export_workbook(db: Database, project: Project, path: str | Path, *, source: str = "final", lang: str = "zh",
                    tables: Sequence[Any] = (), with_codes: bool = True, bootstrap: int = 10_000,
                    seed: int | None = 0, progress: Callable[[int], None] | None = None,
                    terms: Sequence[str] = (), terms_n: int = 20, dummies: bool = False) -> ExportResult:
    """Write the full workbook (see the module docstring) to ``path``.

    Parameters
    ----------
    source : str
        ``"final"`` (consensus and adjudicated values) or a coder's name, for
        Posts and the summary tables.
    lang : {"zh", "en"}
        Language of code labels.
    tables : sequence of TableSpec or str
        Summary tables to add, one sheet each (checked before anything is written).
        A ``terms VARIABLE...`` spec asks for terms sheets (as ``terms``).
    terms : sequence of str
        Variables to add a terms sheet for (``Terms <variable>``): top and
        distinctive terms per code with counts and weighted log-odds
        z-scores (:mod:`reports.terms`), ``terms_n`` terms per code.
    with_codes : bool
        ``False``: posts only (no codes, codings, reliability).
    bootstrap, seed
        For the Reliability sheet (as in :func:`reports.report.reliability_report`).
    dummies : bool
        Posts: single-choice variables also get one 0/1 column per code.

    Returns
    -------
    ExportResult
    """
    tables, terms = _split_terms(tables, terms)
    posts = posts_table(db, project, source=source, lang=lang, with_codes=with_codes, dummies=dummies)
    coded = posts.codebook is not None
    built: list[Table] = []
    if (tables or terms) and not coded:
        raise ValidationError("Summary tables and terms need coded posts, and this project has no codebook yet.",
                              "Load a codebook and code some posts first (dazi codebook load ...).")
    if tables:
        if not coded:
            raise ValidationError("Summary tables need coded posts, and this project has no codebook yet.",
                                  "Load a codebook and code some posts first (dazi codebook load ...).")
        built = make_tables(load_coded_posts(db, project, source=source), tables, lang=lang)
    term_tables = [terms_table(db, project, v, n=terms_n, source=source, lang=lang) for v in terms]
    report = reliability_report(db, project, bootstrap=bootstrap, seed=seed, with_disagreements=False,
                                with_keywords=False) \
        if coded else None
    exported = datetime.now(UTC)
    sheets: list[tuple[str, str]] = [("Posts", "one row per post with its coded values")]
    from corpus.comments import count_comments

    n_comments = count_comments(db, project)
    if n_comments:
        sheets.append(("Comments", "the posts' comments, one row each, linked to Posts by platform and post_id"))
    if coded:
        sheets += [("Codings", "every coder's current value per post and variable (long format)"),
                   ("Codebook", "variables and codes with definitions, criteria, examples and keywords"),
                   ("Reliability", "Krippendorff's alpha and agreement per variable and per multi-select code"),
                   ("Coder pairs", "agreement per pair of coders and variable"),
                   ("Disagreements", "posts and variables on which coders disagree, with adjudications")]
    taken = ["README", *(name for name, _ in sheets)]
    table_sheets = []
    for table in built:
        name = sheet_name(table.name, taken)
        taken.append(name)
        table_sheets.append((name, table))
        sheets.append((name, table.title))
    terms_sheets = []
    for term_table in term_tables:
        name = sheet_name(f"Terms {term_table.variable.id}", taken)
        taken.append(name)
        terms_sheets.append((name, term_table))
        sheets.append((name, term_table.title()))
    result = ExportResult(Path(path), "xlsx", 0, renamed=dict(posts.renamed))
    with StreamingWorkbook(path, title=f"dazi export: {project.name}") as book:
        with book.sheet("README", [Column("item", "text", 22), Column("value", "wrap", 100)]) as readme:
            for item, value in _readme(project, posts, report, built, sheets, exported, lang):
                readme.write_row([item, value])
        result.rows = write_posts_sheet(book, posts.columns, posts.kinds, posts.rows(), progress=progress)
        if n_comments:
            write_comments_sheet(book, db, project)
        if coded and report is not None:
            assert posts.codebook is not None
            write_rows_sheet(book, "Codings", CODINGS_COLUMNS, codings_rows(db, project, posts.codebook, lang),
                             kinds={"post_id": "text", "memo": "wrap", "value": "auto"}, freeze=(1, 1))
            frame = codebook_frame(posts.codebook)
            write_frame_sheet(book, "Codebook", frame, kinds=_codebook_kinds(frame), freeze=(1, 1))
            rel = reliability_frame(report, lang)
            write_frame_sheet(book, "Reliability", rel,
                              kinds={c: "decimal" for c in ("alpha", "ci_low", "ci_high", "q_below_800", "q_below_667",
                                                             "cohen_kappa", "fleiss_kappa", "gwet_ac1")}
                              | {"percent_agreement": "percent", "notes": "wrap"},
                              empty_note="No post has been coded by two or more coders yet.")
            write_frame_sheet(book, "Coder pairs", report.pairs,
                              kinds={"percent_agreement": "percent", "cohen_kappa": "decimal",
                                     "krippendorff_alpha": "decimal"},
                              empty_note="No pair of coders has coded the same posts yet.")
            coders = report.design.coders
            write_rows_sheet(book, "Disagreements", _disagreement_columns(coders),
                             disagreement_rows(db, project, coders),
                             kinds={"post_id": "text", "rationale": "wrap", "memos": "wrap"}, freeze=(1, 1),
                             empty_note="Coders agree on every post they both finished.")
            from reports.machine import write_machine_sheets

            write_machine_sheets(book, db, project)
        for name, table in table_sheets:
            write_table_sheet(book, table, name)
        for name, term_table in terms_sheets:
            write_terms_sheet(book, term_table, name)
        result.sheets = [part for s in book.sheets for part in s.parts]
        result.truncated = sum(s.truncated for s in book.sheets)
        result.notes += [f"The {s.name} sheet has more rows than an Excel sheet holds (1,048,576): it goes on in "
                         f"{', '.join(s.parts[1:])}." for s in book.sheets if len(s.parts) > 1]
    if result.truncated:
        result.notes.append(f"{result.truncated} cell(s) longer than Excel's 32,767 characters were cut.")
    result.tables = [t.title for t in built]
    return result
