"""Named projects inside one database.

A database holds one or more projects (``--project``, default ``default``).
Everything a researcher imports, codes or exports belongs to exactly one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select, update

from dazi.db import Database
from dazi.errors import NotFound, ValidationError
from dazi.schema import projects, utcnow

__all__ = [
    "Project",
    "DEFAULT_PROJECT",
    "create_project",
    "get_project",
    "ensure_project",
    "list_projects",
    "set_blind",
    "update_settings",
]

DEFAULT_PROJECT = "default"
_NAME_RE = re.compile(r"^[\w\-. ]{1,200}$")


@dataclass(frozen=True)
class Project:
    """A project record.  ``salt`` keys its pseudonyms; ``blind`` hides
    coders' codings from each other until an admin unblinds."""

    id: int
    name: str
    blind: bool
    salt: str = field(repr=False)
    settings: dict
    created_at: datetime


def _row_to_project(row) -> Project:
    return Project(
        id=row.id,
        name=row.name,
        blind=bool(row.blind),
        salt=row.salt,
        settings=dict(row.settings or {}),
        created_at=row.created_at,
    )


def _get(conn: Connection, name: str) -> Project | None:
    row = conn.execute(select(projects).where(projects.c.name == name)).first()
    return _row_to_project(row) if row else None


def create_project(db: Database, name: str = DEFAULT_PROJECT, *, settings: dict | None = None) -> Project:
    """Create a project; an existing name is an error (see :func:`ensure_project`)."""
    if not _NAME_RE.match(name or ""):
        raise ValidationError(
            f"Invalid project name {name!r}",
            "Use letters, digits, spaces, '-', '_' or '.', at most 200 characters.",
        )
    with db.write() as conn:
        if _get(conn, name):
            raise ValidationError(f"Project {name!r} already exists", "Pick another --project name.")
        conn.execute(
            projects.insert().values(
                name=name,
                created_at=utcnow(),
                blind=True,
                salt=secrets.token_hex(16),
                settings=settings or {},
            )
        )
        return _get(conn, name)  # type: ignore[return-value]


def get_project(db: Database, name: str = DEFAULT_PROJECT) -> Project:
    """The project called ``name``; :class:`NotFound` with the known names if absent."""
    with db.read() as conn:
        project = _get(conn, name)
        if project is None:
            known = [r.name for r in conn.execute(select(projects.c.name).order_by(projects.c.name))]
    if project is None:
        hint = (
            f"Known projects: {', '.join(known)}." if known else "This database has no projects yet: run `dazi init` first."
        )
        raise NotFound(f"No project named {name!r} in this database", hint)
    return project


def ensure_project(db: Database, name: str = DEFAULT_PROJECT) -> Project:
    """The project called ``name``, created if it does not exist yet."""
    with db.read() as conn:
        project = _get(conn, name)
    return project or create_project(db, name)


def list_projects(db: Database) -> list[Project]:
    """All projects, by name."""
    with db.read() as conn:
        return [_row_to_project(r) for r in conn.execute(select(projects).order_by(projects.c.name))]


def set_blind(db: Database, project: Project, blind: bool) -> Project:
    """Blind or unblind a project (only admins should call this; the app and
    CLI check the role)."""
    with db.write() as conn:
        conn.execute(update(projects).where(projects.c.id == project.id).values(blind=blind))
        return _get(conn, project.name)  # type: ignore[return-value]


def update_settings(db: Database, project: Project, **changes) -> Project:
    """Merge ``changes`` into the project's settings dict."""
    with db.write() as conn:
        current = _get(conn, project.name)
        assert current is not None
        merged = {**current.settings, **changes}
        conn.execute(update(projects).where(projects.c.id == project.id).values(settings=merged))
        return _get(conn, project.name)  # type: ignore[return-value]
