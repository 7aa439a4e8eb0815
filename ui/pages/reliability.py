"""Reliability: Krippendorff's alpha per variable with its bootstrapped interval, the other
coefficients, a chart, and a drill-down to the coincidence matrix and the disagreements.

Numbers come from :func:`coding.project_reliability.project_reliability` and
:func:`coding.project_diagnostics.variable_diagnostics` unchanged; this page
only lays them out.  Alpha is coloured against the customary thresholds:
at least .800 to rely on a variable, .667 to .800 for tentative conclusions.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from coding.codebook import Codebook
from coding.project_diagnostics import MultiDiagnostics, variable_diagnostics
from coding.project_reliability import project_reliability
from ui.feedback import errors
from ui.reliability_table import RELY, TENTATIVE, alpha_colour, reliability_table
from ui.session import Session, require
from ui.store import codebook

BOOTSTRAPS = (0, 1000, 2000, 5000, 10000)


def _chart(table: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(table).encode(y=alt.Y("label:N", sort=None, title=None))
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("CI low:Q", title="Krippendorff's alpha (95% CI)",
                                                      scale=alt.Scale(domain=[min(0.0, float(table["alpha"].min(skipna=True) or 0)), 1])),
                                                x2="CI high:Q")
    points = base.mark_point(filled=True, size=80).encode(
        x="alpha:Q", color=alt.Color("verdict:N", scale=alt.Scale(
            domain=["rely", "tentative", "do not rely", "undefined"], range=["#1a7f37", "#bf8700", "#cf222e", "#8c959f"])),
        tooltip=["variable", "alpha", "CI low", "CI high", "units"])
    lines = alt.Chart(pd.DataFrame({"x": [TENTATIVE, RELY]})).mark_rule(strokeDash=[4, 4], color="#57606a").encode(x="x:Q")
    return (lines + bars + points).properties(height=32 * len(table) + 40)



def drill_down(ctx: Session, results: list, book: Codebook) -> None:
    """Where one variable's disagreement lies (reruns alone when another variable is picked)."""
    with errors():
        ids = [r.variable for r in results]
        vid = st.selectbox("Look closer at", ids, key="rel_var", format_func=lambda v: book.variable(v).display(ctx.lang))
        variable = book.variable(vid)
        diag = variable_diagnostics(ctx.db, ctx.project, vid, viewer=ctx.coder)
        label = {c.id: c.display(ctx.lang) for c in variable.all_codes()}
        if isinstance(diag, MultiDiagnostics):
            st.caption(f"Multi-select: judged code by code (present / absent) over {diag.n_units} posts.")
            st.subheader("Codes")
            st.dataframe(diag.codes.assign(label=diag.codes["code"].map(label)), hide_index=True, width="stretch")
        else:
            if diag.coincidences is not None:
                st.subheader("Coincidence matrix")
                st.caption("Pairable values: rows and columns are the two values of a pair within a post; "
                           "the diagonal is agreement.")
                st.dataframe(diag.coincidences.rename(index=label, columns=label), width="stretch")
            st.subheader("Coder pairs")
            st.dataframe(diag.pairwise, hide_index=True, width="stretch")
            if diag.codes is not None:
                st.subheader("Codes")
                st.dataframe(diag.codes, hide_index=True, width="stretch")
        st.subheader("Posts in disagreement")
        st.caption("Worst first; the unit is the post id. Resolve them on the Adjudicate page.")
        st.dataframe(diag.disagreements, hide_index=True, width="stretch")


ctx = require()
st.title("Reliability 信度")
with errors():
    if not ctx.sees_all:
        st.info("Reliability compares every coder's values, so it is hidden from coders while the project is blind.")
        st.stop()
    book = codebook(ctx.db, ctx.project)
    if book is None:
        st.info("The project has no codebook yet.")
        st.stop()
    c1, c2 = st.columns(2)
    bootstrap = c1.selectbox("Bootstrap resamples (for the interval and q)", BOOTSTRAPS, index=2, key="rel_boot")
    seed = int(c2.number_input("Seed", value=0, step=1, key="rel_seed"))
    with st.spinner("Computing reliability…"):
        results = project_reliability(ctx.db, ctx.project, bootstrap=bootstrap, seed=seed, viewer=ctx.coder)
    table = reliability_table(results, book, ctx.lang)
    styled = table.style.map(alpha_colour, subset=["alpha"]).format(precision=3, na_rep="–").hide(axis="index")
    st.table(styled)
    st.caption("alpha ≥ .800: rely on the variable (green); .667–.800: tentative conclusions only (yellow); "
               f"below .667: do not rely (red). Interval and q from {bootstrap:,} bootstrap resamples "
               f"(Hayes & Krippendorff 2007), seed {seed}. Text variables are left out.")
    if table["alpha"].notna().any():
        st.altair_chart(_chart(table), width="stretch")
    notes = [f"{r.variable}: {note}" for r in results for note in r.notes]
    if notes:
        with st.expander(f"Notes ({len(notes)})"):
            st.text("\n".join(notes))
    drill_down(ctx, results, book)
