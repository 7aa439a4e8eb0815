"""The Adjudicate page in a real browser across a server restart (SIGKILL): the tab stays at its post,
Next moves on from there (not back to the first post), a reload and the address keep the post, and a
"Record final value" pressed in the restarted server's first run is not recorded from values the
page no longer holds: it says so, and recording works when pressed again.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from coding.adjudication import disagreements
from dazi.db import connect
from dazi.projects import get_project
from tests.app_browser import StreamlitServer, launch, open_page, sign_in, wait_idle
from tests.conftest import copy_demo

pytestmark = pytest.mark.browser

SHOWN = "document.querySelector('.st-key-adj_post input')?.value || ''"


def _queue(path) -> list[str]:
    """The post ids of the open disagreements, in the page's order."""
    db = connect(path)
    try:
        ids: list[str] = []
        for item in disagreements(db, get_project(db), None):
            if item.post_id not in ids:
                ids.append(item.post_id)
        return ids
    finally:
        db.close()


def _adjudicated(path, post_id: str) -> int:
    db = connect(path)
    try:
        return sum(1 for d in disagreements(db, get_project(db), None, include_resolved=True)
                   if d.post_id == post_id and d.adjudication is not None)
    finally:
        db.close()


def _choose_first(page) -> str:
    """Pick the first code of the first open variable and write a rationale; its ``variable_pk`` key."""
    key = page.locator("[class*='st-key-adjgo_']").first.get_attribute("class")
    choice = next(c for c in key.split() if c.startswith("st-key-adjgo_"))[len("st-key-adjgo_"):]
    page.locator(f".st-key-adj_{choice}").get_by_text(re.compile(r"^1 · ")).first.click()  # radio or pills
    page.locator(f".st-key-adjr_{choice} input").fill("标题优先 (title first)")
    return choice


def _wait_shown(page, post_id: str) -> None:
    page.wait_for_function(f"({SHOWN}).startsWith({post_id!r})", timeout=60_000)
    wait_idle(page)


def test_a_restart_keeps_the_adjudicators_post_and_refuses_a_blind_record(demo_template, tmp_path):
    path = copy_demo(demo_template, tmp_path)
    queue = _queue(path)
    assert len(queue) >= 3
    server = StreamlitServer(path, tmp_path / "streamlit.log").start()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            sign_in(page, server.url, "carol", "3333")
            open_page(page, "Adjudicate")
            _wait_shown(page, queue[0])
            page.get_by_role("button", name="Next →").click()
            _wait_shown(page, queue[1])
            assert page.url.endswith(f"post={queue[1]}")

            server.kill()
            server.start()
            page.get_by_role("button", name="Next →").click()  # the restarted server's first run of this tab
            _wait_shown(page, queue[2])  # on from where the tab was, not back to the first post

            page.reload()
            _wait_shown(page, queue[2])  # the address keeps the post

            before = _adjudicated(path, queue[2])
            choice = _choose_first(page)  # the adjudicator picks a value, then the server dies
            server.kill()
            server.start()
            page.locator(f".st-key-adjgo_{choice} button").click()
            expect(page.get_by_text("The server restarted before this value was recorded")).to_be_visible(
                timeout=60_000)
            wait_idle(page)
            assert _adjudicated(path, queue[2]) == before  # nothing recorded from values the page lost
            _choose_first(page)  # as the page asks: check the value, press again
            page.locator(f".st-key-adjgo_{choice} button").click()
            page.get_by_text("Recorded the final value").first.wait_for(timeout=60_000)
            wait_idle(page)
            assert _adjudicated(path, queue[2]) == before + 1
            browser.close()
    finally:
        server.stop()
