"""Offline coding in Excel: writing a coder's sheet, filling it with openpyxl, importing it back."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest

from coding.assignments import assign
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import codings_long, get_unit, history, save_coding
from coding.sheets import (
    SheetImportError,
    import_codings,
    parse_value,
    write_coding_sheet,
)
from corpus.sampling import draw_sample
from corpus.store import resolve_post_pks
from dazi.errors import InputError, ValidationError
from dazi.projects import create_project
from dazi.schema import posts
from tests.test_codings import SMALL_CODEBOOK

ZH = {"meal": "饭搭子", "travel": "旅行搭子", "study": "学习搭子", "seeking": "找搭子", "city": "同城",
      "success": "成功", "failure": "失败"}
CODEBOOK = Codebook.from_dict({
    **SMALL_CODEBOOK,
    "variables": [
        dict(v, codes=[dict(c, label={"en": c["label"], "zh": ZH[c["id"]]}) for c in v["codes"]],
             instruction={"en": f"How to code {v['id']}", "zh": f"{v['label']}的编码说明"})
        if "codes" in v else v
        for v in SMALL_CODEBOOK["variables"]
    ],
})
# Columns of the Coding sheet: ten post columns A-J, then the variables, memo, uncertain.
COL = {"post_id": "A", "text": "D", "kind": "K", "markers": "L", "outcome": "M", "months": "N", "memo": "O",
       "uncertain": "P"}

POSTS = [
    # (post_id, title, text): ids that Excel would turn into numbers, text that looks like formulas
    ("000000000000000000000007", "饭搭子", "周末有没有上海的饭搭子？"),
    ("4983510000000000123", None, '=HYPERLINK("http://example.com","点我")'),
    ("64f1a2b3c4d5e6f708091a2b", "+86 138 0000 0000 找搭子", "-减肥搭子 每天打卡"),
    ("x1", "@小红", "@小红 一起学习\x07吗"),
    ("x2", "=1+1", "旅行搭子 三个月了"),
    ("x3", None, "学习搭子"),
]


@pytest.fixture(autouse=True)
def _cheap_passcodes(monkeypatch):
    """Passcode hashing is not under test here: a cheap scrypt cost keeps set-up fast."""
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})


def setup_sheet_study(db, project) -> dict:
    """Six posts, all assigned to coders a and b (a full overlap)."""
    start = datetime(2025, 1, 1, 8, 30, tzinfo=UTC)
    rows = [{
        "project_id": project.id, "platform": "xiaohongshu", "post_id": pid, "title": title, "text": text,
        "created_at": start + timedelta(days=i), "likes": 100 + i, "collects": 5, "comments": 3, "shares": 1,
        "engagement": 109 + i, "counts_approximate": False, "hashtags": ["饭搭子"], "mentions": [],
        "source_keywords": ["找搭子"], "lang": "zh", "status": "ok",
    } for i, (pid, title, text) in enumerate(POSTS)]
    with db.write() as conn:
        conn.execute(posts.insert(), rows)
    save_codebook(db, project, CODEBOOK)
    for name in ("a", "b"):
        add_coder(db, project, name, passcode="1234")
    draw_sample(db, project, "main", size=len(POSTS), seed=1)
    assign(db, project, "main", ["a", "b"], overlap=len(POSTS), seed=1)
    pks = resolve_post_pks(db, project, [p[0] for p in POSTS])
    return {"a": get_coder(db, project, "a"), "b": get_coder(db, project, "b"), "pks": pks}


@pytest.fixture
def study(db, project):
    return {"project": project, **setup_sheet_study(db, project)}


@pytest.fixture
def light(sqlite_db):
    """The same on SQLite only, for what does not depend on the backend (the workbook itself)."""
    project = create_project(sqlite_db, "default")
    return {"db": sqlite_db, "project": project, **setup_sheet_study(sqlite_db, project)}


def _rows(ws) -> dict[str, int]:
    """Sheet row of each post id."""
    return {ws.cell(row=r, column=1).value: r for r in range(3, ws.max_row + 1)}


def _fill(path, cells: dict[tuple[str, str], object]) -> None:
    """Type values into the Coding sheet: ``{(post_id, column key): value}``."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    rows = _rows(ws)
    for (post_id, key), value in cells.items():
        ws[f"{COL[key]}{rows[post_id]}"] = value
    wb.save(path)


def test_round_trip(db, study, tmp_path):
    project, a, pks = study["project"], study["a"], study["pks"]
    path = tmp_path / "a.xlsx"
    written = write_coding_sheet(db, project, a, path)
    assert (written.posts, written.prefilled, written.codebook_version) == (6, 0, 1)
    _fill(path, {
        # labels, in Chinese, several codes with a full-width semicolon
        ("000000000000000000000007", "kind"): "饭搭子",
        ("000000000000000000000007", "markers"): "找搭子；同城",
        ("000000000000000000000007", "outcome"): "失败",
        ("000000000000000000000007", "memo"): "- 标题写着饭搭子",
        ("000000000000000000000007", "uncertain"): "是",
        # ids in odd case and spacing, an English label, a number typed as text
        ("x2", "kind"): " TRAVEL ",
        ("x2", "markers"): "City、seeking",
        ("x2", "outcome"): "success",
        ("x2", "months"): "3",
        # partly filled: a draft
        ("x3", "kind"): "学习搭子",
    })
    report = import_codings(db, project, path)
    assert report.coder == "a"
    assert (report.rows_read, report.skipped, report.units_saved, report.unchanged) == (6, 3, 3, 0)
    assert (report.finished, report.values_changed) == (2, 3 + 4 + 1)
    x3_row = _rows(openpyxl.load_workbook(path)["Coding"])["x3"]
    assert report.drafts == [f"row {x3_row} (post x3): no value yet for outcome"]
    first = get_unit(db, project, a, pks["000000000000000000000007"])
    assert first.values == {"kind": "meal", "markers": ["seeking", "city"], "outcome": "failure"}
    assert first.done and first.uncertain and first.memo == "- 标题写着饭搭子"
    second = get_unit(db, project, a, pks["x2"])
    assert second.values == {"kind": "travel", "markers": ["seeking", "city"], "outcome": "success", "months": 3}
    assert second.done
    draft = get_unit(db, project, a, pks["x3"])
    assert draft.values == {"kind": "study"} and not draft.done
    assert set(codings_long(db, project, None).coder) == {"a"}
    assert set(history(db, project, None).coder) == {"a"}
    # importing the same file again writes nothing
    again = import_codings(db, project, path)
    assert (again.units_saved, again.unchanged, again.values_changed) == (0, 3, 0)
    # a new sheet shows what is saved
    write_coding_sheet(db, project, a, path)
    ws = openpyxl.load_workbook(path)["Coding"]
    row = _rows(ws)["000000000000000000000007"]
    assert [ws[f"{COL[k]}{row}"].value for k in ("kind", "markers", "outcome", "memo", "uncertain")] == [
        "饭搭子", "找搭子; 同城", "失败", "- 标题写着饭搭子", "是"]
    assert ws[f"{COL['memo']}{row}"].data_type == "s"


def test_import_as_another_coder(db, study, tmp_path):
    project = study["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, study["a"], path, lang="en")
    _fill(path, {("x3", "kind"): "Study", ("x3", "outcome"): "Failure"})
    report = import_codings(db, project, path, coder="b")
    assert report.coder == "b" and report.finished == 1
    assert any("written for 'a'" in w for w in report.warnings)
    assert set(codings_long(db, project, None).coder) == {"b"}


def test_bad_cells_reported_by_row_and_column_and_nothing_written(db, study, tmp_path):
    project = study["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, study["a"], path)
    _fill(path, {
        ("000000000000000000000007", "kind"): "旅游",
        ("000000000000000000000007", "outcome"): "成功",
        ("000000000000000000000007", "months"): 500,
        ("x1", "kind"): "学习搭子",
        ("x1", "outcome"): "失败",
        ("x1", "months"): 3,
        ("x2", "kind"): "饭搭子",
        ("x2", "markers"): "找搭子; 跑步",
        ("x2", "outcome"): "=A1",
        ("x2", "uncertain"): "maybe",
        # a correct row: not saved either, because the sheet has problems
        ("x3", "kind"): "学习搭子",
        ("x3", "outcome"): "失败",
    })
    rows = _rows(openpyxl.load_workbook(path)["Coding"])
    with pytest.raises(InputError) as caught:
        import_codings(db, project, path)
    r7, r1, r2 = rows["000000000000000000000007"], rows["x1"], rows["x2"]
    expected = sorted([
        (r7, f"Coding!K{r7} (kind): '旅游' is not a code; choose one of: 饭搭子, 旅行搭子, 学习搭子"),
        (r7, f"Coding!N{r7} (months): 500 is above the maximum 120"),
        (r1, f"Coding!N{r1} (months): does not apply to this post (only if Outcome = 成功); leave it empty"),
        (r2, f"Coding!L{r2} (markers): '跑步' is not a code; choose one of: 找搭子, 同城"),
        (r2, f"Coding!M{r2} (outcome): is a formula (=A1); type the value itself"),
        (r2, f"Coding!P{r2} (uncertain): 'maybe' is not yes or no; type 是 or 否, or leave it empty"),
    ])
    assert isinstance(caught.value, SheetImportError)
    assert [str(p) for p in caught.value.problems] == [line for _, line in expected]
    message = caught.value.describe()
    assert str(path) in message and "nothing was imported" in message
    for _, line in expected:
        assert line in message
    assert history(db, project, None).empty


def test_many_problems_are_capped_in_the_message(light, tmp_path):
    db, project = light["db"], light["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, light["a"], path)
    _fill(path, {(pid, key): "nope" for pid, _, _ in POSTS for key in ("kind", "outcome", "markers", "months")})
    with pytest.raises(SheetImportError) as caught:
        import_codings(db, project, path)
    assert len(caught.value.problems) == 24
    assert "... and 4 more" in caught.value.message
    assert caught.value.message.count("Coding!") == 20


def test_ids_stay_text(db, study, tmp_path):
    project = study["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, study["a"], path)
    ws = openpyxl.load_workbook(path)["Coding"]
    ids = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=1) for r in range(3, ws.max_row + 1)}
    assert set(ids) == {p[0] for p in POSTS}
    for cell in ids.values():
        assert cell.data_type == "s" and cell.number_format == "@"
    _fill(path, {("4983510000000000123", "kind"): "饭搭子", ("4983510000000000123", "outcome"): "失败"})
    assert import_codings(db, project, path).finished == 1
    assert get_unit(db, project, study["a"], study["pks"]["4983510000000000123"]).done


@pytest.mark.parametrize(
    "typed, message",
    [
        pytest.param(4.98351e18, "became a number", id="long id turned into a float by Excel"),
        pytest.param(7, "no post '7'", id="leading zeros lost"),
        pytest.param("zzz", "no post 'zzz'", id="unknown id"),
    ],
)
def test_retyped_post_ids_are_refused(light, tmp_path, typed, message):
    db, project = light["db"], light["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, light["a"], path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    row = _rows(ws)["4983510000000000123" if isinstance(typed, float) else "000000000000000000000007"]
    ws[f"A{row}"] = typed
    ws[f"K{row}"] = "饭搭子"
    wb.save(path)
    with pytest.raises(SheetImportError, match=message) as caught:
        import_codings(db, project, path)
    assert str(caught.value.problems[0]).startswith(f"Coding!A{row} (post_id): ")


def test_formula_looking_text_never_becomes_a_formula(light, tmp_path):
    path = tmp_path / "a.xlsx"
    write_coding_sheet(light["db"], light["project"], light["a"], path)
    wb = openpyxl.load_workbook(path)
    formulas = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    ws = wb["Coding"]
    rows = _rows(ws)
    for post_id, title, text in POSTS:
        stored_text = text.replace("\x07", "")  # a control character XML cannot hold is dropped
        assert ws[f"D{rows[post_id]}"].value == stored_text
        assert ws[f"C{rows[post_id]}"].value == title
        if stored_text.startswith(("=", "+", "-", "@")):
            assert ws[f"D{rows[post_id]}"].quotePrefix
    # and in the file itself no cell carries a formula element
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and all(b"<f>" not in archive.read(n) and b"<f " not in archive.read(n) for n in sheets)


def test_workbook_layout(light, tmp_path):
    path = tmp_path / "a.xlsx"
    write_coding_sheet(light["db"], light["project"], light["a"], path, lang="zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Coding", "Instructions", "Lists", "Meta"]
    assert wb["Lists"].sheet_state == "hidden" and wb["Meta"].sheet_state == "hidden"
    meta = {k: v for k, v in wb["Meta"].iter_rows(values_only=True)}
    assert meta["format"] == "dazi-coding-sheet" and meta["format_version"] == 1
    assert (meta["project"], meta["coder"], meta["codebook_version"], meta["lang"]) == ("default", "a", 1, "zh")
    ws = wb["Coding"]
    assert [c.value for c in ws[1]] == ["post_id", "platform", "title", "text", "created_at", "likes", "collects",
                                        "comments", "shares", "hashtags", "kind", "markers", "outcome", "months",
                                        "memo", "uncertain"]
    assert ws["K2"].value == "Kind *" and ws["L2"].value == "Markers"  # the codebook's labels are English
    assert ws.protection.sheet
    assert ws["D3"].protection.locked and ws["A3"].protection.locked
    assert not ws["K3"].protection.locked and not ws["O3"].protection.locked and not ws["P3"].protection.locked
    assert ws["E3"].value == datetime(2025, 1, 1, 8, 30) or isinstance(ws["E3"].value, datetime)
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    kind = checks["K3:K8"]
    assert kind.type == "list" and kind.formula1 == "dazi_kind"
    assert wb.defined_names["dazi_kind"].attr_text == "'Lists'!$A$2:$A$4"
    assert [c.value for c in wb["Lists"]["A"]] == ["kind", "饭搭子", "旅行搭子", "学习搭子"]
    months = checks["N3:N8"]
    assert (months.type, months.operator, months.formula1, months.formula2) == ("decimal", "between", "0", "120")
    assert "成功" in months.prompt  # the condition, in words
    assert checks["L3:L8"].prompt.endswith("找搭子; 同城")
    texts = [c.value for row in wb["Instructions"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("dazi import-codings" in t for t in texts)
    assert {"kind", "markers", "meal", "饭搭子", "Kind的编码说明"} <= set(texts)


def test_partly_filled_finished_post_is_an_error(db, study, tmp_path):
    project, a, pk = study["project"], study["a"], study["pks"]["x3"]
    save_coding(db, project, a, pk, {"kind": "study", "outcome": "failure"})
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, a, path)
    _fill(path, {("x3", "outcome"): "成功"})  # now months is required, and empty
    with pytest.raises(SheetImportError, match=r"\(months\): required: this post was already finished"):
        import_codings(db, project, path)
    assert get_unit(db, project, a, pk).values["outcome"] == "failure"


def test_rows_with_codes_but_no_post_id_and_duplicates(light, tmp_path):
    db, project = light["db"], light["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, light["a"], path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    first = _rows(ws)["x1"]
    ws["K20"] = "饭搭子"
    ws["A21"], ws["K21"] = "x1", "饭搭子"
    ws[f"K{first}"] = "饭搭子"
    wb.save(path)
    with pytest.raises(SheetImportError) as caught:
        import_codings(db, project, path)
    assert [str(p) for p in caught.value.problems] == [
        "Coding!A20 (post_id): this row has codes but no post id",
        f"Coding!A21 (post_id): post x1 is also in row {first}; keep one row per post",
    ]


def test_sheet_files_that_are_not_coding_sheets(light, tmp_path):
    db, project = light["db"], light["project"]
    garbage = tmp_path / "notes.xlsx"
    garbage.write_bytes(b"this is not a zip file")
    with pytest.raises(InputError, match="Not a readable .xlsx"):
        import_codings(db, project, garbage)
    with pytest.raises(InputError, match="No such file"):
        import_codings(db, project, tmp_path / "missing.xlsx")
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, light["a"], path)
    other = create_project(db, "pilot")
    with pytest.raises(InputError, match="belongs to project 'default'"):
        import_codings(db, other, path)
    wb = openpyxl.load_workbook(path)
    del wb["Meta"]
    wb.save(path)
    with pytest.raises(InputError, match="Meta sheet is missing") as caught:
        import_codings(db, project, path)
    assert "--coder NAME" in caught.value.describe()
    assert import_codings(db, project, path, coder="a").rows_read == len(POSTS)
    with pytest.raises(InputError, match=r"\.xlsx"):
        write_coding_sheet(db, project, light["a"], tmp_path / "a.xls")


def test_a_value_in_excels_last_row_is_read_quickly(light, tmp_path):
    """Found by tests/test_fuzz_sheets.py: a stray cell in row 1,048,576 made the import read every row (> 20 s)."""
    from tests.fuzzing import time_limit

    db, project = light["db"], light["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, light["a"], path)
    wb = openpyxl.load_workbook(path)
    wb["Coding"][f"{COL['kind']}1048576"] = "meal"
    wb.save(path)
    with time_limit(10), pytest.raises(SheetImportError, match="this row has codes but no post id") as caught:
        import_codings(db, project, path)
    assert "Coding!A1048576 (post_id)" in caught.value.message


def test_a_meta_sheet_naming_an_unknown_coder(light, tmp_path):
    """Found by tests/test_fuzz_sheets.py: the error named the coder but not the file."""
    db, project = light["db"], light["project"]
    path = tmp_path / "a.xlsx"
    write_coding_sheet(db, project, light["a"], path)
    wb = openpyxl.load_workbook(path)
    meta = wb["Meta"]
    for row in meta.iter_rows():
        if row[0].value == "coder":
            row[1].value = "zed"
    wb.save(path)
    with pytest.raises(InputError, match="is for coder 'zed'") as caught:
        import_codings(db, project, path)
    assert str(path) in caught.value.message and "--coder NAME" in caught.value.describe()


KIND, MARKERS, MONTHS = CODEBOOK.variable("kind"), CODEBOOK.variable("markers"), CODEBOOK.variable("months")


@pytest.mark.parametrize(
    "variable, typed, expected",
    [
        pytest.param(KIND, "饭搭子", "meal", id="Chinese label"),
        pytest.param(KIND, "Travel", "travel", id="English label"),
        pytest.param(KIND, "  STUDY ", "study", id="id in capitals with spaces"),
        pytest.param(KIND, "ｍｅａｌ", "meal", id="full-width letters"),
        pytest.param(KIND, "Meal (meal)", "meal", id="label with id as on a drop-down"),
        pytest.param(MARKERS, "同城；找搭子", ["seeking", "city"], id="full-width semicolon, codebook order"),
        pytest.param(MARKERS, "同城、seeking", ["seeking", "city"], id="ideographic comma, label and id"),
        pytest.param(MARKERS, "city，Seeking", ["seeking", "city"], id="full-width comma"),
        pytest.param(MARKERS, "city, seeking", ["seeking", "city"], id="ASCII comma between codes"),
        pytest.param(MARKERS, "city;city", ["city"], id="duplicate code"),
        pytest.param(MONTHS, "３", 3, id="full-width digit"),
        pytest.param(MONTHS, 2.0, 2, id="whole float from Excel"),
        pytest.param(MONTHS, " 1.5 ", 1.5, id="number as text"),
    ],
)
def test_parse_value(variable, typed, expected):
    assert parse_value(variable, typed) == expected


@pytest.mark.parametrize(
    "variable, typed, message",
    [
        pytest.param(KIND, "旅游", "'旅游' is not a code; choose one of: 饭搭子, 旅行搭子, 学习搭子", id="unknown code"),
        pytest.param(KIND, "饭搭子; 学习搭子", "is not a code", id="two codes on single choice"),
        pytest.param(KIND, True, "TRUE is not a value", id="Excel boolean"),
        pytest.param(MONTHS, date(2025, 3, 1), "Excel may have turned", id="Excel date"),
        pytest.param(MONTHS, "3个月", '"3个月" is not a number', id="number with unit"),
        pytest.param(MONTHS, -1, "below the minimum 0", id="number below range"),
        pytest.param(KIND, "", "a value is required", id="empty required"),
    ],
)
def test_parse_value_refuses(variable, typed, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_value(variable, typed)


def test_ambiguous_labels_ask_for_the_id():
    cb = Codebook.from_dict({"name": "d", "variables": [{"id": "kind", "label": "Kind", "type": "single", "codes": [
        {"id": "other_a", "label": "Other"}, {"id": "other_b", "label": "Other"}]}]})
    with pytest.raises(ValidationError, match="label of several codes .other_a, other_b."):
        parse_value(cb.variable("kind"), "other")
    assert parse_value(cb.variable("kind"), "Other (other_b)") == "other_b"


def test_variable_ids_that_clash_with_sheet_columns_are_refused(light, tmp_path):
    db, project = light["db"], light["project"]
    clashing = Codebook.from_dict({**SMALL_CODEBOOK, "variables": SMALL_CODEBOOK["variables"] + [
        {"id": "memo", "label": "A memo variable", "type": "text", "required": False}]})
    save_codebook(db, project, clashing)
    with pytest.raises(ValidationError, match="memo clash with the coding sheet's own columns"):
        write_coding_sheet(db, project, light["a"], tmp_path / "a.xlsx")
