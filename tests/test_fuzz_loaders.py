"""Fuzzing the loaders: every format, every preset, structured junk and mangled bytes.

Property (issue 8, "Hostile and broken input"): whatever the file holds,
:func:`corpus.loaders.load` (iterated to the end), :func:`corpus.loaders.preview`
and :func:`corpus.importer.import_files` either succeed or raise a
:class:`~dazi.errors.DaziError` naming the file (and the row, for a row-level
error); none hangs; and a failed import leaves the project's posts, comments
and imports exactly as they were.

Two kinds of cases:

- *structured*: records laid out for a preset (its columns, markers and
  typical values) whose values are replaced by junk of every kind (wrong
  types, huge numbers, "1.2万"-style counts, odd dates, nested lists and
  objects, NUL bytes, byte order marks, 100k-character text), with fields
  dropped or added, written in a chosen format and encoding, sometimes with
  invalid UTF-8 bytes, a truncated JSONL line or a cut-off zstd frame;
- *bytes*: the real-shaped sample files of ``tests/data/exports`` (plus a
  workbook, a MediaCrawler SQLite store and a zstd dump built from them)
  with bytes flipped, inserted, deleted, duplicated or cut off.

Budgets: see :mod:`tests.fuzzing` (200 cases per target in CI, 3000 in the
``deep`` variants, ``DAZI_FUZZ_EXAMPLES`` overrides).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from corpus.importer import import_files
from corpus.loaders import load, preview
from corpus.presets import PRESETS
from dazi.errors import DaziError, ValidationError
from dazi.projects import create_project
from dazi.schema import comments, imports, posts
from tests.data.exports import make_fixtures as fx
from tests.fuzzing import DEPTHS, check_error, run, time_limit

EXPORTS = Path(__file__).parent / "data" / "exports"
#: Errors about the arguments (a column mapping without a text column), not the file.
ARGUMENT_ERRORS = (ValidationError,)

# ---------------------------------------------------------------------------
# structured records
# ---------------------------------------------------------------------------

#: Values crawlers write, and values they should not: counts, times, ids, junk.
ODD_STRINGS = [
    "1.2万", "10万+", "2.1w", "1.2k", "1千+", "10+", "3.5亿", "万", "1.2.3万", "-1.2万", "１２３",
    "1,234", "1e309", "-0", "0x1F", "9" * 40, "NaN", "inf", "", " ", "None", "null", "nan",
    "1703323974000", "1703323974", "-1703323974000", "99999999999999999999", "0",
    "2024-02-30", "2024-13-45T25:61:61Z", "0000-00-00 00:00:00", "1970-01-01", "9999-12-31 23:59:59",
    "刚刚", "3分钟前", "昨天 12:00", "12-31", "2023-12-23 17:32:54+25:00", "Sat Dec 23 09:32:54 +0000 2023",
    "4.75E+15", "6.5a1b2c3d4e5f6e+23", "[1, 2", "['a', 'b']", "{'a': 1}", "[]", "{}", '["x", {"y": []}]',
    "t3_", "t1_", "[deleted]", "[removed]", "deleted", "True", "FALSE", "是",
    "a\x00b", "\x00", "\ufeffnote_id", "a\ufeffb", "\u202eevil", "a\u200bb", "\r\n", "a\rb", "\t",
    '"', '""', "'", "#话题[话题]#", "@", "#", "<script>alert(1)</script>", "=1+1", "@SUM(A1)",
    "x" * 100_000, "长" * 40_000,
]

SCALARS = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=40),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
KEYS = st.one_of(st.sampled_from(["id", "data", "note_id", "desc", "", " ", "a\x00", "\ufeff"]), st.text(max_size=12))


@cache
def _base_records() -> dict[str, list[dict]]:
    """One or two plausible records per preset (fixtures where there are some)."""
    def rows(columns: list[str], values: list[list]) -> list[dict]:
        return [dict(zip(columns, v)) for v in values]

    known = {
        "mediacrawler-xhs-notes": fx.XHS_NOTES[:2],
        "mediacrawler-xhs-comments": fx.XHS_COMMENTS[:2],
        "weibo-search": rows(fx.WEIBO_SEARCH_COLUMNS, fx.WEIBO_SEARCH_ROWS[:2]),
        "weibo-crawler": rows(fx.WEIBO_CRAWLER_COLUMNS, fx.WEIBO_CRAWLER_ROWS[:2]),
        "reddit-submissions": fx.REDDIT_SUBMISSIONS,
        "reddit-comments": fx.REDDIT_COMMENTS,
        "x-api-v2-pages": [fx.X_PAGE],
        "x-tweets": rows(fx.TWARC_COLUMNS, fx.TWARC_ROWS[:2]),
    }
    out = {}
    for name, preset in PRESETS.items():
        if name in known:
            out[name] = [dict(r) for r in known[name]]
            continue
        record: dict = {}
        for column in (*preset.columns, *preset.markers, *(g[0] for g in preset.any_of)):
            record[column] = "1703323974" if "time" in column or "日期" in column else "12"
        for column in preset.columns[:1]:
            record[column] = "65a1b2c3d4e5f60718293a4b"
        out[name] = [record]
    return out


@st.composite
def _records(draw) -> tuple[str, list[dict]]:
    """A preset name and 1-4 of its records with values replaced, dropped and added."""
    name = draw(st.sampled_from(sorted(PRESETS)))
    bases = _base_records()[name]
    records = []
    for _ in range(draw(st.integers(1, 4))):
        record = dict(draw(st.sampled_from(bases)))
        # a few fields changed at a time, so that most records still convert and reach the database
        for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3, 8]))):
            if not record:
                break
            key = draw(st.sampled_from(sorted(record)))
            if draw(st.integers(0, 4)):
                record[key] = draw(VALUES)
            else:
                del record[key]
        for key in draw(st.lists(KEYS, max_size=2)):
            record[key] = draw(VALUES)
        records.append(record)
    return name, records


def _cell(value: object) -> str:
    """A value as a crawler's CSV writer puts it in a cell."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _columns(records: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for r in records for k in r))


def _delimited(records: list[dict], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    columns = _columns(records)
    writer.writerow(columns)
    for r in records:
        writer.writerow([_cell(r.get(c)) for c in columns])
    return out.getvalue()


def _json_default(value: object) -> object:
    return str(value)


def _jsonl(records: list[dict], draw) -> bytes:
    lines = [json.dumps(r, ensure_ascii=draw(st.booleans()), default=_json_default) for r in records]
    trouble = draw(st.sampled_from(["none", "none", "truncated", "junk", "blank", "crlf", "not-object"]))
    if trouble == "truncated":
        lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
    elif trouble == "junk":
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["{", "]", "\x00", "nul\x00l", "{}x"])))
    elif trouble == "blank":
        lines.insert(draw(st.integers(0, len(lines))), "")
    elif trouble == "not-object":
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["[1]", "1", '"x"', "null"])))
    end = "\r\n" if trouble == "crlf" else "\n"
    return (end.join(lines) + draw(st.sampled_from([end, ""]))).encode("utf-8", "surrogatepass")


def _xlsx_value(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)[:32_767]
    if isinstance(value, list | dict):
        return _xlsx_value(_cell(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)  # openpyxl writes only numbers Excel can hold
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    return value


def _sqlite_value(value: object) -> object:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        return str(value)
    return value


FORMATS = ["csv-utf8", "csv-bom", "csv-gb18030", "tsv", "xlsx", "json", "jsonl", "zst", "sqlite"]


@st.composite
def structured_files(draw) -> tuple[str, str, list[dict], dict]:
    """(format, preset, records, file bytes by name) for one fuzz case."""
    fmt = draw(st.sampled_from(FORMATS))
    name, records = draw(_records())
    data: dict[str, bytes | list] = {}
    if fmt.startswith("csv") or fmt == "tsv":
        text = _delimited(records, "\t" if fmt == "tsv" else ",")
        encoding = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gb18030": "gb18030", "tsv": "utf-8"}[fmt]
        raw = text.encode(encoding, "replace")
        if draw(st.integers(0, 4)) == 0:  # invalid bytes for the encoding somewhere
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\x80\x80", b"\xc3", b"\xef\xbb\xbf", b"\x00"])) + raw[at:]
        data["export." + ("tsv" if fmt == "tsv" else "csv")] = raw
    elif fmt == "xlsx":
        columns = _columns(records)
        header = [ILLEGAL_CHARACTERS_RE.sub("", c) for c in columns]
        data["export.xlsx"] = [header] + [[_xlsx_value(r.get(c)) for c in columns] for r in records]
    elif fmt == "json":
        elements: list = list(records)
        if draw(st.booleans()):
            elements.insert(draw(st.integers(0, len(elements))), draw(VALUES))
        text = json.dumps(elements, ensure_ascii=draw(st.booleans()), default=_json_default)
        if draw(st.integers(0, 3)) == 0:
            text = text[: draw(st.integers(0, len(text)))]
        data["export.json"] = text.encode("utf-8", "surrogatepass")
    elif fmt in ("jsonl", "zst"):
        raw = _jsonl(records, draw)
        if fmt == "zst":
            import zstandard

            raw = zstandard.ZstdCompressor(level=1).compress(raw)
            if draw(st.integers(0, 3)) == 0:
                raw = raw[: draw(st.integers(0, len(raw)))]
            data["dump.zst"] = raw
        else:
            data["export.jsonl"] = raw
    else:
        data["store.db"] = [_columns(records), records]
    return fmt, name, records, data


def _write(directory: Path, data: dict) -> Path:
    (filename, content), = data.items()
    path = directory / filename
    if filename.endswith(".xlsx"):
        import openpyxl

        wb = openpyxl.Workbook()
        for row in content:
            wb.active.append(row)
        wb.save(path)
    elif filename.endswith(".db"):
        columns, records = content
        records = [{k.replace("\x00", ""): v for k, v in r.items()} for r in records]
        columns = list(dict.fromkeys(c.replace("\x00", "") for c in columns))  # SQL cannot name them
        con = sqlite3.connect(path)
        quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns) or '"empty"'
        con.execute(f"CREATE TABLE xhs_note ({quoted})")
        for r in records:
            values = [_sqlite_value(r.get(c)) for c in columns] or [None]
            con.execute(f"INSERT INTO xhs_note VALUES ({', '.join('?' * len(values))})", values)
        con.commit()
        con.close()
    else:
        path.write_bytes(content)
    return path


# ---------------------------------------------------------------------------
# the property
# ---------------------------------------------------------------------------


def _counts(db) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    with db.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (posts, comments, imports))


def _check_file(path: Path, db, project, *, skip: bool, preset: str | None = None,
                mapping: dict[str, str] | None = None) -> None:
    """Load, preview and import *path*: only DaziErrors naming it; a failed import writes nothing."""
    try:
        result = load(path, preset=preset, mapping=mapping, skip_bad_rows=skip, batch_size=3)
        for batch in result:
            assert all(isinstance(p["post_id"], str) for p in batch.posts)
            assert all(isinstance(c["comment_id"], str) for c in batch.comments)
    except DaziError as exc:
        check_error(exc, path, unnamed=ARGUMENT_ERRORS)
    except BaseException as exc:
        check_error(exc, path, unnamed=ARGUMENT_ERRORS)
    try:
        preview(path, preset=preset, mapping=mapping)
    except DaziError as exc:
        check_error(exc, path, unnamed=ARGUMENT_ERRORS)
    except BaseException as exc:
        check_error(exc, path, unnamed=ARGUMENT_ERRORS)
    before = _counts(db)
    try:
        import_files(db, project, [path], preset=preset, mapping=mapping, skip_bad_rows=skip, workers=0,
                     rejects_path=path.with_name("rejects.csv"))
    except BaseException as exc:
        check_error(exc, path, unnamed=ARGUMENT_ERRORS)
        assert _counts(db) == before, "a failed import changed the project"
    assert _nul_texts(db) == 0, "NUL characters in text columns (PostgreSQL refuses them)"


def _nul_texts(db) -> int:
    """Rows whose text columns hold a NUL character: SQLite stores them, PostgreSQL refuses them."""
    import sqlalchemy as sa

    total = 0
    with db.read() as conn:
        for table in (posts, comments):
            columns = [c for c in table.c if isinstance(c.type, sa.String)]
            condition = sa.or_(*[sa.func.instr(c, sa.func.char(0)) > 0 for c in columns])
            total += conn.execute(sa.select(sa.func.count()).select_from(table).where(condition)).scalar_one()
    return total


@pytest.fixture
def project(sqlite_db):
    return create_project(sqlite_db, "fuzz")


@pytest.mark.parametrize("examples", DEPTHS)
def test_structured_junk_in_every_format_and_preset(sqlite_db, project, examples):
    mappings = st.dictionaries(st.sampled_from(["post_id", "text", "title", "likes", "created_at", "author_name",
                                                "hashtags", "comments"]),
                               st.sampled_from(["note_id", "desc", "id", "text", "time", "liked_count", "missing"]),
                               min_size=1, max_size=4)
    cases = st.tuples(structured_files(), st.booleans(), st.integers(0, 5), st.sampled_from(sorted(PRESETS)),
                      mappings)

    def check(case) -> None:
        (fmt, name, records, data), skip, force, forced, mapping = case
        with tempfile.TemporaryDirectory() as tmp:
            path = _write(Path(tmp), data)
            _check_file(path, sqlite_db, project, skip=skip, preset=forced if force == 0 else None,
                        mapping=mapping if force == 1 else None)

    tried = run("loaders-structured", examples, cases, check)
    assert tried >= min(examples, 50)


# ---------------------------------------------------------------------------
# byte mutations of real-shaped files
# ---------------------------------------------------------------------------


@cache
def _samples() -> dict[str, bytes]:
    """The sample exports as bytes, plus a workbook, a SQLite store and a zstd dump."""
    out = {p.name: p.read_bytes() for p in sorted(EXPORTS.iterdir()) if p.suffix != ".py"}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        rows = fx.mediacrawler_excel_rows(fx.XHS_NOTES, fx.XHS_COLUMNS)
        out["xhs.xlsx"] = fx.write_xlsx(d / "x.xlsx", {"Contents": (fx.XHS_COLUMNS, rows)}).read_bytes()
        out["mc.db"] = fx.write_mediacrawler_sqlite(d / "mc.db", fx.XHS_NOTES, fx.XHS_COMMENTS).read_bytes()
        out["RC.zst"] = fx.write_zst(d / "rc.zst", (EXPORTS / "reddit_comments.ndjson").read_text()).read_bytes()
    return out


@st.composite
def mutated_samples(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(_samples())))
    data = bytearray(_samples()[name])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "special"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 256))]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from([
                b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3", b'"', b"\n", b"\r", b",", b"\t",
                b"{", b"[", b"]", b"}", b"\\", b"\xe4\xb8", b"x" * 70_000, b"\n" * 50,
            ]))
    return name, bytes(data)


@pytest.mark.parametrize("examples", DEPTHS)
def test_mutated_sample_files(sqlite_db, project, examples):
    def check(case) -> None:
        (name, data), skip = case
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            _check_file(path, sqlite_db, project, skip=skip)

    tried = run("loaders-bytes", examples, st.tuples(mutated_samples(), st.booleans()), check)
    assert tried >= min(examples, 50)


def test_a_failed_import_writes_nothing(sqlite_db, project, tmp_path):
    """The importer check above works: a bad row after good ones leaves the project as it was."""
    lines = (EXPORTS / "xhs_notes.jsonl").read_bytes().splitlines()
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join([*lines, b"{broken", lines[0]]) + b"\n")
    before = _counts(sqlite_db)
    with pytest.raises(DaziError) as info:
        import_files(sqlite_db, project, [path], workers=0)
    check_error(info.value, path)
    assert f"row {len(lines) + 1}" in str(info.value)
    assert _counts(sqlite_db) == before


# ---------------------------------------------------------------------------
# the faults the fuzzing found, as fixed cases
# ---------------------------------------------------------------------------

_XHS_HEADER = "note_id,desc,liked_count,collected_count,time\n"


def _damaged_sqlite(path: Path) -> None:
    fx.write_mediacrawler_sqlite(path, fx.XHS_NOTES * 200, fx.XHS_COMMENTS)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[3 * page:3 * page + 64] = b"\xff" * 64  # a b-tree page header of the notes table
    path.write_bytes(bytes(data))


def _sqlite_name_not_utf8(path: Path) -> None:
    fx.write_mediacrawler_sqlite(path, fx.XHS_NOTES, fx.XHS_COMMENTS)
    data = path.read_bytes()
    assert b"tablexhs_creatorxhs_creator" in data
    path.write_bytes(data.replace(b"tablexhs_creatorxhs_creator", b"table\x80hs_creator\x80hs_creator"))


def _damaged_xlsx(path: Path) -> None:
    rows = fx.mediacrawler_excel_rows(fx.XHS_NOTES * 50, fx.XHS_COLUMNS)
    fx.write_xlsx(path, {"Contents": (fx.XHS_COLUMNS, rows)})
    data = bytearray(path.read_bytes())
    at = data.index(b"xl/worksheets/sheet1.xml") + 200
    data[at:at + 16] = bytes(16)  # inside the sheet's deflate stream
    path.write_bytes(bytes(data))


FOUND = [
    pytest.param("a.json", b'[{"note_id": "1", "desc": "\xe4\xb8', None, "not valid UTF-8", id="JSON array cut mid-character"),
    pytest.param("a.csv", _XHS_HEADER.encode()[:-1] + b"\xe5", None, "not valid UTF-8", id="CSV header cut mid-character"),
    pytest.param("a.json", b'[{"note_id": "1", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]", None,
                 "nested too deeply", id="deeply nested JSON element"),
    pytest.param("a.csv", (_XHS_HEADER + "1,x,99999999999999999999,1,1703323974000\n").encode(), None,
                 "too large to be a count", id="count beyond 64 bits (OverflowError at insert)"),
    pytest.param("a.csv", (_XHS_HEADER + "1,x,9" + "9" * 400 + ".5万,1,1703323974000\n").encode(), None,
                 "too large to be a count", id="count with a unit beyond a float"),
    pytest.param("t.csv", (b"id,text,created_at,author_id,entities.hashtags\n"
                           b'1,hi,2024-01-16T10:00:00.000Z,7,"[z""start"": 1}]"\n'), None,
                 "not a list", id="unreadable X entities list (ValueError)"),
    pytest.param("mc.db", _damaged_sqlite, None, "cannot read the SQLite file", id="damaged SQLite page"),
    pytest.param("mc.db", _sqlite_name_not_utf8, None, "cannot read the SQLite file",
                 id="SQLite table name not UTF-8 (UnicodeDecodeError)"),
    pytest.param("d.xlsx", _damaged_xlsx, None, "cannot read the Excel workbook", id="damaged workbook (zlib.error)"),
]


@pytest.mark.parametrize("name, content, preset, message", FOUND)
def test_faults_found_by_fuzzing(sqlite_db, project, tmp_path, name, content, preset, message):
    path = tmp_path / name
    if callable(content):
        content(path)
    else:
        path.write_bytes(content)
    before = _counts(sqlite_db)
    for attempt in (lambda: list(load(path, preset=preset)), lambda: import_files(sqlite_db, project, [path], workers=0)):
        with time_limit(20), pytest.raises(DaziError, match=message) as info:
            attempt()
        check_error(info.value, path)
    assert _counts(sqlite_db) == before


def test_integers_beyond_64_bits_in_a_json_array_are_stored(sqlite_db, project, tmp_path):
    """The raw record is saved with orjson, which refused Python's big ints (TypeError); now floats, as in JSONL."""
    path = tmp_path / "a.json"
    record = {"note_id": "1", "desc": "x", "liked_count": "1", "collected_count": "1", "time": 1703323974000,
              "extra": 2**70}
    path.write_text(json.dumps([record]))
    report = import_files(sqlite_db, project, [path], workers=0)
    assert report.imported == 1
    post = next(p for b in load(path) for p in b.posts)
    assert post["raw"]["extra"] == float(2**70)


def test_a_workbook_that_unpacks_to_far_more_than_it_holds_is_refused(tmp_path, monkeypatch):
    import zipfile

    monkeypatch.setattr("corpus.formats.xlsx._ZIP_BOMB_BYTES", 1 << 20)  # 256 MiB in real life; the test stays small
    path = tmp_path / "bomb.xlsx"
    rows = fx.mediacrawler_excel_rows(fx.XHS_NOTES, fx.XHS_COLUMNS)
    fx.write_xlsx(path, {"Contents": (fx.XHS_COLUMNS, rows)})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/padding.xml", b" " * (4 << 20))
    with pytest.raises(DaziError, match="unpacks to") as info:
        list(load(path))
    check_error(info.value, path)


@pytest.mark.parametrize("name, content", [
    pytest.param("n.jsonl", '{"note_id": "5", "desc": "a\\u0000b", "title": "t\\u0000", "liked_count": "1", '
                            '"collected_count": "1", "time": 1703323974000, "nickname": "\\u0000"}\n', id="jsonl"),
    pytest.param("n.csv", _XHS_HEADER + "6,a\x00b,1,1,1703323974000\n", id="csv"),
])
def test_nul_characters_on_both_backends(db, tmp_path, name, content):
    """Found by fuzzing: PostgreSQL text cannot hold NUL (psycopg.DataError); the loaders drop it from text."""
    from dazi.projects import create_project as make

    project = make(db, "nul")
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert import_files(db, project, [path], workers=0).imported == 1
    with db.read() as conn:
        assert conn.execute(select(posts.c.text)).scalar_one() == "ab"
    if db.engine.dialect.name == "sqlite":  # PostgreSQL would have refused the insert
        assert _nul_texts(db) == 0
