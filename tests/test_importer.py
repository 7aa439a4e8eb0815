"""Importing into a project: identical posts from every encoding, duplicates, all-or-nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from corpus.importer import import_files
from corpus.store import get_post, iter_posts, post_comments
from dazi.errors import InputError
from dazi.schema import comments, posts
from tests.conftest import DATA

EXPORTS = DATA / "exports"


def _snapshot(db, project) -> list[dict]:
    return [{k: v for k, v in p.items() if k not in ("pk", "raw")} for p in iter_posts(db, project)]


def _count(db, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_bom_csv_gb18030_csv_and_jsonl_give_identical_posts(db):
    from dazi.projects import create_project

    results = []
    for name in ("xhs_notes_bom.csv", "xhs_notes_gb18030.csv", "xhs_notes.jsonl"):
        project = create_project(db, name.replace(".", "_"))
        report = import_files(db, project, [EXPORTS / name])
        assert report.imported > 0
        results.append(_snapshot(db, project))
    assert results[0] == results[1] == results[2]
    encodings = []
    for name in ("xhs_notes_bom.csv", "xhs_notes_gb18030.csv"):
        from dazi.projects import ensure_project

        encodings.append(import_files(db, ensure_project(db, "enc_" + name[:8]), [EXPORTS / name]).files[0]["encoding"])
    assert encodings[0].lower().replace("-", "") .startswith("utf8") and "18030" in encodings[1]


def test_ids_are_strings_and_counts_parsed(db, project):
    import_files(db, project, [EXPORTS / "xhs_notes.jsonl"])
    for post in iter_posts(db, project):
        assert isinstance(post["post_id"], str)
        assert post["created_at"] is None or post["created_at"].tzinfo is not None
    approx = [p for p in iter_posts(db, project) if p["counts_approximate"]]
    assert approx, "the fixture has counts like 1.2万"


def test_comments_attach_to_their_posts(db, project):
    import_files(db, project, [EXPORTS / "xhs_notes.jsonl", EXPORTS / "xhs_comments.csv"])
    assert _count(db, comments) > 0
    with_comments = [p for p in iter_posts(db, project) if post_comments(db, project, p)]
    assert with_comments


def test_duplicates_merge_keywords_and_keep_newest(db, project, tmp_path):
    rows = [json.loads(line) for line in (EXPORTS / "xhs_notes.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    first = dict(rows[0], source_keyword="找搭子", last_modify_ts=1_700_000_000_000, liked_count="1")
    later = dict(rows[0], source_keyword="饭搭子", last_modify_ts=1_750_000_000_000, liked_count="99")
    path = tmp_path / "dups.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (first, later)) + "\n", encoding="utf-8")
    report = import_files(db, project, [path])
    assert (report.imported, report.merged) == (1, 1)
    post = get_post(db, project, rows[0]["note_id"])
    assert post["source_keywords"] == ["找搭子", "饭搭子"] and post["likes"] == 99
    # importing again merges into the stored post
    again = import_files(db, project, [path])
    assert again.imported == 0 and again.updated == 1


def test_a_bad_file_changes_nothing(db, project, tmp_path):
    import_files(db, project, [EXPORTS / "xhs_notes.jsonl"])
    before = _snapshot(db, project)
    good = (EXPORTS / "xhs_notes.jsonl").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.jsonl"
    row = json.loads(good[0])
    row["note_id"] = "ffffffffffffffffffffffff"
    broken = dict(row, note_id="eeeeeeeeeeeeeeeeeeeeeeee", liked_count="lots")
    bad.write_text(json.dumps(row, ensure_ascii=False) + "\n" + json.dumps(broken, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_files(db, project, [bad])
    assert "bad.jsonl" in str(info.value) and "row 2" in str(info.value)
    assert _snapshot(db, project) == before  # the good first row was not kept either


def test_conflicting_duplicate_text_is_an_error_naming_both_rows(db, project, tmp_path):
    rows = [json.loads(line) for line in (EXPORTS / "xhs_notes.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    other = dict(rows[0], desc="完全不同的正文", title="另一个标题")
    path = tmp_path / "conflict.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (rows[0], other)) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2.*different text than at .*row 1"):
        import_files(db, project, [path])
    assert _count(db, posts) == 0
    report = import_files(db, project, [path], skip_bad_rows=True, rejects_path=tmp_path / "rejects.csv")
    assert report.imported == 1 and report.rejected == 1
    assert "different text" in (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")


def test_pseudonymize_on_import(db, project):
    import_files(db, project, [EXPORTS / "xhs_notes.jsonl"], pseudonymize=True)
    raw = Path(EXPORTS / "xhs_notes.jsonl").read_text(encoding="utf-8")
    for post in iter_posts(db, project, with_raw=True):
        assert post["author_name"] is None or post["author_name"] not in raw
        assert "@小红薯A1B2" not in (post["text"] or "")


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_a_batch_mixing_new_repeated_and_known_posts_keeps_the_file_order(db, project, tmp_path):
    """Only the repeated and known rows of a batch are merged one by one; the rest go straight in, in order."""
    from dazi.demo.synthetic import generate_notes

    known, a, b, c = generate_notes(4, seed=5, duplicates=False)

    import_files(db, project, [_write_jsonl(tmp_path / "first.jsonl", [known])], workers=0)
    again = dict(known, source_keyword="新关键词", last_modify_ts=known["last_modify_ts"] + 1)
    b_later = dict(b, source_keyword="另一个", liked_count="777", last_modify_ts=b["last_modify_ts"] + 1)
    mixed = _write_jsonl(tmp_path / "mixed.jsonl", [a, again, b, c, b_later])
    report = import_files(db, project, [mixed], workers=0)
    assert (report.read, report.imported, report.merged, report.updated) == (5, 3, 1, 1)
    order = [p["post_id"] for p in iter_posts(db, project)]
    assert order == [known["note_id"], a["note_id"], b["note_id"], c["note_id"]]
    merged = get_post(db, project, b["note_id"])
    assert merged["likes"] == 777 and "另一个" in merged["source_keywords"]
    assert "新关键词" in get_post(db, project, known["note_id"])["source_keywords"]


def test_conflicts_name_the_first_copy_across_files_and_batches(db, project, tmp_path):
    """A batch spanning two files remembers each key's own file and row for later conflicts."""
    import csv

    from dazi.demo.synthetic import generate_notes

    a, b, c, d = generate_notes(4, seed=8, duplicates=False)

    first = _write_jsonl(tmp_path / "first.jsonl", [a, b])
    second = _write_jsonl(tmp_path / "second.jsonl", [c, d, dict(b, desc="别的正文"), dict(c, desc="又一个正文"), a])
    rejects = tmp_path / "rejects.csv"
    report = import_files(db, project, [first, second], workers=0, batch_size=3, skip_bad_rows=True,
                          rejects_path=rejects)
    assert (report.read, report.imported, report.merged, report.rejected) == (7, 4, 1, 2)
    with open(rejects, encoding="utf-8-sig") as fh:
        rows = [(r["file"], r["row"], r["reason"]) for r in csv.DictReader(fh)]
    again = "(xiaohongshu) appears again with different text than at"
    assert rows == [
        (str(second), "3", f"post {b['note_id']!r} {again} {first}, row 2"),
        (str(second), "4", f"post {c['note_id']!r} {again} {second}, row 1"),
    ]
    assert [p["post_id"] for p in iter_posts(db, project)] == [n["note_id"] for n in (a, b, c, d)]
