"""Storing machine coders in the project's database, without pickles.

A model is one row of ``models`` (name, version, codebook version, the
training posts' ids, settings and the validation report as JSON) plus its
fitted parameters in ``model_arrays``: each a NumPy ``.npy`` file's bytes
(coefficients, intercepts, calibration, the vocabulary's terms and idf),
read back with ``allow_pickle=False``, so loading a model never runs code
that came with it.  Every model codes as a coder of kind ``machine`` called
``model:NAME``: a coders row that cannot sign in (inactive, no passcode) and
is left out of every list of the team.

Retraining a name stores the next version in the same transaction that
drops the old parameters and the old version's machine codings, so a model
and its codes always belong together.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, select, update

from coding.machine.features import Vocabulary
from dazi.db import Database
from dazi.errors import NotFound, ValidationError
from dazi.projects import Project
from dazi.schema import coders, machine_codings, model_arrays, models, utcnow

__all__ = ["KINDS", "LINEAR_KIND", "LLM_KIND", "MACHINE_KIND", "Model", "VariableModel", "coder_name", "delete_model",
           "get_model", "list_models", "save_model"]

#: ``coders.kind`` of a machine coder.
MACHINE_KIND = "machine"
#: ``models.kind``: a model trained on the coded posts (:mod:`coding.machine.train`), or a language model
#: behind a chat endpoint (:mod:`coding.machine.llm`), which is only validated and stores no parameters.
LINEAR_KIND, LLM_KIND = "linear", "llm"
KINDS = {LINEAR_KIND: "trained model", LLM_KIND: "language model"}
_PREFIX = "model:"


def coder_name(name: str) -> str:
    """The coder a model codes as: ``model:NAME``."""
    return _PREFIX + name


@dataclass
class VariableModel:
    """The fitted classifier of one variable.

    Attributes
    ----------
    variable : str
    type : str
        ``single``, ``ordinal`` (one code: a softmax over ``classes``) or
        ``multi`` (one yes/no classifier per code of ``classes``).
    classes : list of str
        Code ids, in the order of the rows of ``coef``.
    coef : numpy.ndarray
        ``(len(classes), n_features)`` weights.
    intercept : numpy.ndarray
        ``(len(classes),)``.
    calibration : numpy.ndarray
        single/ordinal: ``[T]``, the temperature dividing the scores before
        the softmax; multi: ``(len(classes), 2)`` Platt's ``a, b`` per code
        (``p = 1 / (1 + exp(-(a * score + b)))``).  Both fitted on
        cross-validated scores.
    """

    variable: str
    type: str
    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    calibration: np.ndarray


@dataclass
class Model:
    """A stored machine coder (see the module docstring)."""

    id: int | None
    name: str
    version: int
    kind: str
    codebook_version: int
    settings: dict[str, Any]
    training: dict[str, Any]
    metrics: dict[str, Any]
    created_at: datetime | None
    vocabulary: Vocabulary | None = None
    variables: dict[str, VariableModel] = field(default_factory=dict)

    @property
    def coder(self) -> str:
        return coder_name(self.name)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _array(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(bytes(data)), allow_pickle=False)


def _arrays(model: Model) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if model.vocabulary is not None:
        out["vocabulary/terms"] = np.array(model.vocabulary.terms, dtype=str)
        out["vocabulary/idf"] = model.vocabulary.idf.astype(np.float64)
    for vid, vm in model.variables.items():
        out[f"{vid}/classes"] = np.array(vm.classes, dtype=str)
        out[f"{vid}/coef"] = vm.coef.astype(np.float32)
        out[f"{vid}/intercept"] = vm.intercept.astype(np.float64)
        out[f"{vid}/calibration"] = vm.calibration.astype(np.float64)
    return out


def new_id(result) -> int:
    """The key of the row an ``INSERT`` made."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _machine_coder(conn: Connection, project: Project, name: str) -> int:
    row = conn.execute(select(coders.c.id, coders.c.kind).where(
        coders.c.project_id == project.id, coders.c.name == coder_name(name))).first()
    if row is not None:
        if row.kind != MACHINE_KIND:
            raise ValidationError(
                f"A human coder is called {coder_name(name)!r}, the name a model {name!r} would code as.",
                "Give the model another name.")
        return int(row.id)
    return new_id(conn.execute(coders.insert().values(
        project_id=project.id, name=coder_name(name), role="coder", passcode_hash=None, active=False,
        created_at=utcnow(), kind=MACHINE_KIND)))


def save_model(db: Database, project: Project, model: Model, *,
               also: Callable[[Connection, Model], None] | None = None) -> Model:
    """Store ``model`` under its name (the next version if the name exists), in one transaction.

    The previous version's parameters and machine codings are deleted with it.
    ``also(conn, model)`` runs in the same transaction once the model has its
    id and version (a language model's calls are stored with its validation).
    A name held by a model of another kind is refused.
    """
    arrays = {key: _npy(value) for key, value in _arrays(model).items()}

    def tx(conn: Connection) -> Model:
        coder_id = _machine_coder(conn, project, model.name)
        existing = conn.execute(select(models.c.id, models.c.version, models.c.kind).where(
            models.c.project_id == project.id, models.c.name == model.name)).first()
        if existing is not None and existing.kind != model.kind:
            raise ValidationError(
                f"Model {model.name!r} is a {KINDS.get(existing.kind, existing.kind)}, not a "
                f"{KINDS.get(model.kind, model.kind)}.",
                f"Pick another name, or delete it first: dazi model delete {model.name}")
        now = utcnow()
        values = {"kind": model.kind, "coder_id": coder_id, "codebook_version": model.codebook_version,
                  "settings": model.settings, "training": model.training, "metrics": model.metrics,
                  "created_at": now}
        if existing is None:
            version = 1
            model_id = new_id(conn.execute(models.insert().values(
                project_id=project.id, name=model.name, version=version, **values)))
        else:
            model_id, version = int(existing.id), int(existing.version) + 1
            conn.execute(delete(machine_codings).where(machine_codings.c.model_id == model_id))
            conn.execute(delete(model_arrays).where(model_arrays.c.model_id == model_id))
            conn.execute(update(models).where(models.c.id == model_id).values(version=version, **values))
        if arrays:
            conn.execute(model_arrays.insert(), [{"model_id": model_id, "key": k, "data": v} for k, v in arrays.items()])
        model.id, model.version, model.created_at = model_id, version, now
        if also is not None:
            also(conn, model)
        return model

    return db.retrying(tx)


def _record(row) -> Model:
    return Model(id=int(row.id), name=row.name, version=int(row.version), kind=row.kind,
                 codebook_version=int(row.codebook_version), settings=dict(row.settings),
                 training=dict(row.training), metrics=dict(row.metrics), created_at=row.created_at)


def list_models(db: Database, project: Project) -> list[Model]:
    """The project's models by name, without their parameters."""
    with db.read() as conn:
        rows = conn.execute(select(models).where(models.c.project_id == project.id).order_by(models.c.name)).all()
    return [_record(r) for r in rows]


def get_model(db: Database, project: Project, name: str, *, parameters: bool = True) -> Model:
    """The model called ``name``, with its parameters unless ``parameters=False``.

    Raises
    ------
    NotFound
        No model of that name (the hint lists the others).
    """
    with db.read() as conn:
        row = conn.execute(select(models).where(models.c.project_id == project.id, models.c.name == name)).first()
        parts = {}
        if row is not None and parameters:
            parts = {key: _array(data) for key, data in conn.execute(
                select(model_arrays.c.key, model_arrays.c.data).where(model_arrays.c.model_id == row.id))}
    if row is None:
        names = [m.name for m in list_models(db, project)]
        raise NotFound(f"No model named {name!r} in project {project.name!r}",
                       f"Models: {', '.join(names)}." if names else "Train one with `dazi model train NAME`.")
    model = _record(row)
    if parameters:
        if "vocabulary/terms" in parts:
            model.vocabulary = Vocabulary([str(t) for t in parts["vocabulary/terms"]], parts["vocabulary/idf"])
        for vid, info in model.settings.get("variables", {}).items():
            model.variables[vid] = VariableModel(
                vid, info["type"], [str(c) for c in parts[f"{vid}/classes"]], parts[f"{vid}/coef"],
                parts[f"{vid}/intercept"], parts[f"{vid}/calibration"])
    return model


def delete_model(db: Database, project: Project, name: str) -> None:
    """Delete a model, its parameters and its machine codings (its coder stays, inactive, for the history)."""
    model = get_model(db, project, name, parameters=False)
    with db.write() as conn:
        conn.execute(delete(models).where(models.c.id == model.id))
