"""Corpus-wide shares of codes from human final values and a machine coder's codes.

Counting a classifier's labels is biased whenever it errs asymmetrically.
Adjusted classify-and-count (Forman 2008, "Quantifying counts and costs via
classification", Data Mining and Knowledge Discovery 17(2):164-206)
corrects the machine-coded part with the error rates measured in
cross-validation:

one code per post (single, ordinal)
    the shares ``q`` of the codes the model gave relate to the true shares
    ``p`` through the confusion rates ``C[i, j] = P(model gives i | true j)``:
    ``q = C p``.  ``p`` is the least-squares solution with ``p >= 0`` and
    ``sum(p) = 1`` (the multi-class form of Forman's correction; for two
    codes it is his ``(q - fpr) / (tpr - fpr)``, clipped to [0, 1]).
multi-select
    per code, Forman's ``(q - fpr) / (tpr - fpr)`` clipped to [0, 1], with
    ``tpr`` and ``fpr`` the code's true- and false-positive rates.

The corpus-wide share combines the census of the human-coded posts with the
corrected estimate for the machine-coded ones.  Its 95 % interval comes
from a bootstrap that redraws the cross-validated (final, model) pairs, the
machine-coded posts' codes and the human-coded posts' values together.
Error rates are estimated only from training posts that were not drawn by a
non-random (uncertainty) sample.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import nnls

from coding.codebook import Variable

__all__ = ["CITATION", "SharesEstimate", "adjusted_shares"]

CITATION = ("Forman, G. (2008). Quantifying counts and costs via classification. Data Mining and Knowledge "
            "Discovery, 17(2), 164-206.")


@dataclass
class SharesEstimate:
    """Corpus-wide shares of one variable's codes.

    Attributes
    ----------
    codes : list of str
    human, machine : numpy.ndarray
        Posts per code among the human-coded and machine-coded posts with a value.
    n_human, n_machine : int
        Those posts (the base; a multi-select post counts once).
    naive : numpy.ndarray
        ``(human + machine) / (n_human + n_machine)``: the plain count.
    corrected, low, high : numpy.ndarray
        The adjusted share and its bootstrapped 95 % interval (``nan`` where a
        code's rates cannot correct it: ``tpr - fpr`` too small).
    notes : list of str
    """

    codes: list[str]
    human: np.ndarray
    machine: np.ndarray
    n_human: int
    n_machine: int
    naive: np.ndarray
    corrected: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_validation: int
    notes: list[str]


def _single_rates(truth: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """``C[i, j] = P(predicted i | true j)``; a code never true gets the identity column."""
    C = np.zeros((k, k))
    np.add.at(C, (predicted, truth), 1.0)
    totals = C.sum(axis=0)
    for j in range(k):
        if totals[j] == 0:
            C[j, j], totals[j] = 1.0, 1.0
    return C / totals


def _solve_single(C: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Least squares ``C p = q`` with ``p >= 0`` and ``sum p = 1`` (the sum weighted strongly)."""
    weight = 100.0
    A = np.vstack([C, weight * np.ones(C.shape[1])])
    b = np.concatenate([q, [weight]])
    p, _ = nnls(A, b)
    total = p.sum()
    return p / total if total > 0 else np.full_like(p, 1.0 / len(p))


def _binary_correct(q: np.ndarray, tpr: np.ndarray, fpr: np.ndarray, min_gap: float) -> np.ndarray:
    gap = tpr - fpr
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.clip((q - fpr) / gap, 0.0, 1.0)
    return np.where(gap >= min_gap, p, np.nan)


def adjusted_shares(variable: Variable, codes: Sequence[str], human_values: Sequence[Any],
                    machine_values: Sequence[Any], truth: Sequence[Any], predicted: Sequence[Any], *,
                    bootstrap: int = 1000, seed: int = 0, min_gap: float = 0.1) -> SharesEstimate:
    """Adjusted classify-and-count shares of ``codes`` over human and machine-coded posts.

    Parameters
    ----------
    human_values, machine_values : sequences
        The values of the posts with a value (a code id, or a list of them
        for multi-select); ``None`` entries are left out.
    truth, predicted : sequences
        The cross-validated pairs (final value, model's code) the error
        rates are estimated from.
    min_gap : float
        A multi-select code whose ``tpr - fpr`` is below this is not corrected
        (its correction would divide by almost nothing).
    """
    codes = list(codes)
    k = len(codes)
    index = {c: i for i, c in enumerate(codes)}
    multi = variable.type == "multi"
    human_values = [v for v in human_values if v is not None]
    machine_values = [v for v in machine_values if v is not None]
    pairs = [(t, p) for t, p in zip(truth, predicted) if t is not None and p is not None]
    notes: list[str] = []
    rng = np.random.default_rng(seed)

    def indicator(values: Sequence[Any]) -> np.ndarray:
        out = np.zeros((len(values), k), dtype=bool)
        for row, value in enumerate(values):
            for code in (value if multi else [value]):
                if code in index:
                    out[row, index[code]] = True
        return out

    H, M = indicator(human_values), indicator(machine_values)
    T, P = indicator([t for t, _ in pairs]), indicator([p for _, p in pairs])
    n_h, n_m, n_v = len(H), len(M), len(pairs)

    def estimate(H: np.ndarray, M: np.ndarray, T: np.ndarray, P: np.ndarray) -> np.ndarray:
        q = M.mean(axis=0) if len(M) else np.zeros(k)
        if multi:
            positives, negatives = T.sum(axis=0), (~T).sum(axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                tpr = (P & T).sum(axis=0) / positives
                fpr = (P & ~T).sum(axis=0) / negatives
            p = _binary_correct(q, np.nan_to_num(tpr, nan=0.0), np.nan_to_num(fpr, nan=1.0), min_gap)
        else:
            C = _single_rates(T.argmax(axis=1), P.argmax(axis=1), k) if len(T) else np.eye(k)
            p = _solve_single(C, q)
        if not n_m_:
            p = np.zeros(k)  # nothing machine-coded: nothing to correct
        total = n_h_ + n_m_
        return (H.sum(axis=0) + n_m_ * p) / total if total else np.full(k, np.nan)

    n_h_, n_m_ = n_h, n_m
    corrected = estimate(H, M, T, P)
    draws = []
    for _ in range(bootstrap):
        h = H[rng.integers(0, n_h, n_h)] if n_h else H
        m = M[rng.integers(0, n_m, n_m)] if n_m else M
        pick = rng.integers(0, n_v, n_v) if n_v else np.zeros(0, dtype=int)
        draws.append(estimate(h, m, T[pick], P[pick]))
    draws_ = np.array(draws) if draws else np.full((1, k), np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: a code that cannot be corrected
        low = np.nanquantile(draws_, 0.025, axis=0) if bootstrap else np.full(k, np.nan)
        high = np.nanquantile(draws_, 0.975, axis=0) if bootstrap else np.full(k, np.nan)
    naive = (H.sum(axis=0) + M.sum(axis=0)) / (n_h + n_m) if n_h + n_m else np.full(k, np.nan)
    if multi and np.isnan(corrected).any():
        notes.append("not corrected (true- and false-positive rates too close): "
                     + ", ".join(c for c, x in zip(codes, corrected) if np.isnan(x)))
    if n_v < 50:
        notes.append(f"error rates from only {n_v} cross-validated posts: wide intervals")
    return SharesEstimate(codes, H.sum(axis=0), M.sum(axis=0), n_h, n_m, naive, corrected, low, high, n_v, notes)
