"""The coding workspace: one post at a time, the codebook beside it, Save & next.

Where the coder is comes from the database: a new session starts at the post named in
the address (``/code?post=<post id>``, so a reload, a bookmark or a tab that outlived a
server restart reopens the same post), else at their first uncoded post
(:func:`coding.codings.next_uncoded`).  Moving between posts reads one post by key
(``next_uncoded(after=...)`` for the default list,
:func:`coding.assignments.assignment_neighbour` for the others).  ``session_state``
remembers which post is on screen, the way back, and what was read for it (``ws_view``).

Moving: the filters ("Show", default *uncoded*, and a keyword) make the list the coder
walks in their assignment order.  Save & next and Skip go to the next post of that list
(wrapping around; after saving, to any uncoded post when the list is exhausted);
Previous goes back the way the coder came, then to the previous post of the list; Next
uncoded finds the next unfinished post whatever the filters.

Coding: the variables, memo, "uncertain" and Save & next are one panel
(:mod:`ui.codes_panel`) that keeps its own state in the browser: choosing a code makes
no round trip, and Save & next sends the whole coding.  The save callback ignores a
coding sent for a post no longer shown (a double click), and
:func:`coding.codings.save_coding` writes nothing when the values did not change.  It
commits before the next post is shown.  The post's column stays in view (sticky) while
the panel scrolls beside it.

Speed: the progress bar, the post and the panel are one fragment (:func:`_coding`), so
Save & next reruns only that part: the navigation, sidebar, filters and buttons are
neither run nor sent again.  The progress bar follows each save from the save's own
result (:meth:`coding.assignments.Progress.after_save`) instead of counting the coder's
whole assignment again; every run of the whole page (navigation, filters, a reload)
counts afresh.  What was saved is said in the panel beside Save & next (a toast's
animation held up the next post).  A tab that outlived a server restart holds a
fragment the new server does not know: it runs the whole page when it reconnects
(``run_every``), and a click that comes first runs it too (:mod:`ui.reruns`).
"""

from __future__ import annotations

import datetime
import functools
import secrets
import time

import streamlit as st

from coding.assignments import (
    ASSIGNMENT_FILTERS,
    assignment_neighbour,
    assignment_position,
    coder_progress,
)
from coding.codebook import Codebook
from coding.codings import get_unit, next_uncoded, save_coding
from coding.hints import hints_shown, is_overlap
from corpus.store import get_post, get_post_by_pk, post_comments
from dazi.errors import DaziError
from ui import codes_panel
from ui.feedback import errors
from ui.post_card import show_post
from ui.session import Session, require
from ui.store import codebook, settle

SAVE_SHORTCUT = "Ctrl+Enter"
KEYS_HELP = f"""\
| Key | Does |
|---|---|
| `1`-`9`, `0` | choose the 1st-9th (`0`: 10th) code of the outlined variable; a single choice moves on to the next variable |
| `Enter` / `Shift+Enter` | next / previous variable (a click also makes a variable the outlined one) |
| `{SAVE_SHORTCUT}` | **Save & next** (also while typing the memo: the memo is saved with it) |
| `P` / `S` / `U` | previous post (the way you came) / skip to the next post / next uncoded post (not while typing) |

Save & next and Skip follow the list chosen in *Show* (uncoded posts by default), in your assignment order.
Choices not saved yet stay with the post in this tab (also after a reload).
"""
FILTER_LABELS = {"all": "all posts", "uncoded": "uncoded", "coded": "coded", "uncertain": "marked uncertain"}
DEFAULT_FILTER = "uncoded"
BACK_LIMIT = 100
#: How often the coding part reruns on its own (it changes nothing: see :func:`_coding` for why).
AUTO_RERUN = datetime.timedelta(minutes=30)


def _filters() -> tuple[str, str | None]:
    return st.session_state.get("ws_status", DEFAULT_FILTER), (st.session_state.get("ws_text") or "").strip() or None


def _target(ctx: Session, post_pk: int, how: str) -> int | None:
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


def _move(ctx: Session, post_pk: int, how: str) -> None:
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


def _save(ctx: Session, book: Codebook, sent: dict | None = None) -> None:
    """Save & next (the panel's ``save`` event): save the coding of the post it was shown with."""
    state = st.session_state
    sent = sent if sent is not None else codes_panel.submitted()
    state["ws_handled"] = sent
    post_pk = state.get("ws_cursor")
    if sent is None or post_pk is None or sent.get("post") != post_pk:
        return  # a second click that arrived after the first one moved on: nothing to do
    view = state.get("ws_view") or {}
    shown_pk, shown_at = state.get("ws_shown") or (None, None)
    seconds = round(time.monotonic() - shown_at, 1) if shown_pk == post_pk and shown_at else None
    try:
        result = save_coding(
            ctx.db, ctx.project, ctx.coder, post_pk, codes_panel.coded_values(book, sent.get("values") or {}),
            memo=str(sent.get("memo") or ""), uncertain=bool(sent.get("uncertain")), seconds=seconds, done=True,
            hints=view.get("hints") if view.get("pk") == post_pk else None,
        )
    except DaziError as exc:
        state["ws_error"] = exc.describe()
        return
    state["ws_shown"] = (post_pk, None)  # a repeated save adds no time
    shown = view.get("pk") == post_pk
    shown_id = (view.get("post") or {}).get("post_id") if shown else None
    progress = state.get("ws_progress")
    if shown and progress is not None and view.get("place") is not None:  # (a post of the coder's assignment)
        state["ws_progress"] = progress.after_save(
            was_done=result.was_done, was_uncertain=result.was_uncertain, done=result.done,
            uncertain=result.uncertain, overlap=view["overlap"])
    else:
        state.pop("ws_progress", None)  # counted again
    state.pop("ws_view", None)  # the unit changed: read it again
    changed = f"{len(result.changed)} value(s) changed" if result.changed else "no value changed"
    # (said in the panel, beside Save & next: a toast's animation cost the next post ~15 ms to show)
    state["ws_saved"] = f"Saved post {shown_id or post_pk} ({changed})."
    # next within the filters; when none is left there, whatever is still uncoded (None: all done)
    _show(post_pk, _target(ctx, post_pk, "next") or next_uncoded(ctx.db, ctx.project, ctx.coder))


def _filter_changed(ctx: Session) -> None:
    status, text = _filters()
    st.session_state["ws_cursor"] = assignment_neighbour(ctx.db, ctx.project, ctx.coder, None, status=status, text=text)


def _review(ctx: Session) -> None:
    st.session_state["ws_status"], st.session_state["ws_text"] = "all", ""
    _filter_changed(ctx)


def _nav(ctx: Session, how: str) -> None:
    st.session_state["ws_nav_done"] = True
    if st.session_state.get("ws_cursor") is not None:
        _move(ctx, st.session_state["ws_cursor"], how)


def _nav_button(ctx: Session, label: str, how: str, key: str, shortcut: str) -> None:
    """A move button.  Its callback moves; on a session's first run (a tab reconnected to a
    restarted server) Streamlit has no callback registered yet, so the click is acted on here."""
    clicked = st.button(label, key=key, on_click=_nav, args=(ctx, how), shortcut=shortcut)
    if clicked and not st.session_state.pop("ws_nav_done", False):
        _start(ctx)
        _nav(ctx, how)
        st.session_state.pop("ws_nav_done", None)
        st.rerun()


def _start(ctx: Session) -> None:
    """The first post a session shows: the one in the address, else the first uncoded."""
    if "ws_cursor" not in st.session_state:
        st.session_state["ws_cursor"] = _from_address(ctx) or next_uncoded(ctx.db, ctx.project, ctx.coder)


def _from_address(ctx: Session) -> int | None:
    """The post named in the address (``?post=<post id>``) if it is assigned to the coder, else None."""
    wanted = st.query_params.get("post")
    if not wanted:
        return None
    try:
        pk = get_post(ctx.db, ctx.project, wanted)["pk"]
    except DaziError:
        return None
    return pk if assignment_position(ctx.db, ctx.project, ctx.coder, pk) is not None else None


def _view(ctx: Session, post_pk: int | None) -> dict:
    """What the page shows around ``post_pk``, read from the database once per post shown
    (a save drops it: the unit changed), with the coder's progress (``ws_progress``: counted
    on a run of the whole page, then followed from each save)."""
    state = st.session_state
    view = state.get("ws_view")
    if view is not None and view["pk"] == post_pk and "ws_progress" in state:
        return {**view, "progress": state["ws_progress"]}
    db, project, me = ctx.db, ctx.project, ctx.coder
    with db.snapshot():  # (one read transaction for all of it)
        if "ws_progress" not in state:
            state["ws_progress"] = coder_progress(db, project, me)
        view = {"pk": post_pk}
        if post_pk is not None:
            post = get_post_by_pk(db, project, post_pk)
            overlap = is_overlap(db, project, me.id, post_pk)
            view.update(post=post, unit=get_unit(db, project, me, post_pk), overlap=overlap,
                        place=assignment_position(db, project, me, post_pk), comments=post_comments(db, project, dict(post)),
                        hints=hints_shown(project, overlap=overlap))
    state["ws_view"] = view
    return {**view, "progress": state["ws_progress"]}


@st.fragment(run_every=AUTO_RERUN)
def _coding() -> None:
    """The progress bar, the post and its codes panel: the part of the page Save & next reruns.

    A fragment's rerun calls it with the arguments of the page's last run, so the coder
    and the codebook are read here (the session's token is checked again; a session that
    ended, or a codebook gone, runs the whole page).  ``run_every``: a tab with a fragment
    that reruns on its own asks for a run of the whole page when it reconnects (Streamlit's
    browser side does so to register the fragment again), so a tab that outlived a server
    restart gets the new session to know this fragment before the coder clicks in it.
    """
    ctx = require()
    with errors():
        book = codebook(ctx.db, ctx.project)
        if book is None:
            st.rerun()
        _workspace(ctx, book)


def _workspace(ctx: Session, book: Codebook) -> None:
    state = st.session_state
    db, project, me = ctx.db, ctx.project, ctx.coder
    _start(ctx)
    post_pk = state["ws_cursor"]
    view = _view(ctx, post_pk)
    progress = view["progress"]
    if progress.assigned == 0:
        st.info("No posts are assigned to you yet. The admin assigns them on the Sample & assign page.")
        return
    st.progress(progress.coded / progress.assigned,
                text=f"{progress.coded} of {progress.assigned} coded · {progress.uncertain} marked uncertain")
    if flash := state.pop("ws_flash", None):
        st.toast(flash, icon="ℹ️")
    if post_pk is None:
        state.pop("ws_saved", None)  # (the page says all is coded, or that nothing matches)
        st.query_params.pop("post", None)
        if progress.remaining == 0:
            st.success(f"All {progress.assigned} assigned posts are coded. Thank you!")
        else:
            st.info("No post matches the filters.")
        if st.button("Review from the first post", key="ws_review"):
            # the filters it resets are outside this fragment: the whole page resets them, before it draws them
            st.session_state["ws_review_asked"] = True
            st.rerun()
        return

    if (state.get("ws_shown") or (None,))[0] != post_pk:
        state["ws_shown"] = (post_pk, time.monotonic())
    post, unit, place = view["post"], view["unit"], view["place"]
    if st.query_params.get("post") != post["post_id"]:
        st.query_params["post"] = post["post_id"]  # a reload or a bookmark reopens this post
    # every run's data differs (a new session's too), so the panel takes an error or a new state
    state["ws_rev"] = f"{state.setdefault('ws_session', secrets.token_hex(4))}-{state.get('ws_run', 0)}"
    state["ws_run"] = state.get("ws_run", 0) + 1
    left, right = st.columns([1.1, 1], gap="large")
    with left, st.container(key="ws_post_col"):
        done = "coded ✓" if unit.done else "not coded yet"
        st.caption(f"Post {place} of {progress.assigned} in your order · {done}")
        suggestions = show_post(db, project, post, book, ctx.lang, view["comments"])
    with right:
        hints = codes_panel.hint_lines(book, suggestions, ctx.lang) if view["hints"] else None
        sent = codes_panel.codes_panel(
            book, ctx.lang, post_pk=post_pk, values=unit.values, memo=unit.memo, uncertain=bool(unit.uncertain),
            draft=f"{project.id}:{me.id}:{post_pk}", rev=state["ws_rev"], hints=hints, error=state.pop("ws_error", None),
            saved=state.pop("ws_saved", None), on_save=functools.partial(_save, ctx, book))
    if sent is not None and state.get("ws_handled") != sent:  # (the callback did not run: see codes_panel)
        _save(ctx, book, sent)
        st.rerun()


ctx = require()
for _key in ("ws_view", "ws_progress"):
    st.session_state.pop(_key, None)  # a run of the whole page (navigation, filters, a reload) reads afresh
if st.session_state.pop("ws_review_asked", False):
    _review(ctx)
st.title("Code 编码")
with errors():
    book = codebook(ctx.db, ctx.project)
    if book is None:
        st.info("The project has no codebook yet. The admin loads one on the Codebook page.")
        st.stop()
    with st.expander("Keyboard"):
        st.markdown(KEYS_HELP)
    f1, f2, f3 = st.columns([1, 1.4, 1.6], vertical_alignment="bottom")
    f1.selectbox("Show", ASSIGNMENT_FILTERS, index=ASSIGNMENT_FILTERS.index(DEFAULT_FILTER),
                 format_func=FILTER_LABELS.__getitem__, key="ws_status", on_change=_filter_changed, args=(ctx,))
    f2.text_input("Keyword in the post", key="ws_text", placeholder="e.g. 饭搭子", on_change=_filter_changed, args=(ctx,))
    with f3.container(horizontal=True, gap="small"):
        _nav_button(ctx, "← Previous", "previous", "ws_prev", "P")
        _nav_button(ctx, "Skip →", "next", "ws_skip", "S")
        _nav_button(ctx, "Next uncoded", "uncoded", "ws_uncoded", "U")
_coding()
settle("workspace")  # the codebook, widgets and segmenter stay loaded: freeze them once
