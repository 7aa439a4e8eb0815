"""Reliability of multi-select variables: code by code and pooled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from coding.agreement import CodedData, alpha_parts, pairs_of, percent_agreement
from coding.reliability_core import _assess, _bootstrap
from coding.reliability_data import (
    _DEFAULT_MINIMUMS,
    _check_ci,
    _check_int,
    _check_minimums,
    _check_variable,
    _MultiPrepared,
    _prepare_multi,
    _Prepared,
    _rng,
)
from coding.reliability_results import CodeReliability, MultiReliability

__all__ = ["multi_reliability"]


def _per_code(
    mprep: _MultiPrepared, n_bootstrap: int, rng: np.random.Generator, ci: float
) -> list[CodeReliability]:
    pooled_pairs = pairs_of(mprep.pooled())
    k_codes = len(mprep.codes)
    split = pooled_pairs.value_a != pooled_pairs.value_b
    split_by_code = (
        np.bincount(pooled_pairs.unit[split] % k_codes, minlength=k_codes)
        if k_codes
        else np.zeros(0)
    )
    total_split = int(split_by_code.sum())
    out = []
    for k, label in enumerate(mprep.codes):
        coded = mprep.code(k)
        pairs = pairs_of(coded)
        parts = alpha_parts(coded, pairs)
        notes = []
        if parts.note:
            if parts.n >= 2 and (coded.codes == 1).sum() == 0:
                notes.append("alpha is undefined: no coder selected this code on a pairable unit")
            elif parts.n >= 2:
                notes.append(
                    "alpha is undefined: every coder selected this code on every pairable unit"
                )
            else:
                notes.append(parts.note)
        alpha_ci, _ = _bootstrap(parts, n_bootstrap, rng, None, ci, (), None)
        pairable = coded.per_unit >= 2
        code_split = pairs.value_a != pairs.value_b
        out.append(
            CodeReliability(
                code=label,
                n_units=int(pairable.sum()),
                n_selected=int((coded.codes[pairable] == 1).sum()),
                krippendorff_alpha=parts.alpha,
                alpha_ci=alpha_ci,
                percent_agreement=percent_agreement(coded, pairs),
                disagreeing_units=int(np.unique(pairs.unit[code_split]).size),
                disagreeing_pairs=int(code_split.sum()),
                share_of_disagreement=float(split_by_code[k] / total_split)
                if total_split
                else None,
                notes=notes,
            )
        )
    return out


def multi_reliability(
    data: pd.DataFrame | np.ndarray,
    *,
    unit: str = "unit",
    coder: str = "coder",
    value: str = "value",
    coders: Sequence[Any] | None = None,
    codes: Sequence[Any] | None = None,
    sep: str | None = None,
    bootstrap: int = 10_000,
    seed: int | np.random.Generator | None = None,
    ci: float = 0.95,
    minimums: Sequence[float] = _DEFAULT_MINIMUMS,
    variable: str | None = None,
    population: int | None = None,
) -> MultiReliability:
    """Reliability of a multi-select variable, code by code and overall.

    Parameters
    ----------
    data : DataFrame or 2-D array
        As for :func:`reliability`, but each value is the *set* of codes a
        coder selected for the unit (a set, list or tuple; an empty one if
        they selected nothing).  ``None``/``NaN`` means the coder did not code
        the unit (or a conditional question skipped it).  Text such as
        ``"a;b"`` is split on ``sep`` (then ``""`` is an empty selection).
    codes : list, optional
        Every code of the variable, in report order; codes nobody selected
        still get a row (alpha undefined).  Default: the codes seen.
    sep : str, optional
        Separator for text values.
    bootstrap, seed, ci, minimums, variable, population
        As for :func:`reliability`; per-code alphas get a bootstrapped
        interval too.

    Returns
    -------
    MultiReliability
        The overall figures follow :data:`MULTI_DEFINITION` (alpha over the
        pooled binary unit-by-code data), stated in the result's
        ``definition``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({
    ...     "unit":  [1, 1, 2, 2, 3, 3, 4, 4],
    ...     "coder": ["a", "b"] * 4,
    ...     "value": [["meal"], ["meal"], ["meal", "study"], ["study"], [], [], ["study"], ["study"]]})
    >>> r = multi_reliability(d, bootstrap=0)
    >>> [(c.code, round(c.krippendorff_alpha, 3)) for c in r.codes]
    [('meal', 0.533), ('study', 1.0)]
    >>> round(r.krippendorff_alpha, 3), r.exact_set_agreement
    (0.762, 0.75)
    """
    n_boot = _check_int("bootstrap", bootstrap, 0)
    ci_level = _check_ci(ci)
    mins = _check_minimums(minimums)
    name = _check_variable(variable)
    rng = _rng(seed)
    mprep = _prepare_multi(
        data, unit=unit, coder=coder, value=value, coders=coders, codes=codes, sep=sep
    )
    n_codes = len(mprep.codes)
    pooled = _Prepared(
        mprep.pooled(), np.arange(mprep.selected.shape[0] * n_codes), mprep.coders, [0, 1], ()
    )
    overall = _assess(
        pooled,
        weights="identity",
        n_bootstrap=n_boot,
        rng=rng,
        seed=seed,
        ci=ci_level,
        minimums=mins,
        variable=name,
        population=None if population is None else _check_int("population", population, 1),
    )
    per_code = _per_code(mprep, n_boot, rng, ci_level)
    sets = CodedData(mprep.set_ids, np.arange(1.0, mprep.set_ids.max(initial=-1) + 2.0), "nominal")
    notes = list(mprep.notes)
    singles = int(((mprep.set_ids >= 0).sum(axis=1) == 1).sum())
    if singles:
        notes.append(
            f"{singles} unit(s) have a value from only one coder (the other coders' cells are "
            "missing), so they are not pairable: left out of alpha, percent agreement, Cohen's kappa "
            "and Scott's pi (Gwet's category proportions for Fleiss' and Conger's kappa and AC1 "
            "still count them, as in Gwet 2014)"
        )
    notes.extend(n for n in overall.notes if "from only one coder" not in n)
    if n_codes == 0:
        notes.append("no coder selected any code: nothing to measure")
    return MultiReliability(
        variable=name,
        n_units=int(mprep.selected.shape[0]),
        n_coders=mprep.n_coders,
        n_codes=n_codes,
        n_pairable=overall.n_pairable,
        krippendorff_alpha=overall.krippendorff_alpha,
        alpha_ci=overall.alpha_ci,
        q=overall.q,
        percent_agreement=overall.percent_agreement,
        exact_set_agreement=percent_agreement(sets),
        cohen_kappa=overall.cohen_kappa,
        fleiss_kappa=overall.fleiss_kappa,
        scott_pi=overall.scott_pi,
        gwet_ac1=overall.gwet_ac1,
        brennan_prediger=overall.brennan_prediger,
        codes=per_code,
        conger_kappa=overall.conger_kappa,
        standard_errors=overall.standard_errors,
        intervals=overall.intervals,
        notes=notes,
        ci_level=ci_level,
        n_bootstrap=n_boot,
        population=overall.population,
    )
