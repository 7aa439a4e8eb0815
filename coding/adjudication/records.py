"""Recorded final values: :func:`adjudicate` appends one, :func:`adjudication_history` lists them.

A record goes to ``adjudications`` and, in the same transaction, to the coding
event log; re-adjudicating appends again and the latest record counts
(:func:`_latest`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from coding.codebook import Value, validate_value
from coding.codebook_store import current_codebook
from coding.coders import Coder
from dazi.db import Database
from dazi.errors import AccessDenied, NotFound, ValidationError
from dazi.projects import Project
from dazi.schema import adjudications, coders, coding_events, coding_units, posts, utcnow

__all__ = ["ADJUDICATOR_ROLES", "Adjudication", "adjudicate", "adjudication_history"]

#: Roles that may record final values (and list disagreements while blind).
ADJUDICATOR_ROLES: tuple[str, ...] = ("adjudicator", "admin")


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


def _fresh_coder(conn: Connection, project: Project, coder: Coder):
    row = conn.execute(
        select(coders.c.id, coders.c.project_id, coders.c.role, coders.c.active).where(coders.c.id == coder.id)
    ).first()
    if row is None or row.project_id != project.id or not row.active:
        raise AccessDenied(f"Coder {coder.name!r} is not an active coder of project {project.name!r}.")
    return row


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

