"""Reliability of a dazi project: every variable at its own level.

Reads the finished codings of units coded by two or more coders and hands
them, variable by variable, to :mod:`coding.reliability`: single variables at
their codebook level, ordinal ones with the code order of the codebook,
numeric ones as interval or ratio, multi-select ones code by code and pooled.
Structurally skipped values (a condition that did not hold) are missing, not
a code.  Text variables are not coded from a list and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from coding.coders import Coder
from coding.reliability import MultiReliability, VariableReliability, multi_reliability, reliability
from dazi.db import Database
from dazi.projects import Project

__all__ = ["project_codings", "project_reliability"]


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
    """
    from coding.codebook_store import current_codebook
    from coding.coders import can_see_all
    from dazi.errors import AccessDenied, NotFound

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
    results: list[VariableReliability | MultiReliability] = []
    for vid in wanted:
        variable = codebook.variable(vid)
        if variable.type == "text":
            raise NotFound(f"{vid} is a text variable: reliability needs coded categories or numbers.")
        part = data[data["variable"] == vid].reset_index(drop=True)
        if variable.type == "multi":
            frame = pd.DataFrame({
                "unit": part["unit"].astype(str), "coder": part["coder"].astype(str),
                "value": [list(v) if isinstance(v, list) else ([] if v is None else [v]) for v in part["value"]],
            })
            results.append(multi_reliability(
                frame, codes=[c.id for c in variable.codable_codes()], bootstrap=bootstrap, seed=seed, variable=vid,
            ))
            continue
        # "not stated"-type codes (``missing: true``) are missing values, not scale points
        missing = {c.id for c in variable.all_codes() if c.missing}
        values = [None if v in missing else v for v in part["value"]]
        frame = pd.DataFrame({
            "unit": part["unit"].astype(str), "coder": part["coder"].astype(str),
            "value": pd.Series(values, dtype=object),
        })
        order = [c.id for c in variable.ordered_codes()] if variable.type == "ordinal" else None
        results.append(reliability(
            frame, level=variable.level or "nominal", value_order=order, bootstrap=bootstrap, seed=seed, variable=vid,
        ))
    return results
