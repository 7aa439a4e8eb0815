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

The package, one idea per module (every name is importable from
``coding.refi_qda``): ``write.py`` (export), ``read.py`` (import),
``descriptions.py`` (the labelled ``Description`` lines, both ways) and
``safe_xml.py`` (parsing untrusted XML).
"""

from __future__ import annotations

from coding.refi_qda.descriptions import _CODE_FIELDS, _parse_description
from coding.refi_qda.read import from_qdc, read_qdc
from coding.refi_qda.write import (
    CODEBOOK_NAMESPACE,
    GUID_NAMESPACE,
    code_guid,
    left_out_of_qdc,
    to_qdc,
    write_qdc,
)

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
