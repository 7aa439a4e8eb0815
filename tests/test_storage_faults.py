"""A full disk or a read-only database: a clear message, no partial write, no damage.

Each fault is met through the API and the ``dazi`` command.  The disk fills up
for real on an 8 MiB tmpfs (when the test may mount one: root) and, everywhere,
through SQLite's ``max_page_count`` (SQLite then answers exactly as on a full
disk: ``SQLITE_FULL``).  A read-only file or folder is made with permissions
(as root, which ignores permissions, the command runs as user ``nobody``, and
the read-only folder is a read-only bind mount).  After every fault the file
passes ``PRAGMA integrity_check`` and holds exactly what it held before.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder
from coding.codings import save_coding
from corpus.importer import import_files
from dazi.cli import cli
from dazi.db import connect
from dazi.errors import StorageError
from dazi.projects import create_project, get_project, list_projects
from tests.conftest import make_posts, unavailable
from tests.test_codings import SMALL_CODEBOOK

ROOT = Path(__file__).resolve().parent.parent
DEMO_NOTES = ROOT / "corpus" / "data" / "demo_xhs_notes.jsonl"
NOBODY = 65534
IS_ROOT = os.geteuid() == 0


def _state(path: Path) -> dict:
    """Integrity check and the row count of every table that work writes to."""
    con = sqlite3.connect(path)
    try:
        out = {"integrity": con.execute("PRAGMA integrity_check").fetchall()}
        for table in ("posts", "coders", "coding_events", "codings", "coding_units"):
            out[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return out
    finally:
        con.close()


def _study(path: Path) -> tuple:
    """A project with a codebook, a coder and 20 posts, one post coded."""
    db = connect(path)
    project = create_project(db, "default")
    pks = make_posts(db, project, 20)
    save_codebook(db, project, Codebook.from_dict(SMALL_CODEBOOK))
    coder, _ = add_coder(db, project, "alice", passcode="1111")
    from coding.assignments import assign
    from corpus.sampling import draw_sample

    draw_sample(db, project, "all", size=10, seed=1)
    assign(db, project, "all", ["alice"], overlap=0, seed=1)
    from coding.assignments import assigned_post_pks

    mine = assigned_post_pks(db, project, coder)
    save_coding(db, project, coder, mine[0], {"kind": "meal", "outcome": "failure"})
    db.close()
    return pks, mine


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


# --------------------------------------------------------------------------
# A full disk
# --------------------------------------------------------------------------

@pytest.fixture
def page_limit():
    """Cap every new SQLite connection at ``limit[0]`` pages (None: no cap) via ``max_page_count``."""
    limit: list[int | None] = [None]

    def _cap(dbapi_conn, _record):
        if limit[0] is not None and isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.execute(f"PRAGMA max_page_count={limit[0]}")

    sa.event.listen(sa.Engine, "connect", _cap)
    yield limit
    sa.event.remove(sa.Engine, "connect", _cap)


def _assert_full(error_text: str) -> None:
    assert "database or disk is full" in error_text or "is full" in error_text, error_text
    assert "free some space" in error_text and "nothing was written" in error_text, error_text
    assert "Traceback" not in error_text


def test_a_full_database_refuses_clearly_and_keeps_everything(tmp_path, page_limit):
    path = tmp_path / "full.db"
    _, mine = _study(path)
    before = _state(path)
    con = sqlite3.connect(path)
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    con.close()
    page_limit[0] = pages + 3  # room for a save, not for 500 posts

    db = connect(path)
    project = get_project(db)
    with pytest.raises(StorageError) as info:
        import_files(db, project, [DEMO_NOTES], workers=0)
    _assert_full(info.value.describe())
    code, out = _cli("--db", str(path), "import", "--workers", "0", str(DEMO_NOTES))
    assert code == 1 and out.startswith("Error: Database error")
    _assert_full(out)
    assert _state(path) == before

    # a save still fits, a long memo does not: refused whole, the values with it
    from coding.coders import get_coder

    alice = get_coder(db, project, "alice")
    save_coding(db, project, alice, mine[1], {"kind": "travel", "outcome": "failure"})
    saved = _state(path)
    with pytest.raises(StorageError) as info:
        save_coding(db, project, alice, mine[2], {"kind": "study", "outcome": "failure"}, memo="备注" * 40_000)
    _assert_full(info.value.describe())
    assert _state(path) == saved and saved["coding_events"] == before["coding_events"] + 2

    page_limit[0] = None  # space freed: the same import now works
    db.close()
    db = connect(path)
    assert import_files(db, get_project(db), [DEMO_NOTES], workers=0).imported > 400
    db.close()
    assert _state(path)["integrity"] == [("ok",)]


@pytest.fixture
def tiny_disk():
    """A real 8 MiB filesystem (tmpfs), if this process may mount one."""
    folder = Path(tempfile.mkdtemp(prefix="dazi-tiny-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0 if IS_ROOT else False
    if not mounted:
        folder.rmdir()
        unavailable("mounting a tmpfs needs root (the max_page_count test covers a full disk)")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)
    folder.rmdir()


def _fill(folder: Path, leave: int) -> Path:
    """Fill the disk, then give back ``leave`` bytes."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    os.close(fd)
    return filler


@pytest.mark.parametrize("leave", [pytest.param(64 * 1024, id="room for the log only"),
                                   pytest.param(0, id="no byte left")])
def test_a_really_full_disk_refuses_clearly_and_keeps_everything(tiny_disk, leave):
    path = tiny_disk / "study.db"
    _, mine = _study(path)
    before = _state(path)
    filler = _fill(tiny_disk, leave)

    with pytest.raises(StorageError) as info:  # with no byte left, SQLite cannot even open its shared memory
        db = connect(path)
        try:
            import_files(db, get_project(db), [DEMO_NOTES], workers=0)
        finally:
            db.close()
    text = info.value.describe()
    assert "full" in text and "free some space" in text, text
    code, out = _cli("--db", str(path), "import", "--workers", "0", str(DEMO_NOTES))
    assert code == 1 and "full" in out and "Traceback" not in out, out

    filler.unlink()
    assert _state(path) == before  # nothing half-written, nothing damaged
    db = connect(path)
    assert import_files(db, get_project(db), [DEMO_NOTES], workers=0).imported > 400
    db.close()


# --------------------------------------------------------------------------
# A read-only file or folder
# --------------------------------------------------------------------------

@pytest.fixture
def shared_folder():
    """A folder another user can write to (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="dazi-ro-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _as_other_user(args: list[str]) -> subprocess.CompletedProcess:
    """Run ``args`` as user nobody when we are root (root ignores file permissions), else as we are."""
    env = {**os.environ, "HOME": tempfile.gettempdir()}
    env.pop("DAZI_DATABASE_URL", None)
    if IS_ROOT:
        args = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *args]
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


_SAVE = """
import sys
from coding.coders import get_coder
from coding.codings import save_coding
from dazi.db import connect
from dazi.errors import DaziError
from dazi.projects import get_project
db = connect(sys.argv[1])
project = get_project(db)
try:
    save_coding(db, project, get_coder(db, project, "alice"), int(sys.argv[2]), {"kind": "study", "outcome": "failure"})
except DaziError as exc:
    print("DaziError:", exc.describe())
    sys.exit(3)
"""


def test_a_read_only_file_refuses_writes_clearly_and_still_reads(shared_folder):
    path = shared_folder / "study.db"
    _, mine = _study(path)
    before = _state(path)
    path.chmod(0o444)
    dazi = str(Path(sys.executable).parent / "dazi")

    add = _as_other_user([dazi, "--db", str(path), "coders", "add", "bob", "--passcode", "2222"])
    assert add.returncode == 1, add
    assert add.stderr.startswith("Error: Database error") and "attempt to write a readonly database" in add.stderr
    assert "read-only" in add.stderr and "nothing was written" in add.stderr and "Traceback" not in add.stderr
    save = _as_other_user([sys.executable, "-c", _SAVE, str(path), str(mine[1])])
    assert save.returncode == 3 and "DaziError:" in save.stdout and "read-only" in save.stdout, save
    listed = _as_other_user([dazi, "--db", str(path), "coders", "list"])
    assert listed.returncode == 0 and "alice" in listed.stdout, listed  # reading still works

    path.chmod(0o644)
    assert _state(path) == before


@pytest.fixture
def read_only_view(shared_folder):
    """``(writable folder, the same folder read-only)``: a read-only bind mount as root, else chmod 555."""
    if IS_ROOT:
        view = Path(tempfile.mkdtemp(prefix="dazi-ro-view-"))
        ok = subprocess.run(["mount", "--bind", str(shared_folder), str(view)], capture_output=True).returncode == 0
        ok = ok and subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True).returncode == 0
        if not ok:
            subprocess.run(["umount", str(view)], capture_output=True)
            view.rmdir()
            unavailable("a read-only bind mount needs mount rights")
        yield shared_folder, view
        subprocess.run(["umount", str(view)], check=True)
        view.rmdir()
    else:
        shared_folder.chmod(0o555)
        yield shared_folder, shared_folder
        shared_folder.chmod(0o777)


def test_a_read_only_folder_says_why_sqlite_cannot_open(read_only_view):
    folder, view = read_only_view
    if folder == view:
        path = folder / "study.db"
        folder.chmod(0o777)
        _study(path)
        folder.chmod(0o555)
    else:
        _study(folder / "study.db")
    before = _state(folder / "study.db")

    with pytest.raises(StorageError) as info:
        connect(view / "study.db")
    text = info.value.describe()
    assert f"The folder {view} is read-only" in text and "study.db-wal" in text, text
    code, out = _cli("--db", str(view / "study.db"), "coders", "list")
    assert code == 1 and f"The folder {view} is read-only" in out and "Traceback" not in out, out
    assert _state(folder / "study.db") == before


@pytest.mark.postgres
def test_a_read_only_postgresql_database_refuses_writes_clearly(request):
    url = request.getfixturevalue("_pg_database")
    from tests.conftest import PG_ADMIN_URL, _truncate_pg

    _truncate_pg(url)
    db = connect(url)
    create_project(db, "default")
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        db.close()  # new connections are read-only
        db = connect(url, migrate=False)
        with pytest.raises(StorageError) as info:
            create_project(db, "other")
        assert "read-only" in info.value.describe() and "nothing was written" in info.value.describe()
        code, out = _cli("--db", url, "coders", "add", "bob")
        assert code == 1 and "read-only" in out and "Traceback" not in out, out
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        db.close()
        admin.dispose()
    db = connect(url, migrate=False)
    assert [p.name for p in list_projects(db)] == ["default"]
    db.close()


# --------------------------------------------------------------------------
# Files the CLI writes: exports on a full or read-only disk
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", [pytest.param("coded.xlsx", id="workbook"), pytest.param("coded.csv", id="csv")])
def test_an_export_to_a_full_disk_says_so_and_leaves_no_file(tmp_path, tiny_disk, name):
    path = tmp_path / "study.db"
    _study(path)
    filler = _fill(tiny_disk, 0)
    code, out = _cli("--db", str(path), "export", str(tiny_disk / name))
    assert code == 1, out
    assert out.startswith("Error: dazi export: No space left on device\nThe disk is full"), out
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]  # no half-written export, no temp file
    filler.unlink()
    assert _cli("--db", str(path), "export", str(tiny_disk / name))[0] == 0


def test_an_export_to_a_read_only_folder_says_so(tmp_path, read_only_view):
    folder, view = read_only_view
    path = tmp_path / "study.db"
    _study(path)
    code, out = _cli("--db", str(path), "export", str(view / "coded.xlsx"))
    assert code == 1 and out.startswith(f"Error: {view / 'coded.xlsx'}: "), out
    assert ("Read-only file system" in out and "mounted read-only" in out) or "Permission denied" in out, out
    assert "Traceback" not in out and not list(folder.iterdir())


# --------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------

@pytest.mark.parametrize("fault", [pytest.param("read-only", id="read-only database"),
                                   pytest.param("full", id="full database")])
def test_the_app_says_why_a_save_failed_and_keeps_the_post(tmp_path, page_limit, monkeypatch, fault, panel):
    from streamlit.testing.v1 import AppTest

    from tests.app_helpers import FILLED, build_study

    study = build_study(tmp_path / "study.db", plain_posts=2)
    before = _state(study.path)
    if fault == "read-only":
        url = f"sqlite:///file:{study.path}?mode=ro&uri=true"
    else:
        url = str(study.path)
        con = sqlite3.connect(study.path)
        page_limit[0] = con.execute("PRAGMA page_count").fetchone()[0]  # not one page more
        con.close()
    monkeypatch.setenv("DAZI_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["dz_project"] = "default"
    at.session_state["dz_coder"] = "alice"
    at.run()
    at.switch_page("ui/pages/code.py").run()
    pk = at.session_state["ws_cursor"]
    panel.save(at, FILLED)
    assert not at.exception
    error = panel.data["error"]
    assert error.startswith("Database error"), error
    assert ("read-only" in error) if fault == "read-only" else ("disk is full" in error), error
    assert "nothing was written" in error
    assert at.session_state["ws_cursor"] == pk and panel.data["post"] == pk  # the post stays on screen
    # (the coder's choices stay in the panel, in the browser: tests/test_app_browser.py)
    page_limit[0] = None
    assert _state(study.path) == before


@pytest.mark.parametrize(
    "command, name",
    [
        pytest.param(["report"], "report.html", id="report"),
        pytest.param(["coding-sheet", "--coder", "alice"], "sheet.xlsx", id="coding sheet"),
    ],
)
def test_other_files_on_a_full_disk_say_so_and_leave_nothing(tmp_path, tiny_disk, command, name):
    """The real command in its own process: nothing on stderr but the error, no file left."""
    from tests.app_helpers import build_study

    study = build_study(tmp_path / "study.db", plain_posts=2)
    filler = _fill(tiny_disk, 16 * 1024)
    dazi = str(Path(sys.executable).parent / "dazi")
    done = subprocess.run([dazi, "--db", str(study.path), *command, str(tiny_disk / name)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith("Error: "), done
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]
    filler.unlink()
