"""Whether coders see keyword hints ("keywords suggest ...") while they code a post.

The codebook's keywords can suggest codes (:func:`corpus.suggest.suggest_codes`).  On
the reliability overlap, the posts every coder codes so that agreement can be measured,
such hints would pull all coders the same way and inflate agreement: they are off there
unless the admin turns them on.  On the other posts they are on unless the admin turns
them off.  The setting is a project setting (``keyword_hints``); whether hints were
shown is recorded with each coding unit when it is saved (``coding_units.hints``).

Examples
--------
>>> from dazi.projects import Project
>>> p = Project(1, "demo", True, "salt", {}, None)
>>> hints_shown(p, overlap=True), hints_shown(p, overlap=False)
(False, True)
>>> hints_shown(Project(1, "demo", True, "salt", {"keyword_hints": {"overlap": True}}, None), overlap=True)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from dazi.db import Database
from dazi.projects import Project, update_settings
from dazi.schema import assignments

__all__ = ["HintSettings", "hint_settings", "hints_shown", "is_overlap", "set_hint_settings"]

SETTING = "keyword_hints"


@dataclass(frozen=True)
class HintSettings:
    """Keyword hints on the reliability overlap (default off) and on the other posts (default on)."""

    overlap: bool = False
    other: bool = True


def hint_settings(project: Project) -> HintSettings:
    """The project's keyword-hint settings (defaults where none is set)."""
    stored = (project.settings or {}).get(SETTING) or {}
    return HintSettings(overlap=bool(stored.get("overlap", False)), other=bool(stored.get("other", True)))


def hints_shown(project: Project, *, overlap: bool) -> bool:
    """Whether a coder sees keyword hints on a post (``overlap``: the post is in the reliability overlap)."""
    settings = hint_settings(project)
    return settings.overlap if overlap else settings.other


def set_hint_settings(db: Database, project: Project, *, overlap: bool | None = None,
                      other: bool | None = None) -> Project:
    """Turn keyword hints on or off for the overlap and/or the other posts; returns the updated project."""
    current = hint_settings(project)
    wanted = {"overlap": current.overlap if overlap is None else bool(overlap),
              "other": current.other if other is None else bool(other)}
    return update_settings(db, project, **{SETTING: wanted})


def is_overlap(db: Database, project: Project, coder_id: int, post_pk: int) -> bool:
    """Whether ``post_pk`` is in the reliability overlap of the coder's assignment."""
    with db.read() as conn:
        rows = conn.execute(
            select(assignments.c.overlap).where(assignments.c.project_id == project.id,
                                                assignments.c.post_pk == post_pk, assignments.c.coder_id == coder_id)
        ).all()
    return any(bool(r.overlap) for r in rows)
