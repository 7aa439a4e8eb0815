"""The linear classifiers of a machine coder: fitting, calibrating, scoring.

One classifier per variable, scikit-learn's linear support vector machine
(:class:`~sklearn.svm.LinearSVC`, liblinear's dual coordinate descent: the
fastest well-kept linear learner for sparse text) with
``class_weight="balanced"`` (rare codes weigh as much as common ones) and a
fixed seed, its scores made probabilities by calibration:

single, ordinal
    one-vs-rest scores over the codes used; the code given is the one
    with the highest score.  Probabilities are the softmax of the scores
    divided by a temperature fitted on cross-validated scores (Guo et al.
    2017, "On calibration of modern neural networks"), which leaves the
    chosen code unchanged.  Ordinal scales are treated as nominal codes.
multi
    one yes/no model per code (one-vs-rest); each code's score becomes a
    probability by Platt scaling fitted on cross-validated scores (Platt
    1999), and a code is given when its probability is at least one half.

Everything fitted is a plain array (:class:`coding.machine.store.VariableModel`);
scoring is a sparse matrix product, so coding needs no scikit-learn object.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_softmax, softmax

from coding.machine.store import VariableModel

__all__ = ["calibrate", "fit", "predict", "probabilities", "scores"]


#: liblinear's stopping tolerance: liblinear's own default for the dual solver (scikit-learn's 1e-4 and the
#: former 1e-3 took 2-4 times the iterations for the same codes on dazi's benchmark and acceptance corpora).
TOL = 0.1


def _learner(C: float, seed: int):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=C, class_weight="balanced", dual=True, tol=TOL, max_iter=2000, random_state=seed)


def fit(X: sparse.csr_matrix, y, kind: str, classes: list[str], *, C: float = 0.5, seed: int = 0
        ) -> VariableModel:
    """Fit one variable's classifier on rows ``X`` with labels ``y`` (uncalibrated).

    ``y`` holds code ids (single, ordinal) or a 0/1 matrix ``(n, len(classes))``
    (multi).  A code missing from ``y`` gets a weight row of zeros and an
    intercept of -inf-like -30: it is never given.
    """
    n_features = X.shape[1]
    coef = np.zeros((len(classes), n_features), dtype=np.float64)
    intercept = np.full(len(classes), -30.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: a loose tol is on purpose (speed)
        if kind == "multi":
            Y = np.asarray(y)
            for j in range(len(classes)):
                column = Y[:, j]
                positives = int(column.sum())
                if positives == 0:
                    continue
                if positives == len(column):
                    intercept[j] = 30.0
                    continue
                model = _learner(C, seed).fit(X, column)
                coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        else:
            labels = np.asarray(y, dtype=object)
            present = [c for c in classes if (labels == c).any()]
            rows = [classes.index(c) for c in present]
            if len(present) == 1:
                intercept[rows[0]] = 0.0
            else:
                model = _learner(C, seed).fit(X, labels)
                learned = [classes.index(c) for c in model.classes_]
                if len(learned) == 2:
                    coef[learned[1]], intercept[learned[1]] = model.coef_[0], model.intercept_[0]
                    intercept[learned[0]] = 0.0
                else:
                    coef[learned], intercept[learned] = model.coef_, model.intercept_
    calibration = np.ones(1) if kind != "multi" else np.tile([1.0, 0.0], (len(classes), 1))
    return VariableModel("", kind, list(classes), coef, intercept, calibration)


def scores(model: VariableModel, X: sparse.csr_matrix) -> np.ndarray:
    """Raw scores ``X @ coef.T + intercept``, ``(n, len(classes))``."""
    return np.asarray(X @ model.coef.T.astype(np.float64)) + model.intercept


def calibrate(model: VariableModel, oof_scores: np.ndarray, y) -> np.ndarray:
    """Fit the calibration on cross-validated scores; returns the array for ``model.calibration``."""
    if model.type == "multi":
        from sklearn.linear_model import LogisticRegression

        Y = np.asarray(y)
        out = np.tile([1.0, 0.0], (len(model.classes), 1))
        for j in range(len(model.classes)):
            column = Y[:, j]
            if 0 < column.sum() < len(column):
                platt = LogisticRegression(C=1e4).fit(oof_scores[:, [j]], column)
                out[j] = [platt.coef_[0, 0], platt.intercept_[0]]
        return out
    index = {c: i for i, c in enumerate(model.classes)}
    target = np.array([index[v] for v in y])
    finite = np.where(np.isfinite(oof_scores), oof_scores, -30.0)

    def loss(log_t: float) -> float:
        return float(-log_softmax(finite / np.exp(log_t), axis=1)[np.arange(len(target)), target].mean())

    best = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return np.array([float(np.exp(best.x))])


def probabilities(model: VariableModel, raw: np.ndarray) -> np.ndarray:
    """Calibrated probabilities from raw scores: a softmax row per post (single, ordinal),
    or one independent probability per code (multi)."""
    if model.type == "multi":
        return expit(raw * model.calibration[:, 0] + model.calibration[:, 1])
    return softmax(raw / model.calibration[0], axis=1)


def predict(model: VariableModel, probs: np.ndarray, missing: Sequence[str] = ()) -> list:
    """Codes from :func:`probabilities`: the most probable code, or every code at p >= .5 (multi).

    ``missing`` names the variable's missing codes (such as "not stated").  A
    multi-select variable with one among its classes is coded as a human
    codes it: the missing code alone when no other code is given (the most
    probable one, never an empty set), and never beside another code.
    Cross-validation and coding both decide through this function, so the
    reported reliability is that of the codes stored.
    """
    if model.type == "multi":
        chosen = probs >= 0.5
        absent = [j for j, c in enumerate(model.classes) if c in set(missing)]
        if absent:
            present = [j for j in range(len(model.classes)) if j not in absent]
            chosen[:, absent] = False
            none = ~chosen[:, present].any(axis=1) if present else np.ones(len(chosen), dtype=bool)
            best = np.asarray(absent)[probs[:, absent].argmax(axis=1)]
            chosen[np.flatnonzero(none), best[none]] = True
        return [[c for c, on in zip(model.classes, row) if on] for row in chosen]
    return [model.classes[i] for i in probs.argmax(axis=1)]
