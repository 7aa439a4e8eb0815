"""What a codebook file may say: value types, levels of measurement, keys and their
likely misspellings, id and colour patterns, and the numeric bounds.
"""

from __future__ import annotations

import re

__all__ = ["DEFAULT_LANG", "LEVELS", "Text", "VARIABLE_TYPES", "Value"]


Text = str | dict[str, str]
#: A normalised coded value: code id, sorted code ids, number, text, or None.
Value = str | list[str] | int | float | None

DEFAULT_LANG = "en"
VARIABLE_TYPES: tuple[str, ...] = ("single", "multi", "ordinal", "numeric", "text")
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
CHOICE_TYPES: tuple[str, ...] = ("single", "multi", "ordinal")

_ALLOWED_LEVELS: dict[str, tuple[str, ...]] = {
    "single": ("nominal",),
    "multi": ("nominal",),
    "ordinal": ("ordinal", "interval"),
    "numeric": ("ratio", "interval", "ordinal"),
    "text": (),
}
_DEFAULT_LEVEL: dict[str, str | None] = {
    "single": "nominal",
    "multi": "nominal",
    "ordinal": "ordinal",
    "numeric": "ratio",
    "text": None,
}

_CODEBOOK_KEYS = ("name", "version", "authors", "description", "reliability_missing_codes",
                  "variables", "changelog")
#: What reliability makes of a code flagged ``missing: true`` (see :class:`Codebook`).
MISSING_CODE_POLICIES = ("value", "missing")
_VARIABLE_KEYS = (
    "id", "label", "instruction", "type", "level", "required", "when",
    "min", "max", "unit", "codes",
)
_CODE_KEYS = (
    "id", "label", "definition", "include", "exclude", "examples", "keywords",
    "color", "codable", "missing", "retired", "merged_into", "codes",
)
_REVISION_KEYS = ("version", "summary", "by", "note")

# Keys people plausibly write for ours; difflib does not catch these.
_KEY_SYNONYMS = {
    "variable": {"description": "instruction", "instructions": "instruction",
                 "name": "label", "title": "label", "options": "codes",
                 "categories": "codes", "values": "codes", "condition": "when",
                 "if": "when", "minimum": "min", "maximum": "max", "units": "unit",
                 "measurement": "level", "scale": "level", "optional": "required"},
    "code": {"description": "definition", "name": "label", "title": "label",
             "colour": "color", "children": "codes", "subcodes": "codes",
             "inclusion": "include", "exclusion": "exclude", "example": "examples",
             "keyword": "keywords", "merged": "merged_into", "deprecated": "retired"},
    "codebook": {"title": "name", "author": "authors", "dimensions": "variables",
                 "questions": "variables", "history": "changelog"},
    "revision": {"message": "summary", "author": "by", "memo": "note"},
}
_TYPE_SYNONYMS = {
    "multiple": "multi", "multi_select": "multi", "multiselect": "multi",
    "checkbox": "multi", "checkboxes": "multi", "categorical": "single",
    "nominal": "single", "choice": "single", "radio": "single", "select": "single",
    "number": "numeric", "integer": "numeric", "int": "numeric", "float": "numeric",
    "string": "text", "free_text": "text", "open": "text", "likert": "ordinal",
    "scale": "ordinal",
}

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")

_HINT = ("Fix the codebook and load it again; codebooks/template.yaml explains "
         "every key.")


#: The largest codebook version (a database INTEGER) and bound of min/max
#: (exact as a float; larger integers cannot be stored as JSON numbers).
_MAX_VERSION = 2**31 - 1
_MAX_NUMBER = 2**53 - 1
