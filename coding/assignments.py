"""Blind assignment of a sample to coders, with a reliability overlap.

Every post of the sample goes to at least one coder.  The *overlap set* (a
fraction or a count of the sample) goes to every listed coder, so it can be
used to measure inter-coder reliability; the rest is split evenly.  Each
coder's order is shuffled reproducibly from the seed and the coder's name.

Re-running with the same sample, coders, overlap and seed gives the same
assignment.  Adding a coder later rebalances only uncoded work: a post
somebody has started coding stays with them, the new coder receives the
whole overlap set and an even share of the uncoded rest.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, select

from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project, update_settings
from dazi.schema import assignments, coding_units, codings, utcnow

from coding.coders import Coder, get_coder

__all__ = ["AssignmentSummary", "assign", "assigned_post_pks", "overlap_post_pks", "Progress", "progress"]


@dataclass(frozen=True)
class AssignmentSummary:
    """What :func:`assign` did: per coder, how many posts and how many overlap."""

    sample: str
    overlap: int
    per_coder: dict[str, int]
    added: int
    removed: int


def _seed_for(seed: int, *parts: str) -> np.random.Generator:
    digest = hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _overlap_count(overlap: float, n: int) -> int:
    """Values below 1 are fractions of the sample, 1 and above counts of posts."""
    if overlap < 0:
        raise ValidationError("The overlap cannot be negative.")
    if overlap < 1:
        return int(round(overlap * n))
    count = int(overlap)
    if count != overlap:
        raise ValidationError(f"Overlap {overlap} is neither a fraction below 1 nor a whole number of posts.")
    if count > n:
        raise ValidationError(f"The overlap ({count}) is larger than the sample ({n} posts).")
    return count


def assign(
    db: Database,
    project: Project,
    sample_name: str,
    coder_names: list[str],
    *,
    overlap: float = 0.2,
    seed: int = 0,
    stratify_by: str | None = None,
) -> AssignmentSummary:
    """Assign a sample's posts to coders (idempotent for the same arguments).

    Parameters
    ----------
    sample_name : str
        A sample drawn with :func:`corpus.sampling.draw_sample`.
    coder_names : list of str
        The coders who share the work (at least one; two or more for an overlap).
    overlap : float
        A fraction of the sample (``0.2``) or a number of posts (``100``) that
        every coder codes.
    seed : int
        Seed for choosing the overlap set and shuffling each coder's order.
    stratify_by : str, optional
        Draw the overlap set proportionally over this post field's values
        (e.g. ``source_keywords``), so reliability covers every stratum.
    """
    from corpus.sampling import _allocate, _stratum, get_sample, sample_post_pks
    from corpus.store import posts_frame

    if not coder_names:
        raise ValidationError("Name at least one coder to assign to.", "Pass --coders a,b.")
    if len(set(coder_names)) != len(coder_names):
        raise ValidationError("A coder is named twice in --coders.")
    coders_ = [get_coder(db, project, name) for name in coder_names]
    sample = get_sample(db, project, sample_name)
    pks = sample_post_pks(db, sample)
    n_overlap = _overlap_count(overlap, len(pks))
    if n_overlap and len(coders_) < 2:
        raise ValidationError("An overlap needs at least two coders.", "Add coders, or pass --overlap 0.")

    ordered = sorted(pks)  # independent of the sample's stored order
    rng = _seed_for(seed, "overlap", sample.name)
    if stratify_by and n_overlap:
        frame = posts_frame(db, project, [stratify_by]).reindex(ordered)
        keys = frame[stratify_by].map(_stratum)
        alloc = _allocate(keys.value_counts().sort_index(), n_overlap)
        overlap_set: set[int] = set()
        for stratum, k in alloc.items():
            members = [pk for pk, key in zip(ordered, keys) if key == stratum]
            overlap_set.update(members[i] for i in rng.choice(len(members), size=int(k), replace=False))
    else:
        overlap_set = {ordered[i] for i in rng.choice(len(ordered), size=n_overlap, replace=False)}
    rest = [pk for pk in ordered if pk not in overlap_set]
    rest = [rest[i] for i in _seed_for(seed, "rest", sample.name).permutation(len(rest))]

    ids = [c.id for c in coders_]
    with db.write() as conn:
        # who has started coding what: that work stays where it is
        started: dict[int, set[int]] = defaultdict(set)
        for post_pk, coder_id in conn.execute(
            select(codings.c.post_pk, codings.c.coder_id)
            .where(codings.c.project_id == project.id)
            .union(select(coding_units.c.post_pk, coding_units.c.coder_id).where(coding_units.c.project_id == project.id))
        ):
            started[post_pk].add(coder_id)
        existing = {
            (r.coder_id, r.post_pk): r
            for r in conn.execute(select(assignments).where(assignments.c.sample_id == sample.id))
        }

        target: dict[int, set[int]] = {cid: set(overlap_set) for cid in ids}
        load = {cid: len(overlap_set) for cid in ids}
        free: list[int] = []
        for pk in rest:
            starters = started.get(pk, set())
            owner = next((cid for cid in ids if cid in starters), None)
            if owner is not None:
                target[owner].add(pk)
                load[owner] += 1
            elif not starters:
                free.append(pk)
            # else: started by a coder not listed now; it stays with them
        # deal the uncoded rest to whoever has least, ties in coder order
        for pk in free:
            cid = min(ids, key=lambda c: (load[c], ids.index(c)))
            target[cid].add(pk)
            load[cid] += 1

        removed = 0
        for (cid, pk), row in existing.items():
            if cid not in target or pk not in target[cid]:
                if pk in started and cid in started[pk]:
                    continue  # never take started work away
                conn.execute(delete(assignments).where(assignments.c.id == row.id))
                removed += 1
        added = 0
        now = utcnow()
        rows = []
        for coder in coders_:
            mine = sorted(target[coder.id])
            order = _seed_for(seed, "order", sample.name, coder.name).permutation(len(mine))
            for position, idx in enumerate(order):
                pk = mine[idx]
                if (coder.id, pk) in existing:
                    continue
                rows.append(
                    {"project_id": project.id, "coder_id": coder.id, "post_pk": pk, "sample_id": sample.id,
                     "position": position, "overlap": pk in overlap_set, "created_at": now}
                )
        if rows:
            # a post assigned through another sample keeps that assignment
            taken = {
                (r.coder_id, r.post_pk)
                for r in conn.execute(
                    select(assignments.c.coder_id, assignments.c.post_pk).where(
                        assignments.c.project_id == project.id, assignments.c.coder_id.in_(ids)
                    )
                )
            }
            rows = [r for r in rows if (r["coder_id"], r["post_pk"]) not in taken]
            if rows:
                conn.execute(assignments.insert(), rows)
            added = len(rows)
        per_coder = {
            c.name: int(
                conn.execute(
                    select(func.count()).select_from(assignments).where(
                        assignments.c.coder_id == c.id, assignments.c.sample_id == sample.id
                    )
                ).scalar()
            )
            for c in coders_
        }
    update_settings(
        db, project,
        assignment={"sample": sample.name, "coders": coder_names, "overlap": overlap, "seed": seed,
                    "stratify_by": stratify_by},
    )
    return AssignmentSummary(sample.name, len(overlap_set), per_coder, added, removed)


def assigned_post_pks(db: Database, project: Project, coder: Coder) -> list[int]:
    """A coder's assigned posts in their coding order."""
    with db.read() as conn:
        return list(
            conn.execute(
                select(assignments.c.post_pk)
                .where(assignments.c.project_id == project.id, assignments.c.coder_id == coder.id)
                .order_by(assignments.c.sample_id, assignments.c.position, assignments.c.post_pk)
            ).scalars()
        )


def overlap_post_pks(db: Database, project: Project) -> list[int]:
    """Posts in the reliability overlap set (assigned to several coders)."""
    with db.read() as conn:
        return sorted(
            set(
                conn.execute(
                    select(assignments.c.post_pk).where(
                        assignments.c.project_id == project.id, assignments.c.overlap.is_(True)
                    )
                ).scalars()
            )
        )


@dataclass(frozen=True)
class Progress:
    """One coder's progress."""

    coder: str
    role: str
    assigned: int
    coded: int
    uncertain: int
    remaining: int
    overlap_assigned: int
    overlap_coded: int


def progress(db: Database, project: Project) -> tuple[list[Progress], dict]:
    """Per coder: assigned, coded, uncertain, remaining; and the overlap set's state.

    Returns the per-coder list and ``{"overlap_units", "complete_units"}``
    where a unit is complete when every coder assigned to it has finished it.
    """
    from coding.coders import list_coders

    out = []
    with db.read() as conn:
        done = {
            (r.coder_id, r.post_pk): r
            for r in conn.execute(select(coding_units).where(coding_units.c.project_id == project.id))
        }
        rows = conn.execute(
            select(assignments.c.coder_id, assignments.c.post_pk, assignments.c.overlap).where(
                assignments.c.project_id == project.id
            )
        ).all()
    by_coder: dict[int, list] = defaultdict(list)
    overlap_units: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        by_coder[r.coder_id].append(r)
        if r.overlap:
            overlap_units[r.post_pk].append(r.coder_id)
    for coder in list_coders(db, project):
        mine = by_coder.get(coder.id, [])
        if not mine and coder.role != "coder":
            continue
        units = [done.get((coder.id, r.post_pk)) for r in mine]
        coded = sum(1 for u in units if u is not None and u.done)
        uncertain = sum(1 for u in units if u is not None and u.uncertain)
        overlap_rows = [r for r in mine if r.overlap]
        overlap_coded = sum(1 for r in overlap_rows if (u := done.get((coder.id, r.post_pk))) is not None and u.done)
        out.append(
            Progress(coder.name, coder.role, len(mine), coded, uncertain, len(mine) - coded, len(overlap_rows), overlap_coded)
        )
    complete = sum(
        1
        for pk, cids in overlap_units.items()
        if all((u := done.get((cid, pk))) is not None and u.done for cid in cids)
    )
    return out, {"overlap_units": len(overlap_units), "complete_units": complete}

