"""Named, reproducible samples of posts.

Content analysts rarely code a whole crawl: the study this toolkit serves
drew 500 posts from a larger pool, purposively by likes, comments and
relevance across interest types.  A sample is stored under a name with the
method, parameters and seed that drew it, so the draw can be reported and
repeated exactly.

Methods
-------
``random``
    simple random sample of ``size`` posts.
``stratified``
    proportional allocation over the values of one field (``platform``,
    ``source_keywords``, ``hashtags``, ``lang``, ``location``, ``status``) by
    the largest-remainder method; list fields put a post in the stratum of its
    *first* value.  ``per_stratum`` instead draws an equal number from each.
``purposive``
    posts meeting engagement thresholds (``min_likes``, ``min_comments``,
    ``min_engagement``, ``min_collects``, ``min_shares``) and optional
    relevance terms (``keywords``: any of them in title or text), then the
    ``size`` most engaging ones (``order="engagement"``) or a random ``size``
    of them (``order="random"``); with ``by`` the same is done per stratum.

Deleted or unavailable posts are left out unless ``include_unavailable``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import delete, select

from corpus.store import posts_frame
from dazi.db import Database, inserted_id
from dazi.errors import NotFound, ValidationError
from dazi.projects import Project
from dazi.schema import sample_posts, samples, utcnow

__all__ = ["Sample", "draw_sample", "get_sample", "list_samples", "sample_post_pks", "delete_sample", "METHODS",
           "NONRANDOM_METHODS"]

METHODS = ("random", "stratified", "purposive")
#: Methods of samples that are not random (``uncertainty``: a model's least sure posts,
#: :mod:`coding.machine.sampling`): they may train a model, never measure reliability or prevalence.
NONRANDOM_METHODS = ("uncertainty",)
STRATA_FIELDS = ("platform", "source_keywords", "hashtags", "lang", "location", "status")
_THRESHOLDS = ("min_likes", "min_comments", "min_engagement", "min_collects", "min_shares")


@dataclass(frozen=True)
class Sample:
    """A stored sample: its name, how it was drawn, and how many posts it has."""

    id: int
    name: str
    method: str
    params: dict
    seed: int | None
    size: int
    created_at: datetime
    strata: dict = field(default_factory=dict)


def _stratum(value) -> str:
    if isinstance(value, (list, tuple)):
        return str(value[0]) if value else "(none)"
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(none)"
    return str(value)


def _allocate(counts: pd.Series, size: int) -> pd.Series:
    """Proportional allocation by the largest-remainder (Hamilton) method."""
    total = counts.sum()
    exact = counts / total * size
    alloc = np.floor(exact).astype(int)
    rest = size - alloc.sum()
    if rest > 0:
        order = (exact - alloc).sort_values(ascending=False, kind="mergesort").index[:rest]
        alloc[order] += 1
    return np.minimum(alloc, counts)


def draw_sample(
    db: Database,
    project: Project,
    name: str,
    *,
    method: str = "random",
    size: int | None = None,
    seed: int | None = 0,
    by: str | None = None,
    per_stratum: int | None = None,
    keywords: list[str] | None = None,
    order: str = "engagement",
    include_unavailable: bool = False,
    replace: bool = False,
    **thresholds: int,
) -> Sample:
    """Draw a sample and store it under ``name``.

    Parameters
    ----------
    name : str
        The sample's name (unique in the project); ``replace=True`` redraws.
    method : {"random", "stratified", "purposive"}
    size : int, optional
        How many posts; for purposive sampling without ``size`` every post that
        meets the thresholds.
    seed : int
        Seed of the random generator: the same seed on the same corpus gives
        the same sample.
    by : str, optional
        Field to stratify by (required for ``stratified``).
    per_stratum : int, optional
        Equal allocation: this many posts from each stratum.
    keywords : list of str, optional
        Purposive relevance filter: posts containing any of these.
    order : {"engagement", "random"}
        Purposive: take the most engaging posts, or random ones.
    **thresholds
        ``min_likes``, ``min_comments``, ``min_engagement``, ``min_collects``,
        ``min_shares``.

    Returns
    -------
    Sample
    """
    if method not in METHODS:
        raise ValidationError(f"Unknown sampling method {method!r}", f"Use one of: {', '.join(METHODS)}.")
    unknown = set(thresholds) - set(_THRESHOLDS)
    if unknown:
        raise ValidationError(f"Unknown option(s) {', '.join(sorted(unknown))}", f"Thresholds: {', '.join(_THRESHOLDS)}.")
    if method == "stratified" and not by:
        raise ValidationError("Stratified sampling needs a field to stratify by.", f"Pass --by with one of: {', '.join(STRATA_FIELDS)}.")
    if by and by not in STRATA_FIELDS:
        raise ValidationError(f"Cannot stratify by {by!r}", f"Fields: {', '.join(STRATA_FIELDS)}.")
    if method != "purposive" and size is None and per_stratum is None:
        raise ValidationError("A random or stratified sample needs a size.", "Pass --size N.")
    if size is not None and size < 1:
        raise ValidationError("The sample size must be at least 1.")
    if order not in ("engagement", "random"):
        raise ValidationError(f"Unknown order {order!r}", "Use 'engagement' or 'random'.")

    columns = ["post_id", "status", "engagement", "likes", "comments", "collects", "shares", "title", "text"]
    if by and by not in columns:
        columns.append(by)
    frame = posts_frame(db, project, columns)
    if not include_unavailable:
        frame = frame[frame["status"] == "ok"]
    for key, minimum in thresholds.items():
        col = key.removeprefix("min_")
        frame = frame[frame[col].fillna(-1) >= minimum]
    if keywords:
        hay = frame["title"].fillna("") + "\n" + frame["text"].fillna("")
        mask = np.zeros(len(frame), dtype=bool)
        for kw in keywords:
            mask |= hay.str.contains(kw, regex=False, case=False).to_numpy()
        frame = frame[mask]
    if frame.empty:
        raise ValidationError(
            "No posts match the sampling criteria.", "Loosen the thresholds or keywords, or import posts first."
        )
    rng = np.random.default_rng(seed)
    # a stable order before randomising, so the draw depends only on the data and the seed
    frame = frame.sort_values("post_id", kind="mergesort")

    def pick(pool: pd.DataFrame, n: int) -> list[int]:
        if n >= len(pool):
            chosen = pool
        elif method == "purposive" and order == "engagement":
            chosen = pool.sort_values("engagement", ascending=False, kind="mergesort", na_position="last").head(n)
        else:
            chosen = pool.iloc[np.sort(rng.choice(len(pool), size=n, replace=False))]
        return list(chosen.index)

    strata_sizes: dict[str, int] = {}
    if by:
        keys = frame[by].map(_stratum)
        counts = keys.value_counts().sort_index()
        if per_stratum is not None:
            alloc = np.minimum(counts, per_stratum)
        else:
            alloc = _allocate(counts, min(size or len(frame), len(frame)))
        chosen: list[int] = []
        for stratum, n in alloc.items():
            if n > 0:
                chosen += pick(frame[keys == stratum], int(n))
                strata_sizes[str(stratum)] = int(n)
    else:
        chosen = pick(frame, size if size is not None else len(frame))
    # the coding order is shuffled by assignment; the sample keeps a random order too
    chosen = [chosen[i] for i in rng.permutation(len(chosen))]

    params = {"by": by, "per_stratum": per_stratum, "keywords": keywords, "order": order, **thresholds,
              "include_unavailable": include_unavailable, "requested_size": size, "strata": strata_sizes}
    with db.write() as conn:
        existing = conn.execute(select(samples.c.id).where(samples.c.project_id == project.id, samples.c.name == name)).scalar()
        if existing is not None:
            if not replace:
                raise ValidationError(f"A sample named {name!r} already exists", "Pick another name, or pass --replace to redraw it.")
            conn.execute(delete(samples).where(samples.c.id == existing))
        sample_id = inserted_id(conn.execute(
            samples.insert().values(
                project_id=project.id, name=name, method=method, params=params, seed=seed,
                size=len(chosen), created_at=utcnow(),
            )
        ))
        conn.execute(
            sample_posts.insert(),
            [{"sample_id": sample_id, "post_pk": int(pk), "position": i} for i, pk in enumerate(chosen)],
        )
    return get_sample(db, project, name)


def _sample(row) -> Sample:
    return Sample(
        id=row.id, name=row.name, method=row.method, params=dict(row.params), seed=row.seed, size=row.size,
        created_at=row.created_at, strata=dict(row.params.get("strata") or {}),
    )


def get_sample(db: Database, project: Project, name: str) -> Sample:
    """The sample called ``name``."""
    with db.read() as conn:
        row = conn.execute(select(samples).where(samples.c.project_id == project.id, samples.c.name == name)).first()
    if row is None:
        names = [s.name for s in list_samples(db, project)]
        raise NotFound(
            f"No sample named {name!r} in project {project.name!r}",
            f"Samples: {', '.join(names)}." if names else "Draw one with `dazi sample NAME --size N`.",
        )
    return _sample(row)


def list_samples(db: Database, project: Project) -> list[Sample]:
    """The project's samples, oldest first."""
    with db.read() as conn:
        rows = conn.execute(select(samples).where(samples.c.project_id == project.id).order_by(samples.c.id)).all()
    return [_sample(r) for r in rows]


def sample_post_pks(db: Database, sample: Sample) -> list[int]:
    """The sample's posts (database keys) in their stored order."""
    with db.read() as conn:
        return list(
            conn.execute(
                select(sample_posts.c.post_pk).where(sample_posts.c.sample_id == sample.id).order_by(sample_posts.c.position)
            ).scalars()
        )


def delete_sample(db: Database, project: Project, name: str) -> None:
    """Delete a sample (its posts stay in the project)."""
    sample = get_sample(db, project, name)
    with db.write() as conn:
        conn.execute(delete(samples).where(samples.c.id == sample.id))
