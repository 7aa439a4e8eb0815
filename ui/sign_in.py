"""The sign-in form: pick your name, enter your passcode.

The core (:func:`coding.coders.authenticate`) answers the same for an unknown name and a
wrong passcode and slows down repeated failures; this form only collects the two values.
It is also what any page of the app shows to someone not signed in (a bookmark, a reload
after the session ended): after signing in they are on the page they asked for, at the
same post.
"""

from __future__ import annotations

import streamlit as st

from coding.coders import authenticate, list_coders
from dazi.errors import DaziError
from dazi.projects import get_project
from ui.feedback import errors
from ui.session import project_names, sign_in
from ui.store import config, database

__all__ = ["sign_in_form"]


def sign_in_form(goto: str | None = None) -> None:
    """The form; ``goto`` is the title of the page that asked for it (None: the start page)."""
    st.title("dazi 搭子")
    st.caption("Qualitative content analysis of social media posts: code, measure agreement, export.")
    state = st.session_state
    if state.pop("dz_ended", False):
        st.info("Your sign-in has ended (your passcode was changed, or it is more than two weeks old). "
                "Sign in again to go on.")
    if goto:
        post = st.query_params.get("post")
        where = f"the {goto} page" + (f" at post {post}" if post else "")
        st.info(f"Sign in to go on to {where}.")
    with errors():
        db = database()
        names = project_names(db)
        if not names:
            st.info("This database has no project yet. Run `dazi demo` or `dazi import FILE` first, "
                    "or start the app with `make app` for the demo project.")
            st.stop()
        name = st.selectbox("Project", names, key="signin_project") if len(names) > 1 else names[0]
        project = get_project(db, name)
        coders = [c.name for c in list_coders(db, project)]
        if not coders:
            st.info(f"Project {name!r} has no coders yet. Add one with `dazi coders add NAME --role admin`.")
            st.stop()
        with st.form("signin"):
            who = st.selectbox("Your name", coders, index=None, placeholder="Choose your name", key="signin_name")
            passcode = st.text_input("Passcode", type="password", key="signin_passcode")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            if not who or not passcode:
                st.error("Choose your name and enter your passcode.")
            else:
                try:
                    coder = authenticate(db, project, who, passcode)
                except DaziError as exc:
                    st.error(exc.describe())
                else:
                    sign_in(db, project, coder)
                    st.rerun()
        if config().demo:
            st.caption("Demo project: coders alice / 1111 and bob / 2222, adjudicator carol / 3333, admin admin / 0000.")
