"""Coders, their roles and passcodes.

A coder has a display name, a role and a passcode stored only as a salted
scrypt hash.  Roles:

``coder``
    codes their assigned posts; while the project is blind they read only
    their own codings.
``adjudicator``
    also sees every coder's values and records final values.
``admin``
    the lead researcher: imports, codebook, coders, assignment, unblinding.

Signing in (:func:`authenticate`) answers the same for an unknown name and a
wrong passcode, compares in constant time, and slows down after repeated
failures, so a wrong guess gives nothing away.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, update

from dazi.db import Database
from dazi.errors import AccessDenied, NotFound, ValidationError
from dazi.projects import Project
from dazi.schema import coders, login_attempts, utcnow

__all__ = [
    "ROLES",
    "Coder",
    "activate_coder",
    "add_coder",
    "authenticate",
    "can_see_all",
    "check_passcode",
    "deactivate_coder",
    "get_coder",
    "hash_passcode",
    "list_coders",
    "remove_coder",
    "rename_coder",
    "set_passcode",
    "set_role",
]

ROLES = ("coder", "adjudicator", "admin")

# scrypt cost: ~50 ms per check on this class of machine, the OWASP minimum
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_FAILURES_BEFORE_DELAY = 3
_WINDOW = timedelta(hours=24)
_MAX_WAIT_SECONDS = 900


@dataclass(frozen=True)
class Coder:
    """A coder record (never carries the passcode or its hash)."""

    id: int
    project_id: int
    name: str
    role: str
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def can_see_all(coder: Coder, project: Project) -> bool:
    """Whether ``coder`` may read other coders' codings in ``project``."""
    return coder.role in ("adjudicator", "admin") or not project.blind


def hash_passcode(passcode: str) -> str:
    """A salted scrypt hash in the form ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(passcode.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_passcode(passcode: str, stored: str | None) -> bool:
    """Constant-time check of ``passcode`` against a :func:`hash_passcode` value."""
    if not stored:
        # still spend the time, so a missing hash is not faster to detect
        hashlib.scrypt(passcode.encode(), salt=b"0" * 16, dklen=32, **_SCRYPT)
        return False
    _, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(passcode.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got, bytes.fromhex(digest))


def _row(row) -> Coder:
    return Coder(id=row.id, project_id=row.project_id, name=row.name, role=row.role, active=bool(row.active))


def _find(conn: Connection, project: Project, name: str):
    return conn.execute(
        select(coders).where(coders.c.project_id == project.id, coders.c.name == name)
    ).first()


def _new_passcode() -> str:
    # six digits are easy to type and, with the slow-down, hard to guess
    return f"{secrets.randbelow(10**6):06d}"


def add_coder(
    db: Database, project: Project, name: str, *, role: str = "coder", passcode: str | None = None
) -> tuple[Coder, str]:
    """Add a coder; returns the coder and their passcode (shown once).

    A passcode is generated when none is given.  Adding a name that was
    removed earlier reactivates it with the new passcode.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("A coder needs a name of 1 to 100 characters.")
    if role not in ROLES:
        raise ValidationError(f"Unknown role {role!r}", f"Use one of: {', '.join(ROLES)}.")
    passcode = passcode if passcode is not None else _new_passcode()
    if len(passcode) < 4:
        raise ValidationError("A passcode needs at least 4 characters.")
    hashed = hash_passcode(passcode)
    with db.write() as conn:
        existing = _find(conn, project, name)
        if existing is not None and existing.kind != "human":
            raise ValidationError(f"{name!r} is the name of a machine coder (a model); choose another name.")
        if existing is not None and existing.active:
            raise ValidationError(f"Coder {name!r} already exists in project {project.name!r}.")
        if existing is not None:
            conn.execute(
                update(coders).where(coders.c.id == existing.id).values(active=True, role=role, passcode_hash=hashed)
            )
        else:
            conn.execute(
                coders.insert().values(
                    project_id=project.id, name=name, role=role, passcode_hash=hashed, active=True, created_at=utcnow()
                )
            )
        return _row(_find(conn, project, name)), passcode


def list_coders(db: Database, project: Project, *, include_inactive: bool = False) -> list[Coder]:
    """The project's coders by name."""
    # machine coders (coding.machine, ``model:NAME``) are no members of the team
    query = select(coders).where(coders.c.project_id == project.id, coders.c.kind == "human").order_by(coders.c.name)
    if not include_inactive:
        query = query.where(coders.c.active.is_(True))
    with db.read() as conn:
        return [_row(r) for r in conn.execute(query)]


def get_coder(db: Database, project: Project, name: str) -> Coder:
    """The coder called ``name``; :class:`NotFound` listing the others if absent."""
    with db.read() as conn:
        row = _find(conn, project, name)
    if row is None or not row.active:
        names = [c.name for c in list_coders(db, project)]
        raise NotFound(
            f"No coder named {name!r} in project {project.name!r}",
            f"Coders: {', '.join(names)}." if names else "Add one with `dazi coders add NAME`.",
        )
    return _row(row)


def _inactive_or_active(conn: Connection, project: Project, name: str):
    """The row of coder ``name``, active or not; :class:`NotFound` listing every coder if absent."""
    row = _find(conn, project, name)
    if row is None:
        names = conn.execute(
            select(coders.c.name).where(coders.c.project_id == project.id).order_by(coders.c.name)
        ).scalars().all()
        raise NotFound(
            f"No coder named {name!r} in project {project.name!r}",
            f"Coders: {', '.join(names)}." if names else "Add one with `dazi coders add NAME`.",
        )
    return row


def _check_last_admin(conn: Connection, project: Project, row, what: str) -> None:
    """Refuse to leave a project without an active admin (nobody could manage it)."""
    if row.role != "admin" or not row.active:
        return
    others = conn.execute(
        select(func.count()).select_from(coders).where(
            coders.c.project_id == project.id, coders.c.role == "admin", coders.c.active.is_(True),
            coders.c.id != row.id)
    ).scalar_one()
    if not others:
        raise ValidationError(
            f"{row.name!r} is the project's only admin: {what} would leave nobody to manage it.",
            "Make another coder an admin first (dazi coders set-role NAME admin).",
        )


def deactivate_coder(db: Database, project: Project, name: str) -> Coder:
    """Deactivate a coder: they can no longer sign in; their codings, assignments and
    adjudications stay (and count in reliability and exports).  :func:`activate_coder`
    undoes it."""
    with db.write() as conn:
        row = _inactive_or_active(conn, project, name)
        _check_last_admin(conn, project, row, "deactivating them")
        conn.execute(update(coders).where(coders.c.id == row.id).values(active=False))
        return _row(_find(conn, project, name))


#: The older name of :func:`deactivate_coder`.
remove_coder = deactivate_coder


def activate_coder(db: Database, project: Project, name: str) -> Coder:
    """Let a deactivated coder sign in again, with their old passcode and role."""
    with db.write() as conn:
        row = _inactive_or_active(conn, project, name)
        conn.execute(update(coders).where(coders.c.id == row.id).values(active=True))
        return _row(_find(conn, project, name))


def set_role(db: Database, project: Project, name: str, role: str) -> Coder:
    """Change a coder's role (``coder``, ``adjudicator`` or ``admin``).

    The project's last active admin keeps that role (nobody could manage the
    project otherwise)."""
    if role not in ROLES:
        raise ValidationError(f"Unknown role {role!r}", f"Use one of: {', '.join(ROLES)}.")
    with db.write() as conn:
        row = _inactive_or_active(conn, project, name)
        if role != "admin":
            _check_last_admin(conn, project, row, f"making them {role}")
        conn.execute(update(coders).where(coders.c.id == row.id).values(role=role))
        return _row(_find(conn, project, name))


def rename_coder(db: Database, project: Project, name: str, new_name: str) -> Coder:
    """Give a coder another name; their codings, assignments and adjudications follow
    (they refer to the coder, not the name).  They sign in with the new name."""
    new_name = (new_name or "").strip()
    if not new_name or len(new_name) > 100:
        raise ValidationError("A coder needs a name of 1 to 100 characters.")
    with db.write() as conn:
        row = _inactive_or_active(conn, project, name)
        if new_name != row.name and _find(conn, project, new_name) is not None:
            raise ValidationError(
                f"Coder {new_name!r} already exists in project {project.name!r}.",
                "Choose another name (deactivated coders keep theirs: dazi coders list --all).",
            )
        conn.execute(update(coders).where(coders.c.id == row.id).values(name=new_name))
        return _row(_find(conn, project, new_name))


def set_passcode(db: Database, project: Project, name: str, passcode: str | None = None) -> str:
    """Give a coder a new passcode (generated if not given); returns it.  The old one
    stops working at once.  A deactivated coder gets one too (for when they are
    activated again)."""
    with db.read() as conn:
        coder = _row(_inactive_or_active(conn, project, name))
    passcode = passcode if passcode is not None else _new_passcode()
    if len(passcode) < 4:
        raise ValidationError("A passcode needs at least 4 characters.")
    with db.write() as conn:
        conn.execute(update(coders).where(coders.c.id == coder.id).values(passcode_hash=hash_passcode(passcode)))
    return passcode


def _recent_failures(conn: Connection, project: Project, name: str) -> tuple[int, datetime | None]:
    """Failed attempts at ``name`` since its last success within the window, and the last attempt's time."""
    since = utcnow() - _WINDOW
    rows = conn.execute(
        select(login_attempts.c.success, login_attempts.c.at)
        .where(login_attempts.c.project_id == project.id, login_attempts.c.name == name,
               login_attempts.c.at >= since)
        .order_by(login_attempts.c.at.desc(), login_attempts.c.id.desc())
    ).all()
    failures = 0
    for success, _at in rows:
        if success:
            break
        failures += 1
    return failures, (rows[0].at if rows else None)


def authenticate(db: Database, project: Project, name: str, passcode: str) -> Coder:
    """Sign a coder in, or raise :class:`AccessDenied`.

    The message, the work done and the slow-down are the same whether the
    name or the passcode is wrong, so that trying names tells nothing about
    which exist.  Attempts are recorded per name typed: after three failures
    within 24 hours each further attempt at that name must wait 2, 4, 8 ...
    (at most 900) seconds after the previous one, and attempts during the
    wait are refused without checking the passcode (about 100 guesses a day
    per name once the wait is at its cap).
    """
    denied = AccessDenied("Wrong coder name or passcode.", "Ask the project's admin if you forgot your passcode.")
    name = (name or "").strip()[:100]
    with db.read() as conn:
        row = _find(conn, project, name)
        failures, last = _recent_failures(conn, project, name)
    if failures >= _FAILURES_BEFORE_DELAY and last is not None:
        wait = min(2 ** (failures - _FAILURES_BEFORE_DELAY + 1), _MAX_WAIT_SECONDS)
        remaining = (last + timedelta(seconds=wait) - utcnow()).total_seconds()
        if remaining > 0:
            raise AccessDenied(
                "Too many wrong passcodes for this name.",
                f"Wait {int(remaining) + 1} seconds before trying again.",
            )
    known = row is not None and row.active
    ok = check_passcode(passcode, row.passcode_hash if known else None)  # the same cost either way
    ok = ok and known
    with db.write() as conn:
        conn.execute(login_attempts.insert().values(
            coder_id=row.id if known else None, project_id=project.id, name=name, at=utcnow(), success=ok))
    if not ok:
        raise denied
    return _row(row)
