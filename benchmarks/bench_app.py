"""The coding app at scale: what a coder waits for, on the 24-post test study and on a big project.

The big project (default: 100,000 posts, 10 coders, every post sampled and
assigned with a 2,000-post overlap, so each coder holds ~11,800 posts and has
finished the first 30% of them) is written with bulk inserts through the core
tables.  For both projects it prints, as median and p90 over repeated calls,
and the big/small ratio:

* **core**: the calls each action of the app makes (open the workspace, Save &
  next, next uncoded, the progress bar, a keyword filter, a page of "My work",
  the admin's progress page), timed as direct calls into ``coding``/``corpus``;
* **plans**: every SQL statement those actions ran, through SQLite's
  ``EXPLAIN QUERY PLAN``: a full scan of a table (``SCAN posts``, not
  ``SCAN ... USING INDEX``) is listed, since it would grow with the corpus;
* **app**: the code page's script run on the server (``AppTest``): open, and
  Save & next;
* **browser**: Save & next in Debian's Chromium against ``streamlit run``,
  from the mouse click to the next post fully shown (see
  ``tests/app_browser.py``).  ``--against REF`` also runs the app of git
  revision ``REF`` (exported to a temporary folder) on the same databases,
  in alternating rounds, for a before/after ratio on a loaded machine.

Examples::

    python benchmarks/bench_app.py                      # defaults, a few minutes on 2 cores
    python benchmarks/bench_app.py --posts 20000 --browser-saves 10
    python benchmarks/bench_app.py --only browser --against HEAD~3 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTIONS = ("core", "plans", "app", "browser")
#: Save & next in the browser, click to the next post fully shown: the median issue 14 asks for on the big project.
GOAL_MS = 100
BIG_CODER_PASSCODE = "1111"
KEYWORDS = ["找搭子", "饭搭子", "旅行搭子", "学习搭子", "健身搭子", "看展搭子"]


# --------------------------------------------------------------------------
# The projects
# --------------------------------------------------------------------------

def build_big(path: Path, n_posts: int, n_coders: int, overlap: int, coded_share: float) -> None:
    """A SQLite project ``default`` with ``n_posts`` posts, ``n_coders`` coders (c0 ... c9, passcode
    1111) and admin ``admin`` (0000), the shipped codebook, everything sampled and assigned, the first
    ``coded_share`` of each coder's order finished."""
    from sqlalchemy import select

    from codebooks import shipped_path
    from coding.assignments import assign
    from coding.codebook import load_codebook
    from coding.codebook_store import current_codebook, save_codebook
    from coding.coders import add_coder, list_coders
    from corpus.sampling import draw_sample
    from dazi.db import connect
    from dazi.projects import create_project
    from dazi.schema import assignments, coding_units, codings, posts, utcnow
    from tests.app_helpers import values

    db = connect(path)
    try:
        project = create_project(db, "default")
        rng = random.Random(1)
        start = datetime(2025, 1, 1, tzinfo=UTC)
        with db.write() as conn:
            for lo in range(0, n_posts, 20_000):
                rows = []
                for i in range(lo, min(n_posts, lo + 20_000)):
                    kw = KEYWORDS[i % len(KEYWORDS)]
                    likes, comments = rng.randint(0, 3000), rng.randint(0, 300)
                    rows.append({
                        "project_id": project.id, "platform": "xiaohongshu", "post_id": f"{i:024x}",
                        "title": f"周末{kw} 第{i}帖", "text": f"有没有一起的{kw}？第{i}条 约饭 学习 #{kw}[话题]# @用户{i % 97}",
                        "author_id": f"u{i % 997}", "author_name": f"用户{i % 997}",
                        "created_at": start + timedelta(minutes=7 * i), "likes": likes, "collects": likes // 3,
                        "comments": comments, "shares": comments // 4, "engagement": likes + comments,
                        "counts_approximate": False, "hashtags": [kw], "mentions": [f"用户{i % 97}"],
                        "source_keywords": [kw], "lang": "zh", "status": "ok",
                        "url": f"https://www.xiaohongshu.com/explore/{i:024x}",
                    })
                conn.execute(posts.insert(), rows)
        save_codebook(db, project, load_codebook(shipped_path("cloud_companion")))
        book = current_codebook(db, project)
        names = [f"c{i}" for i in range(n_coders)]
        for name in names:
            add_coder(db, project, name, passcode=BIG_CODER_PASSCODE)
        add_coder(db, project, "admin", role="admin", passcode="0000")
        draw_sample(db, project, "main", size=n_posts, seed=1, include_unavailable=True)
        assign(db, project, "main", names, overlap=overlap, seed=1)
        now = utcnow()
        with db.write() as conn:
            for coder in list_coders(db, project):
                if coder.role != "coder":
                    continue
                order = conn.execute(select(assignments.c.post_pk).where(assignments.c.coder_id == coder.id)
                                     .order_by(assignments.c.position)).scalars().all()
                done = order[: int(len(order) * coded_share)]
                conn.execute(coding_units.insert(), [
                    {"project_id": project.id, "post_pk": pk, "coder_id": coder.id, "memo": None,
                     "uncertain": i % 17 == 0, "seconds": 9.0, "done": True, "updated_at": now}
                    for i, pk in enumerate(done)])
                rows = []
                for i, pk in enumerate(done):
                    for variable, value in values(book.codebook, i, coder=coder.name).items():
                        if value is not None:
                            rows.append({"project_id": project.id, "post_pk": pk, "coder_id": coder.id,
                                         "variable": variable, "value": value, "codebook_version": book.version,
                                         "updated_at": now, "event_id": 0})
                conn.execute(codings.insert(), rows)
    finally:
        db.close()


def build_small(path: Path) -> None:
    """The browser tests' study: 24 posts, alice and bob (see ``tests/app_helpers.py``)."""
    from tests.app_helpers import build_study

    build_study(path, plain_posts=20)


# --------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------

def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return out


def _row(label: str, small: list[float] | None, big: list[float] | None) -> str:
    def cell(ms):
        return f"{statistics.median(ms):8.1f} {_p90(ms):8.1f}" if ms else f"{'–':>8} {'–':>8}"
    ratio = (f"{statistics.median(big) / statistics.median(small):7.2f}x" if small and big
             and statistics.median(small) > 0 else "")
    return f"  {label:<34} {cell(small)}   {cell(big)}   {ratio}"


def _header(what: str, small: str, big: str) -> None:
    print(f"\n{what}: median and p90 in ms")
    print(f"  {'':<34} {small:>17}   {big:>17}   big/small")


# --------------------------------------------------------------------------
# Core calls per action
# --------------------------------------------------------------------------

class Workspace:
    """The calls the coding page makes, for one coder of one project (see ``ui/pages/code.py``)."""

    def __init__(self, path: Path, coder: str):
        from coding.coders import get_coder
        from dazi.db import connect
        from dazi.projects import get_project
        from ui.store import refresh_statistics

        self.db = connect(path)
        refresh_statistics(self.db)  # as the app does when it opens the database
        self.project = get_project(self.db)
        self.coder = get_coder(self.db, self.project, coder)
        admins = [c for c in __import__("coding.coders", fromlist=["x"]).list_coders(self.db, self.project)
                  if c.role == "admin"]
        self.admin = admins[0] if admins else self.coder
        from coding.codebook_store import current_codebook

        self.book = current_codebook(self.db, self.project).codebook
        from coding.assignments import assigned_post_pks

        order = assigned_post_pks(self.db, self.project, self.coder)
        self.middle = order[len(order) // 2]  # a post half way through the coder's order

    def show(self, post_pk: int, *, count: bool = True) -> None:
        """What the workspace reads and computes to show a post (``count``: the coder's progress
        too, as a run of the whole page does; Save & next follows it from the save instead)."""
        from coding.assignments import assignment_position, coder_progress
        from coding.codings import current_codebook_version, get_unit
        from coding.hints import is_overlap
        from corpus.store import get_post_by_pk, post_comments
        from ui.post_card import _card

        current_codebook_version(self.db, self.project)
        if count:
            coder_progress(self.db, self.project, self.coder)
        post = get_post_by_pk(self.db, self.project, post_pk)
        get_unit(self.db, self.project, self.coder, post_pk)
        assignment_position(self.db, self.project, self.coder, post_pk)
        post_comments(self.db, self.project, dict(post))
        is_overlap(self.db, self.project, self.coder.id, post_pk)
        _card(post, self.book, "en")

    def open(self) -> None:
        from coding.codings import next_uncoded

        self.show(next_uncoded(self.db, self.project, self.coder))

    def save_and_next(self) -> int:
        """Save the first uncoded post (a full coding) and show the next uncoded one, as the Code page's
        fragment does (the progress follows the save: no count)."""
        from coding.codings import next_uncoded, save_coding
        from tests.app_helpers import values

        pk = next_uncoded(self.db, self.project, self.coder)
        save_coding(self.db, self.project, self.coder, pk, values(self.book, pk % 30, coder="alice"), done=True)
        target = next_uncoded(self.db, self.project, self.coder, after=pk)  # as ui/pages/code.py moves on
        self.show(target, count=False)
        return target

    def actions(self) -> dict[str, Callable[[], object]]:
        from coding.assignments import (
            assignment_neighbour,
            assignment_page,
            coder_progress,
            progress,
        )
        from coding.codings import next_uncoded

        db, project, me = self.db, self.project, self.coder
        return {
            "open the workspace": self.open,
            "save & next": self.save_and_next,
            "first uncoded (opening)": lambda: next_uncoded(db, project, me),
            "next uncoded after a post": lambda: next_uncoded(db, project, me, after=self.middle),
            "progress bar": lambda: coder_progress(db, project, me),
            "filter: keyword 旅行, next": lambda: assignment_neighbour(db, project, me, None, text="旅行"),
            "filter: uncertain, next": lambda: assignment_neighbour(db, project, me, None, status="uncertain"),
            "my work: a page of 50": lambda: assignment_page(db, project, me, status="all", offset=100),
            "admin progress page": lambda: progress(db, project),
        }

    def close(self) -> None:
        self.db.close()


def core_section(small: Path, big: Path, n: int) -> None:
    spaces = {"small": Workspace(small, "alice"), "big": Workspace(big, "c0")}
    try:
        results: dict[str, dict[str, list[float]]] = {"small": {}, "big": {}}
        for name, ws in spaces.items():
            for label, fn in ws.actions().items():
                fn()  # warm (caches, the segmenter)
                # the small study has few uncoded posts: save & next runs as often as it can
                runs = min(n, 8) if (name == "small" and label == "save & next") else n
                results[name][label] = _timed(fn, runs)
        _header("core calls per action", "24-post study", "big project")
        for label in results["big"]:
            print(_row(label, results["small"].get(label), results["big"][label]))
    finally:
        for ws in spaces.values():
            ws.close()


# --------------------------------------------------------------------------
# Query plans
# --------------------------------------------------------------------------

def _grows(line: str) -> bool:
    """Whether a plan line reads rows in proportion to the table or the project: a full scan, or a
    search on the project alone (every coder's rows of a per-coder table)."""
    if line.startswith("SCAN ") and " USING " not in line and not line.startswith("SCAN CONSTANT"):
        return True
    small = ("codebook_versions", "coders", "projects", "samples")  # a handful of rows per project
    return (line.startswith("SEARCH ") and line.endswith("(project_id=?)")
            and not any(f" {table} " in line for table in small))


def plans_section(big: Path) -> list[str]:
    """Run every action once on the big project, recording its SQL; print the statements whose
    plan scans a whole table.  Returns those plan lines."""
    from sqlalchemy import event

    ws = Workspace(big, "c0")
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(ws.db.engine, "before_cursor_execute", record)
    labels: dict[int, str] = {}
    try:
        for label, fn in ws.actions().items():
            before = len(statements)
            fn()
            for i in range(before, len(statements)):
                labels[i] = label
    finally:
        event.remove(ws.db.engine, "before_cursor_execute", record)
    scans, seen = [], set()
    with ws.db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for i, (sql, params) in enumerate(statements):
            if sql in seen:
                continue
            seen.add(sql)
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]
            bad = [line for line in plan if _grows(line)]
            if bad:
                scans.append(f"{labels.get(i, '?')}: {'; '.join(bad)}\n      {' '.join(sql.split())[:300]}")
    ws.close()
    print(f"\nquery plans: {len(seen)} distinct SELECTs over all actions on the big project")
    if scans:
        print("  reads that grow with the project (a full scan, or a search by project alone):")
        for line in scans:
            print("   -", line)
    else:
        print("  none grows with the project")
    return scans


# --------------------------------------------------------------------------
# The code page's script on the server (AppTest)
# --------------------------------------------------------------------------

def app_section(small: Path, big: Path, n: int) -> None:
    """The code page's script under AppTest: a run, and Save & next (the codes panel's browser side
    stands in as ``tests.app_helpers.FakePanel``: AppTest cannot run a component)."""
    from streamlit.testing.v1 import AppTest

    import ui.codes_panel
    from tests.app_helpers import FakePanel, values

    results: dict[str, dict[str, list[float]]] = {}
    real = ui.codes_panel._panel, ui.codes_panel.submitted
    for name, path, coder in (("small", small, "alice"), ("big", big, "c0")):
        os.environ["DAZI_DATABASE_URL"] = str(path)
        panel = FakePanel()
        ui.codes_panel._panel, ui.codes_panel.submitted = panel.mount, panel.submitted
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["dz_project"] = "default"
        at.session_state["dz_coder"] = coder
        at.run()
        at.switch_page("ui/pages/code.py").run()
        opens, saves = [], []
        ws = Workspace(path, coder)
        try:
            for i in range(n if name == "big" else min(n, 8)):
                t = time.perf_counter()
                at.run()
                opens.append((time.perf_counter() - t) * 1e3)
                pk = at.session_state["ws_cursor"]
                if pk is None:
                    break
                t = time.perf_counter()
                panel.save(at, values(ws.book, i, coder="alice"))  # (the save's run, then the next post's)
                saves.append((time.perf_counter() - t) * 1e3)
                if at.exception or at.error or panel.data["error"]:
                    raise RuntimeError(f"the code page failed: {at.exception or at.error or panel.data['error']}")
        finally:
            ws.close()
            ui.codes_panel._panel, ui.codes_panel.submitted = real
        results[name] = {"code page: a run": opens, "code page: save & next": saves}
    os.environ.pop("DAZI_DATABASE_URL", None)
    _header("the code page's script (AppTest, the whole page)", "24-post study", "big project")
    for label in results["big"]:
        print(_row(label, results["small"][label], results["big"][label]))


# --------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------

def _export_tree(ref: str, folder: Path) -> Path:
    """The app's files at git revision ``ref``, in ``folder`` (for a before/after run)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def _browser_saves(browser, server, coder: str, passcode: str, saves: int) -> list[float]:
    from tests.app_browser import code_post, ready_to_code, save_and_next, sign_in

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, server.url, coder, passcode)
        pk = ready_to_code(page)
        out = []
        for _ in range(saves):
            if pk is None:
                break
            code_post(page)
            pk, ms = save_and_next(page, shortcut=None)  # a mouse click on Save & next
            out.append(ms)
        return out
    finally:
        context.close()


def browser_section(small: Path, big: Path, saves: int, against: str | None, rounds: int, tmp: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.app_browser import StreamlitServer, distribution, launch
    from tests.app_helpers import PASSCODES

    trees = {"now": ROOT}
    if against:
        trees[against] = _export_tree(against, tmp / "against")
    projects = {"24-post study": (small, "alice", PASSCODES["alice"]),
                "big project": (big, "c0", BIG_CODER_PASSCODE)}
    results: dict[tuple[str, str], list[float]] = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for r in range(rounds):
                for label, (path, coder, passcode) in projects.items():
                    for tree_name, tree in trees.items():
                        copy = tmp / f"run_{r}_{tree_name.replace('/', '_')}_{path.name}"
                        shutil.copy(path, copy)
                        server = StreamlitServer(copy, tmp / "streamlit.log", root=tree).start()
                        try:
                            results.setdefault((label, tree_name), []).extend(
                                _browser_saves(browser, server, coder, passcode, saves))
                        finally:
                            server.stop()
        finally:
            browser.close()
    load = os.getloadavg()
    print(f"\nbrowser: Save & next, mouse click to the next post fully shown ({rounds} round(s) of {saves}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} after them)")
    for (label, tree_name), ms in results.items():
        print(f"  {label:<14} {tree_name:<10} {distribution(ms)}")
    if against:
        for label in projects:
            now, then = results[(label, "now")], results[(label, against)]
            print(f"  {label}: median now / {against} = {statistics.median(now) / statistics.median(then):.2f}")
    small_now, big_now = results[("24-post study", "now")], results[("big project", "now")]
    print(f"  big project / 24-post study (now): median {statistics.median(big_now) / statistics.median(small_now):.2f}x")
    goal = statistics.median(big_now) <= GOAL_MS
    print(f"  goal (issue 14): median <= {GOAL_MS} ms on the big project: {'met' if goal else 'not met'}"
          f" ({statistics.median(big_now):.0f} ms)")


# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts in the big project (default 100,000)")
    parser.add_argument("--coders", type=int, default=10, help="coders in the big project (default 10)")
    parser.add_argument("--overlap", type=int, default=2000, help="posts every coder codes (default 2,000)")
    parser.add_argument("--coded", type=float, default=0.3, help="share of each order already coded (default 0.3)")
    parser.add_argument("--repeat", type=int, default=30, help="calls per action for core and app (default 30)")
    parser.add_argument("--browser-saves", type=int, default=15, help="Save & next presses per run (default 15)")
    parser.add_argument("--rounds", type=int, default=1, help="browser rounds (default 1)")
    parser.add_argument("--against", metavar="REF", help="also run the app of git revision REF in the browser")
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the built databases in this folder")
    args = parser.parse_args(argv)
    sections = args.only or list(SECTIONS)
    import logging

    # calls outside a running app warn about a missing script context, once per call
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True

    load = os.getloadavg()
    print(f"bench_app: {args.posts:,} posts, {args.coders} coders, overlap {args.overlap:,}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = args.keep or tmp
        folder.mkdir(parents=True, exist_ok=True)
        small = folder / "small.db"
        big = folder / f"big_{args.posts}_{args.coders}_{args.overlap}.db"
        if not small.exists():
            build_small(small)
        if not big.exists():
            t = time.perf_counter()
            build_big(big, args.posts, args.coders, args.overlap, args.coded)
            print(f"built the big project in {time.perf_counter() - t:.0f} s")
        # every section works on copies, so a kept database stays as built
        work_small, work_big = tmp / "work_small.db", tmp / "work_big.db"
        for source, target in ((small, work_small), (big, work_big)):
            shutil.copy(source, target)
        if "plans" in sections:
            plans_section(work_big)
        if "core" in sections:
            core_section(work_small, work_big, args.repeat)
        if "app" in sections:
            for source, target in ((small, work_small), (big, work_big)):
                shutil.copy(source, target)
            app_section(work_small, work_big, max(3, args.repeat // 3))
        if "browser" in sections:
            browser_section(small, big, args.browser_saves, args.against, args.rounds, tmp)
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
