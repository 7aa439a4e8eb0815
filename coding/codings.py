"""Codings: what each coder decided for each post, with full history.

A coding is (post, coder, variable) -> value, and per (post, coder) a memo,
an "uncertain" flag and the seconds spent.  Every save appends events to
``coding_events`` (who, when, old value, new value, codebook version) and
updates the current state in the same transaction, so nothing is ever
overwritten: any earlier state can be replayed (:func:`codings_long` with
``as_of``), and undo is a new event.

Saving the same values twice writes nothing the second time, so a double
click cannot record a decision twice.

Blind coding is enforced here, not only in the app: every read takes the
*viewer* and, while the project is blind, returns only the viewer's own
codings unless the viewer is an adjudicator or admin.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, and_, bindparam, func, select, update

from coding.codebook import Codebook, is_applicable, validate_value
from coding.codebook_store import StoredCodebook, current_codebook
from coding.coders import Coder, can_see_all
from coding.missing import is_unanswered
from dazi.db import Database
from dazi.errors import AccessDenied, DaziError, NotFound, ValidationError
from dazi.projects import Project, _row_to_project
from dazi.schema import (
    assignments,
    codebook_versions,
    coders,
    coding_events,
    coding_units,
    codings,
    posts,
    projects,
    utcnow,
)

__all__ = [
    "SaveResult",
    "Unit",
    "save_coding",
    "save_codings",
    "PlannedSave",
    "undo_last",
    "get_unit",
    "codings_long",
    "units_frame",
    "history",
    "next_uncoded",
    "assert_can_code",
]


@dataclass(frozen=True)
class SaveResult:
    """What a save changed: the variables whose values changed, events written, and the unit's
    state before and after (``was_done``/``was_uncertain``, ``done``/``uncertain``: what a
    progress count needs to follow the save without counting again)."""

    post_pk: int
    changed: list[str]
    events: int
    codebook_version: int
    was_done: bool = False
    was_uncertain: bool = False
    done: bool = False
    uncertain: bool = False


@dataclass
class Unit:
    """One coder's current coding of one post."""

    post_pk: int
    coder: str
    values: dict = field(default_factory=dict)
    memo: str | None = None
    uncertain: bool = False
    seconds: float = 0.0
    done: bool = False
    updated_at: datetime | None = None


def _frame(rows, columns: list[str], *, strings: tuple[str, ...] = (), objects: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows to a frame: id-like columns as pandas strings, values kept as Python objects."""
    data = {col: [r[i] for r in rows] for i, col in enumerate(columns)}
    frame = pd.DataFrame({
        col: pd.Series(vals, dtype=object) if col in objects else pd.Series(vals, dtype="string" if col in strings else None)
        for col, vals in data.items()
    }, columns=columns)
    return frame


def _check_coder(conn: Connection, project: Project, coder: Coder) -> None:
    row = conn.execute(select(coders.c.active, coders.c.project_id).where(coders.c.id == coder.id)).first()
    if row is None or row.project_id != project.id or not row.active:
        raise AccessDenied(f"Coder {coder.name!r} may not code in project {project.name!r}.")


def assert_can_code(conn: Connection, project: Project, coder: Coder, post_pk: int) -> None:
    """Raise unless ``coder`` is active and the post is assigned to them (admins may code any post)."""
    _check_coder(conn, project, coder)
    exists = conn.execute(select(posts.c.id).where(posts.c.id == post_pk, posts.c.project_id == project.id)).first()
    if exists is None:
        raise NotFound(f"No post #{post_pk} in project {project.name!r}")
    if coder.role == "admin":
        return
    assigned = conn.execute(
        select(assignments.c.id).where(assignments.c.coder_id == coder.id, assignments.c.post_pk == post_pk)
    ).first()
    if assigned is None:
        raise AccessDenied(
            f"Post #{post_pk} is not assigned to {coder.name!r}.", "Ask the admin to assign it (dazi assign)."
        )


def _normalise(codebook: Codebook, values: Mapping[str, object], current: Mapping[str, object]) -> dict:
    """Validate every value; values of variables whose condition fails become None."""
    known = set(codebook.variable_ids())
    unknown = [v for v in values if v not in known]
    if unknown:
        ids = ", ".join(v.id for v in codebook.variables)
        raise ValidationError(f"Unknown variable(s): {', '.join(unknown)}", f"Variables of this codebook: {ids}.")
    merged = {**current, **values}
    out: dict[str, object] = {}
    problems = []
    for variable in codebook.variables:
        if variable.id not in values:
            continue
        raw = values[variable.id]
        if is_unanswered(raw):
            out[variable.id] = None
            continue
        try:
            out[variable.id] = validate_value(variable, raw)
        except ValidationError as exc:
            problems.append(exc.message)
    if problems:
        raise ValidationError("Invalid coding: " + "; ".join(problems))
    resolved = {**merged, **out}
    for variable in codebook.variables:
        if variable.when and not is_applicable(variable, resolved, codebook) and resolved.get(variable.id) is not None:
            # structurally missing: a skipped question has no value
            out[variable.id] = None
            resolved[variable.id] = None
    return out


_PARSED: dict[tuple, StoredCodebook] = {}
_PARSED_MAX = 32
_PARSED_LOCK = threading.Lock()


def _current_codebook(db: Database, conn: Connection, project: Project) -> StoredCodebook:
    """The project's current codebook version (a :class:`coding.codebook_store.StoredCodebook`), parsed
    once per stored version.

    Versions are never changed once stored (a change is a new version), so
    the parsed codebook is kept by the version row's identity (database,
    key, number and time stored: a database made again reuses keys): a save
    reads one small row instead of parsing the whole codebook again (~5 ms a
    save for the shipped codebook).
    """
    row = conn.execute(
        select(codebook_versions.c.id, codebook_versions.c.version, codebook_versions.c.created_at)
        .where(codebook_versions.c.project_id == project.id)
        .order_by(codebook_versions.c.version.desc()).limit(1)
    ).first()
    key = None if row is None else (db.url, row.id, row.version, row.created_at)
    stored = None if key is None else _PARSED.get(key)
    if stored is None:
        stored = current_codebook(db, project, conn=conn)  # (reads on conn; NotFound, with its hint, when there is none)
        if row is not None and key is not None and stored.version == row.version:  # (not a version stored in between)
            with _PARSED_LOCK:
                while len(_PARSED) >= _PARSED_MAX:
                    _PARSED.pop(next(iter(_PARSED)))
                _PARSED[key] = stored
    return stored


def _current_values(conn: Connection, coder_id: int, post_pk: int) -> dict:
    return {
        r.variable: r.value
        for r in conn.execute(
            select(codings.c.variable, codings.c.value).where(codings.c.coder_id == coder_id, codings.c.post_pk == post_pk)
        )
    }


#: The statements :func:`_write_values` runs, built once: building one per value (``insert().values(...)``)
#: cost more than running it (SQLAlchemy derives a cache key for each new statement).
_EVENT_INSERT = coding_events.insert()
_CODING_INSERT = codings.insert()
_CODING_UPDATE = (
    update(codings)
    .where(codings.c.post_pk == bindparam("w_post"), codings.c.coder_id == bindparam("w_coder"),
           codings.c.variable == bindparam("w_variable"))
    .values(value=bindparam("n_value"), codebook_version=bindparam("n_version"), updated_at=bindparam("n_at"),
            event_id=bindparam("n_event"))
)


def _write_values(conn, project, coder_id, post_pk, new: Mapping[str, object], current: Mapping, version: int,
                  now: datetime, note: str | None = None) -> list[str]:
    """Write the values of ``new`` that differ from ``current``: an event each, then the coding rows
    (inserted or updated, each kind in one statement).  Returns the variables changed."""
    changed = []
    inserts: list[dict] = []
    updates: list[dict] = []
    for variable, value in new.items():
        old = current.get(variable)
        if old == value:
            continue
        event_id = conn.execute(_EVENT_INSERT, {
            "project_id": project.id, "post_pk": post_pk, "coder_id": coder_id, "field": "value",
            "variable": variable, "value": value, "old_value": old, "note": note, "codebook_version": version,
            "created_at": now,
        }).inserted_primary_key[0]
        if variable in current:
            updates.append({"w_post": post_pk, "w_coder": coder_id, "w_variable": variable, "n_value": value,
                            "n_version": version, "n_at": now, "n_event": event_id})
        else:
            inserts.append({"project_id": project.id, "post_pk": post_pk, "coder_id": coder_id, "variable": variable,
                            "value": value, "codebook_version": version, "updated_at": now, "event_id": event_id})
        changed.append(variable)
    if inserts:
        conn.execute(_CODING_INSERT, inserts)
    if updates:
        conn.execute(_CODING_UPDATE, updates)
    return changed


def _save_in(conn: Connection, db: Database, project: Project, coder: Coder, post_pk: int,
             values: Mapping[str, object], *, memo: str | None, uncertain: bool | None, seconds: float | None,
             done: bool, hints: bool | None = None) -> SaveResult:
    """:func:`save_coding`'s work inside the caller's write transaction."""
    assert_can_code(conn, project, coder, post_pk)
    stored = _current_codebook(db, conn, project)
    current = _current_values(conn, coder.id, post_pk)
    new = _normalise(stored.codebook, values, current)
    resolved = {**current, **new}
    if done:
        missing = [
            v.id for v in stored.codebook.variables
            if v.required and is_applicable(v, resolved, stored.codebook) and is_unanswered(resolved.get(v.id))
        ]
        if missing:
            raise ValidationError(
                f"Post #{post_pk}: required variable(s) not coded: {', '.join(missing)}",
                "Code them, or save as a draft.",
            )
    now = utcnow()
    changed = _write_values(conn, project, coder.id, post_pk, new, current, stored.version, now)
    events = len(changed)
    unit = conn.execute(
        select(coding_units).where(coding_units.c.coder_id == coder.id, coding_units.c.post_pk == post_pk)
    ).first()
    state = {
        "memo": unit.memo if unit else None,
        "uncertain": bool(unit.uncertain) if unit else False,
        "done": bool(unit.done) if unit else False,
    }
    wanted = {"memo": memo if memo is not None else state["memo"],
              "uncertain": uncertain if uncertain is not None else state["uncertain"],
              "done": done or state["done"]}
    if wanted["memo"] == "":
        wanted["memo"] = None if state["memo"] is None else ""
    for name in ("memo", "uncertain"):
        if wanted[name] != state[name]:
            conn.execute(
                coding_events.insert().values(
                    project_id=project.id, post_pk=post_pk, coder_id=coder.id, field=name, value=wanted[name],
                    old_value=state[name], codebook_version=stored.version, created_at=now,
                )
            )
            events += 1
    spent = float(seconds or 0.0)
    if spent:
        conn.execute(
            coding_events.insert().values(
                project_id=project.id, post_pk=post_pk, coder_id=coder.id, field="seconds", value=spent,
                codebook_version=stored.version, created_at=now,
            )
        )
    if unit is None:
        conn.execute(
            coding_units.insert().values(
                project_id=project.id, post_pk=post_pk, coder_id=coder.id, memo=wanted["memo"],
                uncertain=wanted["uncertain"], seconds=spent, done=wanted["done"], updated_at=now, hints=hints,
            )
        )
    elif events or spent or wanted["done"] != state["done"] or (hints is not None and hints != unit.hints):
        conn.execute(
            update(coding_units)
            .where(coding_units.c.coder_id == coder.id, coding_units.c.post_pk == post_pk)
            .values(memo=wanted["memo"], uncertain=wanted["uncertain"], seconds=coding_units.c.seconds + spent,
                    done=wanted["done"], updated_at=now, **({} if hints is None else {"hints": hints}))
        )
    return SaveResult(post_pk, changed, events, stored.version, was_done=bool(state["done"]),
                      was_uncertain=bool(state["uncertain"]), done=bool(wanted["done"]), uncertain=bool(wanted["uncertain"]))


def save_coding(
    db: Database,
    project: Project,
    coder: Coder,
    post_pk: int,
    values: Mapping[str, object],
    *,
    memo: str | None = None,
    uncertain: bool | None = None,
    seconds: float | None = None,
    done: bool = True,
    hints: bool | None = None,
) -> SaveResult:
    """Record ``coder``'s values for one post, committed before returning.

    Parameters
    ----------
    values : mapping
        ``{variable_id: value}``; a value of None clears it.  Values are
        checked against the current codebook (unknown codes, numbers out of
        range, two codes on a single-choice variable are errors and nothing
        is written).
    memo, uncertain : optional
        The coder's memo and "uncertain" flag for this post (None: unchanged).
    seconds : float, optional
        Time spent on this save; added to the unit's total.
    done : bool
        Mark the post as coded (required variables that apply must then have
        values).  ``False`` saves a draft.
    hints : bool, optional
        Whether the coder saw keyword hints for this post (recorded on the
        unit, see :mod:`coding.hints`; None: left as it is).

    Returns
    -------
    SaveResult
        Which variables changed; saving identical values changes nothing.
    """

    return db.retrying(lambda conn: _save_in(conn, db, project, coder, post_pk, values, memo=memo,
                                             uncertain=uncertain, seconds=seconds, done=done, hints=hints))


@dataclass
class PlannedSave:
    """One post's save in :func:`save_codings` (the arguments of :func:`save_coding`)."""

    post_pk: int
    values: Mapping[str, object]
    memo: str | None = None
    uncertain: bool | None = None
    done: bool = True


def save_codings(db: Database, project: Project, coder: Coder, saves: Sequence[PlannedSave],
                 *, on_error: Callable[[PlannedSave, DaziError], DaziError] | None = None) -> list[SaveResult]:
    """Save several posts' codings in ONE transaction: all of them, or (on any error) none.

    For batch imports such as :func:`coding.sheets.import_codings`, where a
    file is one decision: a failure or a killed process half way leaves the
    project exactly as before.  Each save is checked exactly as
    :func:`save_coding` checks it; ``on_error`` may turn a post's error into
    one that names its row.
    """

    def _tx(conn: Connection) -> list[SaveResult]:
        results = []
        for save in saves:
            try:
                results.append(_save_in(conn, db, project, coder, save.post_pk, save.values, memo=save.memo,
                                        uncertain=save.uncertain, seconds=None, done=save.done))
            except DaziError as exc:
                if on_error is None:
                    raise
                raise on_error(save, exc) from exc
        return results

    return db.retrying(_tx)


def undo_last(db: Database, project: Project, coder: Coder, post_pk: int) -> SaveResult:
    """Undo ``coder``'s latest change of values on a post, as new events.

    The latest save's value events (those sharing its timestamp) are reverted
    to their old values; undoing twice redoes.
    """

    def _tx(conn: Connection) -> SaveResult:
        assert_can_code(conn, project, coder, post_pk)
        last = conn.execute(
            select(func.max(coding_events.c.created_at)).where(
                coding_events.c.project_id == project.id,  # (the index on events starts with the project)
                coding_events.c.coder_id == coder.id, coding_events.c.post_pk == post_pk, coding_events.c.field == "value"
            )
        ).scalar()
        if last is None:
            raise ValidationError(f"Nothing to undo on post #{post_pk} for {coder.name!r}.")
        events = conn.execute(
            select(coding_events).where(
                coding_events.c.project_id == project.id,
                coding_events.c.coder_id == coder.id, coding_events.c.post_pk == post_pk,
                coding_events.c.field == "value", coding_events.c.created_at == last,
            ).order_by(coding_events.c.id)
        ).all()
        stored = current_codebook(db, project, conn=conn)
        current = _current_values(conn, coder.id, post_pk)
        revert = {e.variable: e.old_value for e in events}
        changed = _write_values(
            conn, project, coder.id, post_pk, revert, current, stored.version, utcnow(),
            note="undo of event " + ",".join(str(e.id) for e in events),
        )
        return SaveResult(post_pk, changed, len(changed), stored.version)

    return db.retrying(_tx)


def _visible_coder_ids(conn: Connection, project: Project, viewer: Coder) -> list[int] | None:
    """None means every coder; otherwise the ids the viewer may read."""
    fresh = get_project_by_id(conn, project.id)
    if can_see_all(viewer, fresh):
        return None
    return [viewer.id]


def get_project_by_id(conn: Connection, project_id: int) -> Project:
    return _row_to_project(conn.execute(select(projects).where(projects.c.id == project_id)).one())


def get_unit(db: Database, project: Project, viewer: Coder, post_pk: int, coder: Coder | None = None) -> Unit:
    """``coder``'s (default: the viewer's own) current coding of one post."""
    coder = coder or viewer
    with db.read() as conn:
        visible = _visible_coder_ids(conn, project, viewer)
        if visible is not None and coder.id not in visible:
            raise AccessDenied(
                f"{viewer.name!r} may not see {coder.name!r}'s codings while the project is blind."
            )
        values = _current_values(conn, coder.id, post_pk)
        unit = conn.execute(
            select(coding_units).where(coding_units.c.coder_id == coder.id, coding_units.c.post_pk == post_pk)
        ).first()
    if unit is None:
        return Unit(post_pk, coder.name, values)
    return Unit(post_pk, coder.name, values, unit.memo, bool(unit.uncertain), float(unit.seconds), bool(unit.done),
                unit.updated_at)


def codings_long(
    db: Database,
    project: Project,
    viewer: Coder | None,
    *,
    coder: str | None = None,
    variables: list[str] | None = None,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """Current codings in long form: one row per (post, coder, variable).

    Columns: ``post_pk``, ``post_id`` (string), ``platform``, ``coder``,
    ``variable``, ``value``, ``codebook_version``, ``updated_at``.
    ``viewer=None`` is the trusted, in-process view (reports and the CLI run
    by the project owner); the app always passes the signed-in coder.
    ``as_of`` replays the event history up to that time instead.
    """
    with db.read() as conn:
        visible = None if viewer is None else _visible_coder_ids(conn, project, viewer)
        if as_of is None:
            query = (
                select(codings.c.post_pk, posts.c.post_id, posts.c.platform, coders.c.name.label("coder"),
                       codings.c.variable, codings.c.value, codings.c.codebook_version, codings.c.updated_at)
                .join(posts, posts.c.id == codings.c.post_pk)
                .join(coders, coders.c.id == codings.c.coder_id)
                .where(codings.c.project_id == project.id)
            )
            cond = codings.c
        else:
            latest = (
                select(func.max(coding_events.c.id).label("id"))
                .where(coding_events.c.project_id == project.id, coding_events.c.field == "value",
                       coding_events.c.created_at <= as_of)
                .group_by(coding_events.c.post_pk, coding_events.c.coder_id, coding_events.c.variable)
                .subquery()
            )
            query = (
                select(coding_events.c.post_pk, posts.c.post_id, posts.c.platform, coders.c.name.label("coder"),
                       coding_events.c.variable, coding_events.c.value, coding_events.c.codebook_version,
                       coding_events.c.created_at.label("updated_at"))
                .join(latest, latest.c.id == coding_events.c.id)
                .join(posts, posts.c.id == coding_events.c.post_pk)
                .join(coders, coders.c.id == coding_events.c.coder_id)
            )
            cond = coding_events.c
        if visible is not None:
            query = query.where(cond.coder_id.in_(visible))
        if coder is not None:
            query = query.where(coders.c.name == coder)
        if variables:
            query = query.where(cond.variable.in_(variables))
        rows = conn.execute(query.order_by(cond.post_pk, coders.c.name, cond.variable)).all()
    if as_of is not None:
        rows = [r for r in rows if r.value is not None]
    return _frame(rows, ["post_pk", "post_id", "platform", "coder", "variable", "value", "codebook_version",
                         "updated_at"], strings=("post_id", "platform", "coder", "variable"), objects=("value",))


def units_frame(db: Database, project: Project, viewer: Coder | None) -> pd.DataFrame:
    """Per (post, coder): memo, uncertain, seconds, done, updated_at (blind-aware)."""
    with db.read() as conn:
        visible = None if viewer is None else _visible_coder_ids(conn, project, viewer)
        query = (
            select(coding_units.c.post_pk, posts.c.post_id, coders.c.name.label("coder"), coding_units.c.memo,
                   coding_units.c.uncertain, coding_units.c.seconds, coding_units.c.done, coding_units.c.updated_at)
            .join(posts, posts.c.id == coding_units.c.post_pk)
            .join(coders, coders.c.id == coding_units.c.coder_id)
            .where(coding_units.c.project_id == project.id)
        )
        if visible is not None:
            query = query.where(coding_units.c.coder_id.in_(visible))
        rows = conn.execute(query.order_by(coding_units.c.post_pk, coders.c.name)).all()
    return _frame(rows, ["post_pk", "post_id", "coder", "memo", "uncertain", "seconds", "done", "updated_at"],
                  strings=("post_id", "coder"), objects=("memo",))


def history(db: Database, project: Project, viewer: Coder | None, *, post_pk: int | None = None,
            coder: str | None = None) -> pd.DataFrame:
    """The append-only event log (blind-aware), oldest first."""
    with db.read() as conn:
        visible = None if viewer is None else _visible_coder_ids(conn, project, viewer)
        query = (
            select(coding_events.c.id, coding_events.c.created_at, coding_events.c.post_pk, posts.c.post_id,
                   coders.c.name.label("coder"), coding_events.c.field, coding_events.c.variable,
                   coding_events.c.old_value, coding_events.c.value, coding_events.c.note,
                   coding_events.c.codebook_version)
            .join(posts, posts.c.id == coding_events.c.post_pk)
            .join(coders, coders.c.id == coding_events.c.coder_id)
            .where(coding_events.c.project_id == project.id)
        )
        if visible is not None:
            query = query.where(coding_events.c.coder_id.in_(visible))
        if post_pk is not None:
            query = query.where(coding_events.c.post_pk == post_pk)
        if coder is not None:
            query = query.where(coders.c.name == coder)
        rows = conn.execute(query.order_by(coding_events.c.id)).all()
    return _frame(rows, ["event_id", "created_at", "post_pk", "post_id", "coder", "field", "variable", "old_value",
                         "value", "note", "codebook_version"],
                  strings=("post_id", "coder", "field", "variable"), objects=("old_value", "value", "note"))


def next_uncoded(db: Database, project: Project, coder: Coder, *, after: int | None = None) -> int | None:
    """The first post in ``coder``'s order that they have not finished, or None.

    Parameters
    ----------
    after : int, optional
        Start after this post (one of the coder's) and wrap around to the
        start of the order: the post a coder moves on to (Save & next, "Next
        uncoded").  The result may be ``after`` itself when it is the only
        unfinished post.

    Notes
    -----
    The order is the assignment's: by sample, then position, then post key.
    Within a sample the coder's rows are walked along the ``(coder_id,
    position)`` index and the walk stops at the first unfinished post, so
    moving on from a post costs the same with 20 or 100,000 posts (measured
    at 100,000 posts and 10 coders: 0.01 ms instead of 20 ms for a query that
    sorts the coder's whole assignment).  Only when a sample is finished are
    the coder's samples listed (one pass over the coder's rows, no sort).
    """
    if coder.project_id != project.id:
        raise AccessDenied(f"Coder {coder.name!r} is not a coder of project {project.name!r}.")
    with db.read() as conn:
        key = None
        if after is not None:
            key = conn.execute(
                select(_SAMPLE, assignments.c.position, assignments.c.post_pk)
                .where(assignments.c.coder_id == coder.id, assignments.c.post_pk == after)
            ).first()
            if key is not None and (found := _first_unfinished(conn, coder, key[0], (key[1], key[2]))) is not None:
                return found
        samples = [int(v) for v in conn.execute(
            select(_SAMPLE).where(assignments.c.coder_id == coder.id).distinct().order_by(_SAMPLE)).scalars()]
        if key is not None:  # the later samples, then around from the start
            samples = [v for v in samples if v > key[0]] + [v for v in samples if v <= key[0]]
        for sample in samples:
            if (found := _first_unfinished(conn, coder, sample)) is not None:
                return found
    return None


#: The sample of an assignment row for ordering (a deleted sample leaves NULL: first).
_SAMPLE = func.coalesce(assignments.c.sample_id, 0)


def _unfinished(coder: Coder, *columns):
    return (
        select(*columns)
        .select_from(assignments.outerjoin(
            coding_units,
            and_(coding_units.c.post_pk == assignments.c.post_pk, coding_units.c.coder_id == assignments.c.coder_id),
        ))
        .where(assignments.c.coder_id == coder.id, func.coalesce(coding_units.c.done, False).is_(False))
    )


def _first_unfinished(conn: Connection, coder: Coder, sample: int, after: tuple[int, int] | None = None) -> int | None:
    """The coder's first unfinished post of ``sample`` (after ``(position, post_pk)``), walking the index."""
    query = _unfinished(coder, assignments.c.post_pk).where(_SAMPLE == sample)
    if after is not None:
        position, post_pk = after
        query = query.where(assignments.c.position >= position,
                            ~and_(assignments.c.position == position, assignments.c.post_pk <= post_pk))
    row = conn.execute(query.order_by(assignments.c.position, assignments.c.post_pk).limit(1)).first()
    return None if row is None else int(row.post_pk)


def current_codebook_version(db: Database, project: Project) -> int | None:
    """The number of the codebook version a save would record now (None: no codebook).

    One indexed read of an integer, so a face can cache the parsed codebook
    per ``(project, version)`` and still notice a new version at once.
    """
    with db.read() as conn:
        version = conn.execute(
            select(func.max(codebook_versions.c.version)).where(codebook_versions.c.project_id == project.id)
        ).scalar()
    return None if version is None else int(version)


__all__ += ["current_codebook_version"]
