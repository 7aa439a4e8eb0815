"""Summary tables of the coded posts: grouped summaries (the study's Table 4), crosstabs
(its Table 2), frequencies, co-occurrence and codes over time; and the terms
that characterise each code.

The widgets fill a :class:`reports.tables.TableSpec`; :func:`reports.tables.make_table`
computes the table from :func:`reports.data.load_coded_posts` (the final
dataset, or one coder's codings).  The spec's one-line form is shown so the
same table can be made again from the command line or a spec file.

*Terms* shows :func:`corpus.code_terms.code_terms` for a chosen variable:
each code's distinctive terms (weighted log-odds with an informative
Dirichlet prior, Monroe, Colaresi & Quinn 2008, as z-scores) or its most
frequent terms, words and hashtags, as bars (one panel per code) with the
figures beneath.  ``dazi terms`` prints the same.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from coding.codebook import code_label
from coding.coders import list_coders
from reports.data import load_coded_posts
from reports.tables import METRIC_FUNCTIONS, PERIODS, POST_NUMBERS, TableSpec, make_table
from ui.feedback import errors
from ui.session import require
from ui.store import codebook
from ui.text import md_escape

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


SECTIONS = {"tables": "Tables", "terms": "Terms: what characterises each code"}
TERM_KINDS = {"all": "words and hashtags", "hashtags": "hashtags only", "words": "words only"}
#: |z| above this: the term is clearly distinctive (the usual 5% reading of a z-score).
Z_CLEAR = 1.96


@st.cache_data(ttl=120, max_entries=32, show_spinner=False)
def _code_terms(_db, _project, url: str, project_id: int, variable: str, distinctive: bool, source: str,
                min_count: int) -> pd.DataFrame:
    # every term of every code (trimmed per code on the page); kept two minutes, so switching the
    # kind of terms or the number shown does not segment the corpus again
    from corpus.code_terms import code_terms

    return code_terms(_db, _project, variable, n=None, distinctive=distinctive, source=source,
                      min_count=min_count)


def _shown_terms(frame: pd.DataFrame, kind: str, n: int, score: str, codes: list[str]) -> pd.DataFrame:
    """The ``n`` best terms of each code (in codebook order), of the chosen kind (hashtags are the
    terms written ``#name``)."""
    if kind != "all":
        hashtag = frame["term"].str.startswith("#")
        frame = frame[hashtag if kind == "hashtags" else ~hashtag]
    place = {code: i for i, code in enumerate(codes)}
    frame = frame.assign(_place=frame["code"].map(lambda c: place.get(str(c), len(place))))
    frame = frame.sort_values(["_place", score, "term"], ascending=[True, False, True], kind="stable")
    return frame.groupby("code", sort=False).head(n).drop(columns="_place")


def _terms_chart(frame: pd.DataFrame, score: str, order: list[str]) -> alt.FacetChart:
    """Horizontal bars, one panel per code: the longest bar is the most characteristic term."""
    data = frame.assign(clear=(frame[score] > Z_CLEAR) if score == "z" else True)
    title = "z (weighted log-odds)" if score == "z" else "occurrences"
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{score}:Q", title=title),
        y=alt.Y("term:N", sort="-x", title=None),
        color=alt.Color("clear:N", legend=None, scale=alt.Scale(domain=[True, False], range=["#1f6feb", "#afb8c1"])),
        tooltip=["code_label", "term", *[c for c in ("count_in", "count_out", "log_odds", "z", "count", "doc_freq")
                                        if c in data.columns]],
    ).properties(width=300, height=alt.Step(20))
    return bars.facet(facet=alt.Facet("code_label:N", sort=order, title=None), columns=2).resolve_scale(y="independent")


def terms_section(book, sources: list[str]) -> None:
    choice = [v for v in book.variables if v.is_choice]
    if not choice:
        st.info("The codebook has no variable coded from a list of codes.")
        return
    t1, t2, t3 = st.columns([2, 1.4, 1])
    variable = t1.selectbox("Variable", [v.id for v in choice], key="tm_var",
                            format_func=lambda v: book.variable(v).display(ctx.lang))
    measure = t2.radio("Terms", ["distinctive", "frequent"], horizontal=True, key="tm_measure",
                       format_func={"distinctive": "distinctive (log-odds z)", "frequent": "most frequent"}.__getitem__)
    source = t3.selectbox("Values", sources, key="tm_source",
                          format_func=lambda s: "final" if s == "final" else f"{s}'s codings")
    k1, k2, k3 = st.columns([2, 1.4, 1])
    kind = k1.radio("Show", list(TERM_KINDS), format_func=TERM_KINDS.__getitem__, horizontal=True, key="tm_kind")
    n = k2.slider("Terms per code", 5, 30, 10, key="tm_n")
    min_count = k3.number_input("Seen at least", 1, 50, 2, key="tm_min", help="times in the coded posts")
    distinctive = measure == "distinctive"
    with st.spinner("Counting the terms of the coded posts…"):
        frame = _code_terms(ctx.db, ctx.project, ctx.db.url, ctx.project.id, variable, distinctive, source, int(min_count))
    if frame.empty:
        st.info("No term is seen often enough in the coded posts.")
        return
    var = book.variable(variable)
    frame = frame.assign(code_label=[code_label(var, str(c), ctx.lang) for c in frame["code"]])
    score = "z" if distinctive else "count"
    shown = _shown_terms(frame, kind, n, score, [c.id for c in var.all_codes()])
    if shown.empty:
        st.info(f"No term of this kind ({TERM_KINDS[kind]}) is seen often enough in the coded posts.")
        return
    order = list(dict.fromkeys(shown["code_label"]))
    if distinctive:
        st.caption("Terms each code uses more than the other coded posts do, after shrinking rare terms toward "
                   "the whole corpus (weighted log-odds with an informative Dirichlet prior; Monroe, Colaresi & "
                   f"Quinn 2008). Blue: z > {Z_CLEAR} (clearly distinctive). `dazi terms --variable {variable}` "
                   "prints the same.")
    else:
        st.caption(f"The most frequent terms in each code's posts. `dazi terms --variable {variable} --frequent` "
                   "prints the same.")
    st.altair_chart(_terms_chart(shown, score, order), key="tm_chart")
    with st.expander("The figures"):
        columns = [c for c in ("code", "code_label", "term", "count_in", "count_out", "log_odds", "z", "count",
                               "doc_freq") if c in shown.columns]
        st.dataframe(shown[columns], hide_index=True, width="stretch",
                     column_config={"log_odds": st.column_config.NumberColumn(format="%.3f"),
                                    "z": st.column_config.NumberColumn(format="%.2f")})


ctx = require()
st.title("Tables 汇总表")
with errors():
    if not ctx.sees_all:
        st.info("Tables show every coder's work, so they are hidden from coders while the project is blind.")
        st.stop()
    book = codebook(ctx.db, ctx.project)
    if book is None:
        st.info("The project has no codebook yet.")
        st.stop()
    sources = ["final"] + [c.name for c in list_coders(ctx.db, ctx.project)]
    if st.segmented_control("Section", list(SECTIONS), format_func=SECTIONS.__getitem__, default="tables",
                            key="tb_section", label_visibility="collapsed") == "terms":
        terms_section(book, sources)
        st.stop()
    c1, c2 = st.columns([2, 1])
    kind = c1.radio("Table", list(KINDS), format_func=KINDS.__getitem__, key="tb_kind")
    from coding.machine import list_models

    machine = [f"model:{m.name}" for m in list_models(ctx.db, ctx.project)]
    source = c2.selectbox("Values", sources + machine, key="tb_source",
                          format_func=lambda s: "final (agreed or adjudicated)" if s == "final" else
                          f"whole corpus, {s} where no human coded (corrected shares)" if s in machine
                          else f"{s}'s codings")
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
        if source in machine:
            from reports.machine import corpus_tables

            tables = corpus_tables(ctx.db, ctx.project, source.removeprefix("model:"), [spec], lang=ctx.lang)
        else:
            tables = make_table(load_coded_posts(ctx.db, ctx.project, source=source), spec, lang=ctx.lang)
    for table in tables:
        st.subheader(md_escape(table.title))
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
