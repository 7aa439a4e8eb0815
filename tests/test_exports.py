"""CSV, JSONL, Parquet and SPSS exports read back with the library each is meant for,
and the export/report/tables commands through the real CLI."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from click.testing import CliRunner
from sqlalchemy import update

from coding.assignments import assign, assigned_post_pks, overlap_post_pks
from coding.codebook import Codebook
from coding.codebook_store import save_codebook
from coding.coders import add_coder, get_coder
from coding.codings import save_coding
from corpus.sampling import draw_sample
from dazi.cli import cli
from dazi.errors import NotFound, ValidationError
from dazi.schema import posts
from reports.exports import SPSS_RESERVED, export_posts, save_tables, spss_name
from tests.conftest import make_posts
from tests.test_adjudication import _cheap_passcodes, study  # noqa: F401  (fixtures)

LONG = "channel_used_for_contact_between_companions_as_the_note_says_it"  # 63 characters
SAV_CODEBOOK = {
    "name": "spss", "version": 2,
    "variables": [
        {"id": "by", "label": {"en": "Met by", "zh": "认识途径"}, "type": "single", "codes": [
            {"id": "app", "label": {"en": "App", "zh": "应用"}},
            {"id": "friend", "label": {"en": "Friend", "zh": "朋友"}},
            {"id": "unsure", "label": {"en": "Not stated", "zh": "未提及"}, "missing": True}]},
        {"id": "frequency", "label": "Frequency", "type": "ordinal", "codes": [
            {"id": "daily", "label": "Daily"}, {"id": "weekly", "label": "Weekly"}, {"id": "rarely", "label": "Rarely"}]},
        {"id": LONG, "label": "Channel", "type": "multi", "required": False, "codes": [
            {"id": "private_messages", "label": {"en": "Private messages", "zh": "私信"}},
            {"id": "comments", "label": {"en": "Comments", "zh": "评论区"}}]},
        {"id": "months", "label": "Months", "type": "numeric", "unit": "months", "required": False},
    ],
}


@pytest.fixture
def formula_posts(db, project, study):
    """The adjudication scenario, with post text that looks like formulas."""
    pks = overlap_post_pks(db, project)
    with db.write() as conn:
        conn.execute(update(posts).where(posts.c.id == pks[0]).values(text="=HYPERLINK(\"x\")", title="@所有人"))
        conn.execute(update(posts).where(posts.c.id == pks[1]).values(text="-1 饭搭子😀"))
    return pks


def test_csv_has_a_bom_ids_as_text_and_inert_formulas(db, project, formula_posts, tmp_path):
    out = tmp_path / "posts.csv"
    result = export_posts(db, project, out)
    assert result.rows == 30 and result.format == "csv"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert frame["post_id"].str.fullmatch(r"[0-9a-f]{24}").all()
    first = frame[frame["text"].str.contains("HYPERLINK")].iloc[0]
    assert first["text"] == "'=HYPERLINK(\"x\")" and first["title"] == "'@所有人"
    assert (frame["text"] == "'-1 饭搭子😀").any()
    assert frame["hashtags"].str.len().gt(0).all() and "[" not in frame["hashtags"].iloc[0]
    assert {"kind", "kind__label", "markers__seeking", "markers__city", "markers"} <= set(frame.columns)
    plain = tmp_path / "plain.csv"
    export_posts(db, project, plain, bom=False)
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")


def test_jsonl_keeps_lists_and_types(db, project, formula_posts, tmp_path):
    out = tmp_path / "posts.jsonl"
    export_posts(db, project, out, lang="en")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 30
    first = records[0]
    assert isinstance(first["post_id"], str) and isinstance(first["hashtags"], list)
    assert first["created_at"].startswith("2025-01-01T00:00:00")
    coded = [r for r in records if r["kind"] == "travel" and r["months"] == 6]
    assert coded and coded[0]["markers__city"] == 1 and coded[0]["markers"] == "City"
    assert any(r["text"] == "=HYPERLINK(\"x\")" for r in records)  # data, not a spreadsheet: unchanged


def test_parquet_has_typed_columns_and_metadata(db, project, study, tmp_path):
    out = tmp_path / "posts.parquet"
    export_posts(db, project, out)
    table = pq.read_table(out)
    schema = table.schema
    assert str(schema.field("post_id").type) == "string"
    assert str(schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("likes").type) == "int64"
    assert str(schema.field("hashtags").type) == "list<element: string>"
    assert str(schema.field("markers__seeking").type) == "int8"
    assert str(schema.field("double_coded").type) == "bool"
    assert schema.metadata[b"dazi.codebook"] == b"small"
    frame = table.to_pandas()
    assert len(frame) == 30 and frame["post_id"].map(type).eq(str).all()


@pytest.fixture
def spss_project(db, project, monkeypatch):
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})
    make_posts(db, project, 6)
    save_codebook(db, project, Codebook.from_dict(SAV_CODEBOOK))
    add_coder(db, project, "a", passcode="1234")
    draw_sample(db, project, "all", size=6, seed=1)
    assign(db, project, "all", ["a"], overlap=0, seed=1)
    a = get_coder(db, project, "a")
    pks = assigned_post_pks(db, project, a)
    values = [
        {"by": "friend", "frequency": "weekly", LONG: ["comments", "private_messages"], "months": 2.5},
        {"by": "unsure", "frequency": "daily", LONG: []},
        {"by": "app", "frequency": "rarely"},
    ]
    for pk, v in zip(pks, values):
        save_coding(db, project, a, pk, v)
    with db.write() as conn:
        conn.execute(update(posts).where(posts.c.id == pks[0]).values(text="=cmd|' /C calc'!A0 饭搭子"))
    return project


def test_spss_file_with_variable_and_value_labels(db, spss_project, tmp_path):
    out = tmp_path / "posts.sav"
    result = export_posts(db, spss_project, out, lang="zh")
    frame, meta = pyreadstat.read_sav(str(out), user_missing=True)
    assert result.renamed["by"] == "by_" and "by_" in frame.columns
    long_names = [n for n in frame.columns if n.startswith(LONG[:40])]
    assert all(len(n.encode()) <= 64 for n in frame.columns)
    assert result.renamed[f"{LONG}__private_messages"] in long_names
    assert not any(n.upper() in SPSS_RESERVED for n in frame.columns)
    labels = meta.column_names_to_labels
    assert labels["by_"] == "认识途径" and labels["months"] == "Months (months)"
    assert labels[result.renamed[f"{LONG}__comments"]] == "Channel: 评论区"
    assert meta.variable_value_labels["by_"] == {1.0: "应用", 2.0: "朋友", 3.0: "未提及"}
    assert meta.missing_ranges["by_"] == [{"lo": 3.0, "hi": 3.0}]  # "not stated" is user-missing
    assert meta.variable_value_labels["frequency"] == {1.0: "Daily", 2.0: "Weekly", 3.0: "Rarely"}
    assert meta.variable_measure["frequency"] == "ordinal" and meta.variable_measure["months"] == "scale"
    coded = frame[frame["by_"].notna()].sort_values("by_")
    assert coded["by_"].tolist() == [1.0, 2.0, 3.0]
    friend = coded[coded["by_"] == 2.0].iloc[0]
    assert friend["months"] == 2.5 and friend["frequency"] == 2.0
    assert friend[result.renamed[f"{LONG}__comments"]] == 1.0
    assert "by__label" not in frame.columns and "frequency__label" not in frame.columns
    assert frame["post_id"].map(type).eq(str).all() and frame["title"].str.startswith("帖子").all()
    assert pd.api.types.is_datetime64_any_dtype(frame["created_at"])
    assert (frame["text"] == "'=cmd|' /C calc'!A0 饭搭子").sum() == 1  # neutralised, Chinese intact


def test_spss_labels_that_look_like_formulas_are_neutralised(db, project, monkeypatch, tmp_path):
    monkeypatch.setattr("coding.coders._SCRYPT", {"n": 2**4, "r": 8, "p": 1})
    make_posts(db, project, 2)
    hostile = {"name": "h", "version": 1, "variables": [
        {"id": "kind", "label": "=SUM(1)", "type": "single", "codes": [{"id": "a", "label": "=1+1"},
                                                                       {"id": "b", "label": "饭搭子"}]}]}
    save_codebook(db, project, Codebook.from_dict(hostile))
    out = tmp_path / "h.sav"
    export_posts(db, project, out, lang="en")
    _, meta = pyreadstat.read_sav(str(out))
    assert meta.variable_value_labels["kind"] == {1.0: "'=1+1", 2.0: "饭搭子"}
    assert meta.column_names_to_labels["kind"] == "'=SUM(1)"


@pytest.mark.parametrize("name, expected", [
    pytest.param("WITH", "WITH_", id="reserved word"),
    pytest.param("to", "to_", id="reserved word in lower case"),
    pytest.param("_private", "v_private", id="starts with an underscore"),
    pytest.param("2025", "v2025", id="starts with a digit"),
    pytest.param("a-b c", "a_b_c", id="invalid characters"),
    pytest.param("ends.", "ends", id="ends with a full stop"),
    pytest.param("搭子" * 40, "搭子" * 10 + "搭", id="64 bytes of UTF-8"),
])
def test_spss_names(name, expected):
    assert spss_name(name) == expected
    assert len(spss_name(name).encode()) <= 64


def test_spss_names_stay_unique_case_insensitively():
    assert spss_name("Kind", ["kind"]) == "Kind_2"


@pytest.mark.parametrize("name, kwargs, message", [
    pytest.param("posts.txt", {}, "unknown file type", id="unknown extension"),
    pytest.param("missing/posts.csv", {}, "does not exist", id="missing folder"),
    pytest.param("posts.csv", {"tables": ["freq kind"]}, "go into an .xlsx workbook", id="tables outside xlsx"),
])
def test_export_refuses_what_it_cannot_write(db, project, tmp_path, name, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        export_posts(db, project, tmp_path / name, **kwargs)
    assert not list(tmp_path.glob("posts*")) and not list(tmp_path.glob(".*.part"))


def test_export_of_one_coders_codings(db, project, study, tmp_path):
    out = tmp_path / "b.csv"
    export_posts(db, project, out, source="b")
    frame = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    coded = frame[frame["coders"].notna()]
    assert set(coded["coders"]) == {"b"} and len(coded) == 3  # b finished p1, p2, p3 (p4 is a draft)
    with pytest.raises(NotFound, match="No coder named 'zoe'"):
        export_posts(db, project, out, source="zoe")


def test_tables_saved_as_csv_files_and_json(tmp_path):
    from reports.tables import make_tables
    from tests.test_tables import coded_posts

    tables = make_tables(coded_posts(), ["freq kind", "crosstab kind outcome"])
    written = save_tables(tables, tmp_path / "t.csv")
    assert [p.name for p in written] == ["t_1_freq_kind.csv", "t_2_xtab_kind_outcome.csv"]
    lines = written[0].read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Kind: frequencies") and "n = 7" in lines[1]
    data = json.loads(save_tables(tables, tmp_path / "t.json")[0].read_text(encoding="utf-8"))
    assert data[1]["rows"][0]["Kind \\ Outcome"] == "Meal"


# --------------------------------------------------------------------------
# Through the CLI
# --------------------------------------------------------------------------

def _run(db, *args, ok=True):
    result = CliRunner().invoke(cli, ["--db", str(db.url), *map(str, args)], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def test_cli_export_tables_and_report(db, project, study, tmp_path):
    out = tmp_path / "all.xlsx"
    result = _run(db, "export", out, "--bootstrap", "100", "--tables", "summary by=kind metrics=n,mean(engagement)",
                  "--tables", "terms kind")
    assert "Wrote 30 posts" in result.output and "summary_kind" in result.output and "Terms kind" in result.output
    terms = list(openpyxl.load_workbook(out)["Terms kind"].iter_rows(values_only=True))
    assert terms[0][0] == "各编码的高频词与区分词：Kind（kind）" and terms[4][0] in {"meal", "travel", "study"}
    result = _run(db, "tables", "terms kind", ok=False)
    assert result.exit_code == 1 and "dazi terms --variable kind" in result.stderr
    for flags, bom in (((), True), (("--no-bom",), False)):
        csv_path = tmp_path / f"bom_{bom}.csv"
        _run(db, "export", csv_path, *flags)
        assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf") is bom
    result = _run(db, "tables", "crosstab kind outcome", "--save", tmp_path / "t.xlsx")
    assert "Kind × Outcome" in result.output and "n = " in result.output and "Saved" in result.output
    result = _run(db, "tables", "summary by=knd", ok=False)
    assert result.exit_code == 1 and 'did you mean "kind"' in result.stderr
    result = _run(db, "tables", "--format", "json")
    assert [t["name"] for t in json.loads(result.stdout)] == ["freq_kind", "freq_markers", "freq_outcome",
                                                              "freq_months"]
    html = tmp_path / "r.html"
    result = _run(db, "report", html, "--bootstrap", "100", "--lang", "en")
    assert "Wrote the reliability report" in result.output and "<table" in html.read_text(encoding="utf-8")


def test_cli_report_says_when_no_pdf_converter_is_available(db, project, study, tmp_path, monkeypatch):
    monkeypatch.setattr("reports.report.pdf_converter", lambda: None)
    result = _run(db, "report", tmp_path / "r.html", "--bootstrap", "0", "--pdf")
    assert result.exit_code == 0 and "PDF not written: No PDF converter" in result.stderr
    assert (tmp_path / "r.html").exists() and not (tmp_path / "r.pdf").exists()
