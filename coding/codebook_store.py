"""Codebook versions stored in a project.

Each change to a project's codebook (a new file, an added, renamed, merged or
retired code) is stored as a new numbered version with the list of changes;
every coding records the version it was made under.  Merging codes also
moves existing codings onto the target code, as new coding events, so the
history shows the merge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coding.codebook import Codebook
from dazi.db import Database
from dazi.errors import NotFound
from dazi.projects import Project
from dazi.schema import adjudications, codebook_versions, coding_events, codings, utcnow

__all__ = ["StoredCodebook", "save_codebook", "change_codebook", "current_codebook", "codebook_version", "list_versions"]


@dataclass(frozen=True)
class StoredCodebook:
    """A codebook as stored: the model plus its project version number."""

    codebook: Codebook
    version: int
    changes: list
    created_at: datetime
    created_by: str | None


def _stored(row) -> StoredCodebook:
    return StoredCodebook(
        codebook=Codebook.from_dict(row.content),
        version=row.version,
        changes=list(row.changes or []),
        created_at=row.created_at,
        created_by=row.created_by,
    )


def save_codebook(
    db: Database,
    project: Project,
    codebook: Codebook,
    *,
    changes: list | None = None,
    created_by: str | None = None,
    conn=None,
) -> StoredCodebook:
    """Store ``codebook`` as the project's next version and return it.

    Saving a codebook identical to the current version stores nothing and
    returns the current version.
    """
    def _save(c) -> StoredCodebook:
        content = codebook.to_dict()
        latest = c.execute(
            select(codebook_versions).where(codebook_versions.c.project_id == project.id)
            .order_by(codebook_versions.c.version.desc()).limit(1)
        ).first()
        if latest is not None and latest.content == content:
            return _stored(latest)
        version = (latest.version if latest is not None else 0) + 1
        c.execute(
            codebook_versions.insert().values(
                project_id=project.id, version=version, name=codebook.name, content=content,
                changes=changes or ([{"change": "loaded", "detail": f"codebook {codebook.name!r}"}]),
                created_at=utcnow(), created_by=created_by,
            )
        )
        row = c.execute(
            select(codebook_versions).where(
                codebook_versions.c.project_id == project.id, codebook_versions.c.version == version
            )
        ).one()
        return _stored(row)

    if conn is not None:
        return _save(conn)
    with db.write() as c:
        return _save(c)


def current_codebook(db: Database, project: Project, *, conn=None) -> StoredCodebook:
    """The project's latest codebook version; :class:`NotFound` if none is loaded."""
    query = (
        select(codebook_versions).where(codebook_versions.c.project_id == project.id)
        .order_by(codebook_versions.c.version.desc()).limit(1)
    )
    if conn is not None:
        row = conn.execute(query).first()
    else:
        with db.read() as c:
            row = c.execute(query).first()
    if row is None:
        raise NotFound(
            f"Project {project.name!r} has no codebook yet",
            "Load one with `dazi codebook load template` (the shipped starting point; "
            "`dazi codebook load cloud_companion` for the study's) or `dazi codebook load YOUR_FILE.yaml`.",
        )
    return _stored(row)


def codebook_version(db: Database, project: Project, version: int) -> StoredCodebook:
    """A given version of the project's codebook."""
    with db.read() as conn:
        row = conn.execute(
            select(codebook_versions).where(
                codebook_versions.c.project_id == project.id, codebook_versions.c.version == version
            )
        ).first()
        latest = conn.execute(
            select(func.max(codebook_versions.c.version)).where(codebook_versions.c.project_id == project.id)
        ).scalar()
    if row is None:
        raise NotFound(f"Project {project.name!r} has no codebook version {version}", f"Versions: 1 to {latest or 0}.")
    return _stored(row)


def list_versions(db: Database, project: Project) -> list[StoredCodebook]:
    """Every stored version, oldest first."""
    with db.read() as conn:
        rows = conn.execute(
            select(codebook_versions).where(codebook_versions.c.project_id == project.id).order_by(codebook_versions.c.version)
        ).all()
    return [_stored(r) for r in rows]


def change_codebook(
    db: Database,
    project: Project,
    codebook: Codebook,
    *,
    merges: dict[str, dict[str, str]] | None = None,
    changes: list | None = None,
    created_by: str | None = None,
) -> StoredCodebook:
    """Store a changed codebook and carry existing codings along merges, atomically.

    Parameters
    ----------
    merges : dict, optional
        ``{variable_id: {source_code: target_code}}`` as returned by
        :func:`coding.codebook.merge_codes`.  Every current coding (and
        adjudicated value) holding a source code gets a new event with the
        target code, so the history shows the merge and nothing is lost.
    """
    def _map(value, mapping):
        if isinstance(value, list):
            out = []
            for v in value:
                v = mapping.get(v, v)
                if v not in out:
                    out.append(v)
            return out
        return mapping.get(value, value) if isinstance(value, str) else value

    with db.write() as conn:
        stored = save_codebook(db, project, codebook, changes=changes, created_by=created_by, conn=conn)
        now = utcnow()
        for variable, mapping in (merges or {}).items():
            rows = conn.execute(
                select(codings).where(codings.c.project_id == project.id, codings.c.variable == variable)
            ).all()
            for row in rows:
                new = _map(row.value, mapping)
                if new == row.value:
                    continue
                event_key = conn.execute(
                    coding_events.insert().values(
                        project_id=project.id, post_pk=row.post_pk, coder_id=row.coder_id, field="value",
                        variable=variable, value=new, old_value=row.value, codebook_version=stored.version,
                        note="merge: " + ", ".join(f"{a} -> {b}" for a, b in mapping.items()), created_at=now,
                    )
                ).inserted_primary_key
                assert event_key is not None  # a single-row INSERT always reports its key
                conn.execute(
                    codings.update()
                    .where(codings.c.post_pk == row.post_pk, codings.c.coder_id == row.coder_id,
                           codings.c.variable == variable)
                    .values(value=new, codebook_version=stored.version, updated_at=now, event_id=event_key[0])
                )
            latest = {}
            for row in conn.execute(
                select(adjudications).where(adjudications.c.project_id == project.id, adjudications.c.variable == variable)
                .order_by(adjudications.c.id)
            ):
                latest[row.post_pk] = row
            for row in latest.values():
                new = _map(row.value, mapping)
                if new != row.value:  # appended, like every decision
                    conn.execute(adjudications.insert().values(
                        project_id=project.id, post_pk=row.post_pk, variable=variable, value=new,
                        rationale=f"{row.rationale or ''} [codes merged]".strip(), adjudicator_id=row.adjudicator_id,
                        codebook_version=stored.version, created_at=now,
                    ))
    return stored
