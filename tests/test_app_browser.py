"""The app in a real browser: Playwright for Python driving Debian's Chromium against
``streamlit run app.py`` on a free local port (see ``tests/app_browser.py``).

Screenshots of every page land in ``tests/artifacts/`` (not committed), for
looking at what a run showed.  Save & next latencies are printed and written
to ``tests/artifacts/latency.txt``; the benchmark with a 100,000-post project
is ``benchmarks/bench_app.py``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from coding.coders import get_coder
from coding.codings import get_unit, next_uncoded
from dazi.db import connect
from dazi.projects import get_project
from tests.app_browser import (
    ARTIFACTS,
    StreamlitServer,
    code_post,
    distribution,
    launch,
    ready_to_code,
    save_and_next,
    screenshot,
    sign_in,
    wait_idle,
)
from tests.app_helpers import HOSTILE_TEXT, PASSCODES, build_study

pytestmark = pytest.mark.browser

#: What POST_KEYS code, in the cloud-companion codebook.
KEYED = {
    "companion_type": "study_work", "interest_category": "study", "communication_channel": ["comments"],
    "interaction_frequency": "daily", "emotional_connection": "functional_minimal", "self_presentation": ["none"],
    "seeking_markers": ["none"], "match_outcome": "seeking",
}


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def study_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser_study")
    study = build_study(folder / "study.db", plain_posts=20)
    server = StreamlitServer(study.path, folder / "streamlit.log").start()
    yield server, study
    server.stop()


def _new_page(browser, dialogs: list):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return context, page


def test_a_coder_codes_ten_posts_with_the_keyboard_and_a_restart_loses_nothing(browser, study_server):
    server, study = study_server
    dialogs: list[str] = []
    context, page = _new_page(browser, dialogs)
    sign_in(page, server.url, "alice", PASSCODES["alice"])
    coded, latencies = [], []
    pk = ready_to_code(page)
    screenshot(page, "code_first_post")
    for i in range(10):
        assert pk is not None and pk not in coded
        code_post(page)
        if i == 3:  # a memo typed and saved with the shortcut while the cursor is still in it
            page.locator(".st-key-ws_memo textarea").fill("备注：标题说的是学习搭子 🙂")
            page.locator(".st-key-ws_memo textarea").focus()
        coded.append(pk)
        pk, ms = save_and_next(page)
        latencies.append(ms)
        if i == 0:
            screenshot(page, "code_after_save")
    line = f"Save & next in the browser (study of {len(study.post_pks)} posts): {distribution(latencies)}"
    print(line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "latency.txt").write_text(line + "\n", encoding="utf-8")

    server.restart()
    db = connect(study.path)
    try:
        project = get_project(db)
        alice = get_coder(db, project, "alice")
        for done_pk in coded:
            unit = get_unit(db, project, alice, done_pk)
            assert unit.done and {k: unit.values.get(k) for k in KEYED} == KEYED, done_pk
        assert get_unit(db, project, alice, coded[3]).memo == "备注：标题说的是学习搭子 🙂"
        resume = next_uncoded(db, project, alice)
    finally:
        db.close()
    page.reload()
    sign_in(page, server.url, "alice", PASSCODES["alice"])
    assert ready_to_code(page) == resume
    assert f"{len(study.double_coded) + 10} of {len(study.post_pks)} coded" in page.get_by_test_id("stProgress").inner_text()
    screenshot(page, "code_after_restart")
    assert not dialogs
    context.close()


def test_post_text_shows_literally_in_the_browser(browser, study_server):
    server, study = study_server
    dialogs: list[str] = []
    context, page = _new_page(browser, dialogs)
    sign_in(page, server.url, "bob", PASSCODES["bob"])
    ready_to_code(page)
    page.locator(".st-key-ws_text input").fill("script")
    page.keyboard.press("Enter")
    page.wait_for_selector(f".dz-post[data-post='{study.hostile_pk}']", timeout=60_000)
    wait_idle(page)
    text = page.locator(".dz-text").inner_text()
    assert text == HOSTILE_TEXT
    assert page.locator(".dz-title").inner_text() == "<b>标题</b> **title**"
    assert page.locator(".dz-post img").count() == 0 and page.locator(".dz-post script").count() == 0
    assert page.locator(".dz-post strong, .dz-post a").count() == 0
    assert "".join(page.locator(".dz-text mark.dz-hashtag").all_inner_texts()) == "#饭搭子[话题]#"
    screenshot(page, "code_hostile_post")
    assert not dialogs  # no alert() ran
    context.close()
