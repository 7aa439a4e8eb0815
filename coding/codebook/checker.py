"""Checking a codebook dict before it becomes a model: every problem at once
(:class:`Problem`, :class:`CodebookError`, :func:`validate`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from coding.codebook.spec import (
    _ALLOWED_LEVELS,
    _CODE_KEYS,
    _CODEBOOK_KEYS,
    _COLOR_RE,
    _HINT,
    _ID_RE,
    _KEY_SYNONYMS,
    _LANG_RE,
    _MAX_NUMBER,
    _MAX_VERSION,
    _REVISION_KEYS,
    _TYPE_SYNONYMS,
    _VARIABLE_KEYS,
    CHOICE_TYPES,
    LEVELS,
    MISSING_CODE_POLICIES,
    VARIABLE_TYPES,
)
from coding.codebook.text import _q, _slug, _suggest
from dazi.errors import ValidationError

__all__ = ["CodebookError", "Problem", "validate"]


# --------------------------------------------------------------------------
# Validation of codebooks
# --------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


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

    def identifier(self, value: object, path: Path_, what: str) -> TypeGuard[str]:
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
        valid_id = var_id if self.identifier(var_id, path, "variable id") else None
        if valid_id is not None and earlier is not None:
            if valid_id in earlier:
                first = _format_path(("variables", earlier[valid_id][0]))
                self.add(path, f"duplicate variable id {_q(valid_id)} (already used at {first}; "
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
        if valid_id is not None and earlier is not None and valid_id not in earlier:
            earlier[valid_id] = (path[-1] if isinstance(path[-1], int) else 0, data)

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
