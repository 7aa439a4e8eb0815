"""The app server killed (SIGKILL) while two coders are coding in real browsers.

alice and bob code with the keyboard, turn about, on one server; bob presses
Save & next and the server is killed at once, with no chance to clean up.
Afterwards every save a browser had confirmed (the next post was shown) is in
the database with the values keyed, the SQLite file passes ``PRAGMA
integrity_check``, and after a restart each coder is back at their first
uncoded post.

Without a browser, a process saving as fast as it can (four coder threads,
the way the server's sessions save) is killed in the middle of its writes,
on SQLite and PostgreSQL: every save it reported as returned is there, whole.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from coding.coders import get_coder
from coding.codings import codings_long, get_unit, next_uncoded
from dazi.db import connect
from dazi.projects import get_project
from tests.app_browser import (
    StreamlitServer,
    code_post,
    launch,
    pressed,
    ready_to_code,
    save_and_next,
    screenshot,
    sign_in,
)
from tests.app_helpers import PASSCODES, build_study
from tests.test_app_browser import KEYED

ROOT = Path(__file__).resolve().parent.parent



@pytest.mark.browser
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
            # a reload opens the post in the address, still signed in: the post each browser showed
            # (bob's is the post whose save was in flight: coded if it landed, his choices kept if not)
            expected = {"alice": resume["alice"], "bob": in_flight}
            for name, page in pages.items():
                page.reload()
                sign_in(page, None, name, PASSCODES[name])
                assert ready_to_code(page) == expected[name], name
            assert resume["alice"] == shown["alice"]  # alice's browser had shown her this post before the kill
            # bob's choices are still there (saved, or kept in his tab), and he saves again
            assert pressed(pages["bob"], "match_outcome") == ["seeking"]
            assert pressed(pages["bob"], "communication_channel") == ["comments"]
            moved, _ = save_and_next(pages["bob"])
            assert moved != in_flight
            screenshot(pages["alice"], "crash_after_restart")
            browser.close()
    finally:
        server.stop()


_SAVER = """
import sys, threading
from coding.assignments import assigned_post_pks
from coding.coders import get_coder
from coding.codings import save_coding
from dazi.db import connect
from dazi.projects import get_project
db = connect(sys.argv[1], migrate=False)
project = get_project(db)
out = threading.Lock()

def work(name, kind):
    coder = get_coder(db, project, name)
    for pk in assigned_post_pks(db, project, coder):
        save_coding(db, project, coder, pk, {"kind": kind, "outcome": "failure"}, memo=name * 50)
        with out:
            print(name, pk, flush=True)  # returned: the save is confirmed

threads = [threading.Thread(target=work, args=(f"c{i}", ["meal", "travel", "study"][i % 3])) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""


def test_a_process_killed_in_the_middle_of_saving_keeps_every_confirmed_save(db, db_url, project):
    from coding.assignments import assign
    from coding.codebook import Codebook
    from coding.codebook_store import save_codebook
    from coding.coders import add_coder
    from coding.codings import units_frame
    from corpus.sampling import draw_sample
    from tests.conftest import make_posts
    from tests.test_codings import SMALL_CODEBOOK

    make_posts(db, project, 400)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    names = [f"c{i}" for i in range(4)]
    for name in names:
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "all", size=390, seed=1)
    assign(db, project, "all", names, overlap=0, seed=1)
    db.close()

    saver = subprocess.Popen([sys.executable, "-c", _SAVER, db_url], stdout=subprocess.PIPE, text=True,
                             cwd=str(ROOT))
    confirmed: list[tuple[str, int]] = []
    deadline = time.monotonic() + 120
    while len(confirmed) < 60 and time.monotonic() < deadline:  # well into the run, saves in flight
        line = saver.stdout.readline()
        if not line:
            break
        name, pk = line.split()
        confirmed.append((name, int(pk)))
    saver.send_signal(signal.SIGKILL)
    rest = saver.stdout.read()  # what it printed before dying is confirmed too
    saver.wait()
    confirmed += [(n, int(p)) for n, p in (line.split() for line in rest.splitlines())]
    assert len(confirmed) >= 60 and saver.returncode == -signal.SIGKILL, (len(confirmed), saver.returncode)

    if db_url.startswith("postgresql"):
        integrity = "ok"
    else:
        con = sqlite3.connect(db_url)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
    assert integrity == "ok"
    db = connect(db_url)
    try:
        units = units_frame(db, project, None)
        done = {(r.coder, int(r.post_pk)) for r in units.itertuples() if r.done}
        assert set(confirmed) <= done
        # a save is whole: every unit that exists has its memo and both values
        values = codings_long(db, project, None)
        per_unit = values.groupby(["coder", "post_pk"]).variable.nunique()
        assert len(per_unit) == len(units) and set(per_unit) == {2}
        assert all(memo == coder * 50 for coder, memo in zip(units.coder, units.memo))
        print(json.dumps({"backend": db.dialect, "confirmed": len(confirmed), "in database": len(done)}))
    finally:
        db.close()
