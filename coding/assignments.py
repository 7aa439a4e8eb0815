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
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import and_, case, delete, func, select, tuple_

from coding.coders import Coder, get_coder, list_coders
from corpus.sampling import _allocate, _stratum, get_sample, sample_post_pks
from corpus.store import posts_frame
from dazi.db import Database
from dazi.errors import ValidationError
from dazi.projects import Project, update_settings
from dazi.schema import assignments, coders, coding_units, codings, posts, utcnow

__all__ = ["AssignmentSummary", "Progress", "assign", "assigned_post_pks", "overlap_post_pks", "progress"]


@dataclass(frozen=True)
class AssignmentSummary:
    """What :func:`assign` did: per coder, how many posts and how many overlap.

    ``started_elsewhere`` counts, per coder *not* named in this call, the
    sample's posts outside the overlap that coder has already started (coded
    or opened): they stay with that coder and go to nobody named here, unless
    ``include_started`` was given.  ``already_assigned`` counts, per named
    coder, posts they would have received that they already hold through
    another sample (they keep that assignment).
    """

    sample: str
    overlap: int
    per_coder: dict[str, int]
    added: int
    removed: int
    started_elsewhere: dict[str, int] = field(default_factory=dict)
    already_assigned: dict[str, int] = field(default_factory=dict)
    include_started: bool = False


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
    include_started: bool = False,
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
    include_started : bool
        Posts outside the overlap that a coder not named here has already
        started (e.g. in another sample) stay with that coder by default and
        are counted in ``started_elsewhere``; with ``True`` they are dealt to
        the named coders too (they will then be coded twice).
    """
    if not coder_names:
        raise ValidationError("Name at least one coder to assign to.", "Pass --coders a,b.")
    if len(set(coder_names)) != len(coder_names):
        raise ValidationError("A coder is named twice in --coders.")
    coders_ = [get_coder(db, project, name) for name in coder_names]
    sample = get_sample(db, project, sample_name)
    pks = sample_post_pks(db, sample)
    n_overlap = _overlap_count(overlap, len(pks))
    from corpus.sampling import NONRANDOM_METHODS

    if n_overlap and sample.method in NONRANDOM_METHODS:
        raise ValidationError(
            f"Sample {sample.name!r} is not random (drawn by {sample.method}): its posts cannot measure reliability.",
            "Assign it with --overlap 0 (for training a model), and draw a random sample for the overlap.")
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
        elsewhere: dict[int, int] = defaultdict(int)
        for pk in rest:
            starters = started.get(pk, set())
            owner = next((cid for cid in ids if cid in starters), None)
            if owner is not None:
                target[owner].add(pk)
                load[owner] += 1
            elif not starters or include_started:
                free.append(pk)
            else:  # started by coders not listed now: it stays with them, and is reported
                for cid in starters:
                    elsewhere[cid] += 1
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
        already: dict[int, int] = defaultdict(int)
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
            held = [r for r in rows if (r["coder_id"], r["post_pk"]) in taken]
            for r in held:
                already[r["coder_id"]] += 1
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
                ).scalar_one()
            )
            for c in coders_
        }
        names = dict(conn.execute(select(coders.c.id, coders.c.name).where(coders.c.project_id == project.id)).all())
    update_settings(
        db, project,
        assignment={"sample": sample.name, "coders": coder_names, "overlap": overlap, "seed": seed,
                    "stratify_by": stratify_by},
    )
    return AssignmentSummary(
        sample.name, len(overlap_set), per_coder, added, removed,
        started_elsewhere={names[cid]: n for cid, n in sorted(elsewhere.items(), key=lambda kv: names[kv[0]])},
        already_assigned={names[cid]: n for cid, n in already.items()},
        include_started=include_started,
    )


def assigned_post_pks(db: Database, project: Project, coder: Coder) -> list[int]:
    """A coder's assigned posts in their coding order."""
    query = select(assignments.c.post_pk).where(assignments.c.coder_id == coder.id).order_by(*_ORDER)
    with db.read() as conn:  # posts of deleted samples first, as in the workspace, on both backends
        return [pk for segment in _segments(None) for pk in conn.execute(query.where(segment)).scalars()]


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

    def after_save(self, *, was_done: bool, was_uncertain: bool, done: bool, uncertain: bool,
                   overlap: bool) -> Progress:
        """This progress once one of the coder's assigned posts was saved (its unit's state before
        and after, as :class:`coding.codings.SaveResult` gives them; ``overlap``: the post is in the
        reliability overlap).

        What :func:`coder_progress` would count after the save, without counting: the Code page
        follows each Save & next with it instead of aggregating the coder's whole assignment
        again.  Only for a post assigned to the coder (an admin's save of another post changes
        no count).
        """
        newly = int(done and not was_done) - int(was_done and not done)
        coded = self.coded + newly
        return replace(self, coded=coded, remaining=self.assigned - coded,
                       uncertain=self.uncertain + int(uncertain) - int(was_uncertain),
                       overlap_coded=self.overlap_coded + (newly if overlap else 0))


def progress(db: Database, project: Project) -> tuple[list[Progress], dict]:
    """Per coder: assigned, coded, uncertain, remaining; and the overlap set's state.

    Returns the per-coder list and ``{"overlap_units", "complete_units"}``
    where a unit is complete when every coder assigned to it has finished it.
    """
    coders_ = list_coders(db, project)
    ids = [c.id for c in coders_]
    with db.read() as conn:
        counts = _coder_counts(conn, ids)
        # overlap units, and those some coder has not finished, in one pass over the overlap rows
        unfinished = case((func.coalesce(coding_units.c.done, False).is_(True), None), else_=assignments.c.post_pk)
        n_units, n_unfinished = (int(v) for v in conn.execute(
            select(func.count(assignments.c.post_pk.distinct()), func.count(unfinished.distinct()))
            .select_from(_with_units())
            .where(assignments.c.coder_id.in_(ids), assignments.c.overlap.is_(True))
        ).one())
    out = [_progress(coder, counts[coder.id]) for coder in coders_
           if coder.role == "coder" or counts[coder.id][0]]
    return out, {"overlap_units": n_units, "complete_units": n_units - n_unfinished}



# --------------------------------------------------------------------------
# One coder's assignment, read by key (the coding workspace)
# --------------------------------------------------------------------------

#: The filters of :func:`assignment_neighbour` and :func:`assignment_page`.
ASSIGNMENT_FILTERS: tuple[str, ...] = ("all", "uncoded", "coded", "uncertain")


@dataclass(frozen=True)
class AssignedPost:
    """One row of a coder's assignment list (:func:`assignment_page`)."""

    post_pk: int
    post_id: str
    position: int
    title: str | None
    text: str
    done: bool
    uncertain: bool
    updated_at: object | None


#: A coder's order: by sample, then position, then post.  A sample deleted later leaves
#: ``sample_id`` NULL, and those rows come first (as ``coalesce(sample_id, 0)`` would put them,
#: but without the function, so the index ``ix_assignments_coder_order`` serves the order).
#: SQLite sorts NULL first by itself; the queries below never rely on where a backend puts
#: NULL: they read the NULL rows and the others as separate segments (see :func:`_segments`).
_ORDER = (assignments.c.sample_id, assignments.c.position, assignments.c.post_pk)


def _with_units():
    """The assignment joined to the coder's own coding unit of each post."""
    return assignments.outerjoin(
        coding_units,
        and_(coding_units.c.post_pk == assignments.c.post_pk, coding_units.c.coder_id == assignments.c.coder_id),
    )


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _coder_counts(conn, ids: list[int]) -> dict[int, tuple[int, int, int, int, int]]:
    """Per coder id: assigned, coded, uncertain, overlap, overlap coded (zeros for a coder with none).

    By the coders' indexes (the coder implies the project): each assignment
    row is counted once from ``ix_assignments_coder_order`` and each coding
    unit is looked up once in its assignment; nothing is loaded into Python.
    """
    held = and_(assignments.c.coder_id == coding_units.c.coder_id, assignments.c.post_pk == coding_units.c.post_pk)
    unit_done = coding_units.c.done.is_(True)
    rows = {
        cid: (int(n), int(overlap))
        for cid, n, overlap in conn.execute(
            select(assignments.c.coder_id, func.count(), _count(assignments.c.overlap.is_(True)))
            .where(assignments.c.coder_id.in_(ids)).group_by(assignments.c.coder_id)
        )
    }
    units = {
        cid: (int(done), int(uncertain), int(overlap_done))
        for cid, done, uncertain, overlap_done in conn.execute(
            select(coding_units.c.coder_id, _count(unit_done), _count(coding_units.c.uncertain.is_(True)),
                   _count(and_(unit_done, assignments.c.overlap.is_(True))))
            .select_from(coding_units.join(assignments, held))
            .where(coding_units.c.coder_id.in_(ids))
            .group_by(coding_units.c.coder_id)
        )
    }
    out = {}
    for cid in ids:
        (n, overlap), (done, uncertain, overlap_done) = rows.get(cid, (0, 0)), units.get(cid, (0, 0, 0))
        out[cid] = (n, done, uncertain, overlap, overlap_done)
    return out


def _progress(coder: Coder, counts) -> Progress:
    assigned, coded, uncertain, overlap, overlap_coded = (int(v) for v in counts)
    return Progress(coder.name, coder.role, assigned, coded, uncertain, assigned - coded, overlap, overlap_coded)


def _assignment_select(coder: Coder, columns: list, status: str, text: str | None):
    """``select(columns)`` over the coder's assignment joined to their coding units, filtered.

    Filtered by the coder alone (the coder implies the project), so SQLite goes
    through the coder's index even without statistics.
    """
    if status not in ASSIGNMENT_FILTERS:
        raise ValidationError(f"Unknown filter {status!r}", f"Use one of: {', '.join(ASSIGNMENT_FILTERS)}.")
    source = _with_units()
    if text or any(getattr(c, "table", None) is posts for c in columns):
        source = source.join(posts, posts.c.id == assignments.c.post_pk)
    query = select(*columns).select_from(source).where(assignments.c.coder_id == coder.id)
    done = func.coalesce(coding_units.c.done, False)
    if status == "uncoded":
        query = query.where(done.is_(False))
    elif status == "coded":
        query = query.where(done.is_(True))
    elif status == "uncertain":
        query = query.where(func.coalesce(coding_units.c.uncertain, False).is_(True))
    if text and text.strip():
        needle = text.strip()
        query = query.where(
            posts.c.text.icontains(needle, autoescape=True) | posts.c.title.icontains(needle, autoescape=True)
        )
    return query


def _order_key(conn, coder: Coder, post_pk: int):
    return conn.execute(
        select(*_ORDER).where(assignments.c.coder_id == coder.id, assignments.c.post_pk == post_pk)
    ).first()


def _segments(key, *, before: bool = False) -> list:
    """WHERE clauses for the rows after (or before) ``key`` in the coder's order, in that order.

    Each is one range of ``ix_assignments_coder_order`` (a row-value comparison
    or ``sample_id IS NULL``), so a query per segment seeks to its start and a
    ``LIMIT`` stops early.  The rows of deleted samples (``sample_id`` NULL)
    come first in the order and form their own segment.  ``key`` None: the
    whole order.
    """
    sample, position, pk = _ORDER
    null, not_null = sample.is_(None), sample.is_not(None)
    if key is None:
        return [not_null, null] if before else [null, not_null]
    if key[0] is None:
        rest = tuple_(position, pk) < tuple_(key[1], key[2]) if before else tuple_(position, pk) > tuple_(key[1], key[2])
        return [and_(null, rest)] if before else [and_(null, rest), not_null]
    if before:
        return [tuple_(sample, position, pk) < tuple_(*key), null]
    return [tuple_(sample, position, pk) > tuple_(*key)]


def assignment_neighbour(
    db: Database,
    project: Project,
    coder: Coder,
    post_pk: int | None,
    *,
    direction: str = "next",
    status: str = "all",
    text: str | None = None,
) -> int | None:
    """The post after (or before) ``post_pk`` in ``coder``'s order that passes the filters.

    Reads by key (one indexed look-up and an ordered ``LIMIT 1`` per segment of
    :func:`_segments`, walking ``ix_assignments_coder_order`` from the current
    post), so moving from post to post does not grow with the assignment.  A
    keyword filter tests each following post's text until one matches: as long
    as the matches are frequent that stops early, a rare keyword reads on.

    Parameters
    ----------
    post_pk : int or None
        Where the coder is.  ``None``, or a post not (or no longer) assigned
        to the coder, gives the first (``"next"``) or last (``"previous"``)
        post that passes the filters.
    direction : {"next", "previous"}
    status : {"all", "uncoded", "coded", "uncertain"}
        ``uncoded`` means not finished (drafts included); ``uncertain`` means
        flagged "uncertain" by the coder.
    text : str, optional
        Only posts whose title or text contains this (case-insensitive for
        Latin letters).

    Returns
    -------
    int or None
        The post's key, or None when no post in that direction passes.
    """
    if direction not in ("next", "previous"):
        raise ValidationError(f"Unknown direction {direction!r}", "Use 'next' or 'previous'.")
    backwards = direction == "previous"
    order = [c.desc() if backwards else c.asc() for c in _ORDER]
    query = _assignment_select(coder, [assignments.c.post_pk], status, text)
    with db.read() as conn:
        key = _order_key(conn, coder, post_pk) if post_pk is not None else None
        for segment in _segments(None if key is None else tuple(key), before=backwards):
            row = conn.execute(query.where(segment).order_by(*order).limit(1)).first()
            if row is not None:
                return int(row.post_pk)
    return None


def assignment_position(db: Database, project: Project, coder: Coder, post_pk: int) -> int | None:
    """1-based place of ``post_pk`` in ``coder``'s order (None if not assigned to them)."""
    with db.read() as conn:
        key = _order_key(conn, coder, post_pk)
        if key is None:
            return None
        before = sum(
            int(conn.execute(
                select(func.count()).select_from(assignments).where(assignments.c.coder_id == coder.id, segment)
            ).scalar_one())
            for segment in _segments(tuple(key), before=True)
        )
    return before + 1


def coder_progress(db: Database, project: Project, coder: Coder) -> Progress:
    """One coder's :class:`Progress`, counted in the database (no per-post rows read)."""
    with db.read() as conn:
        return _progress(coder, _coder_counts(conn, [coder.id])[coder.id])


def assignment_page(
    db: Database,
    project: Project,
    coder: Coder,
    *,
    status: str = "all",
    text: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AssignedPost], int]:
    """One page of ``coder``'s assignment in their order, and how many posts pass the filters.

    Filters as in :func:`assignment_neighbour`.  ``position`` is the post's
    1-based place in the whole (unfiltered) order.  Without filters the page is
    read by ``LIMIT``/``OFFSET`` along the coder's index; with filters only the
    coder's own assignment is numbered (never the project's).
    """
    if offset < 0 or limit < 1:
        raise ValidationError("A page needs offset >= 0 and limit >= 1.")
    shown = [assignments.c.post_pk, posts.c.post_id, posts.c.title, posts.c.text,
             func.coalesce(coding_units.c.done, False).label("done"),
             func.coalesce(coding_units.c.uncertain, False).label("uncertain"), coding_units.c.updated_at]
    counted = _assignment_select(coder, [func.count()], status, text)
    rows: list = []
    with db.read() as conn:
        total = int(conn.execute(counted).scalar() or 0)
        if status == "all" and not (text and text.strip()):
            # the unfiltered order: read each segment's slice along the index
            skip, want = offset, limit
            for segment in _segments(None):
                if want <= 0:
                    break
                n = int(conn.execute(
                    select(func.count()).select_from(assignments).where(assignments.c.coder_id == coder.id, segment)
                ).scalar_one())
                if skip >= n:
                    skip -= n
                    continue
                part = conn.execute(
                    _assignment_select(coder, shown, status, text).where(segment).order_by(*_ORDER)
                    .offset(skip).limit(want)
                ).all()
                rows += [(offset + len(rows) + i + 1, r) for i, r in enumerate(part)]
                skip, want = 0, want - len(part)
        else:
            sample, position, pk = _ORDER
            first = case((sample.is_(None), 0), else_=1)  # deleted samples first, on every backend
            rank = func.row_number().over(order_by=(first, sample, position, pk)).label("rank")
            ranked = select(assignments.c.post_pk, rank).where(assignments.c.coder_id == coder.id).subquery()
            query = _assignment_select(coder, [*shown, ranked.c.rank], status, text).join(
                ranked, ranked.c.post_pk == assignments.c.post_pk
            )
            rows = [(int(r.rank), r) for r in conn.execute(query.order_by(ranked.c.rank).offset(offset).limit(limit))]
    return [
        AssignedPost(int(r.post_pk), str(r.post_id), rank, r.title, r.text or "", bool(r.done),
                     bool(r.uncertain), r.updated_at)
        for rank, r in rows
    ], total


__all__ += [
    "ASSIGNMENT_FILTERS",
    "AssignedPost",
    "assignment_neighbour",
    "assignment_page",
    "assignment_position",
    "coder_progress",
]
