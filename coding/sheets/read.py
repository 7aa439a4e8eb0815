"""Reading a filled-in coding sheet back (:func:`import_codings`): every cell is
checked before anything is written, then every changed post is saved in one
transaction.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from coding.assignments import assigned_post_pks
from coding.codebook import Codebook, Value, is_applicable
from coding.codebook_store import current_codebook
from coding.coders import Coder, get_coder
from coding.codings import PlannedSave, codings_long, save_codings, units_frame
from coding.sheets.layout import (
    _TEXTS,
    CODING_SHEET,
    FIRST_ROW,
    FORMAT_VERSION,
    MEMO,
    META_SHEET,
    POST_COLUMNS,
    SHEET_FORMAT,
    UNCERTAIN,
    _check_columns,
    _clean,
    _condition,
)
from coding.sheets.records import SheetImportError, SheetImportReport, SheetProblem
from coding.sheets.values import _as_text, _Codes, _parse, _truthy
from corpus.formats import check_zip_size
from dazi.db import Database
from dazi.errors import DaziError, InputError, NotFound, ValidationError
from dazi.projects import Project
from dazi.schema import posts

__all__ = ["import_codings"]


# --------------------------------------------------------------------------
# Reading back
# --------------------------------------------------------------------------

@dataclass
class _Planned:
    row: int
    post_pk: int
    post_id: str
    values: dict
    memo: str | None
    uncertain: bool | None
    done: bool
    missing: list[str]


def _blank(cell: Cell | None) -> bool:
    return cell is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())


#: What a returned coding sheet may unpack to: a sheet of 10,000 long posts is
#: about 50 MiB of XML; anything far larger is damaged or hostile (a zip bomb).
_MAX_UNPACKED = 256 * 1024 * 1024


def _open(path: Path):
    if not path.is_file():
        raise InputError("No such file", "Check the path.", file=str(path))
    if not zipfile.is_zipfile(path):
        raise InputError("Not a readable .xlsx workbook (not a zip file)",
                         "Save the sheet from Excel as 'Excel Workbook (.xlsx)' and try again.",
                         file=str(path))
    check_zip_size(path, max_bytes=_MAX_UNPACKED)
    try:
        with warnings.catch_warnings():
            # validations Excel stores as extensions are dropped on reading; we do not need them
            warnings.filterwarnings("ignore", message=".*extension is not supported.*", category=UserWarning)
            return load_workbook(path, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl's zip, XML and style parsers raise anything
        raise InputError(f"Not a readable .xlsx workbook ({exc.__class__.__name__})",
                         "Save the sheet from Excel as 'Excel Workbook (.xlsx)' and try again.",
                         file=str(path)) from exc


def _meta(wb, path: Path) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        return {}
    ws = wb[META_SHEET]
    out = {}
    for key, value, *_ in ws.iter_rows(min_row=1, max_col=2, values_only=True):
        if key is not None:
            out[str(key).strip()] = "" if value is None else str(value).strip()
    if out.get("format") not in (None, SHEET_FORMAT):
        raise InputError(f"Not a dazi coding sheet (format {out.get('format')!r})",
                         "Make one with `dazi coding-sheet`.", file=str(path))
    try:
        version = int(out.get("format_version") or FORMAT_VERSION)
    except ValueError:
        version = FORMAT_VERSION + 1
    if version > FORMAT_VERSION:
        raise InputError(f"This coding sheet was made by a newer dazi (format {out.get('format_version')})",
                         "Upgrade dazi (pip install -U dazi) and import it again.", file=str(path))
    return out


def _post_id(cell: Cell) -> tuple[str | None, str | None]:
    """The post id in a cell, or an explanation of why it is not one."""
    value = cell.value
    if isinstance(value, str):
        return value.strip(), None
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) <= 15:
        return str(value), None
    return None, (f"the post id became a number ({value!r}), so its digits may be lost; "
                  "use the sheet as dazi wrote it and do not retype post ids")


def import_codings(db: Database, project: Project, path: str | os.PathLike, *,
                   coder: Coder | str | None = None) -> SheetImportReport:
    """Check a filled-in coding sheet and record its codings as the sheet's coder.

    Parameters
    ----------
    path : path
        An .xlsx written by :func:`write_coding_sheet` (and filled in).
    coder : Coder or str, optional
        Record the codings as this coder instead of the one named in the
        sheet's hidden ``Meta`` sheet (needed if that sheet was lost).

    Returns
    -------
    SheetImportReport

    Raises
    ------
    SheetImportError
        (an :class:`~dazi.errors.InputError`) listing every bad cell by
        sheet, row and column; nothing was written.
    InputError
        The file is not a readable coding sheet, or belongs to another project.
    NotFound
        No such coder; no codebook.

    Notes
    -----
    The rules for blank cells, blank rows and partly filled rows are in
    this module's docstring: blank means "leave as is", partly filled rows
    become drafts, finished posts must stay complete.
    """
    path = Path(path)
    wb = _open(path)
    meta = _meta(wb, path)
    if meta.get("project") and meta["project"] != project.name:
        raise InputError(f"This sheet belongs to project {meta['project']!r}, not {project.name!r}",
                         f"Import it with --project {meta['project']!r}.", file=str(path))
    who = _sheet_coder(db, project, path, meta, coder)
    lang = meta["lang"] if meta.get("lang") in _TEXTS else "zh"
    ws, header = _coding_columns(wb, path)
    stored = current_codebook(db, project)
    codebook = stored.codebook
    _check_columns(codebook)
    report = SheetImportReport(str(path), who.name, stored.version)
    report.warnings += _warnings(meta, who, stored.version, codebook, header)
    problems = _Problems(header)
    lookups = {v.id: _Codes(v, lang) for v in codebook.variables if v.id in header}
    rows = _read_rows(ws, header, list(lookups), report, problems)
    state = _State.load(db, project, who, rows)
    plans = [plan for row in rows
             if (plan := _check_row(row, state, codebook, lookups, lang, project, who, problems)) is not None]
    if problems.found:
        raise SheetImportError(path, problems.sorted())
    planned, rows_of = _changed(plans, state, report)

    def located(save: PlannedSave, exc: DaziError) -> InputError:
        plan = rows_of[id(save)]
        return InputError(
            f"{CODING_SHEET}!row {plan.row} (post {plan.post_id}): {exc.message} (nothing was saved)",
            "Fix the cause and import the file again.",
            file=str(path),
        )

    for result in save_codings(db, project, who, planned, on_error=located):
        report.units_saved += 1
        report.values_changed += len(result.changed)
    return report


def _sheet_coder(db: Database, project: Project, path: Path, meta: dict[str, str],
                 coder: Coder | str | None) -> Coder:
    """Whose codings these are: the coder given, or the one the sheet's Meta sheet names."""
    name = coder.name if isinstance(coder, Coder) else (coder or meta.get("coder"))
    if not name:
        raise InputError("The sheet does not say whose codings these are (its Meta sheet is missing)",
                         "Name the coder: dazi import-codings FILE --coder NAME.", file=str(path))
    try:
        return coder if isinstance(coder, Coder) else get_coder(db, project, name)
    except NotFound as exc:
        if coder is not None:  # the name the user gave
            raise
        raise InputError(f"The sheet is for coder {name!r} (its Meta sheet says so), who is not a coder "
                         f"of project {project.name!r}", f"{exc.hint} Name the coder: dazi import-codings "
                         "FILE --coder NAME.", file=str(path)) from None


def _coding_columns(wb, path: Path) -> tuple[Worksheet, dict[str, int]]:
    """The ``Coding`` sheet and its columns by the keys in row 1."""
    if CODING_SHEET not in wb.sheetnames:
        raise InputError(f"The workbook has no sheet named {CODING_SHEET!r} (it has {', '.join(wb.sheetnames)})",
                         "Use the sheet dazi wrote and keep its sheet names.", file=str(path))
    ws = wb[CODING_SHEET]
    header: dict[str, int] = {}
    for cell in ws[1]:
        if cell.value is not None and str(cell.value).strip():
            header.setdefault(str(cell.value).strip(), cell.column)
    if "post_id" not in header:
        raise InputError(f"Row 1 of sheet {CODING_SHEET!r} has no 'post_id' column",
                         "Keep the column names in row 1 as dazi wrote them.", file=str(path))
    return ws, header


def _warnings(meta: dict[str, str], who: Coder, version: int, codebook: Codebook,
              header: Mapping[str, int]) -> list[str]:
    """What is worth knowing about the sheet but does not stop the import."""
    out = []
    if meta.get("coder") and meta["coder"] != who.name:
        out.append(f"the sheet was written for {meta['coder']!r}; imported as {who.name!r}")
    if meta.get("codebook_version") and meta["codebook_version"] != str(version):
        out.append(f"the sheet was made with codebook version {meta['codebook_version']}; "
                   f"values were checked against the current version {version}")
    known = set(POST_COLUMNS) | set(codebook.variable_ids()) | {MEMO, UNCERTAIN}
    ignored = [h for h in header if h not in known]
    if ignored:
        out.append(f"column(s) ignored (not variables of the current codebook): {', '.join(ignored)}")
    absent = [v.id for v in codebook.variables if v.id not in header and v.required]
    if absent:
        out.append(f"the sheet has no column for required variable(s) {', '.join(absent)} "
                   "(added to the codebook later?): its posts can only be drafts; make a new sheet")
    return out


class _Problems:
    """Every bad cell found, located by the sheet's columns."""

    def __init__(self, header: Mapping[str, int]):
        self.header = header
        self.found: list[SheetProblem] = []

    def add(self, row: int, key: str, message: str) -> None:
        self.found.append(SheetProblem(CODING_SHEET, row, get_column_letter(self.header.get(key, 1)), key, message))

    def sorted(self) -> list[SheetProblem]:
        return sorted(self.found, key=lambda p: (p.row, column_index_from_string(p.column)))


@dataclass
class _Row:
    """A filled-in row of the ``Coding`` sheet, before any check."""

    row: int
    post_id: str
    platform: str | None
    entries: dict[str, Cell]  # variable id -> cell
    extras: dict[str, Cell]  # memo, uncertain


def _read_rows(ws: Worksheet, header: Mapping[str, int], variable_ids: list[str], report: SheetImportReport,
               problems: _Problems) -> list[_Row]:
    """Pass 1: every row with a post id and something filled in (blank rows are counted and skipped)."""
    rows = []
    # only rows that hold cells: a stray value typed in row 1,048,576 must not mean a million reads
    for r in sorted({row for row, _ in ws._cells if row >= FIRST_ROW}):
        pid_cell = ws.cell(row=r, column=header["post_id"])
        entries = {key: ws.cell(row=r, column=header[key]) for key in variable_ids}
        extras = {k: ws.cell(row=r, column=header[k]) for k in (MEMO, UNCERTAIN) if k in header}
        empty = all(_blank(c) for c in (*entries.values(), *extras.values()))
        if _blank(pid_cell):
            if not empty:
                problems.add(r, "post_id", "this row has codes but no post id")
            continue
        report.rows_read += 1
        if empty:
            report.skipped += 1
            continue
        post_id, why = _post_id(pid_cell)
        if why or post_id is None:
            problems.add(r, "post_id", why or "")
            continue
        platform = None
        if "platform" in header and not _blank(ws.cell(row=r, column=header["platform"])):
            platform = str(ws.cell(row=r, column=header["platform"]).value).strip()
        rows.append(_Row(r, post_id, platform, entries, extras))
    return rows


@dataclass
class _State:
    """What is stored for the rows' posts: their keys, whether the coder may code them, her values so far."""

    by_id: dict[str, list[tuple[str, int]]]  # post id -> [(platform, post pk)]
    allowed: set[int] | None  # None: an admin may code any post
    current: dict[int, dict]  # post pk -> {variable: value}
    units: dict[int, Any]  # post pk -> the coder's unit row (memo, uncertain, done)
    seen: dict[int, int] = field(default_factory=dict)  # post pk -> the first row that had it

    @classmethod
    def load(cls, db: Database, project: Project, who: Coder, rows: Sequence[_Row]) -> _State:
        # which posts those are (corpus.store.resolve_post_pks cannot tell platforms apart)
        by_id: dict[str, list[tuple[str, int]]] = {}
        if rows:
            ids = sorted({row.post_id for row in rows})
            with db.read() as conn:
                for start in range(0, len(ids), 500):
                    found = conn.execute(
                        select(posts.c.post_id, posts.c.platform, posts.c.id).where(
                            posts.c.project_id == project.id, posts.c.post_id.in_(ids[start:start + 500]))
                    ).all()
                    for hit in found:
                        by_id.setdefault(hit.post_id, []).append((hit.platform, hit.id))
        allowed = None if who.role == "admin" else set(assigned_post_pks(db, project, who))
        current: dict[int, dict] = {}
        for row in codings_long(db, project, who, coder=who.name).itertuples(index=False):
            current.setdefault(int(row.post_pk), {})[row.variable] = row.value
        units = {int(r.post_pk): r for r in units_frame(db, project, who).itertuples(index=False)
                 if r.coder == who.name}
        return cls(by_id, allowed, current, units)


def _check_row(row: _Row, state: _State, codebook: Codebook, lookups: Mapping[str, _Codes], lang: str,
               project: Project, who: Coder, problems: _Problems) -> _Planned | None:
    """Pass 2: one row checked cell by cell; what to save, or ``None`` (its problems added)."""
    r, post_id = row.row, row.post_id
    pk = _row_post(row, state, project, who, problems)
    if pk is None:
        return None
    values = _row_values(row, lookups, problems)
    memo, memo_ok = _row_memo(row, problems)
    uncertain, flag_ok = _row_flag(row, lang, problems)
    if values is None or not memo_ok or not flag_ok:
        return None
    before = state.current.get(pk, {})
    resolved = {**before, **values}
    bad = False
    for variable in codebook.variables:
        if not variable.when or is_applicable(variable, resolved, codebook):
            continue
        if variable.id in values and values[variable.id] not in (None, []):
            problems.add(r, variable.id, f"does not apply to this post (only if "
                                         f"{_condition(variable, codebook, lang)}); leave it empty")
            bad = True
        resolved[variable.id] = None  # a stored value that no longer applies is dropped on saving
    if bad:
        return None
    missing = [v.id for v in codebook.variables
               if v.required and is_applicable(v, resolved, codebook) and resolved.get(v.id) in (None, [], "")]
    unit = state.units.get(pk)
    finished_before = unit is not None and bool(unit.done)
    if missing and finished_before:
        for key in missing:
            problems.add(r, key if key in problems.header else "post_id",
                         "required: this post was already finished, so it must stay complete; fill it in")
        return None
    return _Planned(r, pk, post_id, values, memo, uncertain, not missing, missing)


def _row_post(row: _Row, state: _State, project: Project, who: Coder, problems: _Problems) -> int | None:
    """The row's post, if it exists once, the coder may code it, and no earlier row had it."""
    r, post_id = row.row, row.post_id
    matches = [pk for plat, pk in state.by_id.get(post_id, []) if row.platform is None or plat == row.platform]
    if not matches:
        problems.add(r, "post_id", f"no post {post_id!r} in project {project.name!r}")
        return None
    if len(matches) > 1:
        problems.add(r, "post_id", f"post id {post_id!r} exists on several platforms; the platform column is empty")
        return None
    pk = matches[0]
    if state.allowed is not None and pk not in state.allowed:
        problems.add(r, "post_id", f"post {post_id} is not assigned to {who.name!r}")
        return None
    seen = state.seen
    if pk in seen:
        problems.add(r, "post_id", f"post {post_id} is also in row {seen[pk]}; keep one row per post")
        return None
    seen[pk] = r
    return pk


def _row_values(row: _Row, lookups: Mapping[str, _Codes], problems: _Problems) -> dict[str, Value] | None:
    """The row's filled-in values in their stored form, or ``None`` if a cell is bad."""
    values: dict[str, Value] = {}
    bad = False
    for key, codes in lookups.items():
        variable = codes.variable
        cell = row.entries[key]
        if _blank(cell):
            continue
        if cell.data_type == "f":
            problems.add(row.row, variable.id, f"is a formula ({cell.value}); type the value itself")
            bad = True
            continue
        try:
            values[variable.id] = _parse(variable, cell.value, codes)
        except ValidationError as exc:
            problems.add(row.row, variable.id, exc.message)
            bad = True
    return None if bad else values


def _row_memo(row: _Row, problems: _Problems) -> tuple[str | None, bool]:
    """The memo typed (``None``: blank) and whether the cell is good."""
    cell = row.extras.get(MEMO)
    if cell is None or _blank(cell):
        return None, True
    if cell.data_type == "f":
        problems.add(row.row, MEMO, f"is a formula ({cell.value}); type plain text")
        return None, False
    return _as_text(cell.value).strip(), True


def _row_flag(row: _Row, lang: str, problems: _Problems) -> tuple[bool | None, bool]:
    """The uncertain flag typed (``None``: blank) and whether the cell is good."""
    cell = row.extras.get(UNCERTAIN)
    if cell is None or _blank(cell):
        return None, True
    uncertain = _truthy(cell.value)
    if uncertain is None:
        texts = _TEXTS[lang]
        problems.add(row.row, UNCERTAIN, f"{cell.value!r} is not yes or no; "
                                         f"type {texts['yes']} or {texts['no']}, or leave it empty")
        return None, False
    return uncertain, True


def _changed(plans: Sequence[_Planned], state: _State, report: SheetImportReport
             ) -> tuple[list[PlannedSave], dict[int, _Planned]]:
    """Pass 3: the saves for rows that change something (counted in ``report``), and each save's row."""
    planned: list[PlannedSave] = []
    rows_of: dict[int, _Planned] = {}
    for plan in plans:
        before = state.current.get(plan.post_pk, {})
        unit = state.units.get(plan.post_pk)
        state_memo = unit.memo if unit is not None and isinstance(unit.memo, str) else None
        # text written to the sheet was cleaned (_clean): getting it back is no change
        if plan.memo is not None and state_memo is not None and plan.memo == _clean(state_memo).strip():
            plan.memo = None
        for key, value in list(plan.values.items()):
            stored_value = before.get(key)
            if isinstance(value, str) and isinstance(stored_value, str) and value != stored_value \
                    and value == _clean(stored_value).strip():
                del plan.values[key]
        state_flag = bool(unit.uncertain) if unit is not None else False
        state_done = bool(unit.done) if unit is not None else False
        changed = (
            any(before.get(k) != v for k, v in plan.values.items())
            or plan.memo is not None
            or (plan.uncertain is not None and plan.uncertain != state_flag)
            or (plan.done and not state_done)
        )
        if plan.done:
            report.finished += 1
        else:
            names = ", ".join(plan.missing)
            report.drafts.append(f"row {plan.row} (post {plan.post_id}): no value yet for {names}")
        if not changed:
            report.unchanged += 1
            continue
        planned.append(PlannedSave(plan.post_pk, plan.values, plan.memo, plan.uncertain, plan.done))
        rows_of[id(planned[-1])] = plan
    return planned, rows_of
