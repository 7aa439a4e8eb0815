"""SIGKILL ``dazi import`` and ``dazi import-codings`` half way: the project is exactly as before.

Each test runs the real console script in a subprocess on a large input,
waits until the command is demonstrably writing, kills it with SIGKILL (no
handler runs, as when the OOM killer or ``kill -9`` ends it) and compares a
dump of every dazi table with the dump taken before.  On SQLite the file must
also pass ``PRAGMA integrity_check`` once reopened (which rolls the WAL back).

When is the command writing?

- ``dazi import`` reports progress after each batch it has written inside its
  transaction; its progress bar is shown when stderr is a terminal, so the
  test gives it a pseudo-terminal and waits for the line that counts the
  first batch.  ``--workers 2`` makes it read the file in worker processes
  (as it does by itself for files of 20,000 lines and more), which must end
  on their own when the command is killed.
- ``dazi import-codings`` checks every cell first and then saves; the test
  polls the database from a second connection for the first saved coding.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select as _select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from corpus.importer import import_files
from corpus.sampling import draw_sample
from dazi.db import connect
from dazi.demo.synthetic import write_notes_jsonl
from dazi.schema import metadata
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
DAZI = Path(sys.executable).with_name("dazi")  # the installed console script
BIG_NOTES = 24_000  # five batches of 5,000 (the importer's default batch size): still importing when 5,000 are counted, on a quiet machine too
SHEET_POSTS = 400


def _dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every dazi table, in a stable order."""
    db = connect(url, migrate=False)
    try:
        with db.read() as conn:
            return {table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                    for table in metadata.sorted_tables}
    finally:
        db.close()


def _integrity(url: str) -> None:
    if "://" in url:
        return
    con = sqlite3.connect(url)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()


def _start(url: str, *args: str, tty: bool = False) -> tuple[subprocess.Popen, int | None]:
    """The command in its own session (so that the test can end what it leaves behind)."""
    master = None
    stderr: int = subprocess.PIPE
    if tty:
        master, slave = pty.openpty()
        # a new pseudo-terminal is 0 columns wide, and the progress bar would be cut to nothing
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
        stderr = slave
    env = {k: v for k, v in os.environ.items() if k != "DAZI_DATABASE_URL"}
    proc = subprocess.Popen([str(DAZI), "--db", url, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=stderr, start_new_session=True)
    if tty:
        os.close(slave)
    return proc, master


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the command itself; its worker processes must then end on their own."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # leave nothing running, then fail
    pytest.fail("worker processes of the killed command kept running")


def _wait_for_progress(proc: subprocess.Popen, master: int, posts: int, timeout: float = 120) -> int:
    """Read the progress bar on the pseudo-terminal until it counts *posts*; the count seen."""
    seen = 0
    text = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = _select.select([master], [], [], 0.05)
        if ready:
            try:
                text = (text + os.read(master, 4096))[-4096:]
            except OSError:  # the command ended and closed the terminal
                break
            counts = re.findall(rb"importing: (\d+)", text)
            if counts:
                seen = int(counts[-1])
                if seen >= posts:
                    return seen
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode() if proc.poll() is not None else ""
    pytest.fail(f"no progress line reached {posts:,} posts (last {seen:,}); output: {out[-500:]!r} "
                f"{text[-500:]!r}")


@pytest.fixture(scope="module")
def big_notes(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "notes.jsonl"
    write_notes_jsonl(BIG_NOTES, path, seed=11, jobs=2)
    return path


def test_killed_import_leaves_the_project_as_it_was(db, db_url, project, big_notes):
    import_files(db, project, [DATA / "exports" / "xhs_notes.jsonl"], workers=0)
    draw_sample(db, project, "before", size=2, seed=1)
    db.close()
    before = _dump(db_url)
    assert before["posts"] and before["imports"] and before["sample_posts"]

    proc, master = _start(db_url, "import", "--workers", "2", str(big_notes), tty=True)
    try:
        seen = _wait_for_progress(proc, master, 5000)
        # still inside its one transaction (it may have read the whole file and be writing the rest)
        assert proc.poll() is None and _writing(db_url), "the import ended before it could be killed"
        _kill(proc)
    finally:
        os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert seen >= 5000
    _integrity(db_url)
    assert _dump(db_url) == before

    # and the database still takes imports
    again = connect(db_url)
    try:
        from dazi.projects import get_project

        report = import_files(again, get_project(again, "default"), [DATA / "exports" / "xhs_notes.jsonl"])
        assert report.updated and not report.imported
    finally:
        again.close()


@pytest.fixture
def filled_sheet(db, project, tmp_path, monkeypatch) -> tuple[Path, int]:
    """A coder's sheet of all posts that are not deleted, every row coded; two posts coded before."""
    from coding.assignments import assign
    from coding.codebook import Codebook
    from coding.codebook_store import save_codebook
    from coding.coders import add_coder, get_coder
    from coding.codings import save_coding
    from coding.sheets import write_coding_sheet
    from corpus.store import resolve_post_pks
    from tests.conftest import make_posts
    from tests.test_codings import SMALL_CODEBOOK

    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})
    make_posts(db, project, SHEET_POSTS)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    add_coder(db, project, "a", passcode="1234")
    draw_sample(db, project, "main", size=SHEET_POSTS - SHEET_POSTS // 50, seed=1)  # make_posts deletes 1 in 50
    assign(db, project, "main", ["a"], overlap=0, seed=1)
    coder = get_coder(db, project, "a")
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, coder, path, lang="en")
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    header = {ws.cell(row=1, column=c).value: c for c in range(1, ws.max_column + 1)}
    ids = []
    for row in range(3, ws.max_row + 1):
        if ws.cell(row=row, column=header["post_id"]).value is None:
            continue
        ids.append(ws.cell(row=row, column=header["post_id"]).value)
        ws.cell(row=row, column=header["kind"]).value = "Meal"
        ws.cell(row=row, column=header["outcome"]).value = "Failure"
    wb.save(path)
    assert len(ids) == SHEET_POSTS - SHEET_POSTS // 50
    pks = resolve_post_pks(db, project, ids[:2])
    for post_id in ids[:2]:
        save_coding(db, project, coder, pks[post_id], {"kind": "travel", "outcome": "success", "months": 2})
    return path, len(ids)


def _writing(url: str) -> bool:
    """Whether another connection holds the database's write transaction open right now.

    SQLite: taking the write lock without waiting fails; PostgreSQL: another backend is in a transaction
    that has written (it holds a transaction id).
    """
    if url.startswith("postgresql"):
        db = connect(url, migrate=False)
        try:
            with db.read() as conn:
                return bool(conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL").scalar())
        finally:
            db.close()
    con = sqlite3.connect(url, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:  # database is locked: the command is writing
        return True
    finally:
        con.close()


def test_killed_import_codings_leaves_the_project_as_it_was(db, db_url, project, filled_sheet):
    """Killed while its one transaction is open (after every cell was checked): nothing of the sheet is saved."""
    db.close()
    before = _dump(db_url)
    assert before["coding_events"]

    sheet, _ = filled_sheet
    proc, _ = _start(db_url, "import-codings", str(sheet))
    try:
        deadline = time.monotonic() + 120
        while not _writing(db_url):
            assert proc.poll() is None, f"import-codings ended before it was seen writing: {proc.communicate()}"
            assert time.monotonic() < deadline, "import-codings wrote nothing in two minutes"
            time.sleep(0.005)
        # into the saving, not past it: the sheet's one transaction takes a few hundred ms on a busy machine
        # (400 posts), while commits per post (a few ms each) would have saved several posts by now
        time.sleep(0.05)
        assert proc.poll() is None and _writing(db_url), "import-codings finished saving before the kill"
        _kill(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    _integrity(db_url)
    assert _dump(db_url) == before


def test_import_codings_left_to_finish_saves_the_whole_sheet(db, db_url, project, filled_sheet):
    """The same command, not killed: every row of the sheet saved (so the kill above interrupted real work)."""
    db.close()
    sheet, rows = filled_sheet
    proc, _ = _start(db_url, "import-codings", str(sheet))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    check = connect(db_url, migrate=False)
    try:
        with check.read() as conn:
            finished = conn.exec_driver_sql("SELECT count(*) FROM coding_units WHERE done").scalar()
    finally:
        check.close()
    assert finished >= rows


def _workers(pid: int) -> list[int]:
    """The import worker processes of *pid* (Linux /proc): spawned children, not the resource tracker."""
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                    if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                        out.append(int(child))
    except OSError:  # a process ended meanwhile
        pass
    return out


def test_a_killed_worker_ends_the_command_with_a_plain_message(sqlite_db, tmp_path, big_notes):
    """The real command: SIGKILL one import worker; a one-line error, no traceback, nothing imported."""
    from dazi.projects import create_project

    import_files(sqlite_db, create_project(sqlite_db, "default"), [DATA / "exports" / "xhs_notes.jsonl"], workers=0)
    url = str(tmp_path / "dazi.db")
    sqlite_db.close()
    before = _dump(url)
    proc, master = _start(url, "import", "--workers", "2", str(big_notes), tty=True)
    output = b""
    try:
        # the whole file is handed to the workers at once, so kill one as soon as it exists (still busy)
        deadline = time.monotonic() + 60
        while not (workers := _workers(proc.pid)):
            assert proc.poll() is None and time.monotonic() < deadline, "no worker process was started"
            time.sleep(0.01)
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # read as it comes: a full terminal would block the command
            ready, _, _ = _select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the command ended and closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=10)
    finally:
        os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = output.decode(errors="replace")
    assert proc.returncode == 1, text
    assert f"Error: an import worker stopped unexpectedly while reading {big_notes}; nothing was imported" in text
    assert "--workers 0" in text and "Traceback" not in text
    _integrity(url)
    assert _dump(url) == before
