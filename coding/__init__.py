"""Codebooks, coders, assignments, codings, adjudication and reliability.

The public API, imported on first use (:mod:`dazi.lazy`):

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

from typing import TYPE_CHECKING

from dazi.lazy import export_lazily

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

__all__ = export_lazily(__name__, _EXPORTS)

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from coding.adjudication import adjudicate, disagreements, final_dataset
    from coding.assignments import assign, progress
    from coding.codebook import Codebook, load_codebook, validate_value
    from coding.codebook_store import current_codebook, save_codebook
    from coding.coders import add_coder, authenticate
    from coding.codings import codings_long, save_coding
    from coding.project_reliability import project_reliability
    from coding.refi_qda import read_qdc, write_qdc
    from coding.reliability import multi_reliability, plan_sample_size, reliability
