"""Acceptance tests of issue 15: every file a researcher brings imports as it is.

The files and their manifests are in ``tests/acceptance/data`` (see its README): shaped from
Zeeschuimer's, 4CAT's and MediaCrawler's own code by someone other than the importer's
author.  Each test goes through the command line only: ``dazi import FILE`` with no
``--map`` and no ``--preset``, then ``dazi export`` to CSV, compared with the manifest.
Malformed files must be refused with a message naming the file and the line/row and field,
and leave the project as it was.  dazi's own exports must import back with every canonical
field equal.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.acceptance.cli import dazi

pytestmark = pytest.mark.acceptance

DATA = Path(__file__).resolve().parent / "data"
MANIFESTS = sorted(DATA.glob("*.manifest.json"))


def _manifest(name: str) -> dict:
    return json.loads((DATA / f"{name}.manifest.json").read_text(encoding="utf-8"))


GOOD = [json.loads(p.read_text(encoding="utf-8"))["file"] for p in MANIFESTS
        if "posts" in json.loads(p.read_text(encoding="utf-8"))]
WITH_COMMENTS = [json.loads(p.read_text(encoding="utf-8"))["file"] for p in MANIFESTS
                 if "comments" in json.loads(p.read_text(encoding="utf-8"))]
BAD = [json.loads(p.read_text(encoding="utf-8"))["file"] for p in MANIFESTS
       if json.loads(p.read_text(encoding="utf-8")).get("malformed")]


# ------------------------------------------------------------------------------- reading an export

def read_export(path: Path) -> dict[str, dict[str, str]]:
    """``dazi export X.csv`` as ``{post_id: {column: text}}``."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and "post_id" in rows[0], f"the export has no post_id column: {list(rows[0]) if rows else rows}"
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        out[row["post_id"]] = row
    assert len(out) == len(rows), "the export repeats a post_id"
    return out


def as_count(text: str | None):
    if text is None or text.strip() in ("", "None", "nan", "NaN"):
        return None
    value = float(text)
    assert value == int(value), f"a count that is not a whole number: {text!r}"
    return int(value)


def as_bool(text: str | None) -> bool:
    return str(text).strip().lower() in ("true", "1", "yes", "y", "是")


def as_tags(text: str | None) -> set[str]:
    if not text:
        return set()
    return {t.strip().lstrip("#") for t in re.split(r"[;,，；]", text) if t.strip()}


def as_utc(text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    dt = datetime.fromisoformat(text.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0)


def compare(exported: dict[str, dict[str, str]], manifest: dict) -> list[str]:
    """What differs between ``dazi export``'s rows and the manifest's posts (empty: all equal)."""
    problems: list[str] = []
    expected_ids = [p["post_id"] for p in manifest["posts"]]
    missing = [i for i in expected_ids if i not in exported]
    extra = [i for i in exported if i not in expected_ids]
    if missing:
        problems.append(f"posts missing from the export: {missing}")
    if extra:
        problems.append(f"posts in the export that the file does not hold (ids changed?): {extra}")
    for p in manifest["posts"]:
        row = exported.get(p["post_id"])
        if row is None:
            continue
        pid = p["post_id"]
        texts = p.get("text_alternatives") or [p["text"]]
        if row.get("text", "") not in texts:
            problems.append(f"{pid}: text {row.get('text')!r}, expected {texts[0]!r}")
        for field in ("likes", "comments"):
            if field in p and as_count(row.get(field)) != p[field]:
                problems.append(f"{pid}: {field} {row.get(field)!r}, expected {p[field]!r}")
        if as_bool(row.get("counts_approximate")) != p["counts_approximate"]:
            problems.append(f"{pid}: counts_approximate {row.get('counts_approximate')!r}, "
                            f"expected {p['counts_approximate']}")
        if as_tags(row.get("hashtags")) != set(p["hashtags"]):
            problems.append(f"{pid}: hashtags {row.get('hashtags')!r}, expected {p['hashtags']}")
        try:
            got = as_utc(row.get("created_at"))
        except ValueError:
            got = f"unreadable {row.get('created_at')!r}"
        wanted = [as_utc(w) for w in p.get("created_at_alternatives") or [p["created_at"]]]
        if got not in wanted:
            problems.append(f"{pid}: created_at {row.get('created_at')!r}, expected {p['created_at']}")
        if "platform" in p and row.get("platform") != p["platform"]:
            problems.append(f"{pid}: platform {row.get('platform')!r}, expected {p['platform']!r}")
        if p.get("title") and row.get("title") not in (p["title"], ""):
            problems.append(f"{pid}: title {row.get('title')!r}, expected {p['title']!r}")
    return problems


def import_and_export(tmp_path: Path, *files: Path) -> tuple[str, dict[str, dict[str, str]] | None]:
    db = tmp_path / "acceptance.db"
    r = dazi("import", *files, db=db)
    assert not r.traceback, f"dazi import crashed with a traceback:\n{r.output}"
    assert r.code == 0, f"dazi import {' '.join(f.name for f in files)} failed:\n{r.output}"
    out = tmp_path / "posts.csv"
    e = dazi("export", out, db=db)
    assert e.code == 0 and not e.traceback, f"dazi export failed:\n{e.output}"
    return r.output, read_export(out)


# ------------------------------------------------------------------------------------------ tests

@pytest.mark.parametrize("name", GOOD)
def test_file_imports_as_it_is(tmp_path, name):
    """``dazi import FILE`` (no --map, no --preset) then ``dazi export``: the manifest's posts."""
    manifest = _manifest(name)
    _, exported = import_and_export(tmp_path, DATA / name)
    problems = compare(exported, manifest)
    assert not problems, f"{name} ({manifest['source']}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name", WITH_COMMENTS)
def test_comments_import_with_their_posts(tmp_path, name):
    """Contents and comments imported together: every comment is kept, linked to its post."""
    manifest = _manifest(name)
    contents = DATA / manifest["contents_file"]
    db = tmp_path / "acceptance.db"
    r = dazi("import", contents, DATA / name, db=db)
    assert r.code == 0 and not r.traceback, f"dazi import {contents.name} {name} failed:\n{r.output}"
    c = dazi("corpus", db=db)
    assert c.code == 0, c.output
    m = re.search(r"^comments\s+([\d,]+)", c.output, re.MULTILINE)
    assert m, f"dazi corpus does not report comments:\n{c.output}"
    assert int(m.group(1).replace(",", "")) == manifest["comment_count"], c.output
    # each post's comments are readable with `dazi comments POST_ID`
    by_post: dict[str, list[str]] = {}
    for com in manifest["comments"]:
        by_post.setdefault(com["post_id"], []).append(com["text"])
    for post_id, texts in by_post.items():
        s = dazi("comments", post_id, db=db)
        assert s.code == 0 and not s.traceback, f"dazi comments {post_id} failed:\n{s.output}"
        for text in texts:
            assert text in s.output, f"dazi comments {post_id} does not show {text!r}:\n{s.output}"


def _post_count(db: Path) -> int:
    r = dazi("corpus", db=db)
    assert r.code == 0, r.output
    m = re.search(r"^posts\s+([\d,]+)", r.output, re.MULTILINE)
    assert m, r.output
    return int(m.group(1).replace(",", ""))


BASELINE = [  # a MediaCrawler Xiaohongshu file dazi has always read, to have posts in the project
    {"note_id": "65c0ffee000000000000a001", "type": "normal", "title": "", "desc": "已有的帖子 #搭子[话题]#",
     "time": 1735689600000, "user_id": "u1", "nickname": "甲", "liked_count": "5", "collected_count": "0",
     "comment_count": "1", "share_count": "0", "ip_location": "上海", "image_list": "", "tag_list": "",
     "last_modify_ts": 1735776000000, "note_url": "https://www.xiaohongshu.com/explore/65c0ffee000000000000a001",
     "source_keyword": "搭子"},
    {"note_id": "65c0ffee000000000000a002", "type": "normal", "title": "第二条", "desc": "已有的第二条",
     "time": 1735693200000, "user_id": "u2", "nickname": "乙", "liked_count": "1.1万", "collected_count": "2",
     "comment_count": "3", "share_count": "4", "ip_location": "北京", "image_list": "", "tag_list": "",
     "last_modify_ts": 1735776000000, "note_url": "https://www.xiaohongshu.com/explore/65c0ffee000000000000a002",
     "source_keyword": "搭子"},
]


def _names_position(output: str, spec: dict) -> bool:
    """The message names the line (or row) of the error."""
    # the physical line, the data row (1 = first row under the header) or the row number a
    # spreadsheet shows (the header is row 1): each names the place unambiguously enough
    numbers = {spec["line"]} | {spec[k] for k in ("row", "sheet_row") if k in spec}
    for m in re.finditer(r"(?i)\b(?:line|row|record|item|entry|行|第)\s*[:#]?\s*(\d+)", output):
        if int(m.group(1)) in numbers:
            return True
    return any(re.search(rf"{re.escape(w)}\s*{n}\b|第\s*{n}\s*行", output)
               for n in numbers for w in (":", "行"))


@pytest.mark.parametrize("name", BAD)
def test_malformed_file_is_refused_and_changes_nothing(tmp_path, name):
    """Refused (non-zero exit), the message names the file, the line/row and the field; no change."""
    spec = _manifest(name)["error"]
    base = tmp_path / "search_contents_2025-01-02.jsonl"
    base.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in BASELINE), encoding="utf-8")
    db = tmp_path / "acceptance.db"
    r0 = dazi("import", base, db=db)
    assert r0.code == 0, r0.output
    before = _post_count(db)

    r = dazi("import", DATA / name, db=db)
    assert not r.traceback, f"a bare traceback instead of a clear error:\n{r.output}"
    assert r.code != 0, f"{name} was accepted:\n{r.output}"
    assert name in r.output, f"the message does not name the file {name}:\n{r.output}"
    assert _names_position(r.output, spec), f"the message does not name line {spec['line']}:\n{r.output}"
    if spec["fields"]:
        named = [f for f in spec["fields"] if re.search(rf"(?<![A-Za-z_]){re.escape(f)}(?![A-Za-z_])", r.output)]
        assert named, f"the message names none of the fields {spec['fields']}:\n{r.output}"
    for word in spec["must_mention"]:
        assert word in r.output, f"the message does not mention {word!r}:\n{r.output}"
    assert _post_count(db) == before, "the refused import changed the project"


def test_import_presets_lists_every_source(tmp_path):
    """``dazi import --presets`` exists (its help pointed to it) and names the new sources."""
    r = dazi("import", "--presets", db=tmp_path / "x.db")
    assert r.code == 0 and not r.traceback, r.output
    text = r.output.lower()
    for word in ("zeeschuimer", "4cat", "kuaishou", "zhihu"):
        assert word in text, f"dazi import --presets does not list {word}:\n{r.output}"


# ------------------------------------------------------------------------- round trip of dazi's own export

#: Canonical post fields an export carries and that must come back equal.
ROUND_TRIP_FIELDS = ("post_id", "platform", "url", "title", "text", "author_id", "author_name", "created_at",
                     "location", "likes", "collects", "comments", "shares", "engagement", "counts_approximate",
                     "hashtags", "mentions", "source_keywords", "lang", "status", "crawled_at")


def _normalised(row: dict[str, str], field: str):
    value = row.get(field)
    if field in ("likes", "collects", "comments", "shares", "engagement"):
        return as_count(value)
    if field == "counts_approximate":
        return as_bool(value)
    if field in ("hashtags", "mentions", "source_keywords"):
        return sorted(as_tags(value))
    if field in ("created_at", "crawled_at"):
        return as_utc(value)
    return value or ""


def _round_trip_problems(original: dict[str, dict[str, str]], again: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    if set(again) != set(original):
        problems.append(f"post ids changed: lost {sorted(set(original) - set(again))[:5]}, "
                        f"new {sorted(set(again) - set(original))[:5]}")
    for pid, row in original.items():
        if pid not in again:
            continue
        for field in ROUND_TRIP_FIELDS:
            if field not in row:
                continue
            a, b = _normalised(row, field), _normalised(again[pid], field)
            if a != b:
                problems.append(f"{pid} {field}: {row.get(field)!r} -> {again[pid].get(field)!r}")
    return problems


EXPORTS = DATA / "dazi_export"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl", "parquet"])
def test_coded_demo_export_imports_back(tmp_path, fmt):
    """The coded demo as dazi exported it (committed files) imports with every canonical field equal."""
    original = read_export(EXPORTS / "demo_coded.csv")
    db = tmp_path / "again.db"
    r = dazi("import", EXPORTS / f"demo_coded.{fmt}", db=db)
    assert not r.traceback, r.output
    assert r.code == 0, f"dazi refuses its own {fmt} export:\n{r.output}"
    out = tmp_path / "again.csv"
    e = dazi("export", out, db=db)
    assert e.code == 0, e.output
    problems = _round_trip_problems(original, read_export(out))
    assert not problems, (f"{len(problems)} difference(s) after the {fmt} round trip:\n  "
                          + "\n  ".join(problems[:20]))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl", "parquet"])
def test_own_export_round_trips(tmp_path, fmt):
    """Today's ``dazi export`` of a project imports into a new project with every canonical field equal."""
    first, again_db = tmp_path / "first.db", tmp_path / "again.db"
    r = dazi("import", DATA / "control_mediacrawler_xhs_search_contents.jsonl",
             DATA / "canonical_posts_gb18030.csv", db=first)
    if r.code != 0:  # before issue 15 the canonical sheet is refused; the control file alone still works
        r = dazi("import", DATA / "control_mediacrawler_xhs_search_contents.jsonl", db=first)
    assert r.code == 0, r.output
    assert dazi("export", tmp_path / "first.csv", db=first).code == 0
    e = dazi("export", tmp_path / f"posts.{fmt}", "--bootstrap", "0", db=first)
    if e.code != 0:
        e = dazi("export", tmp_path / f"posts.{fmt}", db=first)
    assert e.code == 0, e.output
    r = dazi("import", tmp_path / f"posts.{fmt}", db=again_db)
    assert not r.traceback, r.output
    assert r.code == 0, f"dazi refuses its own {fmt} export:\n{r.output}"
    assert dazi("export", tmp_path / "again.csv", db=again_db).code == 0
    problems = _round_trip_problems(read_export(tmp_path / "first.csv"), read_export(tmp_path / "again.csv"))
    assert not problems, (f"{len(problems)} difference(s) after the {fmt} round trip:\n  "
                          + "\n  ".join(problems[:20]))
