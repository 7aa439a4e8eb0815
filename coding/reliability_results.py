"""Records of inter-coder reliability: what :mod:`coding.reliability` returns.

Every record is a dataclass whose ``to_dict()`` gives plain, JSON-safe values
(Python scalars, ``None`` for undefined or NaN, lists for tuples and tables).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MULTI_DEFINITION",
    "CodeReliability",
    "MultiReliability",
    "VariableDiagnostics",
    "VariableReliability",
]

#: How :func:`multi_reliability` defines its overall alpha (also in each result).
MULTI_DEFINITION = (
    "Overall alpha is Krippendorff's nominal alpha over the pooled binary unit-by-code data: every "
    "(unit, code) pair is a unit of analysis and each coder who coded the unit contributes 1 "
    "(code selected) or 0 (not selected); the same indicator coding gives the per-code alphas "
    "(Krippendorff 2019, Content Analysis, 4th ed., ch. 12, on binary present/absent coding). "
    "Pooling weights each code by how often coders judged it and stays defined when a code is "
    "never used; it is not Krippendorff & Craggs' (2016) multi-valued alpha (mv-alpha)."
)


def _plain(x: Any) -> Any:
    """JSON-safe copy: Python scalars, None for NaN/NA, lists for tuples."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (numbers.Integral, np.integer)):
        return int(x)
    if isinstance(x, (numbers.Real, np.floating)):
        f = float(x)
        return f if math.isfinite(f) else None
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_plain(v) for v in x]
    if isinstance(x, (set, frozenset)):
        return sorted((_plain(v) for v in x), key=str)
    if isinstance(x, pd.DataFrame):
        return [{str(k): _plain(v) for k, v in rec.items()} for rec in x.to_dict("records")]
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return _record(x)
    if x is pd.NA or x is pd.NaT:
        return None
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return str(x)


def _record(record: Any) -> dict[str, Any]:
    """A record's fields, in declaration order, as plain JSON-safe values."""
    return {f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


@dataclass
class VariableReliability:
    """Reliability of one variable.

    Every coefficient is a float, or ``None`` when it is undefined for these
    data (``notes`` says why).  ``alpha_ci`` is the bootstrapped percentile
    interval ``(low, high)`` at level ``ci_level``; ``q`` maps each minimum
    (as text, e.g. ``"0.8"``) to the bootstrapped probability that alpha is
    below it.  ``gwet_ac1`` holds Gwet's AC2 when ``weights`` is not
    ``"identity"`` (the kappa-family coefficients are then weighted).
    ``n_units`` counts units with at least one value, ``n_pairable`` the
    pairable values (values in units coded by two or more coders:
    Krippendorff's ``n``).

    ``standard_errors`` and ``intervals`` map each kappa-family coefficient
    (``percent_agreement``, ``cohen_kappa``, ``conger_kappa``,
    ``fleiss_kappa``, ``scott_pi``, ``gwet_ac1``, ``brennan_prediger``) to
    its analytic standard error and ``ci_level`` interval (Gwet 2014, as the
    ``irrCAC`` package; see :mod:`coding.agreement_variance`), ``None``
    where undefined; ``population`` is the population size used for the
    finite-population correction (``None``: none).  Alpha's interval is the
    bootstrapped ``alpha_ci``.
    """

    variable: str | None
    level: str
    n_units: int
    n_coders: int
    n_pairable: int
    krippendorff_alpha: float | None
    alpha_ci: tuple[float, float] | None
    q: dict[str, float] | None
    percent_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    scott_pi: float | None
    gwet_ac1: float | None
    brennan_prediger: float | None
    conger_kappa: float | None = None
    standard_errors: dict[str, float | None] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    weights: str = "identity"
    ci_level: float = 0.95
    n_bootstrap: int = 0
    population: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values (floats unrounded, ``None`` for undefined)."""
        return _record(self)


@dataclass
class CodeReliability:
    """Agreement on one code of a multi-select variable (present / absent).

    ``n_units`` counts units coded by two or more coders, ``n_selected`` how
    many of their values select this code, ``disagreeing_units`` the units
    where coders split on it, ``share_of_disagreement`` this code's share of
    all split (disagreeing) pairs across codes.
    """

    code: Any
    n_units: int
    n_selected: int
    krippendorff_alpha: float | None
    alpha_ci: tuple[float, float] | None
    percent_agreement: float | None
    disagreeing_units: int
    disagreeing_pairs: int
    share_of_disagreement: float | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values."""
        return _record(self)


@dataclass
class MultiReliability:
    """Reliability of a multi-select variable.

    The coefficient fields have the same names and meaning as in
    :class:`VariableReliability`, computed on the pooled binary unit-by-code
    data (see ``definition``, which is :data:`MULTI_DEFINITION`); ``n_units``
    counts posts, ``n_pairable`` pairable binary values (posts x codes).
    ``exact_set_agreement`` is the share of coder pairs who chose exactly the
    same set, averaged over units; ``codes`` has one entry per code.
    """

    variable: str | None
    n_units: int
    n_coders: int
    n_codes: int
    n_pairable: int
    krippendorff_alpha: float | None
    alpha_ci: tuple[float, float] | None
    q: dict[str, float] | None
    percent_agreement: float | None
    exact_set_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    scott_pi: float | None
    gwet_ac1: float | None
    brennan_prediger: float | None
    codes: list[CodeReliability]
    conger_kappa: float | None = None
    standard_errors: dict[str, float | None] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    definition: str = MULTI_DEFINITION
    level: str = "nominal"
    weights: str = "identity"
    ci_level: float = 0.95
    n_bootstrap: int = 0
    population: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values: the keys of :meth:`VariableReliability.to_dict`
        plus ``n_codes``, ``exact_set_agreement``, ``definition`` and ``codes``."""
        return _record(self)


@dataclass
class VariableDiagnostics:
    """Where a variable's disagreement lies (see :func:`diagnose`).

    ``coincidences`` is ``None`` when the value domain is too large to show
    (continuous values); ``codes`` is ``None`` for interval/ratio variables.
    """

    variable: str | None
    level: str
    n_units: int
    n_coders: int
    n_pairable: int
    distribution: pd.DataFrame
    coincidences: pd.DataFrame | None
    disagreements: pd.DataFrame
    pairwise: pd.DataFrame
    codes: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe values; tables as lists of records, the coincidence
        matrix as ``{"values": [...], "matrix": [[...], ...]}``."""
        coinc = None
        if self.coincidences is not None:
            coinc = {
                "values": _plain(list(self.coincidences.index)),
                "matrix": _plain(self.coincidences.to_numpy().tolist()),
            }
        return {
            "variable": self.variable,
            "level": self.level,
            "n_units": int(self.n_units),
            "n_coders": int(self.n_coders),
            "n_pairable": int(self.n_pairable),
            "distribution": _plain(self.distribution),
            "coincidences": coinc,
            "disagreements": _plain(self.disagreements),
            "pairwise": _plain(self.pairwise),
            "codes": None if self.codes is None else _plain(self.codes),
            "notes": list(self.notes),
        }
