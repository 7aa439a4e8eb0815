"""Writing a coder's assignment as an Excel coding sheet (:func:`write_coding_sheet`).
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from coding.assignments import assigned_post_pks
from coding.codebook import Codebook, Variable, localize
from coding.codebook_store import current_codebook
from coding.coders import Coder
from coding.codings import codings_long, units_frame
from coding.sheets.layout import (
    _BOLD,
    _LOCKED_FILL,
    _OPEN_FILL,
    _TEXTS,
    _WIDTHS,
    CODING_SHEET,
    FIRST_ROW,
    FORMAT_VERSION,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    MEMO,
    META_SHEET,
    POST_COLUMNS,
    SHEET_FORMAT,
    UNCERTAIN,
    _check_columns,
    _clean,
    _condition,
)
from coding.sheets.records import CodingSheet
from coding.sheets.values import _display, _shown_labels
from corpus.store import get_posts_by_pk
from dazi import __version__
from dazi.cells import is_formula_text
from dazi.db import Database
from dazi.errors import InputError, ValidationError
from dazi.files import replacing
from dazi.projects import Project

__all__ = ["write_coding_sheet"]


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def _put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write a value; strings always as inert string cells, never formulas."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = _clean(value)
        cell.value = value
        cell.data_type = "s"  # openpyxl makes "=..." a formula; a string cell is never evaluated
        if is_formula_text(value):
            cell.quotePrefix = True  # and editing it in Excel keeps it text
    elif isinstance(value, datetime):
        cell.value = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        cell.number_format = "yyyy-mm-dd hh:mm"
    else:
        cell.value = value
    return cell


def _prompt(variable: Variable, codebook: Codebook, lang: str) -> str:
    texts = _TEXTS[lang]
    head = texts["only_if"].format(cond=_condition(variable, codebook, lang)) + " " if variable.when else ""
    if variable.type in ("single", "ordinal"):
        body = texts["choose_one"]
    elif variable.type == "multi":
        body = texts["choose_many"] + "; ".join(label for _, label in _shown_labels(variable, lang))
    elif variable.type == "numeric":
        body = texts["number"]
        if variable.min is not None and variable.max is not None:
            body += texts["range"].format(lo=f"{variable.min:g}", hi=f"{variable.max:g}")
        body += f" ({variable.unit})" if variable.unit else ""
    else:
        body = localize(variable.instruction, lang)
    prompt = head + body
    if len(prompt) > 255:  # Excel's limit for an input message
        tail = texts["see_instructions"]
        prompt = prompt[: 255 - len(tail)] + tail
    return prompt


def _validation(ws: Worksheet, variable: Variable, codebook: Codebook, lang: str, list_name: str | None,
                cells: str) -> None:
    texts = _TEXTS[lang]
    if variable.type in ("single", "ordinal") and list_name:
        dv = DataValidation(type="list", formula1=list_name, allow_blank=True, showErrorMessage=True,
                            errorTitle=variable.id[:32], error=texts["not_in_list"])
    elif variable.type == "numeric":
        lo, hi = variable.min, variable.max
        if lo is not None and hi is not None:
            dv = DataValidation(type="decimal", operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}")
        elif lo is not None:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=f"{lo:g}")
        elif hi is not None:
            dv = DataValidation(type="decimal", operator="lessThanOrEqual", formula1=f"{hi:g}")
        else:
            dv = DataValidation(type="decimal", operator="between", formula1="-1E+307", formula2="1E+307")
        dv.allow_blank = True
        dv.showErrorMessage = True
        dv.errorTitle = variable.id[:32]
        dv.error = texts["not_a_number"]
    else:
        dv = DataValidation(allow_blank=True)  # no check: only the input message
    dv.showInputMessage = True
    dv.promptTitle = variable.display(lang)[:32]
    dv.prompt = _prompt(variable, codebook, lang)
    dv.add(cells)
    ws.add_data_validation(dv)


def _instructions(ws: Worksheet, codebook: Codebook, version: int, coder: str, lang: str) -> None:
    """How to fill in the sheet, then the codebook as one table: a variable row, then its codes."""
    texts = _TEXTS[lang]
    width = len(texts["table"])
    top = Alignment(wrap_text=True, vertical="top")
    _put(ws, 1, 1, texts["heading"].format(name=codebook.name, version=version, coder=coder)).font = Font(
        bold=True, size=13)
    _put(ws, 2, 1, texts["steps"]).alignment = top
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.row_dimensions[2].height = 150
    row = 3
    if codebook.description:
        _put(ws, row, 1, localize(codebook.description, lang)).alignment = top
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        ws.row_dimensions[row].height = 110
        row += 1
    row += 1
    for j, title in enumerate(texts["table"], start=1):
        _put(ws, row, j, title).font = _BOLD
    ws.print_title_rows = f"{row}:{row}"
    types = {"single": texts["single"], "ordinal": texts["ordinal"], "multi": texts["multi"],
             "numeric": texts["numeric"], "text": texts["text_type"]}
    for variable in codebook.variables:
        row += 1
        about = [types[variable.type]]
        if variable.type == "numeric" and (variable.min is not None or variable.max is not None):
            lo = "" if variable.min is None else f"{variable.min:g}"
            hi = "" if variable.max is None else f"{variable.max:g}"
            about.append(f"{lo}–{hi}" + (f" {variable.unit}" if variable.unit else ""))
        about.append(texts["required"] if variable.required else texts["optional"])
        if variable.when:
            about.append(texts["only_if"].format(cond=_condition(variable, codebook, lang)))
        for j, value in enumerate([variable.id, None, variable.display(lang), "; ".join(about),
                                   localize(variable.instruction, lang), None, None], start=1):
            cell = _put(ws, row, j, value)
            cell.font = _BOLD
            cell.fill = _LOCKED_FILL
            cell.alignment = top
        shown = dict(_shown_labels(variable, lang))
        for code in variable.active_codes():
            row += 1
            for j, value in enumerate([None, code.id, shown.get(code.id, code.display(lang)), None,
                                       localize(code.definition, lang), localize(code.include, lang),
                                       localize(code.exclude, lang)], start=1):
                _put(ws, row, j, value).alignment = top
    for j, size in enumerate((16, 16, 22, 34, 50, 36, 36), start=1):
        ws.column_dimensions[get_column_letter(j)].width = size
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.protection.sheet = True


def write_coding_sheet(db: Database, project: Project, coder: Coder, path: str | os.PathLike, *,
                       lang: str = "zh") -> CodingSheet:
    """Write ``coder``'s assigned posts as an Excel coding sheet.

    Parameters
    ----------
    coder : Coder
        Whose assignment (in their coding order); their saved values are filled in.
    path : path
        Where to write; must end in ``.xlsx``.  Written to a temporary file
        first and moved into place, so a failure never leaves half a file.
    lang : {"zh", "en"}
        Language of labels, drop-downs and instructions.

    Returns
    -------
    CodingSheet

    Raises
    ------
    ValidationError
        Unknown language; nothing is assigned to the coder; a variable id
        equals one of the sheet's own column keys.
    InputError
        The path does not end in .xlsx, or cannot be written.
    NotFound
        The project has no codebook.
    """
    if lang not in _TEXTS:
        raise ValidationError(f"No coding sheet language {lang!r}", f"Use one of: {', '.join(_TEXTS)}.")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError("A coding sheet must be an .xlsx file", "Give a name ending in .xlsx.", file=str(path))
    stored = current_codebook(db, project)
    codebook = stored.codebook
    _check_columns(codebook)
    pks = assigned_post_pks(db, project, coder)
    if not pks:
        raise ValidationError(f"No posts are assigned to {coder.name!r} in project {project.name!r}.",
                              "Assign a sample first: dazi assign --sample NAME --coders alice,bob.")
    posts_ = get_posts_by_pk(db, project, pks)
    saved: dict[int, dict] = {}
    for row in codings_long(db, project, coder, coder=coder.name).itertuples(index=False):
        saved.setdefault(int(row.post_pk), {})[row.variable] = row.value
    units = {int(r.post_pk): r for r in units_frame(db, project, coder).itertuples(index=False)
             if r.coder == coder.name}

    texts = _TEXTS[lang]
    columns = [*POST_COLUMNS, *codebook.variable_ids(), MEMO, UNCERTAIN]
    editable = set(codebook.variable_ids()) | {MEMO, UNCERTAIN}
    wrapped = {"title", "text", MEMO} | {v.id for v in codebook.variables if v.type in ("multi", "text")}
    last_row = FIRST_ROW + len(pks) - 1
    wb = Workbook()
    ws = wb.active
    ws.title = CODING_SHEET
    instructions = wb.create_sheet(INSTRUCTIONS_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    meta = wb.create_sheet(META_SHEET)

    for j, key in enumerate(columns, start=1):
        letter = get_column_letter(j)
        _put(ws, 1, j, key).font = _BOLD
        if key in codebook.variable_ids():
            variable = codebook.variable(key)
            label = variable.display(lang) + (" *" if variable.required else "")
            width = 30 if variable.type in ("multi", "text") else 18
        else:
            label = texts[key]
            width = _WIDTHS.get(key, 9)
        head = _put(ws, 2, j, label)
        head.font = _BOLD
        head.alignment = Alignment(wrap_text=True, vertical="top")
        head.fill = _OPEN_FILL if key in editable else _LOCKED_FILL
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)

    prefilled = 0
    for i, pk in enumerate(pks):
        r = FIRST_ROW + i
        post = posts_[pk]
        unit = units.get(pk)
        values = saved.get(pk, {})
        if values or (unit is not None and (unit.memo or unit.uncertain)):
            prefilled += 1
        cells = {
            "post_id": str(post["post_id"]), "platform": post["platform"], "title": post.get("title") or None,
            "text": post.get("text") or None, "created_at": post.get("created_at"),
            "likes": post.get("likes"), "collects": post.get("collects"), "comments": post.get("comments"),
            "shares": post.get("shares"), "hashtags": " ".join(f"#{h}" for h in post.get("hashtags") or []),
            MEMO: (unit.memo if unit is not None and isinstance(unit.memo, str) else None),
            UNCERTAIN: texts["yes"] if unit is not None and bool(unit.uncertain) else None,
        }
        for variable in codebook.variables:
            cells[variable.id] = _display(variable, values.get(variable.id), lang)
        for j, key in enumerate(columns, start=1):
            cell = _put(ws, r, j, cells[key])
            if key == "post_id":
                cell.number_format = "@"
            if key in wrapped:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")
            if key in editable:
                cell.protection = Protection(locked=False)
                cell.fill = _OPEN_FILL

    list_column = 0
    for j, key in enumerate(columns, start=1):
        letter = get_column_letter(j)
        target = f"{letter}{FIRST_ROW}:{letter}{last_row}"
        if key == UNCERTAIN:
            dv = DataValidation(type="list", formula1=f'"{texts["yes"]},{texts["no"]}"', allow_blank=True,
                                showInputMessage=True, promptTitle=texts[UNCERTAIN][:32],
                                prompt=texts["uncertain_prompt"])
            dv.add(target)
            ws.add_data_validation(dv)
            continue
        if key not in codebook.variable_ids():
            continue
        variable = codebook.variable(key)
        list_name = None
        shown = _shown_labels(variable, lang)
        if variable.type in ("single", "ordinal") and shown:
            list_column += 1
            col = get_column_letter(list_column)
            _put(lists, 1, list_column, variable.id)
            for k, (_, label) in enumerate(shown, start=2):
                _put(lists, k, list_column, label)
            list_name = f"dazi_{variable.id}"
            wb.defined_names[list_name] = DefinedName(
                list_name, attr_text=f"{quote_sheetname(LISTS_SHEET)}!${col}$2:${col}${len(shown) + 1}")
        _validation(ws, variable, codebook, lang, list_name, target)
        if variable.instruction:
            ws.cell(row=2, column=j).comment = Comment(_clean(localize(variable.instruction, lang))[:2000], "dazi")

    ws.protection.sheet = True
    ws.protection.formatColumns = False  # coders may widen columns and rows
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{last_row}"
    # printed: landscape, all columns on one page width, the two header rows on every page
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:2"

    _instructions(instructions, codebook, stored.version, coder.name, lang)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    for k, (key, value) in enumerate([
        ("format", SHEET_FORMAT), ("format_version", FORMAT_VERSION), ("project", project.name),
        ("coder", coder.name), ("codebook_version", stored.version), ("codebook", codebook.name), ("lang", lang),
        ("posts", len(pks)), ("created_at", datetime.now(UTC).isoformat(timespec="seconds")),
        ("dazi_version", __version__),
    ], start=1):
        _put(meta, k, 1, key)
        _put(meta, k, 2, value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 0
    _save(wb, path)
    return CodingSheet(path, coder.name, len(pks), prefilled, stored.version)


def _save(wb: Workbook, path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("The folder does not exist", "Create it first or choose another path.", file=str(path))
    buffer = io.BytesIO()  # openpyxl saved straight to a file leaves its zip open when the disk fills
    wb.save(buffer)
    try:
        with replacing(path) as tmp:
            tmp.write_bytes(buffer.getbuffer())
    except PermissionError as exc:
        raise InputError("Cannot write the file (is it open in Excel?)", "Close it and try again.",
                         file=str(path)) from exc
