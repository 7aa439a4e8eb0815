"""Which posts to code next: the posts a machine coder is least sure of.

Uncertainty sampling (active learning) finds informative posts fastest, but
such a sample is *not random*: it may train a model, never measure
reliability or prevalence.  A sample drawn here has the method
``uncertainty`` (:data:`corpus.sampling.NONRANDOM_METHODS`); assigning it
with a reliability overlap is refused (:func:`coding.assignments.assign`),
and its posts never estimate a model's error rates for corrected shares
(:mod:`coding.machine.prevalence`).
"""

from __future__ import annotations

from sqlalchemy import and_, delete, exists, select

from coding.machine.store import LLM_KIND, get_model, new_id
from corpus.sampling import NONRANDOM_METHODS, Sample, get_sample
from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project
from dazi.schema import coding_units, machine_codings, posts, sample_posts, samples, utcnow

__all__ = ["draw_uncertainty_sample", "nonrandom_post_ids"]


def draw_uncertainty_sample(db: Database, project: Project, name: str, model_name: str, size: int, *,
                            replace: bool = False) -> Sample:
    """Store as sample ``name`` the ``size`` machine-coded posts the model is least sure of.

    Ranked by the uncertainty :func:`coding.machine.code.code_posts` stored
    (ties by post key), among posts no human has finished coding.

    Raises
    ------
    ValidationError
        A size below 1, a name in use (without ``replace``), or no machine
        codings of the model's current version (run ``dazi model code`` first).
    """
    if size is None or size < 1:
        raise ValidationError("The sample size must be at least 1.", "Pass --size N.")
    model = get_model(db, project, model_name, parameters=False)
    if model.kind == LLM_KIND:
        raise ValidationError(f"Model {model_name!r} is a language model: it gives codes without probabilities, so "
                              "it cannot tell which posts it is least sure of.",
                              "Draw the sample with a trained model (dazi model train NAME), or draw a random one.")
    human = exists().where(and_(coding_units.c.post_pk == machine_codings.c.post_pk, coding_units.c.done.is_(True)))
    query = (select(machine_codings.c.post_pk, machine_codings.c.uncertainty)
             .where(machine_codings.c.model_id == model.id, machine_codings.c.model_version == model.version, ~human)
             .order_by(machine_codings.c.uncertainty.desc(), machine_codings.c.post_pk).limit(size))
    with db.write() as conn:
        chosen = conn.execute(query).all()
        if not chosen:
            raise ValidationError(
                f"Model {model_name!r} (version {model.version}) has coded no post that humans have not coded.",
                f"Run `dazi model code {model_name}` first.")
        existing = conn.execute(select(samples.c.id).where(samples.c.project_id == project.id,
                                                           samples.c.name == name)).scalar()
        if existing is not None:
            if not replace:
                raise ValidationError(f"A sample named {name!r} already exists",
                                      "Pick another name, or pass --replace to redraw it.")
            conn.execute(delete(samples).where(samples.c.id == existing))
        params = {"model": model_name, "model_version": model.version, "requested_size": size, "random": False,
                  "note": "posts the model is least sure of: for training only, never for reliability or prevalence",
                  "uncertainty": [round(float(u), 4) for _, u in chosen[:1]] + [round(float(chosen[-1][1]), 4)]}
        sample_id = new_id(conn.execute(samples.insert().values(
            project_id=project.id, name=name, method="uncertainty", params=params, seed=None, size=len(chosen),
            created_at=utcnow())))
        conn.execute(sample_posts.insert(), [{"sample_id": sample_id, "post_pk": int(pk), "position": i}
                                             for i, (pk, _) in enumerate(chosen)])
    return get_sample(db, project, name)


def nonrandom_post_ids(db: Database, project: Project) -> set[str]:
    """Platform ids of the posts in any non-random (uncertainty) sample of the project."""
    with db.read() as conn:
        return set(conn.execute(
            select(posts.c.post_id).join(sample_posts, sample_posts.c.post_pk == posts.c.id)
            .join(samples, samples.c.id == sample_posts.c.sample_id)
            .where(samples.c.project_id == project.id, samples.c.method.in_(NONRANDOM_METHODS))).scalars())
