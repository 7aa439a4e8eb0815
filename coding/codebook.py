"""Codebooks: the variables a study codes, their codes, and how they change.

A codebook is a YAML (or JSON) file a researcher writes by hand; see
``codebooks/template.yaml`` for every key, explained.  In short::

    name: Cloud companion (云搭子) posts
    version: 1
    variables:
      - id: interest_category
        label: {en: Interest category, zh: 兴趣类别}
        type: single                 # single | multi | ordinal | numeric | text
        codes:
          - id: study
            label: {en: Study/Learning, zh: 学习}
            definition: ...
            keywords: [学习搭子, study buddy]

This module holds the immutable model (:class:`Codebook`, :class:`Variable`,
:class:`Code`), loading and dumping (:func:`load_codebook`,
:func:`dump_codebook`), validation of codebooks (:func:`validate`) and of coded
values (:func:`validate_value`, :func:`validate_values`), conditional variables
(:func:`is_applicable`), the changes made while coding inductively
(:func:`add_code`, :func:`rename_code`, :func:`update_code`,
:func:`merge_codes`, :func:`retire_code`, :func:`add_variable`) and
:func:`diff` between two versions.

Design decisions
----------------
- **Ids are forever.**  A code keeps its id when its label changes; codes are
  never deleted but *retired* (``retired: true``), optionally with
  ``merged_into``, so every stored coding stays interpretable.  A retired id
  cannot be reused.
- **Canonical dicts.**  :meth:`Codebook.to_dict` writes keys in a fixed order
  and leaves out defaults (``required: true``, the type's default ``level``,
  ``codable: true`` ...), so ``Codebook.from_dict(cb.to_dict()) == cb`` and a
  canonical dict survives ``to_dict(from_dict(d)) == d`` unchanged.  The lead
  stores exactly this dict per codebook version.
- **Levels of measurement** follow the type: ``single``/``multi`` are nominal,
  ``ordinal`` is ordinal (or interval: equally spaced ranks), ``numeric`` is
  ratio unless stated (interval or ordinal allowed), ``text`` has none.
- **"Not stated" codes** carry ``missing: true``: coders choose them like any
  other code, but on an ordinal scale they are not a point of the scale
  (:meth:`Variable.rank` is ``None``) and in a ``multi`` variable they cannot
  be combined with other codes.
- Codes form a hierarchy (``codes:`` inside a code).  A parent that only
  groups its children has ``codable: false``; a condition (``when``) on a
  parent code also holds for its descendants.

Examples
--------
>>> cb = Codebook.from_dict({
...     "name": "Demo", "version": 1,
...     "variables": [{"id": "kind", "label": {"en": "Kind", "zh": "类型"},
...                    "type": "single",
...                    "codes": [{"id": "meal", "label": {"en": "Meal", "zh": "饭搭子"}},
...                              {"id": "study", "label": "Study"}]}]})
>>> cb.variable("kind").code("meal").display("zh")
'饭搭子'
>>> validate_value(cb.variable("kind"), " meal ")
'meal'
>>> cb2, mapping = merge_codes(cb, "kind", ["study"], "meal")
>>> (cb2.version, mapping)
(2, {'study': 'meal'})
>>> print(format_diff(diff(cb, cb2)))
kind: code "study" merged into "meal"
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import numbers
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Union

import yaml

from dazi.errors import InputError, NotFound, ValidationError

__all__ = [
    "Change",
    "Code",
    "Codebook",
    "CodebookError",
    "DEFAULT_LANG",
    "LEVELS",
    "Problem",
    "Revision",
    "Text",
    "VARIABLE_TYPES",
    "Value",
    "Variable",
    "add_code",
    "add_variable",
    "diff",
    "dump_codebook",
    "format_diff",
    "is_applicable",
    "load_codebook",
    "localize",
    "merge_codes",
    "rename_code",
    "retire_code",
    "update_code",
    "validate",
    "validate_value",
    "validate_values",
]

#: Free text that may be given in one language (``str``) or several
#: (``{"en": ..., "zh": ...}``; keys are language tags).
Text = Union[str, dict[str, str]]
#: A normalised coded value: code id, sorted code ids, number, text, or None.
Value = Union[str, list[str], int, float, None]

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


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------

def localize(text: Text | None, lang: str = DEFAULT_LANG) -> str:
    """Pick the text for ``lang`` from a plain or multilingual text.

    Falls back to the same base language (``zh`` for ``zh-Hant``), then to
    English, then Chinese, then the first non-empty entry; ``None`` gives
    ``""``.

    >>> localize({"en": "Travel", "zh": "旅行"}, "zh")
    '旅行'
    >>> localize({"zh": "旅行"}, "en")
    '旅行'
    >>> localize("Travel", "zh")
    'Travel'
    """
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if text.get(lang):
        return text[lang]
    base = lang.replace("_", "-").split("-")[0]
    for key, value in text.items():
        if value and key.replace("_", "-").split("-")[0] == base:
            return value
    for fallback in ("en", "zh"):
        if text.get(fallback):
            return text[fallback]
    return next((value for value in text.values() if value), "")


def _text_out(text: Text | None) -> Text | None:
    """A copy safe to hand out (dicts are copied so callers cannot mutate)."""
    return dict(text) if isinstance(text, Mapping) else text


def _text_short(text: Text | None) -> str:
    """All languages of a text on one line, for diffs and messages."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return " / ".join(value for value in text.values() if value)


def _q(value: object) -> str:
    """Quote an id or value for a message: ``"travel"``."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _suggest(word: object, options: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` or ``""``."""
    if not isinstance(word, str):
        return ""
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {_q(match[0])}?)" if match else ""


def _slug(text: str) -> str:
    """A best-effort id from free text (ASCII letters and digits only)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if slug and not slug[0].isalpha():
        slug = "c_" + slug
    return slug[:64].rstrip("_")


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Code:
    """One code of a variable, possibly with child codes.

    Build codebooks with :meth:`Codebook.from_dict` (which validates); the
    constructor does not check anything.

    Attributes
    ----------
    id : str
        Stable identifier (lowercase letters, digits, ``_``), unique within
        the variable including child and retired codes.  Stored codings use it.
    label : str or dict
        Shown to coders: plain text or ``{"en": ..., "zh": ...}``.
    definition, include, exclude : str or dict, optional
        What the code means, inclusion and exclusion criteria.
    examples : tuple of str
        Example passages (quotes or paraphrases), any language.
    keywords : tuple of str
        Words or phrases (Chinese and English) that suggest the code.
    color : str, optional
        ``#RRGGBB``.
    codable : bool
        ``False`` for a parent that only groups its child codes.
    missing : bool
        The code records missing information ("not stated"): off the scale of
        an ordinal variable, exclusive in a multi variable.
    retired : bool
        Kept for history, hidden from coders, refused for new codings.
    merged_into : str, optional
        For a retired code: the code its codings were moved to.
    codes : tuple of Code
        Child codes.
    """

    id: str
    label: Text
    definition: Text | None = None
    include: Text | None = None
    exclude: Text | None = None
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    color: str | None = None
    codable: bool = True
    missing: bool = False
    retired: bool = False
    merged_into: str | None = None
    codes: tuple[Code, ...] = ()

    def display(self, lang: str = DEFAULT_LANG) -> str:
        """The label in ``lang`` (see :func:`localize`), or the id if empty."""
        return localize(self.label, lang) or self.id

    def walk(self) -> Iterator[Code]:
        """This code and all its descendants, depth first, in file order."""
        yield self
        for child in self.codes:
            yield from child.walk()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Code:
        """Build a code (and its children) from a dict, checking it first.

        Raises
        ------
        CodebookError
            If the dict breaks a rule (all problems in one message).
        """
        checker = _Checker()
        checker.code(data, ("code",), {}, variable_type=None)
        checker.raise_if_any()
        return _build_code(data)

    def to_dict(self) -> dict[str, Any]:
        """The canonical dict: fixed key order, defaults left out."""
        out: dict[str, Any] = {"id": self.id, "label": _text_out(self.label)}
        for key in ("definition", "include", "exclude"):
            value = getattr(self, key)
            if value is not None:
                out[key] = _text_out(value)
        if self.examples:
            out["examples"] = list(self.examples)
        if self.keywords:
            out["keywords"] = list(self.keywords)
        if self.color is not None:
            out["color"] = self.color
        if not self.codable:
            out["codable"] = False
        if self.missing:
            out["missing"] = True
        if self.retired:
            out["retired"] = True
        if self.merged_into is not None:
            out["merged_into"] = self.merged_into
        if self.codes:
            out["codes"] = [child.to_dict() for child in self.codes]
        return out


@dataclass(frozen=True)
class _Entry:
    """Where a code sits in its variable's hierarchy."""

    code: Code
    parent: str | None
    depth: int
    order: int


@dataclass(frozen=True)
class Variable:
    """One question coders answer for every post (a "dimension" of the study).

    Attributes
    ----------
    id : str
        Stable identifier, unique in the codebook; used as a column name.
    label : str or dict
        Shown to coders.
    type : str
        ``single`` (one code), ``multi`` (any number of codes), ``ordinal``
        (one code of an ordered scale, in file order), ``numeric`` (a
        number) or ``text`` (free text).
    instruction : str or dict, optional
        How to code this variable.
    level : str or None
        Level of measurement (``nominal``, ``ordinal``, ``interval``,
        ``ratio``); filled from the type when not given; ``None`` for text.
    required : bool
        Whether a value is needed whenever the variable applies.
    when : dict, optional
        ``{variable_id: code_id or [code_ids]}``: ask only when every named
        (earlier, choice) variable holds one of the codes or a descendant.
    min, max : float, optional
        Allowed range of a numeric variable (inclusive).
    unit : str, optional
        Unit of a numeric variable (``months``).
    codes : tuple of Code
        The codes of a choice variable, in order.
    """

    id: str
    label: Text
    type: str
    instruction: Text | None = None
    level: str | None = None
    required: bool = True
    when: dict[str, str | tuple[str, ...]] | None = None
    min: int | float | None = None
    max: int | float | None = None
    unit: str | None = None
    codes: tuple[Code, ...] = ()

    def __post_init__(self) -> None:
        if self.level is None and self.type in _DEFAULT_LEVEL:
            object.__setattr__(self, "level", _DEFAULT_LEVEL[self.type])

    # -- reading -----------------------------------------------------------
    def display(self, lang: str = DEFAULT_LANG) -> str:
        """The label in ``lang`` (see :func:`localize`), or the id if empty."""
        return localize(self.label, lang) or self.id

    @property
    def is_choice(self) -> bool:
        """True for variables answered with codes (single, multi, ordinal)."""
        return self.type in CHOICE_TYPES

    @cached_property
    def _index(self) -> dict[str, _Entry]:
        index: dict[str, _Entry] = {}

        def visit(codes: tuple[Code, ...], parent: str | None, depth: int) -> None:
            for code in codes:
                index.setdefault(code.id, _Entry(code, parent, depth, len(index)))
                visit(code.codes, code.id, depth + 1)

        visit(self.codes, None, 0)
        return index

    def all_codes(self) -> list[Code]:
        """Every code, retired ones included, depth first in file order."""
        return [entry.code for entry in self._index.values()]

    def active_codes(self) -> list[Code]:
        """Codes that are not retired (group parents included), in order."""
        return [code for code in self.all_codes() if not code.retired]

    def codable_codes(self) -> list[Code]:
        """What a coder may choose: active codes except group-only parents."""
        return [code for code in self.active_codes() if code.codable]

    def has_code(self, code_id: str) -> bool:
        """Whether ``code_id`` is a code of this variable (retired included)."""
        return code_id in self._index

    def code(self, code_id: str) -> Code:
        """The code with this id anywhere in the hierarchy.

        Raises
        ------
        NotFound
            With a did-you-mean when the id is close to an existing one.
        """
        try:
            return self._index[code_id].code
        except (KeyError, TypeError):
            raise NotFound(
                f"variable {_q(self.id)} has no code {_q(code_id)}"
                f"{_suggest(code_id, self._index)}",
                hint="Codes: " + ", ".join(self._index) if self._index else
                f"Variable {_q(self.id)} is {self.type} and has no codes.",
            ) from None

    def parent(self, code_id: str) -> Code | None:
        """The parent code of ``code_id`` (``None`` at top level)."""
        self.code(code_id)
        parent = self._index[code_id].parent
        return None if parent is None else self._index[parent].code

    def path(self, code_id: str) -> tuple[str, ...]:
        """Ids from the top-level ancestor down to ``code_id``."""
        self.code(code_id)
        ids = [code_id]
        while (parent := self._index[ids[-1]].parent) is not None:
            ids.append(parent)
        return tuple(reversed(ids))

    def descendants(self, code_id: str) -> list[str]:
        """Ids of all codes below ``code_id`` (not including it)."""
        return [code.id for code in self.code(code_id).walk()][1:]

    def order(self, code_id: str) -> int:
        """Position of the code in file order (depth first), for sorting."""
        self.code(code_id)
        return self._index[code_id].order

    def ordered_codes(self) -> list[Code]:
        """The points of an ordinal scale: active codes without ``missing``."""
        return [code for code in self.codable_codes() if not code.missing]

    def rank(self, code_id: str) -> int | None:
        """1-based position of a code on an ordinal scale.

        ``None`` for codes flagged ``missing`` (e.g. "not stated") and for
        retired codes, which have no place on the scale.  Reliability at the
        ordinal or interval level uses these ranks.

        Raises
        ------
        ValidationError
            If the variable is not ordinal.
        """
        if self.type != "ordinal":
            raise ValidationError(
                f"variable {_q(self.id)} is {self.type}, not ordinal: its codes have no rank")
        self.code(code_id)
        ids = [code.id for code in self.ordered_codes()]
        return ids.index(code_id) + 1 if code_id in ids else None

    def conditions(self) -> dict[str, tuple[str, ...]]:
        """``when`` with every value as a tuple of code ids (empty if none)."""
        if not self.when:
            return {}
        return {var: (codes,) if isinstance(codes, str) else tuple(codes)
                for var, codes in self.when.items()}

    def resolve(self, code_id: str) -> str:
        """Follow ``merged_into`` from a (possibly merged) code to where it ended up."""
        seen = set()
        while (target := self.code(code_id).merged_into) is not None and code_id not in seen:
            seen.add(code_id)
            code_id = target
        return code_id

    def merge_map(self) -> dict[str, str]:
        """``{merged code: final code}`` for every code merged into another."""
        return {code.id: self.resolve(code.id)
                for code in self.all_codes() if code.merged_into is not None}

    # -- conversion --------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Variable:
        """Build a variable from a dict, checking it on its own.

        Conditions (``when``) are only checked against other variables by
        :meth:`Codebook.from_dict`.

        Raises
        ------
        CodebookError
            If the dict breaks a rule (all problems in one message).
        """
        checker = _Checker()
        checker.variable(data, ("variable",), earlier=None)
        checker.raise_if_any()
        return _build_variable(data)

    def to_dict(self) -> dict[str, Any]:
        """The canonical dict: fixed key order, defaults left out."""
        out: dict[str, Any] = {"id": self.id, "label": _text_out(self.label)}
        if self.instruction is not None:
            out["instruction"] = _text_out(self.instruction)
        out["type"] = self.type
        if self.level != _DEFAULT_LEVEL.get(self.type):
            out["level"] = self.level
        if not self.required:
            out["required"] = False
        if self.when:
            out["when"] = {var: codes if isinstance(codes, str) else list(codes)
                           for var, codes in self.when.items()}
        for key in ("min", "max", "unit"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.codes:
            out["codes"] = [code.to_dict() for code in self.codes]
        return out


@dataclass(frozen=True)
class Revision:
    """One entry of a codebook's changelog, written by the change functions.

    Attributes
    ----------
    version : int
        The version this change produced.
    summary : str
        What changed, one line (``interest_category: merged "hiking" into "travel"``).
    by : str, optional
        Who made the change.
    note : str, optional
        Why (an analytic memo).
    """

    version: int
    summary: str
    by: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The canonical dict, ``by`` and ``note`` only when set."""
        out: dict[str, Any] = {"version": self.version, "summary": self.summary}
        if self.by is not None:
            out["by"] = self.by
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Codebook:
    """A named, versioned list of variables.

    Attributes
    ----------
    name : str
        Name of the codebook (also seeds the REFI-QDA GUIDs).
    variables : tuple of Variable
        In the order coders answer them.
    version : int
        Starts at 1; each change function adds 1.
    authors : tuple of str
    description : str or dict, optional
        Scope, unit of analysis, general coding rules.
    changelog : tuple of Revision
        The changes made with the change functions, oldest first.
    reliability_missing_codes : {"value", "missing"}
        What inter-coder reliability makes of a code flagged ``missing:
        true`` ("not stated", "unclear"), which a coder chose deliberately.
        ``"value"`` (default; Krippendorff 2019, ch. 12: a deliberate "cannot
        code" is data): a value like any other, so "not stated" against
        "daily" is a disagreement (an ordinal or numeric variable where such a
        code was chosen is then computed at the nominal level).
        ``"missing"``: left out as if no value was given.  See
        :func:`coding.project_reliability.variable_frame`.
    """

    name: str
    variables: tuple[Variable, ...]
    version: int = 1
    authors: tuple[str, ...] = ()
    description: Text | None = None
    changelog: tuple[Revision, ...] = ()
    reliability_missing_codes: str = "value"

    def variable(self, variable_id: str) -> Variable:
        """The variable with this id.

        Raises
        ------
        NotFound
            With a did-you-mean when the id is close to an existing one.
        """
        for variable in self.variables:
            if variable.id == variable_id:
                return variable
        ids = [variable.id for variable in self.variables]
        raise NotFound(
            f"codebook {_q(self.name)} has no variable {_q(variable_id)}"
            f"{_suggest(variable_id, ids)}",
            hint="Variables: " + ", ".join(ids),
        )

    def variable_ids(self) -> list[str]:
        """Ids of the variables in order."""
        return [variable.id for variable in self.variables]

    def applicable_variables(self, values: Mapping[str, Any]) -> list[Variable]:
        """The variables to ask, given the values coded so far (see :func:`is_applicable`)."""
        return [variable for variable in self.variables
                if is_applicable(variable, values, self)]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Codebook:
        """Build a codebook from a dict (as loaded from YAML/JSON), validating it.

        Raises
        ------
        CodebookError
            Listing every problem, one per line (see :func:`validate`).
        """
        validate(data)
        return _build_codebook(data)

    def to_dict(self) -> dict[str, Any]:
        """The canonical, JSON-serialisable dict (what the database stores)."""
        out: dict[str, Any] = {"name": self.name, "version": self.version}
        if self.authors:
            out["authors"] = list(self.authors)
        if self.description is not None:
            out["description"] = _text_out(self.description)
        if self.reliability_missing_codes != "value":
            out["reliability_missing_codes"] = self.reliability_missing_codes
        out["variables"] = [variable.to_dict() for variable in self.variables]
        if self.changelog:
            out["changelog"] = [revision.to_dict() for revision in self.changelog]
        return out


def _build_code(data: Mapping[str, Any]) -> Code:
    return Code(
        id=data["id"],
        label=_text_out(data["label"]),
        definition=_text_out(data.get("definition")),
        include=_text_out(data.get("include")),
        exclude=_text_out(data.get("exclude")),
        examples=tuple(data.get("examples") or ()),
        keywords=tuple(data.get("keywords") or ()),
        color=data.get("color"),
        codable=data.get("codable", True),
        missing=data.get("missing", False),
        retired=data.get("retired", False),
        merged_into=data.get("merged_into"),
        codes=tuple(_build_code(child) for child in data.get("codes") or ()),
    )


def _build_variable(data: Mapping[str, Any]) -> Variable:
    when = data.get("when")
    return Variable(
        id=data["id"],
        label=_text_out(data["label"]),
        type=data["type"],
        instruction=_text_out(data.get("instruction")),
        level=data.get("level"),
        required=data.get("required", True),
        when=None if when is None else {
            var: codes if isinstance(codes, str) else tuple(codes)
            for var, codes in when.items()},
        min=data.get("min"),
        max=data.get("max"),
        unit=data.get("unit"),
        codes=tuple(_build_code(code) for code in data.get("codes") or ()),
    )


def _build_codebook(data: Mapping[str, Any]) -> Codebook:
    return Codebook(
        name=data["name"],
        version=data.get("version", 1),
        authors=tuple(data.get("authors") or ()),
        description=_text_out(data.get("description")),
        reliability_missing_codes=data.get("reliability_missing_codes", "value"),
        variables=tuple(_build_variable(variable) for variable in data["variables"]),
        changelog=tuple(
            Revision(version=rev["version"], summary=rev["summary"],
                     by=rev.get("by"), note=rev.get("note"))
            for rev in data.get("changelog") or ()),
    )


# --------------------------------------------------------------------------
# Validation of codebooks
# --------------------------------------------------------------------------

Path_ = tuple[Union[str, int], ...]


@dataclass(frozen=True)
class Problem:
    """One rule a codebook breaks, at ``path`` (e.g. ``variables[2].codes[1]``)."""

    path: Path_
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        """The path as text: ``variables[2].codes[1]``."""
        return _format_path(self.path)

    def __str__(self) -> str:
        line = f" (line {self.line})" if self.line else ""
        return f"{self.where}{line}: {self.message}"


class CodebookError(ValidationError):
    """A codebook breaks one or more rules; :attr:`problems` lists them all."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None,
                 hint: str | None = _HINT):
        self.problems = list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        if len(self.problems) == 1:
            message = f"{prefix}{self.problems[0]}"
        else:
            lines = "\n".join(str(problem) for problem in self.problems)
            message = f"{prefix}{len(self.problems)} problems in the codebook:\n{lines}"
        super().__init__(message, hint)


def _format_path(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "codebook"


def _type_name(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


_BOOL_HINT = ("YAML reads unquoted yes/no/on/off/true/false as true/false; "
              "put the word in quotes")


class _Checker:
    """Collects every problem of a codebook dict, with its path."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: Path_, message: str) -> None:
        self.problems.append(Problem(path, message))

    def raise_if_any(self, source: str | None = None,
                     lines: Mapping[Path_, int] | None = None) -> None:
        if not self.problems:
            return
        problems = self.problems
        if lines:
            problems = [dataclasses.replace(p, line=_line_of(p.path, lines)) for p in problems]
        raise CodebookError(problems, source)

    # -- primitives --------------------------------------------------------
    def mapping(self, data: object, path: Path_, what: str) -> bool:
        if isinstance(data, Mapping):
            return True
        self.add(path, f"{what} must be a mapping of keys (key: value), not {_type_name(data)}")
        return False

    def keys(self, data: Mapping, path: Path_, allowed: Sequence[str], kind: str) -> None:
        for key in data:
            if key in allowed:
                continue
            if isinstance(key, bool):
                self.add(path, f"unknown key {str(key).lower()} ({_BOOL_HINT})")
                continue
            synonym = _KEY_SYNONYMS[kind].get(str(key).lower()) if isinstance(key, str) else None
            if synonym:
                hint = f" (did you mean {_q(synonym)}?)"
            else:
                hint = _suggest(key, allowed)
            self.add(path + (str(key),), f"unknown key {_q(str(key))}{hint}; "
                     f"allowed here: {', '.join(allowed)}")

    def identifier(self, value: object, path: Path_, what: str) -> bool:
        if value is None:
            self.add(path, f"{what} is missing; add an id such as \"study_buddy\"")
            return False
        if isinstance(value, bool):
            self.add(path + ("id",), f"{what} must be text, not true/false ({_BOOL_HINT}, "
                     f"e.g. id: \"{str(value).lower()}\")")
            return False
        if not isinstance(value, str):
            self.add(path + ("id",), f"{what} must be text, not {_type_name(value)}; "
                     f"put it in quotes or use a word")
            return False
        if not _ID_RE.match(value):
            slug = _slug(value)
            example = f"; e.g. {_q(slug)}" if slug and _ID_RE.match(slug) else ""
            self.add(path + ("id",), f"{what} {_q(value)} is not a valid id (use lowercase "
                     f"letters, digits and _, starting with a letter, at most 64 "
                     f"characters{example})")
            return False
        return True

    def nul_characters(self, data: object) -> None:
        """Text holding NUL (possible in JSON): PostgreSQL cannot store it, and it is never meant."""
        stack: list[tuple[Path_, object]] = [((), data)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, str):
                if "\x00" in value:
                    self.add(path, "the text contains a NUL character (\\u0000); remove it")
            elif isinstance(value, Mapping):
                for key, item in value.items():
                    if isinstance(key, str) and "\x00" in key:
                        self.add(path, "a key contains a NUL character (\\u0000); remove it")
                    stack.append((path + (str(key),), item))
            elif isinstance(value, (list, tuple)):
                stack.extend((path + (index,), item) for index, item in enumerate(value))

    def text(self, value: object, path: Path_, what: str, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(path, f"{what} is missing")
            return
        if isinstance(value, bool):
            self.add(path, f"{what} must be text, not true/false ({_BOOL_HINT})")
        elif isinstance(value, (int, float)):
            self.add(path, f"{what} must be text, not a number; put it in quotes")
        elif isinstance(value, str):
            if not value.strip():
                self.add(path, f"{what} is empty; write the text or remove the key")
        elif isinstance(value, Mapping):
            if not value:
                self.add(path, f"{what} is an empty mapping; write {{en: ..., zh: ...}} "
                         "or plain text")
            for lang, text in value.items():
                if not isinstance(lang, str) or not _LANG_RE.match(lang):
                    self.add(path, f"{what}: {_q(str(lang))} is not a language code "
                             "(use codes such as en, zh, zh-Hant)")
                elif not isinstance(text, str) or not text.strip():
                    self.add(path + (lang,), f"{what} in {lang} must be non-empty text, "
                             f"not {_type_name(text)}")
        else:
            self.add(path, f"{what} must be text or a mapping of language to text "
                     f"(label: {{en: Travel, zh: 旅行}}), not {_type_name(value)}")

    def string_list(self, value: object, path: Path_, what: str) -> None:
        if value is None:
            return
        if not isinstance(value, (list, tuple)):
            self.add(path, f"{what} must be a list (write [a, b] or one \"- item\" per "
                     f"line), not {_type_name(value)}")
            return
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.add(path + (index,), f"{what} entries must be non-empty text, not "
                         f"{_type_name(item)}" + (f" ({_BOOL_HINT})" if isinstance(item, bool)
                                                  else ""))

    def boolean(self, value: object, path: Path_, what: str) -> None:
        if value is not None and not isinstance(value, bool):
            self.add(path, f"{what} must be true or false, not {_q(value)}")

    # -- structure ---------------------------------------------------------
    def codebook(self, data: object) -> None:
        if not self.mapping(data, (), "the codebook"):
            return
        assert isinstance(data, Mapping)
        self.keys(data, (), _CODEBOOK_KEYS, "codebook")
        self.nul_characters(data)
        name = data.get("name")
        if name is None:
            self.add(("name",), "the codebook needs a name (name: My study)")
        elif not isinstance(name, str) or not name.strip():
            self.add(("name",), f"name must be non-empty text, not {_type_name(name)}")
        version = data.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.add(("version",), f"version must be a whole number >= 1, not {_q(version)}")
            version = None
        elif version > _MAX_VERSION:
            self.add(("version",), f"version {version} is too large (at most {_MAX_VERSION:,})")
            version = None
        if "authors" in data:
            self.string_list(data["authors"], ("authors",), "authors")
        self.text(data.get("description"), ("description",), "description")
        policy = data.get("reliability_missing_codes", "value")
        if policy not in MISSING_CODE_POLICIES:
            self.add(("reliability_missing_codes",),
                     f"reliability_missing_codes must be value or missing, not {_q(policy)}")
        variables = data.get("variables")
        if variables is None:
            self.add(("variables",), "the codebook has no variables; add a list "
                     "\"variables:\" (see codebooks/template.yaml)")
        elif not isinstance(variables, (list, tuple)) or not variables:
            self.add(("variables",), "variables must be a non-empty list of variables, "
                     f"not {_type_name(variables) if variables != [] else 'an empty list'}")
        else:
            earlier: dict[str, tuple[int, Mapping]] = {}
            for index, variable in enumerate(variables):
                self.variable(variable, ("variables", index), earlier)
        self.changelog(data.get("changelog"), version)

    def changelog(self, changelog: object, version: int | None) -> None:
        if changelog is None:
            return
        if not isinstance(changelog, (list, tuple)):
            self.add(("changelog",), f"changelog must be a list, not {_type_name(changelog)}")
            return
        previous = 0
        for index, entry in enumerate(changelog):
            path: Path_ = ("changelog", index)
            if not self.mapping(entry, path, "a changelog entry"):
                continue
            self.keys(entry, path, _REVISION_KEYS, "revision")
            number = entry.get("version")
            if (isinstance(number, bool) or not isinstance(number, int) or number < 1
                    or number > _MAX_VERSION):
                self.add(path + ("version",), f"version must be a whole number from 1 to "
                         f"{_MAX_VERSION:,}")
            else:
                if number <= previous:
                    self.add(path + ("version",), f"versions must increase (got {number} "
                             f"after {previous})")
                if version is not None and number > version:
                    self.add(path + ("version",), f"version {number} is newer than the "
                             f"codebook's version {version}")
                previous = number
            summary = entry.get("summary")
            if not isinstance(summary, str) or not summary.strip():
                self.add(path + ("summary",), "summary must be non-empty text")
            for key in ("by", "note"):
                if key in entry and not isinstance(entry[key], str):
                    self.add(path + (key,), f"{key} must be text")

    def variable(self, data: object, path: Path_,
                 earlier: dict[str, tuple[int, Mapping]] | None) -> None:
        if not self.mapping(data, path, "a variable"):
            return
        assert isinstance(data, Mapping)
        self.keys(data, path, _VARIABLE_KEYS, "variable")
        var_id = data.get("id")
        valid_id = self.identifier(var_id, path, "variable id")
        if valid_id and earlier is not None:
            if var_id in earlier:
                first = _format_path(("variables", earlier[var_id][0]))
                self.add(path, f"duplicate variable id {_q(var_id)} (already used at {first}; "
                         "variable ids must be unique; rename one)")
        self.text(data.get("label"), path + ("label",), "label", required=True)
        self.text(data.get("instruction"), path + ("instruction",), "instruction")
        self.boolean(data.get("required"), path + ("required",), "required")

        var_type = data.get("type")
        if var_type is None:
            self.add(path, "type is missing; add type: single, multi, ordinal, numeric or text")
            var_type = None
        elif var_type not in VARIABLE_TYPES:
            hint = _TYPE_SYNONYMS.get(var_type) if isinstance(var_type, str) else None
            did = f" (did you mean {_q(hint)}?)" if hint else _suggest(var_type, VARIABLE_TYPES)
            self.add(path + ("type",), f"unknown type {_q(var_type)}{did}; use one of "
                     + ", ".join(VARIABLE_TYPES))
            var_type = None

        if var_type is not None:
            self.level(data, path, var_type)
            self.numeric_keys(data, path, var_type)
            self.variable_codes(data, path, var_type)
        if "when" in data and earlier is not None:
            self.when(data["when"], path + ("when",), var_id, earlier)
        elif "when" in data and not isinstance(data["when"], Mapping):
            self.add(path + ("when",), "when must be a mapping {variable_id: code_id}")
        if valid_id and earlier is not None and var_id not in earlier:
            earlier[var_id] = (path[-1] if isinstance(path[-1], int) else 0, data)

    def level(self, data: Mapping, path: Path_, var_type: str) -> None:
        if "level" not in data:
            return
        level = data["level"]
        allowed = _ALLOWED_LEVELS[var_type]
        if level not in LEVELS:
            self.add(path + ("level",), f"unknown level {_q(level)}{_suggest(level, LEVELS)}; "
                     f"use one of {', '.join(LEVELS)}")
        elif not allowed:
            self.add(path + ("level",), "a text variable has no level of measurement; "
                     "remove level")
        elif level not in allowed:
            why = {
                "single": "the codes of a single variable are unordered; use type: ordinal "
                          "for an ordered scale",
                "multi": "codes of a multi variable are present/absent flags",
                "ordinal": "ordinal codes are ranks, not measured quantities",
                "numeric": "numbers are at least ordinal",
            }[var_type]
            self.add(path + ("level",), f"level {level} does not fit type {var_type} ({why}); "
                     f"use {' or '.join(allowed)}, or leave level out")

    def numeric_keys(self, data: Mapping, path: Path_, var_type: str) -> None:
        bounds: dict[str, float] = {}
        for key in ("min", "max"):
            if key not in data:
                continue
            value = data[key]
            if var_type != "numeric":
                self.add(path + (key,), f"{key} only applies to numeric variables; remove it")
            elif (isinstance(value, bool) or not isinstance(value, (int, float))
                  or not math.isfinite(value)):
                self.add(path + (key,), f"{key} must be a number, not {_q(value)}")
            elif abs(value) > _MAX_NUMBER:
                self.add(path + (key,), f"{key} {value} is too large (at most {_MAX_NUMBER:,} "
                         "either way)")
            else:
                bounds[key] = value
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            self.add(path, f"min ({bounds['min']}) is greater than max ({bounds['max']}); "
                     "swap them")
        if "unit" in data:
            if var_type != "numeric":
                self.add(path + ("unit",), "unit only applies to numeric variables; remove it")
            elif not isinstance(data["unit"], str) or not data["unit"].strip():
                self.add(path + ("unit",), "unit must be non-empty text (e.g. months)")

    def variable_codes(self, data: Mapping, path: Path_, var_type: str) -> None:
        codes = data.get("codes")
        if var_type not in CHOICE_TYPES:
            if codes is not None:
                self.add(path + ("codes",), f"a {var_type} variable has no codes; remove them "
                         "or use type: single, multi or ordinal")
            return
        if codes is None:
            self.add(path, f"a {var_type} variable needs codes; add a list \"codes:\"")
            return
        if not isinstance(codes, (list, tuple)) or not codes:
            self.add(path + ("codes",), "codes must be a non-empty list of codes, not "
                     + (_type_name(codes) if codes != [] else "an empty list"))
            return
        seen: dict[str, Path_] = {}
        for index, code in enumerate(codes):
            self.code(code, path + ("codes", index), seen, var_type)
        # Relations between codes, once all ids are known.
        flat = dict(_walk_dicts(codes, path + ("codes",)))
        for code_path, code in flat.items():
            target = code.get("merged_into")
            if target is None or not isinstance(target, str):
                continue
            if target == code.get("id"):
                self.add(code_path + ("merged_into",), "a code cannot be merged into itself")
            elif target not in seen:
                self.add(code_path + ("merged_into",), f"merged_into names {_q(target)}, which "
                         f"is not a code of this variable{_suggest(target, seen)}")
            elif _merge_cycle(code.get("id"), {c["id"]: c.get("merged_into")
                                               for c in flat.values()
                                               if isinstance(c.get("id"), str)}):
                self.add(code_path + ("merged_into",), "merged_into forms a cycle; one code of "
                         "the chain must stay active")
        active = [c for c in flat.values() if not c.get("retired") and c.get("codable", True)]
        if var_type == "ordinal":
            scale = [c for c in active if not c.get("missing")]
            if len(scale) < 2:
                self.add(path + ("codes",), "an ordinal variable needs at least 2 active codes "
                         "on its scale (codes with missing: true do not count)")
        elif not active:
            self.add(path + ("codes",), f"a {var_type} variable needs at least one active, "
                     "codable code")

    def code(self, data: object, path: Path_, seen: dict[str, Path_],
             variable_type: str | None) -> None:
        if not self.mapping(data, path, "a code"):
            return
        assert isinstance(data, Mapping)
        self.keys(data, path, _CODE_KEYS, "code")
        code_id = data.get("id")
        if self.identifier(code_id, path, "code id"):
            if code_id in seen:
                self.add(path, f"duplicate id {_q(code_id)} (already used at "
                         f"{_format_path(seen[code_id])}; ids must be unique within a "
                         "variable, including child and retired codes; rename one)")
            else:
                seen[code_id] = path
        self.text(data.get("label"), path + ("label",), "label", required=True)
        for key in ("definition", "include", "exclude"):
            self.text(data.get(key), path + (key,), key)
        self.string_list(data.get("examples"), path + ("examples",), "examples")
        self.string_list(data.get("keywords"), path + ("keywords",), "keywords")
        if isinstance(data.get("keywords"), (list, tuple)):
            for index, keyword in enumerate(data["keywords"]):
                if isinstance(keyword, str) and "\n" in keyword:
                    self.add(path + ("keywords", index), "a keyword cannot contain a line break")
        if "color" in data:
            color = data["color"]
            if color is None:
                self.add(path + ("color",), "color is empty: in YAML an unquoted # starts a "
                         "comment, so write color: \"#4E79A7\" with quotes")
            elif not isinstance(color, str) or not _COLOR_RE.match(color):
                self.add(path + ("color",), f"color {_q(color)} is not #RRGGBB "
                         "(e.g. \"#4E79A7\")")
        for key in ("codable", "missing", "retired"):
            self.boolean(data.get(key), path + (key,), key)
        target = data.get("merged_into")
        if target is not None:
            if not isinstance(target, str):
                self.add(path + ("merged_into",), "merged_into must be a code id")
            elif not data.get("retired"):
                self.add(path + ("merged_into",), "merged_into is only allowed on a retired "
                         "code; add retired: true")
        children = data.get("codes")
        if children is not None:
            if not isinstance(children, (list, tuple)) or not children:
                self.add(path + ("codes",), "codes (child codes) must be a non-empty list, not "
                         + (_type_name(children) if children != [] else "an empty list"))
                children = None
            elif variable_type == "ordinal":
                self.add(path + ("codes",), "codes of an ordinal variable cannot have child "
                         "codes (the scale is one ordered list); use type: single for a "
                         "hierarchy")
            else:
                for index, child in enumerate(children):
                    self.code(child, path + ("codes", index), seen, variable_type)
        if not children and data.get("codable") is False:
            self.add(path + ("codable",), "a code without child codes must be codable; "
                     "remove codable: false or add child codes")
        if children and data.get("missing"):
            self.add(path + ("missing",), "a code with child codes cannot be a missing-value "
                     "code; put missing: true on a code without children")
        if children and data.get("retired"):
            for index, child in enumerate(children):
                if isinstance(child, Mapping) and not child.get("retired"):
                    self.add(path + ("codes", index), "the parent code is retired, so this "
                             "child code must be retired too (add retired: true) or moved")

    def when(self, when: object, path: Path_, var_id: object,
             earlier: dict[str, tuple[int, Mapping]]) -> None:
        if not isinstance(when, Mapping) or not when:
            self.add(path, "when must be a non-empty mapping {variable_id: code_id} "
                     "(e.g. when: {match_outcome: success})")
            return
        for ref, codes in when.items():
            ref_path = path + (str(ref),)
            if ref == var_id:
                self.add(ref_path, "a variable cannot depend on itself")
                continue
            if ref not in earlier:
                self.add(ref_path, f"when refers to {_q(str(ref))}, which is not a variable "
                         f"defined before this one{_suggest(ref, earlier)}; conditions may "
                         "only use earlier variables")
                continue
            target = earlier[ref][1]
            if target.get("type") not in VARIABLE_TYPES:
                continue  # its bad type is reported there; do not pile on
            if target.get("type") not in CHOICE_TYPES:
                self.add(ref_path, f"when can only use single, multi or ordinal variables; "
                         f"{_q(ref)} is {target.get('type')}")
                continue
            code_list = [codes] if isinstance(codes, str) else codes
            if not isinstance(code_list, (list, tuple)) or not code_list or not all(
                    isinstance(code, str) for code in code_list):
                hint = f" ({_BOOL_HINT})" if isinstance(codes, bool) or (
                    isinstance(codes, (list, tuple)) and any(isinstance(c, bool) for c in codes)
                ) else ""
                self.add(ref_path, f"when needs a code id or a list of code ids for {_q(ref)}, "
                         f"not {_type_name(codes)}{hint}")
                continue
            known = {c["id"]: c for _, c in _walk_dicts(target.get("codes") or (), ())
                     if isinstance(c.get("id"), str)}
            for code in code_list:
                if code not in known:
                    self.add(ref_path, f"{_q(code)} is not a code of {_q(ref)}"
                             f"{_suggest(code, [k for k in known if isinstance(k, str)])}")
                elif known[code].get("retired"):
                    self.add(ref_path, f"code {_q(code)} of {_q(ref)} is retired; conditions "
                             "must use active codes")


def _walk_dicts(codes: object, path: Path_) -> Iterator[tuple[Path_, Mapping]]:
    """(path, code dict) for every well-formed code dict, depth first."""
    if not isinstance(codes, (list, tuple)):
        return
    for index, code in enumerate(codes):
        if isinstance(code, Mapping):
            yield path + (index,), code
            yield from _walk_dicts(code.get("codes"), path + (index, "codes"))


def _merge_cycle(start: object, targets: Mapping[object, object]) -> bool:
    seen = set()
    current = start
    while isinstance(current, str):  # ids that are not text are reported elsewhere
        if current in seen:
            return True
        seen.add(current)
        current = targets.get(current)
    return False


def _line_of(path: Path_, lines: Mapping[Path_, int]) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def validate(data: Mapping[str, Any], *, source: str | None = None) -> None:
    """Check a codebook dict against every rule; report all problems at once.

    Parameters
    ----------
    data : mapping
        A codebook as loaded from YAML or JSON (or :meth:`Codebook.to_dict`).
    source : str, optional
        File name to prefix the message with.

    Raises
    ------
    CodebookError
        A :class:`~dazi.errors.ValidationError` whose message has one line per
        problem, e.g. ``variables[2].codes[1]: duplicate id "travel" (...)``
        (0-based indexes), and whose ``problems`` attribute lists them.
    """
    checker = _Checker()
    checker.codebook(data)
    checker.raise_if_any(source)


# --------------------------------------------------------------------------
# Loading and dumping
# --------------------------------------------------------------------------

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~10x faster


class _LineLoader(_BaseLoader):  # type: ignore[valid-type, misc]
    """Safe loader that refuses duplicate keys (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            try:
                key = self.construct_object(key_node, deep=True)
                hash(key)
            except TypeError:
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r} (first on line {seen[key] + 1})",
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _node_lines(node: yaml.Node, path: Path_, out: dict[Path_, int]) -> None:
    """Map each path in a composed YAML document to its 1-based line."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_path = path + (key_node.value,)
                out[key_path] = key_node.start_mark.line + 1
                _node_lines(value_node, key_path, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[path + (index,)] = item.start_mark.line + 1
            _node_lines(item, path + (index,), out)


#: How deeply lists and mappings may nest in a codebook file.  A real codebook
#: needs about a dozen levels; far deeper nesting crashes libyaml's composer
#: (a C stack overflow) and exhausts Python's recursion limit in the checks.
_MAX_DEPTH = 100
#: How many values a codebook may hold once YAML aliases are expanded.  A few
#: hundred variables with a few hundred codes each stay far below this; a
#: "billion laughs" file (aliases of aliases) would take hours to check.
_MAX_VALUES = 1_000_000

#: The largest codebook version (a database INTEGER) and bound of min/max
#: (exact as a float; larger integers cannot be stored as JSON numbers).
_MAX_VERSION = 2**31 - 1
_MAX_NUMBER = 2**53 - 1

_TOO_DEEP_HINT = "A codebook nests a few levels (variables, codes, child codes); check the file."


def _check_yaml_shape(text: str, source: str | None) -> None:
    """Refuse YAML nested too deeply, expanding to too much, or with a recursive alias.

    Reads the parser's event stream (no recursion, no objects built), counting
    the values each anchor stands for, before anything composes the document.
    """
    depth = 0
    total = 0
    open_: list[tuple[str | None, int]] = []  # (anchor, total at start) per open collection
    sizes: dict[str, int] = {}
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep "
                                 f"(line {event.start_mark.line + 1})", _TOO_DEEP_HINT,
                                 file=source)
            open_.append((event.anchor, total))
            total += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_.pop()
            if anchor is not None:
                sizes[anchor] = total - start
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in open_):
                raise InputError(f"the alias *{event.anchor} refers to a list or mapping that "
                                 f"contains it (line {event.start_mark.line + 1})",
                                 "Write the values out instead of the alias.", file=source)
            total += sizes.get(event.anchor, 1)
        if total > _MAX_VALUES:
            raise InputError(f"the codebook expands to more than {_MAX_VALUES:,} values "
                             "(through YAML aliases of aliases)",
                             "Write the codebook without nested aliases (* and &).",
                             file=source)


def _check_depth(data: object, source: str | None) -> None:
    """Refuse parsed data nested more than :data:`_MAX_DEPTH` deep (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > _MAX_DEPTH:
            raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep",
                             _TOO_DEEP_HINT, file=source)
        stack.extend((child, depth + 1) for child in children)


def _parse_text(text: str, source: str | None, as_json: bool) -> tuple[Any, dict[Path_, int]]:
    if as_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                             "Check the brackets and commas near that place.",
                             file=source) from None
        except RecursionError:
            raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep",
                             _TOO_DEEP_HINT, file=source) from None
        _check_depth(data, source)
        return data, {}
    loader = _LineLoader(text)
    try:
        _check_yaml_shape(text, source)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in problem:  # newer PyYAML (6.0.4 here) stops deep nesting itself, scanning ahead
            raise InputError(f"lists and mappings are nested more than {_MAX_DEPTH} deep{where}",
                             _TOO_DEEP_HINT, file=source) from None
        raise InputError(f"not valid YAML: {problem}{where}",
                         "Check the indentation and quoting near that line; text with "
                         "': ' or a leading '#', '*', '&' or '[' needs quotes.",
                         file=source) from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    return data, lines


def load_codebook(source: str | Path | bytes) -> Codebook:
    """Load and validate a codebook from a YAML/JSON file or text.

    Parameters
    ----------
    source : str, Path or bytes
        A :class:`~pathlib.Path`; a one-line ``str`` (a file path, unless it
        starts with ``{``); otherwise YAML or JSON text (``str`` or UTF-8
        ``bytes``).  JSON is recognised by a ``.json`` suffix or a leading
        ``{``.

    Raises
    ------
    InputError
        The file is missing, not UTF-8, or not valid YAML/JSON.
    CodebookError
        The codebook breaks rules; the message names the file, the place
        (with its line for YAML) and what to do, one problem per line.
    """
    path: Path | None = None
    if isinstance(source, Path):
        path = source
    elif isinstance(source, str) and "\n" not in source and not source.lstrip().startswith("{"):
        path = Path(source)  # one line that is not a {...} mapping can only be a path
    name = str(path) if path is not None else None
    if path is not None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise InputError("codebook file not found", "Check the path.", file=name) from None
        except OSError as exc:
            raise InputError(f"cannot read the codebook: {exc.strerror}", file=name) from None
    else:
        raw = source if isinstance(source, bytes) else str(source).encode("utf-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})",
                         "Save the codebook as UTF-8 (in Notepad: Save as, Encoding: UTF-8).",
                         file=name) from None
    as_json = (path is not None and path.suffix.lower() == ".json") or text.lstrip().startswith("{")
    data, lines = _parse_text(text, name, as_json)
    if data is None:
        raise InputError("the codebook is empty", "Start from codebooks/template.yaml.",
                         file=name)
    checker = _Checker()
    checker.codebook(data)
    checker.raise_if_any(name, lines)
    return _build_codebook(data)


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text; no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _represent_str)


def dump_codebook(codebook: Codebook, path: str | Path | None = None) -> str:
    """Write a codebook as canonical YAML (or JSON for a ``.json`` path).

    The text is UTF-8 with Chinese left readable, multi-line text as ``|``
    blocks and keys in the canonical order.  Comments of a hand-written file
    are not kept: keep the hand-written file as the master, or start a fresh
    one from this output.

    Returns
    -------
    str
        The text written (also when ``path`` is ``None``).
    """
    data = codebook.to_dict()
    if path is not None and Path(path).suffix.lower() == ".json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                         width=100, indent=2)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset)):
        return not value
    return False


def _check_code_choice(variable: Variable, code_id: object) -> str:
    if not isinstance(code_id, str):
        raise ValidationError(
            f"{variable.id}: {_q(code_id)} is not a code id (expected text such as "
            f"{_q(variable.codable_codes()[0].id) if variable.codable_codes() else 'a code'})",
            hint=_codes_hint(variable))
    code_id = code_id.strip()
    if not variable.has_code(code_id):
        raise ValidationError(
            f"{variable.id}: {_q(code_id)} is not a code of this variable"
            f"{_suggest(code_id, [c.id for c in variable.codable_codes()])}",
            hint=_codes_hint(variable))
    code = variable.code(code_id)
    if code.retired:
        if code.merged_into:
            final = variable.resolve(code_id)
            raise ValidationError(f"{variable.id}: code {_q(code_id)} is retired (merged "
                                  f"into {_q(final)})", hint=f"Use {_q(final)}.")
        raise ValidationError(f"{variable.id}: code {_q(code_id)} is retired and cannot be "
                              "used for new codings", hint=_codes_hint(variable))
    if not code.codable:
        children = [c.id for c in code.walk() if c.codable and not c.retired]
        raise ValidationError(f"{variable.id}: code {_q(code_id)} only groups other codes; "
                              "choose one of its child codes",
                              hint="Child codes: " + ", ".join(children))
    return code_id


def _codes_hint(variable: Variable) -> str:
    return "Choose from: " + ", ".join(code.id for code in variable.codable_codes())


def validate_value(variable: Variable, value: object) -> Value:
    """Check one coded value and return it in its normalised storage form.

    ================  =======================================================
    type              normalised form
    ================  =======================================================
    single, ordinal   the code id (``str``); a one-element list is accepted
    multi             list of code ids in codebook order, duplicates removed;
                      a single ``str`` counts as one code; ``[]`` is "none"
    numeric           ``int`` when integral, else ``float``; numeric text
                      such as ``"3.5"`` is accepted
    text              the text, stripped
    ================  =======================================================

    Empty values (``None``, ``""``, NaN, and ``[]`` except for multi) give
    ``None`` when the variable is not required.  Whether the variable applies
    at all (``when``) is :func:`is_applicable`'s business.

    Raises
    ------
    ValidationError
        Naming the variable: an unknown or retired code, a group-only code,
        two codes on a single-choice variable, a "not stated" code combined
        with others, a number out of range, an empty required value.

    Examples
    --------
    >>> v = Variable("n", "Months", "numeric", min=0, max=120)
    >>> validate_value(v, "3.0"), validate_value(v, 2.5)
    (3, 2.5)
    """
    if variable.type == "multi" and isinstance(value, (list, tuple, set, frozenset)) and not value:
        if variable.required:
            raise ValidationError(f"{variable.id}: choose at least one code",
                                  hint=_codes_hint(variable))
        return []
    if _is_empty(value):
        if variable.required:
            what = "a number" if variable.type == "numeric" else (
                "text" if variable.type == "text" else "a code")
            raise ValidationError(f"{variable.id}: a value is required (enter {what})",
                                  hint=_codes_hint(variable) if variable.is_choice else None)
        return None

    if variable.type in ("single", "ordinal"):
        if isinstance(value, (list, tuple, set, frozenset)):
            items = list(dict.fromkeys(value))
            if len(items) > 1:
                raise ValidationError(
                    f"{variable.id}: only one code is allowed (got "
                    f"{', '.join(_q(v) for v in items)})",
                    hint=f"{_q(variable.id)} is a {variable.type} variable; choose one code.")
            value = items[0]
        return _check_code_choice(variable, value)

    if variable.type == "multi":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple, set, frozenset)):
            raise ValidationError(f"{variable.id}: expected a list of code ids, not "
                                  f"{_type_name(value)}", hint=_codes_hint(variable))
        chosen = {_check_code_choice(variable, item) for item in items}
        missing = [code_id for code_id in chosen if variable.code(code_id).missing]
        if missing and len(chosen) > 1:
            raise ValidationError(
                f"{variable.id}: {_q(missing[0])} means no information and cannot be combined "
                "with other codes", hint=f"Remove {_q(missing[0])} or the other codes.")
        return sorted(chosen, key=variable.order)

    if variable.type == "numeric":
        return _check_number(variable, value)

    if not isinstance(value, str):
        raise ValidationError(f"{variable.id}: expected text, not {_type_name(value)}")
    return value.strip()


def _check_number(variable: Variable, value: object) -> int | float:
    if isinstance(value, bool):
        raise ValidationError(f"{variable.id}: expected a number, not true/false")
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            unit = f" ({variable.unit})" if variable.unit else ""
            raise ValidationError(f"{variable.id}: {_q(value)} is not a number",
                                  hint=f"Enter digits, e.g. 3 or 1.5{unit}.") from None
    elif isinstance(value, numbers.Real):
        number = float(value)
    else:
        raise ValidationError(f"{variable.id}: expected a number, not {_type_name(value)}")
    if not math.isfinite(number):
        raise ValidationError(f"{variable.id}: {value!r} is not a finite number")
    unit = f" {variable.unit}" if variable.unit else ""
    if variable.min is not None and number < variable.min:
        raise ValidationError(f"{variable.id}: {number:g} is below the minimum "
                              f"{variable.min:g}{unit}",
                              hint=f"Enter a value from {variable.min:g} to "
                              f"{variable.max:g}{unit}." if variable.max is not None else None)
    if variable.max is not None and number > variable.max:
        raise ValidationError(f"{variable.id}: {number:g} is above the maximum "
                              f"{variable.max:g}{unit}",
                              hint=f"Enter a value from {variable.min:g} to "
                              f"{variable.max:g}{unit}." if variable.min is not None else None)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def is_applicable(variable: Variable, values: Mapping[str, Any],
                  codebook: Codebook | None = None) -> bool:
    """Whether ``variable`` should be asked, given the other coded values.

    Every entry of ``when`` must hold: the named variable's value (a code id
    or a list of ids for multi) contains one of the listed codes.  A variable
    without ``when`` always applies; a missing or empty value never satisfies
    a condition.

    Parameters
    ----------
    variable : Variable
    values : mapping
        ``{variable_id: value}`` coded so far for one post.
    codebook : Codebook, optional
        When given, a condition on a parent code also accepts its
        descendants, and a condition on a variable that does not apply itself
        fails (chains of conditions).  Without it, code ids must match exactly.

    Examples
    --------
    >>> v = Variable("months", "Months", "numeric", when={"outcome": "success"})
    >>> is_applicable(v, {"outcome": "success"}), is_applicable(v, {"outcome": "failure"})
    (True, False)
    """
    for ref, codes in variable.conditions().items():
        accepted = set(codes)
        if codebook is not None:
            try:
                target = codebook.variable(ref)
            except NotFound:
                return False
            if not is_applicable(target, values, codebook):
                return False
            for code_id in codes:
                if target.has_code(code_id):
                    accepted.update(target.descendants(code_id))
        value = values.get(ref)
        if isinstance(value, str):
            chosen = {value}
        elif isinstance(value, (list, tuple, set, frozenset)):
            chosen = set(value)
        else:
            chosen = set()
        if not chosen & accepted:
            return False
    return True


def validate_values(codebook: Codebook, values: Mapping[str, Any]) -> dict[str, Value]:
    """Check all values coded for one post; return them normalised.

    Variables that apply are checked with :func:`validate_value` (a missing
    key counts as empty); variables that do not apply must be empty and come
    back as ``None``.  Every problem is reported in one error.

    Returns
    -------
    dict
        ``{variable_id: normalised value}`` for every variable, in codebook order.

    Raises
    ------
    ValidationError
        One line per problem; unknown variable ids are problems too.
    """
    problems: list[str] = []
    unknown = [key for key in values if key not in codebook.variable_ids()]
    for key in unknown:
        problems.append(f"{key}: not a variable of codebook {_q(codebook.name)}"
                        f"{_suggest(key, codebook.variable_ids())}")
    out: dict[str, Value] = {}
    normalised: dict[str, Any] = {}
    for variable in codebook.variables:
        value = values.get(variable.id)
        if not is_applicable(variable, normalised, codebook):
            if not _is_empty(value):
                problems.append(f"{variable.id}: does not apply to this post (its condition "
                                f"{_when_text(variable)} does not hold); leave it empty")
            out[variable.id] = None
            continue
        try:
            out[variable.id] = normalised[variable.id] = validate_value(variable, value)
        except ValidationError as exc:
            problems.append(exc.message)
    if problems:
        raise ValidationError("\n".join(problems) if len(problems) > 1 else problems[0],
                              hint="Correct the values named above; nothing was saved.")
    return out


def _when_text(variable: Variable) -> str:
    parts = [f"{ref} = {' or '.join(codes)}" for ref, codes in variable.conditions().items()]
    return " and ".join(parts)


# --------------------------------------------------------------------------
# Changes while coding
# --------------------------------------------------------------------------

def _find_var(data: dict, variable_id: str, codebook: Codebook) -> dict:
    codebook.variable(variable_id)  # NotFound with a did-you-mean
    return next(var for var in data["variables"] if var["id"] == variable_id)


def _find_code(var: dict, code_id: str) -> tuple[list, int]:
    """The sibling list holding ``code_id`` and its index there."""
    stack = [var.get("codes") or []]
    while stack:
        siblings = stack.pop()
        for index, code in enumerate(siblings):
            if code["id"] == code_id:
                return siblings, index
            if code.get("codes"):
                stack.append(code["codes"])
    raise KeyError(code_id)


def _revise(data: dict, summary: str, by: str | None, note: str | None) -> Codebook:
    data["version"] = data.get("version", 1) + 1
    entry = {"version": data["version"], "summary": summary}
    if by is not None:
        entry["by"] = by
    if note is not None:
        entry["note"] = note
    data.setdefault("changelog", []).append(entry)
    return Codebook.from_dict(data)


def _active_code(codebook: Codebook, variable_id: str, code_id: str) -> Code:
    variable = codebook.variable(variable_id)
    code = variable.code(code_id)
    if code.retired:
        raise ValidationError(f"{variable_id}: code {_q(code_id)} is already retired")
    return code


def add_code(codebook: Codebook, variable_id: str, code: Code | Mapping[str, Any],
             parent: str | None = None, *, after: str | None = None,
             by: str | None = None, note: str | None = None) -> Codebook:
    """A new version with a code added (at the end, or after a sibling).

    Parameters
    ----------
    code : Code or mapping
        The new code (``{"id": ..., "label": ...}`` at least).
    parent : str, optional
        Id of the (active) parent code; top level when ``None``.
    after : str, optional
        Id of a sibling to insert after (order matters for ordinal scales).
    by, note : str, optional
        Who and why, kept in the changelog.

    Raises
    ------
    NotFound
        Unknown variable, parent or sibling.
    ValidationError
        The id is taken (retired ids stay taken), the variable has no codes,
        or the result breaks a codebook rule.
    """
    variable = codebook.variable(variable_id)
    new = code.to_dict() if isinstance(code, Code) else dict(code)
    if not variable.is_choice:
        raise ValidationError(f"{variable_id}: a {variable.type} variable has no codes")
    new_id = new.get("id")
    if isinstance(new_id, str) and variable.has_code(new_id):
        status = " (a retired code; retired ids are never reused)" if variable.code(
            new_id).retired else ""
        raise ValidationError(f"{variable_id}: code id {_q(new_id)} is already used{status}",
                              hint="Choose another id.")
    if new.get("retired"):
        raise ValidationError(f"{variable_id}: a new code cannot be retired")
    data = codebook.to_dict()
    var = _find_var(data, variable_id, codebook)
    if parent is not None:
        _active_code(codebook, variable_id, parent)
        siblings, index = _find_code(var, parent)
        container = siblings[index].setdefault("codes", [])
    else:
        container = var.setdefault("codes", [])
    position = len(container)
    if after is not None:
        ids = [sibling["id"] for sibling in container]
        if after not in ids:
            raise NotFound(f"{variable_id}: no code {_q(after)} "
                           f"{'under ' + _q(parent) if parent else 'at the top level'}"
                           f"{_suggest(after, ids)}", hint="Siblings: " + ", ".join(ids))
        position = ids.index(after) + 1
    container.insert(position, new)
    where = f" under {_q(parent)}" if parent else ""
    label = _text_short(new.get("label")) if isinstance(new.get("label"), (str, Mapping)) else ""
    return _revise(data, f"{variable_id}: added code {_q(new_id)} ({label}){where}", by, note)


def rename_code(codebook: Codebook, variable_id: str, code_id: str, label: Text, *,
                by: str | None = None, note: str | None = None) -> Codebook:
    """A new version with a code's label changed; its id (and codings) stay.

    A dict label updates the languages it names and keeps the others when
    the old label is a dict too (``{"en": "Outdoor"}`` keeps the Chinese); a
    plain string replaces the whole label.
    """
    old = codebook.variable(variable_id).code(code_id).label
    if isinstance(label, Mapping) and isinstance(old, Mapping):
        new_label: Text = {**old, **label}
    else:
        new_label = dict(label) if isinstance(label, Mapping) else label
    data = codebook.to_dict()
    siblings, index = _find_code(_find_var(data, variable_id, codebook), code_id)
    siblings[index]["label"] = new_label
    return _revise(data, f"{variable_id}: renamed code {_q(code_id)}: "
                   f"{_q(_text_short(old))} -> {_q(_text_short(new_label))}", by, note)


_UPDATABLE = ("definition", "include", "exclude", "examples", "keywords", "color",
              "codable", "missing")


def update_code(codebook: Codebook, variable_id: str, code_id: str, *,
                by: str | None = None, note: str | None = None, **changes: Any) -> Codebook:
    """A new version with a code's definition, criteria, examples... changed.

    Keyword arguments are fields of :class:`Code` among ``definition``,
    ``include``, ``exclude``, ``examples``, ``keywords``, ``color``,
    ``codable`` and ``missing``; ``None`` removes a field.  Labels change with
    :func:`rename_code`, retirement with :func:`retire_code`.
    """
    codebook.variable(variable_id).code(code_id)
    wrong = [key for key in changes if key not in _UPDATABLE]
    if wrong or not changes:
        raise ValidationError(
            f"update_code: cannot change {', '.join(wrong)}" if wrong else
            "update_code: nothing to change",
            hint="Changeable: " + ", ".join(_UPDATABLE) + "; use rename_code for labels.")
    data = codebook.to_dict()
    siblings, index = _find_code(_find_var(data, variable_id, codebook), code_id)
    target = siblings[index]
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = list(value) if isinstance(value, tuple) else value
    return _revise(data, f"{variable_id}: changed {', '.join(changes)} of code {_q(code_id)}",
                   by, note)


def _conditions_using(codebook: Codebook, variable_id: str, code_ids: set[str]) -> list[str]:
    return [variable.id for variable in codebook.variables
            if set(variable.conditions().get(variable_id, ())) & code_ids]


def merge_codes(codebook: Codebook, variable_id: str, source_ids: Sequence[str], into_id: str,
                *, by: str | None = None, note: str | None = None
                ) -> tuple[Codebook, dict[str, str]]:
    """A new version where ``source_ids`` are retired and point at ``into_id``.

    Conditions (``when``) of other variables that named a source now name
    ``into_id``.  Apply the returned mapping to stored codings (for a multi
    value, replace and de-duplicate; :func:`validate_value` sorts it again).

    Returns
    -------
    (Codebook, dict)
        The new version and ``{source_id: into_id}``.

    Raises
    ------
    ValidationError
        A source is retired, has active child codes, or is ``into_id``; the
        target is retired or only groups codes.
    """
    if isinstance(source_ids, str):
        source_ids = [source_ids]
    sources = list(dict.fromkeys(source_ids))
    if not sources:
        raise ValidationError(f"{variable_id}: no codes to merge")
    target = _active_code(codebook, variable_id, into_id)
    if not target.codable:
        raise ValidationError(f"{variable_id}: cannot merge into {_q(into_id)}, which only "
                              "groups codes", hint="Merge into a codable code.")
    for source in sources:
        code = _active_code(codebook, variable_id, source)
        if source == into_id:
            raise ValidationError(f"{variable_id}: cannot merge {_q(source)} into itself")
        active_children = [c.id for c in code.walk() if c.id != source and not c.retired]
        if active_children:
            raise ValidationError(
                f"{variable_id}: code {_q(source)} has active child codes "
                f"({', '.join(active_children)})",
                hint="Merge or retire its child codes first.")
    data = codebook.to_dict()
    var = _find_var(data, variable_id, codebook)
    for source in sources:
        siblings, index = _find_code(var, source)
        siblings[index]["retired"] = True
        siblings[index]["merged_into"] = into_id
    for other in data["variables"]:
        when = other.get("when") or {}
        codes = when.get(variable_id)
        if codes is None:
            continue
        code_list = [codes] if isinstance(codes, str) else list(codes)
        if set(code_list) & set(sources):
            replaced = list(dict.fromkeys(into_id if c in sources else c for c in code_list))
            when[variable_id] = replaced[0] if isinstance(codes, str) else replaced
    summary = (f"{variable_id}: merged {', '.join(_q(s) for s in sources)} into {_q(into_id)}")
    return _revise(data, summary, by, note), {source: into_id for source in sources}


def retire_code(codebook: Codebook, variable_id: str, code_id: str, *,
                by: str | None = None, note: str | None = None) -> Codebook:
    """A new version where the code is retired: kept for history, hidden from coders.

    Stored codings keep the id (and stay readable); new codings refuse it.

    Raises
    ------
    ValidationError
        Already retired, has active child codes, is used in another
        variable's condition, or is the last active code of the variable.
    """
    code = _active_code(codebook, variable_id, code_id)
    active_children = [c.id for c in code.walk() if c.id != code_id and not c.retired]
    if active_children:
        raise ValidationError(f"{variable_id}: code {_q(code_id)} has active child codes "
                              f"({', '.join(active_children)})",
                              hint="Retire or merge its child codes first.")
    users = _conditions_using(codebook, variable_id, {code_id})
    if users:
        raise ValidationError(f"{variable_id}: code {_q(code_id)} is used in the condition "
                              f"(when) of {', '.join(_q(u) for u in users)}",
                              hint="Change those conditions first, or merge the code instead.")
    data = codebook.to_dict()
    siblings, index = _find_code(_find_var(data, variable_id, codebook), code_id)
    siblings[index]["retired"] = True
    return _revise(data, f"{variable_id}: retired code {_q(code_id)}", by, note)


def add_variable(codebook: Codebook, variable: Variable | Mapping[str, Any], *,
                 after: str | None = None, by: str | None = None,
                 note: str | None = None) -> Codebook:
    """A new version with a variable added (at the end, or after ``after``).

    Raises
    ------
    ValidationError
        The id is taken, or the result breaks a rule (a condition may only
        use variables before it).
    """
    new = variable.to_dict() if isinstance(variable, Variable) else dict(variable)
    new_id = new.get("id")
    if new_id in codebook.variable_ids():
        raise ValidationError(f"variable id {_q(new_id)} is already used",
                              hint="Choose another id.")
    data = codebook.to_dict()
    position = len(data["variables"])
    if after is not None:
        codebook.variable(after)
        position = codebook.variable_ids().index(after) + 1
    data["variables"].insert(position, new)
    label = _text_short(new.get("label")) if isinstance(new.get("label"), (str, Mapping)) else ""
    return _revise(data, f"added variable {_q(new_id)} ({label})", by, note)


# --------------------------------------------------------------------------
# Differences between versions
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One difference between two codebook versions (see :func:`diff`).

    Attributes
    ----------
    kind : str
        ``codebook_changed``, ``variable_added``, ``variable_removed``,
        ``variable_changed``, ``variables_reordered``, ``code_added``,
        ``code_removed``, ``code_renamed``, ``code_retired``, ``code_merged``,
        ``code_restored``, ``code_moved``, ``code_changed`` or
        ``codes_reordered``.
    text : str
        One readable line; ``str(change)``.
    variable, code, field : str, optional
        What changed.
    old, new : object
        The values before and after (for changed fields).
    """

    kind: str
    text: str
    variable: str | None = None
    code: str | None = None
    field: str | None = None
    old: Any = None
    new: Any = None

    def __str__(self) -> str:
        return self.text


_CODE_FIELDS = ("definition", "include", "exclude", "examples", "keywords", "color",
                "codable", "missing")
_VARIABLE_FIELDS = ("label", "instruction", "type", "level", "required", "when",
                    "min", "max", "unit")


def _short(value: object, limit: int = 60) -> str:
    if isinstance(value, (str, Mapping)):
        text = _text_short(value)  # type: ignore[arg-type]
    elif isinstance(value, tuple):
        text = ", ".join(str(v) for v in value)
    else:
        text = "" if value is None else str(value)
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def diff(old: Codebook, new: Codebook) -> list[Change]:
    """What changed from ``old`` to ``new``, as readable :class:`Change` records.

    Variables and codes are matched by id, so a label change is a rename and
    an id change shows as one code removed and one added.  The version
    number and changelog are not compared.
    """
    changes: list[Change] = []
    for key in ("name", "description", "authors", "reliability_missing_codes"):
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            changes.append(Change("codebook_changed",
                                  f"codebook {key} changed: {_short(before)} -> {_short(after)}",
                                  field=key, old=before, new=after))
    old_ids, new_ids = old.variable_ids(), new.variable_ids()
    for variable in new.variables:
        if variable.id not in old_ids:
            changes.append(Change("variable_added", f"variable {_q(variable.id)} "
                                  f"({_text_short(variable.label)}) added",
                                  variable=variable.id, new=variable))
    for variable in old.variables:
        if variable.id not in new_ids:
            changes.append(Change("variable_removed", f"variable {_q(variable.id)} removed",
                                  variable=variable.id, old=variable))
    common_old = [i for i in old_ids if i in new_ids]
    common_new = [i for i in new_ids if i in old_ids]
    if common_old != common_new:
        changes.append(Change("variables_reordered", "variables reordered: "
                              + ", ".join(common_new), old=common_old, new=common_new))
    for var_id in common_new:
        changes.extend(_diff_variable(old.variable(var_id), new.variable(var_id)))
    return changes


def _diff_variable(old: Variable, new: Variable) -> list[Change]:
    changes = []
    vid = old.id
    for key in _VARIABLE_FIELDS:
        before, after = getattr(old, key), getattr(new, key)
        if before != after:
            if key == "when":
                text = (f"variable {_q(vid)}: condition changed: "
                        f"{_q(_when_text(old) or 'always')} -> {_q(_when_text(new) or 'always')}")
            elif key in ("label", "instruction"):
                text = f"variable {_q(vid)}: {key} changed: {_short(before)} -> {_short(after)}"
            else:
                text = f"variable {_q(vid)}: {key} changed from {before} to {after}"
            changes.append(Change("variable_changed", text, variable=vid, field=key,
                                  old=before, new=after))
    before_index, after_index = old._index, new._index
    for code_id, entry in after_index.items():
        if code_id not in before_index:
            where = f" under {_q(entry.parent)}" if entry.parent else ""
            changes.append(Change("code_added", f"{vid}: code {_q(code_id)} "
                                  f"({_text_short(entry.code.label)}) added{where}",
                                  variable=vid, code=code_id, new=entry.code))
    for code_id, entry in before_index.items():
        if code_id not in after_index:
            changes.append(Change("code_removed", f"{vid}: code {_q(code_id)} removed "
                                  "(retire codes instead, so stored codings stay readable)",
                                  variable=vid, code=code_id, old=entry.code))
    common = [code_id for code_id in before_index if code_id in after_index]
    for code_id in common:
        changes.extend(_diff_code(vid, before_index[code_id], after_index[code_id]))
    order_before = [c for c in before_index if c in after_index]
    order_after = [c for c in after_index if c in before_index]
    if order_before != order_after:
        changes.append(Change("codes_reordered", f"{vid}: codes reordered: "
                              + ", ".join(order_after), variable=vid,
                              old=order_before, new=order_after))
    return changes


def _diff_code(vid: str, before: _Entry, after: _Entry) -> list[Change]:
    changes = []
    old, new = before.code, after.code
    cid = old.id
    if old.label != new.label:
        changes.append(Change("code_renamed", f"{vid}: code {_q(cid)} renamed: "
                              f"{_short(old.label)} -> {_short(new.label)}",
                              variable=vid, code=cid, field="label",
                              old=old.label, new=new.label))
    if new.retired and (not old.retired or old.merged_into != new.merged_into):
        if new.merged_into:
            changes.append(Change("code_merged", f"{vid}: code {_q(cid)} merged into "
                                  f"{_q(new.merged_into)}", variable=vid, code=cid,
                                  field="merged_into", old=old.merged_into,
                                  new=new.merged_into))
        else:
            changes.append(Change("code_retired", f"{vid}: code {_q(cid)} retired",
                                  variable=vid, code=cid, field="retired",
                                  old=False, new=True))
    elif old.retired and not new.retired:
        changes.append(Change("code_restored", f"{vid}: code {_q(cid)} restored (no longer "
                              "retired)", variable=vid, code=cid, field="retired",
                              old=True, new=False))
    if before.parent != after.parent:
        def where(parent: str | None) -> str:
            return f"under {_q(parent)}" if parent else "the top level"
        changes.append(Change("code_moved", f"{vid}: code {_q(cid)} moved from "
                              f"{where(before.parent)} to {where(after.parent)}",
                              variable=vid, code=cid, field="parent",
                              old=before.parent, new=after.parent))
    for key in _CODE_FIELDS:
        was, now = getattr(old, key), getattr(new, key)
        if was != now:
            changes.append(Change("code_changed", f"{vid}: code {_q(cid)} {key} changed: "
                                  f"{_short(was)} -> {_short(now)}", variable=vid, code=cid,
                                  field=key, old=was, new=now))
    return changes


def format_diff(changes: Sequence[Change], *, verbose: bool = False) -> str:
    """The changes as text, one per line (``dazi codebook diff``).

    With ``verbose``, changed texts are printed in full below their line.
    """
    if not changes:
        return "no changes"
    lines = []
    for change in changes:
        lines.append(change.text)
        if verbose and change.kind in ("code_changed", "variable_changed", "code_renamed",
                                       "codebook_changed"):
            for tag, value in (("before", change.old), ("after", change.new)):
                shown = ("(none)" if value is None or value == ()
                         else _text_short(value) if isinstance(value, (str, Mapping))
                         else ", ".join(map(str, value)) if isinstance(value, tuple)
                         else str(value))
                lines.append(f"    {tag}: " + shown.replace("\n", "\n        "))
    return "\n".join(lines)

