"""Import with worker processes: the same database, report, rejects and errors as in-process.

Worker processes (:mod:`corpus.parallel`) read large JSONL files in chunks.
These tests force workers on small files (``workers=1``) and cut the files
into chunks of a few lines, so that every chunk boundary case (a broken line
at the end of a chunk, chunks of blank lines, duplicates in different
chunks) happens, and compare everything with the in-process import
(``workers=0``) on both backends.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timezone
from pathlib import Path

import pytest

from corpus import parallel
from corpus.formats import (
    FileInfo,
    jsonl_blocks,
    jsonl_spans,
    parse_jsonl_block,
    parse_jsonl_blocks,
    read_span,
    split_jsonl_block,
)
from corpus.importer import import_files
from corpus.loaders import load
from corpus.rows import COMMENT_COLUMNS, COMMENT_KINDS, POST_COLUMNS, POST_KINDS
from corpus.store import iter_posts
from dazi.db import column_kinds
from dazi.demo.synthetic import generate_comments, generate_notes
from dazi.errors import InputError
from dazi.params import from_param, to_param
from dazi.projects import create_project
from dazi.schema import comments, posts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["chunks", "pieces"])
def tiny_chunks(request, monkeypatch):
    """Every line boundary is a chunk boundary somewhere, or a piece boundary inside one chunk.

    ``chunks``: chunks of about one line, each sent to a worker on its own.
    ``pieces``: the whole file in one chunk, which the worker converts a line
    at a time (:func:`corpus.formats.split_jsonl_block`).
    """
    if request.param == "chunks":
        monkeypatch.setattr(parallel, "_MIN_CHUNK", 1)
    else:
        monkeypatch.setattr(parallel, "_MIN_CHUNK", parallel._MAX_CHUNK)
        monkeypatch.setattr(parallel, "_PIECE", 1)


def _lines(records) -> list[str]:
    return [json.dumps(r, ensure_ascii=False) for r in records]


def _notes(n: int = 24) -> list[dict]:
    """Synthetic notes plus a later crawl of the first one under another keyword (a duplicate)."""
    notes = list(generate_notes(n, seed=3))
    again = dict(notes[0], source_keyword="其他关键词", last_modify_ts=notes[0]["last_modify_ts"] + 1000)
    return notes + [again]


def _write(path: Path, lines: list[str], end: str = "\n") -> Path:
    path.write_text("\n".join(lines) + end, encoding="utf-8")
    return path


def _snapshot(db, project) -> list[dict]:
    return sorted(
        ({k: v for k, v in p.items() if k not in ("pk", "import_id")} for p in iter_posts(db, project, with_raw=True)),
        key=lambda p: (p["platform"], p["post_id"]),
    )


def _comments(db, project) -> list[tuple]:
    from sqlalchemy import select

    with db.read() as conn:
        cols = [comments.c[name] for name in COMMENT_COLUMNS if name != "project_id"]
        rows = conn.execute(select(*cols).where(comments.c.project_id == project.id)).all()
    return sorted(tuple(r) for r in rows)


def _report(report) -> dict:
    out = report.to_dict()
    out.pop("import_id")
    out.pop("rejects_file")
    return out


def _both(db, tmp_path, files, **kwargs):
    """Import *files* in-process, empty the project, import them with a worker; return both results.

    One project, so that pseudonyms (salted per project) can be compared.
    """
    from sqlalchemy import delete

    project = create_project(db, "both")
    results = []
    for workers in (0, 1):
        with db.write() as conn:
            conn.execute(delete(comments).where(comments.c.project_id == project.id))
            conn.execute(delete(posts).where(posts.c.project_id == project.id))
        rejects = tmp_path / f"rejects{workers}.csv"
        report = import_files(db, project, files, workers=workers, rejects_path=rejects, batch_size=5, **kwargs)
        text = rejects.read_text(encoding="utf-8-sig") if rejects.exists() else None
        results.append((_report(report), _snapshot(db, project), _comments(db, project), text))
    return results


def _bad_file(tmp_path: Path) -> Path:
    notes = _notes()
    lines = _lines(notes)
    broken = json.dumps(dict(notes[3], note_id="b" * 24, liked_count="lots"), ensure_ascii=False)
    conflict = json.dumps(dict(notes[1], desc="完全不同的正文", title="另一个标题"), ensure_ascii=False)
    rows = (
        lines[:5]
        + ['{"note_id": "cut', "", "   "]  # broken line, then only blank lines in the next chunks
        + lines[5:9]
        + ["[1, 2]", broken, conflict, '{"note_id": "also cut']
        + lines[9:]
        + [lines[2]]  # a duplicate many chunks later
        + ['{"note_id": "truncated at the end']
    )
    assert rows[12] == "[1, 2]" and len(rows) == 35
    return _write(tmp_path / "bad.jsonl", rows, end="")


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("clean", id="clean notes with duplicates"),
        pytest.param("bad", id="bad, blank, conflicting and truncated lines under skip_bad_rows"),
        pytest.param("comments", id="notes and a JSONL comments file"),
        pytest.param("pseudonymized", id="pseudonymised in the worker"),
        pytest.param("mapping", id="a column mapping rebuilt in the worker"),
    ],
)
def test_workers_import_exactly_what_the_serial_path_imports(db, tmp_path, tiny_chunks, case):
    kwargs: dict = {}
    notes_path = _write(tmp_path / "notes.jsonl", _lines(_notes()))
    files = [notes_path]
    if case == "bad":
        files = [_bad_file(tmp_path)]
        kwargs["skip_bad_rows"] = True
    elif case == "comments":
        cpath = _write(tmp_path / "comments.jsonl", _lines(generate_comments(_notes(), per_note=(1, 3), seed=1)))
        files.append(cpath)
    elif case == "pseudonymized":
        kwargs["pseudonymize"] = True
    elif case == "mapping":
        kwargs["mapping"] = {"post_id": "note_id", "text": "desc", "likes": "liked_count", "created_at": "time"}
    serial, workers = _both(db, tmp_path, files, **kwargs)
    assert workers == serial
    report = serial[0]
    assert report["imported"] > 0
    if case == "clean":
        assert report["merged"] > 0, "the synthetic notes hold duplicates"
    if case == "bad":
        # the lines hand-placed above: one rejected row each, plus the duplicate's conflict
        assert report["rejected"] == 5
        warning = (
            f"{files[0]}: the last line (35) is incomplete and was skipped: the crawler was probably "
            "stopped while writing it"
        )
        assert report["warnings"] == [warning]
        assert "line 6 is not valid JSON" in serial[3] and "line 13 is a JSON list" in serial[3]
    if case == "comments":
        assert report["comments"] > 0 and serial[2]


@pytest.mark.parametrize(
    "bad_line, row, message",
    [
        pytest.param('{"note_id": "cut', 6, "not valid JSON", id="broken line followed by blanks then records"),
        pytest.param('"just a string"', 6, "is a JSON str, not an object", id="not an object"),
        pytest.param(None, 6, "not a count", id="bad count in a record"),
    ],
)
def test_the_first_bad_row_stops_the_import_as_in_process(db, tmp_path, tiny_chunks, bad_line, row, message):
    notes = _notes(12)
    lines = _lines(notes)
    if bad_line is None:
        bad_line = json.dumps(dict(notes[0], note_id="c" * 24, liked_count="lots"), ensure_ascii=False)
    path = _write(tmp_path / "bad.jsonl", lines[:5] + [bad_line, "", ""] + lines[5:] + ['{"broken": '])
    errors = []
    for workers in (0, 1):
        project = create_project(db, f"e{workers}")
        with pytest.raises(InputError) as info:
            import_files(db, project, [path], workers=workers, batch_size=3)
        errors.append((str(info.value), info.value.hint, info.value.location))
        assert _snapshot(db, project) == []
    assert errors[0] == errors[1]
    assert errors[0][2].row == row and message in errors[0][0]


def test_damaged_zstd_is_reported_after_the_rows_before_it(tmp_path, tiny_chunks):
    zstandard = pytest.importorskip("zstandard")
    data = ("\n".join(_lines(_notes(300))) + "\n").encode()  # several zstd blocks of 128 KiB
    packed = zstandard.ZstdCompressor().compress(data)
    path = tmp_path / "notes.jsonl.zst"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    outcomes = []
    for workers in (0, 1):
        loaded = load(path, workers=workers, batch_size=4)
        seen = []
        with pytest.raises(InputError, match="damaged or cut off after line") as info:
            for batch in loaded:
                seen += [row for _, row in batch.post_rows]
        outcomes.append((seen, str(info.value)))
    assert outcomes[0] == outcomes[1] and outcomes[0][0]


def test_a_script_without_a_main_guard_is_not_run_again_by_the_workers(tmp_path):
    path = _write(tmp_path / "notes.jsonl", _lines(_notes(8)))  # 9 lines
    marker = tmp_path / "runs.txt"
    script = tmp_path / "script.py"
    script.write_text(
        (
            "from corpus.loaders import load\n"
            f"open({str(marker)!r}, 'a').write('ran\\n')\n"
            f"print(sum(len(b.posts) for b in load({str(path)!r}, workers=1)))\n"
        ),
        encoding="utf-8",
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "9"
    assert marker.read_text() == "ran\n"


@pytest.mark.parametrize("tiny_chunks", ["chunks"], indirect=True)  # a kill between chunks
def test_a_worker_killed_mid_import_is_a_plain_error_and_nothing_is_imported(db, tmp_path, tiny_chunks):
    """SIGKILL a worker after the first batch was written: a DaziError, not a traceback; the import rolls back."""
    import multiprocessing
    import os
    import signal

    from sqlalchemy import func, select

    from corpus.parallel import WorkerStopped
    from dazi.errors import DaziError
    from dazi.schema import imports

    path = _write(tmp_path / "notes.jsonl", _lines(_notes(60)))
    project = create_project(db, "killed")
    killed: list[int] = []

    def kill_a_worker(read: int) -> None:
        if not killed:
            workers = multiprocessing.active_children()
            assert workers, "the import runs in worker processes"
            killed.append(workers[0].pid)
            os.kill(workers[0].pid, signal.SIGKILL)

    with pytest.raises(WorkerStopped) as info:
        import_files(db, project, [path], workers=1, batch_size=2, progress=kill_a_worker)
    assert killed
    assert isinstance(info.value, DaziError)
    assert str(info.value) == (
        f"an import worker stopped unexpectedly while reading {path}; nothing was imported"
    )
    assert "--workers 0" in info.value.hint
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(posts)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(imports)).scalar() == 0
    assert not multiprocessing.active_children()  # the other workers were stopped too


# ---------------------------------------------------------------------------
# the pieces, without processes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 16])
def test_blocks_number_lines_as_the_file_does(tmp_path, size):
    text = '\ufeff{"a": 1}\n\n{"a": 2}\r\n[3]\n{"a": \n{"a": 4}'
    path = tmp_path / "x.jsonl"
    path.write_text(text, encoding="utf-8")
    info = FileInfo(str(path), "jsonl", "utf-8")
    records, pending = [], None
    for first, block in jsonl_blocks(info, size):
        assert block.endswith(b"\n") or first == 6
        parsed = parse_jsonl_block(block, first)
        if not parsed.blank and pending is not None:
            records.append(pending)
            pending = None
        records += parsed.records
        pending = parsed.pending or (pending if parsed.blank else None)
    assert [(row, rec if type(rec) is dict else rec.reason) for row, rec in records] == [
        (1, {"a": 1}),
        (3, {"a": 2}),
        (4, "line 4 is a JSON list, not an object"),
        (5, "line 5 is not valid JSON (unexpected end of data)"),
        (6, {"a": 4}),
    ]
    assert pending is None


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(b'{"a": 1}\n\n{"a": 2}\r\n[3]\n{"a": \n{"a": 4}\n', id="bad lines between good ones"),
        pytest.param(b'{"a": 1}\n{"a": \n\n   \n', id="a broken line followed by blank lines only"),
        pytest.param(b'{"a": 1}\n{"a": 2}\n{"a": 3', id="a truncated last line"),
        pytest.param(b'\n\n  \n', id="blank lines only"),
        pytest.param(b'{"a": \n{"b": \n\n{"c": 1}\n', id="two broken lines in a row"),
    ],
)
@pytest.mark.parametrize("first", [1, 41])
def test_pieces_of_a_block_parse_as_the_whole_block(block, first):
    whole = parse_jsonl_block(block, first)
    for size in range(1, len(block) + 2):
        pieces = list(split_jsonl_block(block, first, size))
        assert b"".join(piece for _, piece in pieces) == block
        parsed = list(parse_jsonl_blocks(pieces))
        records = [item for part in parsed for item in part.records]
        expected = [(row, repr(rec)) for row, rec in whole.records]
        assert [(row, repr(rec)) for row, rec in records] == expected, size
        assert (parsed[-1].pending if parsed else None) == whole.pending
        assert (not parsed) == whole.blank


@pytest.mark.parametrize("size", [1, 3, 7, 64, 1 << 16])
@pytest.mark.parametrize(
    "text",
    [
        pytest.param('\ufeff{"a": 1}\n\n{"a": 2}\r\n[3]\n{"a": \n{"a": 4}',
                     id="byte order mark, no newline at the end"),
        pytest.param('{"long": "' + "长" * 40 + '"}\n{"b": 2}\n', id="lines longer than a block"),
        pytest.param("", id="empty"),
        pytest.param("\ufeff", id="only a byte order mark"),
        pytest.param("\n\n" + "x\n" * 5, id="short lines at the start (the first block spans 3 bytes)"),
    ],
)
def test_spans_hold_the_very_blocks_of_an_uncompressed_file(tmp_path, size, text):
    """The same blocks and line numbers as jsonl_blocks: workers batch, reject and err alike either way."""
    path = tmp_path / "x.jsonl"
    path.write_text(text, encoding="utf-8")
    info = FileInfo(str(path), "jsonl", "utf-8")
    spans = [(first, read_span(span)) for first, span in jsonl_spans(info, size)]
    assert spans == [(first, block) for first, block in jsonl_blocks(info, size) if block]


def test_a_span_of_a_file_cut_short_meanwhile_is_an_error(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    spans = list(jsonl_spans(FileInfo(str(path), "jsonl", "utf-8"), 1 << 16))
    path.write_text('{"a": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="changed while it was read"):
        read_span(spans[0][1])


def test_row_kinds_match_the_schema():
    assert column_kinds(posts, POST_COLUMNS) == POST_KINDS
    assert column_kinds(comments, COMMENT_COLUMNS) == COMMENT_KINDS


@pytest.mark.parametrize(
    "kind, value, sqlite, param",
    [
        pytest.param("time", datetime(2024, 1, 5, 10, tzinfo=UTC), True, "2024-01-05 10:00:00.000000",
                     id="whole seconds keep six decimals"),
        pytest.param("time", datetime(1999, 12, 31, 23, 59, 59, 7, tzinfo=UTC), True,
                     "1999-12-31 23:59:59.000007", id="microseconds"),
        pytest.param("json", ["饭搭子", {"n": 1}], True, '["饭搭子",{"n":1}]'.encode(),
                     id="sqlite json as utf-8 bytes without ascii escapes"),
        pytest.param("json", ["饭搭子", {"n": 1}], False, '["饭搭子",{"n":1}]', id="postgres json as text"),
        pytest.param("bool", True, True, 1, id="sqlite booleans are 0 and 1"),
        pytest.param("bool", True, False, True, id="postgres booleans stay booleans"),
        pytest.param(None, "7301234567890123456", True, "7301234567890123456", id="ids pass as text"),
    ],
)
def test_params_round_trip(kind, value, sqlite, param):
    assert to_param(kind, value, sqlite=sqlite) == param
    assert from_param(kind, param, sqlite=sqlite) == value


def test_times_in_other_zones_are_stored_in_utc_and_naive_ones_refused():
    from datetime import timedelta

    shanghai = timezone(timedelta(hours=8))
    assert to_param("time", datetime(2024, 1, 5, 18, tzinfo=shanghai), sqlite=True) == "2024-01-05 10:00:00.000000"
    with pytest.raises(ValueError, match="naive"):
        to_param("time", datetime(2024, 1, 5), sqlite=True)


def test_prepared_rows_are_stored_as_sqlalchemy_stores_them(db, tmp_path):
    """The importer's parameters (JSON as UTF-8 bytes on SQLite) store what SQLAlchemy stores.

    The imported posts and comments are read back and inserted again into a
    second project through SQLAlchemy's own column types; every stored value,
    and on SQLite its storage class (text, not blob), must be the same.
    """
    from sqlalchemy import select, text

    notes = _notes()
    notes[1] = dict(notes[1], liked_count="1.2万", tag_list='["饭搭子", "a\\"b"]', desc="@小红薯 你好 #搭子[话题]#")
    notes_path = _write(tmp_path / "notes.jsonl", _lines(notes))
    replies = generate_comments(notes, per_note=(1, 2), seed=2)
    comments_path = _write(tmp_path / "comments.jsonl", _lines(replies))
    imported = create_project(db, "imported")
    import_files(db, imported, [notes_path, comments_path], workers=1)
    again = create_project(db, "again")
    with db.write() as conn:
        for table in (posts, comments):
            query = select(table).where(table.c.project_id == imported.id)
            rows = [dict(r._mapping) for r in conn.execute(query)]
            assert rows
            for row in rows:
                row.pop("id")
                row["project_id"] = again.id
            conn.execute(table.insert(), rows)
    sqlite = db.dialect == "sqlite"
    for table, key in ((posts, "post_id"), (comments, "comment_id")):
        names = [c.name for c in table.columns if c.name not in ("id", "project_id")]
        shown = [f"typeof({n}), {n}" if sqlite else f"CAST({n} AS TEXT)" for n in names]
        query = text(f"SELECT {', '.join(shown)} FROM {table.name} "
                     f"WHERE project_id = :p ORDER BY platform, {key}")
        with db.read() as conn:
            stored = [conn.execute(query, {"p": p.id}).all() for p in (imported, again)]
        assert stored[0] == stored[1]
        if sqlite:
            kinds = {row[2 * names.index("raw")] for row in stored[0]}
            assert kinds == {"text"}
