"""Exports as downloads: the Excel workbook, CSV, JSON Lines and SPSS files of the coded
posts, the comments, and the HTML reliability report.

Files are made by :mod:`reports` (:func:`reports.exports.export_bytes`,
:func:`reports.report.reliability_report` and :func:`reports.report.render_html`)
only when a download button is clicked (Streamlit calls the function then),
so opening this page costs nothing.
"""

from __future__ import annotations

import streamlit as st

from coding.machine.store import list_models
from corpus.comments import count_comments
from dazi.db import Database
from dazi.projects import Project
from reports.exports import comments_bytes, export_bytes
from reports.report import reliability_report, render_html
from ui.feedback import errors
from ui.session import require

FILES = (
    (".xlsx", "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (".csv", "CSV (UTF-8, opens in Excel)", "text/csv"),
    (".jsonl", "JSON Lines", "application/x-ndjson"),
    (".sav", "SPSS (.sav)", "application/octet-stream"),
)


def report_bytes(db: Database, project: Project, lang: str) -> bytes:
    """The self-contained HTML reliability report (10,000 bootstrap resamples, seed 0)."""
    return render_html(reliability_report(db, project), lang=lang).encode("utf-8")


ctx = require()
st.title("Exports 导出")
with errors():
    if not ctx.sees_all:
        st.info("Exports hold every coder's work, so they are hidden from coders while the project is blind.")
        st.stop()
    db, project, lang = ctx.db, ctx.project, ctx.lang
    st.subheader("Coded posts")
    st.caption("The workbook holds the posts with their final codes, every coding, the codebook, reliability, "
               "coder pairs and disagreements; the other formats hold the posts with their final codes. "
               "Ids stay text, formulas in post text are neutralised.")
    models = [m.name for m in list_models(db, project)]
    with_model = None
    if models:
        choice = st.selectbox("Posts no one coded 未编码的帖子", ["leave empty 留空", *models], key="ex_model",
                              help="Pick a machine coder to fill them with its codes (dazi model code). Each "
                                   "variable then gets a <variable>__source column: final (adjudicated), agreed "
                                   "or machine.")
        with_model = None if choice == "leave empty 留空" else choice
    with st.container(horizontal=True):
        for suffix, label, mime in FILES:
            st.download_button(label, data=lambda s=suffix: export_bytes(db, project, s, lang=lang,
                                                                         with_model=with_model),
                               file_name=f"{project.name}{suffix}", mime=mime, key=f"ex_{suffix[1:]}",
                               icon=":material/download:")
    n_comments = count_comments(db, project)
    if n_comments:
        st.caption(f"{n_comments:,} comments 条评论 are in the workbook's Comments sheet, and here as a file of their "
                   "own, linked to the posts by platform and post_id.")
        st.download_button("Comments 评论 (CSV)", data=lambda: comments_bytes(db, project, ".csv"),
                           file_name=f"{project.name}_comments.csv", mime="text/csv", key="ex_comments",
                           icon=":material/download:")
    st.subheader("Reliability report")
    st.caption("One HTML page: Krippendorff's alpha with its 95% bootstrapped interval for every variable, the other "
               "coefficients, charts, coder pairs, disagreements and a methods paragraph.")
    st.download_button("Reliability report (HTML)", data=lambda: report_bytes(db, project, lang),
                       file_name=f"{project.name}-reliability.html", mime="text/html", key="ex_report",
                       icon=":material/download:")
