"""Every source of issue 15 imports as it is: Zeeschuimer, 4CAT, all of MediaCrawler, canonical sheets.

The fixtures are in ``tests/data/sources`` (written by ``make_sources.py``,
shaped from each tool's code, the file each follows named there).  Expected
values are worked out by hand from those records: e.g. the RedNote API note's
``liked_count`` "1.2万" is 12,000 and approximate; its ``time`` 1733800000000 ms
is 2024-12-10 03:06:40 UTC; the Douyin video's ``create_time`` 1733600000 s is
2024-12-07 19:33:20 UTC.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import openpyxl
import pytest

from corpus.importer import import_files
from corpus.loaders import load
from corpus.store import get_post, iter_posts
from dazi.errors import InputError
from tests.conftest import DATA
from tests.data.sources import make_sources as src

SOURCES = DATA / "sources"
UTC = UTC


def _load(path, **kw):
    result = load(path, workers=0, **kw)
    posts, comments = [], []
    for batch in result:
        posts += batch.posts
        comments += batch.comments
    return result, posts, comments


def _by_id(items, key="post_id"):
    return {i[key]: i for i in items}


# ---------------------------------------------------------------------------
# detection: each file with no --map and no --preset
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "preset", "posts", "comments"),
    [
        ("zeeschuimer/xiaohongshu.ndjson", "zeeschuimer-xiaohongshu", 4, 0),
        ("zeeschuimer/xiaohongshu-comments.ndjson", "zeeschuimer-xiaohongshu-comments", 0, 2),
        ("zeeschuimer/douyin.ndjson", "zeeschuimer-douyin", 2, 0),
        ("zeeschuimer/tiktok.ndjson", "zeeschuimer-tiktok", 1, 0),
        ("zeeschuimer/tiktok-comments.ndjson", "zeeschuimer-tiktok-comments", 0, 2),
        ("zeeschuimer/instagram.ndjson", "zeeschuimer-instagram", 1, 0),
        ("zeeschuimer/xiaohongshu.csv", "4cat-xiaohongshu-csv", 2, 0),
        ("fourcat/xiaohongshu.ndjson", "4cat-xiaohongshu", 4, 0),
        ("fourcat/douyin.ndjson", "4cat-douyin", 2, 0),
        ("fourcat/xiaohongshu.csv", "4cat-xiaohongshu-csv", 2, 0),
        ("fourcat/douyin.csv", "4cat-douyin-csv", 1, 0),
        ("fourcat/xiaohongshu-comments.csv", "4cat-xiaohongshu-comments-csv", 0, 2),
        ("fourcat/tiktok.csv", "4cat-tiktok-csv", 1, 0),
        ("fourcat/tiktok-comments.csv", "4cat-tiktok-comments-csv", 0, 2),
        ("fourcat/instagram.csv", "4cat-instagram-csv", 1, 0),
        ("mediacrawler/kuaishou/search_contents_2024-12-11.jsonl", "mediacrawler-kuaishou-video", 1, 0),
        ("mediacrawler/kuaishou/search_comments_2024-12-11.jsonl", "mediacrawler-kuaishou-comments", 0, 1),
        ("mediacrawler/kuaishou/search_contents_2026-08-01.jsonl", "mediacrawler-kuaishou-video", 1, 0),
        ("mediacrawler/tieba/search_contents_2024-12-11.jsonl", "mediacrawler-tieba-notes", 1, 0),
        ("mediacrawler/tieba/search_comments_2024-12-11.jsonl", "mediacrawler-tieba-comments", 0, 1),
        ("mediacrawler/zhihu/search_contents_2024-12-11.jsonl", "mediacrawler-zhihu-content", 1, 0),
        ("mediacrawler/zhihu/search_comments_2024-12-11.jsonl", "mediacrawler-zhihu-comments", 0, 1),
        ("mediacrawler/zhihu/search_contents_2026-08-01.jsonl", "mediacrawler-zhihu-content", 1, 0),
        ("canonical/posts.csv", "dazi-posts", 3, 0),
        ("canonical/posts_gb18030.csv", "dazi-posts", 3, 0),
        ("canonical/posts.tsv", "dazi-posts", 3, 0),
        ("canonical/posts.json", "dazi-posts", 3, 0),
    ],
)
def test_each_source_is_detected(name, preset, posts, comments):
    result, got_posts, got_comments = _load(SOURCES / name)
    assert result.reports[0].preset == preset
    assert (len(got_posts), len(got_comments)) == (posts, comments)
    for item in got_posts + got_comments:
        assert isinstance(item.get("post_id"), str)


def test_rednote_three_shapes_by_hand():
    result, posts, _ = _load(SOURCES / "zeeschuimer/xiaohongshu.ndjson")
    by_id = _by_id(posts)
    api = by_id["6751a2b3c4d5e6f708192a3b"]
    assert api["title"] == "周末找饭搭子"
    assert api["created_at"] == datetime(2024, 12, 10, 3, 6, 40, tzinfo=UTC)  # 1733800000000 ms
    assert (api["likes"], api["collects"], api["shares"]) == (12000, 3585, 27)  # "1.2万"
    assert api["comments"] == 10 and api["counts_approximate"] is True  # "10+"
    assert api["engagement"] == 12000 + 3585 + 10 + 27
    assert api["hashtags"] == ["饭搭子", "上海美食", "周末去哪儿"]  # inline tags, then tag_list
    assert api["mentions"] == ["小红薯A1"]
    assert api["url"] == "https://www.xiaohongshu.com/explore/6751a2b3c4d5e6f708192a3b?xsec_token=ABcdEFgh123="
    assert api["source_keywords"] == ["饭搭子"]  # from the search page it was collected on
    assert api["location"] == "上海" and api["author_name"] == "干饭人小王"
    assert api["crawled_at"] == datetime.fromtimestamp(1733900001, UTC)  # timestamp_collected
    embedded = by_id["6751a2b3c4d5e6f708192a3c"]
    assert (embedded["likes"], embedded["counts_approximate"]) == (856, False)
    assert embedded["url"].endswith("?xsec_token=XYZ987=") and embedded["author_id"] == "5f0e1d2c3b4a000001a2b3c5"
    stub = by_id["6751a2b3c4d5e6f708192a3d"]  # _zs-origin: html
    assert (stub["text"], stub["created_at"], stub["title"]) == ("", None, "旅行搭子招募")
    assert (stub["likes"], stub["counts_approximate"]) == (23000, True)
    assert stub["url"] == "https://www.xiaohongshu.com/explore/6751a2b3c4d5e6f708192a3d?xsec_token=QRS="
    # the html stub and the search result without desc are reported
    assert result.reports[0].no_text == 2
    assert any("neither text nor time" in w for w in result.reports[0].warnings)
    assert stub["raw"]["source_platform"] == "xiaohongshu.com"  # raw is the whole envelope


def test_douyin_snake_and_camel_case():
    _, posts, _ = _load(SOURCES / "zeeschuimer/douyin.ndjson")
    api, embedded = _by_id(posts)["7301234567890123456"], _by_id(posts)["7301234567890123457"]
    assert api["created_at"] == datetime(2024, 12, 7, 19, 33, 20, tzinfo=UTC)  # 1733600000 s
    assert (api["likes"], api["comments"], api["shares"], api["collects"]) == (15234, 321, 45, 678)
    assert api["hashtags"] == ["徒步", "户外"] and api["author_id"] == "1234567890"
    assert api["source_keywords"] == ["徒步"]  # douyin.com/search/<term>
    assert (embedded["likes"], embedded["counts_approximate"]) == (12000, True)
    assert embedded["author_id"] == "9876543210" and embedded["hashtags"] == ["美食探店"]


def test_tiktok_instagram_and_comments():
    _, posts, _ = _load(SOURCES / "zeeschuimer/tiktok.ndjson")
    video = posts[0]
    assert video["platform"] == "tiktok" and video["author_name"] == "liftwithme"
    assert video["created_at"] == datetime(2024, 12, 5, 12, 0, tzinfo=UTC)  # "1733400000" as text
    assert (video["likes"], video["collects"]) == (5400, 310)
    assert video["url"] == "https://www.tiktok.com/@liftwithme/video/7312345678901234567"
    _, _, comments = _load(SOURCES / "zeeschuimer/tiktok-comments.ndjson")
    top, reply = comments
    assert top["parent_comment_id"] is None and reply["parent_comment_id"] == top["comment_id"]
    _, posts, _ = _load(SOURCES / "zeeschuimer/instagram.ndjson")
    assert posts[0]["post_id"] == "C9xYz12AbCd" and posts[0]["likes"] == 245 and posts[0]["hashtags"] == ["travelbuddy"]
    _, _, comments = _load(SOURCES / "zeeschuimer/xiaohongshu-comments.ndjson")
    assert [c["post_id"] for c in comments] == ["6751a2b3c4d5e6f708192a3b"] * 2
    assert comments[1]["parent_comment_id"] == comments[0]["comment_id"]
    assert comments[1]["likes"] == 11000  # "1.1万"


def test_fourcat_csv_reads_the_unix_timestamp_not_the_server_local_time():
    _, posts, _ = _load(SOURCES / "fourcat/xiaohongshu.csv")
    assert _by_id(posts)["6751a2b3c4d5e6f708192a3b"]["created_at"] == datetime(2024, 12, 10, 3, 6, 40, tzinfo=UTC)
    assert _by_id(posts)["6751a2b3c4d5e6f708192a3b"]["hashtags"] == ["饭搭子", "上海美食"]


def test_zeeschuimer_and_fourcat_give_the_same_posts():
    _, zs, _ = _load(SOURCES / "zeeschuimer/xiaohongshu.ndjson")
    _, fc, _ = _load(SOURCES / "fourcat/xiaohongshu.ndjson")
    drop = ("raw",)
    assert [{k: v for k, v in p.items() if k not in drop} for p in zs] == [
        {k: v for k, v in p.items() if k not in drop} for p in fc
    ]


def test_unknown_zeeschuimer_platform_is_refused_naming_it():
    with pytest.raises(InputError, match="'twitter.com'") as info:
        _load(SOURCES / "zeeschuimer/twitter.ndjson")
    assert info.value.location.column == "source_platform"


def test_mediacrawler_generations_and_new_platforms():
    _, posts, _ = _load(SOURCES / "mediacrawler/kuaishou/search_contents_2026-08-01.jsonl")
    assert posts[0]["author_id"] == "9f86d081884c7d65" and posts[0]["author_name"] == "骑***人"
    _, posts, _ = _load(SOURCES / "mediacrawler/kuaishou/search_contents_2024-12-11.jsonl")
    assert posts[0]["created_at"] == datetime(2024, 12, 3, 4, 26, 40, tzinfo=UTC)  # 1733200000000 ms
    assert (posts[0]["likes"], posts[0]["counts_approximate"]) == (15000, True)  # "1.5万"; viewd_count is not engagement
    _, _, comments = _load(SOURCES / "mediacrawler/tieba/search_comments_2024-12-11.jsonl")
    assert comments[0]["created_at"] == datetime(2024, 12, 2, 1, 30, tzinfo=UTC)  # "2024年12月2日 09:30" Beijing
    _, posts, _ = _load(SOURCES / "mediacrawler/zhihu/search_contents_2024-12-11.jsonl")
    assert (posts[0]["likes"], posts[0]["comments"]) == (1024, 56)
    assert posts[0]["title"] == "如何找到靠谱的旅行搭子？" and posts[0]["platform"] == "zhihu"


def test_canonical_sheet_gb18030_says_which_encoding():
    result, posts, _ = _load(SOURCES / "canonical/posts_gb18030.csv")
    assert result.reports[0].encoding == "gb18030"
    one = _by_id(posts)["0001"]
    assert one["text"] == "找个周末爬山的搭子 #爬山"
    assert (one["likes"], one["counts_approximate"]) == (12000, True)
    assert one["created_at"] == datetime(2024, 3, 4, 16, 0, tzinfo=UTC)  # 2024年3月5日, Beijing midnight
    assert one["hashtags"] == ["爬山", "户外"]
    result, _, _ = _load(SOURCES / "canonical/posts.csv")
    assert result.reports[0].encoding == "utf-8"


# ---------------------------------------------------------------------------
# every MediaCrawler store: csv (BOM), json, jsonl, Excel workbook, SQLite
# ---------------------------------------------------------------------------

_STORES = {
    "kuaishou": (src.KUAISHOU_VIDEOS, src.KUAISHOU_COMMENTS, "kuaishou_video", "kuaishou_video_comment"),
    "tieba": (src.TIEBA_NOTES, src.TIEBA_COMMENTS, "tieba_note", "tieba_comment"),
    "zhihu": (src.ZHIHU_CONTENTS, src.ZHIHU_COMMENTS, "zhihu_content", "zhihu_comment"),
}


def _write_store(folder, platform, fmt):
    contents, comments, t_contents, t_comments = _STORES[platform]
    if fmt == "csv":  # store/*/_store_impl.py CsvStoreImplement: UTF-8 with BOM
        paths = []
        for kind, records in (("contents", contents), ("comments", comments)):
            columns = list(records[0])
            path = folder / f"search_{kind}.csv"
            src.write_csv(path, columns, [[r[c] for c in columns] for r in records], encoding="utf-8-sig")
            paths.append(path)
        return paths
    if fmt == "json":
        paths = []
        for kind, records in (("contents", contents), ("comments", comments)):
            path = folder / f"search_{kind}.json"
            path.write_text(json.dumps(records, ensure_ascii=False, indent=4), encoding="utf-8")
            paths.append(path)
        return paths
    if fmt == "xlsx":  # store/excel_store_base.py: sheets Contents, Comments, Creators
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for sheet, records in (("Contents", contents), ("Comments", comments),
                               ("Creators", [{"user_id": "u", "nickname": "n", "fans": "12"}])):
            ws = wb.create_sheet(sheet)
            ws.append(list(records[0]))
            for r in records:
                ws.append([str(v) for v in r.values()])
        path = folder / f"{platform}_search_20241211.xlsx"
        wb.save(path)
        return [path]
    path = folder / "sqlite_tables.db"  # store/*/_store_impl.py SqliteStoreImplement
    con = sqlite3.connect(path)
    for table, records in ((t_contents, contents), (t_comments, comments)):
        columns = list(records[0])
        con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {', '.join(columns)})")
        con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [[r[c] for c in columns] for r in records])
    con.execute(f"CREATE TABLE {platform}_creator (user_id TEXT, nickname TEXT)")
    con.commit()
    con.close()
    return [path]


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "sqlite"])
@pytest.mark.parametrize("platform", sorted(_STORES))
def test_every_mediacrawler_store(tmp_path, platform, fmt):
    contents, comments, _, _ = _STORES[platform]
    _, posts, got_comments = _load(_write_store(tmp_path, platform, fmt))
    expected_posts = {k: v for k, v in _by_id(_load_jsonl(contents)).items()}
    assert set(_by_id(posts)) == set(expected_posts)
    assert len(got_comments) == len(comments)
    for post in posts:
        want = expected_posts[post["post_id"]]
        for field in ("text", "title", "created_at", "likes", "comments", "hashtags", "author_name"):
            assert post[field] == want[field], (field, fmt)


def _load_jsonl(records):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "r.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return _load(path)[1]


# ---------------------------------------------------------------------------
# malformed files: refused naming file, line and field; the project unchanged
# ---------------------------------------------------------------------------


def _jsonl_with(tmp_path, name, records):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _env(data, platform="xiaohongshu.com", n=1):
    return src.envelope(n, platform, src.XHS_SEARCH, data)


def _bad(tmp_path, case):
    api = json.loads(json.dumps(src.REDNOTE_API))
    if case == "zeeschuimer time":
        api["note_card"]["time"] = 1733800  # 1970 whatever the unit
        return _jsonl_with(tmp_path, "zs.ndjson", [_env(src.REDNOTE_EMBEDDED), _env(api, n=2)]), 2, \
            "data.note_card.time"
    if case == "zeeschuimer count":
        api["note_card"]["interact_info"]["liked_count"] = "很多"
        return _jsonl_with(tmp_path, "zs.ndjson", [_env(api)]), 1, "data.note_card.interact_info.liked_count"
    if case == "zeeschuimer data":
        return _jsonl_with(tmp_path, "zs.ndjson", [_env(api), {**_env(api, n=2), "data": "oops"}]), 2, "data"
    if case == "zeeschuimer mixed platforms":
        return _jsonl_with(tmp_path, "zs.ndjson", [_env(api), _env(src.DOUYIN_API, "douyin.com", 2)]), 2, \
            "source_platform"
    if case == "zeeschuimer stub":
        return _jsonl_with(tmp_path, "zs.ndjson", [_env({"id": "x1", "model_type": "note"})]), 1, "data.note_card"
    if case == "douyin no id":
        return _jsonl_with(tmp_path, "dy.ndjson", [_env(src.DOUYIN_API, "douyin.com"),
                                                   _env({"desc": "live"}, "douyin.com", 2)]), 2, "data.aweme_id"
    if case == "4cat ndjson meta":
        rows = src.fourcat_ndjson([_env(src.REDNOTE_API), _env(src.REDNOTE_EMBEDDED, n=2)])
        rows[1]["__import_meta"] = "gone"
        return _jsonl_with(tmp_path, "fc.ndjson", rows), 2, "__import_meta"
    if case == "4cat csv likes":
        columns, rows, _ = src.FOURCAT_CSV["fourcat/douyin.csv"]
        bad = list(rows[0])
        bad[columns.index("digg_count")] = "-3"
        path = tmp_path / "fc.csv"
        src.write_csv(path, columns, [rows[0], bad])
        return path, 3, "digg_count"
    if case == "kuaishou time":
        bad = dict(src.KUAISHOU_VIDEOS[0], video_id="3xbad", create_time=4102444800000)  # 2100
        return _jsonl_with(tmp_path, "ks.jsonl", [src.KUAISHOU_VIDEOS[0], bad]), 2, "create_time"
    if case == "zhihu id":
        bad = dict(src.ZHIHU_CONTENTS[0], content_id="")
        return _jsonl_with(tmp_path, "zh.jsonl", [bad]), 1, "content_id"
    if case == "canonical 1970":
        path = tmp_path / "mine.csv"
        src.write_csv(path, ["post_id", "text", "created_at"], [["1", "a", "2024-01-01"], ["2", "b", "1970-01-20"]])
        return path, 3, "created_at"
    raise AssertionError(case)


_CASES = ["zeeschuimer time", "zeeschuimer count", "zeeschuimer data", "zeeschuimer mixed platforms",
          "zeeschuimer stub", "douyin no id", "4cat ndjson meta", "4cat csv likes", "kuaishou time", "zhihu id",
          "canonical 1970"]


def _snapshot(db, project):
    return sorted((p["platform"], p["post_id"], p["text"], p["likes"]) for p in iter_posts(db, project))


@pytest.mark.parametrize("case", _CASES)
def test_malformed_files_are_refused_and_change_nothing(db, project, tmp_path, case):
    import_files(db, project, [DATA / "exports" / "xhs_notes.jsonl"])
    before = _snapshot(db, project)
    path, row, column = _bad(tmp_path, case)
    with pytest.raises(InputError) as info:
        import_files(db, project, [path])
    loc = info.value.location
    assert (loc.file, loc.row, loc.column) == (str(path), row, column), info.value.describe()
    text = info.value.describe()
    assert str(path) in text and column in text
    assert _snapshot(db, project) == before


def test_damaged_parquet_is_refused(tmp_path):
    path = tmp_path / "posts.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 40)
    with pytest.raises(InputError, match="Parquet") as info:
        _load(path)
    assert info.value.location.file == str(path)


# ---------------------------------------------------------------------------
# partial copies, and what reaches the database
# ---------------------------------------------------------------------------


def test_html_stub_and_full_note_are_one_post(db, project, tmp_path):
    """Zeeschuimer captures a note from the page HTML and again from the API: one post, with text."""
    full = json.loads(json.dumps(src.REDNOTE_API))
    stub = {**src.REDNOTE_HTML, "id": full["id"]}
    path = _jsonl_with(tmp_path, "zs.ndjson", [_env(stub), _env(full, n=2)])
    report = import_files(db, project, [path])
    assert (report.imported, report.merged) == (1, 1)
    post = get_post(db, project, full["id"])
    assert post["text"].startswith("周末找个饭搭子") and post["likes"] == 12000
    # and the other way round, across imports: a later stub does not wipe the text
    again = _jsonl_with(tmp_path, "zs2.ndjson", [_env(stub, n=3)])
    import_files(db, project, [again])
    assert get_post(db, project, full["id"])["text"].startswith("周末找个饭搭子")


def test_done_means_set_with_no_map_and_no_preset(db, project):
    files = [SOURCES / "zeeschuimer/xiaohongshu.ndjson", SOURCES / "zeeschuimer/douyin.ndjson",
             SOURCES / "fourcat/xiaohongshu.csv", SOURCES / "fourcat/douyin.ndjson",
             SOURCES / "mediacrawler/kuaishou/search_contents_2024-12-11.jsonl",
             SOURCES / "mediacrawler/zhihu/search_contents_2024-12-11.jsonl",
             SOURCES / "mediacrawler/zhihu/search_comments_2024-12-11.jsonl",
             SOURCES / "canonical/posts_gb18030.csv",
             DATA / "exports" / "xhs_notes_gb18030.csv", DATA / "exports" / "weibo_search.csv",
             DATA / "exports" / "reddit_submissions.ndjson", DATA / "exports" / "twarc.csv"]
    report = import_files(db, project, files)
    assert report.rejected == 0 and report.comments == 1
    note = get_post(db, project, "6751a2b3c4d5e6f708192a3b")
    assert (note["likes"], note["counts_approximate"]) == (12000, True)
    assert note["created_at"] == datetime(2024, 12, 10, 3, 6, 40, tzinfo=UTC)
    assert get_post(db, project, "3xabc123def456")["platform"] == "kuaishou"
    assert get_post(db, project, "0001", "other")["hashtags"] == ["爬山", "户外"]


def test_benchmark_zeeschuimer_file_imports_as_rednote(tmp_path):
    """bench_import.py's Zeeschuimer file: the synthetic notes as RedNote API objects, read back equal."""
    import importlib.util
    import itertools

    from dazi.demo.synthetic import generate_notes

    spec = importlib.util.spec_from_file_location("bench_import", DATA.parent.parent / "benchmarks" / "bench_import.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    notes = list(itertools.islice(generate_notes(30, seed=1), 30))
    zs, mc = tmp_path / "zs.ndjson", tmp_path / "mc.jsonl"
    bench.write_zeeschuimer(notes, zs)
    mc.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in notes), encoding="utf-8")
    result, from_zs, _ = _load(zs)
    assert result.reports[0].preset == "zeeschuimer-xiaohongshu"
    _, from_mc, _ = _load(mc)
    assert len(from_zs) == 30
    for a, b in zip(from_zs, from_mc, strict=True):
        for field in ("post_id", "title", "text", "created_at", "likes", "collects", "comments", "shares",
                      "hashtags", "author_id", "location", "source_keywords"):
            assert a[field] == b[field], field


def test_zeeschuimer_relative_time_counts_back_from_timestamp_collected(tmp_path):
    # Douyin's page shape can carry the time as shown ("3天前"); Zeeschuimer's envelope says
    # when the item was collected: 1733900020000 ms = 2024-12-11 06:53:40 UTC.
    line = json.loads((SOURCES / "zeeschuimer/douyin.ndjson").read_text(encoding="utf-8").splitlines()[0])
    line["data"]["create_time"] = "3天前"
    path = tmp_path / "douyin.ndjson"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    _, posts, _ = _load(path)
    assert posts[0]["created_at"] == datetime(2024, 12, 8, 6, 53, 40, tzinfo=UTC)
