"""Exports as downloads: the posts with their final codes (Excel, CSV, JSONL) and the
reliability report.

Files are made by :mod:`reports` only when a download button is clicked
(Streamlit runs the callable then), so opening this page costs nothing.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import streamlit as st

from dazi.db import Database
from dazi.projects import Project
from pages import common

MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".jsonl": "application/x-ndjson",
}


def export_bytes(db: Database, project: Project, suffix: str) -> bytes:
    """The posts with final codes as a file of type ``suffix``, via :func:`reports.exports.export_posts`."""
    from reports.exports import export_posts

    with tempfile.TemporaryDirectory(prefix="dazi-export-") as folder:
        path = Path(folder) / f"{project.name}{suffix}"
        export_posts(db, project, path)
        return path.read_bytes()


def reliability_bytes(db: Database, project: Project, viewer, *, bootstrap: int = 10_000, seed: int = 0) -> bytes:
    """Every variable's reliability (all coefficients, interval, notes) as JSON."""
    from coding.project_reliability import project_reliability

    results = project_reliability(db, project, bootstrap=bootstrap, seed=seed, viewer=viewer)
    report = {"project": project.name, "bootstrap": bootstrap, "seed": seed,
              "variables": [r.to_dict() for r in results]}
    return json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")


ctx = common.require()
st.title("Exports 导出")
with common.errors():
    if not ctx.sees_all:
        st.info("Exports hold every coder's work, so they are hidden from coders while the project is blind.")
        st.stop()
    db, project, name = ctx.db, ctx.project, ctx.project.name
    st.subheader("Posts with their final codes")
    st.caption("One row per post: the canonical fields, then one column per variable (one 0/1 column per code of a "
               "multi-select variable). Ids stay text, formulas in post text are neutralised.")
    c1, c2, c3 = st.columns(3)
    for column, suffix, label in ((c1, ".xlsx", "Excel workbook"), (c2, ".csv", "CSV (UTF-8, opens in Excel)"),
                                  (c3, ".jsonl", "JSON Lines")):
        column.download_button(label, data=lambda s=suffix: export_bytes(db, project, s),
                               file_name=f"{name}{suffix}", mime=MIME[suffix], key=f"ex_{suffix[1:]}",
                               icon=":material/download:")
    st.subheader("Reliability report")
    st.caption("Krippendorff's alpha with a 95% bootstrapped interval (10,000 resamples, seed 0), q, percent agreement "
               "and the kappa family for every variable, with notes.")
    st.download_button("Reliability (JSON)", data=lambda: reliability_bytes(db, project, ctx.coder),
                       file_name=f"{name}-reliability.json", mime="application/json", key="ex_reliability",
                       icon=":material/download:")
