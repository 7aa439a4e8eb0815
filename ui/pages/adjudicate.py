"""The disagreements queue: each post with every coder's values and memos, a final value and a rationale.

:func:`coding.adjudication.disagreements` lists what is open (posts with the
most disagreeing variables first); :func:`coding.adjudication.adjudicate`
records a final value with its rationale.  Only adjudicators and admins open
this page (the core refuses anyone else while the project is blind).

The post shown is in the address (``/adjudicate?post=<post id>``), so a reload, a
bookmark or a tab that outlived a server restart stays at that post.  The buttons act on
their returned value, not a callback: in a restarted server's first run of a tab there is
no callback yet, and the tab's typed values are not known by key (Streamlit maps keys to
widgets as a run draws them), so a "Record final value" arriving then is not recorded
from values that would be the stored ones: the page says so and the adjudicator presses
it again.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.adjudication import adjudicate, disagreements
from coding.codebook import Codebook
from corpus.store import get_post_by_pk
from dazi.errors import DaziError
from ui.feedback import errors
from ui.post_card import show_post
from ui.session import Session, require
from ui.store import codebook
from ui.text import md_escape
from ui.widgets import format_value, value_widget, variable_help, widget_state, widget_value


def _key(variable_id: str, post_pk: int) -> str:
    return f"adj_{variable_id}_{post_pk}"


def _record(ctx: Session, book: Codebook, post_pk: int, variable_id: str) -> None:
    state = st.session_state
    variable = book.variable(variable_id)
    value = widget_value(variable, _key(variable_id, post_pk), state)
    try:
        adjudicate(ctx.db, ctx.project, ctx.coder, post_pk, variable_id, value, state.get(f"adjr_{variable_id}_{post_pk}", ""))
    except DaziError as exc:
        state["adj_error"] = (variable_id, exc.describe())
        return
    state["adj_flash"] = f"Recorded the final value of {variable.display(ctx.lang)}."


def _go(keys: list[int], current: int, step: int) -> None:
    """Show the post ``step`` places from ``current`` (set before the select box is drawn: see the page)."""
    st.session_state["adj_goto"] = keys[(keys.index(current) + step) % len(keys)]
    st.rerun()


def _from_address(by_post: dict[int, list]) -> int | None:
    wanted = st.query_params.get("post")
    return next((pk for pk, items in by_post.items() if items[0].post_id == wanted), None) if wanted else None


def _label(items: list) -> str:
    """``post id · 2 variables open`` (resolved ones counted apart when shown)."""
    still = sum(1 for d in items if not d.resolved)
    done = len(items) - still
    text = f"{items[0].post_id} · {still} variable{'' if still == 1 else 's'} open"
    return text + (f", {done} resolved" if done else "")


ctx = require("adjudicator", "admin")
first_run = "adj_ready" not in st.session_state  # (a new session: a new tab, or one that outlived a restart)
st.session_state["adj_ready"] = True
st.title("Adjudicate 裁决")
with errors():
    book = codebook(ctx.db, ctx.project)
    if book is None:
        st.info("The project has no codebook yet.")
        st.stop()
    show_all = st.toggle("Also show resolved disagreements", key="adj_all")
    items = disagreements(ctx.db, ctx.project, ctx.coder, include_resolved=show_all)
    if not items:
        st.success("No open disagreements: every double-coded post is agreed or adjudicated.")
        st.stop()
    by_post: dict[int, list] = {}
    for item in items:
        by_post.setdefault(item.post_pk, []).append(item)
    keys = list(by_post)
    if (goto := st.session_state.pop("adj_goto", None)) in by_post:
        st.session_state["adj_post"] = goto
    elif st.session_state.get("adj_post") not in by_post:
        st.session_state["adj_post"] = _from_address(by_post) or keys[0]
    open_count = sum(1 for d in items if not d.resolved)
    st.caption(f"{open_count} open disagreement(s) on {sum(1 for k in keys if any(not d.resolved for d in by_post[k]))} post(s)")
    labels = {k: _label(by_post[k]) for k in keys}
    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
    post_pk = c1.selectbox("Post", keys, format_func=labels.__getitem__, key="adj_post")
    if st.query_params.get("post") != by_post[post_pk][0].post_id:
        st.query_params["post"] = by_post[post_pk][0].post_id  # a reload, a bookmark or a restart keeps it
    if c2.button("← Previous", key="adj_prev"):
        _go(keys, post_pk, -1)
    if c3.button("Next →", key="adj_next"):
        _go(keys, post_pk, 1)
    if flash := st.session_state.pop("adj_flash", None):
        st.toast(flash, icon="⚖️")

    left, right = st.columns([1.1, 1], gap="large")
    with left:
        show_post(ctx.db, ctx.project, get_post_by_pk(ctx.db, ctx.project, post_pk), book, ctx.lang)
    with right:
        error = st.session_state.pop("adj_error", None)
        for item in by_post[post_pk]:
            variable = book.variable(item.variable)
            st.subheader(md_escape(variable.display(ctx.lang)))
            with st.popover("Codebook entry ⓘ", type="tertiary"):
                st.text(variable_help(variable, ctx.lang))
            st.dataframe(pd.DataFrame({
                "coder": [v.coder for v in item.values],
                "value": [format_value(variable, v.value, ctx.lang) for v in item.values],
                "uncertain": [v.uncertain for v in item.values],
                "memo": [v.memo or "" for v in item.values],
            }), hide_index=True, width="stretch")
            final = item.adjudication
            if final is not None:
                st.text(f"Final value: {format_value(variable, final.value, ctx.lang)} "
                        f"(by {final.adjudicator or '?'}, {final.created_at:%Y-%m-%d %H:%M} UTC)\nRationale: {final.rationale}")
            elif item.status == "not_applicable":
                st.text("No final value needed: the variable's condition does not hold under the final values.")
            with st.form(f"adjform_{item.variable}_{post_pk}", border=True):
                key = _key(item.variable, post_pk)
                if key not in st.session_state:
                    st.session_state[key] = widget_state(variable, final.value if final else None)
                value_widget(variable, key, ctx.lang, show_label=False)
                st.text_input("Rationale", key=f"adjr_{item.variable}_{post_pk}",
                              placeholder="Why this value? e.g. the title says 饭搭子; codebook rule: title first")
                pressed = st.form_submit_button("Record final value", type="primary",
                                                key=f"adjgo_{item.variable}_{post_pk}")
            if pressed and first_run:
                st.warning("The server restarted before this value was recorded, so the form shows the stored "
                           "value again. Check the value and the rationale, then press Record final value again.")
            elif pressed:
                _record(ctx, book, post_pk, item.variable)
                st.rerun()
            if error and error[0] == item.variable:
                st.error(error[1])
