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
from dataclasses import dataclass

import numpy as np
from scipy import stats

from coding.agreement import CodedData, Pairs

__all__ = [
    "MAX_VALUES",
    "confidence_interval",
    "raw_standard_error",
    "two_coder_standard_error",
    "weight_matrix",
]

#: Largest value domain for which standard errors are computed.
MAX_VALUES = 500


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
    # Gwet's pi_k: each unit's category proportions, averaged over the n units
    pi = np.bincount(codes[rows, cols], weights=1.0 / ri[rows], minlength=q) / n
    conger = _conger_marginals(codes, present, q) if kind == "conger" else None
    if kind == "conger" and conger is None:
        return None
    contrib = np.empty(n)
    block = max(1, _BLOCK // max(1, q * codes.shape[1]))
    for start in range(0, n, block):
        part = slice(start, min(n, start + block))
        sub, sub_present, sub_ri, sub_two = codes[part], present[part], ri[part], two[part]
        agree = _counts(sub, sub_present, q)
        sum_q = (agree * (agree @ w.T - 1.0)).sum(axis=1)
        pa_i = np.where(sub_two, sum_q / np.where(sub_two, sub_ri * (sub_ri - 1.0), 1.0), 0.0)
        if kind == "percent":
            contrib[part] = (n / n2) * pa_i
            continue
        assert pe is not None
        c_i = (n / n2) * (pa_i - pe * sub_two) / (1.0 - pe)
        if kind == "brennan_prediger":
            contrib[part] = c_i
            continue
        if kind == "gwet":
            if q < 2:
                return None
            pe_i = (w.sum() / (q * (q - 1.0))) * (agree @ (1.0 - pi)) / sub_ri
        elif kind == "fleiss":
            pe_i = (agree @ ((w @ pi + w.T @ pi) / 2.0)) / sub_ri
        elif kind == "conger":
            assert conger is not None
            pe_i = _conger_per_unit(sub, sub_present, w, n, conger)
        else:
            raise ValueError(f"unknown coefficient {kind!r}")
        contrib[part] = c_i - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe)
    var = _fpc(n, population) / (n * (n - 1.0)) * float(np.sum((contrib - value) ** 2))
    return math.sqrt(max(var, 0.0))


#: Cells of the dense per-block arrays (units x coders x values): bounds memory on large data.
_BLOCK = 1 << 21


def _counts(codes: np.ndarray, present: np.ndarray, q: int) -> np.ndarray:
    """Units x values: how many coders gave each value to each unit."""
    agree = np.zeros((codes.shape[0], q))
    rows, cols = np.nonzero(present)
    np.add.at(agree, (rows, codes[rows, cols]), 1.0)
    return agree


@dataclass(frozen=True)
class _Marginals:
    """Conger's per-coder marginals: which coders are active, ``n_g`` and ``p_gk``."""

    active: np.ndarray
    ng: np.ndarray
    pgk: np.ndarray


def _conger_marginals(codes: np.ndarray, present: np.ndarray, q: int) -> _Marginals | None:
    active = present.any(axis=0)
    if int(active.sum()) < 2:
        return None
    classif = np.stack([np.bincount(codes[present[:, g], g], minlength=q) for g in np.flatnonzero(active)])
    ng = classif.sum(axis=1).astype(np.float64)
    return _Marginals(active, ng, classif / ng[:, None])


def _conger_per_unit(codes: np.ndarray, present: np.ndarray, w: np.ndarray, n: int, m: _Marginals
                     ) -> np.ndarray:
    """Each unit's share of Conger's chance agreement (Gwet 2014; ``irrCAC``'s ``lamda``)."""
    codes, present = codes[:, m.active], present[:, m.active]
    units, r = codes.shape
    q = m.pgk.shape[1]
    delta = np.zeros((units, r, q))
    rows, cols = np.nonzero(present)
    delta[rows, cols, codes[rows, cols]] = 1.0
    eps = present.astype(np.float64)
    d = delta - (eps - m.ng[None, :] / n)[:, :, None] * m.pgk[None, :, :]
    lam = (d @ w.T) * (n / m.ng)[None, :, None]  # lam[i, g, k] = sum_l w_kl d[i, g, l] n / n_g
    factor = r * m.pgk.mean(axis=0)[None, :] - m.pgk  # r * mean_g p_gk - p_gk
    return np.einsum("igk,gk->i", lam, factor) / (r * (r - 1.0))


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
