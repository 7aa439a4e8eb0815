"""Tests for corpus.formats: every supported file kind read as raw records with row numbers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from corpus.formats import BadRecord, detect_format, iter_parts, iter_raw_records
from dazi.errors import InputError
from tests.data.exports import make_fixtures as fx

EXPORTS = Path(__file__).parent / "data" / "exports"


def _records(path):
    info, records = iter_raw_records(path)
    return info, list(records)


# ---------------------------------------------------------------------------
# format detection
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("a.csv", b"a,b\n1,2\n", "csv", id="csv extension"),
        pytest.param("a.tsv", b"a\tb\n", "tsv", id="tsv extension"),
        pytest.param("a.jsonl", b'{"a": 1}\n', "jsonl", id="jsonl"),
        pytest.param("a.ndjson", b'{"a": 1}\n', "jsonl", id="ndjson"),
        pytest.param("a.json", b"[]", "json", id="json"),
        pytest.param("a.data", b'  [{"a": 1}]', "json", id="unknown extension, JSON array"),
        pytest.param("a.data", b'{"a": 1}\n', "jsonl", id="unknown extension, JSON object"),
        pytest.param("a.data", b"a,b\n", "csv", id="unknown extension, text"),
        pytest.param("a.csv", b"SQLite format 3\x00rest", "sqlite", id="sqlite renamed csv"),
        pytest.param("a.bin", b"\x28\xb5\x2f\xfd....", "jsonl.zst", id="zstd magic"),
        pytest.param("a.bin", b"\x1f\x8b....", "jsonl.gz", id="gzip magic"),
        pytest.param("a.csv", b"PK\x03\x04....", "xlsx", id="zip magic is a workbook"),
    ],
)
def test_detect_format(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) == expected


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("old.xls", b"\xd0\xcf\x11\xe0rest", "old binary Excel", id="binary xls"),
        pytest.param("a.xlsx", b"not a zip", "not of that kind", id="xlsx that is text"),
        pytest.param("a.zst", b"plain text", "not of that kind", id="zst that is text"),
    ],
)
def test_detect_format_refuses(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        detect_format(path)
    assert err.value.location.file == str(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        detect_format(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="folder"):
        detect_format(tmp_path)


# ---------------------------------------------------------------------------
# CSV / TSV
# ---------------------------------------------------------------------------


def test_mediacrawler_csv_with_bom_and_newlines_in_fields():
    info, rows = _records(EXPORTS / "xhs_notes_bom.csv")
    assert (info.format, info.encoding) == ("csv", "utf-8-sig")
    assert info.columns == fx.XHS_COLUMNS  # the BOM is not part of the first name
    assert [r for r, _ in rows] == [2, 3, 4, 5]  # one row per record despite the newlines
    first = rows[0][1]
    assert first["desc"] == fx.XHS_NOTES[0]["desc"] and "\n" in first["desc"]
    assert first["time"] == "1703323974000"  # text, never a number
    assert rows[1][1]["desc"].count('"') == 2  # quotes inside a quoted field survive
    assert info.warnings == []


def test_gb18030_csv_is_detected_and_decoded():
    info, rows = _records(EXPORTS / "xhs_notes_gb18030.csv")
    assert info.encoding == "gb18030"
    utf8 = [rec for _, rec in _records(EXPORTS / "xhs_notes_bom.csv")[1]]
    assert [rec for _, rec in rows] == utf8


def test_gbk_question_marks_warn(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("note_id,desc\n1,好吃??\n2,正常\n3,真的吗???\n".encode("gbk"))
    info, rows = _records(path)
    assert len(rows) == 3
    assert len(info.warnings) == 1 and info.warnings[0].startswith("2 row(s)")
    assert "emoji" in info.warnings[0]


def test_utf8_question_marks_do_not_warn(tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text("note_id,desc\n1,真的吗??\n", encoding="utf-8")
    info, _ = _records(path)
    assert info.encoding == "utf-8" and info.warnings == []


def test_field_count_mismatch_is_a_bad_row(tmp_path):
    # MediaCrawler writes the header once: rows of a newer schema sit under it.
    path = tmp_path / "mixed.csv"
    path.write_text("note_id,desc\n1,a\n2,b,newcol\n3,c\n4\n", encoding="utf-8")
    _, rows = _records(path)
    assert [r for r, _ in rows] == [2, 3, 4, 5]
    bad = rows[1][1]
    assert isinstance(bad, BadRecord)
    assert bad.reason == "the row has 3 fields but the header has 2"
    assert "newer schema" in bad.hint
    assert isinstance(rows[3][1], BadRecord) and "1 fields" in rows[3][1].reason


def test_trailing_empty_cells_and_blank_lines_are_tolerated(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("note_id,desc,\n1,a,\n\n2,b\n", encoding="utf-8")
    info, rows = _records(path)
    assert info.columns == ["note_id", "desc"]
    assert rows == [(2, {"note_id": "1", "desc": "a"}), (4, {"note_id": "2", "desc": "b"})]


@pytest.mark.parametrize(
    ("content", "delimiter_format"),
    [
        pytest.param("id\ttext\n1\ta,b\n", "tsv", id="tab"),
        pytest.param("id;text\n1;a,b\n", "csv", id="semicolon (European Excel)"),
    ],
)
def test_delimiter_is_detected(tmp_path, content, delimiter_format):
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    info, rows = _records(path)
    assert info.format == delimiter_format
    assert rows == [(2, {"id": "1", "text": "a,b"})]


def test_utf16_unicode_text_from_excel(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("id\ttext\n1\t你好🙂\n".encode("utf-16"))
    info, rows = _records(path)
    assert (info.format, info.encoding) == ("tsv", "utf-16")
    assert rows == [(2, {"id": "1", "text": "你好🙂"})]


def test_duplicate_header_is_an_error(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,text,text\n1,a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="appears twice") as err:
        iter_raw_records(path)
    assert (err.value.location.row, err.value.location.column) == (1, "text")


def test_empty_csv_is_an_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        iter_raw_records(path)


def test_invalid_utf8_after_the_sample_names_the_row(tmp_path):
    path = tmp_path / "late.csv"
    body = "id,text\n" + "".join(f"{i},ascii only\n" for i in range(2, 80000))
    path.write_bytes(body.encode() + "99999,坏".encode("gbk") + b"\n")
    info, records = iter_raw_records(path)
    assert info.encoding == "utf-8"
    with pytest.raises(InputError, match="not valid UTF-8") as err:
        list(records)
    assert "CSV UTF-8" in err.value.hint


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------


def test_xlsx_sheets_cells_as_text(tmp_path):
    path = fx.write_xlsx(
        tmp_path / "mc.xlsx",
        {
            "Contents": (
                ["note_id", "liked_count", "time", "score"],
                [["65a1", 3585, 1703323974000, 2.5], ["7301234567890123456", "1.3万", None, None]],
            ),
            "Comments": (["comment_id", "note_id"], [["c1", "65a1"]]),
            "Creators": (["user_id"], []),
        },
    )
    parts = [(info, list(records)) for info, records in iter_parts(path)]
    assert [info.part for info, _ in parts] == ["Contents", "Comments", "Creators"]
    info, rows = parts[0]
    assert info.format == "xlsx" and info.encoding is None
    assert rows[0] == (
        2,
        {"note_id": "65a1", "liked_count": "3585", "time": "1703323974000", "score": "2.5"},
    )
    assert rows[1][1]["note_id"] == "7301234567890123456"
    assert rows[1][1]["time"] == ""
    assert parts[2][1] == []


def test_xlsx_numeric_long_id_shows_as_excel_does(tmp_path):
    # A 19-digit id typed into Excel is stored as a double: 15 digits survive.
    path = fx.write_xlsx(
        tmp_path / "ids.xlsx", {"Sheet1": (["aweme_id"], [[7301234567890123456.0]])}
    )
    _, rows = _records(path)
    assert rows == [(2, {"aweme_id": "7.30123456789012E+18"})]


def test_damaged_xlsx(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(InputError, match="cannot open the Excel workbook"):
        list(iter_parts(path))


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def test_json_array_streams_elements():
    info, rows = _records(EXPORTS / "xhs_notes.json")
    assert info.format == "json"
    assert [r for r, _ in rows] == [1, 2, 3, 4]
    assert [rec for _, rec in rows] == fx.XHS_NOTES
    assert info.columns == fx.XHS_COLUMNS


def test_json_array_with_elements_larger_than_a_chunk(tmp_path):
    big = [{"id": str(i), "text": "搭" * 700_000} for i in range(3)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big, ensure_ascii=False), encoding="utf-8")
    _, rows = _records(path)
    assert [rec for _, rec in rows] == big


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param('[{"a": 1}, {"a": 2}', "ends early", id="missing closing bracket"),
        pytest.param('[{"a": 1} {"a": 2}]', "expected ','", id="missing comma"),
        pytest.param('[{"a": 1}, {"a": }]', "invalid JSON in element 2", id="broken element"),
        pytest.param('[{"a": 1},, {"a": 2}]', "expected ','", id="double comma"),
    ],
)
def test_json_array_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    _, records = iter_raw_records(path)
    with pytest.raises(InputError, match=message):
        list(records)


def test_json_array_of_non_objects_gives_bad_records(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text('[{"a": 1}, 5, "x"]', encoding="utf-8")
    _, rows = _records(path)
    assert rows[0] == (1, {"a": 1})
    assert all(isinstance(rec, BadRecord) for _, rec in rows[1:])


def test_json_object_file_is_one_record():
    info, rows = _records(EXPORTS / "x_page.json")
    assert info.format == "json"
    assert rows == [(1, fx.X_PAGE)]


def test_json_that_is_jsonl(tmp_path):
    path = tmp_path / "lines.json"
    path.write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    info, rows = _records(path)
    assert info.format == "jsonl"
    assert "one JSON object per line" in info.warnings[0]
    assert rows == [(1, {"a": 1}), (2, {"a": 2})]


def test_json_that_is_not_an_array(tmp_path):
    path = tmp_path / "scalar.json"
    path.write_text("42", encoding="utf-8")
    with pytest.raises(InputError, match="not a JSON array"):
        iter_raw_records(path)


# ---------------------------------------------------------------------------
# JSONL, zstd, gzip
# ---------------------------------------------------------------------------


def test_jsonl_blank_lines_and_bom(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n   \n{"a": 2}\n')
    info, rows = _records(path)
    assert rows == [(1, {"a": 1}), (4, {"a": 2})]
    assert info.warnings == []


def test_jsonl_truncated_last_line_is_a_warning(tmp_path):
    path = tmp_path / "cut.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, "desc": "被打断', encoding="utf-8")
    info, rows = _records(path)
    assert rows == [(1, {"a": 1}), (2, {"a": 2})]
    assert info.warnings == [
        "the last line (3) is incomplete and was skipped: the crawler was probably stopped "
        "while writing it"
    ]


def test_jsonl_broken_line_in_the_middle_is_a_bad_record(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"a": 1}\n{"a": \n{"a": 3}\n[1, 2]\n', encoding="utf-8")
    info, rows = _records(path)
    assert [r for r, _ in rows] == [1, 2, 3, 4]
    assert isinstance(rows[1][1], BadRecord)
    assert rows[1][1].reason.startswith("line 2 is not valid JSON")
    assert "line 2 column" not in rows[1][1].reason  # no confusing in-line positions
    assert rows[2] == (3, {"a": 3})
    assert rows[3][1].reason == "line 4 is a JSON list, not an object"
    assert info.warnings == []


def test_zstd_ndjson_reddit_dump(tmp_path):
    text = (EXPORTS / "reddit_submissions.ndjson").read_text(encoding="utf-8")
    path = fx.write_zst(tmp_path / "RS_2023-12.zst", text)
    info, rows = _records(path)
    assert info.format == "jsonl.zst"
    assert [rec for _, rec in rows] == fx.REDDIT_SUBMISSIONS


def test_gzip_ndjson(tmp_path):
    path = tmp_path / "posts.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n{"a": 2}\n'))
    info, rows = _records(path)
    assert info.format == "jsonl.gz"
    assert rows == [(1, {"a": 1}), (2, {"a": 2})]


def test_truncated_zstd_is_an_error(tmp_path):
    text = "".join(json.dumps({"i": i, "pad": "x" * 50}) + "\n" for i in range(2000))
    path = fx.write_zst(tmp_path / "cut.zst", text)
    path.write_bytes(path.read_bytes()[:-50])
    _, records = iter_raw_records(path)
    with pytest.raises(InputError, match="damaged"):
        list(records)


# ---------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------


def test_mediacrawler_sqlite_tables(tmp_path):
    path = fx.write_mediacrawler_sqlite(tmp_path / "mc.db", fx.XHS_NOTES, fx.XHS_COMMENTS)
    parts = {info.part: (info, list(records)) for info, records in iter_parts(path)}
    assert set(parts) == {"xhs_note", "xhs_note_comment", "xhs_creator"}
    info, rows = parts["xhs_note"]
    assert info.format == "sqlite"
    assert info.columns[0] == "id" and "note_id" in info.columns
    row, rec = rows[0]
    assert row == 1
    assert rec["time"] == 1703323974000  # sqlite keeps integers
    assert rec["tag_list"] == json.dumps("饭搭子,上海美食")  # JSON-quoted list field
    assert len(parts["xhs_note_comment"][1]) == 2


def test_sqlite_is_opened_read_only(tmp_path):
    path = fx.write_mediacrawler_sqlite(tmp_path / "mc.db", fx.XHS_NOTES[:1], [])
    before = path.read_bytes()
    for _, records in iter_parts(path):
        list(records)
    assert path.read_bytes() == before
