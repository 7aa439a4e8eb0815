"""Coding the posts no human coded with a stored machine coder.

:func:`code_posts` gives every post without a finished human coding the
model's codes and probabilities, stored in ``machine_codings`` (one row per
post: the values, the probabilities and an uncertainty score) as the coder
``model:NAME``.  Posts are read, featurised and scored in batches, each
committed in its own transaction, so an interrupted run keeps its finished
batches and a second run codes only what is left (``recode=True`` codes
everything again).  Conditional variables get a value only where they apply
under the model's own codes of the variables they depend on.

A model trained on an older version of the codebook is refused: its codes
may no longer exist or mean the same thing.  Retrain it first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, exists, select

from coding.codebook import Codebook, is_applicable
from coding.machine import learners
from coding.machine.features import document
from coding.machine.store import LLM_KIND, Model, get_model
from dazi.db import Database, bulk_insert
from dazi.errors import ValidationError
from dazi.projects import Project
from dazi.schema import coding_units, machine_codings, posts, sample_posts, utcnow

__all__ = ["CodingRun", "check_current", "code_posts", "predict_documents"]


@dataclass(frozen=True)
class CodingRun:
    """What :func:`code_posts` did."""

    model: str
    version: int
    coded: int
    skipped_human: int
    already: int

    def lines(self) -> list[str]:
        return [(f"Model {self.model!r} (version {self.version}) coded {self.coded:,} posts "
                 f"({self.already:,} already coded by this version kept; posts with a human coding are never "
                 "machine-coded)")]


def check_current(db: Database, project: Project, model: Model) -> Codebook:
    """The current codebook, if ``model`` was trained on it; else :class:`ValidationError`."""
    from coding.codebook_store import current_codebook

    stored = current_codebook(db, project)
    if stored.version != model.codebook_version:
        raise ValidationError(
            f"Model {model.name!r} was trained on codebook version {model.codebook_version}; the project's codebook "
            f"is now version {stored.version}, so its codes may no longer fit. Nothing was coded.",
            f"Retrain it first: dazi model train {model.name}")
    return stored.codebook


def predict_documents(model: Model, codebook: Codebook, feats: Sequence[Sequence[str]]
                      ) -> tuple[list[dict[str, Any]], list[dict[str, dict[str, float]]], np.ndarray]:
    """The model's values, probabilities and uncertainty for featurised documents.

    Variables are taken in codebook order, so a conditional variable is
    decided after the variables its condition names.  Uncertainty is the
    mean over the variables given of ``1 - (p1 - p2)`` (one code: the margin
    between the two most probable codes) or of ``1 - |2p - 1|`` per code
    (multi): 0 when sure, 1 when undecided.
    """
    assert model.vocabulary is not None
    X = model.vocabulary.transform(feats)
    n = X.shape[0]
    values: list[dict[str, Any]] = [{} for _ in range(n)]
    probs_out: list[dict[str, dict[str, float]]] = [{} for _ in range(n)]
    unsure = np.zeros(n)
    counted = np.zeros(n)
    for variable in codebook.variables:
        vm = model.variables.get(variable.id)
        if vm is None:
            continue
        probs = learners.probabilities(vm, learners.scores(vm, X))
        labels = learners.predict(vm, probs, [c.id for c in variable.all_codes() if c.missing])
        if vm.type == "multi":
            doubt = (1 - np.abs(2 * probs - 1)).mean(axis=1)
        else:
            top = -np.sort(-probs, axis=1)
            doubt = 1 - (top[:, 0] - (top[:, 1] if probs.shape[1] > 1 else 0))
        conditional = bool(variable.when)
        rounded = np.round(probs, 4).tolist()
        for i in range(n):
            if conditional and not is_applicable(variable, values[i], codebook):
                continue
            values[i][variable.id] = labels[i]
            probs_out[i][variable.id] = dict(zip(vm.classes, rounded[i]))
            unsure[i] += doubt[i]
            counted[i] += 1
    return values, probs_out, np.divide(unsure, np.maximum(counted, 1))


def _todo(db: Database, project: Project, model: Model, sample_id: int | None, recode: bool) -> tuple[list[int], int, int]:
    """Post keys to code, and how many were left out as human-coded or already machine-coded."""
    human = exists().where(and_(coding_units.c.post_pk == posts.c.id, coding_units.c.done.is_(True)))
    mine = exists().where(and_(machine_codings.c.post_pk == posts.c.id, machine_codings.c.model_id == model.id,
                               machine_codings.c.model_version == model.version))
    base = select(posts.c.id).where(posts.c.project_id == project.id)
    if sample_id is not None:
        base = base.join(sample_posts, sample_posts.c.post_pk == posts.c.id).where(sample_posts.c.sample_id == sample_id)
    with db.read() as conn:
        every = list(conn.execute(base.order_by(posts.c.id)).scalars())
        coded_by_humans = set(conn.execute(base.where(human)).scalars())
        done = set() if recode else set(conn.execute(base.where(mine)).scalars())
    todo = [pk for pk in every if pk not in coded_by_humans and pk not in done]
    return todo, len(coded_by_humans), len(done - coded_by_humans)


def _batches(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def code_posts(db: Database, project: Project, name: str, *, sample: str | None = None, recode: bool = False,
               batch_size: int = 2000, n_process: int = 1,
               progress: Callable[[int, int], None] | None = None) -> CodingRun:
    """Code every post without a finished human coding with model ``name``.

    Parameters
    ----------
    sample : str, optional
        Only the posts of this sample.
    recode : bool
        Code again the posts this model version already coded.
    batch_size : int
        Posts per batch (one transaction each).
    n_process : int
        Processes tokenising posts that are not in the token cache yet.
    progress : callable, optional
        ``progress(done, total)`` after each batch.

    Raises
    ------
    ValidationError
        The model was trained on an older codebook version.
    NotFound
        No such model or sample.
    """
    from coding.machine.train import featurize
    from corpus.sampling import get_sample

    model = get_model(db, project, name)
    if model.kind == LLM_KIND:
        raise ValidationError(f"Model {name!r} is a language model: it codes through coding.machine.code_posts "
                              "(dazi model code), which calls its endpoint.")
    codebook = check_current(db, project, model)
    sample_id = get_sample(db, project, sample).id if sample else None
    todo, humans, already = _todo(db, project, model, sample_id, recode)
    done = 0
    for batch in _batches(todo, batch_size):
        with db.read() as conn:
            rows = {pk: (title, text) for pk, title, text in conn.execute(
                select(posts.c.id, posts.c.title, posts.c.text).where(posts.c.id.in_(batch)))}
        docs = [document(*rows[pk]) for pk in batch]
        values, probs, unsure = predict_documents(model, codebook, featurize(db, docs, n_process=n_process))
        now = utcnow()
        records = [{"model_id": model.id, "post_pk": pk, "project_id": project.id, "codes": v, "probabilities": p,
                    "uncertainty": float(u), "model_version": model.version, "created_at": now}
                   for pk, v, p, u in zip(batch, values, probs, unsure)]

        def write(conn, batch=batch, records=records) -> None:
            conn.execute(delete(machine_codings).where(machine_codings.c.model_id == model.id,
                                                       machine_codings.c.post_pk.in_(batch)))
            bulk_insert(conn, machine_codings, records)

        db.retrying(write)
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
    return CodingRun(model.name, model.version, done, humans, already)
