"""The labelled lines dazi writes into a REFI-QDA ``Description``, and reads back.

The standard has no fields for inclusion/exclusion criteria, examples,
keywords or dazi's variable settings, so they travel as ``Label (lang): text``
lines (the format is described in :mod:`coding.refi_qda`); another tool's
free text, with no such lines, is kept as the definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from coding.codebook import DEFAULT_LANG, Code, Text, Variable
from coding.codebook.spec import _DEFAULT_LEVEL

__all__: list[str] = []

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FIELD_RE = re.compile(
    r"^(?P<name>[A-Za-z][A-Za-z ]*?)(?: \((?P<lang>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\))?:"
    r"(?: (?P<rest>.*))?$")

# field label -> (key, kind); kind: text (localisable), list, keywords, scalar
_CODE_FIELDS = {
    "definition": ("definition", "text"),
    "include": ("include", "text"),
    "exclude": ("exclude", "text"),
    "examples": ("examples", "list"),
    "keywords": ("keywords", "keywords"),
    "label": ("label", "text"),
    "missing": ("missing", "scalar"),
    "status": ("status", "scalar"),
    "merged into": ("merged_into", "scalar"),
    "id": ("id", "scalar"),
}
_VARIABLE_FIELDS = {
    "instruction": ("instruction", "text"),
    "type": ("type", "scalar"),
    "level": ("level", "scalar"),
    "required": ("required", "scalar"),
    "when": ("when", "scalar"),
    "label": ("label", "text"),
    "id": ("id", "scalar"),
    "codebook": ("codebook", "scalar"),
}
_TRUE = {"yes", "true", "1"}
_FALSE = {"no", "false", "0"}


def _clean(text: str) -> str:
    """Text safe for XML 1.0: no control characters, ``\\n`` line ends."""
    return _ILLEGAL_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _block(label: str, text: str) -> list[str]:
    """``Label: first line`` plus continuation lines indented by two spaces."""
    lines = _clean(text).strip().split("\n")
    return [f"{label}: {lines[0]}"] + [f"  {line}" if line.strip() else "" for line in lines[1:]]


def _text_lines(label: str, text: Text | None) -> list[str]:
    if text is None:
        return []
    if isinstance(text, str):
        return _block(label, text)
    out: list[str] = []
    for lang, value in text.items():
        out.extend(_block(f"{label} ({lang})", value))
    return out


def _list_lines(label: str, items: Iterable[str]) -> list[str]:
    out = [f"{label}:"]
    for item in items:
        lines = _clean(item).strip().split("\n")
        out.append(f"- {lines[0]}")
        out.extend(f"  {line}" if line.strip() else "" for line in lines[1:])
    return out


def _code_description(code: Code, include_retired: bool) -> str:
    lines = _text_lines("Definition", code.definition)
    lines += _text_lines("Include", code.include)
    lines += _text_lines("Exclude", code.exclude)
    if code.examples:
        lines += _list_lines("Examples", code.examples)
    if code.keywords:
        if any(";" in keyword for keyword in code.keywords):
            lines += _list_lines("Keywords", code.keywords)
        else:
            lines.append("Keywords: " + "; ".join(_clean(k).strip() for k in code.keywords))
    if isinstance(code.label, dict):
        lines += _text_lines("Label", code.label)
    if code.missing:
        lines.append("Missing: yes")
    if include_retired and code.retired:
        lines.append("Status: retired")
        if code.merged_into:
            lines.append(f"Merged into: {code.merged_into}")
    lines.append(f"ID: {code.id}")
    return "\n".join(lines)


def _when_line(variable: Variable) -> str:
    parts = []
    for ref, codes in (variable.when or {}).items():
        shown = codes if isinstance(codes, str) else "[" + ", ".join(codes) + "]"
        parts.append(f"{ref} = {shown}")
    return "When: " + "; ".join(parts)


def _variable_description(variable: Variable, codebook_name: str | None = None) -> str:
    lines = _text_lines("Instruction", variable.instruction)
    lines.append(f"Type: {variable.type}")
    if variable.level != _DEFAULT_LEVEL[variable.type]:
        lines.append(f"Level: {variable.level}")
    lines.append(f"Required: {'yes' if variable.required else 'no'}")
    if variable.when:
        lines.append(_when_line(variable))
    if isinstance(variable.label, dict):
        lines += _text_lines("Label", variable.label)
    lines.append(f"ID: {variable.id}")
    if codebook_name:
        lines.append(f"Codebook: {_clean(codebook_name)}")
    return "\n".join(lines)


@dataclass
class _Parsed:
    """Fields of one description: texts per language, lists, scalars, leftovers."""

    texts: dict[str, dict[str | None, str]]
    lists: dict[str, list[str]]
    scalars: dict[str, str]
    preamble: str


def _parse_description(text: str, fields: dict[str, tuple[str, str]]) -> _Parsed:
    """Read the labelled-line layout back (lenient about indentation).

    A line ``Name: rest`` or ``Name (lang): rest`` whose name is one of
    ``fields`` starts a field; ``- item`` lines are items of a list field;
    other lines continue the current field (two leading spaces removed).
    Lines before the first field are the preamble.
    """
    texts: dict[str, dict[str | None, list[str]]] = {}
    lists: dict[str, list[list[str]]] = {}
    scalars: dict[str, str] = {}
    preamble: list[str] = []
    current: tuple[str, str, str | None] | None = None  # (key, kind, lang)
    for line in _clean(text).split("\n"):
        match = _FIELD_RE.match(line)
        name = match.group("name").lower() if match else None
        if match and name in fields:
            key, kind = fields[name]
            rest = (match.group("rest") or "").strip()
            lang = match.group("lang")
            if kind == "text":
                bucket = texts.setdefault(key, {})
                if lang in bucket:
                    bucket[lang].append("")
                    bucket[lang].append(rest)
                else:
                    bucket[lang] = [rest]
            elif kind in ("list", "keywords"):
                items = lists.setdefault(key, [])
                if rest:
                    pieces = [p.strip() for p in rest.split(";")] if kind == "keywords" else [rest]
                    items.extend([piece] for piece in pieces if piece)
            else:
                scalars[key] = rest
            current = (key, kind, lang)
            continue
        if current is None:
            preamble.append(line)
            continue
        key, kind, lang = current
        body = line[2:] if line.startswith("  ") else line
        if kind == "text":
            texts[key][lang].append(body)
        elif kind in ("list", "keywords"):
            items = lists[key]
            if line.startswith("- "):
                items.append([line[2:]])
            elif items and (line.startswith("  ") or not line.strip()):
                items[-1].append(body)
            elif line.strip():
                items.append([line.strip()])
        elif line.strip():
            # A scalar field is one line; anything after it is stray text.
            preamble.append(line)
    return _Parsed(
        texts={key: {lang: "\n".join(lines).strip() for lang, lines in per_lang.items()}
               for key, per_lang in texts.items()},
        lists={key: [item for item in ("\n".join(lines).strip() for lines in items) if item]
               for key, items in lists.items()},
        scalars=scalars,
        preamble="\n".join(preamble).strip(),
    )


def _join_text(per_lang: dict[str | None, str] | None) -> Text | None:
    """``{None: x}`` -> ``"x"``; ``{"en": .., "zh": ..}`` stays a dict; empties drop."""
    if not per_lang:
        return None
    per_lang = {lang: value for lang, value in per_lang.items() if value}
    if not per_lang:
        return None
    if set(per_lang) == {None}:
        return per_lang[None]
    if None in per_lang:  # mixed: keep the unlabelled text under the default language
        untagged = per_lang.pop(None)
        per_lang.setdefault(DEFAULT_LANG, untagged)
    return {str(lang): value for lang, value in per_lang.items()}


def _with_preamble(text: Text | None, preamble: str) -> Text | None:
    """Keep unlabelled text: it becomes the text, or is put before it."""
    if not preamble:
        return text
    if text is None:
        return preamble
    if isinstance(text, str):
        return f"{preamble}\n\n{text}"
    first = next(iter(text))
    return {**text, first: f"{preamble}\n\n{text[first]}"}


def _parse_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    low = value.strip().lower()
    return True if low in _TRUE else False if low in _FALSE else None


def _parse_when(value: str) -> dict[str, Any] | None:
    when: dict[str, Any] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            return None
        ref, codes = (piece.strip() for piece in part.split("=", 1))
        if codes.startswith("[") and codes.endswith("]"):
            when[ref] = [c.strip() for c in codes[1:-1].split(",") if c.strip()]
        else:
            when[ref] = codes
    return when or None

