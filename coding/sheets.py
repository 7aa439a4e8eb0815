"""Offline coding in Excel: a coder's assignment as a workbook, and reading it back.

Many teams code in Excel.  :func:`write_coding_sheet` writes one coder's
assigned posts as an ``.xlsx`` workbook; the coder fills it in (Excel,
WPS or LibreOffice) and returns it; :func:`import_codings` checks every cell
and records the codings as that coder, through the same
:func:`coding.codings.save_coding` the app uses.

The workbook
------------
``Coding``
    Row 1 holds the column keys (``post_id``, ``platform``, ``title``,
    ``text``, ``created_at``, ``likes``, ``collects``, ``comments``,
    ``shares``, ``hashtags``, then one column per variable named by its id,
    then ``memo`` and ``uncertain``); row 2 the labels in the sheet's
    language (``*`` marks required variables); one row per assigned post
    from row 3, in the coder's order.  Post columns are locked (the sheet is
    protected without a password: protection guards against slips, it is not
    security); code, memo and uncertain cells are unlocked.  Single and
    ordinal variables get a drop-down of code labels (read from the hidden
    ``Lists`` sheet through a defined name, since Excel limits inline lists
    to 255 characters), numeric ones a range check, multi-choice ones an
    input message listing the codes (typed as ``学习; 健身``).  Values the
    coder already saved are filled in.
``Instructions``
    How to fill in and return the sheet, and the codebook: variables, codes,
    definitions, inclusion and exclusion criteria.
``Lists``, ``Meta`` (hidden)
    The drop-down labels; and the sheet's identity: format and format
    version, project, coder, codebook version, language.

Ids stay text: ``post_id`` cells are strings with the text number format
``@``, so Excel never shows ``1.23457E+18``.  Post text is untrusted: every
string is written as a string cell (never a formula, whatever it starts
with), text starting with ``= + - @`` also gets Excel's quote prefix so that
editing the cell cannot turn it into a formula, and characters XML cannot
hold are dropped.

Reading back
------------
Every cell is checked before anything is written; any problem stops the
import with a list of ``Coding!F12 (kind): ...`` lines and nothing changes.
Codes may be typed as labels (any language of the codebook) or ids, in any
case and spacing; several codes are separated by ``;``, ``；``, ``，`` or
``、``.  Then:

- a row with no code, memo or flag is skipped (the post stays as it was);
- a blank cell leaves the stored value as it is (to clear a saved value,
  use the app);
- a row whose required variables (those that apply) all have values is
  saved as finished;
- a partly filled row is saved as a **draft** (not finished) and listed in
  the report, so a half-done sheet can be imported and finished later; but
  a post the coder had already finished must stay complete, so leaving one
  of its required values empty is an error;
- a value for a variable whose condition (``when``) does not hold is an error.

Every cell is checked before anything is written, and then every changed
post is saved in one transaction (:func:`coding.codings.save_codings`, the
app's checks): an import is all or nothing, also when the process is killed
or the database goes away half way.  Importing the same file again is safe:
unchanged values write nothing.
"""

from __future__ import annotations

import os
import re
import io
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from dazi import __version__
from dazi.db import Database
from dazi.errors import DaziError, InputError, NotFound, ValidationError
from dazi.files import replacing
from dazi.projects import Project
from dazi.schema import posts
from corpus.formats import check_zip_size

from coding.assignments import assigned_post_pks
from coding.codebook import Codebook, Code, Value, Variable, is_applicable, localize, validate_value
from coding.codebook_store import current_codebook
from coding.coders import Coder, get_coder
from coding.codings import PlannedSave, codings_long, save_codings, units_frame

__all__ = [
    "CODING_SHEET",
    "FORMAT_VERSION",
    "POST_COLUMNS",
    "SHEET_FORMAT",
    "CodingSheet",
    "SheetImportError",
    "SheetImportReport",
    "SheetProblem",
    "import_codings",
    "parse_value",
    "write_coding_sheet",
]

SHEET_FORMAT = "dazi-coding-sheet"
#: Raised when the layout changes; a sheet from a newer format is refused.
FORMAT_VERSION = 1
CODING_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET = "Coding", "Instructions", "Lists", "Meta"
#: The post's columns at the left of the ``Coding`` sheet (read-only for coders).
POST_COLUMNS: tuple[str, ...] = (
    "post_id", "platform", "title", "text", "created_at", "likes", "collects", "comments", "shares", "hashtags",
)
MEMO, UNCERTAIN = "memo", "uncertain"
FIRST_ROW = 3  # row 1: keys, row 2: labels

_MAX_CELL = 32_767  # Excel's limit on characters in a cell
_MAX_PROBLEMS = 20
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_SEPARATORS = re.compile(r"[;；，、\n\r]+")
_YES = {"yes", "y", "true", "t", "1", "x", "是", "是的", "对", "√", "✓", "✔"}
_NO = {"no", "n", "false", "f", "0", "否", "不", "不是"}
_WIDTHS = {"post_id": 26, "platform": 11, "title": 24, "text": 60, "created_at": 17, "hashtags": 20, MEMO: 30,
           UNCERTAIN: 10}
_LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
_OPEN_FILL = PatternFill("solid", fgColor="FFF7D6")
_BOLD = Font(bold=True)

_TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "post_id": "帖子ID", "platform": "平台", "title": "标题", "text": "正文", "created_at": "发布时间 (UTC)",
        "likes": "点赞", "collects": "收藏", "comments": "评论", "shares": "分享", "hashtags": "话题",
        MEMO: "备注", UNCERTAIN: "不确定", "yes": "是", "no": "否",
        "single": "单选", "ordinal": "有序", "multi": "多选", "numeric": "数值", "text_type": "文本",
        "choose_one": "从下拉列表中选择一项。", "choose_many": "可多选，用分号分隔：",
        "number": "输入数字", "range": "，范围 {lo} 到 {hi}", "only_if": "仅当 {cond} 时填写，否则留空。",
        "see_instructions": "…（完整列表见 Instructions 工作表）",
        "not_in_list": "请从下拉列表中选择。", "not_a_number": "请输入范围内的数字。",
        "uncertain_prompt": "拿不准时选\"是\"。",
        "steps": (
            "1. 在 Coding 工作表中，每行是一篇帖子。灰色列（帖子内容）受保护，不能修改；黄色列需要你填写。\n"
            "2. 单选和有序变量：点击单元格，从下拉列表中选择。数值变量：输入数字。多选变量：输入一个或多个编码，"
            "用分号分隔，例如\"学习; 健身\"。也可以输入编码ID（见下表）。\n"
            "3. 带 * 的变量在适用时必须填写。带条件的变量只在条件成立时填写，条件不成立时请留空。\n"
            "4. \"备注\"可写下你的理由或疑问；拿不准时在\"不确定\"列选\"是\"。\n"
            "5. 空白行不会导入；只填了一部分的行保存为草稿，以后可以继续。留空的单元格不会改变已保存的编码；"
            "要清除已保存的值，请在 dazi 应用中修改。\n"
            "6. 不要改动帖子ID、第 1 行的列名或工作表名称，不要插入或删除列。请保存为 .xlsx 格式。\n"
            "7. 完成后把文件交回项目负责人，由其运行：dazi import-codings 文件名.xlsx --coder 你的名字"
        ),
        "codebook": "编码表", "heading": "dazi 编码表：{name}（第 {version} 版）；编码员：{coder}",
        "table": ("变量", "编码ID", "名称", "类型", "说明 / 定义", "包括", "不包括"),
        "required": "必填", "optional": "选填",
    },
    "en": {
        "post_id": "Post ID", "platform": "Platform", "title": "Title", "text": "Text",
        "created_at": "Published (UTC)", "likes": "Likes", "collects": "Collects", "comments": "Comments",
        "shares": "Shares", "hashtags": "Hashtags", MEMO: "Memo", UNCERTAIN: "Uncertain", "yes": "yes", "no": "no",
        "single": "single choice", "ordinal": "ordinal", "multi": "multiple choice", "numeric": "number",
        "text_type": "text",
        "choose_one": "Choose one from the list.", "choose_many": "One or more, separated by ';': ",
        "number": "Enter a number", "range": " from {lo} to {hi}", "only_if": "Only if {cond}; otherwise leave empty.",
        "see_instructions": "... (full list on the Instructions sheet)",
        "not_in_list": "Choose a value from the list.", "not_a_number": "Enter a number in the allowed range.",
        "uncertain_prompt": "Choose 'yes' if you are unsure.",
        "steps": (
            "1. On the Coding sheet each row is one post. Grey columns (the post) are locked; fill in the "
            "yellow ones.\n"
            "2. Single and ordinal variables: click the cell and choose from the drop-down. Numeric variables: "
            "type a number. Multiple-choice variables: type one or more codes separated by ';', e.g. "
            "'Study; Fitness'. Code ids (table below) work too.\n"
            "3. Variables marked * are required where they apply. A variable with a condition is coded only "
            "when the condition holds; otherwise leave it empty.\n"
            "4. Use Memo for your reasons or questions; choose 'yes' under Uncertain when unsure.\n"
            "5. Empty rows are not imported; a partly filled row is saved as a draft to finish later. An empty "
            "cell leaves a saved value unchanged; to clear a saved value use the dazi app.\n"
            "6. Do not change post ids, the column names in row 1 or the sheet names, and do not insert or "
            "delete columns. Save as .xlsx.\n"
            "7. When done, return the file to the project lead, who runs: "
            "dazi import-codings FILE.xlsx --coder YOUR_NAME"
        ),
        "codebook": "Codebook", "heading": "dazi coding sheet: {name} (version {version}); coder: {coder}",
        "table": ("Variable", "Code id", "Label", "Type", "Instruction / definition", "Include", "Exclude"),
        "required": "required", "optional": "optional",
    },
}


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


# --------------------------------------------------------------------------
# Reading what a person typed
# --------------------------------------------------------------------------

def _norm(text: str) -> str:
    """Match key: full-width folded (NFKC), case-folded, without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _label_texts(code: Code) -> list[str]:
    if isinstance(code.label, Mapping):
        return [t for t in code.label.values() if t]
    return [code.label] if code.label else []


def _shown_labels(variable: Variable, lang: str) -> list[tuple[str, str]]:
    """``(code id, label)`` for the drop-down; duplicate labels get their id: ``Other (other_a)``."""
    codes = variable.codable_codes()
    labels = [c.display(lang) for c in codes]
    return [(c.id, label if labels.count(label) == 1 else f"{label} ({c.id})") for c, label in zip(codes, labels)]


class _Codes:
    """Turns typed text into a code id of one variable: ids first, then labels."""

    _AMBIGUOUS = object()

    def __init__(self, variable: Variable, lang: str):
        self.variable = variable
        self.lang = lang
        self.tiers: list[dict[str, object]] = [{}, {}, {}]
        for code in variable.all_codes():
            self._add(0, code.id, code.id)
        for code in variable.all_codes():
            tier = 1 if code.codable and not code.retired else 2
            for text in _label_texts(code):
                self._add(tier, text, code.id)
                self._add(tier, f"{text} ({code.id})", code.id)

    def _add(self, tier: int, text: str, code_id: str) -> None:
        key = _norm(text)
        seen = self.tiers[tier].get(key)
        self.tiers[tier][key] = code_id if seen in (None, code_id) else self._AMBIGUOUS

    def options(self) -> str:
        labels = [label for _, label in _shown_labels(self.variable, self.lang)]
        listed = ", ".join(labels[:15])
        return listed + (f", ... ({len(labels)} codes)" if len(labels) > 15 else "")

    def find(self, text: str) -> str | None:
        key = _norm(text)
        for tier in self.tiers:
            if key in tier:
                found = tier[key]
                if found is self._AMBIGUOUS:
                    ids = [c.id for c in self.variable.all_codes()
                           if key in {_norm(t) for t in _label_texts(c)}]
                    raise ValidationError(f"{text.strip()!r} is the label of several codes ({', '.join(ids)}); "
                                          "type the code id instead")
                return found  # type: ignore[return-value]
        return None

    def match(self, text: str) -> str:
        found = self.find(text)
        if found is None:
            raise ValidationError(f"{text.strip()!r} is not a code; choose one of: {self.options()}")
        return found

    def match_many(self, text: str) -> list[str]:
        out: list[str] = []
        for part in (p.strip() for p in _SEPARATORS.split(text)):
            if not part:
                continue
            found = self.find(part)
            if found is None and "," in part:
                # an ASCII comma separates codes only when every piece is a code
                pieces = [p.strip() for p in part.split(",") if p.strip()]
                if pieces and all(self.find(p) is not None for p in pieces):
                    out += [self.find(p) for p in pieces]  # type: ignore[misc]
                    continue
            out.append(self.match(part))
        return out


def _as_text(raw: object) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _parse(variable: Variable, raw: object, codes: _Codes) -> Value:
    """One typed value to its stored form; ValidationError messages without the variable prefix."""
    try:
        if isinstance(raw, bool):
            raise ValidationError(f"{'TRUE' if raw else 'FALSE'} is not a value of this variable")
        if isinstance(raw, (datetime, date, time)):
            raise ValidationError(f"{raw} is a date or time (Excel may have turned what you typed into one); "
                                  "format the cell as text and type it again")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return validate_value(variable, None)
        if variable.type in ("single", "ordinal"):
            return validate_value(variable, codes.match(_as_text(raw)))
        if variable.type == "multi":
            return validate_value(variable, codes.match_many(_as_text(raw)))
        if variable.type == "numeric" and isinstance(raw, str):
            return validate_value(variable, unicodedata.normalize("NFKC", raw).strip())
        if variable.type == "text":
            return validate_value(variable, _as_text(raw))
        return validate_value(variable, raw)
    except ValidationError as exc:
        prefix = f"{variable.id}: "
        message = exc.message.removeprefix(prefix)
        raise ValidationError(message, exc.hint) from None


def parse_value(variable: Variable, raw: object, *, lang: str = "zh") -> Value:
    """A value as a person types it (in a sheet or on the command line), in its stored form.

    Codes may be given by label (any language of the codebook) or id, in any
    case and spacing (``" study "``, ``"STUDY"``, ``"学习"``); several codes
    of a multi-choice variable are separated by ``;``, ``；``, ``，``, ``、``
    or a line break (an ASCII comma too, when every piece is a code).
    Numbers may be typed as text, full-width digits included.

    Raises
    ------
    ValidationError
        Naming the value and, for codes, the codes to choose from.

    Examples
    --------
    >>> from coding.codebook import Codebook
    >>> v = Codebook.from_dict({"name": "d", "variables": [{"id": "kind", "label": "Kind", "type": "multi",
    ...     "codes": [{"id": "study", "label": {"en": "Study", "zh": "学习"}},
    ...               {"id": "gym", "label": {"en": "Fitness", "zh": "健身"}}]}]}).variable("kind")
    >>> parse_value(v, "健身；STUDY")
    ['study', 'gym']
    """
    return _parse(variable, raw, _Codes(variable, lang))


def _truthy(raw: object) -> bool | None:
    """``True``/``False`` from yes/no (是/否, x, 1/0, TRUE/FALSE); ``None`` if unrecognised."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    key = _norm(_as_text(raw))
    return True if key in _YES else False if key in _NO else None


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def _clean(text: str) -> str:
    """Text an .xlsx cell can hold: XML-illegal characters dropped, at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > _MAX_CELL:
        marker = " …[truncated]"
        text = text[: _MAX_CELL - len(marker)] + marker
    return text


def _put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write a value; strings always as inert string cells, never formulas."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        value = _clean(value)
        cell.value = value
        cell.data_type = "s"  # openpyxl makes "=..." a formula; a string cell is never evaluated
        if value.startswith(_RISKY_START):
            cell.quotePrefix = True  # and editing it in Excel keeps it text
    elif isinstance(value, datetime):
        cell.value = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        cell.number_format = "yyyy-mm-dd hh:mm"
    else:
        cell.value = value
    return cell


def _display(variable: Variable, value: Value, lang: str) -> str | int | float | None:
    """A stored value as the coder sees it in the sheet."""
    if value is None:
        return None
    if variable.type in ("single", "ordinal"):
        shown = dict(_shown_labels(variable, lang))
        return shown.get(value) or (variable.code(value).display(lang) if variable.has_code(value) else str(value))
    if variable.type == "multi":
        shown = dict(_shown_labels(variable, lang))
        return "; ".join(shown.get(c) or c for c in value)  # type: ignore[union-attr]
    return value  # type: ignore[return-value]


def _condition(variable: Variable, codebook: Codebook, lang: str) -> str:
    parts = []
    for ref, codes in variable.conditions().items():
        target = codebook.variable(ref)
        names = [target.code(c).display(lang) if target.has_code(c) else c for c in codes]
        parts.append(f"{target.display(lang)} = {' / '.join(names)}")
    return "; ".join(parts)


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


def _check_columns(codebook: Codebook) -> None:
    """Variable ids must not be the sheet's own column keys."""
    clash = [v for v in codebook.variable_ids() if v in (*POST_COLUMNS, MEMO, UNCERTAIN)]
    if clash:
        raise ValidationError(
            f"Variable id(s) {', '.join(clash)} clash with the coding sheet's own columns.",
            f"Column names used by the sheet: {', '.join((*POST_COLUMNS, MEMO, UNCERTAIN))}.",
        )


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
    from corpus.store import get_posts_by_pk

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
    name = coder.name if isinstance(coder, Coder) else (coder or meta.get("coder"))
    if not name:
        raise InputError("The sheet does not say whose codings these are (its Meta sheet is missing)",
                         "Name the coder: dazi import-codings FILE --coder NAME.", file=str(path))
    try:
        who = coder if isinstance(coder, Coder) else get_coder(db, project, name)
    except NotFound as exc:
        if coder is not None:  # the name the user gave
            raise
        raise InputError(f"The sheet is for coder {name!r} (its Meta sheet says so), who is not a coder "
                         f"of project {project.name!r}", f"{exc.hint} Name the coder: dazi import-codings "
                         "FILE --coder NAME.", file=str(path)) from None
    lang = meta.get("lang") if meta.get("lang") in _TEXTS else "zh"
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

    stored = current_codebook(db, project)
    codebook = stored.codebook
    _check_columns(codebook)
    report = SheetImportReport(str(path), who.name, stored.version)
    if meta.get("coder") and meta["coder"] != who.name:
        report.warnings.append(f"the sheet was written for {meta['coder']!r}; imported as {who.name!r}")
    if meta.get("codebook_version") and meta["codebook_version"] != str(stored.version):
        report.warnings.append(f"the sheet was made with codebook version {meta['codebook_version']}; "
                               f"values were checked against the current version {stored.version}")
    known = set(POST_COLUMNS) | set(codebook.variable_ids()) | {MEMO, UNCERTAIN}
    ignored = [h for h in header if h not in known]
    if ignored:
        report.warnings.append(f"column(s) ignored (not variables of the current codebook): {', '.join(ignored)}")
    absent = [v.id for v in codebook.variables if v.id not in header and v.required]
    if absent:
        report.warnings.append(f"the sheet has no column for required variable(s) {', '.join(absent)} "
                               "(added to the codebook later?): its posts can only be drafts; make a new sheet")
    variables = [v for v in codebook.variables if v.id in header]
    lookups = {v.id: _Codes(v, lang) for v in variables}

    problems: list[SheetProblem] = []

    def problem(row: int, key: str, message: str) -> None:
        problems.append(SheetProblem(CODING_SHEET, row, get_column_letter(header.get(key, 1)), key, message))

    # pass 1: read every row
    raw_rows = []
    # only rows that hold cells: a stray value typed in row 1,048,576 must not mean a million reads
    for r in sorted({row for row, _ in ws._cells if row >= FIRST_ROW}):
        pid_cell = ws.cell(row=r, column=header["post_id"])
        entries = {v.id: ws.cell(row=r, column=header[v.id]) for v in variables}
        extras = {k: ws.cell(row=r, column=header[k]) for k in (MEMO, UNCERTAIN) if k in header}
        empty = all(_blank(c) for c in (*entries.values(), *extras.values()))
        if _blank(pid_cell):
            if not empty:
                problem(r, "post_id", "this row has codes but no post id")
            continue
        report.rows_read += 1
        if empty:
            report.skipped += 1
            continue
        post_id, why = _post_id(pid_cell)
        if why:
            problem(r, "post_id", why)
            continue
        platform = None
        if "platform" in header and not _blank(ws.cell(row=r, column=header["platform"])):
            platform = str(ws.cell(row=r, column=header["platform"]).value).strip()
        raw_rows.append((r, post_id, platform, entries, extras))

    # which posts those are (corpus.store.resolve_post_pks cannot tell platforms apart), and may she code them
    by_id: dict[str, list[tuple[str, int]]] = {}
    if raw_rows:
        ids = sorted({pid for _, pid, _, _, _ in raw_rows})
        with db.read() as conn:
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    select(posts.c.post_id, posts.c.platform, posts.c.id).where(
                        posts.c.project_id == project.id, posts.c.post_id.in_(ids[start:start + 500]))
                ).all()
                for row in rows:
                    by_id.setdefault(row.post_id, []).append((row.platform, row.id))
    allowed = None if who.role == "admin" else set(assigned_post_pks(db, project, who))
    current: dict[int, dict] = {}
    for row in codings_long(db, project, who, coder=who.name).itertuples(index=False):
        current.setdefault(int(row.post_pk), {})[row.variable] = row.value
    units = {int(r.post_pk): r for r in units_frame(db, project, who).itertuples(index=False) if r.coder == who.name}

    # pass 2: check every cell and row
    plans: list[_Planned] = []
    seen: dict[int, int] = {}
    for r, post_id, platform, entries, extras in raw_rows:
        matches = [pk for plat, pk in by_id.get(post_id, []) if platform is None or plat == platform]
        if not matches:
            problem(r, "post_id", f"no post {post_id!r} in project {project.name!r}")
            continue
        if len(matches) > 1:
            problem(r, "post_id", f"post id {post_id!r} exists on several platforms; the platform column is empty")
            continue
        pk = matches[0]
        if allowed is not None and pk not in allowed:
            problem(r, "post_id", f"post {post_id} is not assigned to {who.name!r}")
            continue
        if pk in seen:
            problem(r, "post_id", f"post {post_id} is also in row {seen[pk]}; keep one row per post")
            continue
        seen[pk] = r
        values: dict[str, Value] = {}
        bad = False
        for variable in variables:
            cell = entries[variable.id]
            if _blank(cell):
                continue
            if cell.data_type == "f":
                problem(r, variable.id, f"is a formula ({cell.value}); type the value itself")
                bad = True
                continue
            try:
                values[variable.id] = _parse(variable, cell.value, lookups[variable.id])
            except ValidationError as exc:
                problem(r, variable.id, exc.message)
                bad = True
        memo = None
        if MEMO in extras and not _blank(extras[MEMO]):
            if extras[MEMO].data_type == "f":
                problem(r, MEMO, f"is a formula ({extras[MEMO].value}); type plain text")
                bad = True
            else:
                memo = _as_text(extras[MEMO].value).strip()
        uncertain = None
        if UNCERTAIN in extras and not _blank(extras[UNCERTAIN]):
            uncertain = _truthy(extras[UNCERTAIN].value)
            if uncertain is None:
                texts = _TEXTS[lang]
                problem(r, UNCERTAIN, f"{extras[UNCERTAIN].value!r} is not yes or no; "
                                      f"type {texts['yes']} or {texts['no']}, or leave it empty")
                bad = True
        if bad:
            continue
        before = current.get(pk, {})
        resolved = {**before, **values}
        for variable in codebook.variables:
            if not variable.when or is_applicable(variable, resolved, codebook):
                continue
            if variable.id in values and values[variable.id] not in (None, []):
                problem(r, variable.id, f"does not apply to this post (only if {_condition(variable, codebook, lang)}); "
                                        "leave it empty")
                bad = True
            resolved[variable.id] = None  # a stored value that no longer applies is dropped on saving
        if bad:
            continue
        missing = [v.id for v in codebook.variables
                   if v.required and is_applicable(v, resolved, codebook) and resolved.get(v.id) in (None, [], "")]
        unit = units.get(pk)
        finished_before = unit is not None and bool(unit.done)
        if missing and finished_before:
            for key in missing:
                problem(r, key if key in header else "post_id",
                        "required: this post was already finished, so it must stay complete; fill it in")
            continue
        plans.append(_Planned(r, pk, post_id, values, memo, uncertain, not missing, missing))

    if problems:
        problems.sort(key=lambda p: (p.row, column_index_from_string(p.column)))
        raise SheetImportError(path, problems)

    # pass 3: save every changed post in one transaction, through the same checks as the app
    planned: list[PlannedSave] = []
    rows_of: dict[int, _Planned] = {}
    for plan in plans:
        before = current.get(plan.post_pk, {})
        unit = units.get(plan.post_pk)
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
