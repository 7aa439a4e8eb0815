"""My work: the signed-in coder's own progress and assignment, one page at a time.

Only the coder's own codings are read, so nothing of other coders' work shows
here while the project is blind.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.assignments import ASSIGNMENT_FILTERS, assignment_page, coder_progress
from ui.feedback import errors
from ui.session import require

PAGE_SIZE = 25


def _open(post_pk: int) -> None:
    st.session_state["ws_cursor"] = post_pk


ctx = require()
st.title("My work 我的进度")
with errors():
    progress = coder_progress(ctx.db, ctx.project, ctx.coder)
    a, b, c, d = st.columns(4)
    a.metric("Assigned", f"{progress.assigned:,}")
    b.metric("Coded", f"{progress.coded:,}")
    c.metric("Uncertain", f"{progress.uncertain:,}")
    d.metric("Reliability overlap coded", f"{progress.overlap_coded:,} / {progress.overlap_assigned:,}")
    if progress.assigned:
        st.progress(progress.coded / progress.assigned, text=f"{progress.coded / progress.assigned:.0%} done")

    f1, f2 = st.columns([1, 2])
    status = f1.selectbox("Show", ASSIGNMENT_FILTERS, key="mw_status")
    text = f2.text_input("Keyword in the post", key="mw_text")
    if st.session_state.get("mw_filters") != (status, text):
        st.session_state.mw_filters = (status, text)
        st.session_state.mw_page = 0
    page_no = st.session_state.get("mw_page", 0)
    rows, total = assignment_page(ctx.db, ctx.project, ctx.coder, status=status, text=text or None,
                                  offset=page_no * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    st.caption(f"{total:,} posts · page {page_no + 1} of {pages}")
    table = pd.DataFrame({
        "#": [r.position for r in rows],
        "post": [r.post_id for r in rows],
        "title / text": [((r.title or "") + " " + r.text).strip()[:80] for r in rows],
        "coded": [r.done for r in rows],
        "uncertain": [r.uncertain for r in rows],
        "saved": [r.updated_at for r in rows],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    if rows:
        choice = st.selectbox("Open a post in the workspace", [r.post_pk for r in rows], key="mw_pick",
                              format_func={r.post_pk: f"#{r.position} · {r.post_id}" for r in rows}.__getitem__)
        if st.button("Open", key="mw_open"):  # (on its value: a restarted server's first run has no callback)
            _open(choice)
            st.switch_page("ui/pages/code.py")
    p1, p2 = st.columns(2)
    if p1.button("← Previous page", disabled=page_no == 0, key="mw_prev"):
        st.session_state.mw_page = page_no - 1
        st.rerun()
    if p2.button("Next page →", disabled=page_no + 1 >= pages, key="mw_next"):
        st.session_state.mw_page = page_no + 1
        st.rerun()
