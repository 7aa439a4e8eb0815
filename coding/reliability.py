"""Inter-coder reliability for one coded variable, from plain tables.

Give a pandas DataFrame in long form (one row per unit, coder and value:
columns named by ``unit=``, ``coder=``, ``value=``) or wide form (one row per
unit, one column per coder: pass ``coders=[...]``), or a 2-D array (rows are
units, columns coders).  Missing values (``None``, ``NaN``, ``pd.NA``, blank
strings) mean "this coder gave no value": a unit not assigned to a coder, or
a question a conditional variable skipped.  They are never a code.

What you get
------------
:func:`reliability`
    Krippendorff's alpha at the variable's level of measurement with a
    bootstrapped confidence interval and ``q`` (the probability alpha is below
    a minimum), percent agreement, Cohen's, Conger's and Fleiss' kappa,
    Scott's pi, Gwet's AC1 (AC2 when weighted) and Brennan-Prediger, each with
    an analytic standard error and interval (Gwet 2014), as a
    :class:`VariableReliability` whose ``to_dict()`` is JSON-safe.
:func:`multi_reliability`
    The same for a multi-select variable (each coder picks a set of codes),
    code by code and pooled (:class:`MultiReliability`).
:func:`krippendorff_alpha`
    Just alpha, as a float (``None`` if undefined).
:func:`coincidence_matrix`, :func:`disagreements`, :func:`pairwise_agreement`,
:func:`code_diagnostics`, :func:`diagnose`
    Where the disagreement is: by value pair, by unit (worst first), by
    coder pair (who needs retraining), by code.
:func:`plan_sample_size`
    How many units the reliability subsample needs (Krippendorff's planner).

Definitions and sources are in :mod:`coding.agreement`; in short:
Krippendorff (2011, 2019) for alpha and its bootstrap (Hayes & Krippendorff
2007), Gwet (2014) for percent agreement, Fleiss' kappa, AC1/AC2 and
Brennan-Prediger with missing values, Cohen (1960, 1968) and Scott (1955)
for the two-coder coefficients.  Undefined coefficients are ``None`` with a
note saying why, never 0 and never a string.
"""


from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from coding.agreement import alpha_parts
from coding.reliability_core import _assess
from coding.reliability_data import (
    _DEFAULT_MINIMUMS,
    _check_ci,
    _check_int,
    _check_level,
    _check_minimums,
    _check_variable,
    _prepare,
    _resolve_weights,
    _rng,
)
from coding.reliability_diagnostics import (
    code_diagnostics,
    coincidence_matrix,
    diagnose,
    disagreements,
    pairwise_agreement,
)
from coding.reliability_multi import multi_reliability
from coding.reliability_plan import plan_sample_size
from coding.reliability_results import (
    MULTI_DEFINITION,
    CodeReliability,
    MultiReliability,
    VariableDiagnostics,
    VariableReliability,
)

__all__ = [
    "MULTI_DEFINITION",
    "CodeReliability",
    "MultiReliability",
    "VariableDiagnostics",
    "VariableReliability",
    "code_diagnostics",
    "coincidence_matrix",
    "diagnose",
    "disagreements",
    "krippendorff_alpha",
    "multi_reliability",
    "pairwise_agreement",
    "plan_sample_size",
    "reliability",
]


def reliability(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
    weights: str | None = None,
    bootstrap: int = 10_000,
    seed: int | np.random.Generator | None = None,
    ci: float = 0.95,
    minimums: Sequence[float] = _DEFAULT_MINIMUMS,
    variable: str | None = None,
    population: int | None = None,
) -> VariableReliability:
    """Inter-coder reliability of one variable.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Long form: one row per (unit, coder) with columns ``unit``, ``coder``
        and ``value``.  Wide form (``coders`` given): one row per unit, one
        column per coder; the unit id is column ``unit`` if present, else the
        index.  A 2-D array: rows are units, columns coders (the transpose of
        the ``krippendorff`` package's ``reliability_data``).
    level : {"nominal", "ordinal", "interval", "ratio"}, default "nominal"
        Level of measurement (note: the ``krippendorff`` package defaults to
        interval).  Ordinal text labels need ``value_order``; interval and
        ratio need numbers (ratio: >= 0).
    unit, coder, value : str
        Column names in long form.
    coders : list, optional
        Wide form: the columns holding each coder's values (or names for the
        columns of an array).
    value_order : list, optional
        Every possible value, in order (lowest first).  Needed for ordinal
        text labels; it also sets the value domain (unused values count for
        Brennan-Prediger and Gwet's AC1, whose chance agreement depends on
        the number of categories).
    weights : {"identity", "linear", "quadratic"}, optional
        Weights for the kappa family.  Default: identity for nominal,
        quadratic for the other levels.
    bootstrap : int, default 10000
        Number of bootstrap resamples for ``alpha_ci`` and ``q``; 0 skips it.
    seed : int or numpy Generator, optional
        Makes the bootstrap reproducible.
    ci : float, default 0.95
        Level of the confidence interval.
    minimums : sequence of float, default (0.8, 0.667)
        Alphas for which ``q`` gives P(alpha < minimum).
    variable : str, optional
        The variable's name, copied into the result.
    population : int, optional
        How many units the population holds that the reliability sample was
        drawn from (e.g. every post of the study): the analytic standard
        errors then get Gwet's finite-population correction ``1 - n/N``.
        Default: no correction (an infinite population), as ``irrCAC``.

    Returns
    -------
    VariableReliability

    Raises
    ------
    dazi.errors.ValidationError
        Bad arguments or data (missing column, a coder coding a unit twice,
        text at the interval level, values outside ``value_order``...).

    Examples
    --------
    Krippendorff's (2011, "Computing Krippendorff's Alpha-Reliability")
    worked example: 4 coders, 12 units, missing values; he reports nominal
    alpha .743, ordinal .815, interval .849 and ratio .797 from 40 pairable
    values.

    >>> import pandas as pd
    >>> k2011 = pd.DataFrame({
    ...     "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...     "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...     "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...     "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]})
    >>> r = reliability(k2011, coders=["A", "B", "C", "D"], seed=1)
    >>> round(r.krippendorff_alpha, 3), r.n_units, r.n_pairable
    (0.743, 12, 40)
    >>> [round(reliability(k2011, coders=list("ABCD"), level=lv, bootstrap=0).krippendorff_alpha, 3)
    ...  for lv in ("ordinal", "interval", "ratio")]
    [0.815, 0.849, 0.797]
    >>> r.cohen_kappa is None  # four coders: Cohen's kappa does not apply
    True
    """
    level = _check_level(level)
    w = _resolve_weights(weights, level)
    n_boot = _check_int("bootstrap", bootstrap, 0)
    ci_level = _check_ci(ci)
    mins = _check_minimums(minimums)
    name = _check_variable(variable)
    pop = None if population is None else _check_int("population", population, 1)
    rng = _rng(seed)
    prep = _prepare(
        data,
        level=level,
        unit=unit,
        coder=coder,
        value=value,
        coders=coders,
        value_order=value_order,
    )
    return _assess(
        prep,
        weights=w,
        n_bootstrap=n_boot,
        rng=rng,
        seed=seed,
        ci=ci_level,
        minimums=mins,
        variable=name,
        population=pop,
    )


def krippendorff_alpha(
    data: pd.DataFrame | np.ndarray,
    *,
    level: str = "nominal",
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    value_order: Sequence[Any] | None = None,
) -> float | None:
    """Krippendorff's alpha alone (``None`` when undefined; see
    :func:`reliability` for the reason and the other coefficients).

    Same data arguments as :func:`reliability`.  Interval, ordinal and
    nominal alpha cost ``O(n log n)`` in the number of values, with no
    ``V x V`` matrix; ratio alpha costs ``O(V**2)`` time in the number V of
    distinct values, in ``O(V)`` memory.

    Examples
    --------
    >>> import numpy as np
    >>> a = krippendorff_alpha(np.array([[1, 1], [2, 2], [3, 2]]), level="interval")
    >>> round(a, 6), round(12 / 17, 6)  # D_o = 1/3, D_e = 17/15
    (0.705882, 0.705882)
    """
    prep = _prepare(
        data,
        level=level,
        unit=unit,
        coder=coder,
        value=value,
        coders=coders,
        value_order=value_order,
    )
    return alpha_parts(prep.coded).alpha


