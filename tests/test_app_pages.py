"""Every page of the app, for every role, driven by streamlit.testing.v1.AppTest.

The study (``tests/app_helpers.py``) is built once per module and copied for
each test, so a test may write to it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from coding.coders import get_coder
from coding.codings import get_unit, history
from dazi.db import connect
from dazi.projects import get_project
from tests.app_helpers import BOB_SECRET, DOUBLE_CODED, build_study, page_text, values

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
    at.switch_page("pages/code.py").run()
    assert not at.exception and at.title[0].value == "Code 编码"


def test_signing_out_forgets_the_coder(study):
    at = open_page("alice")  # the default page (AppTest drops the sidebar after switch_page)
    assert at.title[0].value == "Code 编码"
    at.sidebar.button(key="dz_sign_out").click().run()
    assert "dz_coder" not in at.session_state
    assert at.title[0].value == "dazi 搭子"


def test_a_removed_coder_is_signed_out(study, db):
    from coding.coders import remove_coder

    at = open_page("alice", "pages/code.py")
    remove_coder(db, get_project(db), "alice")
    at.run()
    assert "dz_coder" not in at.session_state


@pytest.mark.parametrize(
    "who, page",
    [
        pytest.param("alice", "pages/admin_coders.py", id="coder cannot open an admin page"),
        pytest.param("alice", "pages/adjudicate.py", id="coder cannot adjudicate"),
        pytest.param("alice", "pages/reliability.py", id="coder sees no results while blind"),
        pytest.param("alice", "pages/exports.py", id="coder cannot export while blind"),
        pytest.param("carol", "pages/admin_import.py", id="adjudicator cannot import"),
        pytest.param(None, "pages/code.py", id="signed out sees only sign-in"),
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
    at = AppTest.from_file(str(Path(APP).parent / "pages" / page), default_timeout=90)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = who
    at.run()
    assert not at.exception
    assert any(message in e.value for e in [*at.error, *at.info]), [*at.error, *at.info]
    assert BOB_SECRET not in page_text(at)


# --------------------------------------------------------------------------
# The coding workspace
# --------------------------------------------------------------------------

def test_workspace_resumes_at_the_first_uncoded_post(study, db):
    from coding.codings import next_uncoded

    at = open_page("alice", "pages/code.py")
    first = next_uncoded(db, get_project(db), _coder(db, "alice"))
    assert at.session_state["ws_cursor"] == first
    assert at.radio(key="dzv_companion_type").value is None
    assert _progress(at).startswith(f"{DOUBLE_CODED} of {len(study.post_pks)} coded")


def test_blind_coder_never_sees_another_coders_values(study, db):
    """alice opens every post bob coded: her page shows her values, never bob's memo or values."""
    project = get_project(db)
    alice = _coder(db, "alice")
    book = __import__("coding.codebook_store", fromlist=["x"]).current_codebook(db, project).codebook
    for i, pk in enumerate(study.double_coded):
        at = open_page("alice", "pages/code.py", ws_cursor=pk)
        text = page_text(at)
        assert BOB_SECRET not in text
        mine = get_unit(db, project, alice, pk).values
        assert at.radio(key="dzv_companion_type").value == mine["companion_type"] == values(book, i, coder="alice")["companion_type"]
        assert at.button_group(key="dzv_communication_channel").value == mine["communication_channel"]
        assert at.text_area(key="ws_memo").value == ""
    at = open_page("alice", "pages/my_work.py")
    assert BOB_SECRET not in page_text(at)


def _fill(at, outcome: str = "seeking") -> None:
    for name in ("companion_type", "interest_category", "interaction_frequency", "emotional_connection"):
        radio = at.radio(key=f"dzv_{name}")
        radio.set_value(radio.options[1])
    for name, code in (("communication_channel", "comments"), ("self_presentation", "none"), ("seeking_markers", "city")):
        at.button_group(key=f"dzv_{name}").set_value([code])
    at.radio(key="dzv_match_outcome").set_value(outcome)
    at.run()


def test_save_and_next_commits_and_moves_on(study, db):
    at = open_page("alice", "pages/code.py")
    pk = at.session_state["ws_cursor"]
    _fill(at)
    at.text_area(key="ws_memo").set_value("title says 饭搭子 <b>")
    at.checkbox(key="ws_uncertain").check()
    at.button(key="ws_save").click().run()
    assert not at.exception and not at.error
    project = get_project(db)
    unit = get_unit(db, project, _coder(db, "alice"), pk)
    assert unit.done and unit.uncertain and unit.memo == "title says 饭搭子 <b>"
    assert unit.values["communication_channel"] == ["comments"] and unit.values["match_outcome"] == "seeking"
    assert at.session_state["ws_cursor"] != pk
    assert _progress(at).startswith(f"{DOUBLE_CODED + 1} of {len(study.post_pks)} coded")


def _value_events(db, pk) -> int:
    frame = history(db, get_project(db), None, post_pk=pk)
    return int((frame["field"] == "value").sum())


def test_saving_the_same_values_again_writes_no_value(study, db):
    at = open_page("alice", "pages/code.py")
    pk = at.session_state["ws_cursor"]
    _fill(at)
    at.button(key="ws_save").click().run()
    events = _value_events(db, pk)
    assert events == 8
    at.session_state["ws_cursor"] = pk  # back to the post: the saved values are shown again
    at.run()
    assert at.radio(key="dzv_match_outcome").value == "seeking"
    at.button(key="ws_save").click().run()
    assert _value_events(db, pk) == events


def test_a_click_for_a_post_no_longer_shown_writes_nothing(study, db):
    """A double click's second click arrives after the first moved on: it must not save the old post."""
    at = open_page("alice", "pages/code.py")
    pk = at.session_state["ws_cursor"]
    _fill(at)
    at.radio(key="dzv_companion_type").set_value("other")
    at.session_state["ws_cursor"] = study.double_coded[0]  # what the first click already showed
    at.button(key="ws_save").click().run()
    assert _value_events(db, pk) == 0
    assert not get_unit(db, get_project(db), _coder(db, "alice"), pk).done


def test_another_post_shows_its_own_saved_values(study, db):
    """One widget per variable shows post after post: each post must come up with its own saved coding."""
    at = open_page("alice", "pages/code.py", ws_status="all")
    at.session_state["ws_cursor"] = study.double_coded[0]
    at.run()
    saved = get_unit(db, get_project(db), _coder(db, "alice"), study.double_coded[0]).values
    assert at.radio(key="dzv_companion_type").value == saved["companion_type"]
    at.radio(key="dzv_companion_type").set_value("other").run()  # changed, not saved
    at.text_area(key="ws_memo").set_value("draft memo")
    at.button(key="ws_skip").click().run()
    shown = at.session_state["ws_cursor"]
    expected = get_unit(db, get_project(db), _coder(db, "alice"), shown).values
    assert at.radio(key="dzv_companion_type").value == expected.get("companion_type")
    assert at.text_area(key="ws_memo").value == ""
    at.button(key="ws_prev").click().run()
    assert at.session_state["ws_cursor"] == study.double_coded[0]
    assert at.radio(key="dzv_companion_type").value == saved["companion_type"]


def test_required_values_missing_keeps_the_post(study, db):
    at = open_page("alice", "pages/code.py")
    pk = at.session_state["ws_cursor"]
    at.button(key="ws_save").click().run()
    assert "required variable(s) not coded" in at.error[0].value
    assert at.session_state["ws_cursor"] == pk
    assert not get_unit(db, get_project(db), _coder(db, "alice"), pk).done


def test_conditional_variables_appear_only_when_their_condition_holds(study, db):
    at = open_page("alice", "pages/code.py")
    pk = at.session_state["ws_cursor"]
    _fill(at, outcome="success")
    assert "dzv_relationship_duration" in [n.key for n in at.number_input]
    at.number_input(key="dzv_relationship_duration").set_value(4.0)
    at.radio(key="dzv_repeat_companion").set_value("no").run()
    at.radio(key="dzv_match_outcome").set_value("failure").run()
    assert "dzv_relationship_duration" not in [n.key for n in at.number_input]
    assert "dzv_repeat_companion" not in [r.key for r in at.radio]
    at.button(key="ws_save").click().run()
    saved = get_unit(db, get_project(db), _coder(db, "alice"), pk).values
    assert saved["match_outcome"] == "failure"
    assert saved.get("relationship_duration") is None and saved.get("repeat_companion") is None


def test_previous_skip_and_filters_move_by_key(study, db):
    from coding.assignments import assigned_post_pks

    order = assigned_post_pks(db, get_project(db), _coder(db, "alice"))
    uncoded = [pk for pk in order if pk not in study.double_coded]
    coded = [pk for pk in order if pk in study.double_coded]
    at = open_page("alice", "pages/code.py")
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


def test_save_and_next_goes_to_the_next_uncoded_post(study, db):
    from coding.assignments import assigned_post_pks

    order = assigned_post_pks(db, get_project(db), _coder(db, "alice"))
    uncoded = [pk for pk in order if pk not in study.double_coded]
    at = open_page("alice", "pages/code.py")
    _fill(at)
    at.button(key="ws_save").click().run()
    assert at.session_state["ws_cursor"] == uncoded[1]
    at.button(key="ws_prev").click().run()  # back to the post just saved, with its values
    assert at.session_state["ws_cursor"] == uncoded[0]
    assert at.radio(key="dzv_match_outcome").value == "seeking"


def test_post_text_is_shown_literally(study):
    at = open_page("alice", "pages/code.py", ws_cursor=study.hostile_pk)
    card = next(h.value for h in at.html if h.value.startswith("<div class=\"dz-post\""))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in card
    assert "**bold**" in card and "[link](http://x)" in card and ":red[red]" in card
    assert "<script" not in card and "<img" not in card and "&lt;b&gt;标题&lt;/b&gt;" in card
    assert 'class="dz-hashtag"' in card and 'class="dz-mention"' in card and "dz-keyword" in card
    assert "🍜" in card


def test_keyword_suggestions_are_shown_not_coded(study, db):
    at = open_page("alice", "pages/code.py", ws_cursor=study.hostile_pk)
    hints = [h.value for h in at.html if "dz-hint" in h.value]
    assert any("Activity-based" in h and "饭搭子" in h for h in hints)
    assert at.radio(key="dzv_companion_type").value is None
    assert get_unit(db, get_project(db), _coder(db, "alice"), study.hostile_pk).values == {}
