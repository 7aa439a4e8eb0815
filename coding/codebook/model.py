"""The immutable codebook model: :class:`Code`, :class:`Variable`,
:class:`Revision` and :class:`Codebook`, and :func:`is_applicable` (which
variables a post's coded values make apply).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from coding.codebook.checker import _Checker, validate
from coding.codebook.spec import _DEFAULT_LEVEL, CHOICE_TYPES, DEFAULT_LANG, Text
from coding.codebook.text import _q, _suggest, _text_out, localize
from dazi.errors import NotFound, ValidationError

__all__ = ["Code", "Codebook", "Revision", "Variable", "is_applicable"]


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
