"""Reliability of a dazi project: every variable at its own level.

Reads the finished codings of units coded by two or more coders and hands
them, variable by variable, to :mod:`coding.reliability`: single variables at
their codebook level, ordinal ones with the code order of the codebook,
numeric ones as interval or ratio, multi-select ones code by code and pooled.
Structurally skipped values (a condition that did not hold) are missing, not
a code; "not stated" codes follow the codebook's ``reliability_missing_codes``
(:func:`variable_frame`).  Text variables are not coded from a list and are
left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from coding.codebook import Codebook, Variable
from coding.coders import Coder
from coding.reliability import MultiReliability, VariableReliability, multi_reliability, reliability
from dazi.db import Database
from dazi.errors import NotFound
from dazi.projects import Project

__all__ = [
    "VariableFrame",
    "project_codings",
    "project_reliability",
    "MissingCodeRule",
    "missing_code_rule",
    "variable_frame",
    "variable_reliability",
]


def project_codings(db: Database, project: Project, viewer: Coder | None = None) -> pd.DataFrame:
    """Finished codings of double-coded units, long form (``unit``, ``coder``, ``variable``, ``value``)."""
    from coding.codings import codings_long, units_frame

    long = codings_long(db, project, viewer)
    units = units_frame(db, project, viewer)
    done = units[units["done"].astype(bool)]
    counts = done.groupby("post_pk")["coder"].nunique()
    shared = set(counts[counts >= 2].index)
    finished = set(zip(done["post_pk"], done["coder"]))
    keep = pd.Series([(pk in shared) and ((pk, c) in finished) for pk, c in zip(long["post_pk"], long["coder"])],
                     index=long.index, dtype=bool)
    out = long[keep].rename(columns={"post_id": "unit"})
    return out[["post_pk", "unit", "coder", "variable", "value"]].reset_index(drop=True)


def project_reliability(
    db: Database,
    project: Project,
    *,
    variables: Sequence[str] | None = None,
    bootstrap: int = 10_000,
    seed: int | None = 0,
    viewer: Coder | None = None,
    weights: str | None = None,
    population: int | None = None,
) -> list[VariableReliability | MultiReliability]:
    """Reliability of each coded variable of the project's current codebook.

    Parameters
    ----------
    variables : sequence of str, optional
        Only these variables (default: every non-text variable).
    bootstrap : int
        Resamples for the confidence interval and q (0 turns them off).
    seed : int, optional
        Seed of the bootstrap, so a report can be reproduced exactly.
    viewer : Coder, optional
        The signed-in coder; a coder of a blind project cannot compute
        reliability (it needs everyone's codings).
    weights : {"identity", "linear", "quadratic"}, optional
        Weights of the kappa family for ordinal, interval and ratio
        variables (nominal ones are always unweighted).  Default: quadratic.
    population : int, optional
        Population size for the finite-population correction of the
        standard errors (see :func:`coding.reliability.reliability`).
    """
    from coding.codebook_store import current_codebook
    from coding.coders import can_see_all
    from dazi.errors import AccessDenied

    if viewer is not None and not can_see_all(viewer, project):
        raise AccessDenied("Reliability needs every coder's codings; it is hidden from coders while the project is blind.")
    codebook = current_codebook(db, project).codebook
    wanted = list(variables) if variables else [v.id for v in codebook.variables if v.type != "text"]
    for vid in wanted:
        codebook.variable(vid)  # NotFound with a did-you-mean
    data = project_codings(db, project, viewer)
    if data.empty:
        from dazi.errors import ValidationError

        raise ValidationError(
            "No post has been coded by two or more coders yet, so there is nothing to compare.",
            "Assign an overlap (dazi assign --overlap) and let the coders finish those posts.",
        )
    skipped = _skipped_by_condition(data, codebook)
    results = []
    for vid in wanted:
        result = variable_reliability(
            data[data["variable"] == vid].reset_index(drop=True), codebook, vid,
            bootstrap=bootstrap, seed=seed, weights=weights, population=population,
        )
        if skipped.get(vid):
            when = "; ".join(f"{ref} = {', '.join(codes)}"
                             for ref, codes in codebook.variable(vid).conditions().items())
            result.notes.insert(0, f"{skipped[vid]} empty cell(s) because the variable did not apply for that "
                                   f"coder (its condition, {when}, did not hold on their coding)")
        results.append(result)
    return results


def _skipped_by_condition(data: pd.DataFrame, codebook: Codebook) -> dict[str, int]:
    """Per conditional variable: the empty cells whose coder's own values fail its condition."""
    from coding.codebook import is_applicable
    from coding.missing import is_unanswered

    conditional = [v for v in codebook.variables if v.when]
    if not conditional or data.empty:
        return {}
    counts: dict[str, int] = {}
    for (_, _), part in data.groupby(["unit", "coder"], sort=False):
        values = dict(zip(part["variable"], part["value"]))
        for variable in conditional:
            if is_unanswered(values.get(variable.id)) and not is_applicable(variable, values, codebook):
                counts[variable.id] = counts.get(variable.id, 0) + 1
    return counts


@dataclass(frozen=True)
class VariableFrame:
    """One variable's codings as reliability data: ``unit, coder, value`` rows,
    the level and code order to compute at, and notes on how codes were read."""

    frame: pd.DataFrame
    level: str
    order: list[str] | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MissingCodeRule:
    """How a variable's "not stated" codes are read for reliability (see :func:`missing_code_rule`):
    the level to compute at, the codes read as missing values, and a note saying so (or None)."""

    level: str
    missing: frozenset[str]
    note: str | None = None


def missing_code_rule(variable: Variable, chosen: Iterable[Any], policy: str = "value") -> MissingCodeRule:
    """The level and missing values of a single-choice, ordinal or numeric variable, given the values
    coders *chose* and the codebook's ``reliability_missing_codes`` *policy* (rules in :func:`variable_frame`).

    The one rule for human coders and for a machine coder's validation
    (:mod:`coding.machine.validate`), so the two alphas stand on the same footing.
    """
    level = variable.level or "nominal"
    missing_codes = [c.id for c in variable.all_codes() if c.missing]
    taken = [v for v in chosen if v in missing_codes] if missing_codes else []
    named = ", ".join(repr(c) for c in missing_codes)
    if taken and policy == "missing":
        return MissingCodeRule(level, frozenset(missing_codes), (
            f"{len(taken)} value(s) {named} (a 'not stated' code) were treated as missing values, as "
            "the codebook says (reliability_missing_codes: missing)"))
    if taken and level != "nominal":
        return MissingCodeRule("nominal", frozenset(), (
            f"coders chose {named} (a 'not stated' code, off the {level} scale) {len(taken)} time(s); "
            "the codebook counts it as a value (reliability_missing_codes: value), so this variable "
            "is computed at the nominal level, where it disagrees with every scale point"))
    return MissingCodeRule(level, frozenset())


def variable_frame(part: pd.DataFrame, codebook: Codebook, variable_id: str) -> VariableFrame:
    """A variable's codings (``unit``, ``coder``, ``value`` columns) as reliability data.

    Multi-select values become lists of codes.  A stored ``None`` is a missing
    value (the coder gave none: the variable did not apply, or was optional).
    A code flagged ``missing: true`` ("not stated", "unclear") was chosen by
    the coder, and the codebook's ``reliability_missing_codes`` decides what it
    is (Krippendorff 2019, ch. 12: a deliberate "cannot code" is a value
    unless the codebook says otherwise):

    ``value`` (the default)
        A value like any other.  On a nominal variable it is one more
        category.  An ordinal or numeric scale has no place for it, so when a
        coder chose one, that variable is computed at the nominal level (a
        "not stated" against a scale point is a disagreement; distances
        between scale points are not used), and a note says so.
    ``missing``
        A missing value: left out, as if the coder gave none (a note counts
        them); the variable keeps its level.
    """
    variable = codebook.variable(variable_id)
    unit = part["unit"].astype(str)
    coder = part["coder"].astype(str)
    if variable.type == "multi":
        sets = [list(v) if isinstance(v, list) else ([] if v is None else [v]) for v in part["value"]]
        frame = pd.DataFrame({"unit": unit, "coder": coder, "value": sets})
        return VariableFrame(frame, "nominal", None)
    values: list[Any] = list(part["value"])
    rule = missing_code_rule(variable, values, codebook.reliability_missing_codes)
    order = [c.id for c in variable.ordered_codes()] if variable.type == "ordinal" and rule.level != "nominal" else None
    if rule.missing:
        values = [None if v in rule.missing else v for v in values]
    frame = pd.DataFrame({"unit": unit, "coder": coder, "value": pd.Series(values, dtype=object)})
    return VariableFrame(frame, rule.level, order, (rule.note,) if rule.note else ())


def variable_reliability(
    part: pd.DataFrame,
    codebook: Codebook,
    variable_id: str,
    *,
    bootstrap: int = 10_000,
    seed: int | None = 0,
    weights: str | None = None,
    population: int | None = None,
) -> VariableReliability | MultiReliability:
    """Reliability of one variable from its codings (see :func:`variable_frame`)."""
    variable = codebook.variable(variable_id)
    if variable.type == "text":
        raise NotFound(f"{variable_id} is a text variable: reliability needs coded categories or numbers.")
    vf = variable_frame(part, codebook, variable_id)
    if variable.type == "multi":
        result: VariableReliability | MultiReliability = multi_reliability(
            vf.frame, codes=[c.id for c in variable.codable_codes()], bootstrap=bootstrap, seed=seed,
            variable=variable_id, population=population,
        )
    else:
        result = reliability(
            vf.frame, level=vf.level, value_order=vf.order, bootstrap=bootstrap, seed=seed,
            variable=variable_id, weights=None if vf.level == "nominal" else weights, population=population,
        )
    result.notes[:0] = list(vf.notes)
    return result
