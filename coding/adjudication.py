"""Adjudication: from several coders' codings to one final value per post and variable.

A post coded (finished, ``done``) by two or more coders is *double-coded*.
For each variable of the current codebook their current values either agree
(a *consensus*, taken as final without anyone having to confirm it) or
disagree.  An adjudicator (or admin) resolves a disagreement by recording a
final value with a rationale (:func:`adjudicate`); the record is appended to
``adjudications`` and, in the same transaction, to the coding event log, so
the history shows who decided what, when, and why.  Re-adjudicating appends
again; the latest record counts.

:func:`final_dataset` is the one place that turns codings into final values;
the Excel export and the summary tables read it, and :func:`reports.wide.wide_codes` lays
it out for export (one 0/1 column per code of a multi-choice variable).

Rules, in order, for one post and one variable
----------------------------------------------
1. The latest adjudication, if any.
2. Otherwise, when every coder who finished the post holds the same value
   (a coder without a value holds ``None``): that value.  With one coder this
   is simply their value.
3. Otherwise the disagreement is *open*: the final value is ``None`` and the
   variable is listed in the ``unresolved`` column.
4. Conditional variables (``when``): once the variables a condition refers to
   are settled (not open), a variable whose condition fails under the final
   values is structurally missing: ``None``, and not unresolved.  So
   adjudicating ``outcome = failure`` also settles a disagreement about
   ``months`` (asked only when the outcome is a success).

Values are compared after normalisation: multi-choice values as sets of
codes, numbers numerically (``3 == 3.0``), text stripped (text variables are
compared exactly, so free-text variables disagree whenever the wording
differs; pass ``variables=`` to :func:`disagreements` to leave them out).
Codes merged into another code (``merged_into``) count as their target.

Blind coding: while the project is blind only adjudicators and admins may
list disagreements, since a disagreement shows every coder's value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import groupby

import pandas as pd
from sqlalchemy import Connection, Text, and_, cast, func, select

from coding.codebook import Codebook, Value, Variable, is_applicable, validate_value
from coding.codebook_store import current_codebook
from coding.coders import Coder
from dazi.db import Database
from dazi.errors import AccessDenied, NotFound, ValidationError
from dazi.projects import Project
from dazi.schema import adjudications, coders, coding_events, coding_units, codings, posts, projects, utcnow
from dazi.spelling import argument

__all__ = [
    "ADJUDICATOR_ROLES",
    "META_COLUMNS",
    "Adjudication",
    "CoderValue",
    "Disagreement",
    "FinalRow",
    "PostCodings",
    "UnitCodings",
    "adjudicate",
    "adjudication_history",
    "count_final_posts",
    "disagreements",
    "final_dataset",
    "iter_disagreements",
    "iter_final_values",
    "iter_post_codings",
    "retired_codes_in_use",
]

#: Roles that may record final values (and list disagreements while blind).
ADJUDICATOR_ROLES: tuple[str, ...] = ("adjudicator", "admin")

#: The columns of :func:`final_dataset` besides ``post_pk``, ``post_id`` and the variables.
META_COLUMNS: tuple[str, ...] = ("unresolved", "coders", "double_coded", "memos", "uncertain")

_OPEN, _ADJUDICATED, _NOT_APPLICABLE, _AGREED = "open", "adjudicated", "not_applicable", "agreed"
_JOIN = "; "


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Adjudication:
    """One recorded final value (the latest for its post and variable counts).

    Attributes
    ----------
    id : int
        Row id in ``adjudications`` (increasing: a later record has a larger id).
    post_pk, post_id : int, str
        The post (database key and platform id).
    variable : str
    value : Value
        The final value, normalised as :func:`coding.codebook.validate_value` returns it.
    old_value : Value
        The previous adjudicated value of this post and variable (``None`` for the first).
    rationale : str
        Why: required, shown in the history and the audit trail.
    adjudicator : str or None
        Who (``None`` if that coder was deleted from the database).
    codebook_version : int
    created_at : datetime
    """

    id: int
    post_pk: int
    post_id: str
    variable: str
    value: Value
    old_value: Value
    rationale: str
    adjudicator: str | None
    codebook_version: int | None
    created_at: datetime


@dataclass(frozen=True)
class CoderValue:
    """One coder's current value for a disagreement, with their memo and flag."""

    coder: str
    value: Value
    memo: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Disagreement:
    """Coders of one post who hold different values for one variable.

    Attributes
    ----------
    post_pk, post_id, platform
        The post.
    variable : str
    values : tuple of CoderValue
        Every coder who finished the post, by name (also those who agree).
    status : str
        ``"open"``; ``"adjudicated"`` (see :attr:`adjudication`); or
        ``"not_applicable"``: the variable's condition fails under the final
        values of the variables it depends on, so it needs no final value.
    adjudication : Adjudication or None
        The latest adjudication of this post and variable, if any.
    """

    post_pk: int
    post_id: str
    platform: str
    variable: str
    values: tuple[CoderValue, ...]
    status: str = _OPEN
    adjudication: Adjudication | None = None

    @property
    def resolved(self) -> bool:
        """Whether the disagreement needs no more attention."""
        return self.status != _OPEN


# --------------------------------------------------------------------------
# Normalising and comparing values
# --------------------------------------------------------------------------

def _canonical(variable: Variable, value: object) -> Value:
    """A stored value in today's terms: merged codes followed, multi in codebook order.

    For a multi-choice variable no value is "none of the codes" (``[]``):
    saving stores an empty choice as ``None``.  Whether the variable applies
    at all is decided afterwards (:func:`_resolve`).
    """
    if variable.type == "multi" and value is None:
        return []
    if value is None:
        return None
    if variable.type in ("single", "ordinal") and isinstance(value, str):
        return variable.resolve(value) if variable.has_code(value) else value
    if variable.type == "multi" and isinstance(value, (list, tuple)):
        codes = {variable.resolve(c) if isinstance(c, str) and variable.has_code(c) else c for c in value}
        known = sorted((c for c in codes if isinstance(c, str) and variable.has_code(c)), key=variable.order)
        return known + sorted((c for c in codes if c not in known), key=str)
    if variable.type == "text" and isinstance(value, str):
        return value.strip()
    return value  # type: ignore[return-value]  # stored JSON of another shape: handed back as it is


def _key(value: Value) -> object:
    """A hashable form under which equal values compare equal."""
    if isinstance(value, list):
        return ("multi", frozenset(map(str, value)))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    return ("value", value)


# --------------------------------------------------------------------------
# Loading the current state
# --------------------------------------------------------------------------

@dataclass
class _Post:
    """Everything known about one post with finished codings."""

    post_pk: int
    post_id: str
    platform: str
    # coder name -> (values, memo, uncertain)
    coders: dict[str, tuple[dict, str | None, bool]] = field(default_factory=dict)


@dataclass
class UnitCodings:
    """One coder's current coding of one post, as stored (drafts included).

    Attributes
    ----------
    coder : str
    done : bool
        The coder finished the post (drafts are ``False``).
    memo : str or None
    uncertain : bool
    values : dict
        ``{variable: value}`` as stored, variables in alphabetical order.
    versions, updated : dict
        Per variable: the codebook version and the time the value was saved.
    """

    coder: str
    done: bool
    memo: str | None
    uncertain: bool
    values: dict[str, object] = field(default_factory=dict)
    versions: dict[str, int | None] = field(default_factory=dict)
    updated: dict[str, datetime] = field(default_factory=dict)


@dataclass
class PostCodings:
    """Every coder's coding of one post (:func:`iter_post_codings`); ``units`` by coder name."""

    post_pk: int
    post_id: str
    platform: str
    units: list[UnitCodings] = field(default_factory=list)

    def finished(self) -> _Post:
        """The post as the adjudication rules see it: finished units only."""
        return _Post(self.post_pk, self.post_id, self.platform,
                     {u.coder: (u.values, u.memo, u.uncertain) for u in self.units if u.done})


@dataclass(frozen=True)
class FinalRow:
    """One row of :func:`final_dataset`, as :func:`iter_final_values` yields it."""

    post_pk: int
    post_id: str
    values: dict[str, Value]
    unresolved: list[str]
    coders: list[str]
    double_coded: bool
    memos: str
    uncertain: bool


def iter_post_codings(db: Database, project: Project, *, drafts: bool = False, double_only: bool = False,
                      details: bool = False, yield_per: int = 5000) -> Iterator[PostCodings]:
    """Every post's codings, one post at a time in ``post_pk`` order, streamed from the database.

    One query (coding units joined to their values) read in one transaction
    through a streaming cursor (a server-side cursor on PostgreSQL, chunked
    fetches on SQLite), so memory holds one post and one fetch at a time
    whatever the size of the project.  The export reads this once for the
    Posts sheet (:func:`iter_final_values`) and once for the Codings sheet.

    Parameters
    ----------
    drafts : bool
        Also units the coder has not finished (``done`` false); by default
        only finished units, which is what the adjudication rules use.
    double_only : bool
        Only posts finished by two or more coders (the reliability subset),
        filtered in the database.
    details : bool
        Also read each value's codebook version and saving time
        (:attr:`UnitCodings.versions`, :attr:`UnitCodings.updated`; left
        empty otherwise, which saves a third of the reading time).
    yield_per : int
        Rows per fetch.

    Yields
    ------
    PostCodings
        Posts with at least one (finished, unless ``drafts``) unit; a unit
        whose coder saved no value has empty ``values``.
    """
    with db.read() as conn:
        names = dict(conn.execute(select(coders.c.id, coders.c.name).where(coders.c.project_id == project.id)).all())
        query = (
            select(coding_units.c.post_pk, posts.c.post_id, posts.c.platform, coding_units.c.coder_id,
                   coding_units.c.done, coding_units.c.memo, coding_units.c.uncertain, codings.c.variable,
                   codings.c.value, *((codings.c.codebook_version, codings.c.updated_at) if details else ()))
            .join(posts, posts.c.id == coding_units.c.post_pk)
            .outerjoin(codings, and_(codings.c.post_pk == coding_units.c.post_pk,
                                     codings.c.coder_id == coding_units.c.coder_id))
            .where(coding_units.c.project_id == project.id)
            .order_by(coding_units.c.post_pk, coding_units.c.coder_id, codings.c.variable)
        )
        if not drafts:
            query = query.where(coding_units.c.done.is_(True))
        if double_only:
            shared = (select(coding_units.c.post_pk)
                      .where(coding_units.c.project_id == project.id, coding_units.c.done.is_(True))
                      .group_by(coding_units.c.post_pk).having(func.count() >= 2))
            query = query.where(coding_units.c.post_pk.in_(shared))
        result = conn.execution_options(yield_per=yield_per).execute(query)
        seen: dict[str, str] = {}
        for post_pk, rows in groupby(result, key=lambda r: r[0]):
            post = None
            units: dict[int, UnitCodings] = {}
            for row in rows:
                _, post_id, platform, coder_id, done, memo, uncertain, variable, value = row[:9]
                if post is None:
                    post = PostCodings(int(post_pk), str(post_id), platform)
                unit = units.get(coder_id)
                if unit is None:
                    unit = units[coder_id] = UnitCodings(names.get(coder_id, str(coder_id)), bool(done), memo,
                                                         bool(uncertain))
                if variable is not None:
                    variable = seen.setdefault(variable, variable)  # one string per variable, not per row
                    unit.values[variable] = value
                    if details:
                        unit.versions[variable] = row[9]
                        unit.updated[variable] = row[10]
            assert post is not None
            post.units = sorted(units.values(), key=lambda u: u.coder)
            yield post


def _adjudication(record: Mapping) -> Adjudication:
    return Adjudication(
        id=int(record["id"]), post_pk=int(record["post_pk"]), post_id=str(record["post_id"]),
        variable=record["variable"], value=record["value"], old_value=record["old_value"],
        rationale=record["rationale"] or "", adjudicator=record["adjudicator"],
        codebook_version=record["codebook_version"], created_at=record["created_at"],
    )


def _adjudication_rows(conn: Connection, project: Project, post_pk: int | None = None) -> list[dict]:
    """Every adjudication of the project, oldest first, each with the value it replaced."""
    query = (
        select(adjudications.c.id, adjudications.c.post_pk, adjudications.c.variable, adjudications.c.value,
               adjudications.c.rationale, adjudications.c.codebook_version, adjudications.c.created_at,
               coders.c.name.label("adjudicator"), posts.c.post_id)
        .join(posts, posts.c.id == adjudications.c.post_pk)
        .outerjoin(coders, coders.c.id == adjudications.c.adjudicator_id)
        .where(adjudications.c.project_id == project.id)
        .order_by(adjudications.c.id)
    )
    if post_pk is not None:
        query = query.where(adjudications.c.post_pk == post_pk)
    previous: dict[tuple[int, str], object] = {}
    out = []
    for row in conn.execute(query):
        key = (row.post_pk, row.variable)
        record = row._asdict()
        record["old_value"] = previous.get(key)
        previous[key] = row.value
        out.append(record)
    return out


def _latest(conn: Connection, project: Project) -> dict[tuple[int, str], Adjudication]:
    """The adjudication in force for each post and variable (the latest record)."""
    latest: dict[tuple[int, str], Adjudication] = {}
    for record in _adjudication_rows(conn, project):
        latest[(record["post_pk"], record["variable"])] = _adjudication(record)
    return latest


def _canonicalizers(codebook: Codebook) -> dict[str, Callable[[object], Value]]:
    """Per variable, :func:`_canonical` with the code look-ups done once (it runs for every stored value)."""
    out: dict[str, Callable[[object], Value]] = {}
    for variable in codebook.variables:
        if variable.type in ("single", "ordinal"):
            target = {c.id: variable.resolve(c.id) for c in variable.all_codes()}

            def single(value: object, target=target) -> Value:
                if isinstance(value, str):
                    return target.get(value, value)
                return value  # type: ignore[return-value]  # stored JSON of another shape

            out[variable.id] = single
        elif variable.type == "multi":
            target = {c.id: variable.resolve(c.id) for c in variable.all_codes()}
            order = {c.id: variable.order(c.id) for c in variable.all_codes()}

            def multi(value: object, target=target, order=order, variable=variable) -> Value:
                if value is None:
                    return []
                if not isinstance(value, (list, tuple)):
                    return _canonical(variable, value)
                codes = {target.get(c, c) if isinstance(c, str) else c for c in value}
                known = sorted((c for c in codes if isinstance(c, str) and c in order), key=order.__getitem__)
                return known + sorted((c for c in codes if c not in known), key=str)

            out[variable.id] = multi
        else:
            out[variable.id] = partial(_canonical, variable)
    return out


def _resolve(codebook: Codebook, post: _Post, latest: Mapping[tuple[int, str], Adjudication],
             canon: Mapping[str, Callable[[object], Value]] | None = None
             ) -> tuple[dict[str, Value], dict[str, str]]:
    """Final value and status (``agreed``, ``adjudicated``, ``open``, ``not_applicable``) per variable.

    ``canon``: :func:`_canonicalizers` of the codebook, when resolving many posts.
    """
    if canon is None:
        canon = _canonicalizers(codebook)
    final: dict[str, Value] = {}
    status: dict[str, str] = {}
    held_values = [values for values, _, _ in post.coders.values()]
    for variable in codebook.variables:
        adjudicated = latest.get((post.post_pk, variable.id)) if latest else None
        if adjudicated is not None:
            final[variable.id] = _canonical(variable, adjudicated.value)
            status[variable.id] = _ADJUDICATED
            continue
        canonical = canon[variable.id]
        held = [canonical(values.get(variable.id)) for values in held_values]
        if len(held) == 1 or len({_key(v) for v in held}) == 1:
            final[variable.id] = held[0]
            status[variable.id] = _AGREED
        else:
            final[variable.id] = None
            status[variable.id] = _OPEN
    # structural missingness, in codebook order (conditions refer to earlier variables)
    undetermined: set[str] = set()
    for variable in codebook.variables:
        refs = variable.conditions()
        if any(ref in undetermined for ref in refs):
            # whether it applies at all waits for an open disagreement upstream
            undetermined.add(variable.id)
            continue
        if refs and not is_applicable(variable, final, codebook):
            final[variable.id] = None
            if status[variable.id] == _OPEN:
                status[variable.id] = _NOT_APPLICABLE
            continue
        if status[variable.id] == _OPEN:
            undetermined.add(variable.id)
    return final, status


def _current_blind(conn: Connection, project: Project) -> bool:
    return bool(conn.execute(select(projects.c.blind).where(projects.c.id == project.id)).scalar())


def _fresh_coder(conn: Connection, project: Project, coder: Coder):
    row = conn.execute(
        select(coders.c.id, coders.c.project_id, coders.c.role, coders.c.active).where(coders.c.id == coder.id)
    ).first()
    if row is None or row.project_id != project.id or not row.active:
        raise AccessDenied(f"Coder {coder.name!r} is not an active coder of project {project.name!r}.")
    return row


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------

def disagreements(
    db: Database,
    project: Project,
    viewer: Coder | None,
    *,
    variables: Sequence[str] | None = None,
    include_resolved: bool = False,
) -> list[Disagreement]:
    """Where coders who finished the same post hold different values.

    Parameters
    ----------
    viewer : Coder or None
        Who is asking.  While the project is blind only adjudicators and
        admins may (the list shows every coder's value); ``None`` is the
        trusted in-process view (reports, the owner's CLI).
    variables : list of str, optional
        Only these variables (ids of the current codebook).
    include_resolved : bool
        Also list disagreements already adjudicated or made moot by a
        condition (see :attr:`Disagreement.status`).

    Returns
    -------
    list of Disagreement
        Posts with the most (listed) disagreeing variables first, ties by
        post key; within a post, variables in codebook order.  Posts coded
        by only one coder never disagree; posts where everyone agrees are
        consensus and not listed.

    Raises
    ------
    AccessDenied
        A coder asking while the project is blind.
    NotFound
        An unknown variable, or no codebook loaded.
    """
    per_post = [list(items) for items in _disagreements_by_post(db, project, viewer, variables, include_resolved)]
    per_post.sort(key=lambda items: (-len(items), items[0].post_pk))
    return [d for items in per_post for d in items]


def iter_disagreements(
    db: Database,
    project: Project,
    viewer: Coder | None,
    *,
    variables: Sequence[str] | None = None,
    include_resolved: bool = False,
) -> Iterator[Disagreement]:
    """The disagreements of :func:`disagreements`, streamed in post order (``post_pk``), in bounded memory.

    For exports of large projects; the checks (blind, unknown variables)
    run when this is called, before the first item.
    """
    posts_ = _disagreements_by_post(db, project, viewer, variables, include_resolved)
    return (d for items in posts_ for d in items)


def _disagreements_by_post(db: Database, project: Project, viewer: Coder | None, variables: Sequence[str] | None,
                           include_resolved: bool) -> Iterator[list[Disagreement]]:
    """Per double-coded post (key order) its listed disagreements; checks run now, rows stream later."""
    with db.read() as conn:
        if viewer is not None:
            row = _fresh_coder(conn, project, viewer)
            if row.role not in ADJUDICATOR_ROLES and _current_blind(conn, project):
                raise AccessDenied(
                    f"{viewer.name!r} may not see other coders' values while project {project.name!r} is blind.",
                    "Ask an adjudicator or admin to resolve disagreements, or unblind the project (dazi blind --off).",
                )
        codebook = current_codebook(db, project, conn=conn).codebook
        latest = _latest(conn, project)
    chosen = {codebook.variable(v).id for v in variables} if variables else set(codebook.variable_ids())
    wanted = [v for v in codebook.variables if v.id in chosen]
    canon = _canonicalizers(codebook)

    def per_post() -> Iterator[list[Disagreement]]:
        for codings_of_post in iter_post_codings(db, project, double_only=True):
            post = codings_of_post.finished()
            if len(post.coders) < 2:
                continue
            _, status = _resolve(codebook, post, latest, canon)
            listed = []
            for variable in wanted:
                held = [
                    CoderValue(name, _canonical(variable, values.get(variable.id)), memo, uncertain)
                    for name, (values, memo, uncertain) in post.coders.items()
                ]
                if len({_key(cv.value) for cv in held}) < 2:
                    continue
                state = status[variable.id]
                if state != _OPEN and not include_resolved:
                    continue
                listed.append(Disagreement(post.post_pk, post.post_id, post.platform, variable.id, tuple(held),
                                           state, latest.get((post.post_pk, variable.id))))
            if listed:
                yield listed

    return per_post()


def adjudicate(
    db: Database,
    project: Project,
    adjudicator: Coder,
    post_pk: int,
    variable: str,
    value: object,
    rationale: str,
) -> Adjudication:
    """Record the final value of one variable for one post.

    Parameters
    ----------
    adjudicator : Coder
        Must be an active adjudicator or admin of the project.
    post_pk : int
        The post's database key (see :func:`corpus.store.get_post` for a platform id).
    variable : str
        A variable id of the current codebook.
    value : object
        Anything :func:`coding.codebook.validate_value` accepts for that
        variable (a code id, a list of code ids, a number, text); ``None``
        only for a variable that is not required.
    rationale : str
        Why this value: required and non-empty.

    Returns
    -------
    Adjudication
        The record now in force.  Re-adjudicating appends a new record (the
        latest counts); repeating exactly the latest record (same
        adjudicator, value and rationale, e.g. a double click) writes nothing
        and returns it.

    Raises
    ------
    AccessDenied
        The adjudicator is a coder, inactive, or of another project.
    NotFound
        No such post or variable.
    ValidationError
        No rationale; an invalid value; nobody has finished coding the post.

    Notes
    -----
    The ``adjudications`` row and a ``coding_events`` row (``field =
    "adjudication"``, ``coder_id`` the adjudicator, ``old_value`` the previous
    adjudicated value, ``note`` the rationale) are written in one transaction.
    """
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError(
            f"Post #{post_pk}, {variable}: a final value needs a rationale.",
            "Say briefly why (e.g. 'title says 饭搭子; codebook rule 2: title first').",
        )

    def _tx(conn: Connection) -> Adjudication:
        row = _fresh_coder(conn, project, adjudicator)
        if row.role not in ADJUDICATOR_ROLES:
            raise AccessDenied(
                f"{adjudicator.name!r} is a {row.role} and may not record final values.",
                f"Ask the admin to make you an adjudicator: dazi coders set-role {adjudicator.name} adjudicator",
            )
        post = conn.execute(
            select(posts.c.post_id).where(posts.c.id == post_pk, posts.c.project_id == project.id)
        ).first()
        if post is None:
            raise NotFound(f"No post #{post_pk} in project {project.name!r}")
        finished = conn.execute(
            select(coding_units.c.coder_id).where(coding_units.c.post_pk == post_pk, coding_units.c.done.is_(True))
            .limit(1)
        ).first()
        if finished is None:
            raise ValidationError(
                f"Post {post.post_id}: nobody has finished coding it yet, so there is nothing to adjudicate.",
                "Adjudicate after the coders have coded it.",
            )
        stored = current_codebook(db, project, conn=conn)
        var = stored.codebook.variable(variable)
        normalised = validate_value(var, value)
        previous = _adjudication_rows(conn, project, post_pk)
        previous = [r for r in previous if r["variable"] == variable]
        last = previous[-1] if previous else None
        if (last is not None and last["value"] == normalised and last["rationale"] == rationale
                and last["adjudicator"] == adjudicator.name):
            return _adjudication(last)
        old = last["value"] if last is not None else None
        now = utcnow()
        new_key = conn.execute(
            adjudications.insert().values(
                project_id=project.id, post_pk=post_pk, variable=variable, value=normalised, rationale=rationale,
                adjudicator_id=adjudicator.id, codebook_version=stored.version, created_at=now,
            )
        ).inserted_primary_key
        assert new_key is not None  # a single-row INSERT always reports its key
        conn.execute(
            coding_events.insert().values(
                project_id=project.id, post_pk=post_pk, coder_id=adjudicator.id, field="adjudication",
                variable=variable, value=normalised, old_value=old, note=rationale,
                codebook_version=stored.version, created_at=now,
            )
        )
        return Adjudication(int(new_key[0]), post_pk, str(post.post_id), variable, normalised, old, rationale,
                            adjudicator.name, stored.version, now)

    return db.retrying(_tx)


def adjudication_history(db: Database, project: Project, *, post_pk: int | None = None) -> list[Adjudication]:
    """Every adjudication (all records, not only the latest), oldest first."""
    with db.read() as conn:
        rows = _adjudication_rows(conn, project, post_pk)
    return [_adjudication(r) for r in rows]


_PY_SOURCE = "source='final'"


def _check_source(conn: Connection, project: Project, source: str) -> None:
    if source == "final":
        return
    known = conn.execute(
        select(coders.c.id).where(coders.c.project_id == project.id, coders.c.name == source)
    ).first()
    if known is None:
        names = conn.execute(
            select(coders.c.name).where(coders.c.project_id == project.id).order_by(coders.c.name)
        ).scalars().all()
        raise NotFound(
            f"No coder named {source!r} in project {project.name!r}",
            f"Use {argument('source', _PY_SOURCE)} or one of: {', '.join(names)}." if names
            else "Add coders first.",
        )


def _final_records(db: Database, project: Project, source: str, yield_per: int = 5000
                   ) -> tuple[Codebook, list[str], Iterator[FinalRow]]:
    """The codebook, its variable ids and the (lazy) final rows; checks run before the first row."""
    with db.read() as conn:
        codebook = current_codebook(db, project, conn=conn).codebook
        latest = _latest(conn, project) if source == "final" else {}
        _check_source(conn, project, source)
    ids = codebook.variable_ids()
    clash = [v for v in ids if v in ("post_pk", "post_id", *META_COLUMNS)]
    if clash:
        raise ValidationError(
            f"Variable id(s) {', '.join(clash)} clash with the final dataset's own columns.",
            f"Column names reserved: post_pk, post_id, {', '.join(META_COLUMNS)}.",
        )
    canon = _canonicalizers(codebook)

    def rows() -> Iterator[FinalRow]:
        for codings_of_post in iter_post_codings(db, project, yield_per=yield_per):
            post = codings_of_post.finished()
            double = len(post.coders) >= 2
            if source == "final":
                final, status = _resolve(codebook, post, latest, canon)
                names = list(post.coders)
                unresolved = [v for v in ids if status[v] == _OPEN]
            else:
                if source not in post.coders:
                    continue
                alone = _Post(post.post_pk, post.post_id, post.platform, {source: post.coders[source]})
                final, _ = _resolve(codebook, alone, {}, canon)
                names = [source]
                unresolved = []
            memos = _JOIN.join(f"{n}: {memo}" for n in names
                               if (memo := (post.coders[n][1] or "").strip()))
            uncertain = any(post.coders[n][2] for n in names)
            yield FinalRow(post.post_pk, post.post_id, final, unresolved, names, double, memos, uncertain)

    return codebook, ids, rows()


def iter_final_values(db: Database, project: Project, *, source: str = "final",
                      yield_per: int = 5000) -> Iterator[FinalRow]:
    """The rows of :func:`final_dataset`, one post at a time in ``post_pk`` order, in bounded memory.

    The same rules and values as :func:`final_dataset` (which is built from
    it), streamed from :func:`iter_post_codings`, so an export of any size
    never holds more than one post's codings.  The checks (unknown coder,
    clashing variable ids, no codebook) run when this is called, before the
    first row.

    Yields
    ------
    FinalRow
        ``values`` holds every variable of the current codebook.
    """
    return _final_records(db, project, source, yield_per)[2]


def count_final_posts(db: Database, project: Project, *, source: str = "final") -> int:
    """How many rows :func:`final_dataset` has (posts with a finished coding), by one count in the database."""
    query = (select(func.count(func.distinct(coding_units.c.post_pk)))
             .where(coding_units.c.project_id == project.id, coding_units.c.done.is_(True)))
    if source != "final":
        query = query.join(coders, coders.c.id == coding_units.c.coder_id).where(coders.c.name == source)
    with db.read() as conn:
        return int(conn.execute(query).scalar() or 0)


def final_dataset(db: Database, project: Project, *, source: str = "final") -> pd.DataFrame:
    """The final coded value of every variable for every post with a finished coding.

    Parameters
    ----------
    source : str
        ``"final"`` (default): the final values by the rules in this module's
        docstring (latest adjudication; else the value all coders of the post
        agree on, which for a single-coded post is its coder's value; else
        ``None`` and the variable listed in ``unresolved``; conditional
        variables whose condition fails under the final values are ``None``).
        A coder's name instead: that coder's own current values, for the
        posts they finished (the name ``"final"`` always means the former).

    Returns
    -------
    pandas.DataFrame
        One row per post with at least one finished (``done``) coding (for a
        coder's name: finished by that coder), ordered by ``post_pk``.
        Drafts are ignored.  Columns, in this order:

        ``post_pk`` (int64)
            Database key of the post.
        ``post_id`` (pandas ``string``)
            The platform's id, never a number.
        one column per variable of the current codebook, in codebook order (object)
            The normalised value (:func:`coding.codebook.validate_value`): a
            code id (single, ordinal), a list of code ids in codebook order
            (multi; ``[]`` means none of the codes: a finished coding that
            chose no code of a multi-choice variable counts as choosing
            none), an int or float (numeric), a str (text), or ``None``
            (missing, not applicable, or unresolved).
        ``unresolved`` (object: list of str)
            Variables with an open disagreement, in codebook order; ``[]``
            when none (always ``[]`` for a coder's name).
        ``coders`` (object: list of str)
            Names of the coders who finished the post, sorted (for a coder's
            name: that name).
        ``double_coded`` (bool)
            Two or more coders finished the post (also for a coder's name).
        ``memos`` (object: str)
            The coders' memos as ``"alice: ...; bob: ..."``, coders by name,
            empty memos left out; ``""`` when none.
        ``uncertain`` (bool)
            Any of those coders flagged the post as uncertain.

    Raises
    ------
    NotFound
        No codebook, or no coder of that name.
    ValidationError
        A variable id equals one of the fixed column names above.
    """
    codebook, ids, final_rows = _final_records(db, project, source)
    records = [[r.post_pk, r.post_id, *(r.values[v] for v in ids), r.unresolved, r.coders, r.double_coded,
                r.memos, r.uncertain] for r in final_rows]
    columns = ["post_pk", "post_id", *ids, *META_COLUMNS]
    data = {col: [r[i] for r in records] for i, col in enumerate(columns)}
    frame = pd.DataFrame({
        "post_pk": pd.Series(data["post_pk"], dtype="int64"),
        "post_id": pd.Series(data["post_id"], dtype="string"),
        **{v: pd.Series(data[v], dtype=object) for v in ids},
        "unresolved": pd.Series(data["unresolved"], dtype=object),
        "coders": pd.Series(data["coders"], dtype=object),
        "double_coded": pd.Series(data["double_coded"], dtype=bool),
        "memos": pd.Series(data["memos"], dtype=object),
        "uncertain": pd.Series(data["uncertain"], dtype=bool),
    }, columns=columns)
    return frame


def retired_codes_in_use(db: Database, project: Project, codebook: Codebook) -> dict[str, list[str]]:
    """Codes of multi-select variables held by a coding or an adjudication that are not codable now.

    Retired (or removed) codes still in the data; :func:`reports.wide.wide_layout` gives
    each a 0/1 column, so a streamed export knows its header before the
    first row.  Read as the distinct stored values (a handful of rows per
    variable), in codebook order, unknown codes last.
    """
    multi = {v.id: v for v in codebook.variables if v.type == "multi"}
    if not multi:
        return {}
    found: dict[str, list[str]] = {}
    with db.read() as conn:
        for table in (codings, adjudications):
            query = (select(table.c.variable, cast(table.c.value, Text)).distinct()
                     .where(table.c.project_id == project.id, table.c.variable.in_(sorted(multi))))
            for variable_id, text in conn.execute(query):
                variable = multi[variable_id]
                value = _canonical(variable, json.loads(text) if text is not None else None)
                codable = {c.id for c in variable.codable_codes()}
                seen = found.setdefault(variable_id, [])
                if isinstance(value, list):  # a multi-choice value is a list of code ids
                    seen.extend(c for c in value if isinstance(c, str) and c not in codable and c not in seen)
    order = {vid: {c.id: i for i, c in enumerate(v.all_codes())} for vid, v in multi.items()}
    return {vid: sorted(codes, key=lambda c: (c not in order[vid], order[vid].get(c, 0), c))
            for vid, codes in found.items() if codes}
