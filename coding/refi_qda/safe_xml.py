"""Untrusted XML, parsed safely: no DTDs, no entities, no external references, bounded depth.

With ``defusedxml`` when it is installed, else with the standard library's
expat parser with the declaration handlers refusing; either way a file with a
DOCTYPE or an entity declaration is rejected before anything expands.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import NoReturn
from xml.parsers import expat

from dazi.errors import InputError

try:  # pragma: no branch - depends on the environment
    import defusedxml.ElementTree as _defused
    from defusedxml import DefusedXmlException as _Forbidden
except ImportError:  # pragma: no cover - exercised by monkeypatching in tests
    _defused = None

    class _Forbidden(ValueError):  # type: ignore[no-redef]
        """Raised when untrusted XML declares a DTD or entities."""


__all__: list[str] = []


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

