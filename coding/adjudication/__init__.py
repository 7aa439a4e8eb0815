"""Adjudication: from several coders' codings to one final value per post and variable.

A post coded (finished, ``done``) by two or more coders is *double-coded*.
For each variable of the current codebook their current values either agree
(a *consensus*, taken as final without anyone having to confirm it) or
disagree.  An adjudicator (or admin) resolves a disagreement by recording a
final value with a rationale (:func:`adjudicate`); the record is appended to
``adjudications`` and, in the same transaction, to the coding event log, so
the history shows who decided what, when, and why.  Re-adjudicating appends
again; the latest record counts.

:func:`final_dataset` is the one place that turns codings into final values;
the Excel export and the summary tables read it, and :func:`reports.wide.wide_codes` lays
it out for export (one 0/1 column per code of a multi-choice variable).

Rules, in order, for one post and one variable
----------------------------------------------
1. The latest adjudication, if any.
2. Otherwise, when every coder who finished the post holds the same value
   (a coder without a value holds ``None``): that value.  With one coder this
   is simply their value.
3. Otherwise the disagreement is *open*: the final value is ``None`` and the
   variable is listed in the ``unresolved`` column.
4. Conditional variables (``when``): once the variables a condition refers to
   are settled (not open), a variable whose condition fails under the final
   values is structurally missing: ``None``, and not unresolved.  So
   adjudicating ``outcome = failure`` also settles a disagreement about
   ``months`` (asked only when the outcome is a success).

Values are compared after normalisation: multi-choice values as sets of
codes, numbers numerically (``3 == 3.0``), text stripped (text variables are
compared exactly, so free-text variables disagree whenever the wording
differs; pass ``variables=`` to :func:`disagreements` to leave them out).
Codes merged into another code (``merged_into``) count as their target.

Blind coding: while the project is blind only adjudicators and admins may
list disagreements, since a disagreement shows every coder's value.

The package, one idea per module (every name is importable from
``coding.adjudication``):

- :mod:`~coding.adjudication.post_codings`: every coder's codings of a post, streamed;
- :mod:`~coding.adjudication.rules`: normalising and comparing values, and the rules above;
- :mod:`~coding.adjudication.records`: recorded final values (:func:`adjudicate`, the history);
- :mod:`~coding.adjudication.queue`: the disagreements an adjudicator resolves;
- :mod:`~coding.adjudication.final`: the final dataset, whole or streamed.
"""

from __future__ import annotations

from coding.adjudication.final import (
    _JOIN,
    META_COLUMNS,
    FinalRow,
    count_final_posts,
    final_dataset,
    iter_final_values,
    retired_codes_in_use,
)
from coding.adjudication.post_codings import PostCodings, UnitCodings, _Post, iter_post_codings
from coding.adjudication.queue import CoderValue, Disagreement, disagreements, iter_disagreements
from coding.adjudication.records import (
    ADJUDICATOR_ROLES,
    Adjudication,
    _latest,
    adjudicate,
    adjudication_history,
)
from coding.adjudication.rules import _canonical, _resolve

__all__ = [
    "ADJUDICATOR_ROLES",
    "META_COLUMNS",
    "Adjudication",
    "CoderValue",
    "Disagreement",
    "FinalRow",
    "PostCodings",
    "UnitCodings",
    "adjudicate",
    "adjudication_history",
    "count_final_posts",
    "disagreements",
    "final_dataset",
    "iter_disagreements",
    "iter_final_values",
    "iter_post_codings",
    "retired_codes_in_use",
]
