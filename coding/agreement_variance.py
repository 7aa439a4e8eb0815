"""Analytic standard errors and confidence intervals of the kappa family.

The variance of each chance-corrected coefficient follows Gwet (2014),
*Handbook of Inter-Rater Reliability*, 4th ed. (chapters 5 and 6 for raw
ratings with missing values, chapter 3 for two raters' contingency tables),
as the ``irrCAC`` R package computes it:

* percent agreement, Gwet's AC1/AC2, Fleiss' kappa, Conger's kappa and
  Brennan-Prediger from the raw ratings: a linearisation of the coefficient
  per unit, ``v = (1 - f) / (n (n - 1)) * sum_i (c_i - c)**2``, over the
  ``n`` units with at least one value (``f = n / N``, the finite-population
  correction for a population of ``N`` units, 0 by default);
* Cohen's kappa and Scott's pi (two coders) from the contingency table of the
  units both coded: ``v = (1 - f) / (n (1 - p_e)**2) * (sum_kl p_kl (w_kl -
  (1 - c)(...))**2 - (p_a - 2 (1 - c) p_e)**2)``.

Confidence intervals are ``c +/- t_{n-1} * se`` (Student's t with ``n - 1``
degrees of freedom), the upper bound capped at 1, as ``irrCAC`` reports them.

The weights are a dense ``V x V`` matrix here, so standard errors are only
computed for value domains up to :data:`MAX_VALUES` values (categorical and
short ordinal scales; continuous values get ``None`` with a note).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from coding.agreement import CodedData, Pairs, pairs_of

__all__ = [
    "MAX_VALUES",
    "confidence_interval",
    "raw_standard_error",
    "two_coder_standard_error",
    "weight_matrix",
]

#: Largest value domain for which standard errors are computed (the weights are a dense
#: ``V x V`` matrix; beyond this the values are continuous and the kappa family's errors moot).
MAX_VALUES = 2000


def weight_matrix(weights: str, positions: np.ndarray) -> np.ndarray:
    """The ``V x V`` agreement weights ``w_kl`` (1 on the diagonal)."""
    v = positions.shape[0]
    if weights == "identity":
        return np.eye(v)
    r = float(positions.max() - positions.min()) if v else 0.0
    if r == 0:
        return np.ones((v, v))
    diff = positions[:, None] - positions[None, :]
    if weights == "linear":
        return 1.0 - np.abs(diff) / r
    return 1.0 - (diff / r) ** 2


def _fpc(n: int, population: float | None) -> float:
    return 1.0 - (n / population if population else 0.0)


def raw_standard_error(
    kind: str,
    coded: CodedData,
    weights: str,
    value: float | None,
    pe: float | None,
    population: float | None = None,
) -> float | None:
    """Standard error of a coefficient computed from raw ratings.

    Parameters
    ----------
    kind : {"percent", "gwet", "fleiss", "conger", "brennan_prediger"}
    coded : CodedData
        Units without any value must have been left out (they carry no
        information; ``irrCAC`` asks for the same).
    weights : str
        One of :data:`coding.agreement.WEIGHTS`.
    value, pe : float
        The coefficient and its chance agreement (``pe`` is ignored for
        percent agreement).
    population : float, optional
        Number of units in the population the sample was drawn from, for the
        finite-population correction (default: infinite, no correction).

    Returns
    -------
    float or None
        ``None`` when the coefficient is undefined, fewer than two units have
        a value, or the value domain exceeds :data:`MAX_VALUES`.
    """
    if value is None or coded.n_values > MAX_VALUES or coded.n_values < 1:
        return None
    if kind != "percent" and (pe is None or 1.0 - pe <= 0):
        return None
    codes = coded.codes[(coded.codes >= 0).any(axis=1)]
    n = codes.shape[0]
    present = codes >= 0
    ri = present.sum(axis=1).astype(np.float64)
    two = ri >= 2
    n2 = int(two.sum())
    if n < 2 or n2 == 0:
        return None
    q = coded.n_values
    w = weight_matrix(weights, coded.positions)
    rows, cols = np.nonzero(present)
    values = codes[rows, cols]
    # p_a|i: the weighted share of agreeing pairs among the unit's ordered pairs of ratings
    pairs = pairs_of(CodedData(codes, coded.positions, coded.level))
    agree = np.bincount(pairs.unit, weights=w[pairs.value_a, pairs.value_b], minlength=n)
    count = np.bincount(pairs.unit, minlength=n)
    pa_i = np.divide(agree, count, out=np.zeros(n), where=count > 0)
    if kind == "percent":
        contrib = (n / n2) * pa_i
    else:
        assert pe is not None
        contrib = (n / n2) * (pa_i - pe * two) / (1.0 - pe)
        if kind != "brennan_prediger":
            # Gwet's pi_k: each unit's category proportions, averaged over the n units
            pi = np.bincount(values, weights=1.0 / ri[rows], minlength=q) / n
            if kind == "gwet":
                if q < 2:
                    return None
                per_rating = (w.sum() / (q * (q - 1.0))) * (1.0 - pi)
                pe_i = np.bincount(rows, weights=per_rating[values], minlength=n) / ri
            elif kind == "fleiss":
                per_rating = (w @ pi + w.T @ pi) / 2.0
                pe_i = np.bincount(rows, weights=per_rating[values], minlength=n) / ri
            elif kind == "conger":
                conger = _conger_per_unit(codes, present, w, n, q)
                if conger is None:
                    return None
                pe_i = conger
            else:
                raise ValueError(f"unknown coefficient {kind!r}")
            contrib = contrib - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe)
    var = _fpc(n, population) / (n * (n - 1.0)) * float(np.sum((contrib - value) ** 2))
    return math.sqrt(max(var, 0.0))


def _conger_per_unit(codes: np.ndarray, present: np.ndarray, w: np.ndarray, n: int, q: int
                     ) -> np.ndarray | None:
    """Each unit's share of Conger's chance agreement (Gwet 2014; ``irrCAC``'s ``lamda``).

    ``irrCAC`` builds ``lamda[i, g, k] = n/n_g sum_l w_kl (delta_igl - (eps_ig - n_g/n) p_gl)``
    and sums ``lamda[i, g, k] (r pbar_k - p_gk)`` over ``g`` and ``k``; with
    ``F = factor @ w`` and ``S_g = sum_k (p w^T)_gk factor_gk`` that sum is
    ``sum_g n/n_g (eps_ig F[g, x_ig] - (eps_ig - n_g/n) S_g)``: ``O(N r + r q**2)``.
    """
    active = present.any(axis=0)
    codes, present = codes[:, active], present[:, active]
    r = codes.shape[1]
    if r < 2:
        return None
    classif = np.stack([np.bincount(codes[present[:, g], g], minlength=q) for g in range(r)])
    ng = classif.sum(axis=1).astype(np.float64)
    pgk = classif / ng[:, None]
    factor = r * pgk.mean(axis=0)[None, :] - pgk  # r x q
    big_f = factor @ w  # F[g, l] = sum_k w_kl factor_gk
    s_g = np.sum((pgk @ w.T) * factor, axis=1)  # sum_k (sum_l w_kl p_gl) factor_gk
    eps = present.astype(np.float64)
    looked = np.where(present, big_f[np.arange(r)[None, :], np.where(present, codes, 0)], 0.0)
    per = (n / ng)[None, :] * (looked - (eps - ng[None, :] / n) * s_g[None, :])
    return per.sum(axis=1) / (r * (r - 1.0))


def two_coder_standard_error(
    kind: str,
    coded: CodedData,
    pairs: Pairs,
    weights: str,
    value: float | None,
    pa: float | None,
    pe: float | None,
    population: float | None = None,
) -> float | None:
    """Standard error of Cohen's kappa (``kind="cohen"``) or Scott's pi
    (``kind="scott"``) from the two coders' contingency table (Gwet 2014,
    ch. 3; ``irrCAC``'s ``kappa2.table`` and ``scott2.table``)."""
    if value is None or pa is None or pe is None or coded.n_values > MAX_VALUES:
        return None
    n = len(pairs)
    if n < 2 or 1.0 - pe <= 0:
        return None
    q = coded.n_values
    w = weight_matrix(weights, coded.positions)
    p = np.zeros((q, q))
    np.add.at(p, (pairs.value_a, pairs.value_b), 1.0)
    p /= n
    row, col = p.sum(axis=1), p.sum(axis=0)
    pb_k = w @ col
    pb_l = w.T @ row
    if kind == "cohen":
        term = w - (1.0 - value) * (pb_k[:, None] + pb_l[None, :])
    else:
        pbk = (pb_k + pb_l) / 2.0
        term = w - (1.0 - value) * (pbk[:, None] + pbk[None, :])
    sum1 = float(np.sum(p * term**2))
    var = _fpc(n, population) / (n * (1.0 - pe) ** 2) * (sum1 - (pa - 2.0 * (1.0 - value) * pe) ** 2)
    return math.sqrt(max(var, 0.0))


def confidence_interval(
    value: float | None, se: float | None, n: int, level: float = 0.95
) -> tuple[float, float] | None:
    """``value +/- t * se`` with Student's t on ``n - 1`` degrees of freedom,
    the upper bound capped at 1 (as ``irrCAC``)."""
    if value is None or se is None or n < 2:
        return None
    t = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, n - 1))
    return (value - t * se, min(1.0, value + t * se))
