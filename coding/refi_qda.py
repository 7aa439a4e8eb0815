"""REFI-QDA codebook exchange: write and read ``.qdc`` files.

The REFI-QDA standard (Codebook.xsd, 2019) is what ATLAS.ti, NVivo, MAXQDA
and QualCoder exchange codebooks with.  A ``.qdc`` file is one XML document::

    <CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="dazi">
      <Codes>
        <Code guid="..." name="Interest category" isCodable="false">   <- a variable
          <Description>Type: single ...</Description>
          <Code guid="..." name="Study/Learning" isCodable="true" color="#4E79A7">
            <Description>Definition: ...</Description>
          </Code>
        </Code>
      </Codes>
    </CodeBook>

Mapping
-------
Export (:func:`to_qdc`, :func:`write_qdc`)
    Each choice variable (single, multi, ordinal) becomes a top-level
    ``Code`` with ``isCodable="false"``; its codes nest inside it, keeping the
    hierarchy.  Numeric and text variables are left out: the codebook format
    has no place for them (they are not codes); :func:`left_out_of_qdc`
    names them, and ``dazi codebook export`` says so.  The codebook's name
    goes on a ``Codebook:`` line of the first variable's description (the
    standard has no field for it), so a re-imported file takes its own name
    rather than the file's.  Retired codes are left out
    unless ``include_retired=True``.  GUIDs are uuid5 of a fixed namespace
    and (codebook name, variable id, code id), so the same code gets the same
    GUID in every export; a renamed label keeps its GUID.  ``Sets`` are never
    written (an empty ``<Sets/>`` is invalid), and there is no BOM.

    The standard has no fields for inclusion/exclusion criteria, examples,
    keywords or dazi's variable settings, so ``Description`` carries them as
    labelled lines, readable in any tool and parsed back by dazi::

        Definition (en): Companionship organised around an activity.
        Definition (zh): 以一起从事某项活动为核心的搭子关系。
        Include: 约饭, 一起去旅行.
        Exclude: Studying together → study_work.
        Examples:
        - 周末有没有上海的饭搭子？
        - Looking for a hiking buddy.
        Keywords: 饭搭子; activity buddy
        Label (zh): 活动型搭子
        ID: activity_based

    A text that is a plain string has no ``(lang)``; continuation lines of a
    multi-line text are indented by two spaces.  Variables carry
    ``Instruction``, ``Type``, ``Level`` (when not the default),
    ``Required``, ``When`` (``match_outcome = success``, or
    ``= [a, b]`` for a list), ``Label`` and ``ID``.

Import (:func:`from_qdc`, :func:`read_qdc`)
    Accepts the ``urn:QDA-XML:codebook:1.0`` namespace and the ``0:4``
    spelling some tools write (and ATLAS.ti's
    ``schemaLocation="urn:QDA-XML:codebook:0:4 ..."``), no namespace, and a
    ``project.qde`` (``Project`` root) by reading its ``CodeBook``.

    - A top-level code *with* child codes becomes a variable of type
      ``default_type`` (``single``), not required: codes of other tools are
      not exhaustive, so an empty answer must be possible.  A dazi export's
      ``Type``/``Required``/``Level``/``When`` lines override this.
    - Top-level codes *without* children are gathered, in file order, into
      one ``multi`` variable ``codes`` ("Codes", not required): in QDA tools
      such flat codes are applied independently, any number per document.
    - Ids come from an ``ID:`` line, else from the name (ASCII letters and
      digits), else from the GUID (``code_1a2b3c4d``), made unique.
    - A description without labelled lines becomes the definition (or the
      variable's instruction); unlabelled text before the first label is kept
      there too, so nothing of another tool's description is lost.
    - ``Sets`` are ignored (they group codes across categories, which dazi's
      variables do not model).  Colours that are not ``#RRGGBB`` are dropped.
      A childless code marked ``isCodable="false"`` is made codable.

Untrusted XML is parsed with ``defusedxml`` when it is installed, else with
the standard library's expat parser with DTDs refused; either way a file
with a DOCTYPE or entity declaration is rejected before anything expands.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from xml.parsers import expat

from coding.codebook import (
    CHOICE_TYPES,
    DEFAULT_LANG,
    LEVELS,
    Code,
    Codebook,
    CodebookError,
    Text,
    Variable,
)
from coding.codebook.spec import _DEFAULT_LEVEL, _ID_RE
from coding.codebook.text import _slug
from dazi.errors import InputError, ValidationError

try:  # pragma: no branch - depends on the environment
    import defusedxml.ElementTree as _defused
    from defusedxml import DefusedXmlException as _Forbidden
except ImportError:  # pragma: no cover - exercised by monkeypatching in tests
    _defused = None

    class _Forbidden(ValueError):  # type: ignore[no-redef]
        """Raised when untrusted XML declares a DTD or entities."""


__all__ = [
    "CODEBOOK_NAMESPACE",
    "GUID_NAMESPACE",
    "code_guid",
    "from_qdc",
    "left_out_of_qdc",
    "read_qdc",
    "to_qdc",
    "write_qdc",
]

CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
#: Namespaces accepted on import (the standard's, the 0:4 spelling, projects).
_ACCEPTED_NAMESPACES = (
    "urn:QDA-XML:codebook:1.0",
    "urn:QDA-XML:codebook:1:0",
    "urn:QDA-XML:codebook:0:4",
    "urn:QDA-XML:project:1.0",
    "urn:QDA-XML:project:1:0",
    "",
)
#: Namespace of dazi's uuid5 GUIDs (fixed forever: changing it changes every GUID).
GUID_NAMESPACE = uuid.UUID("5b1f0c52-7d0e-5a8e-9c39-64617a690001")

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
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


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def code_guid(codebook_name: str, variable_id: str, code_id: str | None = None) -> str:
    """The stable GUID of a variable (``code_id=None``) or of a code.

    >>> code_guid("Demo", "kind", "meal") == code_guid("Demo", "kind", "meal")
    True
    >>> len(code_guid("Demo", "kind"))
    36
    """
    key = json.dumps([codebook_name, variable_id, code_id], ensure_ascii=False)
    return str(uuid.uuid5(GUID_NAMESPACE, key))


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


def left_out_of_qdc(codebook: Codebook) -> list[Variable]:
    """The variables a ``.qdc`` file cannot hold: numeric and text ones.

    A REFI-QDA codebook is a tree of codes; a number or a free text is not a
    code, so no QDA tool could apply it.  Export YAML (or JSON) to keep them.
    """
    return [variable for variable in codebook.variables if not variable.is_choice]


def _element(parent: ET.Element, tag: str, attrib: dict[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, tag, attrib or {})


def _add_code(parent: ET.Element, codebook: Codebook, variable: Variable, code: Code,
              lang: str, include_retired: bool) -> None:
    attrib = {
        "guid": code_guid(codebook.name, variable.id, code.id),
        "name": _clean(code.display(lang)),
        "isCodable": "true" if code.codable else "false",
    }
    if code.color:
        attrib["color"] = code.color
    element = _element(parent, "Code", attrib)
    _element(element, "Description").text = _code_description(code, include_retired)
    for child in code.codes:
        if include_retired or not child.retired:
            _add_code(element, codebook, variable, child, lang, include_retired)


def to_qdc(codebook: Codebook, *, lang: str = DEFAULT_LANG,
           include_retired: bool = False) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document (UTF-8 bytes, no BOM).

    Parameters
    ----------
    codebook : Codebook
    lang : str
        Language of the ``name`` attributes other tools display (``en`` or
        ``zh``); all languages stay in the descriptions.
    include_retired : bool
        Also write retired codes (marked ``Status: retired``).  Off by
        default: other tools would offer them to coders.

    Notes
    -----
    Numeric and text variables are not written (see the module docstring).
    """
    # Plain tags plus an explicit xmlns: ElementTree's default_namespace option
    # refuses the (correctly) unqualified attributes.
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NAMESPACE, "origin": "dazi"})
    codes = _element(root, "Codes")
    for variable in codebook.variables:
        if not variable.is_choice:
            continue
        element = _element(codes, "Code", {
            "guid": code_guid(codebook.name, variable.id),
            "name": _clean(variable.display(lang)),
            "isCodable": "false",
        })
        # the standard has no codebook name: the first variable carries it, parsed back on import
        first = not len(codes) - 1
        _element(element, "Description").text = _variable_description(
            variable, codebook.name if first else None)
        for code in variable.codes:
            if include_retired or not code.retired:
                _add_code(element, codebook, variable, code, lang, include_retired)
    if not len(codes):
        raise ValidationError(f"codebook {codebook.name!r} has no single, multi or ordinal "
                         "variable, so there are no codes to write",
                         "A REFI-QDA codebook holds codes only; numeric and text "
                         "variables have no place in it.")
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def write_qdc(codebook: Codebook, path: str | Path, *, lang: str = DEFAULT_LANG,
              include_retired: bool = False) -> Path:
    """Write :func:`to_qdc` output to ``path``; returns the path."""
    path = Path(path)
    path.write_bytes(to_qdc(codebook, lang=lang, include_retired=include_retired))
    return path


# --------------------------------------------------------------------------
# Parsing descriptions
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------

def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _description(element: ET.Element) -> str:
    found = _children(element, "Description")
    return "".join(found[0].itertext()) if found else ""


def _refuse_dtd(*_args: object) -> NoReturn:
    raise _Forbidden("DTD and entity declarations are not allowed")


def _expat_parse(data: bytes) -> ET.Element:
    """Standard-library fallback: expat feeding a TreeBuilder, DTDs refused.

    (The C-accelerated ``ET.XMLParser`` does not expose its expat parser, so
    the handlers are set on a parser of our own.)
    """
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")

    def name(raw: str) -> str:
        return "{" + raw if "}" in raw else raw

    parser.StartElementHandler = lambda tag, attrs: builder.start(
        name(tag), {name(key): value for key, value in attrs.items()})
    parser.EndElementHandler = lambda tag: builder.end(name(tag))
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        error = ET.ParseError(str(exc))
        error.position = (exc.lineno, exc.offset)
        raise error from None
    return builder.close()


def _parse_xml(data: bytes) -> ET.Element:
    """Parse untrusted XML, refusing DTDs, entities and external references."""
    if _defused is not None:
        return _defused.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    return _expat_parse(data)


#: How deeply elements may nest (a codebook with a hierarchy of codes needs a
#: dozen levels; thousands would exhaust Python's recursion while importing).
_MAX_DEPTH = 100


def _check_depth(root: ET.Element, source: str | None) -> None:
    """Refuse XML nested more than :data:`_MAX_DEPTH` elements deep (checked without recursion)."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise InputError(f"elements are nested more than {_MAX_DEPTH} deep",
                             "A codebook nests codes a few levels deep; the file is damaged or "
                             "not a .qdc file.", file=source)
        stack.extend((child, depth + 1) for child in element)


class _Ids:
    """Hands out unique, valid ids: explicit ones first, then from names or GUIDs."""

    def __init__(self, prefix: str, reserved: Iterable[str] = ()):
        self.prefix = prefix
        self.used: set[str] = set()
        self.reserved = set(reserved)

    def take(self, explicit: str | None, name: str, guid: str | None) -> str:
        if explicit and _ID_RE.match(explicit) and explicit not in self.used:
            self.reserved.discard(explicit)
            self.used.add(explicit)
            return explicit
        base = _slug(name)
        if not base or not _ID_RE.match(base):
            hexed = re.sub(r"[^0-9a-f]", "", (guid or "").lower())[:8]
            base = f"{self.prefix}_{hexed}" if hexed else f"{self.prefix}_{len(self.used) + 1}"
        candidate, number = base, 2
        while candidate in self.used or candidate in self.reserved:
            suffix = f"_{number}"
            candidate = base[: 64 - len(suffix)] + suffix
            number += 1
        self.used.add(candidate)
        return candidate


def _explicit_id(element: ET.Element, fields: dict[str, tuple[str, str]]) -> str | None:
    value = _parse_description(_description(element), fields).scalars.get("id")
    return value if value and _ID_RE.match(value) else None


def _import_code(element: ET.Element, ids: _Ids, source: str | None) -> dict[str, Any]:
    name = (element.get("name") or "").strip()
    guid = element.get("guid")
    if not name:
        raise InputError(f"a Code element (guid {guid!r}) has no name",
                         "Every code needs a name; fix it in the tool that wrote the file.",
                         file=source)
    parsed = _parse_description(_description(element), _CODE_FIELDS)
    explicit = parsed.scalars.get("id")
    code: dict[str, Any] = {"id": ids.take(explicit, name, guid)}
    stray = [] if explicit is None or explicit == code["id"] else [f"ID: {explicit}"]
    label = _join_text(parsed.texts.get("label"))
    if label is None or (isinstance(label, dict) and name not in label.values()) or (
            isinstance(label, str) and label != name):
        label = name  # the name was edited in another tool: it wins
    code["label"] = label
    leftovers = parsed.preamble
    children = [_import_code(child, ids, source) for child in _children(element, "Code")]
    missing = _parse_bool(parsed.scalars.get("missing"))
    if "missing" in parsed.scalars and (missing is None or children):
        stray.append(f"Missing: {parsed.scalars['missing']}")
    status = (parsed.scalars.get("status") or "").strip()
    retired = status.lower() == "retired"
    if status and not retired:
        stray.append(f"Status: {status}")
    target = (parsed.scalars.get("merged_into") or "").strip()
    if target and not retired:
        stray.append(f"Merged into: {target}")
    # Lines dazi cannot use stay in the definition: nothing of the text is lost.
    leftovers = "\n".join(line for line in (leftovers, *stray) if line)
    for key in ("definition", "include", "exclude"):
        value = _join_text(parsed.texts.get(key))
        if key == "definition":
            value = _with_preamble(value, leftovers)
        if value is not None:
            code[key] = value
    for key in ("examples", "keywords"):
        if parsed.lists.get(key):
            code[key] = parsed.lists[key]
    color = element.get("color")
    if color and _COLOR_RE.match(color.strip()):
        code["color"] = color.strip()
    codable = _parse_bool(element.get("isCodable"))
    if codable is False and children:
        code["codable"] = False
    if missing and not children:
        code["missing"] = True
    if retired:
        code["retired"] = True
        if target:
            code["merged_into"] = target
    if children:
        code["codes"] = children
    return code


def _reserve(elements: Iterable[ET.Element]) -> list[str]:
    """Explicit ``ID:`` lines of codes (recursively), so derived ids avoid them."""
    found = []
    for element in elements:
        explicit = _explicit_id(element, _CODE_FIELDS)
        if explicit:
            found.append(explicit)
        found.extend(_reserve(_children(element, "Code")))
    return found


def _import_variable(element: ET.Element, var_ids: _Ids, default_type: str,
                     source: str | None) -> dict[str, Any]:
    name = (element.get("name") or "").strip()
    guid = element.get("guid")
    if not name:
        raise InputError(f"a Code element (guid {guid!r}) has no name",
                         "Every code needs a name; fix it in the tool that wrote the file.",
                         file=source)
    parsed = _parse_description(_description(element), _VARIABLE_FIELDS)
    scalars = parsed.scalars
    variable: dict[str, Any] = {"id": var_ids.take(scalars.get("id"), name, guid)}
    label = _join_text(parsed.texts.get("label"))
    if label is None or (isinstance(label, dict) and name not in label.values()) or (
            isinstance(label, str) and label != name):
        label = name
    variable["label"] = label
    stray = []
    instruction = _with_preamble(_join_text(parsed.texts.get("instruction")), parsed.preamble)
    from_dazi = scalars.get("type") in CHOICE_TYPES
    var_type = scalars["type"] if from_dazi else default_type
    if "type" in scalars and not from_dazi:
        stray.append(f"Type: {scalars['type']}")
    variable["type"] = var_type
    level = scalars.get("level")
    if level in LEVELS:
        variable["level"] = level
    elif level is not None:
        stray.append(f"Level: {level}")
    required = _parse_bool(scalars.get("required"))
    if required is None and "required" in scalars:
        stray.append(f"Required: {scalars['required']}")
    if not (required if required is not None else from_dazi):
        variable["required"] = False
    if "when" in scalars:
        when = _parse_when(scalars["when"])
        if when:
            variable["when"] = when
        else:
            stray.append(f"When: {scalars['when']}")
    if stray:
        instruction = _with_preamble(instruction, "\n".join(stray))
    if instruction is not None:
        variable["instruction"] = instruction
    code_elements = _children(element, "Code")
    ids = _Ids("code", _reserve(code_elements))
    variable["codes"] = [_import_code(child, ids, source) for child in code_elements]
    # Put keys in canonical order (cosmetic: the dict is what gets stored).
    order = ("id", "label", "instruction", "type", "level", "required", "when", "codes")
    return {key: variable[key] for key in order if key in variable}


def _find_codebook(root: ET.Element, source: str | None) -> ET.Element:
    namespace = _namespace(root.tag)
    if namespace not in _ACCEPTED_NAMESPACES and not namespace.startswith("urn:QDA-XML:"):
        raise InputError(f"not a REFI-QDA codebook: the root element is in namespace "
                         f"{namespace!r}", "Export the codebook as REFI-QDA (.qdc) from "
                         "your QDA tool.", file=source)
    if _local(root.tag) == "CodeBook":
        return root
    if _local(root.tag) == "Project":
        found = _children(root, "CodeBook")
        if found:
            return found[0]
        raise InputError("this REFI-QDA project has no CodeBook", file=source)
    raise InputError(f"not a REFI-QDA codebook: the root element is <{_local(root.tag)}>, "
                     "not <CodeBook>", "Export the codebook as REFI-QDA (.qdc) from your "
                     "QDA tool.", file=source)


def from_qdc(data: bytes | str, *, name: str | None = None, default_type: str = "single",
             source: str | None = None) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc`` content) into a validated :class:`Codebook`.

    Parameters
    ----------
    data : bytes or str
        The XML.  A UTF-8 BOM is tolerated.
    name : str, optional
        Name of the new codebook (default: ``source``'s file stem, else
        "Imported codebook").  GUIDs of later exports derive from it.
    default_type : str
        Type of variables made from other tools' categories: ``single``
        (default), ``multi`` or ``ordinal``.
    source : str, optional
        File name, for messages.

    Raises
    ------
    InputError
        Malformed XML, a DTD or entity declaration (refused: the file is
        untrusted), not a codebook, no codes, a code without a name, or
        codes that do not make a valid dazi codebook.
    """
    if default_type not in CHOICE_TYPES:
        raise InputError(f"default_type must be one of {', '.join(CHOICE_TYPES)}, "
                         f"not {default_type!r}")
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        root = _parse_xml(raw)
    except _Forbidden:
        raise InputError("the file declares a DTD or entities; refusing to read it "
                         "(untrusted XML can expand entities without limit or read local "
                         "files)", "Export the codebook again from your QDA tool; real "
                         ".qdc files have no DOCTYPE.", file=source) from None
    except LookupError as exc:  # <?xml encoding="..."?> names an encoding Python lacks
        raise InputError(f"the file declares an encoding that cannot be read ({exc})",
                         "Export the codebook again from your QDA tool (as UTF-8).",
                         file=source) from None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        where = (f" (line {line}, column {column + 1})"
                 if line is not None and column is not None else "")
        raise InputError(f"not well-formed XML{where}", "The file is damaged or not a "
                         ".qdc file; export it again.", file=source) from None
    _check_depth(root, source)
    codebook_element = _find_codebook(root, source)
    codes_elements = _children(codebook_element, "Codes")
    top = [c for element in codes_elements for c in _children(element, "Code")]
    if not top:
        raise InputError("the codebook has no codes", file=source)

    grouped = [element for element in top if _children(element, "Code")]
    flat = [element for element in top if not _children(element, "Code")]
    var_ids = _Ids("variable", [i for i in (_explicit_id(e, _VARIABLE_FIELDS) for e in grouped)
                                if i] + (["codes"] if flat else []))
    variables = []
    flat_position = None  # where the first ungrouped code stood: the "codes" variable goes there
    for element in top:
        if element in grouped:
            variables.append(_import_variable(element, var_ids, default_type, source))
        elif flat_position is None:
            flat_position = len(variables)
    if flat_position is not None:  # some codes have no children (``flat`` is not empty)
        ids = _Ids("code", _reserve(flat))
        var_ids.reserved.discard("codes")
        variables.insert(flat_position, {
            "id": var_ids.take("codes", "codes", None), "label": "Codes", "type": "multi",
            "required": False, "codes": [_import_code(element, ids, source) for element in flat]})
    origin = codebook_element.get("origin")
    stem = Path(source).stem if source else None
    own = next((scalars["codebook"] for scalars in
                (_parse_description(_description(e), _VARIABLE_FIELDS).scalars for e in grouped)
                if scalars.get("codebook")), None)
    data_dict = {
        "name": name or own or stem or "Imported codebook",
        "version": 1,
        "description": f"Imported from {Path(source).name if source else 'a REFI-QDA codebook'}"
                       + (f" (written by {origin})" if origin else "") + ".",
        "variables": variables,
    }
    try:
        return Codebook.from_dict(data_dict)
    except CodebookError as exc:
        raise InputError("the codes do not make a valid dazi codebook:\n"
                         + "\n".join(str(p) for p in exc.problems),
                         "Fix the codes in the tool that wrote the file, or import with "
                         "another default_type.", file=source) from None


def read_qdc(path: str | Path, *, name: str | None = None,
             default_type: str = "single") -> Codebook:
    """Read a ``.qdc`` file; see :func:`from_qdc`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", "Check the path.", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return from_qdc(data, name=name, default_type=default_type, source=str(path))
