"""Summary tables of the coded posts: grouped summaries (the study's Table 4), crosstabs
(its Table 2), frequencies, co-occurrence and codes over time.

The widgets fill a :class:`reports.tables.TableSpec`; :func:`reports.tables.make_table`
computes the table from :func:`reports.data.load_coded_posts` (the final
dataset, or one coder's codings).  The spec's one-line form is shown so the
same table can be made again from the command line or a spec file.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.coders import list_coders
from pages import common
from reports.data import load_coded_posts
from reports.tables import METRIC_FUNCTIONS, PERIODS, POST_NUMBERS, TableSpec, make_table

KINDS = {
    "summary": "Summary by a variable (like Table 4)", "crosstab": "Crosstab of two variables (like Table 2)",
    "frequencies": "Frequencies of one variable", "cooccurrence": "Co-occurrence of codes",
    "over_time": "Codes over time",
}
FORMATS = {"integer": "{:,.0f}", "percent": "{:.1%}", "decimal": "{:.3f}", "one_decimal": "{:.1f}"}
DEFAULT_METRICS = ["n", "share", "mean(engagement)", "median(engagement)"]


def _styled(frame: pd.DataFrame, formats: dict[str, str]):
    shown = {col: FORMATS[fmt] for col, fmt in formats.items() if col in frame.columns and fmt in FORMATS}
    return frame.style.format(shown, na_rep="–")


def _metric_options(book) -> dict[str, str]:
    """Every metric the spec language offers for this codebook, with a readable name."""
    numbers = [(x, x) for x in POST_NUMBERS] + [(v.id, v.display(ctx.lang)) for v in book.variables if v.type == "numeric"]
    options = {"n": "posts (n)", "share": "share of posts"}
    for function in METRIC_FUNCTIONS:
        for key, name in numbers:
            options[f"{function}({key})"] = f"{function} of {name}"
    for v in book.variables:
        if v.type in ("single", "ordinal", "multi"):
            for c in v.codable_codes():
                options[f"rate({v.id}={c.id})"] = f"rate of {v.display(ctx.lang)} = {c.display(ctx.lang)}"
    return options


ctx = common.require()
st.title("Tables 汇总表")
with common.errors():
    if not ctx.sees_all:
        st.info("Tables show every coder's work, so they are hidden from coders while the project is blind.")
        st.stop()
    book = common.codebook(ctx.db, ctx.project)
    if book is None:
        st.info("The project has no codebook yet.")
        st.stop()
    sources = ["final"] + [c.name for c in list_coders(ctx.db, ctx.project)]
    c1, c2 = st.columns([2, 1])
    kind = c1.radio("Table", list(KINDS), format_func=KINDS.__getitem__, key="tb_kind")
    source = c2.selectbox("Values", sources, key="tb_source",
                          format_func=lambda s: "final (agreed or adjudicated)" if s == "final" else f"{s}'s codings")
    top = c2.toggle("Count child codes under their top-level code", key="tb_top")
    choice = [v.id for v in book.variables if v.is_choice]
    coded = [v.id for v in book.variables if v.type != "text"]
    name = {v.id: v.display(ctx.lang) for v in book.variables}.__getitem__
    spec: TableSpec | None = None
    if kind == "summary":
        by = st.selectbox("Group by", choice, format_func=name, key="tb_by")
        options = _metric_options(book)
        metrics = st.multiselect("Figures", list(options), default=[m for m in DEFAULT_METRICS if m in options],
                                 format_func=options.__getitem__, key="tb_metrics")
        if metrics:
            spec = TableSpec("summary", by=by, metrics=tuple(metrics), top=top)
    elif kind == "crosstab":
        r1, r2 = st.columns(2)
        row = r1.selectbox("Rows", choice, format_func=name, key="tb_row")
        column = r2.selectbox("Columns", choice, index=min(1, len(choice) - 1), format_func=name, key="tb_col")
        spec = TableSpec("crosstab", (row, column), top=top)
    elif kind == "frequencies":
        spec = TableSpec("frequencies", (st.selectbox("Variable", coded, format_func=name, key="tb_var"),), top=top)
    elif kind == "cooccurrence":
        chosen = st.multiselect("One multi-select variable, or two variables", choice, format_func=name,
                                max_selections=2, key="tb_cooc")
        if chosen:
            spec = TableSpec("cooccurrence", tuple(chosen), top=top)
    else:
        t1, t2 = st.columns(2)
        variable = t1.selectbox("Variable", choice, format_func=name, key="tb_time_var")
        period = t2.selectbox("Period", PERIODS, index=list(PERIODS).index("month"), key="tb_period")
        spec = TableSpec("over_time", (variable,), period=period, top=top)
    if spec is None:
        st.info("Choose what the table shows.")
        st.stop()
    st.code(" ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" if k != "kind" else str(v)
                     for k, v in spec.to_dict().items()), language=None)
    with st.spinner("Reading the coded posts…"):
        data = load_coded_posts(ctx.db, ctx.project, source=source)
    for table in make_table(data, spec, lang=ctx.lang):
        st.subheader(common.md_escape(table.title))
        st.text(table.caption())
        st.dataframe(_styled(table.frame, table.formats), hide_index=True, width="stretch")
        for section in table.sections:
            st.text(section.title)
            numeric = section.frame.select_dtypes("number").columns
            st.dataframe(_styled(section.frame, dict.fromkeys(numeric, section.format)), hide_index=True, width="stretch")
        if table.stats:
            st.text("  ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in table.stats.items()))
        if table.note:
            st.text(table.note)
