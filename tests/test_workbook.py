"""The Excel workbook: the streaming writer's cells read back with openpyxl and pandas,
and the full export of a small adjudicated project (tests/test_adjudication.py's scenario)."""

from __future__ import annotations

import os
import stat
import zipfile
from datetime import date, datetime, timedelta, timezone

import numpy as np
import openpyxl
import pandas as pd
import pytest

from coding.adjudication import adjudicate
from coding.assignments import assign, overlap_post_pks
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import save_coding
from corpus.sampling import draw_sample
from dazi.errors import ValidationError
from reports.workbook import export_workbook
from reports.xlsx import EXCEL_CELL_LIMIT, Column, StreamingWorkbook, sheet_name
from tests.conftest import make_posts
from tests.test_adjudication import _cheap_passcodes, study  # noqa: F401  (fixtures)
from tests.test_codings import SMALL_CODEBOOK

BIG_ID = "1234567890123456789"


def _write(path, columns, rows, **kwargs):
    with StreamingWorkbook(path) as book, book.sheet("Data", columns, **kwargs) as sheet:
        for row in rows:
            sheet.write_row(row)
    return openpyxl.load_workbook(path)["Data"]


def test_cells_keep_their_types(tmp_path):
    aware = datetime(2025, 3, 1, 20, 30, tzinfo=timezone(timedelta(hours=8)))
    ws = _write(tmp_path / "t.xlsx", [Column("id", "text"), Column("n"), Column("x"), Column("when"),
                                      Column("day"), Column("flag"), Column("list"), Column("numpy")],
                [[BIG_ID, 12, 0.25, aware, date(2025, 1, 2), True, ["饭搭子", "旅行"], np.int64(7)],
                 [12345, None, float("nan"), pd.NaT, None, pd.NA, [], np.float64(1.5)]])
    first = {c.column_letter: c for c in ws[2]}
    assert first["A"].value == BIG_ID and first["A"].data_type == "s" and first["A"].number_format == "@"
    assert first["B"].value == 12 and first["B"].data_type == "n"
    assert first["C"].value == 0.25
    assert first["D"].value == datetime(2025, 3, 1, 12, 30)  # UTC
    assert first["D"].is_date and first["D"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert first["E"].value == datetime(2025, 1, 2) and first["E"].number_format == "yyyy-mm-dd"
    assert first["F"].value is True
    assert first["G"].value == "饭搭子; 旅行"
    assert first["H"].value == 7 and first["H"].data_type == "n"
    second = [c.value for c in ws[3]]
    assert second == ["12345", None, None, None, None, None, None, 1.5]  # a text column turns numbers into text
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


@pytest.mark.parametrize("text", [
    pytest.param("=HYPERLINK(\"http://evil\",\"click\")", id="equals"),
    pytest.param("+1+1", id="plus"),
    pytest.param("-2+3", id="minus"),
    pytest.param("@SUM(A1)", id="at"),
    pytest.param("\t=1", id="tab"),
    pytest.param("\r=1", id="carriage return"),
])
def test_formula_like_text_is_neutralised(tmp_path, text):
    ws = _write(tmp_path / "f.xlsx", ["text"], [[text]])
    cell = ws["A2"]
    assert cell.data_type == "s" and cell.value == "'" + text
    raw = zipfile.ZipFile(tmp_path / "f.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw


def test_chinese_emoji_control_characters_and_escapes(tmp_path):
    path = tmp_path / "c.xlsx"
    ws = _write(path, ["text"], [["找搭子😀🏃‍♀️ <b>&amp;</b>"], ["bell\x07 and null\x00 gone"], ["_x0041_ stays"],
                                 ["x" * (EXCEL_CELL_LIMIT + 10)], ["行一\n行二"]])
    assert ws["A2"].value == "找搭子😀🏃‍♀️ <b>&amp;</b>"
    assert ws["A3"].value == "bell and null gone"
    # Excel reads _xHHHH_ as a character: the writer escapes the underscore (openpyxl shows the escape)
    raw = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "_x005F_x0041_ stays" in raw
    assert len(ws["A5"].value) == EXCEL_CELL_LIMIT
    assert ws["A6"].value == "行一\n行二"


@pytest.mark.parametrize("post_id", [
    pytest.param("00123", id="leading zeros"),
    pytest.param("12345678901234567890", id="20 digits"),
    pytest.param("6.7E+18", id="looks like a float"),
    pytest.param("1e5", id="looks like scientific notation"),
    pytest.param("https://www.xiaohongshu.com/explore/1", id="looks like a link"),
])
def test_post_ids_stay_text_with_the_text_format(tmp_path, post_id):
    path = tmp_path / "ids.xlsx"
    ws = _write(path, [Column("post_id", "text"), Column("auto")], [[post_id, post_id]])
    for cell in ws[2]:
        assert cell.value == post_id and cell.data_type == "s" and cell.number_format == "@"
    assert pd.read_excel(path, sheet_name="Data", dtype=str)["post_id"].tolist() == [post_id]
    with zipfile.ZipFile(path) as archive:  # strings_to_urls is off: no hyperlink relation either
        assert not [n for n in archive.namelist() if n.endswith(".rels") and "hyperlink" in archive.read(n).decode()]


def test_text_shaped_like_xlsxwriter_rich_text_is_escaped(tmp_path):
    """XlsxWriter writes a string that starts with <r> and ends with </r> as raw rich-text XML.

    Post text of that shape could smuggle a formula cell into the sheet; dazi writes it as plain
    runs of a rich string instead, which XlsxWriter escapes.
    """
    evil = ('<r><t>a</t></r></is></c><c r="B2"><f>HYPERLINK("http://evil","x")</f></c>'
            '<c r="Z9" t="inlineStr"><is><r><t>b</t></r>')
    path = tmp_path / "rich.xlsx"
    ws = _write(path, ["text"], [[evil], ["<r></r>"], ["<r>a</r> not rich"]])
    assert [c.value for c in ws["A"]][1:] == [evil, "<r></r>", "<r>a</r> not rich"]
    assert ws["B2"].value is None and ws["Z9"].value is None
    raw = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw


def test_the_cell_limit_counts_as_excel_does_and_never_splits_an_emoji(tmp_path):
    path = tmp_path / "long.xlsx"
    with StreamingWorkbook(path) as book, book.sheet("Data", ["text"]) as sheet:
        sheet.write_row(["😀" * EXCEL_CELL_LIMIT])  # two UTF-16 units each, as Excel counts
        sheet.write_row(["a" + "😀" * EXCEL_CELL_LIMIT])  # the limit falls inside an emoji
        sheet.write_row(["好" * EXCEL_CELL_LIMIT])  # at the limit: kept whole
        sheet.write_row(["\x01" + "好" * EXCEL_CELL_LIMIT])  # the control character goes first, then it fits
    assert (sheet.truncated, sheet.dropped_characters) == (2, 1)
    ws = openpyxl.load_workbook(path)["Data"]
    assert ws["A2"].value == "😀" * (EXCEL_CELL_LIMIT // 2)
    assert ws["A3"].value == "a" + "😀" * (EXCEL_CELL_LIMIT // 2)
    assert ws["A4"].value == ws["A5"].value == "好" * EXCEL_CELL_LIMIT


def test_several_sheets_and_empty_ones(tmp_path):
    path = tmp_path / "sheets.xlsx"
    with StreamingWorkbook(path, title="dazi test") as book:
        with book.sheet("帖子", [Column("post_id", "text"), Column("when", "datetime")]) as sheet:
            sheet.write_row(["001", datetime(2025, 5, 1, 8, 0)])
        book.sheet("Only header", ["a", "b"])  # closed by the next sheet
        book.sheet("Blank", header=False)
        with book.sheet("Last", ["x"]) as sheet:
            sheet.write_row(["饭搭子 😀"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["帖子", "Only header", "Blank", "Last"] and wb.properties.title == "dazi test"
    assert wb["帖子"]["A2"].value == "001" and wb["帖子"]["B2"].value == datetime(2025, 5, 1, 8, 0)
    header = wb["Only header"]
    assert [c.value for c in header[1]] == ["a", "b"] and header.max_row == 1
    assert header.auto_filter.ref == "A1:B1" and header.freeze_panes == "A2"
    assert wb["Blank"].max_row == 1 and wb["Blank"]["A1"].value is None and wb["Blank"].freeze_panes is None
    assert wb["Last"]["A2"].value == "饭搭子 😀"
    with StreamingWorkbook(tmp_path / "none.xlsx"):
        pass
    assert openpyxl.load_workbook(tmp_path / "none.xlsx").sheetnames == ["Sheet1"]


def test_rows_beyond_what_an_excel_sheet_holds_go_on_in_the_next_sheet(tmp_path, monkeypatch):
    """XlsxWriter refuses rows past Excel's 1,048,576 (a long Codings sheet of 100,000 posts has more)."""
    monkeypatch.setattr("reports.xlsx._EXCEL_ROWS", 5)
    path = tmp_path / "long.xlsx"
    with StreamingWorkbook(path) as book:
        with book.sheet("Codings", [Column("post_id", "text"), Column("n")], freeze=(1, 1)) as sheet:
            sheet.write_rows([f"{i:03d}", i] for i in range(12))
        with book.sheet(sheet_name("Codings", book.sheets[0].parts), ["x"]) as after:
            after.write_row(["next"])
    assert sheet.parts == ["Codings", "Codings (2)", "Codings (3)"] and sheet.rows == 12 + 3
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Codings", "Codings (2)", "Codings (3)", "Codings (4)"]
    rows = []
    for part in sheet.parts:
        ws = wb[part]
        assert [c.value for c in ws[1]] == ["post_id", "n"] and ws.freeze_panes == "B2"
        assert ws.auto_filter.ref == f"A1:B{ws.max_row}" and ws.max_row <= 5
        rows += [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert rows == [[f"{i:03d}", i] for i in range(12)]  # every row, in order, ids still text
    assert wb["Codings (4)"]["A2"].value == "next"
    with pytest.raises(ValidationError, match="16,385 columns"), StreamingWorkbook(tmp_path / "w.xlsx") as book:
        book.sheet("Wide", [str(i) for i in range(16_385)])


def test_memory_does_not_grow_with_the_rows(tmp_path):
    """Constant-memory mode: a row leaves memory when the next one starts, its height too."""
    import tracemalloc

    def peak(n: int, **kwargs) -> int:
        tracemalloc.start()
        with StreamingWorkbook(tmp_path / f"{n}.xlsx") as book:
            with book.sheet("Posts", [Column("post_id", "text"), Column("text", "wrap"), Column("n")],
                            **kwargs) as sheet:
                for i in range(n):
                    sheet.write_row([str(10**18 + i), "很长的帖子" * (10 + i % 20), i])
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    for kwargs in ({"row_height": 45}, {}):  # a fixed height, and each row as high as its text needs
        small, large = peak(1_000, **kwargs), peak(6_000, **kwargs)
        assert large < small + 250_000, (kwargs, small, large)  # 5,000 more rows: under 50 bytes a row


def test_a_failed_export_leaves_no_temporary_file_anywhere(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))  # XlsxWriter's files go next to the export, not here
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ZeroDivisionError), StreamingWorkbook(out / "x.xlsx") as book:
        with book.sheet("Data", ["n"]) as sheet:
            for i in range(500):
                sheet.write_row([i])
            sheet.write_row([1 / 0])
    assert not list(out.iterdir()) and not list(scratch.iterdir())
    previous = out / "x.xlsx"
    previous.write_bytes(b"the previous good copy")
    with pytest.raises(ValidationError), StreamingWorkbook(previous) as book:
        book.sheet("Data", ["n"]).write_row([1], style="loud")
    assert previous.read_bytes() == b"the previous good copy" and not list(scratch.iterdir())


def test_header_freeze_filter_widths_and_wrap(tmp_path):
    path = tmp_path / "h.xlsx"
    columns = [Column("post_id", "text"), Column("text", "wrap"), Column("中文标题")]
    with StreamingWorkbook(path) as book, book.sheet("Posts", columns, freeze=(1, 1), row_height=45) as sheet:
        for i in range(150):  # more rows than the width sample
            sheet.write_row([str(10**18 + i), "很长的帖子" * 20, "短"])
    book_ = openpyxl.load_workbook(path)
    ws = book_["Posts"]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:C151"
    assert all(c.font.b for c in ws[1])
    assert ws["B2"].alignment.wrap_text and ws.column_dimensions["B"].width == 60
    assert ws.column_dimensions["A"].width == pytest.approx(21)  # 19 digits + 2
    assert ws.column_dimensions["C"].width == pytest.approx(10)  # 中文标题: 4 wide characters
    assert ws.row_dimensions[2].height == 45
    assert os.stat(path).st_mode & stat.S_IRGRP, "the file gets the usual permissions, not mkstemp's 0600"
    ids = pd.read_excel(path, sheet_name="Posts", dtype=str)["post_id"]
    assert ids.iloc[-1] == str(10**18 + 149)


def test_sheet_names_and_a_failed_export_leaves_nothing(tmp_path):
    path = tmp_path / "x.xlsx"
    with pytest.raises(ValidationError, match="Invalid sheet name"), StreamingWorkbook(path) as book:
        book.sheet("a/b")
    assert not path.exists() and not list(tmp_path.iterdir())
    assert sheet_name("x" * 40, []) == "x" * 31
    assert sheet_name("Posts", ["POSTS", "Posts (2)"]) == "Posts (3)"


def test_the_full_workbook_of_an_adjudicated_project(db, project, study, tmp_path):
    p1 = overlap_post_pks(db, project)[0]
    adjudicate(db, project, get_coder(db, project, "judge"), p1, "kind", "study", "=title says 学习")
    out = tmp_path / "project.xlsx"
    result = export_workbook(db, project, out, bootstrap=200, lang="en",
                             tables=["freq kind", "summary by=kind metrics=n,rate(outcome=success)"])
    assert result.rows == 30
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["README", "Posts", "Codings", "Codebook", "Reliability", "Coder pairs",
                             "Disagreements", "freq_kind", "summary_kind"]
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(min_row=2, values_only=True)}
    assert readme["Codebook"] == "small" and readme["Codebook version"] == 1
    assert readme["Project"] == project.name and isinstance(readme["Exported"], datetime)  # a real Excel date
    assert "consensus" in readme["Values"] and "<variable>__<code>" in readme["Multi-select"]
    assert "prefix v_" in readme["Column names"]
    heights = {r[0].value: wb["README"].row_dimensions[r[0].row].height for r in wb["README"].iter_rows(min_row=2)}
    assert heights["Multi-select"] >= 45 and heights["Project"] is None  # wrapped text gets the lines it needs

    posts = pd.read_excel(out, sheet_name="Posts", dtype={"post_id": str})
    assert posts["post_id"].str.len().eq(24).all()  # make_posts ids are 24 hex digits, kept as text
    header = list(posts.columns)
    assert header[:3] == ["post_id", "platform", "url"]
    assert header[header.index("markers__seeking"):header.index("markers__seeking") + 3] == [
        "markers__seeking", "markers__city", "markers"]
    pks = overlap_post_pks(db, project)
    row_of = {pk: i for i, pk in enumerate(sorted(pks + [pk for pk in range(1, 31) if pk not in pks]))}
    p3 = posts.iloc[row_of[pks[2]]]
    assert (p3["kind"], p3["kind__label"], p3["markers__city"], p3["markers__seeking"], p3["markers"]) == (
        "travel", "Travel", 1, 0, "City")
    assert p3["months"] == 6 and bool(p3["double_coded"])
    p1row = posts.iloc[row_of[p1]]
    assert p1row["kind"] == "study"  # adjudicated
    assert "markers" in p1row["unresolved"] and pd.isna(p1row["markers__seeking"])  # open: empty, never 0
    assert "标题说饭搭子" in p1row["memos"]
    ws = wb["Posts"]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    created = next(c for c in ws[1] if c.value == "created_at").column_letter
    assert ws[f"{created}2"].is_date

    codings = pd.read_excel(out, sheet_name="Codings", dtype={"post_id": str})
    assert set(codings.columns) >= {"post_id", "coder", "variable", "value", "label", "memo", "uncertain", "done",
                                    "codebook_version", "updated_at"}
    p1_id = p1row["post_id"]
    mine = codings[(codings["post_id"] == p1_id) & (codings["coder"] == "b")].set_index("variable")
    assert mine.loc["markers", "value"] == "seeking; city" and mine.loc["kind", "label"] == "Study"
    assert bool(mine.loc["kind", "uncertain"])
    assert (mine["codebook_version"] == 1).all() and (mine["done"]).all()
    assert pd.api.types.is_datetime64_any_dtype(codings["updated_at"])  # saving times as Excel dates
    drafts = codings[~codings["done"].astype(bool)]
    assert set(drafts["coder"]) == {"b"} and set(drafts["variable"]) == {"kind"}  # b's draft on p4 is listed

    codebook = pd.read_excel(out, sheet_name="Codebook")
    assert set(codebook["variable"]) == {"kind", "markers", "outcome", "months"}
    assert codebook[codebook["code"] == "meal"]["code_label"].item() == "Meal"

    reliability = pd.read_excel(out, sheet_name="Reliability")
    assert {"kind", "markers", "outcome", "months"} <= set(reliability["variable"])
    assert set(reliability.loc[reliability["variable"] == "markers", "code"].dropna()) == {"seeking", "city"}

    disagreements = pd.read_excel(out, sheet_name="Disagreements", dtype={"post_id": str})
    kind_p1 = disagreements[(disagreements["post_id"] == p1_id) & (disagreements["variable"] == "kind")].iloc[0]
    assert (kind_p1["a"], kind_p1["b"], kind_p1["status"], kind_p1["final_value"]) == (
        "meal", "study", "adjudicated", "study")
    assert kind_p1["rationale"] == "'=title says 学习"  # neutralised
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row)

    summary = [r for r in wb["summary_kind"].iter_rows(values_only=True)]
    assert summary[0][0] == "Summary by Kind" and "n = " in summary[1][0]
    assert summary[3][:4] == ("Code", "Kind", "Posts", "Success rate (Outcome)")


def test_variable_ids_that_clash_with_post_fields_are_prefixed(db, project, tmp_path, monkeypatch):
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})
    make_posts(db, project, 4)
    clash = dict(SMALL_CODEBOOK, variables=[
        {"id": "lang", "label": "Language of the seeker", "type": "single", "codes": [
            {"id": "zh", "label": "Chinese"}, {"id": "en", "label": "English"}]},
        {"id": "text", "label": "Quote", "type": "text", "required": False},
    ])
    save_codebook(db, project, Codebook.from_dict(clash))
    add_coder(db, project, "a", passcode="1234")
    draw_sample(db, project, "all", size=4, seed=1)
    assign(db, project, "all", ["a"], overlap=0, seed=1)
    a = get_coder(db, project, "a")
    from coding.assignments import assigned_post_pks

    pk = assigned_post_pks(db, project, a)[0]
    save_coding(db, project, a, pk, {"lang": "en", "text": "-- quoted"})
    out = tmp_path / "clash.xlsx"
    result = export_workbook(db, project, out, bootstrap=0)
    assert result.renamed == {"lang": "v_lang", "text": "v_text"}
    posts = pd.read_excel(out, sheet_name="Posts", dtype=str)
    assert {"lang", "text", "v_lang", "v_lang__label", "v_text"} <= set(posts.columns)
    coded = posts[posts["v_lang"].notna()].iloc[0]
    assert (coded["v_lang"], coded["lang"], coded["v_text"]) == ("en", "zh", "'-- quoted")


def test_repeated_short_texts_read_back_alike_and_cost_little(tmp_path):
    """Codes, labels and coder names repeat on every row of a long sheet.

    XlsxWriter's constant-memory mode writes every text inline (no shared-strings table, which
    would grow with the data); the zip compression takes the repetition back.
    """
    out = tmp_path / "shared.xlsx"
    rows = [["meal", " 饭搭子 ", "=1+1", "a & b", f"post {i}"] for i in range(300)]
    with StreamingWorkbook(out) as book:
        with book.sheet("Codings", ["code", "label", "formula", "amp", "id"]) as sheet:
            sheet.write_rows(rows)
        with book.sheet("Again", ["code"]) as sheet:
            sheet.write_row(["meal"])
    with zipfile.ZipFile(out) as archive:
        assert "xl/sharedStrings.xml" not in archive.namelist()
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        sheet_xml = archive.read(info).decode()
    assert "<t>post 299</t>" in sheet_xml and "<t xml:space=\"preserve\"> 饭搭子 </t>" in sheet_xml
    assert sheet_xml.count("'=1+1") == 300 and "<f>" not in sheet_xml
    assert info.compress_size < info.file_size / 15, (info.compress_size, info.file_size)
    values = [list(r) for r in openpyxl.load_workbook(out)["Codings"].iter_rows(min_row=2, values_only=True)]
    assert values[0] == ["meal", " 饭搭子 ", "'=1+1", "a & b", "post 0"] and values[299][4] == "post 299"
    assert openpyxl.load_workbook(out)["Again"]["A2"].value == "meal"
    assert pd.read_excel(out, sheet_name="Codings")["label"].eq(" 饭搭子 ").all()


def test_codebook_sheet_has_definitions_criteria_examples_and_keywords():
    from codebooks import load_shipped
    from reports.workbook import codebook_frame

    frame = codebook_frame(load_shipped("cloud_companion"))
    row = frame[frame["code"] == "activity_based"].iloc[0]
    assert row["code_label_en"] == "Activity-based" and row["code_label_zh"] == "活动型搭子"
    assert row["definition_zh"].startswith("以一起从事某项活动为核心") and "约饭" in row["include_en"]
    assert "study_work" in row["exclude_en"] and "饭搭子" in row["keywords"]
    assert "hiking buddy" in row["examples"].split("\n")[1].lower()


def test_the_export_streams_and_never_builds_whole_frames(db, project, study, tmp_path, monkeypatch):
    """Large projects: the Posts and Codings sheets come from iterators, never from whole-project frames."""
    def refuse(*args, **kwargs):
        raise AssertionError("a whole-project frame was built")

    for name in ("coding.adjudication.final_dataset", "coding.codings.codings_long", "coding.codings.units_frame",
                 "reports.data.final_dataset", "corpus.store.posts_frame"):
        monkeypatch.setattr(name, refuse)
    out = tmp_path / "streamed.xlsx"
    result = export_workbook(db, project, out, bootstrap=0, lang="en")
    assert result.rows == 30
    codings = pd.read_excel(out, sheet_name="Codings", dtype={"post_id": str})
    assert len(codings) == 7 + 4 + 8 + 3 + 2  # every value saved on p1, p2, p3, p4 (a draft of b) and s1


def test_a_retired_code_still_in_the_data_keeps_its_column(db, project, study):
    """The streamed Posts layout knows retired multi-select codes before its first row, as wide_codes does."""
    import copy

    from coding.adjudication import final_dataset
    from reports.data import posts_table
    from reports.wide import wide_codes

    retired = copy.deepcopy(SMALL_CODEBOOK)
    retired["version"] = 2
    retired["variables"][1]["codes"][1]["retired"] = True  # markers: city
    save_codebook(db, project, Codebook.from_dict(retired))
    table = posts_table(db, project, lang="en")
    assert [c for c in table.columns if c.startswith("markers")] == ["markers__seeking", "markers__city", "markers"]
    codebook = Codebook.from_dict(retired)
    wide = wide_codes(final_dataset(db, project), codebook, lang="en")
    assert [c for c in wide.columns if c.startswith("markers")] == ["markers__seeking", "markers__city", "markers"]
    rows = {row[0]: dict(zip(table.columns, row, strict=True)) for row in table.rows()}
    for record in wide.to_dict("records"):  # every coded post: the same cells in both layouts
        row = rows[record["post_id"]]
        for name in ("markers__seeking", "markers__city", "markers", "kind", "kind__label", "months"):
            expected = None if pd.isna(record[name]) else record[name]
            assert row[name] == expected, (record["post_id"], name)
