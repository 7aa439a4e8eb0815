"""Reading a REFI-QDA ``.qdc`` file (or a project's codebook) into a dazi codebook (:func:`from_qdc`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from coding.codebook import CHOICE_TYPES, LEVELS, Codebook, CodebookError
from coding.codebook.spec import _ID_RE
from coding.codebook.text import _slug
from coding.refi_qda.descriptions import (
    _CODE_FIELDS,
    _VARIABLE_FIELDS,
    _join_text,
    _parse_bool,
    _parse_description,
    _parse_when,
    _with_preamble,
)
from coding.refi_qda.safe_xml import _check_depth, _Forbidden, _parse_xml
from dazi.errors import InputError

__all__ = ["from_qdc", "read_qdc"]

#: Namespaces accepted on import (the standard's, the 0:4 spelling, projects).
_ACCEPTED_NAMESPACES = (
    "urn:QDA-XML:codebook:1.0",
    "urn:QDA-XML:codebook:1:0",
    "urn:QDA-XML:codebook:0:4",
    "urn:QDA-XML:project:1.0",
    "urn:QDA-XML:project:1:0",
    "",
)
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _description(element: ET.Element) -> str:
    found = _children(element, "Description")
    return "".join(found[0].itertext()) if found else ""


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

