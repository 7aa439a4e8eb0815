"""The coding workspace: one post at a time, the codebook as widgets, Save & next.

Where the coder is comes from the database: a new session starts at their
first uncoded post (:func:`coding.codings.next_uncoded`), and moving
between posts reads one post by key (``next_uncoded(after=...)`` for the
default list, :func:`coding.assignments.assignment_neighbour` for the
others).  ``session_state`` only remembers which post is on screen, the way
back, and what was read for the post on screen (``ws_view``: the post, its
comments, the coder's unit, place and progress), so choosing a code reruns
the workspace without reading the database; a save or another post reads it
again.

Moving: the filters ("Show", default *uncoded*, and a keyword) make the list
the coder walks in their assignment order.  Save & next and Skip go to the
next post of that list (wrapping around; after saving, to any uncoded post
when the list is exhausted); Previous goes back the way the coder came (like
a browser's back button), then to the previous post of the list; Next
uncoded finds the next unfinished post whatever the filters.

Widgets: one widget per variable under a fixed key (``f"dzv_{variable}"``),
filled from the database whenever another post comes on screen (``_load``),
so the browser updates the same widgets in place instead of building new
ones for every post (measured: three to four times less browser work per
post than keys that include the post).  Variables are ordinary widgets, so a
conditional variable appears as soon as its condition holds; the memo, the
"uncertain" flag and Save & next form a ``st.form``, so a memo being typed is
submitted with the save (also by the keyboard shortcut).

Saving: the save callback gets the shown post's key as an argument and
ignores a click made for a post no longer shown (a double click), and
:func:`coding.codings.save_coding` itself writes nothing when the values did
not change.  It commits before the next post is shown.
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
from corpus.store import get_post_by_pk, post_comments
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
| `P` / `S` / `U` | previous post (the way you came) / skip to the next post / next uncoded post (not while typing) |

Save & next and Skip follow the list chosen in *Show* (uncoded posts by default), in your assignment order.
"""
FILTER_LABELS = {"all": "all posts", "uncoded": "uncoded", "coded": "coded", "uncertain": "marked uncertain"}
DEFAULT_FILTER = "uncoded"
BACK_LIMIT = 100


def _key(variable_id: str) -> str:
    return f"dzv_{variable_id}"


def _values(book: Codebook, post_pk: int) -> dict:
    """The coder's values from the widgets; variables whose condition fails are None (cleared)."""
    values: dict = {}
    for variable in book.variables:
        applicable = is_applicable(variable, values, book)
        values[variable.id] = common.widget_value(variable, _key(variable.id), st.session_state) if applicable else None
    return values


def _filters() -> tuple[str, str | None]:
    return st.session_state.get("ws_status", DEFAULT_FILTER), (st.session_state.get("ws_text") or "").strip() or None


def _target(ctx: common.Session, post_pk: int, how: str) -> int | None:
    """The post to show after ``post_pk``: ``next``/``previous`` within the filters (``next`` wraps
    around), or ``uncoded`` (the next unfinished post, wrapping).  None if there is no other."""
    status, text = _filters()
    if how == "uncoded" or (how == "next" and status == "uncoded" and not text):
        # (the default list: the next unfinished post, read along the coder's index)
        target = next_uncoded(ctx.db, ctx.project, ctx.coder, after=post_pk)
    else:
        target = assignment_neighbour(ctx.db, ctx.project, ctx.coder, post_pk, direction=how, status=status, text=text)
        if target is None and how == "next":
            target = assignment_neighbour(ctx.db, ctx.project, ctx.coder, None, status=status, text=text)
    return None if target == post_pk else target


def _show(post_pk: int, target: int | None) -> None:
    """Show ``target``, remembering ``post_pk`` for Previous (the way back, like a browser's)."""
    state = st.session_state
    state["ws_back"] = [*state.get("ws_back", []), post_pk][-BACK_LIMIT:]
    state["ws_cursor"] = target


def _move(ctx: common.Session, post_pk: int, how: str) -> None:
    """Previous (the way back first), Skip (``next``) or Next uncoded, without saving."""
    state = st.session_state
    if how == "previous" and state.get("ws_back"):
        state["ws_cursor"] = state["ws_back"].pop()
        return
    target = _target(ctx, post_pk, how)
    if target is None:
        state["ws_flash"] = "No uncoded post left." if how == "uncoded" else "No other post matches the filters."
    elif how == "previous":
        state["ws_cursor"] = target
    else:
        _show(post_pk, target)


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
            memo=state.get("ws_memo") or "", uncertain=bool(state.get("ws_uncertain")),
            seconds=seconds, done=True,
        )
    except DaziError as exc:
        state["ws_error"] = exc.describe()
        return
    state["ws_shown"] = (post_pk, None)  # a repeated save adds no time
    state.pop("ws_view", None)  # progress and the unit changed: read them again
    changed = f"{len(result.changed)} value(s) changed" if result.changed else "no value changed"
    state["ws_flash"] = f"Saved post #{post_pk} ({changed})."
    # next within the filters; when none is left there, whatever is still uncoded (None: all done)
    _show(post_pk, _target(ctx, post_pk, "next") or next_uncoded(ctx.db, ctx.project, ctx.coder))


def _load(book: Codebook, post_pk: int, unit, *, force: bool) -> None:
    """Put the coder's saved coding of the post into the widgets' state.

    ``force`` when another post comes on screen; otherwise only widgets whose
    state is gone (a conditional variable that reappears, a page revisited)
    get the saved value back.
    """
    state = st.session_state
    fields = {_key(v.id): common.widget_state(v, unit.values.get(v.id)) for v in book.variables}
    fields.update(ws_memo=unit.memo or "", ws_uncertain=bool(unit.uncertain))
    for key, value in fields.items():
        if force or key not in state:
            state[key] = value
    state["ws_loaded"] = post_pk


def _hint(ctx: common.Session, variable, suggestions: list) -> None:
    """The codes a variable's keywords suggest for this post (a hint only: nothing is chosen)."""
    found: dict[str, dict[str, None]] = {}
    for s in suggestions:
        if s.variable == variable.id:
            found.setdefault(s.code, {})[s.keyword] = None
    if not found:
        return
    order = {c.id: n for n, c in enumerate(common.choice_codes(variable, None), start=1)}
    line = "; ".join(f"{order.get(code, '?')} · {common.code_label(variable, code, ctx.lang)} ({', '.join(words)})"
                     for code, words in found.items())
    st.html(f'<div class="dz-hint" style="font-size:0.8rem;color:#9a6700">💡 keywords suggest: '
            f"{common.render_marked(line)}</div>")


def _filter_changed(ctx: common.Session) -> None:
    status, text = _filters()
    st.session_state["ws_cursor"] = assignment_neighbour(ctx.db, ctx.project, ctx.coder, None, status=status, text=text)


def _review(ctx: common.Session) -> None:
    st.session_state["ws_status"], st.session_state["ws_text"] = "all", ""
    _filter_changed(ctx)


def _nav(ctx: common.Session, how: str) -> None:
    """The navigation buttons live outside the fragment: they act on the post shown now."""
    if st.session_state.get("ws_cursor") is not None:
        _move(ctx, st.session_state["ws_cursor"], how)


@st.fragment
def workspace(ctx: common.Session, book: Codebook) -> None:
    """The part that reruns on its own when a code is chosen or a post saved (kept small: the
    browser redraws all of it each time)."""
    with common.errors():
        _workspace(ctx, book)


def _view(ctx: common.Session, post_pk: int | None) -> dict:
    """What the workspace shows around ``post_pk``, read from the database once per post shown.

    Choosing a code reruns the workspace; those reruns reuse this (nothing on
    screen but the widgets changes), so a click reads nothing.  A save, or
    another post coming on screen, reads it again (``_save`` drops it).
    """
    state = st.session_state
    view = state.get("ws_view")
    if view is not None and view["pk"] == post_pk:
        return view
    db, project, me = ctx.db, ctx.project, ctx.coder
    view = {"pk": post_pk, "progress": coder_progress(db, project, me)}
    if post_pk is not None:
        post = get_post_by_pk(db, project, post_pk)
        view.update(post=post, unit=get_unit(db, project, me, post_pk), place=assignment_position(db, project, me, post_pk),
                    comments=post_comments(db, project, dict(post)))
    state["ws_view"] = view
    return view


def _workspace(ctx: common.Session, book: Codebook) -> None:
    state = st.session_state
    db, project, me = ctx.db, ctx.project, ctx.coder
    if "ws_cursor" not in state:
        state["ws_cursor"] = next_uncoded(db, project, me)
    post_pk = state["ws_cursor"]
    view = _view(ctx, post_pk)
    progress = view["progress"]
    if progress.assigned == 0:
        st.info("No posts are assigned to you yet. The admin assigns them on the Sample & assign page.")
        return
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
    post, unit, place = view["post"], view["unit"], view["place"]
    _load(book, post_pk, unit, force=state.get("ws_loaded") != post_pk)

    left, right = st.columns([1.15, 1], gap="large")
    with left:
        done = "coded ✓" if unit.done else "not coded yet"
        st.caption(f"Post {place} of {progress.assigned} in your order · {done}")
        suggestions = common.show_post(db, project, post, book, ctx.lang, view["comments"])
    with right:
        values: dict = {}
        for variable in book.variables:
            if not is_applicable(variable, values, book):
                values[variable.id] = None
                continue
            _hint(ctx, variable, suggestions)
            label = ("↳ " if variable.when else "") + variable.display(ctx.lang) + ("" if variable.required else " (optional)")
            values[variable.id] = common.value_widget(variable, _key(variable.id), ctx.lang, label=label,
                                                      help=common.variable_help(variable, ctx.lang))
        with st.form("ws_form", border=False, enter_to_submit=False):
            st.text_area("Memo", key="ws_memo", height=68, placeholder="Why this code? Anything to discuss?")
            st.checkbox("Uncertain: flag for discussion", key="ws_uncertain")
            st.form_submit_button("Save & next", type="primary", shortcut=SAVE_SHORTCUT, on_click=_save,
                                  args=(ctx, book, post_pk), key="ws_save")
        if error := state.pop("ws_error", None):
            st.error(error)


ctx = common.require()
st.session_state.pop("ws_view", None)  # a whole-page run (navigation, filters, another page) reads afresh
st.title("Code 编码")
with common.errors():
    book = common.codebook(ctx.db, ctx.project)
    if book is None:
        st.info("The project has no codebook yet. The admin loads one on the Codebook page.")
        st.stop()
    st.html(f"<script>{KEYS}</script>", unsafe_allow_javascript=True)
    with st.expander("Keyboard"):
        st.markdown(KEYS_HELP)
    f1, f2, f3 = st.columns([1, 1.4, 1.6], vertical_alignment="bottom")
    f1.selectbox("Show", ASSIGNMENT_FILTERS, index=ASSIGNMENT_FILTERS.index(DEFAULT_FILTER),
                 format_func=FILTER_LABELS.__getitem__, key="ws_status", on_change=_filter_changed, args=(ctx,))
    f2.text_input("Keyword in the post", key="ws_text", placeholder="e.g. 饭搭子", on_change=_filter_changed, args=(ctx,))
    with f3.container(horizontal=True, gap="small"):
        st.button("← Previous", key="ws_prev", on_click=_nav, args=(ctx, "previous"), shortcut="P")
        st.button("Skip →", key="ws_skip", on_click=_nav, args=(ctx, "next"), shortcut="S")
        st.button("Next uncoded", key="ws_uncoded", on_click=_nav, args=(ctx, "uncoded"), shortcut="U")
    workspace(ctx, book)
    common.settle("workspace")  # the codebook, widgets and segmenter stay loaded: freeze them once
