"""Sign in: pick your name, enter your passcode.

The core (:func:`coding.coders.authenticate`) answers the same for an
unknown name and a wrong passcode and slows down repeated failures; this page
only collects the two values and remembers the name for the session.
"""

from __future__ import annotations

import streamlit as st

from coding.coders import authenticate, list_coders
from dazi.errors import DaziError
from dazi.projects import get_project
from pages import common

st.title("dazi 搭子")
st.caption("Qualitative content analysis of social media posts: code, measure agreement, export.")

with common.errors():
    db = common.database()
    names = common.project_names(db)
    if not names:
        st.info("This database has no project yet. Run `dazi demo` or `dazi import FILE` first, "
                "or start the app with `make app` for the demo project.")
        st.stop()
    if len(names) > 1:
        name = st.selectbox("Project", names, key="signin_project")
    else:
        name = names[0]
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
                common.sign_in(project, coder)
                st.rerun()
    if common.config().demo:
        st.caption("Demo project: coders alice / 1111 and bob / 2222, adjudicator carol / 3333, admin admin / 0000.")
