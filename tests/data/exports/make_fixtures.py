"""Write the small export fixtures in this folder (run from anywhere).

    python tests/data/exports/make_fixtures.py

The records imitate what the crawlers write, field by field (see
``shared/source-formats.md``); the values are invented.  Binary fixtures
(XLSX workbooks, SQLite stores, zstd dumps) are built by the tests themselves
from :data:`XHS_NOTES` and friends, so only text files live here.

The three MediaCrawler Xiaohongshu files ``xhs_notes_bom.csv``,
``xhs_notes_gb18030.csv`` and ``xhs_notes.jsonl`` hold the same four notes:
loading any of them must give the same canonical posts.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# MediaCrawler Xiaohongshu notes, schema in use 2024-12 to 2026-06.
XHS_COLUMNS = [
    "note_id",
    "type",
    "title",
    "desc",
    "video_url",
    "time",
    "last_update_time",
    "user_id",
    "nickname",
    "avatar",
    "liked_count",
    "collected_count",
    "comment_count",
    "share_count",
    "ip_location",
    "image_list",
    "tag_list",
    "last_modify_ts",
    "note_url",
    "source_keyword",
    "xsec_token",
]

_DESC_A = (
    "周末找个饭搭子🍜\n上海徐汇，不聊天只干饭 #饭搭子[话题]##上海美食[话题]# [笑哭R] @小红薯A1B2"
)
_DESC_B = (
    'Looking for a study buddy 📚 考研人冲！\n每天图书馆打卡，"不聊天只打卡"\n'
    "#学习搭子[话题]# #考研[话题]# @Amy_Li"
)

XHS_NOTES: list[dict] = [
    {
        "note_id": "65a1b2c3d4e5f60718293a4b",
        "type": "normal",
        "title": _DESC_A[:255],  # MediaCrawler's fallback: the title repeats desc
        "desc": _DESC_A,
        "video_url": "",
        "time": 1703323974000,
        "last_update_time": 1703323974000,
        "user_id": "5f0e1d2c3b4a596877665544",
        "nickname": "干饭人小王",
        "avatar": "https://sns-avatar.example/avatar/1.jpg",
        "liked_count": "1.3万",
        "collected_count": "3585",
        "comment_count": "10+",
        "share_count": "",
        "ip_location": "上海",
        "image_list": "https://img.example/1.jpg,https://img.example/2.jpg",
        "tag_list": "饭搭子,上海美食",
        "last_modify_ts": 1703400000000,
        "note_url": "https://www.xiaohongshu.com/explore/65a1b2c3d4e5f60718293a4b?xsec_token=AB1&xsec_source=pc_search",
        "source_keyword": "饭搭子",
        "xsec_token": "AB1",
    },
    {
        "note_id": "65b2c3d4e5f60718293a4b5c",
        "type": "normal",
        "title": "求一个学习搭子",
        "desc": _DESC_B,
        "video_url": "",
        "time": 1704067200000,
        "last_update_time": 1704067200000,
        "user_id": "5f0e1d2c3b4a596877665545",
        "nickname": "Amy考研版",
        "avatar": "https://sns-avatar.example/avatar/2.jpg",
        "liked_count": "10万+",
        "collected_count": "2.1w",
        "comment_count": "1.2k",
        "share_count": "1千+",
        "ip_location": "北京",
        "image_list": "https://img.example/3.jpg",
        "tag_list": "学习搭子,考研,图书馆",
        "last_modify_ts": 1704100000000,
        "note_url": "https://www.xiaohongshu.com/explore/65b2c3d4e5f60718293a4b5c?xsec_token=CD2&xsec_source=pc_search",
        "source_keyword": "学习搭子",
        "xsec_token": "CD2",
    },
    {
        "note_id": "65c3d4e5f60718293a4b5c6d",
        "type": "video",
        "title": "健身搭子｜每周三练腿",
        "desc": "",
        "video_url": "http://sns-video-bd.example/v/1",
        "time": 1709251200000,
        "last_update_time": 0,
        "user_id": "5f0e1d2c3b4a596877665546",
        "nickname": "撸铁的猫",
        "avatar": "",
        "liked_count": "None",
        "collected_count": "0",
        "comment_count": "1,234",
        "share_count": "1.5亿",
        "ip_location": "",
        "image_list": "",
        "tag_list": "",
        "last_modify_ts": 1709300000000,
        "note_url": "https://www.xiaohongshu.com/explore/65c3d4e5f60718293a4b5c6d?xsec_token=EF3&xsec_source=pc_search",
        "source_keyword": "健身搭子",
        "xsec_token": "EF3",
    },
]
# Same-day runs append to one file: the first note again, found by another keyword.
XHS_NOTES.append(
    {
        **XHS_NOTES[0],
        "source_keyword": "上海搭子",
        "liked_count": "1.4万",
        "last_modify_ts": 1703500000000,
    }
)

XHS_COMMENT_COLUMNS = [
    "comment_id",
    "create_time",
    "ip_location",
    "note_id",
    "content",
    "user_id",
    "nickname",
    "avatar",
    "sub_comment_count",
    "pictures",
    "parent_comment_id",
    "last_modify_ts",
    "like_count",
]
XHS_COMMENTS: list[dict] = [
    {
        "comment_id": "6600000000000000000000a1",
        "create_time": 1703330000000,
        "ip_location": "江苏",
        "note_id": "65a1b2c3d4e5f60718293a4b",
        "content": "我也在徐汇！@干饭人小王 带我一个[赞R]",
        "user_id": "5f0e00000000000000000001",
        "nickname": "路人甲",
        "avatar": "https://a.example/x.jpg",
        "sub_comment_count": "1",
        "pictures": "",
        "parent_comment_id": "0",
        "last_modify_ts": 1703400000000,
        "like_count": "12",
    },
    {
        "comment_id": "6600000000000000000000a2",
        "create_time": 1703331000000,
        "ip_location": "上海",
        "note_id": "65a1b2c3d4e5f60718293a4b",
        "content": "可以呀\n私信你",
        "user_id": "5f0e1d2c3b4a596877665544",
        "nickname": "干饭人小王",
        "avatar": "",
        "sub_comment_count": "0",
        "pictures": "",
        "parent_comment_id": "6600000000000000000000a1",
        "last_modify_ts": 1703400000000,
        "like_count": "1.1万",
    },
]

WEIBO_SEARCH_COLUMNS = [
    "id",
    "bid",
    "user_id",
    "用户昵称",
    "微博正文",
    "头条文章url",
    "发布位置",
    "艾特用户",
    "话题",
    "转发数",
    "评论数",
    "点赞数",
    "发布时间",
    "发布工具",
    "微博图片url",
    "微博视频url",
    "retweet_id",
]
WEIBO_SEARCH_ROWS = [
    [
        "4983512345678901",
        "NqRsT1u2v",
        "1234567890",
        "搭子研究所",
        "#云搭子#真的能长久吗？@小李 你怎么看[允悲]",
        "",
        "上海",
        "小李",
        "云搭子",
        "1万+",
        "235",
        "3,456",
        "2023-12-23 17:12",
        "iPhone客户端",
        "",
        "",
        "",
    ],
    [
        "4983512345678902",
        "NqRsT1u2w",
        "1234567891",
        "学习打卡",
        "今天也在自习室 #学习搭子# #考研#",
        "",
        "",
        "",
        "学习搭子,考研",
        "0",
        "0",
        "12",
        "2023-12-24 08:00",
        "微博网页版",
        "",
        "",
        "",
    ],
]

WEIBO_CRAWLER_COLUMNS = [
    "id",
    "bid",
    "正文",
    "头条文章url",
    "原始图片url",
    "视频url",
    "位置",
    "日期",
    "工具",
    "点赞数",
    "评论数",
    "转发数",
    "话题",
    "@用户",
]
WEIBO_CRAWLER_ROWS = [
    [
        "4983500000000001",
        "Nq1",
        "周末飞盘局缺人，#飞盘搭子# 来！",
        "",
        "",
        "",
        "北京·朝阳公园",
        "2024-03-02 10:00:00",
        "Android",
        "2.3万",
        "1000",
        "99",
        "飞盘搭子",
        "",
    ],
]

REDDIT_SUBMISSIONS = [
    {
        "id": "18p2abc",
        "author": "study_buddy_22",
        "author_fullname": "t2_abc123",
        "created_utc": 1703323974,
        "title": "Looking for a 学习搭子 (study buddy)",
        "selftext": "TikTok refugee here, anyone on RedNote want to study together?\n#studywithme",
        "score": 42,
        "num_comments": 7,
        "subreddit": "Xiaohongshu",
        "permalink": "/r/Xiaohongshu/comments/18p2abc/looking_for_a_study_buddy/",
        "url": "https://www.reddit.com/r/Xiaohongshu/comments/18p2abc/",
        "over_18": False,
    },
    {
        "id": "18p2abd",
        "author": "[deleted]",
        "created_utc": "1703323975",
        "title": "deleted post",
        "selftext": "[removed]",
        "score": -3,
        "num_comments": 0,
        "subreddit": "Xiaohongshu",
        "permalink": "/r/Xiaohongshu/comments/18p2abd/deleted_post/",
        "url": "",
        "over_18": False,
    },
]
REDDIT_COMMENTS = [
    {
        "id": "kev1a2b",
        "author": "tiktok_refugee",
        "body": "Count me in!",
        "created_utc": 1703330000,
        "score": 5,
        "link_id": "t3_18p2abc",
        "parent_id": "t3_18p2abc",
        "subreddit": "Xiaohongshu",
        "permalink": "/r/Xiaohongshu/comments/18p2abc/_/kev1a2b/",
    },
    {
        "id": "kev1a2c",
        "author": "study_buddy_22",
        "body": "Great, DM me",
        "created_utc": 1703330500,
        "score": 2,
        "link_id": "t3_18p2abc",
        "parent_id": "t1_kev1a2b",
        "subreddit": "Xiaohongshu",
        "permalink": "/r/Xiaohongshu/comments/18p2abc/_/kev1a2c/",
    },
]

_LONG = (
    "Day 30 with my RedNote study buddy (学习搭子): we never chat, we only check in. "
    "It works better than any app I tried. "
) * 3
X_PAGE = {
    "data": [
        {
            "id": "1740000000000000001",
            "text": _LONG[:270] + "… https://t.co/abc",
            "note_tweet": {"text": _LONG.strip()},
            "author_id": "111",
            "created_at": "2024-01-15T08:30:00.000Z",
            "lang": "en",
            "edit_history_tweet_ids": ["1740000000000000001"],
            "entities": {
                "hashtags": [{"start": 0, "end": 8, "tag": "RedNote"}],
                "mentions": [{"start": 0, "end": 5, "username": "buddy_b", "id": "222"}],
            },
            "public_metrics": {
                "retweet_count": 3,
                "reply_count": 4,
                "like_count": 56,
                "quote_count": 1,
                "bookmark_count": 2,
                "impression_count": 1000,
            },
        },
        {
            "id": "1740000000000000002",
            "text": "找搭子 in NYC #饭搭子 @buddy_a",
            "author_id": "222",
            "created_at": "2024-01-15T09:00:00.000Z",
            "lang": "zh",
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 1,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 10,
            },
        },
    ],
    "includes": {
        "users": [
            {"id": "111", "name": "Buddy A", "username": "buddy_a"},
            {"id": "222", "name": "Buddy B", "username": "buddy_b"},
        ]
    },
    "meta": {
        "result_count": 2,
        "newest_id": "1740000000000000002",
        "oldest_id": "1740000000000000001",
    },
}

TWARC_COLUMNS = [
    "id",
    "conversation_id",
    "author_id",
    "author.username",
    "author.name",
    "created_at",
    "text",
    "lang",
    "public_metrics.like_count",
    "public_metrics.quote_count",
    "public_metrics.reply_count",
    "public_metrics.retweet_count",
    "entities.hashtags",
    "entities.mentions",
]
TWARC_ROWS = [
    [
        "1740000000000000003",
        "1740000000000000003",
        "333",
        "buddy_c",
        "Buddy C",
        "2024-01-16T10:00:00.000Z",
        "First line\\nSecond line #云搭子",
        "en",
        "7",
        "0",
        "1",
        "2",
        '[{"start": 12, "end": 16, "tag": "云搭子"}]',
        "",
    ],
]


def _csv_text(columns: list[str], rows: list[list]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)  # csv.writer's default: RFC 4180 quoting, "\r\n" rows
    writer.writerow(columns)
    writer.writerows(rows)
    return buf.getvalue()


def _rows(records: list[dict], columns: list[str]) -> list[list]:
    return [["" if r.get(c) is None else r.get(c) for c in columns] for r in records]


def write_all(folder: Path = HERE) -> None:
    """Write every text fixture into *folder*."""
    notes_csv = _csv_text(XHS_COLUMNS, _rows(XHS_NOTES, XHS_COLUMNS))
    (folder / "xhs_notes_bom.csv").write_bytes(notes_csv.encode("utf-8-sig"))
    (folder / "xhs_notes_gb18030.csv").write_bytes(notes_csv.encode("gb18030"))
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in XHS_NOTES)
    (folder / "xhs_notes.jsonl").write_text(jsonl, encoding="utf-8")
    (folder / "xhs_notes.json").write_text(
        json.dumps(XHS_NOTES, ensure_ascii=False, indent=4), encoding="utf-8"
    )
    comments_csv = _csv_text(XHS_COMMENT_COLUMNS, _rows(XHS_COMMENTS, XHS_COMMENT_COLUMNS))
    (folder / "xhs_comments.csv").write_bytes(comments_csv.encode("utf-8-sig"))
    (folder / "weibo_search.csv").write_bytes(
        _csv_text(WEIBO_SEARCH_COLUMNS, WEIBO_SEARCH_ROWS).encode("utf-8-sig")
    )
    (folder / "weibo_crawler.csv").write_bytes(
        _csv_text(WEIBO_CRAWLER_COLUMNS, WEIBO_CRAWLER_ROWS).encode("utf-8-sig")
    )
    (folder / "reddit_submissions.ndjson").write_text(
        "".join(json.dumps(r) + "\n" for r in REDDIT_SUBMISSIONS), encoding="utf-8"
    )
    (folder / "reddit_comments.ndjson").write_text(
        "".join(json.dumps(r) + "\n" for r in REDDIT_COMMENTS), encoding="utf-8"
    )
    (folder / "x_page.json").write_text(
        json.dumps(X_PAGE, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (folder / "twarc.csv").write_text(_csv_text(TWARC_COLUMNS, TWARC_ROWS), encoding="utf-8")


if __name__ == "__main__":
    write_all()


# ---------------------------------------------------------------------------
# builders for binary fixtures (the tests call these with tmp_path)
# ---------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], list[list]]]) -> Path:
    """A workbook with one sheet per entry, header first, values as given."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (columns, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(columns)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def mediacrawler_excel_rows(records: list[dict], columns: list[str]) -> list[list]:
    """Rows as MediaCrawler's Excel store writes them: every value as ``str(value)``."""
    return [[str(r.get(c)) if r.get(c) is not None else "" for c in columns] for r in records]


_INTEGER_COLUMNS = ("time", "last_update_time", "last_modify_ts", "add_ts")


def write_mediacrawler_sqlite(path: Path, notes: list[dict], comments: list[dict]) -> Path:
    """A MediaCrawler-style SQLite store: ``xhs_note``, ``xhs_note_comment``, ``xhs_creator``.

    As MediaCrawler's DB store does, ``time`` is an INTEGER, counts are
    ``str(value)``, and list fields (``image_list``, ``tag_list``,
    ``pictures``) are additionally JSON-quoted with ``json.dumps``.
    """
    import sqlite3

    con = sqlite3.connect(path)
    note_cols = ["id"] + XHS_COLUMNS + ["add_ts"]
    con.execute(
        "CREATE TABLE xhs_note (id INTEGER PRIMARY KEY, "
        + ", ".join(f'"{c}" {"BIGINT" if c in _INTEGER_COLUMNS else "TEXT"}' for c in note_cols[1:])
        + ")"
    )
    for i, n in enumerate(notes, start=1):
        values = [i]
        for c in XHS_COLUMNS:
            v = n.get(c)
            if c in ("image_list", "tag_list"):
                v = json.dumps(v)
            elif c.endswith("_count"):
                v = str(v)
            values.append(v)
        values.append(n["last_modify_ts"])
        con.execute(f"INSERT INTO xhs_note VALUES ({', '.join('?' * len(values))})", values)
    con.execute(
        "CREATE TABLE xhs_note_comment (id INTEGER PRIMARY KEY, "
        + ", ".join(
            f'"{c}" {"BIGINT" if c in ("create_time", "last_modify_ts") else "TEXT"}'
            for c in XHS_COMMENT_COLUMNS
        )
        + ")"
    )
    for i, c in enumerate(comments, start=1):
        values = [i] + [json.dumps(c[k]) if k == "pictures" else c[k] for k in XHS_COMMENT_COLUMNS]
        con.execute(f"INSERT INTO xhs_note_comment VALUES ({', '.join('?' * len(values))})", values)
    con.execute(
        "CREATE TABLE xhs_creator (id INTEGER PRIMARY KEY, user_id TEXT, nickname TEXT, fans TEXT)"
    )
    con.execute(
        "INSERT INTO xhs_creator VALUES (1, '5f0e1d2c3b4a596877665544', '干饭人小王', '1.2万')"
    )
    con.commit()
    con.close()
    return path


def write_zst(path: Path, text: str) -> Path:
    """Compress *text* as Pushshift does (zstd; long window not needed this small)."""
    import zstandard

    path.write_bytes(zstandard.ZstdCompressor(level=3).compress(text.encode("utf-8")))
    return path
