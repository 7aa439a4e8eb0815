"""Tests for corpus.presets: detection, each crawler's conversion, the generic mapping.

Expected canonical values are worked out by hand from the fixture records in
``tests/data/exports/make_fixtures.py`` (e.g. likes "1.3万" = 13,000; engagement
13,000 + 3,585 + 10 = 16,595 with the empty share count left out).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from corpus.fields import COMMENT_FIELDS, POST_FIELDS
from corpus.presets import (
    PRESETS,
    RowError,
    check_columns,
    detect_preset,
    generic_preset,
    get_preset,
    rank_presets,
)
from dazi.errors import InputError, ValidationError
from tests.data.exports import make_fixtures as fx

UTC = UTC


def _convert(preset_name: str, rec: dict) -> dict:
    return PRESETS[preset_name].convert(dict(rec))


def _check_shape(item: dict, kind: str = "posts") -> None:
    fields = POST_FIELDS if kind == "posts" else COMMENT_FIELDS
    assert tuple(item) == fields
    if kind == "posts":
        assert isinstance(item["post_id"], str)
        assert item["status"] in ("ok", "deleted", "unavailable")
        for name in ("hashtags", "mentions", "source_keywords"):
            assert isinstance(item[name], list)


# ---------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------

MC_2024 = [c for c in fx.XHS_COLUMNS if c not in ("source_keyword", "xsec_token")]
MC_2026 = [c for c in fx.XHS_COLUMNS if c not in ("user_id", "avatar", "ip_location")] + [
    "creator_hash"
]


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        pytest.param(fx.XHS_COLUMNS, "mediacrawler-xhs-notes", id="xhs notes 2024-12"),
        pytest.param(MC_2024, "mediacrawler-xhs-notes", id="xhs notes 2024"),
        pytest.param(MC_2026, "mediacrawler-xhs-notes", id="xhs notes 2026-07"),
        pytest.param(
            ["id", *MC_2024, "add_ts"], "mediacrawler-xhs-notes", id="xhs notes sqlite table"
        ),
        pytest.param(fx.XHS_COMMENT_COLUMNS, "mediacrawler-xhs-comments", id="xhs comments"),
        pytest.param(
            [
                "note_id",
                "content",
                "create_time",
                "create_date_time",
                "liked_count",
                "comments_count",
                "shared_count",
                "last_modify_ts",
                "note_url",
                "ip_location",
                "user_id",
                "nickname",
                "gender",
                "profile_url",
                "avatar",
                "source_keyword",
            ],
            "mediacrawler-weibo-notes",
            id="weibo notes",
        ),
        pytest.param(
            [
                "comment_id",
                "note_id",
                "content",
                "create_time",
                "create_date_time",
                "comment_like_count",
                "sub_comment_count",
                "parent_comment_id",
            ],
            "mediacrawler-weibo-comments",
            id="weibo comments",
        ),
        pytest.param(
            [
                "aweme_id",
                "aweme_type",
                "title",
                "desc",
                "create_time",
                "user_id",
                "sec_uid",
                "nickname",
                "liked_count",
                "collected_count",
                "comment_count",
                "share_count",
                "ip_location",
                "aweme_url",
                "source_keyword",
            ],
            "mediacrawler-douyin-aweme",
            id="douyin",
        ),
        pytest.param(
            ["comment_id", "aweme_id", "content", "create_time", "like_count", "parent_comment_id"],
            "mediacrawler-douyin-comments",
            id="douyin comments",
        ),
        pytest.param(
            [
                "video_id",
                "video_type",
                "title",
                "desc",
                "create_time",
                "user_id",
                "nickname",
                "liked_count",
                "video_play_count",
                "video_favorite_count",
                "video_share_count",
                "video_coin_count",
                "video_danmaku",
                "video_comment",
                "video_url",
            ],
            "mediacrawler-bilibili-video",
            id="bilibili",
        ),
        pytest.param(
            [
                "comment_id",
                "video_id",
                "content",
                "create_time",
                "like_count",
                "parent_comment_id",
                "sub_comment_count",
            ],
            "mediacrawler-bilibili-comments",
            id="bilibili comments",
        ),
        pytest.param(
            [
                "笔记id",
                "笔记url",
                "笔记类型",
                "用户id",
                "用户主页url",
                "昵称",
                "头像url",
                "标题",
                "描述",
                "点赞数量",
                "收藏数量",
                "评论数量",
                "分享数量",
                "视频封面url",
                "视频地址url",
                "图片地址url列表",
                "标签",
                "上传时间",
                "ip归属地",
            ],
            "spider-xhs-notes",
            id="spider_xhs",
        ),
        pytest.param(
            ["笔记id", "笔记url", "评论id", "用户id", "昵称", "评论内容", "点赞数量", "上传时间"],
            "spider-xhs-comments",
            id="spider_xhs comments",
        ),
        pytest.param(fx.WEIBO_SEARCH_COLUMNS, "weibo-search", id="weibo-search"),
        pytest.param(fx.WEIBO_CRAWLER_COLUMNS, "weibo-crawler", id="weibo-crawler"),
        pytest.param(list(fx.REDDIT_SUBMISSIONS[0]), "reddit-submissions", id="reddit submissions"),
        pytest.param(list(fx.REDDIT_COMMENTS[0]), "reddit-comments", id="reddit comments"),
        pytest.param(list(fx.X_PAGE), "x-api-v2-pages", id="x pages"),
        pytest.param(fx.TWARC_COLUMNS, "x-tweets", id="twarc-csv"),
        pytest.param(list(fx.X_PAGE["data"][0]), "x-tweets", id="x tweet objects"),
    ],
)
def test_detect_preset(columns, expected):
    assert detect_preset(columns).name == expected


def test_detection_ignores_file_names_and_reports_closest():
    columns = ["note_id", "desc", "liked_count", "标题"]
    with pytest.raises(InputError) as err:
        detect_preset(columns, file="xhs_notes.csv")
    message = str(err.value)
    assert message.startswith("xhs_notes.csv: no preset recognises these columns: 'note_id'")
    assert "Closest: mediacrawler-xhs-notes (missing collected_count, time)" in message
    assert "--map post_id=COLUMN --map text=COLUMN" in err.value.hint


def test_rank_presets_scores_complete_presets_first():
    ranked = rank_presets(fx.XHS_COLUMNS)
    assert ranked[0].preset.name == "mediacrawler-xhs-notes" and ranked[0].complete
    assert all(not m.complete for m in ranked[1:])


def test_get_preset_unknown_lists_names():
    with pytest.raises(ValidationError, match="unknown preset 'mediacrawler'") as err:
        get_preset("mediacrawler")
    assert "mediacrawler-xhs-notes" in err.value.hint


def test_check_columns_for_forced_preset():
    check_columns(PRESETS["weibo-search"], fx.WEIBO_SEARCH_COLUMNS)
    with pytest.raises(InputError, match="needs column\\(s\\) 'note_id'") as err:
        check_columns(PRESETS["mediacrawler-xhs-notes"], fx.WEIBO_SEARCH_COLUMNS, file="w.csv")
    assert err.value.location.file == "w.csv"


# ---------------------------------------------------------------------------
# MediaCrawler Xiaohongshu: three schema generations
# ---------------------------------------------------------------------------


def test_xhs_note_2024_12_schema_by_hand():
    post = _convert("mediacrawler-xhs-notes", fx.XHS_NOTES[0])
    _check_shape(post)
    assert post["post_id"] == "65a1b2c3d4e5f60718293a4b"
    assert post["platform"] == "xiaohongshu"
    assert post["title"] is None  # MediaCrawler's fallback title repeats desc
    assert post["text"] == fx.XHS_NOTES[0]["desc"]
    assert post["author_id"] == "5f0e1d2c3b4a596877665544"
    assert post["author_name"] == "干饭人小王"
    assert post["created_at"] == datetime(2023, 12, 23, 9, 32, 54, tzinfo=UTC)
    assert post["crawled_at"] == datetime(2023, 12, 24, 6, 40, tzinfo=UTC)  # 1703400000 s
    assert post["location"] == "上海"
    assert (post["likes"], post["collects"], post["comments"], post["shares"]) == (
        13000,
        3585,
        10,
        None,
    )
    assert post["engagement"] == 16595
    assert post["counts_approximate"] is True
    assert post["counts_raw"] == {
        "likes": "1.3万",
        "collects": "3585",
        "comments": "10+",
        "shares": "",
    }
    assert post["hashtags"] == ["饭搭子", "上海美食"]
    assert post["mentions"] == ["小红薯A1B2"]
    assert post["source_keywords"] == ["饭搭子"]
    assert post["lang"] == "zh"
    assert post["status"] == "ok"
    assert post["url"].startswith("https://www.xiaohongshu.com/explore/65a1b2c3d4e5f60718293a4b")
    assert post["raw"]["xsec_token"] == "AB1"


def test_xhs_note_real_title_and_merged_tags():
    post = _convert("mediacrawler-xhs-notes", fx.XHS_NOTES[1])
    assert post["title"] == "求一个学习搭子"
    assert post["hashtags"] == ["学习搭子", "考研", "图书馆"]  # inline first, then tag_list
    assert (post["likes"], post["collects"], post["comments"], post["shares"]) == (
        100000,
        21000,
        1200,
        1000,
    )
    assert post["engagement"] == 123200
    assert post["lang"] == "mixed"


def test_xhs_note_video_without_desc():
    post = _convert("mediacrawler-xhs-notes", fx.XHS_NOTES[2])
    assert post["text"] == "" and post["title"] == "健身搭子｜每周三练腿"
    assert post["likes"] is None and post["counts_raw"]["likes"] == "None"
    assert (post["collects"], post["comments"], post["shares"]) == (0, 1234, 150000000)
    assert post["engagement"] == 150001234
    assert post["location"] is None and post["hashtags"] == []
    assert post["lang"] == "zh"  # from the title when there is no text


def test_xhs_note_2024_schema_without_source_keyword():
    rec = {k: v for k, v in fx.XHS_NOTES[1].items() if k not in ("source_keyword", "xsec_token")}
    post = _convert("mediacrawler-xhs-notes", rec)
    assert post["source_keywords"] == []
    assert post["author_id"] == "5f0e1d2c3b4a596877665545"
    assert PRESETS["mediacrawler-xhs-notes"].describe_variant(rec).startswith("2024 schema")


def test_xhs_note_2026_schema_with_creator_hash():
    rec = {
        k: v for k, v in fx.XHS_NOTES[1].items() if k not in ("user_id", "avatar", "ip_location")
    }
    rec["creator_hash"] = "9f86d081884c7d659a2feaa0c55ad015"
    rec["nickname"] = "A***版"
    post = _convert("mediacrawler-xhs-notes", rec)
    assert post["author_id"] == "9f86d081884c7d659a2feaa0c55ad015"
    assert post["author_name"] == "A***版"
    assert post["location"] is None
    assert PRESETS["mediacrawler-xhs-notes"].describe_variant(rec).startswith("2026-07+")
    assert PRESETS["mediacrawler-xhs-notes"].describe_variant(fx.XHS_COLUMNS).startswith("2024-12")


@pytest.mark.parametrize(
    ("title", "desc", "expected"),
    [
        pytest.param("", "正文", None, id="empty title"),
        pytest.param("正文很长" * 70, "正文很长" * 80, None, id="first 255 chars of desc"),
        pytest.param("周末找搭子", "周末找搭子，去爬山", None, id="title is the start of desc"),
        pytest.param("周末找搭子", "  周末找搭子", None, id="desc with leading spaces"),
        pytest.param("爬山搭子", "周末找搭子，去爬山", "爬山搭子", id="real title"),
        pytest.param("无标题", "x", None, id="Spider_XHS placeholder"),
        pytest.param("None", "x", None, id="the string None"),
    ],
)
def test_title_never_repeats_text(title, desc, expected):
    rec = {**fx.XHS_NOTES[1], "title": title, "desc": desc}
    assert _convert("mediacrawler-xhs-notes", rec)["title"] == expected


@pytest.mark.parametrize(
    ("status_fields", "expected"),
    [
        pytest.param({}, "ok", id="no status"),
        pytest.param({"status": "deleted"}, "deleted", id="status deleted"),
        pytest.param({"status": "Unavailable"}, "unavailable", id="status unavailable"),
        pytest.param({"is_deleted": "1"}, "deleted", id="is_deleted flag"),
        pytest.param({"is_deleted": 0}, "ok", id="is_deleted false"),
    ],
)
def test_status_from_record(status_fields, expected):
    rec = {**fx.XHS_NOTES[0], **status_fields}
    assert _convert("mediacrawler-xhs-notes", rec)["status"] == expected


@pytest.mark.parametrize(
    ("field", "value", "column", "reason"),
    [
        pytest.param("note_id", "4.75E+15", "note_id", "scientific notation", id="mangled id"),
        pytest.param("note_id", "", "note_id", "the id is empty", id="empty id"),
        pytest.param("note_id", 4.75e15, "note_id", "floating-point", id="float id"),
        pytest.param("liked_count", "很多", "liked_count", "not a count", id="garbage count"),
        pytest.param("time", "很久以前", "time", "not a date", id="garbage time"),
        pytest.param("tag_list", "['a', ", None, None, id="odd list text is still a list"),
    ],
)
def test_xhs_row_errors_name_the_column(field, value, column, reason):
    rec = {**fx.XHS_NOTES[0], field: value}
    if column is None:
        _convert("mediacrawler-xhs-notes", rec)  # no error
        return
    with pytest.raises(RowError) as err:
        _convert("mediacrawler-xhs-notes", rec)
    assert err.value.column == column
    assert reason in err.value.reason
    assert err.value.hint


def test_mangled_id_hint_says_how_to_reexport():
    with pytest.raises(RowError) as err:
        _convert("mediacrawler-xhs-notes", {**fx.XHS_NOTES[0], "note_id": "1.23457E+18"})
    assert "Text" in err.value.hint and "Export" in err.value.hint


def test_sqlite_values_are_read_like_file_values():
    rec = dict(fx.XHS_NOTES[0])
    rec["tag_list"] = (
        '"\\u996d\\u642d\\u5b50,\\u4e0a\\u6d77\\u7f8e\\u98df"'  # json.dumps("饭搭子,上海美食")
    )
    rec["id"], rec["add_ts"] = 1, 1703400000000
    post = _convert("mediacrawler-xhs-notes", rec)
    assert post["hashtags"] == ["饭搭子", "上海美食"]


def test_xhs_comment_by_hand():
    top = PRESETS["mediacrawler-xhs-comments"].convert(dict(fx.XHS_COMMENTS[0]))
    _check_shape(top, "comments")
    assert top["comment_id"] == "6600000000000000000000a1"
    assert top["post_id"] == "65a1b2c3d4e5f60718293a4b"
    assert top["parent_comment_id"] is None  # "0" means top level
    assert top["created_at"] == datetime(2023, 12, 23, 11, 13, 20, tzinfo=UTC)  # 1703330000 s
    assert top["likes"] == 12 and top["location"] == "江苏"
    reply = PRESETS["mediacrawler-xhs-comments"].convert(dict(fx.XHS_COMMENTS[1]))
    assert reply["parent_comment_id"] == "6600000000000000000000a1"
    assert reply["likes"] == 11000
    assert reply["text"] == "可以呀\n私信你"


# ---------------------------------------------------------------------------
# other MediaCrawler platforms
# ---------------------------------------------------------------------------


def test_weibo_note():
    rec = {
        "note_id": 4983512345678901,
        "content": "#云搭子#真的能长久吗？@小李 [允悲]",
        "create_time": 1703323974,
        "create_date_time": "2023-12-23 17:32:54+08:00",
        "liked_count": "1万+",
        "comments_count": "235",
        "shared_count": "12",
        "last_modify_ts": 1703400000000,
        "note_url": "https://m.weibo.cn/detail/4983512345678901",
        "ip_location": "发布于 上海",
        "user_id": "1234567890",
        "nickname": "搭子研究所",
        "gender": "f",
        "profile_url": "https://m.weibo.cn/u/1234567890",
        "avatar": "x",
        "source_keyword": "云搭子",
    }
    post = _convert("mediacrawler-weibo-notes", rec)
    _check_shape(post)
    assert post["post_id"] == "4983512345678901"  # an integer from sqlite becomes text
    assert post["platform"] == "weibo" and post["title"] is None
    assert post["created_at"] == datetime(2023, 12, 23, 9, 32, 54, tzinfo=UTC)
    assert (post["likes"], post["comments"], post["shares"], post["collects"]) == (
        10000,
        235,
        12,
        None,
    )
    assert post["engagement"] == 10247
    assert post["hashtags"] == ["云搭子"] and post["mentions"] == ["小李"]
    assert post["source_keywords"] == ["云搭子"]
    rec2 = {**rec, "create_time": "", "content": "抱歉，此微博已被作者删除。"}
    post2 = _convert("mediacrawler-weibo-notes", rec2)
    assert post2["created_at"] == datetime(
        2023, 12, 23, 9, 32, 54, tzinfo=UTC
    )  # from create_date_time
    assert post2["status"] == "deleted"


def test_douyin_aweme():
    rec = {
        "aweme_id": "7301234567890123456",
        "aweme_type": "0",
        "title": "找个健身搭子",
        "desc": "找个健身搭子 #健身搭子 @教练",
        "create_time": "1704067200",
        "user_id": "",
        "sec_uid": "MS4wLjABAAAA",
        "nickname": "健身",
        "liked_count": "2.1w",
        "collected_count": "300",
        "comment_count": "45",
        "share_count": "6",
        "ip_location": "广东",
        "aweme_url": "https://www.douyin.com/video/7301234567890123456",
        "source_keyword": "健身搭子",
    }
    post = _convert("mediacrawler-douyin-aweme", rec)
    _check_shape(post)
    assert post["post_id"] == "7301234567890123456"
    assert post["title"] is None  # repeats the start of desc
    assert post["author_id"] == "MS4wLjABAAAA"  # sec_uid when user_id is empty
    assert post["created_at"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert post["engagement"] == 21000 + 300 + 45 + 6
    assert post["hashtags"] == ["健身搭子"] and post["mentions"] == ["教练"]
    with pytest.raises(RowError, match="scientific notation"):
        _convert("mediacrawler-douyin-aweme", {**rec, "aweme_id": "7.30123E+18"})


def test_bilibili_video():
    rec = {
        "video_id": 1234567,
        "video_type": "video",
        "title": "【学习搭子】陪你自习3小时",
        "desc": "-",
        "create_time": 1704067200,
        "user_id": 99,
        "nickname": "UP",
        "liked_count": "1.2万",
        "video_play_count": "30万",
        "video_favorite_count": "5000",
        "video_share_count": "100",
        "video_coin_count": "800",
        "video_danmaku": "50",
        "video_comment": "300",
        "video_url": "https://www.bilibili.com/video/av1234567",
    }
    post = _convert("mediacrawler-bilibili-video", rec)
    _check_shape(post)
    assert (post["post_id"], post["author_id"]) == ("1234567", "99")
    assert post["text"] == "" and post["title"] == "【学习搭子】陪你自习3小时"
    assert (post["likes"], post["collects"], post["comments"], post["shares"]) == (
        12000,
        5000,
        300,
        100,
    )
    assert post["engagement"] == 17400  # plays, coins and danmaku stay in raw


@pytest.mark.parametrize(
    ("preset", "rec", "expected"),
    [
        pytest.param(
            "mediacrawler-weibo-comments",
            {
                "comment_id": 5,
                "note_id": 4983512345678901,
                "content": "同感",
                "create_time": 1704067200,
                "comment_like_count": "3",
                "parent_comment_id": "",
            },
            ("5", "4983512345678901", None, 3, "weibo"),
            id="weibo",
        ),
        pytest.param(
            "mediacrawler-douyin-comments",
            {
                "comment_id": "7",
                "aweme_id": "7301234567890123456",
                "content": "冲",
                "create_time": 1704067200,
                "like_count": "1.1w",
                "parent_comment_id": "6",
            },
            ("7", "7301234567890123456", "6", 11000, "douyin"),
            id="douyin",
        ),
        pytest.param(
            "mediacrawler-bilibili-comments",
            {
                "comment_id": 8,
                "video_id": 1234567,
                "content": "打卡",
                "create_time": 1704067200,
                "like_count": "0",
                "parent_comment_id": "0",
            },
            ("8", "1234567", None, 0, "bilibili"),
            id="bilibili",
        ),
    ],
)
def test_mediacrawler_comments(preset, rec, expected):
    c = _convert(preset, rec)
    _check_shape(c, "comments")
    assert (
        c["comment_id"],
        c["post_id"],
        c["parent_comment_id"],
        c["likes"],
        c["platform"],
    ) == expected
    assert c["created_at"] == datetime(2024, 1, 1, tzinfo=UTC)  # seconds, not ms


# ---------------------------------------------------------------------------
# Spider_XHS, weibo-search, weibo-crawler
# ---------------------------------------------------------------------------


def test_spider_xhs_note():
    rec = {
        "笔记id": "65a1b2c3d4e5f60718293a4b",
        "笔记url": "https://www.xiaohongshu.com/explore/65a1",
        "笔记类型": "图集",
        "用户id": "5f0e",
        "用户主页url": "u",
        "昵称": "小王",
        "头像url": "a",
        "标题": "无标题",
        "描述": "周末找饭搭子 #饭搭子[话题]#",
        "点赞数量": "1.2万",
        "收藏数量": "10",
        "评论数量": "3",
        "分享数量": "1",
        "视频封面url": "None",
        "视频地址url": "None",
        "图片地址url列表": "['https://img.example/1.jpg']",
        "标签": "['饭搭子', '周末']",
        "上传时间": "2024-01-01 08:00:00",
        "ip归属地": "未知",
    }
    post = _convert("spider-xhs-notes", rec)
    _check_shape(post)
    assert post["title"] is None
    assert post["hashtags"] == ["饭搭子", "周末"]  # the Python-repr list is parsed
    assert post["created_at"] == datetime(2024, 1, 1, tzinfo=UTC)  # Shanghai local time
    assert post["location"] is None
    assert post["engagement"] == 12014


def test_spider_xhs_comment():
    rec = {
        "笔记id": "65a1",
        "笔记url": "u",
        "评论id": "c9",
        "用户id": "u1",
        "用户主页url": "h",
        "昵称": "甲",
        "头像url": "a",
        "评论内容": "带我！",
        "评论标签": "[]",
        "点赞数量": "2",
        "上传时间": "2024-01-01 08:00:00",
        "ip归属地": "四川",
        "图片地址url列表": "[]",
    }
    c = _convert("spider-xhs-comments", rec)
    _check_shape(c, "comments")
    assert (c["comment_id"], c["post_id"], c["likes"], c["location"]) == ("c9", "65a1", 2, "四川")


def test_weibo_search_row():
    rec = dict(zip(fx.WEIBO_SEARCH_COLUMNS, fx.WEIBO_SEARCH_ROWS[0]))
    post = _convert("weibo-search", rec)
    _check_shape(post)
    assert post["post_id"] == "4983512345678901"
    assert post["url"] == "https://weibo.com/1234567890/NqRsT1u2v"
    assert post["created_at"] == datetime(2023, 12, 23, 9, 12, tzinfo=UTC)  # 17:12 in Shanghai
    assert (post["likes"], post["comments"], post["shares"]) == (3456, 235, 10000)
    assert post["counts_raw"]["shares"] == "1万+" and post["counts_approximate"] is True
    assert post["hashtags"] == ["云搭子"] and post["mentions"] == ["小李"]
    second = _convert("weibo-search", dict(zip(fx.WEIBO_SEARCH_COLUMNS, fx.WEIBO_SEARCH_ROWS[1])))
    assert second["hashtags"] == ["学习搭子", "考研"]
    assert second["counts_approximate"] is False and second["engagement"] == 12


def test_weibo_crawler_row():
    post = _convert("weibo-crawler", dict(zip(fx.WEIBO_CRAWLER_COLUMNS, fx.WEIBO_CRAWLER_ROWS[0])))
    assert post["url"] == "https://m.weibo.cn/status/Nq1"
    assert post["author_id"] is None  # one file per user, no user column
    assert post["likes"] == 23000 and post["engagement"] == 23000 + 1000 + 99
    assert post["created_at"] == datetime(2024, 3, 2, 2, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------
# Reddit and X
# ---------------------------------------------------------------------------


def test_reddit_submission():
    post = _convert("reddit-submissions", fx.REDDIT_SUBMISSIONS[0])
    _check_shape(post)
    assert (
        post["url"]
        == "https://www.reddit.com/r/Xiaohongshu/comments/18p2abc/looking_for_a_study_buddy/"
    )
    assert post["title"] == "Looking for a 学习搭子 (study buddy)"
    assert post["created_at"] == datetime(2023, 12, 23, 9, 32, 54, tzinfo=UTC)
    assert (post["likes"], post["comments"], post["engagement"]) == (42, 7, 49)
    assert post["hashtags"] == ["studywithme"]


def test_reddit_removed_submission_is_deleted_not_dropped():
    post = _convert("reddit-submissions", fx.REDDIT_SUBMISSIONS[1])
    assert post["status"] == "deleted"
    assert post["text"] == ""
    assert post["author_name"] is None
    assert post["likes"] == -3  # net votes may be negative
    assert post["created_at"] == datetime(
        2023, 12, 23, 9, 32, 55, tzinfo=UTC
    )  # created_utc as text


def test_reddit_comments_link_to_post_and_parent():
    top = _convert("reddit-comments", fx.REDDIT_COMMENTS[0])
    reply = _convert("reddit-comments", fx.REDDIT_COMMENTS[1])
    _check_shape(top, "comments")
    assert (top["post_id"], top["parent_comment_id"]) == ("18p2abc", None)
    assert (reply["post_id"], reply["parent_comment_id"]) == ("18p2abc", "kev1a2b")


def test_x_page_expands_to_tweets_with_authors():
    preset = PRESETS["x-api-v2-pages"]
    posts = [preset.convert(t) for t in preset.expand(fx.X_PAGE)]
    assert [p["post_id"] for p in posts] == ["1740000000000000001", "1740000000000000002"]
    long_post, short_post = posts
    assert long_post["text"] == fx.X_PAGE["data"][0]["note_tweet"]["text"]  # not the truncated text
    assert long_post["author_name"] == "buddy_a"
    assert long_post["url"] == "https://x.com/buddy_a/status/1740000000000000001"
    assert (
        long_post["likes"],
        long_post["collects"],
        long_post["comments"],
        long_post["shares"],
    ) == (56, 2, 4, 3)
    assert long_post["engagement"] == 65
    assert long_post["hashtags"] == ["RedNote"] and long_post["mentions"] == ["buddy_b"]
    assert short_post["author_name"] == "buddy_b"
    assert short_post["hashtags"] == ["饭搭子"] and short_post["mentions"] == ["buddy_a"]
    assert "author" not in fx.X_PAGE["data"][0]  # the page itself is not modified


def test_x_page_with_bad_data():
    with pytest.raises(RowError, match="not a list"):
        list(PRESETS["x-api-v2-pages"].expand({"data": "x", "meta": {}}))


def test_twarc_csv_row_unescapes_newlines():
    rec = dict(zip(fx.TWARC_COLUMNS, fx.TWARC_ROWS[0]))
    post = _convert("x-tweets", rec)
    assert post["text"] == "First line\nSecond line #云搭子"
    assert post["author_name"] == "buddy_c"
    assert (post["likes"], post["comments"], post["shares"]) == (7, 1, 2)
    assert post["hashtags"] == ["云搭子"]
    assert post["created_at"] == datetime(2024, 1, 16, 10, tzinfo=UTC)


# ---------------------------------------------------------------------------
# generic mapping
# ---------------------------------------------------------------------------


def test_generic_mapping_converts():
    preset = generic_preset(
        {
            "id": "编号",
            "text": "正文",
            "title": "标题",
            "likes": "点赞数",
            "time": "时间",
            "keyword": "关键词",
            "platform": "xiaohongshu",
        },
        ["编号", "正文", "标题", "点赞数", "时间", "关键词", "其他"],
    )
    assert preset.name == "generic" and preset.platform == "xiaohongshu"
    post = preset.convert(
        {
            "编号": "42",
            "正文": "找饭搭子 @小王",
            "标题": "饭搭子",
            "点赞数": "1.2万",
            "时间": "2024-01-01 08:00:00",
            "关键词": "饭搭子,美食",
            "其他": "x",
        }
    )
    _check_shape(post)
    assert (post["post_id"], post["platform"], post["title"]) == ("42", "xiaohongshu", "饭搭子")
    assert post["likes"] == 12000 and post["engagement"] == 12000
    assert post["created_at"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert post["source_keywords"] == ["饭搭子", "美食"]
    assert post["mentions"] == ["小王"]


def test_generic_platform_from_a_column():
    preset = generic_preset({"post_id": "id", "text": "t", "platform": "p"}, ["id", "t", "p"])
    assert preset.convert({"id": "1", "t": "", "p": "Weibo"})["platform"] == "weibo"
    assert preset.convert({"id": "2", "t": "", "p": "myspace"})["platform"] == "other"


@pytest.mark.parametrize(
    ("mapping", "error", "message"),
    [
        pytest.param({"text": "正文"}, ValidationError, "missing: post_id", id="no id"),
        pytest.param({"id": "编号"}, ValidationError, "missing: text", id="no text"),
        pytest.param(
            {"id": "编号", "text": "正文", "likez": "赞"},
            ValidationError,
            "'likez' is not a field",
            id="unknown field",
        ),
        pytest.param(
            {"id": "编号", "text": "内容"},
            InputError,
            "not in the file: '内容'",
            id="unknown column",
        ),
        pytest.param(
            {"id": "编号", "text": "正文", "platform": "myspace"},
            InputError,
            "not a platform name",
            id="unknown platform",
        ),
    ],
)
def test_generic_mapping_errors(mapping, error, message):
    with pytest.raises(error, match=message) as err:
        generic_preset(mapping, ["编号", "正文"], file="f.csv")
    if error is InputError and "column" in message:
        assert "'编号', '正文'" in err.value.hint  # lists the available columns
