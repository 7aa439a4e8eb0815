"""Progress per coder, the reliability overlap's state, and blinding (admin only).

Figures come from :func:`coding.assignments.progress`; unblinding calls
:func:`dazi.projects.set_blind`.  While a project is blind coders see only
their own codings; unblinding lets them see results and each other's work.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.assignments import progress
from dazi.projects import set_blind
from ui.feedback import errors
from ui.session import require

ctx = require("admin")
st.title("Progress & blinding 进度")
with errors():
    rows, overlap = progress(ctx.db, ctx.project)
    if not rows:
        st.info("Nobody has been assigned posts yet: draw a sample and assign it on the Sample & assign page.")
    else:
        table = pd.DataFrame([{
            "coder": p.coder, "role": p.role, "assigned": p.assigned, "coded": p.coded,
            "done": p.coded / p.assigned if p.assigned else None, "uncertain": p.uncertain,
            "remaining": p.remaining, "overlap coded": f"{p.overlap_coded} / {p.overlap_assigned}",
        } for p in rows])
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "done": st.column_config.ProgressColumn("done", format="percent", min_value=0, max_value=1)})
        units, complete = overlap["overlap_units"], overlap["complete_units"]
        st.metric("Overlap posts complete for reliability", f"{complete} / {units}")
        if units:
            st.progress(complete / units)

    st.subheader("Blinding")
    if ctx.project.blind:
        st.text("The project is BLIND: coders see only their own codings; results are hidden from them.")
        if st.button("Unblind the project", type="primary", key="ap_unblind"):
            set_blind(ctx.db, ctx.project, False)
            st.rerun()
    else:
        st.text("The project is UNBLINDED: coders can see each other's codings and the results.")
        if st.button("Blind the project again", key="ap_blind"):
            set_blind(ctx.db, ctx.project, True)
            st.rerun()
