"""Cross-validating every variable of a machine coder over one feature matrix, on worker processes.

:func:`cross_validate` takes the training posts' feature matrix, built once
per training (:mod:`coding.machine.features`), and each variable's rows and
labels, and runs every fit the validation needs as one list of tasks:

- per variable, the final fit on all its posts;
- per fold, the fit on the fold's training posts (the out-of-fold scores the
  reported figures and the calibration come from);
- on the first ``curve_folds`` folds, the learning curve's fits on 25, 50
  and 75 % of the fold's training posts (the 100 % point is the fold's own
  fit), every point scored on those folds' test posts, so they compare alike.

The vocabulary and its idf are fitted once, on every training post (the
words only, never the codes), so a fold's test posts shape the features'
weights but not what the model learns from them; issue 17's acceptance test
(``tests/acceptance/test_machine_acceptance.py``) checks that the
cross-validated alpha so measured is within 0.05 of the alpha on posts the
model never saw (it came out 0.004 to 0.023 *below* it).

The tasks run on ``n_jobs`` forked worker processes
(:func:`coding.machine.workers.ordered_map`), which read the matrix their
parent left in memory (nothing is copied to them) and return scores; the
parent assembles each variable as soon as its tasks are done, so its
validation report is written while the workers fit the next variables.  One
fit at a time per process also keeps liblinear's random generator, a global,
to one fit, so the same posts and seed always give the same model (threads
shared it, and the scores varied from run to run).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from coding.machine import learners, validate
from coding.machine.store import VariableModel
from coding.machine.workers import ordered_map

__all__ = ["Job", "cross_validate"]


@dataclass
class Job:
    """One variable to cross-validate.

    Attributes
    ----------
    kind : str
        ``single``, ``ordinal`` or ``multi``.
    classes : list of str
        The codes used, in the order of the model's rows.
    rows : list of int
        The variable's posts: rows of the feature matrix.
    labels : list
        Each post's code (a list of codes for multi).
    folds : int
        Cross-validation folds.
    missing : list of str
        The variable's missing codes (see :func:`coding.machine.learners.predict`).
    """

    kind: str
    classes: list[str]
    rows: list[int]
    labels: list[Any]
    folds: int
    missing: list[str]

    def y(self) -> np.ndarray:
        """The labels as the learners take them: code ids, or a 0/1 matrix of posts x codes (multi)."""
        if self.kind == "multi":
            return np.array([[c in value for c in self.classes] for value in self.labels], dtype=int)
        return np.array(self.labels, dtype=object)


@dataclass(frozen=True)
class _Task:
    job: int
    part: np.ndarray | None  # training rows (positions among the job's rows); None: all of them, the final fit
    test: np.ndarray
    fraction: float
    curve: bool  # whether its test posts' codes are a point of the learning curve


@dataclass
class _Shared:
    """What the workers read from their parent's memory."""

    matrices: list[sparse.csr_matrix]
    labels: list[np.ndarray]
    jobs: list[Job]
    C: float
    seed: int


def _splits(job: Job, y: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold, StratifiedKFold

    n = len(job.rows)
    if job.kind == "multi":
        return list(KFold(n_splits=job.folds, shuffle=True, random_state=seed).split(np.zeros(n)))
    return list(StratifiedKFold(n_splits=job.folds, shuffle=True, random_state=seed).split(np.zeros(n), y))


def _tasks(index: int, job: Job, splits: list[tuple[np.ndarray, np.ndarray]], curve_folds: int, seed: int
           ) -> list[_Task]:
    """The final fit, then the folds' fits, the largest first (so the workers finish together)."""
    rng = np.random.default_rng(seed)
    out = []
    for k, (train_idx, test_idx) in enumerate(splits):
        order = rng.permutation(train_idx)
        for fraction in validate.FRACTIONS if k < curve_folds else (1.0,):
            out.append(_Task(index, order[: max(2, math.ceil(fraction * len(order)))], test_idx, fraction,
                             k < curve_folds))
    out.sort(key=lambda task: -len(task.part) if task.part is not None else 0)
    return [_Task(index, None, np.arange(0), 1.0, False), *out]


def _run(shared: _Shared, task: _Task) -> tuple[np.ndarray | None, list[Any] | None, VariableModel | None]:
    """One fit: the test posts' raw scores and (for the curve) codes; the model itself for the final fit."""
    job, X, y = shared.jobs[task.job], shared.matrices[task.job], shared.labels[task.job]
    n = X.shape[0]
    part = np.arange(n) if task.part is None else task.part
    fitted = learners.fit(X[part], y[part], job.kind, job.classes, C=shared.C * n / len(part), seed=shared.seed)
    if task.part is None:
        return None, None, fitted
    raw = learners.scores(fitted, X[task.test])
    # the curve's points use uncalibrated decisions (calibration would need its own folds)
    codes = learners.predict(fitted, learners.probabilities(fitted, raw), job.missing) if task.curve else None
    return raw, codes, None


def cross_validate(X: sparse.csr_matrix, jobs: Sequence[Job], *, C: float, seed: int, curve_folds: int,
                   n_jobs: int) -> Generator[tuple[VariableModel, dict[str, Any]], None, None]:
    """Fit, cross-validate and calibrate each job's variable; yields ``(model, cv)`` per job, in order.

    ``cv`` holds ``predicted`` (the calibrated out-of-fold codes, one per post),
    ``probabilities`` (theirs), ``curve`` (per fraction of the training posts,
    the codes of the posts in ``curve_rows``) and ``curve_rows``.  The model is
    the fit on all the job's posts, calibrated on the out-of-fold scores.
    """
    labels = [job.y() for job in jobs]
    n_rows = X.shape[0]
    matrices = [X if list(job.rows) == list(range(n_rows)) else X[job.rows] for job in jobs]
    plans = []
    for index, job in enumerate(jobs):
        splits = _splits(job, labels[index], seed)
        used = max(1, min(job.folds, curve_folds))
        plans.append((splits, used, _tasks(index, job, splits, used, seed)))
    tasks = [task for _, _, part in plans for task in part]
    results = ordered_map(_run, tasks, shared=_Shared(matrices, labels, list(jobs), C, seed), n_jobs=n_jobs,
                          ahead=len(tasks))
    with closing(results):
        for job, y, (splits, used, part) in zip(jobs, labels, plans, strict=True):
            done = [next(results) for _ in part]
            yield _assemble(job, y, splits, used, part, done)


def _assemble(job: Job, y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]], curve_folds: int,
              tasks: list[_Task], done: list[tuple[np.ndarray | None, list[Any] | None, VariableModel | None]]
              ) -> tuple[VariableModel, dict[str, Any]]:
    n = len(job.rows)
    oof = np.zeros((n, len(job.classes)))
    curve_rows = np.sort(np.concatenate([test for _, test in splits[:curve_folds]]))
    position = np.full(n, -1)
    position[curve_rows] = np.arange(len(curve_rows))
    curve: dict[float, list[Any]] = {f: [None] * len(curve_rows) for f in validate.FRACTIONS}
    final = done[0][2]
    assert final is not None
    for task, (raw, codes, _) in zip(tasks[1:], done[1:], strict=True):
        assert raw is not None
        if task.fraction == 1.0:
            oof[task.test] = raw
        if codes is not None:
            for i, code in zip(position[task.test], codes, strict=True):
                curve[task.fraction][i] = code
    final.calibration = learners.calibrate(final, oof, y if job.kind == "multi" else job.labels)
    probabilities = learners.probabilities(final, oof)
    predicted = learners.predict(final, probabilities, job.missing)
    return final, {"predicted": predicted, "probabilities": probabilities, "curve": curve,
                   "curve_rows": curve_rows.tolist()}
