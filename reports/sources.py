"""Where each value of the coded dataset comes from: human final values and a model's codes.

``final`` (adjudicated), ``agreed`` (the coders agreed) or ``machine`` (a
model's code for a post no human coded).  Read by the exports
(:func:`reports.data.posts_table` with ``with_model``), ``dazi model export``
and the corpus-wide tables (:mod:`reports.machine`).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from coding.adjudication import adjudication_history, final_dataset
from coding.codebook_store import current_codebook
from coding.machine.store import Model, get_model
from corpus.store import posts_frame
from dazi.db import Database
from dazi.projects import Project
from dazi.schema import machine_codings

__all__ = ["machine_codings_frame", "source_frame"]


def machine_codings_frame(db: Database, project: Project, model: Model) -> pd.DataFrame:
    """The model's current codings: ``post_pk``, ``values`` (dict), ``probabilities`` (dict), ``uncertainty``."""
    with db.read() as conn:
        rows = conn.execute(select(machine_codings.c.post_pk, machine_codings.c.codes,
                                   machine_codings.c.probabilities, machine_codings.c.uncertainty)
                            .where(machine_codings.c.model_id == model.id,
                                   machine_codings.c.model_version == model.version)
                            .order_by(machine_codings.c.post_pk)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["post_pk", "values", "probabilities", "uncertainty"])



def source_frame(db: Database, project: Project, model_name: str | None = None) -> pd.DataFrame:
    """Per post and variable, where its value comes from: ``final`` (adjudicated), ``agreed``, ``machine``.

    One row per post with a value (human-coded posts, then the model's);
    columns ``post_pk``, ``post_id`` and for each variable ``<variable>`` and
    ``<variable>__source``.
    """
    codebook = current_codebook(db, project).codebook
    ids = codebook.variable_ids()
    final = final_dataset(db, project)
    adjudicated = {(a.post_pk, a.variable) for a in adjudication_history(db, project)}
    rows = []
    for record in final.to_dict("records"):
        row = {"post_pk": record["post_pk"], "post_id": record["post_id"]}
        for vid in ids:
            row[vid] = record[vid]
            row[f"{vid}__source"] = (None if record[vid] is None else
                                     "final" if (record["post_pk"], vid) in adjudicated else "agreed")
        rows.append(row)
    if model_name:
        model = get_model(db, project, model_name, parameters=False)
        machine = machine_codings_frame(db, project, model)
        machine = machine[~machine["post_pk"].isin(set(final["post_pk"]))]
        post_ids = posts_frame(db, project, ["post_id"])["post_id"]
        for pk, values in zip(machine["post_pk"], machine["values"]):
            row = {"post_pk": int(pk), "post_id": str(post_ids.loc[pk])}
            for vid in ids:
                row[vid] = values.get(vid)
                row[f"{vid}__source"] = "machine" if values.get(vid) is not None else None
            rows.append(row)
    columns = ["post_pk", "post_id", *(c for vid in ids for c in (vid, f"{vid}__source"))]
    return pd.DataFrame(rows, columns=columns)
