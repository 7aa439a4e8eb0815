"""dazi's own exports import back into a new project with every canonical field equal (issue 15).

Through the real CLI: ``dazi export`` of a project (the demo project, with
coding columns, and a project without a codebook) to csv, the workbook's
Posts sheet, jsonl and parquet; ``dazi import`` of that file into a new
project with no --map and no --preset; then every field of
:data:`reports.data.EXPORT_FIELDS` compared post by post.  Comments come back
too (the workbook's Comments sheet, ``NAME_comments.csv``).
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from corpus.comments import COMMENT_EXPORT_FIELDS, iter_comments
from corpus.store import iter_posts
from dazi.cli import cli
from dazi.db import connect
from dazi.projects import get_project
from reports.data import EXPORT_FIELDS
from tests.conftest import DATA, copy_demo

SOURCES = DATA / "sources"


def run(*args, db, project="default", ok=True):
    argv = ["--db", str(db), "-p", project] + [str(a) for a in args]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _posts(db_path, name):
    db = connect(db_path)
    try:
        project = get_project(db, name)
        posts = {(p["platform"], p["post_id"]): {f: p[f] for f in EXPORT_FIELDS} for p in iter_posts(db, project)}
        comments = {(c["platform"], c["comment_id"]): c for c in iter_comments(db, project)}
        return posts, comments
    finally:
        db.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_template):
    """The demo project: 500 notes with comments, a codebook and codings (coding columns in every export)."""
    return copy_demo(demo_template, tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def sources_db(tmp_path_factory):
    """A project without a codebook, from the new sources (empty texts, tiktok, 4CAT, zhihu ...)."""
    path = tmp_path_factory.mktemp("sources") / "sources.db"
    run("import", SOURCES / "zeeschuimer/xiaohongshu.ndjson", SOURCES / "zeeschuimer/douyin.ndjson",
        SOURCES / "zeeschuimer/tiktok.ndjson", SOURCES / "zeeschuimer/tiktok-comments.ndjson",
        SOURCES / "fourcat/instagram.csv", SOURCES / "mediacrawler/zhihu/search_contents_2024-12-11.jsonl",
        SOURCES / "mediacrawler/zhihu/search_comments_2024-12-11.jsonl", SOURCES / "canonical/posts.csv",
        DATA / "exports" / "weibo_search.csv", DATA / "exports" / "reddit_submissions.ndjson", db=path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl", "parquet"])
@pytest.mark.parametrize("origin", ["demo_db", "sources_db"])
def test_export_imports_back_with_every_field_equal(request, tmp_path, fmt, origin):
    source = request.getfixturevalue(origin)
    out = tmp_path / f"posts.{fmt}"
    run("export", out, db=source)
    target = tmp_path / "new.db"
    files = [out]
    if fmt != "xlsx":  # the workbook has a Comments sheet; the flat formats a posts_comments file beside
        assert (tmp_path / f"posts_comments.{fmt}").exists()
        files.append(tmp_path / f"posts_comments.{fmt}")
    result = run("import", *files, db=target, project="copy")
    assert "preset dazi-posts" in result.output
    before, comments_before = _posts(source, "default")
    after, comments_after = _posts(target, "copy")
    assert set(after) == set(before)
    for key, post in before.items():
        assert after[key] == post, key
    assert comments_before and set(comments_after) == set(comments_before)
    for key, comment in comments_before.items():
        assert {f: comments_after[key][f] for f in COMMENT_EXPORT_FIELDS} == comment


def test_workbook_comments_sheet_is_linked_by_post_id(demo_db, tmp_path):
    out = tmp_path / "book.xlsx"
    result = run("export", out, db=demo_db)
    assert "Comments" in result.output
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb["Comments"].iter_rows(values_only=True))
    assert rows[0] == COMMENT_EXPORT_FIELDS
    post_ids = {r[0] for r in list(wb["Posts"].iter_rows(values_only=True))[1:]}
    assert rows[1:] and all(r[1] in post_ids for r in rows[1:])
    wb.close()


def test_comments_cli(demo_db, tmp_path):
    db = connect(demo_db)
    try:
        first = next(iter_comments(db, get_project(db, "default")))
    finally:
        db.close()
    result = run("comments", first["post_id"], db=demo_db)
    assert first["text"].split("\n")[0] in result.output
    assert result.output.splitlines()[0].startswith(f"xiaohongshu {first['post_id']}")
    out = tmp_path / "comments.csv"
    result = run("comments", "--out", out, db=demo_db)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and "Wrote" in result.output
    missing = run("comments", "no-such-post", db=demo_db, ok=False)
    assert missing.exit_code != 0 and "no-such-post" in missing.output


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_comments_out_in_other_formats_reads_back(demo_db, tmp_path, fmt):
    out = tmp_path / f"comments.{fmt}"
    result = run("comments", "--out", out, db=demo_db)
    n = int(result.output.split()[1].replace(",", ""))
    frame = pd.read_json(out, lines=True, dtype=False) if fmt == "jsonl" else pd.read_parquet(out)
    assert list(frame.columns) == list(COMMENT_EXPORT_FIELDS) and len(frame) == n > 0
    assert frame["post_id"].map(type).eq(str).all()  # ids stay text
    if fmt == "parquet":
        assert str(frame["created_at"].dtype).startswith("datetime64") and frame["likes"].dtype.kind in "iu"


def test_comments_out_refuses_other_file_types(demo_db, tmp_path):
    result = run("comments", "--out", tmp_path / "comments.docx", db=demo_db, ok=False)
    assert result.exit_code != 0 and ".csv, .jsonl, .parquet" in result.output
    assert not (tmp_path / "comments.docx").exists()


def test_import_presets_lists_every_preset_with_columns_and_source():
    from corpus.presets import PRESETS

    result = CliRunner().invoke(cli, ["import", "--presets"])
    assert result.exit_code == 0, result.output
    for name, preset in PRESETS.items():
        assert f"\n{name}  (" in "\n" + result.output, name
        assert preset.source, f"{name} names no source"
    assert "MediaCrawler (NanmiCoder)" in result.output and "Zeeschuimer" in result.output
    assert "4CAT" in result.output and "needs note_id, desc" in result.output
    help_text = CliRunner().invoke(cli, ["import", "--help"]).output
    assert "--presets" in help_text and "dazi import --presets" in help_text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_guarded_text_comes_back_as_it_was(tmp_path, fmt):
    """Exports prefix text that starts like a formula with a quote (dazi.cells); import removes it."""
    sheet = tmp_path / "mine.csv"
    sheet.write_text('post_id,text,title,hashtags\n1,"=HYPERLINK(""x"")",-5度的早晨,"@a;+b"\n2,plain,,\n',
                     encoding="utf-8")
    run("import", sheet, db=tmp_path / "a.db")
    out = tmp_path / f"out.{fmt}"
    run("export", out, db=tmp_path / "a.db")
    if fmt == "csv":
        assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    run("import", out, db=tmp_path / "b.db")
    before, _ = _posts(tmp_path / "a.db", "default")
    after, _ = _posts(tmp_path / "b.db", "default")
    assert after == before
    assert before[("other", "1")]["text"] == '=HYPERLINK("x")' and before[("other", "1")]["title"] == "-5度的早晨"
