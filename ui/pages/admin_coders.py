"""Coders: list, add (the passcode is shown once), new passcode, remove (admin only).

Everything is a call into :mod:`coding.coders`; passcodes are stored only as
salted hashes there.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.coders import ROLES, add_coder, list_coders, remove_coder, set_passcode
from dazi.errors import DaziError
from ui.feedback import errors
from ui.session import require


def _show_passcode(name: str, passcode: str) -> None:
    st.session_state["ac_passcode"] = (name, passcode)


ctx = require("admin")
st.title("Coders 编码员")
with errors():
    coders = list_coders(ctx.db, ctx.project)
    st.dataframe(pd.DataFrame({"name": [c.name for c in coders], "role": [c.role for c in coders]}),
                 hide_index=True, width="stretch")
    if shown := st.session_state.pop("ac_passcode", None):
        st.success(f"Passcode of {shown[0]}: {shown[1]}  (shown once: give it to {shown[0]} now)")

    st.subheader("Add a coder")
    with st.form("ac_add", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Name", key="ac_name")
        role = c2.selectbox("Role", ROLES, key="ac_role")
        passcode = c3.text_input("Passcode (empty: generate one)", type="password", key="ac_code")
        added = st.form_submit_button("Add coder", type="primary")
    if added:
        try:
            coder, code = add_coder(ctx.db, ctx.project, name, role=role, passcode=passcode or None)
        except DaziError as exc:
            st.error(exc.describe())
        else:
            _show_passcode(coder.name, code)
            st.rerun()

    others = [c.name for c in coders if c.name != ctx.coder.name]
    if others:
        st.subheader("Change a coder")
        c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        who = c1.selectbox("Coder", others, key="ac_who")
        if c2.button("New passcode", key="ac_reset"):
            _show_passcode(who, set_passcode(ctx.db, ctx.project, who))
            st.rerun()
        if c3.button("Remove", key="ac_remove", help="They can no longer sign in; their codings stay in the history."):
            remove_coder(ctx.db, ctx.project, who)
            st.rerun()
