"""Where a project variable's disagreement lies: the drill-down behind the reliability table.

:func:`coding.project_reliability.project_reliability` says *how much* coders
agree on each variable; :func:`variable_diagnostics` says *where* they do
not, on the same data (finished codings of units coded by two or more
coders, "not stated"-type codes as missing, ordinal codes in codebook
order): the coincidence matrix, the units in disagreement worst first, each
pair of coders, and each code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from coding.codebook_store import current_codebook
from coding.coders import Coder, can_see_all
from coding.project_reliability import project_codings
from coding.reliability import VariableDiagnostics, code_diagnostics, diagnose, disagreements
from dazi.db import Database
from dazi.errors import AccessDenied, NotFound
from dazi.projects import Project

__all__ = ["MultiDiagnostics", "variable_diagnostics"]


@dataclass
class MultiDiagnostics:
    """Diagnostics of a multi-select variable, judged code by code.

    ``codes`` has one row per code (see :func:`coding.reliability.code_diagnostics`
    with ``multi=True``); ``disagreements`` one row per unit whose coders chose
    different sets, worst first, with each coder's selection as a list.
    """

    variable: str
    n_units: int
    codes: pd.DataFrame
    disagreements: pd.DataFrame


def variable_diagnostics(
    db: Database, project: Project, variable: str, *, viewer: Coder | None = None
) -> VariableDiagnostics | MultiDiagnostics:
    """Coincidences, disagreements, coder pairs and codes of one variable of the project.

    Parameters
    ----------
    variable : str
        A non-text variable of the current codebook.
    viewer : Coder, optional
        The signed-in coder: diagnostics show every coder's values, so a
        coder of a blind project may not see them.

    Returns
    -------
    VariableDiagnostics or MultiDiagnostics
        Unit labels are the posts' platform ids (``post_id``).

    Raises
    ------
    AccessDenied
        A coder asking while the project is blind.
    NotFound
        An unknown or text variable, or no codebook.
    ValidationError
        No unit coded by two coders yet (from :mod:`coding.reliability`).
    """
    if viewer is not None and not can_see_all(viewer, project):
        raise AccessDenied(
            "Diagnostics show every coder's values; they are hidden from coders while the project is blind."
        )
    spec = current_codebook(db, project).codebook.variable(variable)
    if spec.type == "text":
        raise NotFound(f"{variable} is a text variable: it has no codes to compare.")
    data = project_codings(db, project, viewer)
    part = data[data["variable"] == spec.id]
    units = part["unit"].astype(str).tolist()
    coders = part["coder"].astype(str).tolist()
    if spec.type == "multi":
        frame = pd.DataFrame({
            "unit": units, "coder": coders,
            "value": [list(v) if isinstance(v, list) else ([] if v is None else [v]) for v in part["value"]],
        })
        codes = [c.id for c in spec.codable_codes()]
        return MultiDiagnostics(
            variable=spec.id,
            n_units=int(frame["unit"].nunique()),
            codes=code_diagnostics(frame, multi=True, codes=codes),
            disagreements=disagreements(frame, multi=True, codes=codes),
        )
    missing = {c.id for c in spec.all_codes() if c.missing}
    frame = pd.DataFrame({
        "unit": units, "coder": coders,
        "value": pd.Series([None if v in missing else v for v in part["value"]], dtype=object),
    })
    order = [c.id for c in spec.ordered_codes()] if spec.type == "ordinal" else None
    return diagnose(frame, level=spec.level or "nominal", value_order=order, variable=spec.id)
