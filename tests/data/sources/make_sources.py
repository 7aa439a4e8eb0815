"""Write the fixtures of this folder: one small file per source dazi reads (run from anywhere).

    python tests/data/sources/make_sources.py

Each record is shaped from the tool's own code; the file each follows is
named beside it (and in README.md, since JSON files hold no comments).  The
values are invented.  Binary stores (MediaCrawler's Excel workbook and SQLite
database) are built by the tests from the records here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# Zeeschuimer envelopes (js/zs-background.js: the item stored per capture)
# ---------------------------------------------------------------------------


def envelope(n: int, platform: str, url: str, data: dict) -> dict:
    """Zeeschuimer's stored item: js/zs-background.js (db.items.add)."""
    return {
        "id": n,
        "nav_index": f"1:1:{n}",
        "item_id": str(data.get("id") or data.get("aweme_id") or data.get("awemeId") or data.get("cid")
                       or data.get("code") or n),
        "timestamp_collected": 1733900000000 + n * 1000,
        "last_updated": 1733900000000 + n * 1000,
        "source_platform": platform,
        "source_platform_url": url,
        "source_url": url,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "data": data,
    }


XHS_SEARCH = "https://www.xiaohongshu.com/search_result?keyword=%E9%A5%AD%E6%90%AD%E5%AD%90&source=web"

# RedNote: modules/rednote.js; shapes as 4CAT's datasources/xiaohongshu/search_rednote.py reads them
REDNOTE_API = {  # map_item_from_json_api_explore: note_card, interact_info, time in ms
    "id": "6751a2b3c4d5e6f708192a3b",
    "model_type": "note",
    "xsec_token": "ABcdEFgh123=",
    "note_card": {
        "type": "normal",
        "display_title": "周末找饭搭子",
        "desc": "周末找个饭搭子🍜 上海徐汇 #饭搭子[话题]##上海美食[话题]# @小红薯A1",
        "time": 1733800000000,
        "ip_location": "上海",
        "user": {"user_id": "5f0e1d2c3b4a000001a2b3c4", "nickname": "干饭人小王", "avatar": "https://sns-avatar/x.jpg"},
        "interact_info": {"liked_count": "1.2万", "collected_count": "3585", "comment_count": "10+",
                          "share_count": "27"},
        "tag_list": [{"id": "t1", "name": "饭搭子", "type": "topic"}, {"id": "t2", "name": "周末去哪儿", "type": "topic"}],
        "image_list": [{"url_default": "https://sns-img/1.jpg", "info_list": []}],
    },
}
REDNOTE_EMBEDDED = {  # map_item_from_json_embedded: note, camelCase
    "id": "6751a2b3c4d5e6f708192a3c",
    "note": {
        "noteId": "6751a2b3c4d5e6f708192a3c",
        "type": "normal",
        "title": "考研搭子",
        "desc": "每天图书馆打卡 #学习搭子[话题]# #考研[话题]#",
        "time": 1733700000000,
        "ipLocation": "北京",
        "xsecToken": "XYZ987=",
        "user": {"userId": "5f0e1d2c3b4a000001a2b3c5", "nickname": "考研人", "avatar": "https://sns-avatar/y.jpg"},
        "interactInfo": {"likedCount": "856", "collectedCount": "120", "commentCount": "33", "shareCount": "4"},
        "tagList": [{"name": "学习搭子"}],
        "imageList": [{"urlDefault": "https://sns-img/2.jpg"}],
    },
}
REDNOTE_HTML = {  # map_item_from_html: read from the page's HTML; no text, no time
    "_zs-origin": "html",
    "id": "6751a2b3c4d5e6f708192a3d",
    "url": "/explore/6751a2b3c4d5e6f708192a3d?xsec_token=QRS=",
    "title": "旅行搭子招募",
    "author_name": "背包客",
    "author_avatar_url": "https://sns-avatar/z.jpg",
    "likes": "2.3万",
    "thumbnail_url": "https://sns-img/3.jpg",
}
REDNOTE_SEARCH_NO_DESC = {  # search results: note_card without desc and time
    "id": "6751a2b3c4d5e6f708192a3e",
    "model_type": "note",
    "xsec_token": "LMN=",
    "note_card": {
        "type": "video",
        "display_title": "健身搭子来一个",
        "user": {"user_id": "5f0e1d2c3b4a000001a2b3c6", "nickname": "撸铁"},
        "interact_info": {"liked_count": "10万+"},
    },
}
# RedNote comments: modules/rednote-comments.js (objects with sub_comment_count)
REDNOTE_COMMENTS = [
    {"id": "6752000000000000000000c1", "note_id": REDNOTE_API["id"], "content": "我也想去！",
     "create_time": 1733810000000, "ip_location": "江苏", "like_count": "12", "sub_comment_count": "1",
     "status": 0, "user_info": {"user_id": "u1", "nickname": "路人甲", "image": "https://a/1.jpg"},
     "sub_comments": []},
    {"id": "6752000000000000000000c2", "note_id": REDNOTE_API["id"], "content": "带我一个 [笑哭R]",
     "create_time": 1733820000000, "ip_location": "上海", "like_count": "1.1万", "sub_comment_count": "0",
     "target_comment": {"id": "6752000000000000000000c1", "user_info": {"user_id": "u1"}},
     "user_info": {"user_id": "u2", "nickname": "路人乙"}},
]
# Douyin: modules/douyin.js; 4CAT datasources/douyin/search_douyin.py map_item
DOUYIN_API = {  # snake_case: the web API's aweme objects
    "aweme_id": "7301234567890123456",
    "group_id": "7301234567890123456",
    "desc": "周末徒步搭子 #徒步 #户外",
    "create_time": 1733600000,
    "region": "CN",
    "author": {"uid": "1234567890", "sec_uid": "MS4wLjABAAAA", "nickname": "山野", "avatar_thumb": {"url_list": ["https://p3/a.jpg"]}},
    "statistics": {"digg_count": 15234, "comment_count": 321, "share_count": 45, "collect_count": 678, "play_count": 100000},
    "text_extra": [{"hashtag_name": "徒步"}, {"hashtag_name": "户外"}],
    "video": {"bit_rate": []},
    "video_tag": [],
}
DOUYIN_EMBEDDED = {  # camelCase: objects embedded in the page
    "awemeId": "7301234567890123457",
    "groupId": "7301234567890123457",
    "ZS_collected_from_embed": True,
    "desc": "找个饭搭子 #美食探店",
    "createTime": 1733500000,
    "authorUserId": 9876543210,
    "authorInfo": {"uid": "9876543210", "secUid": "MS4wLjABBBBB", "nickname": "吃货", "avatarThumb": {"urlList": ["https://p3/b.jpg"]}},
    "stats": {"diggCount": "1.2万", "commentCount": 88, "shareCount": 9, "collectCount": 120, "playCount": 50000},
    "textExtra": [{"hashtagName": "美食探店"}],
    "video": {"bitRateList": []},
    "download": {"prevent": False},
}
# TikTok: modules/tiktok.js; 4CAT datasources/tiktok/search_tiktok.py
TIKTOK_VIDEO = {
    "id": "7312345678901234567",
    "desc": "gym buddy wanted #gymtok #fitness",
    "createTime": "1733400000",
    "author": {"id": "6800000000000000001", "uniqueId": "liftwithme", "nickname": "Lift With Me"},
    "authorStats": {"followerCount": 1200},
    "stats": {"diggCount": 5400, "commentCount": 77, "shareCount": 12, "playCount": 80000, "collectCount": "310"},
    "textExtra": [{"hashtagName": "gymtok"}, {"hashtagName": "fitness"}],
    "challenges": [{"title": "gymtok"}],
    "music": {"title": "original sound", "id": "1", "playUrl": ""},
    "video": {"cover": ""},
    "duetInfo": {"duetFromId": "0"},
}
# TikTok comments: modules/tiktok-comments.js; 4CAT datasources/tiktok_comments/search_tiktok_comments.py
TIKTOK_COMMENTS = [
    {"cid": "7312345678901234600", "aweme_id": TIKTOK_VIDEO["id"], "text": "count me in", "create_time": 1733410000,
     "digg_count": 3, "reply_id": "0", "reply_comment_total": 1, "comment_language": "en", "stick_position": 0,
     "user": {"uid": "6800000000000000002", "unique_id": "runner_b", "nickname": "Runner B"},
     "share_info": {"url": "https://www.tiktok.com/@liftwithme/video/7312345678901234567", "title": "gym buddy wanted"}},
    {"cid": "7312345678901234601", "aweme_id": TIKTOK_VIDEO["id"], "text": "same!", "create_time": 1733420000,
     "digg_count": 0, "reply_id": "7312345678901234600", "comment_language": "en", "stick_position": 0,
     "user": {"uid": "6800000000000000003", "unique_id": "c_c", "nickname": "C"},
     "share_info": {"url": "https://www.tiktok.com/@liftwithme/video/7312345678901234567", "title": "gym buddy wanted"}},
]
# Instagram: modules/instagram.js; 4CAT datasources/instagram/search_instagram.py parse_itemlist_item
INSTAGRAM_POST = {
    "id": "3312345678901234567_123456",
    "code": "C9xYz12AbCd",
    "media_type": 1,
    "caption": {"text": "looking for a travel buddy ✈️ #travelbuddy @wanderer"},
    "taken_at": 1733300000,
    "like_count": 245,
    "comment_count": 18,
    "user": {"pk": "123456", "username": "trip_planner", "full_name": "Trip Planner"},
    "location": {"name": "Lisbon"},
    "image_versions2": {"candidates": [{"url": "https://scontent/1.jpg"}]},
}
# Twitter items: a platform dazi does not read from Zeeschuimer (modules/twitter.js)
TWITTER_ITEM = {"rest_id": "1850000000000000000", "legacy": {"full_text": "hello"}}


def zeeschuimer_files() -> dict[str, list[dict]]:
    return {
        "zeeschuimer/xiaohongshu.ndjson": [
            envelope(1, "xiaohongshu.com", XHS_SEARCH, REDNOTE_API),
            envelope(2, "xiaohongshu.com", "https://www.xiaohongshu.com/explore/6751a2b3c4d5e6f708192a3c",
                     REDNOTE_EMBEDDED),
            envelope(3, "xiaohongshu.com", "https://www.xiaohongshu.com/explore", REDNOTE_HTML),
            envelope(4, "xiaohongshu.com", XHS_SEARCH, REDNOTE_SEARCH_NO_DESC),
        ],
        "zeeschuimer/xiaohongshu-comments.ndjson": [
            envelope(10 + i, "xiaohongshu-comments", "https://www.xiaohongshu.com/explore/" + REDNOTE_API["id"], c)
            for i, c in enumerate(REDNOTE_COMMENTS)
        ],
        "zeeschuimer/douyin.ndjson": [
            envelope(20, "douyin.com", "https://www.douyin.com/search/%E5%BE%92%E6%AD%A5", DOUYIN_API),
            envelope(21, "douyin.com", "https://www.douyin.com/video/7301234567890123457", DOUYIN_EMBEDDED),
        ],
        "zeeschuimer/tiktok.ndjson": [envelope(30, "tiktok.com", "https://www.tiktok.com/search?q=gym%20buddy",
                                               TIKTOK_VIDEO)],
        "zeeschuimer/tiktok-comments.ndjson": [
            envelope(40 + i, "tiktok-comments", "https://www.tiktok.com/@liftwithme/video/" + TIKTOK_VIDEO["id"], c)
            for i, c in enumerate(TIKTOK_COMMENTS)
        ],
        "zeeschuimer/instagram.ndjson": [envelope(50, "instagram.com", "https://www.instagram.com/explore/tags/travelbuddy/",
                                                  INSTAGRAM_POST)],
        "zeeschuimer/twitter.ndjson": [envelope(60, "twitter.com", "https://x.com/search?q=buddy", TWITTER_ITEM)],
    }


def fourcat_ndjson(items: list[dict]) -> list[dict]:
    """4CAT's NDJSON: the object with the envelope beside it (4CAT datasources/*/search_*.py import_from_file)."""
    out = []
    for item in items:
        meta = {k: v for k, v in item.items() if k != "data"}
        out.append({**item["data"], "__import_meta": meta})
    return out


# 4CAT CSV downloads: the columns of each datasource's map_item
FOURCAT_CSV: dict[str, tuple[list[str], list[list[str]], str]] = {
    # datasources/xiaohongshu/search_rednote.py map_item_from_json_api_explore
    "fourcat/xiaohongshu.csv": (
        ["collected_from_url", "id", "thread_id", "url", "title", "body", "hashtags", "timestamp", "author",
         "author_avatar_url", "image_urls", "video_url", "likes", "unix_timestamp"],
        [[XHS_SEARCH, REDNOTE_API["id"], REDNOTE_API["id"],
          f"https://www.xiaohongshu.com/explore/{REDNOTE_API['id']}?xsec_token=ABcdEFgh123=", "周末找饭搭子",
          REDNOTE_API["note_card"]["desc"], "饭搭子,上海美食", "2024-12-10 11:06:40", "干饭人小王",
          "https://sns-avatar/x.jpg", "https://sns-img/1.jpg", "", "1.2万", "1733800000"],
         ["", REDNOTE_HTML["id"], REDNOTE_HTML["id"], "https://www.xiaohongshu.com" + REDNOTE_HTML["url"],
          "旅行搭子招募", "", "", "", "背包客", "https://sns-avatar/z.jpg", "", "", "2.3万", ""]],
        ",",
    ),
    # datasources/xiaohongshu_comments/search_rednote_comments.py map_item
    "fourcat/xiaohongshu-comments.csv": (
        ["id", "thread_id", "url", "body", "timestamp", "author", "author_avatar_url", "ip_location", "likes",
         "replies", "unix_timestamp"],
        [[c["id"], c["note_id"], f"https://www.xiaohongshu.com/explore/{c['note_id']}", c["content"],
          "", c["user_info"]["nickname"], c["user_info"].get("image", ""), c["ip_location"], c["like_count"],
          c["sub_comment_count"], str(c["create_time"] // 1000)] for c in REDNOTE_COMMENTS],
        ",",
    ),
    # datasources/douyin/search_douyin.py map_item
    "fourcat/douyin.csv": (
        ["id", "thread_id", "subject", "body", "timestamp", "post_source_domain", "post_url", "region", "hashtags",
         "mentions", "video_url", "collect_count", "comment_count", "digg_count", "download_count",
         "forward_count", "play_count", "share_count", "author_user_id", "author_nickname",
         "author_profile_url", "unix_timestamp"],
        [[DOUYIN_API["aweme_id"], DOUYIN_API["group_id"], "Post", DOUYIN_API["desc"], "2024-12-07 19:33:20",
          "https://www.douyin.com/search/徒步", "https://www.douyin.com/video/" + DOUYIN_API["aweme_id"], "CN",
          "徒步,户外", "", "", "678", "321", "15234", "0", "0", "100000", "45", "1234567890", "山野",
          "https://www.douyin.com/user/MS4wLjABAAAA", "1733600000"]],
        ",",
    ),
    # datasources/tiktok/search_tiktok.py map_item
    "fourcat/tiktok.csv": (
        ["id", "thread_id", "author", "author_full", "author_id", "author_followers", "body", "timestamp",
         "is_duet", "music_name", "music_id", "music_url", "video_url", "tiktok_url", "thumbnail_url", "likes",
         "comments", "shares", "plays", "hashtags", "stickers", "warning", "unix_timestamp"],
        [[TIKTOK_VIDEO["id"], TIKTOK_VIDEO["id"], "liftwithme", "Lift With Me", "6800000000000000001", "1200",
          TIKTOK_VIDEO["desc"], "2024-12-05 12:00:00", "False", "original sound", "1", "", "",
          "https://tiktok.com/@liftwithme/video/" + TIKTOK_VIDEO["id"], "", "5400", "77", "12", "80000",
          "gymtok,fitness", "", "", "1733400000"]],
        ",",
    ),
    # datasources/tiktok_comments/search_tiktok_comments.py map_item
    "fourcat/tiktok-comments.csv": (
        ["collected_from_url", "id", "thread_id", "author", "author_full", "author_avatar_url", "body", "timestamp",
         "unix_timestamp", "likes", "replies", "post_id", "post_url", "post_body", "comment_url",
         "is_liked_by_post_author", "is_sticky", "is_comment_on_comment", "language_guess"],
        [["", c["cid"], c["aweme_id"] if c["reply_id"] == "0" else c["reply_id"], c["user"]["unique_id"],
          c["user"]["nickname"], "", c["text"], "", str(c["create_time"]), str(c["digg_count"]),
          str(c.get("reply_comment_total", 0)), c["aweme_id"], c["share_info"]["url"], c["share_info"]["title"],
          c["share_info"]["url"], "no", "no", "no" if c["reply_id"] == "0" else "yes", "en"]
         for c in TIKTOK_COMMENTS],
        ",",
    ),
    # datasources/instagram/search_instagram.py parse_itemlist_item
    "fourcat/instagram.csv": (
        ["id", "post_source_domain", "thread_id", "parent_id", "body", "author", "author_fullname",
         "author_avatar_url", "timestamp", "type", "url", "image_url", "media_url", "hashtags", "num_likes",
         "num_comments", "num_media", "location_name", "location_latlong", "location_city", "unix_timestamp"],
        [["C9xYz12AbCd", "https://www.instagram.com/explore/tags/travelbuddy/", "C9xYz12AbCd", "C9xYz12AbCd",
          INSTAGRAM_POST["caption"]["text"], "trip_planner", "Trip Planner", "", "2024-12-04 08:13:20", "photo",
          "https://www.instagram.com/p/C9xYz12AbCd", "", "", "travelbuddy", "245", "18", "1", "Lisbon", "", "",
          "1733300000"]],
        ",",
    ),
}
# Zeeschuimer's CSV export: 4CAT's mapped columns, ';'-separated
FOURCAT_CSV["zeeschuimer/xiaohongshu.csv"] = (*FOURCAT_CSV["fourcat/xiaohongshu.csv"][:2], ";")

# ---------------------------------------------------------------------------
# MediaCrawler, the platforms dazi reads besides xhs (tests/data/exports)
# ---------------------------------------------------------------------------

# store/kuaishou/__init__.py update_kuaishou_video / update_ks_video_comment (create_time in ms)
KUAISHOU_VIDEOS = [
    {"video_id": "3xabc123def456", "video_type": "1", "title": "找个钓鱼搭子 #钓鱼", "desc": "找个钓鱼搭子 #钓鱼",
     "create_time": 1733200000000, "user_id": "3x99887766", "nickname": "钓鱼老王", "avatar": "https://a/k.jpg",
     "liked_count": "1.5万", "viewd_count": "32万", "last_modify_ts": 1733900000000,
     "video_url": "https://www.kuaishou.com/short-video/3xabc123def456", "video_cover_url": "https://c/1.jpg",
     "video_play_url": "https://v/1.mp4", "source_keyword": "钓鱼搭子"},
]
KUAISHOU_COMMENTS = [
    {"comment_id": "880011", "create_time": 1733210000000, "video_id": "3xabc123def456", "content": "周末一起",
     "user_id": "3x11", "nickname": "小李", "avatar": "https://a/1.jpg", "sub_comment_count": "0",
     "last_modify_ts": 1733900000000},
]
# the 2026-07+ generation: creator_hash, masked nicknames, no user_id/avatar
KUAISHOU_VIDEOS_2026 = [
    {"video_id": "3xabc123def457", "video_type": "1", "title": "骑行搭子", "desc": "骑行搭子 周末环湖",
     "create_time": 1733100000000, "creator_hash": "9f86d081884c7d65", "nickname": "骑***人",
     "liked_count": "230", "viewd_count": "1.1万", "last_modify_ts": 1733900000000,
     "video_url": "https://www.kuaishou.com/short-video/3xabc123def457", "video_cover_url": "",
     "video_play_url": "", "source_keyword": "骑行搭子"},
]
# model/m_baidu_tieba.py TiebaNote, TiebaComment (publish_time as the page shows it)
TIEBA_NOTES = [
    {"note_id": "9012345678", "title": "找考研搭子", "desc": "二战考研，找个一起自习的", "note_url": "https://tieba.baidu.com/p/9012345678",
     "publish_time": "2024-12-01 20:15", "user_link": "https://tieba.baidu.com/home/main?id=tb.1.abc",
     "user_nickname": "考研狗", "user_avatar": "", "tieba_name": "考研吧", "tieba_link": "https://tieba.baidu.com/f?kw=考研",
     "total_replay_num": 35, "total_replay_page": 2, "ip_location": "湖北", "last_modify_ts": 1733900000000},
]
TIEBA_COMMENTS = [
    {"comment_id": "150000000001", "parment_comment_id": "", "content": "我也是二战", "user_link": "", "user_nickname": "路过",
     "user_avatar": "", "publish_time": "2024年12月2日 09:30", "ip_location": "河南", "sub_comment_count": 0,
     "note_id": "9012345678", "note_url": "https://tieba.baidu.com/p/9012345678", "tieba_name": "考研吧",
     "last_modify_ts": 1733900000000},
]
# model/m_zhihu.py ZhihuContent, ZhihuComment (created_time, publish_time in s)
ZHIHU_CONTENTS = [
    {"content_id": "3301234567", "content_type": "answer", "content_text": "找搭子最好的方式是先约一次短途。",
     "content_url": "https://www.zhihu.com/question/600000001/answer/3301234567", "question_id": "600000001",
     "title": "如何找到靠谱的旅行搭子？", "desc": "", "created_time": 1733000000, "updated_time": 1733050000,
     "voteup_count": 1024, "comment_count": 56, "source_keyword": "旅行搭子", "user_id": "z-user-1",
     "user_link": "https://www.zhihu.com/people/abc", "user_nickname": "知乎用户A", "user_avatar": "",
     "user_url_token": "abc", "last_modify_ts": 1733900000000},
]
ZHIHU_COMMENTS = [
    {"comment_id": "10900000001", "parent_comment_id": "", "content": "同意，先短途试试", "publish_time": 1733010000,
     "ip_location": "广东", "sub_comment_count": 1, "like_count": 15, "dislike_count": 0, "content_id": "3301234567",
     "content_type": "answer", "user_id": "z-user-2", "user_link": "", "user_nickname": "B", "user_avatar": "",
     "last_modify_ts": 1733900000000},
]
ZHIHU_CONTENTS_2026 = [
    {"content_id": "3301234568", "content_type": "article", "content_text": "骑行搭子的十条守则", "content_url": "",
     "question_id": "", "title": "骑行搭子守则", "desc": "", "created_time": 1732900000, "updated_time": 1732900000,
     "voteup_count": "2.1万", "comment_count": 3, "source_keyword": "骑行", "creator_hash": "0a1b2c3d4e5f6789",
     "user_nickname": "骑***手", "user_link": "", "last_modify_ts": 1733900000000},
]

MEDIACRAWLER = {
    "mediacrawler/kuaishou/search_contents_2024-12-11.jsonl": KUAISHOU_VIDEOS,
    "mediacrawler/kuaishou/search_comments_2024-12-11.jsonl": KUAISHOU_COMMENTS,
    "mediacrawler/kuaishou/search_contents_2026-08-01.jsonl": KUAISHOU_VIDEOS_2026,
    "mediacrawler/tieba/search_contents_2024-12-11.jsonl": TIEBA_NOTES,
    "mediacrawler/tieba/search_comments_2024-12-11.jsonl": TIEBA_COMMENTS,
    "mediacrawler/zhihu/search_contents_2024-12-11.jsonl": ZHIHU_CONTENTS,
    "mediacrawler/zhihu/search_comments_2024-12-11.jsonl": ZHIHU_COMMENTS,
    "mediacrawler/zhihu/search_contents_2026-08-01.jsonl": ZHIHU_CONTENTS_2026,
}

# ---------------------------------------------------------------------------
# a researcher's own sheet with dazi's column names
# ---------------------------------------------------------------------------

CANONICAL_COLUMNS = ["post_id", "text", "likes", "created_at", "hashtags"]
CANONICAL_ROWS = [
    ["0001", "找个周末爬山的搭子 #爬山", "1.2万", "2024年3月5日", "爬山;户外"],
    ["0002", "饭搭子有没有 😋", "35", "2024-03-06 12:00", ""],
    ["0003", "study buddy wanted", "", "1709700000", "study"],
]


def write_csv(path: Path, columns: list[str], rows: list[list], *, delimiter: str = ",",
              encoding: str = "utf-8") -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def main() -> None:
    zs = zeeschuimer_files()
    for name, records in zs.items():
        write_jsonl(HERE / name, records)
    write_jsonl(HERE / "fourcat/xiaohongshu.ndjson", fourcat_ndjson(zs["zeeschuimer/xiaohongshu.ndjson"]))
    write_jsonl(HERE / "fourcat/douyin.ndjson", fourcat_ndjson(zs["zeeschuimer/douyin.ndjson"]))
    for name, (columns, rows, delimiter) in FOURCAT_CSV.items():
        write_csv(HERE / name, columns, rows, delimiter=delimiter)
    for name, records in MEDIACRAWLER.items():
        write_jsonl(HERE / name, records)
    write_csv(HERE / "canonical/posts.csv", CANONICAL_COLUMNS, CANONICAL_ROWS)
    # the same sheet saved by Excel on Chinese Windows: GB18030, no BOM
    write_csv(HERE / "canonical/posts_gb18030.csv", CANONICAL_COLUMNS,
              [[c.replace("😋", "") for c in row] for row in CANONICAL_ROWS], encoding="gb18030")
    write_csv(HERE / "canonical/posts.tsv", CANONICAL_COLUMNS, CANONICAL_ROWS, delimiter="\t")
    (HERE / "canonical/posts.json").write_text(
        json.dumps([dict(zip(CANONICAL_COLUMNS, r)) for r in CANONICAL_ROWS], ensure_ascii=False, indent=2),
        encoding="utf-8")


if __name__ == "__main__":
    main()
