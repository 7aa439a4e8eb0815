"""Every coder's codings of one post, streamed from the database (:func:`iter_post_codings`).

What the adjudication rules, the disagreement list, the final values and the
exports read: one query over coding units and their values, one post at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from sqlalchemy import and_, func, select

from dazi.db import Database
from dazi.projects import Project
from dazi.schema import coders, coding_units, codings, posts

__all__ = ["PostCodings", "UnitCodings", "iter_post_codings"]


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

