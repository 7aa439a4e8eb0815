"""Draw a sample and assign it to coders with a reliability overlap (admin only).

The widgets fill the arguments of :func:`corpus.sampling.draw_sample` and
:func:`coding.assignments.assign`; both are reproducible from their seed.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.assignments import assign
from coding.coders import list_coders
from coding.hints import hint_settings, set_hint_settings
from corpus.sampling import METHODS, STRATA_FIELDS, draw_sample, list_samples
from dazi.errors import DaziError
from ui.feedback import errors
from ui.session import require
from ui.store import refresh_statistics


def _set_hints(ctx, which: str) -> None:
    set_hint_settings(ctx.db, ctx.project, **{which: bool(st.session_state[f"aa_hints_{which}"])})


ctx = require("admin")
st.title("Sample & assign 抽样与分配")
with errors():
    samples = list_samples(ctx.db, ctx.project)
    if samples:
        st.dataframe(pd.DataFrame({
            "sample": [s.name for s in samples], "method": [s.method for s in samples], "posts": [s.size for s in samples],
            "seed": [s.seed for s in samples], "drawn": [s.created_at for s in samples],
        }), hide_index=True, width="stretch")
    if flash := st.session_state.pop("aa_flash", None):
        st.success(flash)

    st.subheader("Keyword hints while coding")
    st.caption("The codebook's keywords can suggest codes above a variable (\"keywords suggest …\"). On the "
               "reliability overlap such hints pull every coder the same way, so they are off there unless you "
               "turn them on. Whether hints were shown is recorded with each coding.")
    hints = hint_settings(ctx.project)
    h1, h2 = st.columns(2)
    h1.toggle("Hints on the reliability overlap", value=hints.overlap, key="aa_hints_overlap",
              on_change=_set_hints, args=(ctx, "overlap"))
    h2.toggle("Hints on the other posts", value=hints.other, key="aa_hints_other",
              on_change=_set_hints, args=(ctx, "other"))

    st.subheader("Draw a sample")
    with st.form("aa_draw"):
        c1, c2, c3 = st.columns(3)
        name = c1.text_input("Name", value="main", key="aa_name")
        method = c2.selectbox("Method", METHODS, key="aa_method")
        size = c3.number_input("Posts (0: all that qualify, purposive only)", min_value=0, value=200, step=10,
                               key="aa_size")
        d1, d2, d3 = st.columns(3)
        seed = d1.number_input("Seed", value=0, step=1, key="aa_seed")
        by = d2.selectbox("Stratify by (stratified)", ["(none)", *STRATA_FIELDS], key="aa_by")
        keywords = d3.text_input("Relevance keywords (purposive; comma-separated)", key="aa_keywords")
        e1, e2, e3 = st.columns(3)
        min_likes = e1.number_input("Minimum likes (purposive)", min_value=0, value=0, key="aa_min_likes")
        min_comments = e2.number_input("Minimum comments (purposive)", min_value=0, value=0, key="aa_min_comments")
        replace = e3.checkbox("Redraw if the name exists", key="aa_replace")
        drawn = st.form_submit_button("Draw sample", type="primary")
    if drawn:
        thresholds = {k: int(v) for k, v in (("min_likes", min_likes), ("min_comments", min_comments)) if v}
        try:
            sample = draw_sample(
                ctx.db, ctx.project, name.strip(), method=method, size=int(size) or None, seed=int(seed),
                by=None if by == "(none)" else by, replace=replace,
                keywords=[k.strip() for k in keywords.split(",") if k.strip()] or None, **thresholds,
            )
        except DaziError as exc:
            st.error(exc.describe())
        else:
            st.session_state["aa_flash"] = f"Sample {sample.name!r}: {sample.size} posts ({sample.method}, seed {sample.seed})."
            st.rerun()

    st.subheader("Assign a sample")
    if not samples:
        st.info("Draw a sample first.")
        st.stop()
    coders = list_coders(ctx.db, ctx.project)
    with st.form("aa_assign"):
        a1, a2 = st.columns([1, 2])
        sample_name = a1.selectbox("Sample", [s.name for s in samples], key="aa_sample")
        chosen = a2.multiselect("Coders", [c.name for c in coders], default=[c.name for c in coders if c.role == "coder"],
                                key="aa_coders")
        b1, b2, b3 = st.columns(3)
        overlap = b1.number_input("Overlap: a fraction (0.2) or a number of posts (100) every coder codes",
                                  min_value=0.0, value=0.2, step=0.05, key="aa_overlap")
        assign_seed = b2.number_input("Seed", value=0, step=1, key="aa_assign_seed")
        stratify = b3.selectbox("Stratify the overlap by", ["(none)", *STRATA_FIELDS], key="aa_stratify")
        assigned = st.form_submit_button("Assign", type="primary")
    if assigned:
        try:
            summary = assign(ctx.db, ctx.project, sample_name, chosen, overlap=float(overlap), seed=int(assign_seed),
                             stratify_by=None if stratify == "(none)" else stratify)
        except DaziError as exc:
            st.error(exc.describe())
        else:
            refresh_statistics(ctx.db)  # the coders' reads go by the coder's index from now on
            per = ", ".join(f"{k} {v}" for k, v in summary.per_coder.items())
            st.session_state["aa_flash"] = (f"Sample {summary.sample!r}: {summary.overlap} posts in the overlap; {per} posts "
                                            f"({summary.added} assignments added, {summary.removed} removed).")
            st.rerun()
