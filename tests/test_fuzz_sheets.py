"""Fuzzing the Excel coding-sheet import (:func:`coding.sheets.import_codings`).

Property: whatever comes back as a coding sheet, the import records codings
or raises a :class:`~dazi.errors.DaziError` naming the file; it never hangs;
and when it raises, no coding, coding event or unit state was written.

Cases start from a real sheet written by :func:`coding.sheets.write_coding_sheet`
for coder ``a`` and change it as people and programs do: cells typed with
junk (wrong types, codes that do not exist, dates, booleans, huge numbers,
formulas, 32k-character text), columns deleted or renamed, rows deleted,
sheets added, deleted or renamed, the hidden ``Meta`` sheet edited; or
its bytes mutated; or something else renamed ``.xlsx`` (CSV text, an empty
file, a zip of junk, a zip bomb).  Budgets: :mod:`tests.fuzzing`.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import assume
from hypothesis import strategies as st
from sqlalchemy import func, select

from coding.sheets import import_codings, write_coding_sheet
from dazi.errors import InputError
from dazi.projects import create_project
from dazi.schema import coding_events, coding_units, codings
from tests.fuzzing import DEPTHS, check_error, depths, run, time_limit
from tests.test_sheets import POSTS, setup_sheet_study

CELL_VALUES = st.one_of(
    st.sampled_from([
        "饭搭子", "meal", "MEAL ", "旅行搭子; 学习搭子", "study；city、seeking", "success", "失败", "nonsense",
        "", " ", "是", "否", "yes", "x", "maybe", "12", "-3", "1e400", "１２", "3.5", "NaN",
        "=1+1", '=HYPERLINK("javascript:alert(1)","x")', "=A1", "+1", "@x", "-1",
        "<script>alert(1)</script>", "\u202eevil", "a\u200bb", "x" * 32_000, "长" * 10_000,
        "000000000000000000000007", "4983510000000000123", "x1", "x2", "x3", "no-such-post",
    ]),
    st.text(max_size=20).map(lambda s: openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", s)),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.sampled_from([datetime(2024, 1, 2, 3, 4, 5), date(1900, 1, 1), time(12, 30)]),
    st.just(4983510000000000123.0),
)
SHEET_ROWS = 2 + len(POSTS)


@st.composite
def edits(draw) -> list[tuple]:
    """A list of edits to make to a written coding sheet."""
    out = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from([
            "cell", "cell", "cell", "cell", "formula", "header", "delete-column", "delete-row",
            "add-sheet", "drop-sheet", "rename-sheet", "meta", "far-cell",
        ]))
        if kind in ("cell", "formula"):
            value = draw(CELL_VALUES) if kind == "cell" else draw(st.sampled_from(["=1+1", "=A3", "=SUM(K3:K8)", '="meal"']))
            out.append(("cell", draw(st.integers(1, SHEET_ROWS + 2)), draw(st.integers(1, 18)), value))
        elif kind == "header":
            out.append(("cell", 1, draw(st.integers(1, 18)), draw(st.sampled_from(["post_id", "kind", "memo", "", "KIND", "platform", "x"]))))
        elif kind == "delete-column":
            out.append((kind, draw(st.integers(1, 18))))
        elif kind == "delete-row":
            out.append((kind, draw(st.integers(1, SHEET_ROWS))))
        elif kind in ("add-sheet", "drop-sheet", "rename-sheet"):
            out.append((kind, draw(st.sampled_from(["Coding", "Meta", "Lists", "Instructions", "Extra"]))))
        elif kind == "meta":
            out.append((kind, draw(st.integers(1, 10)), draw(st.integers(1, 2)),
                        draw(st.sampled_from(["format", "format_version", "project", "coder", "lang", "codebook_version",
                                              "dazi-coding-sheet", "999", "x", "default", "a", "b", "nobody", None, 1.5]))))
        else:  # a stray value in Excel's last row, typed after Ctrl+Down
            out.append(("far-cell", 1_048_576, draw(st.integers(1, 18)), draw(st.sampled_from(["meal", "x1"]))))
    return sorted(out, key=lambda change: change[0] == "far-cell")  # openpyxl moves cells slowly


def _apply(base: bytes, changes: list[tuple], path: Path) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(base))
    for change in changes:
        kind = change[0]
        names = wb.sheetnames
        if kind in ("cell", "far-cell") and "Coding" in names:
            _, row, column, value = change
            wb["Coding"].cell(row=row, column=column).value = value
        elif kind == "delete-column" and "Coding" in names:
            wb["Coding"].delete_cols(change[1])
        elif kind == "delete-row" and "Coding" in names:
            wb["Coding"].delete_rows(change[1])
        elif kind == "add-sheet":
            wb.create_sheet(change[1] if change[1] not in names else change[1] + "2", 0).append(["post_id", "kind"])
        elif kind == "drop-sheet" and change[1] in names and len(names) > 1:
            del wb[change[1]]
        elif kind == "rename-sheet" and change[1] in names and change[1] + "_old" not in names:
            wb[change[1]].title = change[1] + "_old"
        elif kind == "meta" and "Meta" in names:
            _, row, column, value = change
            wb["Meta"].cell(row=row, column=column).value = value
    try:
        wb.save(path)
    except (IndexError, ValueError):  # openpyxl cannot write a workbook without a visible sheet
        assume(False)


def _state(db) -> tuple[int, ...]:
    with db.read() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (codings, coding_events, coding_units))


@pytest.fixture(autouse=True)
def _cheap_passcodes(monkeypatch):
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})


@pytest.fixture
def light(sqlite_db, tmp_path):
    project = create_project(sqlite_db, "default")
    study = setup_sheet_study(sqlite_db, project)
    path = tmp_path / "a.xlsx"
    write_coding_sheet(sqlite_db, project, study["a"], path)
    return {"db": sqlite_db, "project": project, "base": path.read_bytes(), **study}


def _check_import(light, path: Path) -> None:
    db = light["db"]
    before = _state(db)
    try:
        import_codings(db, light["project"], path)
    except BaseException as exc:
        check_error(exc, path)
        assert _state(db) == before, "a refused sheet changed the codings"


@pytest.mark.parametrize("examples", depths(ci=100, deep=1500))  # ~0.25 s a case: openpyxl twice
def test_edited_sheets(light, examples):
    def check(changes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "returned.xlsx"
            _apply(light["base"], changes, path)
            _check_import(light, path)

    tried = run("sheets-edited", examples, edits(), check)
    assert tried >= min(examples, 50)


@st.composite
def mangled_files(draw) -> bytes:
    kind = draw(st.sampled_from(["bytes", "bytes", "bytes", "other"]))
    if kind == "other":
        return draw(st.sampled_from(_not_workbooks()))
    data = bytearray(draw(st.sampled_from(_bases())))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 256))]
        elif action == "truncate":
            del data[at:]
    return bytes(data)


_BASES: list[bytes] = []


def _bases() -> list[bytes]:
    return _BASES


def _not_workbooks() -> list[bytes]:
    junk = io.BytesIO()
    with zipfile.ZipFile(junk, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    return [b"", b"post_id,kind\nx1,meal\n", b"\xd0\xcf\x11\xe0" + b"\x00" * 600, b"PK\x03\x04", junk.getvalue(),
            b"<html><table><tr><td>x1</td></tr></table></html>"]


@pytest.mark.parametrize("examples", DEPTHS)
def test_mangled_sheet_files(light, examples):
    _BASES[:] = [light["base"]]

    def check(raw) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "returned.xlsx"
            path.write_bytes(raw)
            _check_import(light, path)

    tried = run("sheets-bytes", examples, mangled_files(), check)
    assert tried >= min(examples, 50)


def test_zip_bomb_sheet_is_refused_before_unpacking(light, tmp_path):
    """A sheet whose XML unpacks to 300 MiB from a few hundred KiB is refused at once."""
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(io.BytesIO(light["base"])) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        with dst.open("xl/worksheets/padding.xml", "w") as fh:
            block = b" " * (1 << 20)
            for _ in range(300):
                fh.write(block)
    assert path.stat().st_size < 2 << 20
    before = _state(light["db"])
    with time_limit(10), pytest.raises(InputError, match="unpacks to") as info:
        import_codings(light["db"], light["project"], path)
    check_error(info.value, path)
    assert _state(light["db"]) == before
