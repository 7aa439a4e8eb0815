"""Nothing gets in: a blind coder cannot read or change another coder's work; sign-in gives nothing away.

While the project is blind, alice (a coder) tries every way in to bob's
codings: every page of the app reached directly with session state pointing
at bob's posts, URL query parameters naming bob or his posts, and every
function of the core that reads or writes codings.  bob's memos carry
:data:`tests.app_helpers.BOB_SECRET`, so a page that leaked them would show
it.  Sign-in answers an unknown name and a wrong passcode with the same
message in about the same time, and repeated wrong passcodes are refused
for a growing wait.
"""

from __future__ import annotations

import shutil
import statistics
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from streamlit.testing.v1 import AppTest

from coding.adjudication import adjudicate, disagreements
from coding.assignments import assign
from coding.coders import authenticate, get_coder
from coding.codings import codings_long, get_unit, history, save_coding, undo_last, units_frame
from coding.project_reliability import project_codings
from corpus.sampling import draw_sample
from dazi.db import connect
from dazi.errors import AccessDenied
from dazi.projects import get_project
from dazi.schema import coding_events, login_attempts, posts
from tests.app_helpers import BOB_SECRET, PASSCODES, build_study, page_text, values
from tests.conftest import make_posts

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
#: Every page a signed-in person can be sent to (the sign-in page has no codings).
PAGES = sorted(p.name for p in (ROOT / "ui" / "pages").glob("*.py") if p.name != "signin.py")


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    """The app study plus one post assigned to bob only, which bob coded (memo with the secret)."""
    folder = tmp_path_factory.mktemp("access")
    study = build_study(folder / "study.db")
    db = connect(study.path)
    try:
        project = get_project(db)
        only_bob = max(make_posts(db, project, 1, platform="douyin", seed=7))  # (returns every post key)
        with db.write() as conn:
            conn.execute(update(posts).where(posts.c.id == only_bob).values(text="独享帖 for bob only"))
        draw_sample(db, project, "bob only", method="purposive", keywords=["独享帖"])
        assign(db, project, "bob only", ["bob"], overlap=0, seed=1)
        from coding.codebook_store import current_codebook

        book = current_codebook(db, project).codebook
        save_coding(db, project, get_coder(db, project, "bob"), only_bob, values(book, 1, coder="bob"),
                    memo=f"{BOB_SECRET} only")
    finally:
        db.close()
    return study, only_bob


@pytest.fixture
def study(_template, tmp_path, monkeypatch):
    template, only_bob = _template
    path = tmp_path / "study.db"
    shutil.copy(template.path, path)
    monkeypatch.setenv("DAZI_DATABASE_URL", str(path))
    return template.__class__(path, template.post_pks, template.double_coded, template.hostile_pk), only_bob


@pytest.fixture
def db(study):
    database = connect(study[0].path)
    yield database
    database.close()


def _value_events(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(coding_events)).scalar()


# --------------------------------------------------------------------------
# Pages and URLs
# --------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_blind_coder_another_coders_work(study, page):
    """Each page run directly as alice, its state aimed at bob's posts (as a crafted session would)."""
    _, only_bob = study  # (posts both coded: tests/test_app_pages.py, test_blind_coder_never_sees_...)
    at = AppTest.from_file(str(ROOT / "ui" / "pages" / page), default_timeout=90)
    state = {"dz_project": "default", "dz_coder": "alice", "ws_cursor": only_bob, "ws_status": "all",
             "adj_post": only_bob, "adj_all": True}
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    assert BOB_SECRET not in page_text(at), page
    assert at.session_state["dz_coder"] == "alice"


def test_a_post_assigned_to_someone_else_cannot_be_coded_from_the_workspace(study, db, panel):
    from tests.app_helpers import FILLED

    _, only_bob = study
    before = _value_events(db)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = "alice"
    at.run()
    at.switch_page("ui/pages/code.py").run()
    at.session_state["ws_cursor"] = only_bob
    at.run()
    assert BOB_SECRET not in page_text(at)
    panel.save(at, FILLED)
    assert not at.exception
    assert "is not assigned to 'alice'" in (panel.data["error"] or ""), panel.data["error"]
    assert _value_events(db) == before
    project = get_project(db)
    assert get_unit(db, project, get_coder(db, project, "bob"), only_bob).memo == f"{BOB_SECRET} only"


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"dz_coder": "bob", "dz_project": "default"}, id="session keys as query parameters"),
        pytest.param({"coder": "bob", "user": "admin", "role": "admin"}, id="another coder or role"),
        pytest.param({"page": "adjudicate", "post": "1", "ws_cursor": "1"}, id="a page and a post"),
    ],
)
@pytest.mark.parametrize("who", [pytest.param(None, id="signed out"), pytest.param("alice", id="alice")])
def test_query_parameters_change_nobody_and_open_nothing(study, who, params):
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    if who:
        at.session_state["dz_project"] = "default"
        at.session_state["dz_coder"] = who
    at.run()
    assert not at.exception
    assert at.session_state["dz_coder"] == who if who else "dz_coder" not in at.session_state
    text = page_text(at)
    assert BOB_SECRET not in text
    if who is None:
        assert at.title[0].value == "dazi 搭子" and "Passcode" in text  # still the sign-in page
    for page in ("ui/pages/adjudicate.py", "ui/pages/exports.py", "ui/pages/admin_coders.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


# --------------------------------------------------------------------------
# The core's functions (what the API, the CLI and the app call)
# --------------------------------------------------------------------------

def test_the_core_shows_a_blind_coder_only_their_own_work(study, db):
    (template, only_bob) = study
    project = get_project(db)
    alice, bob = get_coder(db, project, "alice"), get_coder(db, project, "bob")
    assert set(codings_long(db, project, alice).coder) == {"alice"}
    assert codings_long(db, project, alice, coder="bob").empty
    assert set(units_frame(db, project, alice).coder) == {"alice"}
    assert set(history(db, project, alice).coder) == {"alice"}
    assert history(db, project, alice, coder="bob", post_pk=only_bob).empty
    assert set(project_codings(db, project, alice).coder) <= {"alice"}
    for pk in (only_bob, template.double_coded[0]):
        with pytest.raises(AccessDenied, match="while the project is blind"):
            get_unit(db, project, alice, pk, coder=bob)
    with pytest.raises(AccessDenied, match="is blind"):
        disagreements(db, project, alice)
    # the trusted view (viewer None, the project owner's CLI) and bob himself do see it
    assert f"{BOB_SECRET} only" in set(units_frame(db, project, None).memo)
    assert get_unit(db, project, bob, only_bob).memo == f"{BOB_SECRET} only"


def test_the_core_lets_no_coder_change_another_coders_work(study, db):
    (template, only_bob) = study
    project = get_project(db)
    alice, bob = get_coder(db, project, "alice"), get_coder(db, project, "bob")
    before = _value_events(db)
    saved = get_unit(db, project, bob, only_bob)
    with pytest.raises(AccessDenied, match="not assigned to 'alice'"):
        save_coding(db, project, alice, only_bob, {"companion_type": "other"}, done=False)
    with pytest.raises(AccessDenied, match="not assigned to 'alice'"):
        undo_last(db, project, alice, only_bob)
    with pytest.raises(AccessDenied):
        adjudicate(db, project, alice, template.double_coded[0], "companion_type", "other", "I say so")
    assert _value_events(db) == before
    assert get_unit(db, project, bob, only_bob) == saved


# --------------------------------------------------------------------------
# Sign-in
# --------------------------------------------------------------------------

def _attempt(db, project, name: str, passcode: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        authenticate(db, project, name, passcode)
    except AccessDenied as exc:
        return exc.describe(), time.perf_counter() - start
    return "signed in", time.perf_counter() - start


def _age_attempts(db, delta: timedelta) -> None:
    """Move every recorded sign-in attempt ``delta`` into the past (time passing, without waiting)."""
    with db.write() as conn:
        for row in conn.execute(select(login_attempts.c.id, login_attempts.c.at)).all():
            conn.execute(update(login_attempts).where(login_attempts.c.id == row.id).values(at=row.at - delta))


def test_unknown_name_and_wrong_passcode_look_the_same(study, db):
    project = get_project(db)
    timings: dict[str, list[float]] = {"unknown name": [], "wrong passcode": []}
    messages = set()
    for _ in range(3):  # three each, below the slow-down threshold, interleaved (the machine's load varies)
        for label, name in (("unknown name", "mallory"), ("wrong passcode", "alice")):
            message, seconds = _attempt(db, project, name, "9999")
            messages.add(message)
            timings[label].append(seconds)
    assert messages == {"Wrong coder name or passcode.\nAsk the project's admin if you forgot your passcode."}
    unknown, wrong = (statistics.median(t) for t in timings.values())
    # both pay for one scrypt hash (about 40 ms on a quiet machine: 37 vs 39 ms); the wrong passcode also
    # records the attempt (a committed write), which a loaded machine makes slower. Skipping the hash for
    # an unknown name would make it 40x faster.
    assert 0.33 < wrong / unknown < 3.0, timings
    print(f"sign-in refusal, median of 3: unknown name {unknown * 1e3:.0f} ms, wrong passcode {wrong * 1e3:.0f} ms")


def test_repeated_wrong_passcodes_slow_down(study, db):
    project = get_project(db)
    for _ in range(3):
        assert _attempt(db, project, "alice", "9999")[0].startswith("Wrong coder name or passcode.")
    waits = []
    for _ in range(3):
        message, _ = _attempt(db, project, "alice", PASSCODES["alice"])  # even the right passcode waits
        assert message.startswith("Too many wrong passcodes for this name."), message
        waits.append(int(message.split("Wait ")[1].split()[0]))
        # time passes: move every attempt back beyond the wait, then fail once more
        _age_attempts(db, timedelta(seconds=waits[-1]))
        assert _attempt(db, project, "alice", "9999")[0].startswith("Wrong coder name or passcode.")
    assert waits == sorted(waits) and waits[-1] > waits[0], waits  # the wait grows: 2, 4, 8 s
    _age_attempts(db, timedelta(minutes=16))
    assert _attempt(db, project, "alice", PASSCODES["alice"])[0] == "signed in"


def test_the_sign_in_page_slows_down_repeated_wrong_passcodes(study):
    at = AppTest.from_file(APP, default_timeout=90).run()
    errors = []
    for passcode in ("9999", "9998", "9997", PASSCODES["alice"]):
        at.selectbox(key="signin_name").set_value("alice")
        at.text_input(key="signin_passcode").set_value(passcode)
        at.button[0].click().run()
        errors.append(at.error[0].value if at.error else None)
    assert errors[:3] == ["Wrong coder name or passcode.\nAsk the project's admin if you forgot your passcode."] * 3
    assert errors[3].startswith("Too many wrong passcodes for this name.\nWait ")
    assert "dz_coder" not in at.session_state


def test_slowing_down_does_not_tell_which_names_exist(study, db):
    project = get_project(db)
    answers = {}
    for name in ("alice", "mallory"):
        for _ in range(4):
            answers[name] = _attempt(db, project, name, "9999")[0]
    assert answers["alice"] == answers["mallory"]
