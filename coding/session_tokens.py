"""Signed sign-in tokens: a coder stays signed in across a page reload and a server restart.

The app keeps who is signed in only in server memory (Streamlit's session), which a
reload or a restart loses.  After a coder signs in with their passcode the app gives the
browser a token (in a cookie); a new session presents it and :func:`check_token` finds
the coder again.  A token is ``v1.<project id>.<coder id>.<issued>.<mac>``: an HMAC-SHA256
over those fields and the coder's stored passcode hash, keyed by a key derived from the
project's secret salt (never stored anywhere else, never sent).  So a token

* cannot be forged or altered without the project's salt;
* stops working when the coder is deactivated, their passcode is changed (a new
  hash), or it is older than ``max_age``;
* is checked against the database every time it is used.

Examples
--------
>>> from dazi.db import connect
>>> from dazi.projects import create_project
>>> from coding.coders import add_coder, set_passcode
>>> db = connect("sqlite://")
>>> project = create_project(db, "demo")
>>> alice, _ = add_coder(db, project, "alice", passcode="1111")
>>> token = issue_token(db, project, alice)
>>> found = check_token(db, token)
>>> (found[0].name, found[1].name)
('demo', 'alice')
>>> check_token(db, token[:-1] + ("0" if token[-1] != "0" else "1")) is None
True
>>> _ = set_passcode(db, project, "alice", "2222")
>>> check_token(db, token) is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import time

from sqlalchemy import select

from coding.coders import Coder
from dazi.db import Database
from dazi.projects import Project, _row_to_project
from dazi.schema import coders, projects

__all__ = ["MAX_AGE", "check_token", "issue_token"]

#: How long a token is good for (seconds): two weeks of coding days.
MAX_AGE = 14 * 24 * 3600
_VERSION = "v1"
_PURPOSE = b"dazi sign-in token v1"


def _key(salt: str) -> bytes:
    # a key for this purpose alone, derived from the project's secret salt
    return hmac.new(salt.encode(), _PURPOSE, hashlib.sha256).digest()


def _mac(salt: str, project_id: int, coder_id: int, issued: int, passcode_hash: str | None) -> str:
    message = f"{_VERSION}.{project_id}.{coder_id}.{issued}.{passcode_hash or ''}".encode()
    return hmac.new(_key(salt), message, hashlib.sha256).hexdigest()


def issue_token(db: Database, project: Project, coder: Coder, *, now: float | None = None) -> str:
    """A token that signs ``coder`` in to ``project`` (call it after checking their passcode)."""
    issued = int(now if now is not None else time.time())
    with db.read() as conn:
        salt = conn.execute(select(projects.c.salt).where(projects.c.id == project.id)).scalar_one()
        stored = conn.execute(select(coders.c.passcode_hash).where(coders.c.id == coder.id)).scalar_one()
    return f"{_VERSION}.{project.id}.{coder.id}.{issued}.{_mac(salt, project.id, coder.id, issued, stored)}"


def check_token(db: Database, token: str | None, *, max_age: int = MAX_AGE,
                now: float | None = None) -> tuple[Project, Coder] | None:
    """The project and the active coder a token signs in, or None (malformed, forged, expired,
    coder deactivated or passcode changed since)."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != _VERSION or not all(p.isdigit() for p in parts[1:4]):
        return None
    project_id, coder_id, issued = (int(p) for p in parts[1:4])
    if not 0 <= (now if now is not None else time.time()) - issued <= max_age:
        return None
    with db.read() as conn:
        project_row = conn.execute(select(projects).where(projects.c.id == project_id)).first()
        coder_row = conn.execute(
            select(coders).where(coders.c.id == coder_id, coders.c.project_id == project_id)
        ).first()
    if project_row is None or coder_row is None or not coder_row.active:
        return None
    expected = _mac(project_row.salt, project_id, coder_id, issued, coder_row.passcode_hash)
    if not hmac.compare_digest(expected, parts[4]):
        return None
    coder = Coder(id=coder_row.id, project_id=coder_row.project_id, name=coder_row.name, role=coder_row.role,
                  active=True)
    return _row_to_project(project_row), coder
