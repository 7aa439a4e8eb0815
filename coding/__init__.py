"""Codebooks, coders, assignments, codings, adjudication and reliability.

The public API, imported lazily:

=========================  ==================================================
``load_codebook``          read and validate a YAML/JSON codebook
``read_qdc``, ``write_qdc``  REFI-QDA codebook exchange
``add_coder``, ``authenticate``  coders and sign-in
``assign``, ``progress``   blind assignment with a reliability overlap
``save_coding``            record a coder's values (append-only history)
``disagreements``, ``adjudicate``, ``final_dataset``  adjudication
``reliability``, ``multi_reliability``, ``plan_sample_size``  agreement
``project_reliability``    every variable of a project at its own level
=========================  ==================================================
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Codebook": "coding.codebook",
    "load_codebook": "coding.codebook",
    "validate_value": "coding.codebook",
    "read_qdc": "coding.refi_qda",
    "write_qdc": "coding.refi_qda",
    "save_codebook": "coding.codebook_store",
    "current_codebook": "coding.codebook_store",
    "add_coder": "coding.coders",
    "authenticate": "coding.coders",
    "assign": "coding.assignments",
    "progress": "coding.assignments",
    "save_coding": "coding.codings",
    "codings_long": "coding.codings",
    "disagreements": "coding.adjudication",
    "adjudicate": "coding.adjudication",
    "final_dataset": "coding.adjudication",
    "reliability": "coding.reliability",
    "multi_reliability": "coding.reliability",
    "plan_sample_size": "coding.reliability",
    "project_reliability": "coding.project_reliability",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'coding' has no attribute {name!r}")
