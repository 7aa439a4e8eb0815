"""Driving the real app in Debian's Chromium: a server on a free port, sign-in, keyboard coding.

Used by ``tests/test_app_browser.py`` and ``benchmarks/bench_app.py``.  Every
wait polls for a state of the page (never a fixed sleep): Streamlit marks the
app ``data-test-script-state="notRunning"`` when a run has finished, the post
card carries the shown post's key (``<div class="dz-post" data-post="...">``)
and so does the codes panel once it shows that post (``<div class="dzc" data-post="...">``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
#: The keys that code one post of the cloud-companion codebook (see :func:`code_post`).
POST_KEYS = ["4", "1", "2", "Enter", "1", "1", "9", "Enter", "8", "Enter", "3"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """``streamlit run app.py`` on a free local port with ``DAZI_DATABASE_URL`` set; restartable.

    ``root`` is the folder holding ``app.py`` (default: this checkout; the
    benchmark passes an older revision's files for a before/after run).
    """

    def __init__(self, database: Path, log: Path, *, root: Path = ROOT):
        self.database = database
        self.log = log
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> StreamlitServer:
        env = {**os.environ, "DAZI_DATABASE_URL": str(self.database)}
        env.pop("DAZI_PROJECT", None)
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
                   "--server.fileWatcherType", "none"]
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"streamlit did not answer on {self.url} within {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL, as a crash or an out-of-memory kill would end it (no clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


def launch(playwright):
    """Debian's Chromium, headless (Playwright cannot download its own browser here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the app is connected and no script run is in progress."""
    page.wait_for_selector(IDLE, timeout=timeout)


def choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with widget key ``key`` (retrying while the page settles)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(10):
        page.locator(f".st-key-{key}").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=2000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {key!r}")


def signed_in_as(page) -> str | None:
    """The name in the sidebar's "name (role)" line, or None while the sign-in form shows."""
    return page.evaluate("""(() => {
        const side = document.querySelector('[data-testid=stSidebar]');
        const m = side && side.innerText.match(/^(\\S+) \\((coder|adjudicator|admin)\\)/m);
        return m ? m[1] : null; })()""")


def wait_signed_in_or_form(page, timeout: float = 60_000) -> None:
    """Wait until the page shows either the sign-in form or a signed-in coder's sidebar, idle."""
    page.wait_for_function(
        """() => !!document.querySelector('.st-key-signin_name')
              || /\\((coder|adjudicator|admin)\\)/.test((document.querySelector('[data-testid=stSidebar]') || {}).innerText || '')""",
        timeout=timeout)
    wait_idle(page)


def sign_in(page, url: str | None, name: str, passcode: str) -> None:
    """Open ``url`` (None: stay on this page) and sign in as ``name``, unless this browser is still
    signed in as ``name`` (the sign-in cookie)."""
    if url is not None:
        page.goto(url)
    wait_signed_in_or_form(page)
    if signed_in_as(page) == name:
        return
    choose(page, "signin_name", name)
    page.locator(".st-key-signin_passcode input").fill(passcode)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"{name} (").wait_for(timeout=60_000)
    wait_idle(page)


def open_page(page, title: str) -> None:
    """Click a page in the sidebar navigation and wait for it to finish."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def shown_post(page) -> int | None:
    """The key of the post on the coding page (None if none is shown)."""
    return page.evaluate("(() => { const card = document.querySelector('.dz-post[data-post]');"
                         " return card ? Number(card.dataset.post) : null; })()")


#: True once the coding page shows a post with its codes panel (or says no post is left), no run in progress.
_PANEL_READY = """() => {
    if (!document.querySelector("IDLE")) return false;
    const card = document.querySelector('.dz-post[data-post]');
    const panel = document.querySelector('.dzc[data-post]');
    if (!card) return !!document.querySelector('[data-testid=stAlert]');
    return !!panel && card.dataset.post === panel.dataset.post;
}""".replace("IDLE", IDLE)


def ready_to_code(page) -> int | None:
    """Wait for a post on the coding page with its codes panel; returns its key (None when no post
    is left to show)."""
    page.wait_for_function(_PANEL_READY, timeout=60_000)
    return shown_post(page)


def pressed(page, variable: str) -> list[str]:
    """The codes shown as chosen for ``variable`` in the codes panel (read once, no waiting)."""
    return page.locator(f".dzc-var[data-var='{variable}'] .dzc-code[aria-pressed='true']").evaluate_all(
        "buttons => buttons.map(b => b.dataset.code)")


def code_post(page, keys: list[str] = POST_KEYS) -> None:
    """Press ``keys`` on the coding page (the panel takes them at once: no run to wait for)."""
    for key in keys:
        page.keyboard.press(key)
    chosen = pressed(page, "match_outcome")
    if len(chosen) != 1:
        path = screenshot(page, "code_post_keys")
        raise AssertionError(f"the keys did not code post {shown_post(page)} (match_outcome {chosen}); see {path}")


def save_and_next(page, shortcut: str | None = "Control+Enter") -> tuple[int | None, float]:
    """Press Save & next (the shortcut, or a mouse click with ``shortcut=None``); returns the next post's
    key and the milliseconds until it was fully shown.

    Measured in the page: from the key press (or click) to the first animation frame in which the
    next post's card and codes panel are present and no run is in progress.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    old = shown_post(page)
    if shortcut is None:
        button = page.locator(".dzc-save")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.evaluate("window.__t0 = performance.now(); window.__t1 = null")
        page.mouse.down()
        page.mouse.up()
    else:
        page.evaluate("window.__t0 = performance.now(); window.__t1 = null")
        page.keyboard.press(shortcut)
    try:
        _wait_for_next(page, old)
    except PlaywrightTimeout:
        path = screenshot(page, "save_timeout")
        alerts = page.get_by_test_id("stAlert").all_inner_texts() + page.locator(".dzc-error").all_inner_texts()
        raise AssertionError(f"Save & next did not move on from post {old}: {alerts}; see {path}") from None
    return shown_post(page), page.evaluate("window.__t1 - window.__t0")


def _wait_for_next(page, old: int | None) -> None:
    page.wait_for_function(
        f"""() => {{
            const card = document.querySelector('.dz-post[data-post]');
            const panel = document.querySelector('.dzc[data-post]');
            const shown = card ? (card.dataset.post !== '{old}' && !!panel && panel.dataset.post === card.dataset.post)
                               : !!document.querySelector('[data-testid=stAlert]');
            if (shown && document.querySelector("{IDLE}")) {{ window.__t1 = performance.now(); return true; }}
            return false;
        }}""",
        timeout=60_000, polling="raf",
    )


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def distribution(ms: list[float]) -> str:
    """Median, p90, min and max of some timings, as one line."""
    import statistics

    ordered = sorted(ms)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return (f"n={len(ordered)} median={statistics.median(ordered):.0f} ms p90={p90:.0f} ms "
            f"min={ordered[0]:.0f} ms max={ordered[-1]:.0f} ms")
