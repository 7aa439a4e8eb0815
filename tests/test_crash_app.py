"""The app server killed (SIGKILL) while two coders are coding in real browsers.

alice and bob code with the keyboard, turn about, on one server; bob presses
Save & next and the server is killed at once, with no chance to clean up.
Afterwards every save a browser had confirmed (the next post was shown) is in
the database with the values keyed, the SQLite file passes ``PRAGMA
integrity_check``, and after a restart each coder is back at their first
uncoded post.
"""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import sync_playwright

from coding.coders import get_coder
from coding.codings import get_unit, next_uncoded
from dazi.db import connect
from dazi.projects import get_project
from tests.app_browser import (
    POST_KEYS,
    StreamlitServer,
    code_post,
    launch,
    ready_to_code,
    save_and_next,
    screenshot,
    sign_in,
)
from tests.app_helpers import PASSCODES, build_study
from tests.test_app_browser import KEYED

pytestmark = pytest.mark.browser


def test_killing_the_server_loses_no_confirmed_save(tmp_path):
    study = build_study(tmp_path / "study.db", plain_posts=8)
    server = StreamlitServer(study.path, tmp_path / "streamlit.log").start()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            pages = {}
            for name in ("alice", "bob"):
                pages[name] = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                sign_in(pages[name], server.url, name, PASSCODES[name])
            shown = {name: ready_to_code(page) for name, page in pages.items()}
            confirmed: dict[str, list[int]] = {"alice": [], "bob": []}
            for _ in range(3):
                for name, page in pages.items():
                    code_post(page)
                    pk = shown[name]
                    shown[name], _ = save_and_next(page)
                    assert shown[name] != pk
                    confirmed[name].append(pk)  # the next post is shown: the save is confirmed
            # bob saves once more and the server dies at once (this save may or may not land)
            code_post(pages["bob"])
            in_flight = shown["bob"]
            pages["bob"].keyboard.press("Control+Enter")
            server.process.kill()
            server.process.wait()
            screenshot(pages["bob"], "crash_after_kill")

            path = study.path
            con = sqlite3.connect(path)
            try:
                assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            finally:
                con.close()
            db = connect(path)
            try:
                project = get_project(db)
                resume = {}
                for name, pks in confirmed.items():
                    coder = get_coder(db, project, name)
                    for pk in pks:
                        unit = get_unit(db, project, coder, pk)
                        assert unit.done and {k: unit.values.get(k) for k in KEYED} == KEYED, (name, pk)
                    resume[name] = next_uncoded(db, project, coder)
                    assert resume[name] not in pks
                bob_last = get_unit(db, project, get_coder(db, project, "bob"), in_flight)
                # the in-flight save is all or nothing
                assert (bob_last.done and {k: bob_last.values.get(k) for k in KEYED} == KEYED) or not bob_last.values
                print(f"confirmed saves {sum(map(len, confirmed.values()))} all present; the save in flight at "
                      f"the kill {'landed' if bob_last.done else 'did not land'}; resume at {resume}")
            finally:
                db.close()

            server.start()
            for name, page in pages.items():
                page.reload()
                sign_in(page, server.url, name, PASSCODES[name])
                assert ready_to_code(page) == resume[name], name
            assert resume["alice"] == shown["alice"]  # alice's browser had shown her this post before the kill
            screenshot(pages["alice"], "crash_after_restart")
            browser.close()
    finally:
        server.stop()
