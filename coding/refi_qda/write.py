"""Writing a codebook as a REFI-QDA ``.qdc`` file (:func:`to_qdc`, :func:`write_qdc`)."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from coding.codebook import DEFAULT_LANG, Code, Codebook, Variable
from coding.refi_qda.descriptions import _clean, _code_description, _variable_description
from dazi.errors import ValidationError

__all__ = ["CODEBOOK_NAMESPACE", "GUID_NAMESPACE", "code_guid", "left_out_of_qdc", "to_qdc", "write_qdc"]

CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
#: Namespace of dazi's uuid5 GUIDs (fixed forever: changing it changes every GUID).
GUID_NAMESPACE = uuid.UUID("5b1f0c52-7d0e-5a8e-9c39-64617a690001")


def code_guid(codebook_name: str, variable_id: str, code_id: str | None = None) -> str:
    """The stable GUID of a variable (``code_id=None``) or of a code.

    >>> code_guid("Demo", "kind", "meal") == code_guid("Demo", "kind", "meal")
    True
    >>> len(code_guid("Demo", "kind"))
    36
    """
    key = json.dumps([codebook_name, variable_id, code_id], ensure_ascii=False)
    return str(uuid.uuid5(GUID_NAMESPACE, key))


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

