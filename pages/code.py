"""The coding workspace: one post at a time, the codebook as widgets, Save & next.

Where the coder is comes from the database: a new session starts at their
first uncoded post (:func:`coding.codings.next_uncoded`), and moving
between posts reads one post by key (:func:`coding.assignments.assignment_neighbour`).
``session_state`` only remembers which post is on screen.

Saving: the variables are ordinary widgets keyed per post
(``f"{variable}_{post_pk}"``) so a conditional variable appears as soon as its
condition holds; the memo, the "uncertain" flag and Save & next form a
``st.form``, so a memo being typed is submitted with the save (also by the
keyboard shortcut).  The save callback gets the shown post's key as an
argument and ignores a click made on a post no longer shown (a double
click), and :func:`coding.codings.save_coding` itself writes nothing when the
values did not change.  It commits before the next post is shown.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from coding.assignments import (
    ASSIGNMENT_FILTERS,
    assignment_neighbour,
    assignment_position,
    coder_progress,
)
from coding.codebook import Codebook, is_applicable
from coding.codings import get_unit, next_uncoded, save_coding
from corpus.store import get_post_by_pk
from dazi.errors import DaziError
from pages import common

KEYS = (Path(__file__).with_name("keys.js")).read_text(encoding="utf-8")
SAVE_SHORTCUT = "Ctrl+Enter"
KEYS_HELP = f"""\
| Key | Does |
|---|---|
| `1`-`9`, `0` | choose the 1st-9th (`0`: 10th) code of the outlined variable; a single choice moves on to the next variable |
| `Enter` / `Shift+Enter` | next / previous variable (or `Tab` / `Shift+Tab`, arrow keys within a variable) |
| `{SAVE_SHORTCUT}` | **Save & next** (also while typing the memo: the memo is saved with it) |
| `P` / `S` / `U` | previous post / skip to the next post / next uncoded post (not while typing) |
"""
FILTER_LABELS = {"all": "all posts", "uncoded": "uncoded", "coded": "coded", "uncertain": "marked uncertain"}


def _key(variable_id: str, post_pk: int) -> str:
    return f"{variable_id}_{post_pk}"


def _values(book: Codebook, post_pk: int) -> dict:
    """The coder's values from the widgets; variables whose condition fails are None (cleared)."""
    values: dict = {}
    for variable in book.variables:
        applicable = is_applicable(variable, values, book)
        values[variable.id] = common.widget_value(variable, _key(variable.id, post_pk), st.session_state) if applicable else None
    return values


def _filters() -> tuple[str, str | None]:
    return st.session_state.get("ws_status", "all"), (st.session_state.get("ws_text") or "").strip() or None


def _move(ctx: common.Session, post_pk: int | None, how: str) -> None:
    """Show another post: ``next``/``previous`` within the filters, or ``uncoded`` (next unfinished, wrapping)."""
    state = st.session_state
    status, text = _filters()
    if how == "uncoded":
        target = assignment_neighbour(ctx.db, ctx.project, ctx.coder, post_pk, status="uncoded") \
            or next_uncoded(ctx.db, ctx.project, ctx.coder)
    else:
        target = assignment_neighbour(ctx.db, ctx.project, ctx.coder, post_pk, direction=how, status=status, text=text)
    if target is None:
        state["ws_flash"] = {"next": "That was the last post", "previous": "That was the first post",
                             "uncoded": "No uncoded post left"}[how] + (" matching the filters." if how != "uncoded" else ".")
        return
    state["ws_cursor"] = target


def _save(ctx: common.Session, book: Codebook, post_pk: int) -> None:
    """Save & next (the form's callback; ``post_pk`` is the post the button was shown with)."""
    state = st.session_state
    if state.get("ws_cursor") != post_pk:
        return  # a second click that arrived after the first one moved on: nothing to do
    shown_pk, shown_at = state.get("ws_shown") or (None, None)
    seconds = round(time.monotonic() - shown_at, 1) if shown_pk == post_pk and shown_at else None
    try:
        result = save_coding(
            ctx.db, ctx.project, ctx.coder, post_pk, _values(book, post_pk),
            memo=state.get(f"memo_{post_pk}") or "", uncertain=bool(state.get(f"uncertain_{post_pk}")),
            seconds=seconds, done=True,
        )
    except DaziError as exc:
        state["ws_error"] = exc.describe()
        return
    state["ws_shown"] = (post_pk, None)  # a repeated save adds no time
    changed = f"{len(result.changed)} value(s) changed" if result.changed else "no value changed"
    state["ws_flash"] = f"Saved post #{post_pk} ({changed})."
    _move(ctx, post_pk, "next")
    if state.get("ws_cursor") == post_pk:  # the last post of the list: go to what is left to do
        following = next_uncoded(ctx.db, ctx.project, ctx.coder)
        state["ws_cursor"] = following
        state["ws_flash"] += " " + ("Back to your first uncoded post." if following else "Every assigned post is coded.")


def _variable(ctx: common.Session, book: Codebook, variable, post_pk: int, current: object, suggestions: list) -> object:
    with st.container(key=f"dzv_{post_pk}_{variable.id}"):
        mark = ("↳ " if variable.when else "") + variable.display(ctx.lang) + ("" if variable.required else " (optional)")
        with st.popover(common.md_escape(mark) + "  ⓘ", type="tertiary"):
            st.text(common.variable_help(variable, ctx.lang))
        hints = [s for s in suggestions if s.variable == variable.id]
        if hints:
            codes = common.choice_codes(variable, current)
            order = {c.id: n for n, c in enumerate(codes, start=1)}
            found = {}
            for s in hints:
                found.setdefault(s.code, {})[s.keyword] = None
            line = "; ".join(f"{order.get(code, '?')} · {common.code_label(variable, code, ctx.lang)} ({', '.join(words)})"
                             for code, words in found.items())
            st.html(f'<div class="dz-hint" style="font-size:0.8rem;color:#9a6700">💡 keywords suggest: '
                    f"{common.render_marked(line)}</div>")
        return common.value_widget(variable, _key(variable.id, post_pk), current, ctx.lang, show_label=False)


def _review(ctx: common.Session) -> None:
    st.session_state["ws_status"], st.session_state["ws_text"] = "all", ""
    st.session_state["ws_cursor"] = assignment_neighbour(ctx.db, ctx.project, ctx.coder, None)


@st.fragment
def workspace(ctx: common.Session, book: Codebook) -> None:
    """The part that reruns on its own when a code is chosen or a post saved."""
    with common.errors():
        _workspace(ctx, book)


def _workspace(ctx: common.Session, book: Codebook) -> None:
    state = st.session_state
    db, project, me = ctx.db, ctx.project, ctx.coder
    progress = coder_progress(db, project, me)
    if progress.assigned == 0:
        st.info("No posts are assigned to you yet. The admin assigns them on the Sample & assign page.")
        return

    f1, f2 = st.columns([1, 2])
    f1.selectbox("Show", ASSIGNMENT_FILTERS, format_func=FILTER_LABELS.__getitem__, key="ws_status")
    f2.text_input("Keyword in the post", key="ws_text", placeholder="e.g. 饭搭子")
    status, text = _filters()
    if state.get("ws_filters") != (status, text):
        if "ws_filters" in state:  # a changed filter shows its first post
            state["ws_cursor"] = assignment_neighbour(db, project, me, None, status=status, text=text)
        state["ws_filters"] = (status, text)
    if "ws_cursor" not in state:
        state["ws_cursor"] = next_uncoded(db, project, me)

    post_pk = state["ws_cursor"]
    st.progress(progress.coded / progress.assigned,
                text=f"{progress.coded} of {progress.assigned} coded · {progress.uncertain} marked uncertain")
    if flash := state.pop("ws_flash", None):
        st.toast(flash, icon="✅" if flash.startswith("Saved") else "ℹ️")
    if post_pk is None:
        if progress.remaining == 0:
            st.success(f"All {progress.assigned} assigned posts are coded. Thank you!")
        else:
            st.info("No post matches the filters.")
        st.button("Review from the first post", key="ws_review", on_click=_review, args=(ctx,))
        return

    if (state.get("ws_shown") or (None,))[0] != post_pk:
        state["ws_shown"] = (post_pk, time.monotonic())
    post = get_post_by_pk(db, project, post_pk)
    unit = get_unit(db, project, me, post_pk)
    place = assignment_position(db, project, me, post_pk)

    left, right = st.columns([1.15, 1], gap="large")
    with left:
        done = "coded ✓" if unit.done else "not coded yet"
        st.caption(f"Post {place} of {progress.assigned} in your order · {done}")
        suggestions = common.show_post(db, project, post, book, ctx.lang)
    with right:
        values: dict = {}
        for variable in book.variables:
            if not is_applicable(variable, values, book):
                values[variable.id] = None
                continue
            values[variable.id] = _variable(ctx, book, variable, post_pk, unit.values.get(variable.id), suggestions)
        with st.form(f"save_{post_pk}", border=False, enter_to_submit=False):
            st.text_area("Memo", value=unit.memo or "", key=f"memo_{post_pk}", height=68,
                         placeholder="Why this code? Anything to discuss?")
            st.checkbox("Uncertain: flag for discussion", value=unit.uncertain, key=f"uncertain_{post_pk}")
            st.form_submit_button("Save & next", type="primary", shortcut=SAVE_SHORTCUT, on_click=_save,
                                  args=(ctx, book, post_pk), key=f"save_next_{post_pk}")
        if error := state.pop("ws_error", None):
            st.error(error)
        b1, b2, b3 = st.columns(3)
        b1.button("← Previous", key="ws_prev", on_click=_move, args=(ctx, post_pk, "previous"), shortcut="P")
        b2.button("Skip →", key="ws_skip", on_click=_move, args=(ctx, post_pk, "next"), shortcut="S")
        b3.button("Next uncoded ⏭", key="ws_uncoded", on_click=_move, args=(ctx, post_pk, "uncoded"), shortcut="U")


ctx = common.require()
st.title("Code 编码")
with common.errors():
    book = common.codebook(ctx.db, ctx.project)
    if book is None:
        st.info("The project has no codebook yet. The admin loads one on the Codebook page.")
        st.stop()
    st.html(f"<script>{KEYS}</script>", unsafe_allow_javascript=True)
    with st.expander("Keyboard"):
        st.markdown(KEYS_HELP)
    workspace(ctx, book)
