"""The coding sheet's layout: format and version, sheet names, columns, widths,
fills, the texts of both languages, and the checks on columns and cell text.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.styles import Font, PatternFill

from coding.codebook import Codebook, Variable
from dazi.cells import fit_cell
from dazi.errors import ValidationError

__all__ = ["CODING_SHEET", "FORMAT_VERSION", "POST_COLUMNS", "SHEET_FORMAT"]


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

_MAX_PROBLEMS = 20
_SEPARATORS = re.compile(r"[;；，、\n\r]+")
_YES = {"yes", "y", "true", "t", "1", "x", "是", "是的", "对", "√", "✓", "✔"}
_NO = {"no", "n", "false", "f", "0", "否", "不", "不是"}
_WIDTHS = {"post_id": 26, "platform": 11, "title": 24, "text": 60, "created_at": 17, "hashtags": 20, MEMO: 30,
           UNCERTAIN: 10}
_LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
_OPEN_FILL = PatternFill("solid", fgColor="FFF7D6")
_BOLD = Font(bold=True)

_TEXTS: dict[str, dict[str, Any]] = {
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


def _clean(text: str) -> str:
    """Text an .xlsx cell can hold (:func:`dazi.cells.fit_cell`); cut text ends in a marker."""
    return fit_cell(text, marker=" …[truncated]")


def _condition(variable: Variable, codebook: Codebook, lang: str) -> str:
    parts = []
    for ref, codes in variable.conditions().items():
        target = codebook.variable(ref)
        names = [target.code(c).display(lang) if target.has_code(c) else c for c in codes]
        parts.append(f"{target.display(lang)} = {' / '.join(names)}")
    return "; ".join(parts)


def _check_columns(codebook: Codebook) -> None:
    """Variable ids must not be the sheet's own column keys."""
    clash = [v for v in codebook.variable_ids() if v in (*POST_COLUMNS, MEMO, UNCERTAIN)]
    if clash:
        raise ValidationError(
            f"Variable id(s) {', '.join(clash)} clash with the coding sheet's own columns.",
            f"Column names used by the sheet: {', '.join((*POST_COLUMNS, MEMO, UNCERTAIN))}.",
        )
