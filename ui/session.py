"""Who is signed in: the coder of this browser session, found again after a reload or a restart.

Streamlit's session lives only in server memory.  Signing in (name and passcode,
checked by :func:`coding.coders.authenticate`) gives the browser a signed token in a
cookie (:mod:`coding.session_tokens`); every run checks the session's token against
the database, so a removed coder or a changed passcode ends the session at once, and
a new session (a reload, a tab that outlived a server restart) reads the cookie and
carries on.  Signing out deletes the cookie.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from coding.coders import Coder, can_see_all, get_coder
from coding.session_tokens import MAX_AGE, check_token, issue_token
from dazi.db import Database
from dazi.errors import NotFound
from dazi.projects import Project, get_project, list_projects
from ui.store import config, database

__all__ = ["COOKIE", "LANGS", "Session", "project_names", "require", "session", "sign_in", "sign_out", "signed_in",
           "write_cookie", "cookie_sent"]

LANGS = {"en": "English", "zh": "中文"}
#: The cookie that holds a signed-in coder's token.
COOKIE = "dazi_session"
_TOKEN, _COOKIE_TODO, _SIGNED_OUT = "dz_token", "dz_cookie_todo", "dz_signed_out"


@dataclass(frozen=True)
class Session:
    """The signed-in coder, read fresh from the database on every run."""

    db: Database
    project: Project
    coder: Coder
    lang: str

    @property
    def sees_all(self) -> bool:
        """Whether this coder may read other coders' values (see :func:`coding.coders.can_see_all`)."""
        return can_see_all(self.coder, self.project)


def project_names(db: Database) -> list[str]:
    """Names of the projects in the database, the configured one first."""
    names = [p.name for p in list_projects(db)]
    wanted = config().project
    if wanted in names:
        names.remove(wanted)
        names.insert(0, wanted)
    return names


def sign_in(db: Database, project: Project, coder: Coder) -> None:
    """Remember who signed in (a signed token; everything else is read again each run)."""
    token = issue_token(db, project, coder)
    state = st.session_state
    state.pop(_SIGNED_OUT, None)
    state["dz_project"], state["dz_coder"], state[_TOKEN] = project.name, coder.name, token
    state[_COOKIE_TODO] = token


def sign_out() -> None:
    """Forget the coder and everything the session held for them; the cookie goes too."""
    for key in list(st.session_state.keys()):
        if key != "dz_lang":
            del st.session_state[key]
    st.session_state[_SIGNED_OUT] = True  # (the cookie this session was opened with no longer counts)
    st.session_state[_COOKIE_TODO] = ""


def _cookie_token() -> str | None:
    token = st.context.cookies.get(COOKIE)
    return token if isinstance(token, str) else None  # (AppTest has no browser: no string)


def session() -> Session | None:
    """The signed-in coder, or None (also when the coder was removed or the passcode changed meanwhile)."""
    state = st.session_state
    token = state.get(_TOKEN) or (None if state.get(_SIGNED_OUT) else _cookie_token())
    lang = state.get("dz_lang", "en")
    if token:
        db = database()
        found = check_token(db, token)
        if found is None:
            if state.get(_TOKEN) or not state.get(_SIGNED_OUT):
                sign_out()
                state["dz_ended"] = True  # the sign-in page says why
            return None
        project, coder = found
        state[_TOKEN], state["dz_project"], state["dz_coder"] = token, project.name, coder.name
        return Session(db, project, coder, lang)
    name = state.get("dz_coder")  # (set by the server only: the tests' way in, and sessions before tokens)
    if not name:
        return None
    db = database()
    try:
        project = get_project(db, state["dz_project"])
        coder = get_coder(db, project, name)
    except NotFound:
        sign_out()
        return None
    return Session(db, project, coder, lang)


def write_cookie() -> None:
    """Send the browser the cookie a sign-in or sign-out asked for, in each run until :func:`cookie_sent`.

    A run that ends early (``st.switch_page`` from ``/`` to the role's first
    page, ``st.stop``) may never show its elements, so the cookie goes out
    again in the next run; writing it twice is harmless.
    """
    todo = st.session_state.get(_COOKIE_TODO)
    if todo is None:
        return
    age = MAX_AGE if todo else 0
    value = json.dumps(todo)  # (a token is [a-z0-9.]: quoting only guards the script)
    st.html(f"<script>document.cookie = '{COOKIE}=' + {value} + '; path=/; max-age={age}; SameSite=Strict';"
            "</script>", unsafe_allow_javascript=True, width="content")


def cookie_sent() -> None:
    """The run that wrote the cookie reached its end: its script is in the browser."""
    st.session_state.pop(_COOKIE_TODO, None)


_RUN = threading.local()


@contextmanager
def signed_in(ctx: Session | None) -> Iterator[None]:
    """While a page runs (``app.py``): :func:`require` takes the coder ``app.py`` checked at the
    start of this run instead of checking the token again."""
    _RUN.ctx = ctx
    try:
        yield
    finally:
        _RUN.ctx = None


def _fragment_run() -> bool:
    """Whether this run reruns only a fragment of the page (``app.py`` did not run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    run = get_script_run_ctx()
    return bool(run is not None and run.fragment_ids_this_run)


def require(*roles: str) -> Session:
    """The signed-in coder if their role is one of ``roles`` (any role when none given); else stop the page.

    In a run of the whole page this is the coder ``app.py`` checked; in a fragment's rerun
    (``app.py`` does not run) the session's token is checked here.
    """
    ctx = getattr(_RUN, "ctx", None) or session()
    if ctx is None:
        if _fragment_run():  # (the session ended since the page ran: the whole page shows the sign-in form)
            st.rerun()
        st.info("Sign in first.")  # (app.py shows the sign-in form instead of a page: reached only without app.py)
        st.stop()
    if roles and ctx.coder.role not in roles:
        st.error(f"This page is for the {' or '.join(roles)} role; you are signed in as a {ctx.coder.role}.")
        st.stop()
    return ctx  # type: ignore[return-value]
