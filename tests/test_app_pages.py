"""Every page of the app, for every role, driven by streamlit.testing.v1.AppTest.

The study (``tests/app_helpers.py``) is built once per module and copied for
each test, so a test may write to it.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from coding.coders import get_coder, set_passcode
from coding.codings import get_unit, history
from dazi.db import connect
from dazi.projects import get_project, set_blind
from tests.app_helpers import BOB_SECRET, DOUBLE_CODED, FILLED, build_study, page_text, values

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    return build_study(folder / "study.db")


@pytest.fixture
def study(_template, tmp_path, monkeypatch):
    path = tmp_path / "study.db"
    shutil.copy(_template.path, path)
    monkeypatch.setenv("DAZI_DATABASE_URL", str(path))
    return _template.__class__(path, _template.post_pks, _template.double_coded, _template.hostile_pk)


@pytest.fixture
def db(study):
    database = connect(study.path)
    yield database
    database.close()


def open_page(who: str | None, page: str | None = None, **state) -> AppTest:
    """Run the app signed in as ``who`` (None: signed out) and switch to ``page``."""
    at = AppTest.from_file(APP, default_timeout=90)
    if who:
        at.session_state["dz_project"] = "default"
        at.session_state["dz_coder"] = who
    at.run()
    for key, value in state.items():
        at.session_state[key] = value
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _progress(at) -> str:
    return at.get("progress")[0].proto.text


def _coder(db, name):
    return get_coder(db, get_project(db), name)


# --------------------------------------------------------------------------
# Sign-in
# --------------------------------------------------------------------------

def test_sign_in_with_the_right_passcode_only(study):
    at = open_page(None)
    assert at.title[0].value == "dazi 搭子"
    at.selectbox(key="signin_name").set_value("alice")
    at.text_input(key="signin_passcode").set_value("9999")
    at.button[0].click().run()
    assert "Wrong coder name or passcode." in at.error[0].value
    assert "dz_coder" not in at.session_state
    at.text_input(key="signin_passcode").set_value("1111")
    at.button[0].click().run()
    assert at.session_state["dz_coder"] == "alice"
    at.switch_page("ui/pages/code.py").run()
    assert not at.exception and at.title[0].value == "Code 编码"


def test_signing_out_forgets_the_coder(study):
    at = open_page("alice")  # the default page (AppTest drops the sidebar after switch_page)
    assert at.title[0].value == "Code 编码"
    at.sidebar.button(key="dz_sign_out").click().run()
    assert "dz_coder" not in at.session_state
    assert at.title[0].value == "dazi 搭子"


def test_a_removed_coder_is_signed_out(study, db):
    from coding.coders import remove_coder

    at = open_page("alice", "ui/pages/code.py")
    remove_coder(db, get_project(db), "alice")
    at.run()
    assert "dz_coder" not in at.session_state


@pytest.mark.parametrize(
    "who, page",
    [
        pytest.param("alice", "ui/pages/admin_coders.py", id="coder cannot open an admin page"),
        pytest.param("alice", "ui/pages/adjudicate.py", id="coder cannot adjudicate"),
        pytest.param("alice", "ui/pages/reliability.py", id="coder sees no results while blind"),
        pytest.param("alice", "ui/pages/exports.py", id="coder cannot export while blind"),
        pytest.param("carol", "ui/pages/admin_import.py", id="adjudicator cannot import"),
        pytest.param(None, "ui/pages/code.py", id="signed out sees only sign-in"),
    ],
)
def test_roles_decide_which_pages_are_listed(study, who, page):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(who, page)


@pytest.mark.parametrize(
    "who, page, message",
    [
        pytest.param("alice", "admin_coders.py", "This page is for the admin role", id="coder on an admin page"),
        pytest.param("bob", "adjudicate.py", "This page is for the adjudicator or admin role", id="coder adjudicating"),
        pytest.param("carol", "admin_assign.py", "This page is for the admin role", id="adjudicator on an admin page"),
        pytest.param("alice", "reliability.py", "hidden from coders while the project is blind", id="blind reliability"),
        pytest.param("alice", "tables.py", "hidden from coders while the project is blind", id="blind tables"),
        pytest.param("alice", "exports.py", "hidden from coders while the project is blind", id="blind exports"),
    ],
)
def test_each_page_checks_the_role_itself(study, who, page, message):
    """Reached directly (not through the navigation), a page still refuses the wrong role."""
    at = AppTest.from_file(str(Path(APP).parent / "ui" / "pages" / page), default_timeout=90)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = who
    at.run()
    assert not at.exception
    assert any(message in e.value for e in [*at.error, *at.info]), [*at.error, *at.info]
    assert BOB_SECRET not in page_text(at)


# --------------------------------------------------------------------------
# The coding workspace
# --------------------------------------------------------------------------

CODE = "ui/pages/code.py"
def _filled(**changes) -> dict:
    return {**FILLED, **changes}


def test_workspace_resumes_at_the_first_uncoded_post(study, db, panel):
    from coding.codings import next_uncoded

    at = open_page("alice", CODE)
    first = next_uncoded(db, get_project(db), _coder(db, "alice"))
    assert at.session_state["ws_cursor"] == first and panel.data["post"] == first
    assert panel.values()["companion_type"] is None
    assert _progress(at).startswith(f"{DOUBLE_CODED} of {len(study.post_pks)} coded")


def test_the_address_names_the_post_and_reopens_it(study, db, panel):
    """A reload, a bookmark or a tab that outlived a restart opens the post of ``?post=<post id>``."""
    from corpus.store import get_post_by_pk

    project = get_project(db)
    at = open_page("alice", CODE)
    shown = get_post_by_pk(db, project, at.session_state["ws_cursor"])
    assert at.query_params["post"] in (shown["post_id"], [shown["post_id"]])
    wanted = study.double_coded[2]
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["dz_project"], at.session_state["dz_coder"] = "default", "alice"
    at.query_params["post"] = get_post_by_pk(db, project, wanted)["post_id"]
    at.run().switch_page(CODE).run()
    assert at.session_state["ws_cursor"] == wanted and panel.data["post"] == wanted
    at.query_params["post"] = "no-such-post"  # not a post of hers: her first uncoded post instead
    at.session_state["ws_cursor"] = None
    del at.session_state["ws_cursor"]
    at.run()
    assert at.session_state["ws_cursor"] != wanted


def test_blind_coder_never_sees_another_coders_values(study, db, panel):
    """alice opens every post bob coded: her page shows her values, never bob's memo or values."""
    project = get_project(db)
    alice = _coder(db, "alice")
    book = __import__("coding.codebook_store", fromlist=["x"]).current_codebook(db, project).codebook
    for i, pk in enumerate(study.double_coded):
        at = open_page("alice", CODE, ws_cursor=pk)
        text = page_text(at)
        assert BOB_SECRET not in text
        mine = get_unit(db, project, alice, pk).values
        shown = panel.values()
        assert shown["companion_type"] == mine["companion_type"] == values(book, i, coder="alice")["companion_type"]
        assert shown["communication_channel"] == mine["communication_channel"]
        assert panel.data["memo"] == ""
    at = open_page("alice", "ui/pages/my_work.py")
    assert BOB_SECRET not in page_text(at)


def test_my_work_opens_the_chosen_post_in_the_workspace(study, db):
    at = open_page("alice", "ui/pages/my_work.py")
    options = at.selectbox(key="mw_pick").options
    assert len(options) > 1
    at.selectbox(key="mw_pick").select_index(1).run()
    chosen = at.selectbox(key="mw_pick").value
    at.button(key="mw_open").click().run()
    assert not at.exception and at.session_state["ws_cursor"] == chosen


def test_save_and_next_commits_and_moves_on(study, db, panel):
    at = open_page("alice", CODE)
    pk = at.session_state["ws_cursor"]
    panel.save(at, _filled(), memo="title says 饭搭子 <b>", uncertain=True)
    assert not at.exception and not at.error
    project = get_project(db)
    unit = get_unit(db, project, _coder(db, "alice"), pk)
    assert unit.done and unit.uncertain and unit.memo == "title says 饭搭子 <b>"
    assert unit.values["communication_channel"] == ["comments"] and unit.values["match_outcome"] == "seeking"
    assert at.session_state["ws_cursor"] != pk and panel.data["post"] != pk
    assert _progress(at).startswith(f"{DOUBLE_CODED + 1} of {len(study.post_pks)} coded")
    from corpus.store import get_post_by_pk

    assert not at.toast  # (said in the panel, beside Save & next)
    assert panel.data["saved"] == f"Saved post {get_post_by_pk(db, project, pk)['post_id']} (8 value(s) changed)."


def test_save_and_next_counts_nothing_and_the_progress_follows(study, db, panel, monkeypatch):
    """The save path runs no aggregate over the coder's assignment: the progress the page shows next
    is the one it showed, followed from the save's result (Progress.after_save), and equals what
    counting again gives.  (The Code page's Save & next reruns only its fragment, which keeps that
    progress; a run of the whole page counts afresh.)"""
    import streamlit as st

    import coding.assignments
    import ui.codes_panel
    from coding.assignments import coder_progress

    counted: list[list[int]] = []
    real_counts = coding.assignments._coder_counts
    monkeypatch.setattr(coding.assignments, "_coder_counts", lambda conn, ids: counted.append(ids) or real_counts(conn, ids))
    during: list[tuple[int, object]] = []

    def mount(*, key, data, on_save_change):
        def save():
            before = len(counted)
            on_save_change()
            during.append((len(counted) - before, st.session_state.get("ws_progress")))
        return panel.__class__.mount(panel, key=key, data=data, on_save_change=save)

    monkeypatch.setattr(ui.codes_panel, "_panel", mount)
    at = open_page("alice", CODE)
    alice = _coder(db, "alice")
    project = get_project(db)
    for uncertain in (True, False, True):
        panel.save(at, _filled(), uncertain=uncertain)
        assert not at.exception and not at.error
        aggregates, followed = during[-1]
        assert aggregates == 0
        assert followed == coder_progress(db, project, alice)
    assert _progress(at).startswith(f"{DOUBLE_CODED + 3} of {len(study.post_pks)} coded · 2 marked uncertain")


def test_all_coded_then_review_from_the_first_post(study, db, panel):
    """Once every assigned post is coded the page says so; "Review from the first post" shows the
    coder's first post with the filter on all posts (the filters are reset by a run of the whole page,
    as the button sits in the coding fragment)."""
    from coding.assignments import assigned_post_pks

    at = open_page("alice", CODE)
    for _ in range(len(study.post_pks)):
        if at.session_state["ws_cursor"] is None:
            break
        panel.save(at, _filled())
        assert not at.exception and not at.error
    assert at.session_state["ws_cursor"] is None
    assert any("assigned posts are coded" in s.value for s in at.success)
    at.button(key="ws_review").click().run()
    first = assigned_post_pks(db, get_project(db), _coder(db, "alice"))[0]
    assert at.session_state["ws_cursor"] == first and panel.data["post"] == first
    assert at.selectbox(key="ws_status").value == "all"


def _value_events(db, pk) -> int:
    frame = history(db, get_project(db), None, post_pk=pk)
    return int((frame["field"] == "value").sum())


def test_saving_the_same_values_again_writes_no_value(study, db, panel):
    at = open_page("alice", CODE)
    pk = at.session_state["ws_cursor"]
    panel.save(at, _filled())
    events = _value_events(db, pk)
    assert events == 8
    at.session_state["ws_cursor"] = pk  # back to the post: the saved values are shown again
    at.run()
    assert panel.values()["match_outcome"] == "seeking"
    panel.save(at)
    assert _value_events(db, pk) == events


def test_a_click_for_a_post_no_longer_shown_writes_nothing(study, db, panel):
    """A double click's second click arrives after the first moved on: it must not save the old post."""
    at = open_page("alice", CODE)
    pk = at.session_state["ws_cursor"]
    at.session_state["ws_cursor"] = study.double_coded[0]  # what the first click already showed
    at.run()
    panel.save(at, _filled(companion_type="other"), post=pk)
    assert _value_events(db, pk) == 0
    assert not get_unit(db, get_project(db), _coder(db, "alice"), pk).done


def test_another_post_shows_its_own_saved_values(study, db, panel):
    """The panel shows post after post: each post must come up with its own saved coding."""
    at = open_page("alice", CODE, ws_status="all")
    at.session_state["ws_cursor"] = study.double_coded[0]
    at.run()
    saved = get_unit(db, get_project(db), _coder(db, "alice"), study.double_coded[0]).values
    assert panel.values()["companion_type"] == saved["companion_type"]
    assert panel.data["draft"].endswith(f":{study.double_coded[0]}")  # unsaved choices are kept per post
    at.button(key="ws_skip").click().run()
    shown = at.session_state["ws_cursor"]
    expected = get_unit(db, get_project(db), _coder(db, "alice"), shown).values
    assert panel.values()["companion_type"] == expected.get("companion_type") and panel.data["memo"] == ""
    at.button(key="ws_prev").click().run()
    assert at.session_state["ws_cursor"] == study.double_coded[0]
    assert panel.values()["companion_type"] == saved["companion_type"]


def test_required_values_missing_keeps_the_post(study, db, panel):
    at = open_page("alice", CODE)
    pk = at.session_state["ws_cursor"]
    panel.save(at, {})
    assert "required variable(s) not coded" in panel.data["error"]
    assert at.session_state["ws_cursor"] == pk
    assert not get_unit(db, get_project(db), _coder(db, "alice"), pk).done


def test_conditional_variables_are_cleared_when_their_condition_fails(study, db, panel):
    at = open_page("alice", CODE)
    pk = at.session_state["ws_cursor"]
    shown = panel.variables()
    assert shown["relationship_duration"]["cond"] == {"match_outcome": ["success"]}  # asked only then
    assert shown["relationship_duration"]["kind"] == "number" and shown["companion_type"]["kind"] == "single"
    panel.save(at, _filled(match_outcome="failure", relationship_duration=4.0, repeat_companion="no"))
    saved = get_unit(db, get_project(db), _coder(db, "alice"), pk).values
    assert saved["match_outcome"] == "failure"
    assert saved.get("relationship_duration") is None and saved.get("repeat_companion") is None
    at.session_state["ws_cursor"] = pk
    at.run()
    panel.save(at, _filled(match_outcome="success", relationship_duration=4.0, repeat_companion="no"))
    saved = get_unit(db, get_project(db), _coder(db, "alice"), pk).values
    assert saved["relationship_duration"] == 4 and saved["repeat_companion"] == "no"


def test_previous_skip_and_filters_move_by_key(study, db, panel):
    from coding.assignments import assigned_post_pks

    order = assigned_post_pks(db, get_project(db), _coder(db, "alice"))
    uncoded = [pk for pk in order if pk not in study.double_coded]
    coded = [pk for pk in order if pk in study.double_coded]
    at = open_page("alice", CODE)
    assert at.session_state["ws_cursor"] == uncoded[0]  # the list shown by default: uncoded posts
    at.button(key="ws_skip").click().run()
    at.button(key="ws_skip").click().run()
    assert at.session_state["ws_cursor"] == uncoded[2]
    at.button(key="ws_prev").click().run()  # the way back first
    at.button(key="ws_prev").click().run()
    assert at.session_state["ws_cursor"] == uncoded[0]
    at.button(key="ws_prev").click().run()  # nothing before the first uncoded post
    assert at.session_state["ws_cursor"] == uncoded[0]
    at.selectbox(key="ws_status").set_value("coded").run()
    assert at.session_state["ws_cursor"] == coded[0]
    at.button(key="ws_skip").click().run()
    assert at.session_state["ws_cursor"] == coded[1]
    at.button(key="ws_uncoded").click().run()
    assert at.session_state["ws_cursor"] == next(pk for pk in order[order.index(coded[1]):] if pk in uncoded)
    at.selectbox(key="ws_status").set_value("all").run()
    assert at.session_state["ws_cursor"] == order[0]
    at.button(key="ws_skip").click().run()
    assert at.session_state["ws_cursor"] == order[1]
    at.selectbox(key="ws_status").set_value("uncoded").run()
    at.text_input(key="ws_text").set_value("no such words").run()
    assert at.session_state["ws_cursor"] is None and "No post matches the filters." in at.info[0].value


def test_save_and_next_goes_to_the_next_uncoded_post(study, db, panel):
    from coding.assignments import assigned_post_pks

    order = assigned_post_pks(db, get_project(db), _coder(db, "alice"))
    uncoded = [pk for pk in order if pk not in study.double_coded]
    at = open_page("alice", CODE)
    panel.save(at, _filled())
    assert at.session_state["ws_cursor"] == uncoded[1]
    at.button(key="ws_prev").click().run()  # back to the post just saved, with its values
    assert at.session_state["ws_cursor"] == uncoded[0]
    assert panel.values()["match_outcome"] == "seeking"


def test_post_text_is_shown_literally(study, panel):
    at = open_page("alice", CODE, ws_cursor=study.hostile_pk)
    card = next(h.value for h in at.html if h.value.startswith("<div class=\"dz-post\""))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in card
    assert "**bold**" in card and "[link](http://x)" in card and ":red[red]" in card
    assert "<script" not in card and "<img" not in card and "&lt;b&gt;标题&lt;/b&gt;" in card
    assert 'class="dz-hashtag"' in card and 'class="dz-mention"' in card and "dz-keyword" in card
    assert "🍜" in card


def test_the_workspace_shows_the_whole_post(study, db, panel):
    """Title, text with hashtags and mentions marked, author, time, IP location, counts (approximate ones
    as such), a link to the original and the comments folded below; the keys documented on the page."""
    from corpus.store import get_post, post_comments

    project = get_project(db)
    post = get_post(db, project, "65a1b2c3d4e5f60718293a4b")
    at = open_page("alice", CODE, ws_cursor=post["pk"])
    card = next(h.value for h in at.html if h.value.startswith("<div class=\"dz-post\""))
    assert f'data-post="{post["pk"]}"' in card
    assert "作者 干饭人小王" in card and "IP属地 上海" in card and "2023-12-23 09:32 UTC" in card
    # the latest crawl's "1.4万" and "10+" are approximate, 3585 is exact
    assert "赞 likes ≈14,000 (1.4万)" in card and "评 comments ≈10 (10+)" in card and "藏 collects 3,585 " in card
    assert '<mark class="dz-hashtag"' in card and '<mark class="dz-mention"' in card
    [link] = at.get("link_button")
    assert link.proto.url == post["url"] and "Open the original" in link.proto.label
    comments = post_comments(db, project, post)
    folded = [e for e in at.expander if e.label == f"{len(comments)} comments 评论"]
    assert len(comments) >= 2 and len(folded) == 1
    shown = folded[0].text[0].value
    assert all((c["text"] or "") in shown for c in comments) and "我也在徐汇" in shown
    keys = next(e for e in at.expander if e.label == "Keyboard").markdown[0].value
    for documented in ("`1`-`9`, `0`", "`Enter` / `Shift+Enter`", "`Ctrl+Enter`", "`P` / `S` / `U`"):
        assert documented in keys
    other = get_post(db, project, "65b2c3d4e5f60718293a4b5c")  # a title that is not the text's first line
    at = open_page("alice", CODE, ws_cursor=other["pk"])
    card = next(h.value for h in at.html if h.value.startswith("<div class=\"dz-post\""))
    title = re.search(r'<div class="dz-title"[^>]*>(.*?)</div>', card).group(1)
    assert re.sub(r"<[^>]+>", "", title) == "求一个学习搭子" and "作者 Amy考研版" in card  # (keywords marked inside)


def test_keyword_hints_are_off_on_the_overlap_and_recorded(study, db, panel):
    """Every post of the study is in the reliability overlap: no hints, until the admin turns them on;
    whether hints were shown is saved with the coding."""
    from sqlalchemy import select

    from coding.hints import set_hint_settings
    from dazi.schema import coding_units

    at = open_page("alice", CODE, ws_cursor=study.hostile_pk)
    assert not any(v.get("hint") for v in panel.data["vars"])
    set_hint_settings(db, get_project(db), overlap=True)
    at = open_page("alice", CODE, ws_cursor=study.hostile_pk)
    hints = {v["id"]: v["hint"] for v in panel.data["vars"] if v.get("hint")}
    assert "Activity-based" in hints["companion_type"] and "饭搭子" in hints["companion_type"]
    assert panel.values()["companion_type"] is None  # a hint, never a choice
    assert get_unit(db, get_project(db), _coder(db, "alice"), study.hostile_pk).values == {}
    panel.save(at, _filled())
    with db.read() as conn:
        shown = conn.execute(select(coding_units.c.hints).where(coding_units.c.post_pk == study.hostile_pk,
                                                                coding_units.c.coder_id == _coder(db, "alice").id)).scalar()
    assert shown is True


def test_the_admin_turns_hints_on_and_off(study, db):
    from coding.hints import hint_settings

    at = open_page("admin", "ui/pages/admin_assign.py")
    assert at.toggle(key="aa_hints_overlap").value is False and at.toggle(key="aa_hints_other").value is True
    at.toggle(key="aa_hints_overlap").set_value(True).run()
    at.toggle(key="aa_hints_other").set_value(False).run()
    settings = hint_settings(get_project(db))
    assert settings.overlap is True and settings.other is False


# --------------------------------------------------------------------------
# Adjudication
# --------------------------------------------------------------------------

def _disagreement(db, variable="companion_type"):
    from coding.adjudication import disagreements

    return next(d for d in disagreements(db, get_project(db), None) if d.variable == variable)


def test_adjudicator_sees_every_coder_and_records_a_final_value(study, db):
    from coding.adjudication import adjudication_history

    item = _disagreement(db)
    at = open_page("carol", "ui/pages/adjudicate.py", adj_post=item.post_pk)
    assert at.selectbox(key="adj_post").value == item.post_pk
    count = len([d for d in __import__("coding.adjudication", fromlist=["x"]).disagreements(db, get_project(db), None)
                 if d.post_pk == item.post_pk])

    def label() -> str:
        return next(o for o in at.selectbox(key="adj_post").options if o.startswith(f"{item.post_id} ·"))

    assert label() == f"{item.post_id} · {count} variable{'' if count == 1 else 's'} open"
    tables = [d.value for d in at.dataframe]
    mine = next(t for t in tables if set(t["coder"]) == {"alice", "bob"} and t["memo"].str.contains(BOB_SECRET).any())
    assert len(mine) == 2  # both coders' values and memos, side by side
    at.radio(key=f"adj_companion_type_{item.post_pk}").set_value("other")
    at.button(key=f"adjgo_companion_type_{item.post_pk}").click().run()
    assert "needs a rationale" in at.error[0].value
    assert adjudication_history(db, get_project(db), post_pk=item.post_pk) == []
    at.radio(key=f"adj_companion_type_{item.post_pk}").set_value("other")
    at.text_input(key=f"adjr_companion_type_{item.post_pk}").set_value("标题优先 (title first)")
    at.button(key=f"adjgo_companion_type_{item.post_pk}").click().run()
    assert not at.exception and not at.error
    [record] = adjudication_history(db, get_project(db), post_pk=item.post_pk)
    assert (record.variable, record.value, record.rationale, record.adjudicator) == (
        "companion_type", "other", "标题优先 (title first)", "carol")
    at.toggle(key="adj_all").set_value(True).run()  # the post's count says one is resolved now
    still = count - 1
    assert label() == f"{item.post_id} · {still} variable{'' if still == 1 else 's'} open, 1 resolved"


# --------------------------------------------------------------------------
# Reliability, tables, exports
# --------------------------------------------------------------------------

def test_reliability_page_shows_the_cores_numbers(study, db):
    from coding.project_diagnostics import variable_diagnostics
    from coding.project_reliability import project_reliability

    at = open_page("carol", "ui/pages/reliability.py")
    shown = at.table[0].value.set_index("variable")
    expected = {r.variable: r.to_dict() for r in project_reliability(db, get_project(db), bootstrap=2000, seed=0)}
    assert list(shown.index) == list(expected)
    for variable, d in expected.items():
        row = shown.loc[variable]
        for column, value in (("alpha", d["krippendorff_alpha"]), ("units", d["n_units"]),
                              ("% agreement", d["percent_agreement"])):
            assert row[column] == pytest.approx(value, nan_ok=True) if value is not None else pd.isna(row[column])
        if d["alpha_ci"]:
            assert (row["CI low"], row["CI high"]) == pytest.approx(tuple(d["alpha_ci"]))
    at.selectbox(key="rel_var").set_value("companion_type").run()
    matrix = variable_diagnostics(db, get_project(db), "companion_type").coincidences
    shown_matrix = next(d.value for d in at.dataframe if d.value.shape == matrix.shape)
    assert shown_matrix.to_numpy().tolist() == matrix.to_numpy().tolist()


def test_coders_see_results_once_the_project_is_unblinded(study, db):
    set_blind(db, get_project(db), False)
    at = open_page("alice", "ui/pages/reliability.py")
    assert at.title[0].value == "Reliability 信度" and len(at.table) == 1


@pytest.mark.parametrize(
    "kind, spec, state",
    [
        pytest.param("summary", "summary by=companion_type metrics=n,share,mean(engagement),median(engagement)", {},
                     id="summary like Table 4"),
        pytest.param("summary", "summary by=interest_category metrics=n,rate(match_outcome=success),"
                     "mean(relationship_duration),mean(likes)",
                     {"tb_by": "interest_category", "tb_metrics": ["n", "rate(match_outcome=success)",
                                                                  "mean(relationship_duration)", "mean(likes)"]},
                     id="rate of a binary code and means of numbers"),
        pytest.param("crosstab", "crosstab companion_type interest_category", {}, id="crosstab like Table 2"),
    ],
)
def test_tables_page_shows_the_reports_table(study, db, kind, spec, state):
    from reports.data import load_coded_posts
    from reports.tables import make_table

    at = open_page("carol", "ui/pages/tables.py", tb_kind=kind, **state)
    [table] = make_table(load_coded_posts(db, get_project(db)), spec)
    shown = at.dataframe[0].value
    assert list(shown.columns) == list(table.frame.columns)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), table.frame.reset_index(drop=True),
                                  check_dtype=False)


@pytest.mark.parametrize(
    "measure, kind",
    [
        pytest.param("distinctive", "all", id="distinctive terms (log-odds z)"),
        pytest.param("frequent", "all", id="most frequent terms"),
        pytest.param("distinctive", "hashtags", id="distinctive hashtags only"),
    ],
)
def test_terms_section_shows_the_cores_terms_as_a_chart(study, db, measure, kind):
    """What characterises each code: the core's code_terms, the 10 best per code, as bars per code."""
    import json

    import numpy as np

    from coding.codebook_store import current_codebook
    from corpus.code_terms import code_terms

    at = open_page("carol", "ui/pages/tables.py", tb_section="terms", tm_var="companion_type", tm_measure=measure,
                   tm_kind=kind, tm_min=1)
    assert not at.exception and not at.error
    distinctive = measure == "distinctive"
    score = "z" if distinctive else "count"
    core = code_terms(db, get_project(db), "companion_type", n=None, distinctive=distinctive, min_count=1)
    if kind == "hashtags":
        core = core[core["term"].str.startswith("#")]
    shown = at.dataframe[0].value
    assert len(shown) and set(shown["code"]) == set(core["code"])
    for code, group in shown.groupby("code"):
        best = core[core["code"] == code].sort_values([score, "term"], ascending=[False, True]).head(10)
        assert list(group["term"]) == list(best["term"]), code
        assert np.allclose(group[score].astype(float), best[score].astype(float))
    if kind == "hashtags":
        assert shown["term"].str.startswith("#").all()
    variable = current_codebook(db, get_project(db)).codebook.variable("companion_type")
    [chart] = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    labels = [c.display("en") for c in variable.all_codes() if c.id in set(shown["code"])]
    assert spec["facet"]["field"] == "code_label" and spec["facet"]["sort"] == labels  # codebook order
    assert spec["spec"]["encoding"]["x"]["field"] == score and spec["spec"]["mark"]["type"] == "bar"


def test_exports_page_offers_the_downloads(study, db):
    at = open_page("admin", "ui/pages/exports.py")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Excel workbook", "CSV (UTF-8, opens in Excel)", "JSON Lines", "SPSS (.sav)",
                      "Comments 评论 (CSV)", "Reliability report (HTML)"]
    from corpus.comments import count_comments
    from reports.exports import comments_bytes

    n = count_comments(db, get_project(db))
    assert n and any(f"{n:,} comments" in c.value for c in at.caption)
    rows = list(csv.reader(io.StringIO(comments_bytes(db, get_project(db)).decode("utf-8-sig"))))
    assert rows[0][:3] == ["comment_id", "post_id", "platform"] and len(rows) == n + 1


# --------------------------------------------------------------------------
# Admin pages
# --------------------------------------------------------------------------

def test_admin_adds_a_coder_and_sees_the_passcode_once(study, db):
    from coding.coders import authenticate

    at = open_page("admin", "ui/pages/admin_coders.py")
    at.text_input(key="ac_name").set_value("dave")
    at.selectbox(key="ac_role").set_value("coder")
    at.button[0].click().run()
    message = at.success[0].value
    passcode = message.split("Passcode of dave: ")[1].split()[0]
    assert authenticate(db, get_project(db), "dave", passcode).name == "dave"
    at.run()
    assert not at.success  # shown once


def test_admin_draws_a_sample_and_assigns_it(study, db):
    from corpus.sampling import get_sample

    at = open_page("admin", "ui/pages/admin_assign.py")
    at.text_input(key="aa_name").set_value("pilot")
    at.number_input(key="aa_size").set_value(6)
    at.number_input(key="aa_seed").set_value(3)
    at.button(key="FormSubmitter:aa_draw-Draw sample").click().run()
    assert "Sample 'pilot': 6 posts" in at.success[0].value
    assert get_sample(db, get_project(db), "pilot").size == 6
    at.selectbox(key="aa_sample").set_value("pilot")
    at.multiselect(key="aa_coders").set_value(["alice", "bob"])
    at.number_input(key="aa_overlap").set_value(2.0)
    at.button(key="FormSubmitter:aa_assign-Assign").click().run()
    summary = at.success[0].value
    assert "Sample 'pilot': 2 posts in the overlap; alice" in summary and "bob" in summary


def test_admin_edits_the_codebook(study, db):
    from coding.codebook_store import current_codebook

    at = open_page("admin", "ui/pages/admin_codebook.py", cb_op="add", cb_var="interest_category")
    at.text_input(key="cb_add_id").set_value("nap")
    at.text_input(key="cb_add_en").set_value("Napping")
    at.text_input(key="cb_add_zh").set_value("午睡")
    at.text_input(key="cb_add_kw").set_value("午睡搭子, nap buddy")
    at.button(key="FormSubmitter:cb_edit_add-Apply").click().run()
    assert not at.error, at.error
    stored = current_codebook(db, get_project(db))
    assert stored.version == 2 and stored.codebook.variable("interest_category").code("nap").keywords == ("午睡搭子", "nap buddy")
    assert "project version 2" in at.success[0].value


def test_admin_imports_a_mediacrawler_upload(study, db, tmp_path):
    from corpus.store import count_posts
    from tests.app_helpers import DATA

    before = count_posts(db, get_project(db))
    demo = (Path(__file__).parent.parent / "corpus" / "data" / "demo_xhs_notes.jsonl").read_text(encoding="utf-8")
    upload = "\n".join(demo.splitlines()[:5]).encode("utf-8")
    at = open_page("admin", "ui/pages/admin_import.py")
    at.file_uploader(key="im_files").set_value([("notes.jsonl", upload, "application/json"),
                                                ("comments.csv", (DATA / "exports" / "xhs_comments.csv").read_bytes(),
                                                 "text/csv")]).run()
    shown = "\n".join(t.value for t in at.text)
    assert "preset mediacrawler-xhs-notes" in shown and "encoding utf-8" in shown
    at.button(key="im_go").click().run()
    assert not at.exception and not at.error, at.error
    assert "Imported 5 new posts" in at.success[0].value
    assert count_posts(db, get_project(db)) == before + 5


def test_an_unknown_file_is_mapped_by_hand_and_bad_rows_are_listed(study, db):
    from corpus.store import get_post

    csv = "编号,正文,点赞数\nx1,找饭搭子 #美食,1.2万\n,没有编号,3\nx3,学习搭子,5\n".encode()
    at = open_page("admin", "ui/pages/admin_import.py")
    at.file_uploader(key="im_files").set_value(("mine.csv", csv, "text/csv")).run()
    assert "preset none detected" in "\n".join(t.value for t in at.text)
    at.selectbox(key="im_map_mine.csv_post_id").set_value("编号")
    at.selectbox(key="im_map_mine.csv_text").set_value("正文")
    at.selectbox(key="im_map_mine.csv_likes").set_value("点赞数").run()
    at.checkbox(key="im_skip").check()
    at.button(key="im_go").click().run()
    assert not at.exception, at.exception
    post = get_post(db, get_project(db), "x1")
    assert post["likes"] == 12000 and post["counts_approximate"]
    rejected = at.dataframe[-1].value
    assert list(rejected["row"]) == ["3"] and rejected["reason"].iloc[0] == "the id is empty"


def test_admin_unblinds_the_project(study, db):
    at = open_page("admin", "ui/pages/admin_progress.py")
    table = at.dataframe[0].value.set_index("coder")
    assert table.loc["alice", "coded"] == DOUBLE_CODED and table.loc["alice", "assigned"] == len(study.post_pks)
    at.button(key="ap_unblind").click().run()
    assert not get_project(db).blind


# --------------------------------------------------------------------------
# Staying signed in (the sign-in token)
# --------------------------------------------------------------------------

def test_signing_in_gives_the_browser_a_token_and_a_token_signs_in(study, db):
    from coding.session_tokens import check_token

    at = open_page(None)
    at.selectbox(key="signin_name").set_value("alice")
    at.text_input(key="signin_passcode").set_value("1111")
    at.button[0].click().run()
    token = at.session_state["dz_token"]
    assert check_token(db, token)[1].name == "alice"
    cookie = [h.value for h in at.html if "document.cookie" in h.value]  # the browser keeps it
    assert len(cookie) == 1 and token in cookie[0] and "SameSite=Strict" in cookie[0]
    again = AppTest.from_file(APP, default_timeout=90)  # a new session with only the token
    again.session_state["dz_token"] = token
    again.run()
    assert not again.exception and again.title[0].value == "Code 编码"
    set_passcode(db, get_project(db), "alice", "5555")  # a new passcode ends it
    again.run()
    assert again.title[0].value == "dazi 搭子" and "dz_token" not in again.session_state
    assert any("Your sign-in has ended" in i.value for i in again.info)


def test_signing_out_deletes_the_cookie(study):
    at = open_page("alice")
    at.sidebar.button(key="dz_sign_out").click().run()
    cookie = [h.value for h in at.html if "document.cookie" in h.value]
    assert len(cookie) == 1 and "max-age=0" in cookie[0]
    assert at.title[0].value == "dazi 搭子"
