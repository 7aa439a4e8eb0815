"""The adjudicator's queue: where coders who finished the same post disagree (:func:`disagreements`).

While the project is blind only adjudicators and admins may list it, since a
disagreement shows every coder's value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from coding.adjudication.post_codings import iter_post_codings
from coding.adjudication.records import ADJUDICATOR_ROLES, Adjudication, _fresh_coder, _latest
from coding.adjudication.rules import _OPEN, _canonical, _canonicalizers, _key, _resolve
from coding.codebook import Value
from coding.codebook_store import current_codebook
from coding.coders import Coder
from dazi.db import Database
from dazi.errors import AccessDenied
from dazi.projects import Project
from dazi.schema import projects

__all__ = ["CoderValue", "Disagreement", "disagreements", "iter_disagreements"]


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


def _current_blind(conn: Connection, project: Project) -> bool:
    return bool(conn.execute(select(projects.c.blind).where(projects.c.id == project.id)).scalar())


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

