"""A coder's day on the Code page, in Chromium, written from issue 14's words and the screen.

An independent acceptance test: alice, a coder of the demo project (``dazi demo``; the
README names her passcode), opens the app, signs in with the form, codes posts with the
mouse (every click must take at once: a click is counted as lost when the code does not
show as chosen, and the test never clicks twice), saves with *Save & next* and checks
that the next post's id line, its first variable and the button are in view below the
header bar, codes one post with the keys the page documents, checks each save in the
database through the Python API (and the counts through ``dazi progress``), reloads,
opens bookmarks, survives a SIGKILL of the server with the tab open, and reads the
Posts page's filters.  The sidebar never lists internal files; no "1 comments".

Screenshots go to a temporary folder (``DAZI_JOURNEY_SHOTS`` names another); every wait
is on a state of the page, never a fixed sleep.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

from coding.codebook_store import current_codebook
from coding.coders import get_coder
from coding.codings import get_unit
from corpus.store import get_post
from dazi.db import connect
from dazi.demo import DEMO_CODERS, build_demo
from dazi.projects import get_project
from tests.app_browser import IDLE, StreamlitServer, launch

pytestmark = pytest.mark.browser

CODER = "alice"
PASSCODE = DEMO_CODERS[CODER][1]
#: What a coder's sidebar may offer (the Code page's role navigation), nothing else.
CODER_PAGES = {"Code", "My work", "Posts"}
INTERNAL = re.compile(r"\b(common|app|admin\w*|signin|sign_in|code\.py|__init__)\b", re.I)
VIEW = {"width": 1400, "height": 900}


class Journey:
    """The coder's tab plus what the journey counts and checks on the way."""

    def __init__(self, page, server, db, shots: Path):
        self.page = page
        self.server = server
        self.db = db
        self.project = get_project(db, "default")
        self.coder = get_coder(db, self.project, CODER)
        self.book = current_codebook(db, self.project).codebook
        self.shots = shots
        self.clicks = 0
        self.lost: list[str] = []
        self.jumps: list[str] = []
        self.defects: list[str] = []  # seen on the way; the journey goes on and fails at the end
        self.step = "start"
        self.saved: dict[str, dict] = {}
        self.ids_by_label = {v.id: {c.label["en"]: c.id for c in v.all_codes()} for v in self.book.variables}

    # -- looking -------------------------------------------------------------------------
    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def idle(self, page=None) -> None:
        page = page or self.page
        page.wait_for_selector(f"{IDLE}[data-test-connection-state='CONNECTED']", timeout=60_000)

    def post_in_address(self, page=None) -> str:
        match = re.search(r"[?&]post=([^&#]+)", (page or self.page).url)
        assert match, f"the address {(page or self.page).url} names no post"
        return match.group(1)

    def card(self, page=None):
        return (page or self.page).locator(".dz-post")

    def check_sidebar(self, page=None, *, signed_in: bool = True) -> None:
        page = page or self.page
        if page.get_by_text("Page not found", exact=True).count():
            # recorded, the journey goes on (the page under the dialog may still serve); fails at the end
            page.screenshot(path=str(self.shots / f"page_not_found_{len(self.defects)}.png"))
            self.defects.append(f"'Page not found' at {page.url} ({self.step})")
        sidebar = page.get_by_test_id("stSidebar")
        text = " ".join(sidebar.all_inner_texts())
        links = {t.strip() for t in page.get_by_test_id("stSidebarNavLink").all_inner_texts()}
        links = {re.sub(r"^\S+\s+", "", t) if t and not t[0].isalnum() else t for t in links}
        assert not INTERNAL.search(" ".join(links)), f"the sidebar lists internal files: {links}"
        if signed_in:
            assert f"{CODER} (coder)" in text, f"not signed in as {CODER}: sidebar {text!r}"
            assert links == CODER_PAGES, f"a coder's sidebar offers {links}, expected {CODER_PAGES}"
        else:
            assert not links, f"before signing in the sidebar lists {links}"

    def in_view(self, locator, what: str) -> None:
        """``locator`` lies wholly in the viewport, below the app's header bar."""
        header = self.page.get_by_test_id("stHeader").bounding_box()
        top = header["y"] + header["height"] if header else 0
        try:
            self.page.wait_for_function(
                """([el, top, height]) => { const r = el.getBoundingClientRect();
                      return r.height > 0 && r.top >= top - 1 && r.bottom <= height + 1; }""",
                arg=[locator.element_handle(), top, VIEW["height"]], timeout=3000)
        except PlaywrightTimeout:
            box = locator.bounding_box()
            path = self.shot(f"not_in_view_{len(self.saved)}")
            raise AssertionError(f"{what} is not in view below the header (header bottom {top}, box {box}); "
                                 f"see {path}") from None

    # -- coding with the mouse -------------------------------------------------------------
    def group(self, variable: str):
        return self.page.locator(f".dzc-var[data-var='{variable}']")

    def code_button(self, variable: str, label: str):
        # (a "/" in a label would end Playwright's /regex/ early)
        name = re.compile(rf"^\d+ · {re.escape(label)}$".replace("/", r"\/"))
        return self.group(variable).get_by_role("button", name=name)

    def mouse_click(self, locator, what: str) -> None:
        """One press and release of the mouse in the middle of ``locator``, scrolled to the middle
        of its scroll box first (as a coder scrolls to it with the wheel).  The code must be what
        the mouse is over (not covered by the Save bar or the header), and must not move between
        the press and the release (the page jumping under the mouse loses the click)."""
        state = self.page.evaluate("""() => [document.querySelectorAll('.dzc').length,
            document.querySelector('[data-testid=stApp]').dataset.testScriptState]""")
        if state[0] > 1:  # a coder would see two panels (the stale one of a run in progress, faded)
            path = self.shot(f"two_panels_{self.clicks}")
            raise AssertionError(f"{state[0]} codes panels on the page ({state[1]}) when clicking {what}; see {path}")
        locator.evaluate("e => e.scrollIntoView({block: 'center'})")
        box = locator.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        covered = locator.evaluate(
            """(e, [x, y]) => { const t = document.elementFromPoint(x, y);
                 return t && (e === t || e.contains(t)) ? null : (t ? t.outerHTML.slice(0, 80) : 'nothing'); }""",
            [x, y])
        assert covered is None, f"{what}: the mouse over its middle is over {covered}"
        self.page.mouse.move(x, y)
        self.page.mouse.down()
        moved = locator.bounding_box()
        self.page.mouse.up()
        self.clicks += 1
        if moved is None or abs(moved["y"] - box["y"]) > 2 or abs(moved["x"] - box["x"]) > 2:
            self.jumps.append(f"{what}: moved from {box} to {moved} under the mouse")

    def choose(self, variable: str, label: str) -> None:
        """Click a code once; it must show as chosen at once (else the click was lost)."""
        button = self.code_button(variable, label)
        self.mouse_click(button, f"{variable}={label}")
        try:
            expect(button).to_have_attribute("aria-pressed", "true", timeout=1500)
        except AssertionError:
            self.lost.append(f"post {self.post_in_address()}: {variable} = {label}")

    def labels(self, variable: str) -> list[str]:
        """The code labels a coder sees for ``variable``, in order (without the key numbers)."""
        texts = self.group(variable).get_by_role("button").all_inner_texts()
        return [re.sub(r"^\d+ · ", "", t.strip()) for t in texts if re.match(r"^\d+ · ", t.strip())]

    def code_with_mouse(self, n: int, chosen: dict | None = None) -> dict:
        """Code the shown post with the mouse, choices varying with ``n``; returns what was chosen
        (code ids, as the database should hold them).  Variables in ``chosen`` are coded already."""
        chosen = dict(chosen or {})
        for v in self.book.variables:
            if v.conditions() or v.id in chosen:
                continue  # shown only after match_outcome is success (coded below)
            labels = self.labels(v.id)
            assert labels, f"no codes shown for {v.id}"
            plain = [lab for lab in labels if not next(c for c in v.all_codes() if c.label["en"] == lab).missing]
            if v.type == "multi":
                picks = [plain[n % len(plain)], plain[(n + 2) % len(plain)]]
                for label in picks:
                    self.choose(v.id, label)
                shown = self.group(v.id).locator("[aria-pressed='true']").all_inner_texts()
                if len(shown) != 2:
                    path = self.shot(f"multi_lost_{self.clicks}")
                    raise AssertionError(f"{v.id}: two codes clicked, {shown} show as chosen; lost {self.lost}; "
                                         f"jumps {self.jumps}; see {path}")
                chosen[v.id] = sorted(self.ids_by_label[v.id][lab] for lab in picks)
            elif v.id == "match_outcome":
                label = "Success" if n % 3 == 0 else "Seeking or ongoing"
                self.choose(v.id, label)
                chosen[v.id] = self.ids_by_label[v.id][label]
            else:
                label = plain[(n * 3 + len(chosen)) % len(plain)]
                self.choose(v.id, label)
                chosen[v.id] = self.ids_by_label[v.id][label]
        if chosen["match_outcome"] == "success":
            box = self.group("relationship_duration").locator("input")
            self.mouse_click(box, "relationship_duration box")
            self.page.keyboard.type("2.5")
            expect(box).to_have_value("2.5", timeout=1500)
            chosen["relationship_duration"] = 2.5
            self.choose("repeat_companion", "Yes")
            chosen["repeat_companion"] = "yes"
        return chosen

    # -- saving -------------------------------------------------------------------------------
    def save_and_next(self, chosen: dict, *, keyboard: bool = False) -> str:
        """Save & next (the button with the mouse, or Ctrl+Enter); checks the database holds
        ``chosen`` for the post that was shown and that the next post opens in view."""
        post_id = self.post_in_address()
        if keyboard:
            self.page.keyboard.press("Control+Enter")
        else:
            self.mouse_click(self.page.get_by_role("button", name="Save & next"), "Save & next")
        expect(self.page).not_to_have_url(re.compile(rf"post={re.escape(post_id)}\b"), timeout=30_000)
        self.idle()
        new_id = self.post_in_address()
        id_line = self.card().get_by_text(new_id)
        expect(id_line).to_be_visible()
        assert not re.search(r"\b1 comments\b", self.page.get_by_test_id("stMain").inner_text()), "'1 comments'"
        first = self.book.variables[0].label["en"]
        self.in_view(id_line, f"the post id line of {new_id}")
        self.in_view(self.page.locator(".dzc-label").filter(has_text=re.compile(rf"^{first}$")),
                     f"the first variable ({first}) of {new_id}")
        self.in_view(self.page.get_by_role("button", name="Save & next"), "Save & next")
        for toast in self.page.get_by_test_id("stToast").all_inner_texts():
            assert not re.search(r"#\d+", toast), f"a toast names an internal number: {toast!r}"
        self.check_saved(post_id, chosen)
        self.shot(f"saved_{len(self.saved):02d}")
        return new_id

    def check_saved(self, post_id: str, chosen: dict) -> None:
        pk = get_post(self.db, self.project, post_id)["pk"]
        unit = get_unit(self.db, self.project, self.coder, pk)
        stored = {k: (sorted(v) if isinstance(v, list) else v) for k, v in unit.values.items()}
        for variable, value in chosen.items():
            got = stored.get(variable)
            if isinstance(value, float):
                assert got is not None and float(got) == value, \
                    f"post {post_id}: {variable} saved {got!r}, chose {value}"
            else:
                assert got == value, f"post {post_id}: {variable} saved {got!r}, chose {value!r}"
        assert unit.done, f"post {post_id} is not marked coded in the database"
        self.saved[post_id] = chosen


def _dazi(*args: str, db: Path) -> subprocess.Popen:
    """``dazi --db DB ARGS...`` started (its output is read with :func:`_output`)."""
    return subprocess.Popen([sys.executable, "-m", "dazi", "--db", str(db), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _output(run: subprocess.Popen) -> str:
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    return out


def _coded(progress: str) -> int:
    line = next(line for line in progress.splitlines() if line.startswith(CODER + " "))
    return int(line.split()[2])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("journey")
    path = folder / "demo.db"
    build_demo(connect(str(path)))
    server = StreamlitServer(path, folder / "streamlit.log").start()
    yield server, path
    server.stop()


def sign_in_with_form(page, journey: Journey, shot: Path | None = None) -> None:
    name = page.get_by_test_id("stSelectbox").filter(has_text="Your name")
    expect(name).to_be_visible(timeout=60_000)
    journey.check_sidebar(page, signed_in=False)
    if shot is not None:
        page.screenshot(path=str(shot))
    name.click()
    page.get_by_role("option", name=CODER, exact=True).click()
    page.get_by_label("Passcode").fill(PASSCODE)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"{CODER} (coder)", timeout=60_000)
    journey.idle(page)
    journey.check_sidebar(page)


def test_a_coders_day_on_the_code_page(demo):
    server, path = demo
    shots = Path(os.environ.get("DAZI_JOURNEY_SHOTS") or path.parent / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    db = connect(str(path))
    progress_at_start = _dazi("progress", db=path)  # runs while the browser starts
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport=VIEW)
        page = context.new_page()
        j = Journey(page, server, db, shots)
        coded_at_start = _coded(_output(progress_at_start))

        # 1. open the app, sign in with name and passcode: the Code page with a post
        page.goto(server.url)
        j.shot("01_sign_in")
        sign_in_with_form(page, j)
        expect(j.card()).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("^Code"))).to_be_visible()
        j.check_sidebar()
        first_post = j.post_in_address()
        expect(j.card()).to_contain_text(first_post)
        j.shot("02_code_page")
        assert "Deploy" not in " ".join(page.get_by_test_id("stToolbar").all_inner_texts())

        # 2. code posts with the mouse, Save & next with the mouse, the database holds each
        j.step = "step 2"
        for n in range(5):
            chosen = j.code_with_mouse(n)
            if n == 0:
                j.shot("03_coded_with_mouse")
            j.save_and_next(chosen)
        j.check_sidebar()

        # 3. the keys the page documents
        j.step = "step 3"
        page.get_by_text("Keyboard", exact=True).click()
        keyboard_box = page.get_by_test_id("stExpander").filter(has=page.get_by_text("Keyboard", exact=True))
        expect(keyboard_box).to_have_count(1)
        keys = keyboard_box.inner_text()
        assert "Ctrl+Enter" in keys and "1-9" in keys and "Enter" in keys, keys
        j.shot("04_keyboard_help")
        j.card().click(position={"x": 4, "y": 4})  # focus off the Keyboard box (Enter would fold it)
        keyed = {"companion_type": "activity_based", "interest_category": "fitness",
                 "communication_channel": ["comments"], "interaction_frequency": "daily",
                 "emotional_connection": "functional_minimal", "self_presentation": ["interests"],
                 "seeking_markers": ["explicit_seeking"], "match_outcome": "seeking"}
        presses = [("1", "companion_type", "activity_based"), ("2", "interest_category", "fitness"),
                   ("2", "communication_channel", "comments"), ("Enter", None, None),
                   ("1", "interaction_frequency", "daily"), ("1", "emotional_connection", "functional_minimal"),
                   ("1", "self_presentation", "interests"), ("Enter", None, None),
                   ("1", "seeking_markers", "explicit_seeking"), ("Enter", None, None),
                   ("3", "match_outcome", "seeking")]
        for key, variable, code in presses:
            page.keyboard.press(key)
            if variable is not None:
                label = next(c.label["en"] for c in j.book.variable(variable).all_codes() if c.id == code)
                try:
                    expect(j.code_button(variable, label)).to_have_attribute("aria-pressed", "true", timeout=1500)
                except AssertionError:
                    j.lost.append(f"key {key} for {variable}={code} on post {j.post_in_address()}")
        j.shot("05_coded_with_keys")
        j.save_and_next(keyed, keyboard=True)

        # 4. reload: still signed in, on the same post
        j.step = "step 4"
        here = j.post_in_address()
        page.reload()
        j.idle()
        j.check_sidebar()
        assert j.post_in_address() == here
        expect(j.card()).to_contain_text(here)
        j.shot("06_after_reload")

        # 5. a bookmark of the Code page (its own address, /code) in a new tab, and in a browser
        j.step = "step 5"
        #    not signed in (a new session: the sign-in form there, no files listed, then the post)
        bookmark = f"{server.url}/code?post={here}"
        j.step = f"step 5, a new tab on {bookmark}"
        tab = context.new_page()
        tab.goto(bookmark)
        j.idle(tab)
        expect(j.card(tab)).to_contain_text(here)
        tab.screenshot(path=str(shots / "07_bookmark_new_tab.png"))
        j.check_sidebar(tab)
        tab.goto(f"{server.url}/my_work")  # another page's bookmark
        j.step = "step 5, a new tab on /my_work"
        j.idle(tab)
        expect(tab.get_by_role("heading", name=re.compile("^My work"))).to_be_visible()
        j.check_sidebar(tab)
        tab.close()
        stranger = browser.new_context(viewport=VIEW)
        other = stranger.new_page()
        other.goto(bookmark)
        j.step = f"step 5, a browser not signed in on {bookmark}"
        sign_in_with_form(other, j, shot=shots / "08_bookmark_signed_out.png")
        j.check_sidebar(other)
        expect(j.card(other)).to_contain_text(here)
        stranger.close()

        # 6. SIGKILL with the tab open and a code chosen but not saved; restart on the same port
        j.step = "step 6"
        n = 5
        plain = j.labels("companion_type")
        pending = plain[n % 3]
        j.choose("companion_type", pending)
        server.kill()
        expect(page.locator("[data-testid='stApp']")).not_to_have_attribute(
            "data-test-connection-state", "CONNECTED", timeout=30_000)
        j.shot("09_server_killed")
        port = server.port
        server.start()
        assert server.port == port
        page.wait_for_function(
            """() => !!document.querySelector('.dz-post')
                  || /sign in/i.test((document.querySelector('[data-testid=stMain]') || {}).innerText || '')""",
            timeout=60_000)
        j.idle()
        j.shot("10_after_restart")
        if not j.card().is_visible():  # taken to the sign-in form: it must say why, then the same post
            main_text = page.get_by_test_id("stMain").inner_text()
            assert re.search(r"again|restart|signed out|expired", main_text, re.I), \
                f"the sign-in form after a restart gives no message: {main_text!r}"
            sign_in_with_form(page, j)
        j.check_sidebar()
        assert j.post_in_address() == here, f"after the restart the tab shows {j.post_in_address()}, not {here}"
        expect(j.card()).to_contain_text(here)
        button = j.code_button("companion_type", pending)
        expect(button).to_have_attribute("aria-pressed", "true", timeout=5000)
        chosen = j.code_with_mouse(n, {"companion_type": j.ids_by_label["companion_type"][pending]})
        j.save_and_next(chosen)
        chosen = j.code_with_mouse(n + 1)
        j.save_and_next(chosen)
        j.shot("11_coding_after_restart")

        # 7. the Posts page: plain filter labels, no "1 comments", no internal files
        j.step = "step 7"
        page.get_by_test_id("stSidebarNav").get_by_text("Posts", exact=True).click()
        j.idle()
        j.check_sidebar()
        page.get_by_text(re.compile("^Filters")).click()
        j.idle()
        boxes = page.get_by_test_id("stSelectbox")
        expect(boxes.first).to_be_visible()
        texts = boxes.evaluate_all("""boxes => boxes.map(b => [b.innerText,
            ...[...b.querySelectorAll('input')].map(i => i.value)].join(' '))""")
        j.shot("12_posts_filters")
        assert any("Platform" in t and "(any)" in t for t in texts), texts
        assert any("Hashtag" in t and "(any)" in t for t in texts), texts
        main_text = page.get_by_test_id("stMain").inner_text()
        assert "\\" not in " ".join(texts), f"backslashes in the filters: {texts}"
        assert not re.search(r"\\[()\-]", main_text), "Markdown escapes show on the Posts page"
        assert not re.search(r"\b1 comments\b", main_text), "'1 comments' on the Posts page"
        page.get_by_test_id("stSidebarNav").get_by_text("My work", exact=True).click()
        j.idle()
        j.check_sidebar()
        assert not re.search(r"\b1 comments\b", page.get_by_test_id("stMain").inner_text())
        j.shot("13_my_work")
        browser.close()

    # 8. what the coder did is in the database, as the command line reports it
    assert not j.lost, f"{len(j.lost)} of {j.clicks} clicks/keys did not take: {j.lost}"
    assert not j.jumps, f"the page jumped during clicks: {j.jumps}"
    assert len(j.saved) == 8, sorted(j.saved)
    assert _coded(_output(_dazi("progress", db=path))) == coded_at_start + 8
    print(f"journey: {j.clicks} mouse clicks, {len(j.lost)} lost, {len(j.saved)} posts saved and found in the database; "
          f"screenshots in {shots}")
    assert not j.defects, f"defects seen on the way: {j.defects}"
