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

from coding.codebook.changes import Change, diff, format_diff
from coding.codebook.checker import CodebookError, Problem, validate
from coding.codebook.edits import add_code, add_variable, merge_codes, rename_code, retire_code, update_code
from coding.codebook.labels import code_label
from coding.codebook.loader import dump_codebook, load_codebook
from coding.codebook.model import Code, Codebook, Revision, Variable, is_applicable
from coding.codebook.spec import CHOICE_TYPES, DEFAULT_LANG, LEVELS, VARIABLE_TYPES, Text, Value
from coding.codebook.text import localize
from coding.codebook.values import validate_value, validate_values

__all__ = [
    "CHOICE_TYPES",
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
    "code_label",
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
