"""Write the import acceptance set: real-shaped files and what a correct import must give.

Run ``python tests/acceptance/build_import_data.py`` to (re)write ``tests/acceptance/data/``.
The output is deterministic and committed; the script is kept so a reader can see how each
record was made and change the set on purpose.

Every file is shaped after the *source tool's own code*, not after dazi:

- Zeeschuimer: ``js/zs-background.js`` (the stored envelope: ``id``, ``nav_index``,
  ``item_id``, ``timestamp_collected``, ``source_platform``, ``source_platform_url``,
  ``source_url``, ``user_agent``, ``data``), ``modules/rednote.js`` (what it keeps from
  xiaohongshu.com: API objects with ``model_type: note`` + ``note_card``, embedded page
  objects holding a camelCase ``note`` with ``interactInfo``, html-origin stubs with
  ``_zs-origin: html``) and ``modules/douyin.js`` (``aweme_list`` / search ``aweme_info``
  objects, ``id`` set to ``aweme_id``).
- 4CAT: ``backend/lib/search.py`` (``import_from_file``: ``{**item["data"], "__import_meta":
  envelope}``), ``datasources/xiaohongshu/search_rednote.py`` and
  ``datasources/douyin/search_douyin.py`` (``map_item``: the columns of a CSV download; the
  camelCase embedded Douyin shape with ``ZS_collected_from_embed``).
- MediaCrawler: ``store/kuaishou/__init__.py`` (``update_kuaishou_video``,
  ``update_ks_video_comment``), ``model/m_zhihu.py`` (``ZhihuContent``, ``ZhihuComment``),
  ``store/zhihu/__init__.py`` and ``tools/async_file_writer.py`` (csv: ``utf-8-sig``,
  ``csv.DictWriter``; json: one array, ``ensure_ascii=False, indent=4``).

Each data file ``X`` has a manifest ``X.manifest.json``: the posts a correct import gives
(ids as strings, text, counts with the approximate flag, hashtags, ``created_at`` in UTC ISO
or ``null``), and for malformed files the line/row and field the error must name.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def sec(dt: datetime) -> int:
    return int(dt.timestamp())


def post(post_id, text, *, likes=None, comments=None, approx=False, hashtags=(), created=None,
         platform=None, title=None, text_alternatives=None, partial=False, **extra) -> dict:
    """One expected post of a manifest."""
    out = {
        "post_id": post_id,
        "text": text,
        "likes": likes,
        "comments": comments,
        "counts_approximate": approx,
        "hashtags": list(hashtags),
        "created_at": iso(created),
    }
    if platform:
        out["platform"] = platform
    if title is not None:
        out["title"] = title
    if text_alternatives:
        out["text_alternatives"] = list(text_alternatives)
    if partial:
        out["partial"] = True
    out.update(extra)
    return out


def write_manifest(name: str, source: str, follows: list[str], posts: list[dict] | None = None,
                   **extra) -> None:
    manifest = {"file": name, "source": source, "follows": follows}
    if posts is not None:
        manifest["post_count"] = len(posts)
        manifest["posts"] = posts
    manifest.update(extra)
    (DATA / f"{name}.manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_ndjson(name: str, rows: list, raw_lines: dict[int, str] | None = None) -> None:
    """One JSON object a line; ``raw_lines`` replaces line N (1-based) by a raw string."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
    for n, text in (raw_lines or {}).items():
        lines[n - 1] = text
    (DATA / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_csv(name: str, fields: list[str], rows: list[dict], *, encoding="utf-8",
              delimiter=",") -> None:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=fields, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in fields})
    (DATA / name).write_bytes(buf.getvalue().encode(encoding))


def csv_line_of_row(fields: list[str], rows: list[dict], index: int) -> int:
    """The physical line (1-based) where data row ``index`` (0-based) starts."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows[:index]:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in fields})
    return buf.getvalue().count("\n") + 1


# ---------------------------------------------------------------------------------------------
# RedNote (xiaohongshu.com) objects as Zeeschuimer keeps them (modules/rednote.js)
# ---------------------------------------------------------------------------------------------

XHS_SEARCH_URL = "https://www.xiaohongshu.com/search_result?keyword=%E6%90%AD%E5%AD%90&source=web_explore_feed"
XHS_API = "https://edith.xiaohongshu.com/api/sns/web/v1/search/notes"
XHS_FEED_API = "https://edith.xiaohongshu.com/api/sns/web/v1/feed"


def xhs_api(note_id, *, title, desc, time, nickname, user_id, liked, collected, commented,
            shared, tags=(), ip=None, with_desc=True, note_type="normal", xsec="ABx"):
    card = {
        "type": note_type,
        "display_title": title,
        "user": {"user_id": user_id, "nickname": nickname,
                 "avatar": f"https://sns-avatar-qc.xhscdn.com/avatar/{user_id[:8]}.jpg",
                 "nick_name": nickname},
        "interact_info": {"liked": False, "liked_count": liked, "collected": False,
                          "collected_count": collected, "comment_count": commented,
                          "share_count": shared},
        "cover": {"url_default": f"http://sns-webpic-qc.xhscdn.com/{note_id}/cover!nc_n_webp_mw_1",
                  "width": 1080, "height": 1440},
        "image_list": [{"url_default": f"http://sns-webpic-qc.xhscdn.com/{note_id}/1!nd_dft_wlteh_webp_3",
                        "info_list": [{"image_scene": "WB_PRV", "url": f"http://x/{note_id}/prv"},
                                      {"image_scene": "WB_DFT", "url": f"http://x/{note_id}/dft"}],
                        "width": 1080, "height": 1440}],
        "note_id": note_id,
    }
    if with_desc:
        card["desc"] = desc
        card["time"] = time
        card["last_update_time"] = time + 3_600_000
        card["tag_list"] = [{"id": f"5be{i:05d}a0000000000{i:06d}", "name": t, "type": "topic"}
                            for i, t in enumerate(tags)]
        if ip:
            card["ip_location"] = ip
    return {"id": note_id, "model_type": "note", "note_card": card, "xsec_token": xsec + note_id[-6:] + "=",
            "track_id": f"2f{note_id[:10]}"}


def xhs_embedded(note_id, *, title, desc, time, nickname, user_id, liked, collected, commented,
                 shared, tags=(), ip=None):
    note = {
        "noteId": note_id, "type": "normal", "title": title, "desc": desc, "time": time,
        "lastUpdateTime": time + 60_000, "ipLocation": ip,
        "user": {"userId": user_id, "nickname": nickname,
                 "avatar": f"https://sns-avatar-qc.xhscdn.com/avatar/{user_id[:8]}.jpg"},
        "interactInfo": {"followed": False, "relation": "none", "liked": False, "likedCount": liked,
                         "collected": False, "collectedCount": collected, "commentCount": commented,
                         "shareCount": shared},
        "imageList": [{"urlDefault": f"http://sns-webpic-qc.xhscdn.com/{note_id}/1!nd_dft_wlteh_webp_3",
                       "urlPre": f"http://sns-webpic-qc.xhscdn.com/{note_id}/1!nd_prv_wlteh_webp_3",
                       "width": 1080, "height": 1440}],
        "tagList": [{"id": f"5be{i:05d}a0000000000{i:06d}", "name": t, "type": "topic"}
                    for i, t in enumerate(tags)],
        "atUserList": [],
        "xsecToken": "ABz" + note_id[-8:] + "=",
    }
    return {"comments": {"list": [], "cursor": "", "hasMore": False, "loading": False,
                         "firstRequestFinish": False},
            "currentTime": time + 86_400_000, "note": note, "id": note_id}


def xhs_html(note_id, *, title, author, likes):
    return {"id": note_id, "url": f"/explore/{note_id}?xsec_token=ABh{note_id[-6:]}=&xsec_source=pc_search",
            "author_name": author, "author_url": author,
            "author_avatar_url": "https://sns-avatar-qc.xhscdn.com/avatar/1040g2jo31default.jpg",
            "likes": likes, "thumbnail_url": f"http://sns-webpic-qc.xhscdn.com/{note_id}/thumb",
            "title": title, "_zs-origin": "html"}


def envelope(n, data, *, platform, page_url, source_url, collected, nav="1:4:0", item_id=None,
             last_updated=True):
    env = {"id": n, "nav_index": nav, "item_id": data.get("id") if item_id is None else item_id,
           "timestamp_collected": collected, "source_platform": platform,
           "source_platform_url": page_url, "source_url": source_url, "user_agent": UA, "data": data}
    if last_updated:
        env["last_updated"] = collected
    return env


def xhs_records():
    """(zeeschuimer data objects, expected posts) for RedNote, hand-varied."""
    recs = []
    t = utc(2025, 11, 3, 12, 15, 7)
    recs.append((
        xhs_api("6745a1c2000000001a03b7e1", title="周末citywalk找搭子🚶", time=ms(t),
                desc="上海周末citywalk有没有人一起😆 武康路→安福路→愚园路\n不尬聊，走累了就喝咖啡☕️ "
                     "#citywalk[话题]# #上海搭子[话题]# #找搭子[话题]#",
                nickname="小鹿乱撞🦌", user_id="5f3c2a1b000000000101a2b3", liked="1.2万",
                collected="3585", commented="421", shared="97",
                tags=["citywalk", "上海搭子", "找搭子"], ip="上海"),
        post("6745a1c2000000001a03b7e1",
             "上海周末citywalk有没有人一起😆 武康路→安福路→愚园路\n不尬聊，走累了就喝咖啡☕️ "
             "#citywalk[话题]# #上海搭子[话题]# #找搭子[话题]#",
             likes=12000, comments=421, approx=True, hashtags=["citywalk", "上海搭子", "找搭子"],
             created=t, platform="xiaohongshu", title="周末citywalk找搭子🚶")))
    t = utc(2025, 12, 24, 15, 59, 59)
    recs.append((
        xhs_api("676ad9f1000000000b0229c4", title="云搭子｜每天一起早起学习", time=ms(t),
                desc="考研人找个云搭子[萌萌哒R] 每天6:30腾讯会议开摄像头📚\n要求：能坚持！#云搭子[话题]##学习搭子[话题]# @考研小助手",
                nickname="上岸上岸上岸", user_id="60a1b2c3000000000100d4e5", liked="10万+",
                collected="2.3万", commented="1024", shared="3千+",
                tags=["云搭子", "学习搭子"], ip="江苏"),
        post("676ad9f1000000000b0229c4",
             "考研人找个云搭子[萌萌哒R] 每天6:30腾讯会议开摄像头📚\n要求：能坚持！#云搭子[话题]##学习搭子[话题]# @考研小助手",
             likes=100000, comments=1024, approx=True, hashtags=["云搭子", "学习搭子"], created=t,
             platform="xiaohongshu")))
    t = utc(2025, 9, 1, 0, 0, 1)
    recs.append((
        xhs_api("66d3b8a90000000027005f1d", title="", time=ms(t),
                desc="饭搭子来了！！第一次约饭就很聊得来🍲 #饭搭子[话题]# #成都美食[话题]#",
                nickname="成都吃货阿花", user_id="5c9d8e7f0000000001004321", liked="356",
                collected="88", commented="0", shared="2",
                tags=["饭搭子", "成都美食"], ip="四川"),
        post("66d3b8a90000000027005f1d",
             "饭搭子来了！！第一次约饭就很聊得来🍲 #饭搭子[话题]# #成都美食[话题]#",
             likes=356, comments=0, approx=False, hashtags=["饭搭子", "成都美食"], created=t,
             platform="xiaohongshu")))
    t = utc(2026, 1, 15, 8, 30, 0)
    recs.append((
        xhs_api("678771b8000000001d01ee20", title="健身搭子打卡第30天💪", time=ms(t), note_type="video",
                desc="和搭子一起练了一个月，体脂-3%！\n[哭惹R][哭惹R] 坚持就是胜利 #健身搭子[话题]# #减脂[话题]# #打卡[话题]#",
                nickname="Lily练腿中", user_id="5e0f1a2b000000000100aa11", liked="2.1w",
                collected="1.3万", commented="560", shared="120",
                tags=["健身搭子", "减脂", "打卡"], ip="广东"),
        post("678771b8000000001d01ee20",
             "和搭子一起练了一个月，体脂-3%！\n[哭惹R][哭惹R] 坚持就是胜利 #健身搭子[话题]# #减脂[话题]# #打卡[话题]#",
             likes=21000, comments=560, approx=True, hashtags=["健身搭子", "减脂", "打卡"], created=t,
             platform="xiaohongshu")))
    # a search-result object without desc and time (modules/rednote.js keeps it; 4CAT maps body as missing)
    recs.append((
        xhs_api("67a0c3d5000000002901ab77", title="有没有人一起去看周深演唱会🎤", time=0, with_desc=False,
                desc="", nickname="深深的海", user_id="6123abcd000000000100ef01", liked="987",
                collected="45", commented="66", shared="8"),
        post("67a0c3d5000000002901ab77", "", likes=987, comments=66, approx=False, hashtags=[],
             created=None, platform="xiaohongshu", title="有没有人一起去看周深演唱会🎤",
             text_alternatives=["", "有没有人一起去看周深演唱会🎤"], partial=True)))
    t = utc(2025, 10, 10, 10, 10, 10)
    recs.append((
        xhs_api("6707a8e2000000002c03f5a9", title="Let's be study buddies!", time=ms(t),
                desc="Looking for an English-Chinese language exchange 搭子 🌏 每周两次语音\n#语言交换[话题]# #tiktokrefugee[话题]#",
                nickname="Emma在北京", user_id="6701a2b3000000000100c0de", liked="45",
                collected="12", commented="9", shared="1",
                tags=["语言交换", "tiktokrefugee"], ip="北京"),
        post("6707a8e2000000002c03f5a9",
             "Looking for an English-Chinese language exchange 搭子 🌏 每周两次语音\n#语言交换[话题]# #tiktokrefugee[话题]#",
             likes=45, comments=9, approx=False, hashtags=["语言交换", "tiktokrefugee"], created=t,
             platform="xiaohongshu")))
    # embedded page objects (camelCase note, from window.__INITIAL_STATE__)
    t = utc(2025, 8, 20, 13, 45, 0)
    recs.append((
        xhs_embedded("66c49d1c000000001f01a0b2", title="旅行搭子避雷指南⚠️",
                     desc="和网上认识的旅行搭子去了云南，说说踩过的坑：\n1. AA要提前说清楚\n2. 作息要合拍\n#旅行搭子[话题]# #云南旅行[话题]# #避雷[话题]#",
                     time=ms(t), nickname="走遍中国的Mia", user_id="5b6c7d8e000000000100f0f0",
                     liked="3.4万", collected="1.1万", commented="2345", shared="876",
                     tags=["旅行搭子", "云南旅行", "避雷"], ip="云南"),
        post("66c49d1c000000001f01a0b2",
             "和网上认识的旅行搭子去了云南，说说踩过的坑：\n1. AA要提前说清楚\n2. 作息要合拍\n#旅行搭子[话题]# #云南旅行[话题]# #避雷[话题]#",
             likes=34000, comments=2345, approx=True, hashtags=["旅行搭子", "云南旅行", "避雷"],
             created=t, platform="xiaohongshu", title="旅行搭子避雷指南⚠️")))
    t = utc(2026, 2, 28, 23, 59, 0)
    recs.append((
        xhs_embedded("67c24d3a000000000900e6f3", title="游戏搭子", time=ms(t),
                     desc="王者荣耀缺个辅助搭子🎮 晚上十点后在线 #游戏搭子[话题]# #王者荣耀[话题]#",
                     nickname="峡谷小乔", user_id="62aa33bb000000000100cc44",
                     liked="10+", collected="3", commented="5", shared="0",
                     tags=["游戏搭子", "王者荣耀"], ip="浙江"),
        post("67c24d3a000000000900e6f3",
             "王者荣耀缺个辅助搭子🎮 晚上十点后在线 #游戏搭子[话题]# #王者荣耀[话题]#",
             likes=10, comments=5, approx=True, hashtags=["游戏搭子", "王者荣耀"], created=t,
             platform="xiaohongshu")))
    t = utc(2025, 7, 7, 7, 7, 7)
    recs.append((
        xhs_embedded("668a3f67000000002503c1d8", title="读书搭子｜一起读完《百年孤独》",
                     desc="每天20页，读完在评论区打卡📖\n#读书搭子[话题]# #百年孤独[话题]#",
                     time=ms(t), nickname="书虫小王", user_id="5d4e3f2a000000000100b1b2",
                     liked="1千+", collected="856", commented="132", shared="21",
                     tags=["读书搭子", "百年孤独"], ip="湖北"),
        post("668a3f67000000002503c1d8",
             "每天20页，读完在评论区打卡📖\n#读书搭子[话题]# #百年孤独[话题]#",
             likes=1000, comments=132, approx=True, hashtags=["读书搭子", "百年孤独"], created=t,
             platform="xiaohongshu")))
    # html-origin stubs: no text, no time
    recs.append((
        xhs_html("679b2e44000000001c00d9a0", title="搭子文化是什么？一篇讲清楚", author="社会学研究生Z",
                 likes="1.2万"),
        post("679b2e44000000001c00d9a0", "", likes=12000, comments=None, approx=True, hashtags=[],
             created=None, platform="xiaohongshu", title="搭子文化是什么？一篇讲清楚",
             text_alternatives=["", "搭子文化是什么？一篇讲清楚"], partial=True)))
    recs.append((
        xhs_html("67b5f0a1000000002803d2c6", title="", author="momo", likes="67"),
        post("67b5f0a1000000002803d2c6", "", likes=67, comments=None, approx=False, hashtags=[],
             created=None, platform="xiaohongshu", text_alternatives=[""], partial=True)))
    return recs


def write_zeeschuimer_xhs():
    recs = xhs_records()
    base = ms(utc(2026, 3, 2, 9, 0, 0))
    rows = []
    for i, (data, _) in enumerate(recs):
        if "note" in data:
            page = f"https://www.xiaohongshu.com/explore/{data['id']}?xsec_token={data['note']['xsecToken']}&xsec_source=pc_search"
            src = page
        elif data.get("_zs-origin") == "html":
            page, src = XHS_SEARCH_URL, XHS_SEARCH_URL
        else:
            page, src = XHS_SEARCH_URL, XHS_API
        rows.append(envelope(i + 1, data, platform="xiaohongshu.com", page_url=page, source_url=src,
                             collected=base + 7_919 * i, nav=f"3:12:{i // 4}", last_updated=i % 3 != 0))
    # the same note seen again after navigating (another nav_index): one post, not two
    again = json.loads(json.dumps(recs[0][0]))
    rows.append(envelope(len(rows) + 1, again, platform="xiaohongshu.com", page_url=XHS_SEARCH_URL,
                         source_url=XHS_API, collected=base + 600_000, nav="3:12:9"))
    name = "zeeschuimer_xiaohongshu.ndjson"
    write_ndjson(name, rows)
    write_manifest(name, "Zeeschuimer NDJSON export, source_platform xiaohongshu.com",
                   ["zeeschuimer js/zs-background.js", "zeeschuimer modules/rednote.js",
                    "4cat datasources/xiaohongshu/search_rednote.py"],
                   [p for _, p in recs],
                   notes="11 lines hold 10 notes: the last line re-captures the first note after a navigation. "
                         "Two html-origin stubs and one search object have no text and no time: imported with "
                         "what they have (partial).")
    return rows, recs


# ---------------------------------------------------------------------------------------------
# Douyin objects (modules/douyin.js; 4CAT search_douyin.py for the embedded camelCase shape)
# ---------------------------------------------------------------------------------------------

DY_PAGE = "https://www.douyin.com/search/%E6%90%AD%E5%AD%90?type=video"
DY_API = "https://www.douyin.com/aweme/v1/web/general/search/single/?keyword=%E6%90%AD%E5%AD%90"


def dy_api(aweme_id, *, desc, create, uid, nickname, digg, comment, share, collect, play=0,
           tags=(), mentions=(), region="CN"):
    extra = []
    pos = 0
    for t in tags:
        start = desc.find("#" + t, pos)
        extra.append({"start": start, "end": start + len(t) + 1, "type": 1, "hashtag_name": t,
                      "hashtag_id": str(1_600_000_000_000_000_000 + zlib.crc32(t.encode())),
                      "is_commerce": False, "caption_start": start, "caption_end": start + len(t) + 1})
    for m in mentions:
        start = desc.find("@" + m)
        extra.append({"start": start, "end": start + len(m) + 1, "type": 0, "user_id": "4" + uid[1:],
                      "sec_uid": "MS4wLjABAAAA" + m.encode().hex()[:20]})
    return {
        "aweme_id": aweme_id, "id": aweme_id, "desc": desc, "create_time": create,
        "group_id": aweme_id, "aweme_type": 0, "region": region, "prevent_download": False,
        "author": {"uid": uid, "sec_uid": "MS4wLjABAAAA" + uid[-12:], "nickname": nickname,
                   "avatar_thumb": {"uri": "100x100/aweme-avatar/x", "url_list": [f"https://p3.douyinpic.com/aweme/{uid}.jpeg"]},
                   "region": region, "is_ad_fake": False},
        "statistics": {"aweme_id": aweme_id, "digg_count": digg, "comment_count": comment,
                       "share_count": share, "collect_count": collect, "play_count": play,
                       "download_count": 0, "forward_count": 0},
        "text_extra": extra,
        "video": {"duration": 15232, "bit_rate": [
            {"gear_name": "normal_720_0", "bit_rate": 1044192,
             "play_addr": {"url_list": [f"https://v26-web.douyinvod.com/{aweme_id}/720.mp4"]}}]},
        "music": {"title": f"@{nickname}创作的原声", "author": nickname,
                  "play_url": {"uri": f"https://sf3-cdn-tos.douyinstatic.com/obj/ies-music/{aweme_id}.mp3"}},
        "video_tag": [{"tag_id": 2006, "tag_name": "生活记录", "level": 1}],
        "mix_info": {},
    }


def dy_embedded(aweme_id, *, desc, create, uid, nickname, digg, comment, share, collect, tags=()):
    return {
        "awemeId": aweme_id, "id": aweme_id, "groupId": aweme_id, "awemeType": 0, "desc": desc,
        "createTime": create, "authorUserId": int(uid),
        "authorInfo": {"uid": uid, "secUid": "MS4wLjABAAAA" + uid[-12:], "nickname": nickname,
                       "avatarThumb": {"uri": "x", "urlList": [f"https://p3.douyinpic.com/aweme/{uid}.jpeg"]},
                       "isAdFake": False},
        "stats": {"diggCount": digg, "commentCount": comment, "shareCount": share,
                  "collectCount": collect, "playCount": 0, "downloadCount": 0, "forwardCount": 0},
        "textExtra": [{"start": desc.find("#" + t), "end": desc.find("#" + t) + len(t) + 1, "type": 1,
                       "hashtagName": t, "hashtagId": str(1_600_000_000_000_000_000 + i), "isCommerce": False}
                      for i, t in enumerate(tags)],
        "video": {"duration": 9800, "bitRateList": [{"bitRate": 900000, "playApi": "://www.douyin.com/aweme/v1/play/?video_id=" + aweme_id}]},
        "download": {"prevent": False, "url": ""},
        "music": "$undefined", "mixInfo": {}, "videoTag": [],
        "ZS_collected_from_embed": True,
    }


def dy_records():
    recs = []
    specs = [
        ("7301234567890123456", "周末找个饭搭子一起探店🍜 #饭搭子 #探店 #广州美食 @阿明同学", utc(2025, 11, 18, 11, 0, 0),
         "98234567123", "广州吃货日记", 12034, 321, 45, 678, ["饭搭子", "探店", "广州美食"], ["阿明同学"]),
        ("7312345678901234567", "打工人的健身搭子日常💪 下班就去撸铁 #健身搭子 #打工人",
         utc(2025, 12, 1, 14, 20, 33), "57120349876", "健身的小胖", 530, 48, 7, 90, ["健身搭子", "打工人"], []),
        ("7323456789012345678", "云搭子陪你学习 2小时番茄钟⏰ #云搭子 #学习搭子 #自习室",
         utc(2026, 1, 5, 1, 0, 0), "41023498765", "自习室的猫", 88765, 4321, 2100, 15000,
         ["云搭子", "学习搭子", "自习室"], []),
        ("7334567890123456789", "和搭子去了趟大理，风花雪月都见到了🌸",
         utc(2025, 10, 2, 6, 30, 0), "30123456789", "大理小住", 0, 0, 0, 0, [], []),
        ("7345678901234567890", "00后的搭子社交：不深交，刚刚好 #搭子社交 #00后",
         utc(2026, 2, 14, 12, 0, 0), "62039485712", "青年观察所", 230456, 15234, 8765, 34567,
         ["搭子社交", "00后"], []),
        ("7356789012345678901", "求一个饭搭子 北京朝阳 工作日午饭 #饭搭子 #北京",
         utc(2025, 9, 9, 4, 5, 6), "19283746501", "朝阳群众小李", 12, 3, 0, 1, ["饭搭子", "北京"], []),
        ("7367890123456789012", "演唱会搭子集合！#演唱会 #搭子 @票务小姐姐 记得带荧光棒✨",
         utc(2025, 8, 16, 9, 45, 0), "88776655443", "追星不累", 4567, 789, 123, 456,
         ["演唱会", "搭子"], ["票务小姐姐"]),
    ]
    for (aid, desc, created, uid, nick, digg, com, share, coll, tags, ments) in specs:
        recs.append((dy_api(aid, desc=desc, create=sec(created), uid=uid, nickname=nick, digg=digg,
                            comment=com, share=share, collect=coll, tags=tags, mentions=ments),
                     post(aid, desc, likes=digg, comments=com, approx=False, hashtags=tags,
                          created=created, platform="douyin")))
    emb = [
        ("7378901234567890123", "深夜emo需要一个聊天搭子🌙 #聊天搭子 #深夜", utc(2026, 3, 1, 16, 0, 0),
         "11223344556", "夜猫子阿青", "1.2万", "845", "66", "1.5万", 12000, 845, True, ["聊天搭子", "深夜"]),
        ("7389012345678901234", "徒步搭子招募中⛰️ 周六香山 #徒步 #户外搭子", utc(2025, 11, 29, 23, 30, 0),
         "22334455667", "山野少年", 3456, 210, 34, 800, 3456, 210, False, ["徒步", "户外搭子"]),
        ("7390123456789012345", "我和我的搭子们 🥹 一年了", utc(2025, 12, 31, 15, 59, 0),
         "33445566778", "念念不忘", "10万+", "3.3万", "1.1万", "5万", 100000, 33000, True, []),
    ]
    for (aid, desc, created, uid, nick, digg, com, share, coll, e_likes, e_com, approx, tags) in emb:
        recs.append((dy_embedded(aid, desc=desc, create=sec(created), uid=uid, nickname=nick, digg=digg,
                                 comment=com, share=share, collect=coll, tags=tags),
                     post(aid, desc, likes=e_likes, comments=e_com, approx=approx, hashtags=tags,
                          created=created, platform="douyin")))
    return recs


def write_zeeschuimer_douyin():
    recs = dy_records()
    base = ms(utc(2026, 3, 3, 14, 0, 0))
    rows = [envelope(101 + i, data, platform="douyin.com",
                     page_url=DY_PAGE if "aweme_id" in data else f"https://www.douyin.com/video/{data['awemeId']}",
                     source_url=DY_API if "aweme_id" in data else f"https://www.douyin.com/video/{data['awemeId']}",
                     collected=base + 5_003 * i, nav=f"5:7:{i // 5}")
            for i, (data, _) in enumerate(recs)]
    name = "zeeschuimer_douyin.ndjson"
    write_ndjson(name, rows)
    write_manifest(name, "Zeeschuimer NDJSON export, source_platform douyin.com",
                   ["zeeschuimer js/zs-background.js", "zeeschuimer modules/douyin.js",
                    "4cat datasources/douyin/search_douyin.py (embedded camelCase shape)"],
                   [p for _, p in recs],
                   notes="7 snake_case API aweme objects (counts as numbers) and 3 camelCase embedded objects "
                         "(ZS_collected_from_embed; counts partly as text like 1.2万).")
    return rows, recs


# ---------------------------------------------------------------------------------------------
# 4CAT
# ---------------------------------------------------------------------------------------------

def fourcat_ndjson(envelopes):
    out = []
    for env in envelopes:
        meta = {k: v for k, v in env.items() if k != "data"}
        out.append({**env["data"], "__import_meta": meta})
    return out


def write_4cat():
    zx_rows, xrecs = write_zeeschuimer_xhs()
    zd_rows, drecs = write_zeeschuimer_douyin()

    # 4CAT NDJSON of RedNote: a subset (4CAT keeps every item, also the re-capture)
    pick = [0, 1, 3, 6, 7, 9, 10]
    rows = fourcat_ndjson([zx_rows[i] for i in pick])
    name = "4cat_xiaohongshu.ndjson"
    write_ndjson(name, rows)
    write_manifest(name, "4CAT NDJSON download of a RedNote (xiaohongshu-search) dataset",
                   ["4cat backend/lib/search.py import_from_file (__import_meta)",
                    "4cat datasources/xiaohongshu/search_rednote.py"],
                   [xrecs[i][1] for i in pick])

    # 4CAT NDJSON of Douyin
    pick_d = [0, 2, 4, 5, 7, 9]
    rows = fourcat_ndjson([zd_rows[i] for i in pick_d])
    name = "4cat_douyin.ndjson"
    write_ndjson(name, rows)
    write_manifest(name, "4CAT NDJSON download of a Douyin (douyin-search) dataset",
                   ["4cat backend/lib/search.py import_from_file (__import_meta)",
                    "4cat datasources/douyin/search_douyin.py"],
                   [drecs[i][1] for i in pick_d])

    # 4CAT CSV of RedNote: map_item's columns
    fields = ["collected_from_url", "id", "thread_id", "url", "title", "body", "hashtags", "timestamp",
              "author", "author_avatar_url", "image_urls", "video_url", "likes", "unix_timestamp"]
    csv_rows, expected = [], []
    for data, exp in xrecs:
        if data.get("_zs-origin") == "html":
            row = {"collected_from_url": XHS_SEARCH_URL, "id": data["id"], "thread_id": data["id"],
                   "url": "https://www.xiaohongshu.com" + data["url"], "title": data["title"], "body": "",
                   "hashtags": "", "timestamp": "", "author": data["author_name"],
                   "author_avatar_url": data["author_avatar_url"], "image_urls": data["thumbnail_url"],
                   "video_url": "", "likes": data["likes"], "unix_timestamp": ""}
        else:
            note = data["note"] if "note" in data else data["note_card"]
            desc = note.get("desc")
            tm = note.get("time")
            user = note["user"]
            likes = note["interactInfo"]["likedCount"] if "note" in data else note["interact_info"]["liked_count"]
            title = note.get("title", note.get("display_title", ""))
            tags = [t["name"] for t in note.get("tagList", note.get("tag_list", []))]
            row = {"collected_from_url": XHS_SEARCH_URL, "id": data["id"], "thread_id": data["id"],
                   "url": f"https://www.xiaohongshu.com/explore/{data['id']}?xsec_token=ABx{data['id'][-6:]}=",
                   "title": title, "body": desc or "", "hashtags": ",".join(tags),
                   "timestamp": datetime.fromtimestamp(tm / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S") if tm else "",
                   "author": user["nickname"], "author_avatar_url": user["avatar"],
                   "image_urls": f"http://sns-webpic-qc.xhscdn.com/{data['id']}/1!nd_dft_wlteh_webp_3",
                   "video_url": "", "likes": likes, "unix_timestamp": int(tm / 1000) if tm else ""}
        csv_rows.append(row)
        e = dict(exp)
        e["comments"] = None  # a 4CAT RedNote CSV has no comment count: unknown, not 0
        if e["created_at"]:  # unix_timestamp has whole seconds
            e["created_at"] = e["created_at"]
        expected.append(e)
    name = "4cat_xiaohongshu.csv"
    write_csv(name, fields, csv_rows)
    write_manifest(name, "4CAT CSV download of a RedNote (xiaohongshu-search) dataset",
                   ["4cat datasources/xiaohongshu/search_rednote.py map_item (columns)"], expected,
                   notes="timestamp is written by the 4CAT server in its local time (UTC here); "
                         "unix_timestamp is authoritative. likes keep the platform's text (1.2万).")
    fourcat_xhs_csv = (fields, csv_rows)

    # 4CAT CSV of Douyin
    dfields = ["id", "thread_id", "subject", "body", "timestamp", "post_source_domain", "post_url", "region",
               "hashtags", "mentions", "video_tags", "prevent_download", "video_url", "video_duration",
               "image_urls", "music_author", "music_title", "music_url", "collect_count", "comment_count",
               "digg_count", "download_count", "forward_count", "play_count", "share_count",
               "count_total_streams_viewers", "count_current_stream_viewers", "author_user_id",
               "author_nickname", "author_profile_url", "author_thumbnail_url", "author_region",
               "author_is_ad_fake", "part_of_collection", "4CAT_first_video_displayed", "collection_id",
               "collection_name", "place_in_collection", "unix_timestamp"]
    drows, dexp = [], []
    for data, exp in drecs:
        if data.get("ZS_collected_from_embed"):
            aid, st, au = data["awemeId"], data["stats"], data["authorInfo"]
            ts = data["createTime"]
            tags = [t["hashtagName"] for t in data["textExtra"]]
            digg, com, share, coll = st["diggCount"], st["commentCount"], st["shareCount"], st["collectCount"]
            sec_uid, thumb = au["secUid"], au["avatarThumb"]["urlList"][0]
            mentions = ""
        else:
            aid, st, au = data["aweme_id"], data["statistics"], data["author"]
            ts = data["create_time"]
            tags = [t["hashtag_name"] for t in data["text_extra"] if "hashtag_name" in t]
            digg, com, share, coll = st["digg_count"], st["comment_count"], st["share_count"], st["collect_count"]
            sec_uid, thumb = au["sec_uid"], au["avatar_thumb"]["url_list"][0]
            mentions = ",".join(f"https://www.douyin.com/user/{t['sec_uid']}" for t in data["text_extra"] if "sec_uid" in t)
        drows.append({
            "id": aid, "thread_id": aid, "subject": "Post", "body": data["desc"],
            "timestamp": datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "post_source_domain": DY_PAGE, "post_url": f"https://www.douyin.com/video/{aid}", "region": "CN",
            "hashtags": ",".join(tags), "mentions": mentions, "video_tags": "生活记录",
            "prevent_download": "no", "video_url": "", "video_duration": 15232, "image_urls": "",
            "music_author": au["nickname"], "music_title": "", "music_url": "", "collect_count": coll,
            "comment_count": com, "digg_count": digg, "download_count": 0, "forward_count": 0,
            "play_count": 0, "share_count": share, "count_total_streams_viewers": "N/A",
            "count_current_stream_viewers": "N/A", "author_user_id": au["uid"],
            "author_nickname": au["nickname"], "author_profile_url": f"https://www.douyin.com/user/{sec_uid}",
            "author_thumbnail_url": thumb, "author_region": "CN", "author_is_ad_fake": "False",
            "part_of_collection": "no", "4CAT_first_video_displayed": "yes", "collection_id": "N/A",
            "collection_name": "N/A", "place_in_collection": "N/A", "unix_timestamp": ts})
        dexp.append(exp)
    name = "4cat_douyin.csv"
    write_csv(name, dfields, drows)
    write_manifest(name, "4CAT CSV download of a Douyin (douyin-search) dataset",
                   ["4cat datasources/douyin/search_douyin.py map_item (columns)"], dexp,
                   notes="aweme ids are 19 digits: they must stay exact strings.")
    return zx_rows, zd_rows, fourcat_xhs_csv, (dfields, drows)


# ---------------------------------------------------------------------------------------------
# MediaCrawler Kuaishou and Zhihu
# ---------------------------------------------------------------------------------------------

KS_FIELDS = ["video_id", "video_type", "title", "desc", "create_time", "user_id", "nickname", "avatar",
             "liked_count", "viewd_count", "last_modify_ts", "video_url", "video_cover_url",
             "video_play_url", "source_keyword"]
KS_COMMENT_FIELDS = ["comment_id", "create_time", "video_id", "content", "user_id", "nickname", "avatar",
                     "sub_comment_count", "last_modify_ts"]


def ks_records():
    crawl = ms(utc(2026, 2, 20, 3, 0, 0))
    specs = [
        ("3xk8z2v9b4m6q1w", "周末钓鱼搭子🎣 #钓鱼 #搭子 #周末去哪儿", utc(2026, 1, 3, 2, 15, 0), "12034", "3.4万",
         12034, False, ["钓鱼", "搭子", "周末去哪儿"]),
        ("3x9fj2hs7d8k4m2", "东北老铁找饭搭子 烧烤走起🍢 #饭搭子", utc(2025, 12, 12, 11, 30, 45), "876", "1.2万",
         876, False, ["饭搭子"]),
        ("3xa7c6e5r4t3y2u", "和健身搭子的第100天，附训练计划📋\n#健身 #自律", utc(2025, 11, 11, 11, 11, 11),
         "45678", "120万", 45678, False, ["健身", "自律"]),
        ("3xq1w2e3r4t5y6u", "广场舞搭子们太可爱了💃 阿姨们的快乐", utc(2025, 10, 1, 0, 30, 0), "None", "5678",
         None, False, []),
        ("3xm9n8b7v6c5x4z", "考公搭子互相监督📖 #考公 #上岸 #学习打卡", utc(2026, 2, 1, 22, 0, 0), "2301", "8.8万",
         2301, False, ["考公", "上岸", "学习打卡"]),
        ("3xp0o9i8u7y6t5r", "宝妈遛娃搭子👶 小区群里认识的", utc(2025, 9, 30, 8, 8, 8), "99", "3012",
         99, False, []),
        ("3xl1k2j3h4g5f6d", "摩旅搭子 川藏线出发🏍️ #摩旅 #川藏线", utc(2025, 8, 1, 5, 0, 0), "67890", "99万",
         67890, False, ["摩旅", "川藏线"]),
    ]
    rows, exp = [], []
    for i, (vid, caption, created, liked, viewed, e_likes, approx, tags) in enumerate(specs):
        rows.append({"video_id": vid, "video_type": "1", "title": caption[:500], "desc": caption[:500],
                     "create_time": ms(created), "user_id": f"3x{(i + 7) * 1234567:011d}"[:13],
                     "nickname": ["钓鱼佬老王", "东北大花", "练不胖的阿杰", "舞动人生", "上岸吧少年", "遛娃达人", "骑士阿飞"][i],
                     "avatar": f"https://p2.a.yximgs.com/uhead/AB/{vid}.jpg", "liked_count": liked,
                     "viewd_count": viewed, "last_modify_ts": crawl + i * 1500,
                     "video_url": f"https://www.kuaishou.com/short-video/{vid}",
                     "video_cover_url": f"https://p1.a.yximgs.com/upic/{vid}.jpg",
                     "video_play_url": f"https://v2.kwaicdn.com/upic/{vid}.mp4",
                     "source_keyword": "搭子" if i % 2 == 0 else "找搭子"})
        exp.append(post(vid, caption, likes=e_likes, comments=None, approx=approx, hashtags=tags,
                        created=created))
    comments = []
    cspecs = [(0, "我也想去！哪个水库", 0), (0, "带我一个🙋", 2), (1, "哈尔滨的吗", 0), (2, "求训练计划", 5),
              (2, "已关注，一起打卡", 0), (4, "同考公，加油", 1), (6, "注意安全🙏", 3)]
    for j, (pi, text, subs) in enumerate(cspecs):
        comments.append({"comment_id": str(8_900_000_000_000 + j * 7919), "create_time": rows[pi]["create_time"] + 3_600_000 * (j + 1),
                         "video_id": rows[pi]["video_id"], "content": text, "user_id": f"3x{j:09d}",
                         "nickname": f"快手用户{j + 1}", "avatar": "", "sub_comment_count": str(subs),
                         "last_modify_ts": crawl + 99_000 + j})
    return rows, exp, comments


ZH_FIELDS = ["content_id", "content_type", "content_text", "content_url", "question_id", "title", "desc",
             "created_time", "updated_time", "voteup_count", "comment_count", "source_keyword", "user_id",
             "user_link", "user_nickname", "user_avatar", "user_url_token", "last_modify_ts"]
ZH_COMMENT_FIELDS = ["comment_id", "parent_comment_id", "content", "publish_time", "ip_location",
                     "sub_comment_count", "like_count", "dislike_count", "content_id", "content_type",
                     "user_id", "user_link", "user_nickname", "user_avatar", "last_modify_ts"]


def zh_records():
    crawl = ms(utc(2026, 2, 21, 6, 0, 0))
    specs = [
        ("3298765412", "answer", "如何看待年轻人的「搭子社交」？",
         "作为一个有五个搭子的人来说一下。\n饭搭子、健身搭子、旅行搭子各司其职，边界感很强，反而轻松。\n\n缺点是很难发展成深交。",
         "作为一个有五个搭子的人来说一下。饭搭子、健身搭子…", "41234567", utc(2025, 6, 5, 13, 0, 0), 12543, 876),
        ("3301234098", "answer", "如何看待年轻人的「搭子社交」？",
         "搭子社交本质上是一种「轻关系」，社会学里叫弱关系（Granovetter, 1973）。它满足的是陪伴需求而非亲密需求。",
         "搭子社交本质上是一种「轻关系」…", "41234567", utc(2025, 6, 7, 2, 30, 0), 3456, 210),
        ("683245190", "article", "搭子文化研究综述",
         "本文梳理了2023年以来关于「搭子」的研究。📚 关键词：搭子、弱关系、陪伴经济。",
         "本文梳理了2023年以来关于「搭子」的研究。", "", utc(2025, 3, 15, 9, 0, 0), 987, 45),
        ("3312345678", "answer", "有一个旅行搭子是什么体验？",
         "体验就是：终于有人帮我拍照了😂 但是也吵过架，因为她想睡懒觉我想看日出。",
         "体验就是：终于有人帮我拍照了😂", "59876543", utc(2025, 12, 25, 16, 0, 0), 0, 0),
        ("1622334455667788990", "zvideo", "我和我的饭搭子的一天", "",
         "记录一下和饭搭子吃遍长沙的一天🌶️", "", utc(2026, 1, 20, 4, 0, 0), 321, 12),
        ("3323456789", "answer", "在大城市找不到朋友怎么办？",
         "试试找搭子。不用交心，一起做一件事就好。我在上海三年，靠羽毛球搭子认识了现在最好的朋友。",
         "试试找搭子。", "60123456", utc(2026, 2, 2, 2, 2, 2), 45678, 1234),
    ]
    rows, exp = [], []
    for i, (cid, ctype, title, text, desc, qid, created, votes, ncom) in enumerate(specs):
        url = (f"https://www.zhihu.com/question/{qid}/answer/{cid}" if ctype == "answer"
               else f"https://zhuanlan.zhihu.com/p/{cid}" if ctype == "article"
               else f"https://www.zhihu.com/zvideo/{cid}")
        rows.append({"content_id": cid, "content_type": ctype, "content_text": text, "content_url": url,
                     "question_id": qid, "title": title, "desc": desc, "created_time": sec(created),
                     "updated_time": sec(created) + 86_400 * (i + 1), "voteup_count": votes,
                     "comment_count": ncom, "source_keyword": "搭子社交",
                     "user_id": f"{(i + 3) * 0x1f2e3d4c:032x}"[-32:],
                     "user_link": f"https://www.zhihu.com/people/user-{i}",
                     "user_nickname": ["知乎用户", "社会学小白", "文献搬运工", "背包客", "长沙吃货", "沪漂三年"][i],
                     "user_avatar": f"https://picx.zhimg.com/v2-{i:032d}_l.jpg", "user_url_token": f"user-{i}",
                     "last_modify_ts": crawl + i})
        exp.append(post(cid, text if text else desc, likes=votes, comments=ncom, approx=False, hashtags=[],
                        created=created, title=title,
                        text_alternatives=[text, desc] if not text else None))
    comments = []
    cspecs = [(0, "说得太对了，我也是", "0", "广东"), (0, "边界感+1", "0", "北京"), (1, "引用文献好评👍", "0", "上海"),
              (1, "弱关系理论yyds", "0", "浙江"), (3, "哈哈哈哈同款", "0", "湖南"), (5, "羽毛球搭子求带", "0", "上海")]
    for j, (pi, text, parent, ip) in enumerate(cspecs):
        comments.append({"comment_id": str(10_987_654_321 + j * 13), "parent_comment_id": parent, "content": text,
                         "publish_time": rows[pi]["created_time"] + 7200 * (j + 1), "ip_location": ip,
                         "sub_comment_count": j % 3, "like_count": (j * 37) % 100, "dislike_count": 0,
                         "content_id": rows[pi]["content_id"], "content_type": rows[pi]["content_type"],
                         "user_id": f"{j:032x}", "user_link": f"https://www.zhihu.com/people/c{j}",
                         "user_nickname": f"评论者{j}", "user_avatar": "", "last_modify_ts": crawl + 100 + j})
    # a reply to the first comment
    comments.append({**comments[0], "comment_id": str(10_987_654_999), "parent_comment_id": comments[0]["comment_id"],
                     "content": "回复：谢谢认同", "publish_time": comments[0]["publish_time"] + 60,
                     "user_nickname": "知乎用户"})
    return rows, exp, comments


def write_json_array(name, rows):
    (DATA / name).write_text(json.dumps(rows, ensure_ascii=False, indent=4), encoding="utf-8")


def write_mediacrawler():
    ks_rows, ks_exp, ks_comments = ks_records()
    write_csv("mediacrawler_kuaishou_search_contents.csv", KS_FIELDS, ks_rows, encoding="utf-8-sig")
    write_json_array("mediacrawler_kuaishou_search_contents.json", ks_rows)
    for name in ("mediacrawler_kuaishou_search_contents.csv", "mediacrawler_kuaishou_search_contents.json"):
        write_manifest(name, "MediaCrawler Kuaishou contents (store/kuaishou, " + name.rsplit(".", 1)[1] + " store)",
                       ["MediaCrawler store/kuaishou/__init__.py update_kuaishou_video",
                        "MediaCrawler tools/async_file_writer.py"], ks_exp,
                       notes="create_time is epoch milliseconds; liked_count is str(realLikeCount), so a "
                             "missing count is the text 'None' (unknown, not 0). Kuaishou has no comment count.")
    write_csv("mediacrawler_kuaishou_search_comments.csv", KS_COMMENT_FIELDS, ks_comments, encoding="utf-8-sig")
    write_json_array("mediacrawler_kuaishou_search_comments.json", ks_comments)
    for name in ("mediacrawler_kuaishou_search_comments.csv", "mediacrawler_kuaishou_search_comments.json"):
        write_manifest(name, "MediaCrawler Kuaishou comments", ["MediaCrawler store/kuaishou/__init__.py update_ks_video_comment"],
                       None, contents_file=name.replace("comments", "contents"),
                       comments=[{"comment_id": c["comment_id"], "post_id": c["video_id"], "text": c["content"]}
                                 for c in ks_comments], comment_count=len(ks_comments))

    zh_rows, zh_exp, zh_comments = zh_records()
    write_csv("mediacrawler_zhihu_search_contents.csv", ZH_FIELDS, zh_rows, encoding="utf-8-sig")
    write_json_array("mediacrawler_zhihu_search_contents.json", zh_rows)
    for name in ("mediacrawler_zhihu_search_contents.csv", "mediacrawler_zhihu_search_contents.json"):
        write_manifest(name, "MediaCrawler Zhihu contents (" + name.rsplit(".", 1)[1] + " store)",
                       ["MediaCrawler model/m_zhihu.py ZhihuContent", "MediaCrawler store/zhihu/__init__.py",
                        "MediaCrawler tools/async_file_writer.py"], zh_exp,
                       notes="created_time is epoch seconds; content ids are digits (a zvideo id has 19): "
                             "strings. A zvideo has no content_text: its text is empty or its desc.")
    write_csv("mediacrawler_zhihu_search_comments.csv", ZH_COMMENT_FIELDS, zh_comments, encoding="utf-8-sig")
    write_json_array("mediacrawler_zhihu_search_comments.json", zh_comments)
    for name in ("mediacrawler_zhihu_search_comments.csv", "mediacrawler_zhihu_search_comments.json"):
        write_manifest(name, "MediaCrawler Zhihu comments", ["MediaCrawler model/m_zhihu.py ZhihuComment"], None,
                       contents_file=name.replace("comments", "contents"),
                       comments=[{"comment_id": c["comment_id"], "post_id": c["content_id"], "text": c["content"]}
                                 for c in zh_comments], comment_count=len(zh_comments))
    return ks_rows, zh_rows


# ---------------------------------------------------------------------------------------------
# A researcher's own sheet with dazi's canonical column names
# ---------------------------------------------------------------------------------------------

CANON_FIELDS = ["post_id", "platform", "url", "title", "text", "author_name", "created_at", "likes",
                "collects", "comments", "shares", "hashtags", "source_keywords"]


def canonical_rows():
    rows = [
        ("0012345", "weibo", "", "", "今天和饭搭子去吃了火锅🍲 #饭搭子#", "小A", "2025-03-04T12:30:00+08:00",
         "1.2万", "", "88", "15", "饭搭子", "饭搭子", utc(2025, 3, 4, 4, 30, 0), 12000, 88, True),
        ("123456789012345678", "xiaohongshu", "https://www.xiaohongshu.com/explore/123456789012345678", "学习搭子",
         "找学习搭子，一起去图书馆📚 #学习搭子[话题]#", "学霸小B", "2025-05-01T08:00:00Z",
         "356", "20", "12", "3", "学习搭子", "学习搭子", utc(2025, 5, 1, 8, 0, 0), 356, 12, False),
        ("6a05d609000007e900000098", "xiaohongshu", "", "", "周末徒步，有搭子吗⛰️\n地点：香山", "山野",
         "2025-06-15 10:00:00+00:00", "10万+", "2.3万", "1024", "999", "徒步; 户外搭子", "搭子",
         utc(2025, 6, 15, 10, 0, 0), 100000, 1024, True),
        ("000987", "douyin", "", "", "健身房搭子打卡第7天💪", "C同学", "1740000000",
         "45", "", "3", "", "", "", datetime.fromtimestamp(1740000000, UTC), 45, 3, False),
        ("4765432109876543", "weibo", "", "", "旅行搭子在成都～推荐了好多宝藏小店", "D旅行家", "1741234567890",
         "2k", "", "34", "5", "", "旅行搭子", datetime.fromtimestamp(1741234567, UTC).replace(microsecond=0),
         2000, 34, True),
        ("post-7", "other", "", "", "没有话题的普通文本，带英文 and numbers 123", "E", "2025-12-31T23:59:59Z",
         "0", "0", "0", "0", "", "", utc(2025, 12, 31, 23, 59, 59), 0, 0, False),
        ("8", "weibo", "", "", "搭子，是当代年轻人的新型社交关系。\n你有几个搭子？", "F", "2026-01-01T00:00:00+08:00",
         "7", "", "1", "", "", "", utc(2025, 12, 31, 16, 0, 0), 7, 1, False),
        ("00000000000000000001", "other", "", "", "只有数字的 id，20位，前面全是0", "G", "2025-07-07T07:07:07Z",
         "1", "", "", "", "", "", utc(2025, 7, 7, 7, 7, 7), 1, None, False),
    ]
    return rows


def write_canonical():
    rows = canonical_rows()
    dict_rows = [dict(zip(CANON_FIELDS, r[:13])) for r in rows]
    exp = []
    for r in rows:
        tags = [t.strip() for t in r[11].split(";") if t.strip()]
        exp.append(post(r[0], r[4], likes=r[14], comments=r[15], approx=r[16], hashtags=tags, created=r[13],
                        platform=r[1]))
    name = "canonical_posts_gb18030.csv"
    write_csv(name, CANON_FIELDS, dict_rows, encoding="gb18030")
    write_manifest(name, "A researcher's own sheet using dazi's canonical column names, saved as GB18030",
                   ["dazi corpus/fields.py (canonical field names, the public interface)",
                    "dazi README 'Supported inputs'"], exp,
                   notes="ids that look numeric (0012345, 18 and 20 digits) stay exact strings; times as ISO "
                         "with offsets, epoch seconds and epoch milliseconds; counts as text (1.2万, 10万+, 2k).",
                   encoding="gb18030")

    # the same sheet saved from Excel as XLSX: ids as text cells, one id as a number cell, a real datetime cell
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(CANON_FIELDS)
    exp_x = []
    for i, (r, d) in enumerate(zip(rows, dict_rows)):
        values = [d[f] for f in CANON_FIELDS]
        e = dict(exp[i])
        if r[0] == "8":
            values[0] = 8  # a number cell, as Excel stores a typed-in 8
        if r[0] == "000987":
            # a datetime cell has no zone: UTC (the column's meaning in dazi) or China time
            # (what Chinese crawlers and dazi assume for naive times) are both defensible
            values[6] = datetime(2025, 2, 19, 21, 20, 0)
            e["created_at"] = "2025-02-19T21:20:00Z"
            e["created_at_alternatives"] = ["2025-02-19T21:20:00Z", "2025-02-19T13:20:00Z"]
        if r[0] == "123456789012345678":
            values[7] = 356  # counts as number cells
            values[9] = 12
        ws.append(values)
        exp_x.append(e)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"
    # one extra id as a number cell that Excel keeps exactly (10 digits)
    ws.append([1234567890, "weibo", "", "", "数字单元格里的 id", "H", "2025-08-08T08:08:08Z", 5, None, 0, None, "", ""])
    exp_x.append(post("1234567890", "数字单元格里的 id", likes=5, comments=0, approx=False, hashtags=[],
                      created=utc(2025, 8, 8, 8, 8, 8), platform="weibo"))
    name = "canonical_posts.xlsx"
    wb.save(DATA / name)
    # openpyxl stamps the save time into docProps/core.xml; that only changes the bytes, not the content
    write_manifest(name, "The canonical-named sheet saved as XLSX (ids as text cells, some as number cells)",
                   ["dazi corpus/fields.py (canonical field names)"], exp_x,
                   notes="Row with post_id 8 and row 1234567890 are number cells: they must become '8' and "
                         "'1234567890', never '8.0'. The datetime cell has no zone: read as UTC or as China time (UTC+8), either is accepted.")
    return dict_rows


# ---------------------------------------------------------------------------------------------
# Malformed variants
# ---------------------------------------------------------------------------------------------

def write_malformed(zx_rows, zd_rows, fourcat_xhs_csv, ks_rows, canon_rows):
    out = []

    # 1. Zeeschuimer RedNote with a line cut off in the middle (a browser crash while exporting)
    rows = [json.loads(json.dumps(r)) for r in zx_rows[:6]]
    cut = json.dumps(rows[3], ensure_ascii=False, separators=(",", ":"))
    name = "bad_zeeschuimer_xiaohongshu_broken_line.ndjson"
    write_ndjson(name, rows, raw_lines={4: cut[: len(cut) // 2]})
    out.append((name, {"line": 4, "fields": [], "must_mention": []}))

    # 2. Zeeschuimer RedNote with an item that has no id anywhere (no item_id, no data.id, no note_id)
    rows = [json.loads(json.dumps(r)) for r in zx_rows[:6]]
    rows[2].pop("item_id")
    rows[2]["data"].pop("id")
    rows[2]["data"].get("note_card", {}).pop("note_id", None)
    name = "bad_zeeschuimer_xiaohongshu_missing_id.ndjson"
    write_ndjson(name, rows)
    out.append((name, {"line": 3, "fields": ["id", "item_id", "note_id", "post_id"], "must_mention": []}))

    # 3. Zeeschuimer Douyin with a create_time before 2000 (1990-01-01)
    rows = [json.loads(json.dumps(r)) for r in zd_rows[:5]]
    rows[1]["data"]["create_time"] = 631152000
    name = "bad_zeeschuimer_douyin_before_2000.ndjson"
    write_ndjson(name, rows)
    out.append((name, {"line": 2, "fields": ["create_time", "created_at"], "must_mention": []}))

    # 4. Zeeschuimer envelope of a platform dazi does not know
    rows = [json.loads(json.dumps(r)) for r in zd_rows[:4]]
    rows[2]["source_platform"] = "weixin.qq.com"
    rows[2]["source_platform_url"] = "https://channels.weixin.qq.com/web/pages/feed"
    name = "bad_zeeschuimer_unknown_platform.ndjson"
    write_ndjson(name, rows)
    out.append((name, {"line": 3, "fields": ["source_platform"], "must_mention": ["weixin.qq.com"]}))

    # 5. 4CAT NDJSON (Douyin) with a broken line
    rows = fourcat_ndjson([json.loads(json.dumps(r)) for r in zd_rows[:5]])
    name = "bad_4cat_douyin_broken_line.ndjson"
    good = json.dumps(rows[2], ensure_ascii=False, separators=(",", ":"))
    # a complete line (not a crawl cut short at the end of the file) that is not JSON
    write_ndjson(name, rows, raw_lines={3: good.replace('"desc":', '"desc"', 1)})
    out.append((name, {"line": 3, "fields": [], "must_mention": []}))

    # 6. 4CAT CSV (RedNote) with a row that has no id
    fields, crows = fourcat_xhs_csv
    crows = [dict(r) for r in crows[:6]]
    crows[3]["id"] = ""
    crows[3]["thread_id"] = ""
    name = "bad_4cat_xiaohongshu_missing_id.csv"
    write_csv(name, fields, crows)
    out.append((name, {"line": csv_line_of_row(fields, crows, 3), "row": 4, "sheet_row": 5, "fields": ["id", "post_id"],
                       "must_mention": []}))

    # 7. MediaCrawler Kuaishou CSV with a create_time (ms) before 2000
    krows = [dict(r) for r in ks_rows]
    krows[4]["create_time"] = 599_616_000_000  # 1989-01-01
    name = "bad_mediacrawler_kuaishou_before_2000.csv"
    write_csv(name, KS_FIELDS, krows, encoding="utf-8-sig")
    out.append((name, {"line": csv_line_of_row(KS_FIELDS, krows, 4), "row": 5, "sheet_row": 6,
                       "fields": ["create_time", "created_at"], "must_mention": []}))

    # 8. The canonical sheet with a date before 2000
    rows = [dict(r) for r in canon_rows]
    rows[2]["created_at"] = "1999-12-31T23:00:00Z"
    name = "bad_canonical_before_2000.csv"
    write_csv(name, CANON_FIELDS, rows, encoding="utf-8")
    out.append((name, {"line": csv_line_of_row(CANON_FIELDS, rows, 2), "row": 3, "sheet_row": 4, "fields": ["created_at"],
                       "must_mention": []}))

    # 9. The canonical sheet with a row without post_id
    rows = [dict(r) for r in canon_rows]
    rows[5]["post_id"] = ""
    name = "bad_canonical_missing_id.csv"
    write_csv(name, CANON_FIELDS, rows, encoding="utf-8")
    out.append((name, {"line": csv_line_of_row(CANON_FIELDS, rows, 5), "row": 6, "sheet_row": 7, "fields": ["post_id"],
                       "must_mention": []}))

    for name, spec in out:
        write_manifest(name, "malformed", [], None, malformed=True, error=spec)
    return [n for n, _ in out]


def write_readme():
    (DATA / "README.md").write_text("""# Import acceptance data (issue 15)

Kept by the fixtures helper, independent of dazi's importer: every file here is shaped from the
source tool's own code, and its `NAME.manifest.json` says what a correct `dazi import NAME` (no
`--map`, no `--preset`) must give. Written by `tests/acceptance/build_import_data.py`
(deterministic; re-run it to change the set on purpose). Checked by
`tests/acceptance/test_import_acceptance.py`.

| file | tool | followed (source file) |
|---|---|---|
| zeeschuimer_xiaohongshu.ndjson | Zeeschuimer | `js/zs-background.js` (envelope), `modules/rednote.js` (API `note_card`, embedded camelCase `note`, `_zs-origin: html` stubs) |
| zeeschuimer_xiaohongshu_comments.ndjson | Zeeschuimer | `modules/rednote-comments.js` (items with `sub_comment_count`; module id `xiaohongshu-comments`) |\n| zeeschuimer_tiktok.ndjson | Zeeschuimer | `modules/tiktok.js`, 4CAT `datasources/tiktok/search_tiktok.py` (`stats.diggCount`, `textExtra[].hashtagName`, `createTime` s) |\n| zeeschuimer_douyin.ndjson | Zeeschuimer | `modules/douyin.js` (snake_case aweme), 4CAT `datasources/douyin/search_douyin.py` (camelCase embedded, `ZS_collected_from_embed`) |
| 4cat_xiaohongshu.ndjson, 4cat_douyin.ndjson | 4CAT | `backend/lib/search.py` `import_from_file` (`{**data, "__import_meta": envelope}`) |
| 4cat_xiaohongshu.csv | 4CAT | `datasources/xiaohongshu/search_rednote.py` `map_item` (columns) |
| 4cat_douyin.csv | 4CAT | `datasources/douyin/search_douyin.py` `map_item` (columns) |
| mediacrawler_kuaishou_search_{contents,comments}.{csv,json} | MediaCrawler | `store/kuaishou/__init__.py`, `tools/async_file_writer.py` (csv utf-8-sig, json array indent 4) |
| mediacrawler_zhihu_search_{contents,comments}.{csv,json} | MediaCrawler | `model/m_zhihu.py`, `store/zhihu/__init__.py`, `tools/async_file_writer.py` |
| canonical_posts_gb18030.csv, canonical_posts.xlsx | a researcher's sheet | dazi `corpus/fields.py` (canonical names: the public interface) |
| control_mediacrawler_xhs_search_contents.jsonl | MediaCrawler | a format dazi read before issue 15: checks the harness (passes on main) |\n| bad_*.* | malformed variants | the manifest's `error` names the line (and row) and the field(s) the message must name |

Manifest fields: `post_id` (string), `text` (exact; `text_alternatives` when the source has no
body and a title or excerpt may stand in), `likes`/`comments` (`null` = unknown, must not be 0),
`counts_approximate` (true when a count came from text like 1.2万, 10万+, 2.1w, 1千+, 10+),
`hashtags` (a set, without `#` / `[话题]`), `created_at` (UTC ISO, `null` = no time in the source).
""", encoding="utf-8")


def write_zeeschuimer_xhs_comments():
    """Comment objects as modules/rednote-comments.js keeps them (items with sub_comment_count)."""
    specs = [("6745a1c2000000001a03b7e1", "我也在上海！周六可以吗😆", "4", "上海"),
             ("6745a1c2000000001a03b7e1", "武康路人好多，建议早上去", "12", "浙江"),
             ("676ad9f1000000000b0229c4", "求拉我一个[萌萌哒R]", "1.1万", "江苏"),
             ("676ad9f1000000000b0229c4", "坚持了三天就放弃了哈哈哈", "0", "北京"),
             ("66c49d1c000000001f01a0b2", "第2条太真实了", "356", "云南"),
             ("668a3f67000000002503c1d8", "打卡第一天📖", "2", "湖北")]
    base = ms(utc(2026, 3, 2, 10, 0, 0))
    rows, expected = [], []
    for i, (note_id, text, likes, ip) in enumerate(specs):
        cid = f"67c4{i:04d}000000001b0{i:05d}a"[:24]
        created = ms(utc(2026, 1, 1 + i, 12, i, 0))
        data = {"id": cid, "note_id": note_id, "content": text, "create_time": created, "ip_location": ip,
                "like_count": likes, "liked": False, "sub_comment_count": "0", "sub_comments": [],
                "sub_comment_cursor": "", "sub_comment_has_more": False, "status": 0, "at_users": [],
                "pictures": [], "show_tags": [],
                "user_info": {"user_id": f"5f{i:022d}", "nickname": f"评论的人{i}",
                              "image": "https://sns-avatar-qc.xhscdn.com/avatar/x.jpg",
                              "xsec_token": "ABc" + str(i)}}
        rows.append(envelope(500 + i, data, platform="xiaohongshu-comments",
                             page_url=f"https://www.xiaohongshu.com/explore/{note_id}",
                             source_url="https://edith.xiaohongshu.com/api/sns/web/v2/comment/page?note_id=" + note_id,
                             collected=base + i * 1000, nav="3:13:0"))
        expected.append({"comment_id": cid, "post_id": note_id, "text": text})
    name = "zeeschuimer_xiaohongshu_comments.ndjson"
    write_ndjson(name, rows)
    write_manifest(name, "Zeeschuimer NDJSON export, source_platform xiaohongshu-comments",
                   ["zeeschuimer modules/rednote-comments.js", "zeeschuimer js/zs-background.js"], None,
                   contents_file="zeeschuimer_xiaohongshu.ndjson", comments=expected,
                   comment_count=len(expected))


def write_zeeschuimer_tiktok():
    """TikTok items as modules/tiktok.js keeps them; fields as 4CAT's search_tiktok.py reads them."""
    specs = [
        ("7459012345678901234", "Moving to RedNote 小红书 👋 #tiktokrefugee #xiaohongshu", utc(2025, 1, 14, 18, 0, 0),
         "refugee_rita", "Rita 🌈", 120345, 4567, 8901, ["tiktokrefugee", "xiaohongshu"], False),
        ("7460123456789012345", "找搭子 in English: 'study buddy' 📚 #studybuddy #languageexchange",
         utc(2025, 1, 20, 3, 30, 0), "linguist.lee", "Lee", 5600, 230, 45, ["studybuddy", "languageexchange"], True),
        ("7461234567890123456", "my gym buddy said 'one more set' 12 times 💀", utc(2025, 2, 2, 21, 15, 0),
         "gymrat_jo", "Jo", 98, 7, 0, [], False),
        ("7462345678901234567", "Travel buddy wanted for Yunnan 🏔️ #travelbuddy #yunnan #china",
         utc(2025, 3, 8, 9, 0, 0), "wander.wen", "Wen 文", 23456, 1200, 310, ["travelbuddy", "yunnan", "china"], False),
        ("7463456789012345678", "Cloud study with me 2h ⏰ #studywithme", utc(2025, 4, 1, 0, 0, 0),
         "pomodoro.pal", "Pal", 777, 33, 12, ["studywithme"], True),
    ]
    base = ms(utc(2026, 3, 4, 8, 0, 0))
    rows, expected = [], []
    for i, (vid, desc, created, handle, nick, digg, com, share, tags, as_string) in enumerate(specs):
        data = {
            "id": vid, "desc": desc, "createTime": str(sec(created)) if as_string else sec(created),
            "author": {"id": str(6_800_000_000_000_000_000 + i), "uniqueId": handle, "nickname": nick,
                       "secUid": "MS4wLjABAAAA" + handle.encode().hex()[:16], "verified": False},
            "authorStats": {"followerCount": 1000 * (i + 1), "followingCount": 50, "heartCount": digg * 3,
                            "videoCount": 20 + i},
            "stats": {"diggCount": digg, "commentCount": com, "shareCount": share, "playCount": digg * 11,
                      "collectCount": digg // 10},
            "textExtra": [{"awemeId": "", "start": desc.find("#" + t), "end": desc.find("#" + t) + len(t) + 1,
                           "hashtagName": t, "hashtagId": str(1_000 + j), "type": 1, "subType": 0,
                           "isCommerce": False, "userId": "", "userUniqueId": "", "secUid": ""}
                          for j, t in enumerate(tags)],
            "challenges": [{"id": str(1_000 + j), "title": t, "desc": ""} for j, t in enumerate(tags)],
            "duetInfo": {"duetFromId": "0"},
            "music": {"id": str(7_000_000_000 + i), "title": "original sound", "playUrl": "", "authorName": nick},
            "video": {"id": vid, "duration": 15, "cover": "", "downloadAddr": "", "shareCover": [""]},
            "stickersOnItem": [], "warnInfo": [], "locationCreated": "US",
        }
        rows.append(envelope(700 + i, data, platform="tiktok.com", page_url="https://www.tiktok.com/foryou",
                             source_url="https://www.tiktok.com/api/recommend/item_list/?aid=1988",
                             collected=base + i * 2500, nav="7:2:0"))
        expected.append(post(vid, desc, likes=digg, comments=com, approx=False, hashtags=tags, created=created))
    name = "zeeschuimer_tiktok.ndjson"
    write_ndjson(name, rows)
    write_manifest(name, "Zeeschuimer NDJSON export, source_platform tiktok.com",
                   ["zeeschuimer modules/tiktok.js", "4cat datasources/tiktok/search_tiktok.py map_tiktok_item"],
                   expected, notes="createTime is epoch seconds, in two items as a string.")


def write_control():
    """A MediaCrawler Xiaohongshu JSONL file as dazi read it before issue 15: checks the harness."""
    t1, t2, t3 = utc(2025, 4, 1, 1, 2, 3), utc(2025, 4, 2, 23, 0, 0), utc(2025, 12, 31, 23, 59, 59)
    rows = [
        {"note_id": "67eb3a1b000000001c00aa01", "type": "normal", "title": "饭搭子", "desc": "找饭搭子🍜 #饭搭子[话题]##上海美食[话题]# [笑哭R]",
         "video_url": "", "time": ms(t1), "last_update_time": ms(t1), "user_id": "5f0e1d2c3b4a596877665544",
         "nickname": "干饭人", "avatar": "", "liked_count": "1.2万", "collected_count": "35", "comment_count": "10",
         "share_count": "", "ip_location": "上海", "image_list": "", "tag_list": "饭搭子,上海美食",
         "last_modify_ts": ms(t1) + 86_400_000, "note_url": "https://www.xiaohongshu.com/explore/67eb3a1b000000001c00aa01",
         "source_keyword": "饭搭子", "xsec_token": "AB1"},
        {"note_id": "67ed1b2c000000000b00bb02", "type": "video", "title": "", "desc": "健身打卡 #健身搭子[话题]#",
         "video_url": "", "time": ms(t2), "last_update_time": ms(t2), "user_id": "5f0e1d2c3b4a596877665545",
         "nickname": "练", "avatar": "", "liked_count": "356", "collected_count": "3", "comment_count": "0",
         "share_count": "1", "ip_location": "北京", "image_list": "", "tag_list": "健身搭子",
         "last_modify_ts": ms(t2) + 86_400_000, "note_url": "https://www.xiaohongshu.com/explore/67ed1b2c000000000b00bb02",
         "source_keyword": "搭子", "xsec_token": "AB2"},
        {"note_id": "6774ff00000000000900cc03", "type": "normal", "title": "跨年", "desc": "和搭子跨年🎉",
         "video_url": "", "time": ms(t3), "last_update_time": ms(t3), "user_id": "5f0e1d2c3b4a596877665546",
         "nickname": "年", "avatar": "", "liked_count": "10万+", "collected_count": "1万", "comment_count": "2.3万",
         "share_count": "99", "ip_location": "广东", "image_list": "", "tag_list": "",
         "last_modify_ts": ms(t3) + 86_400_000, "note_url": "https://www.xiaohongshu.com/explore/6774ff00000000000900cc03",
         "source_keyword": "搭子", "xsec_token": "AB3"},
    ]
    name = "control_mediacrawler_xhs_search_contents.jsonl"
    write_ndjson(name, rows)
    write_manifest(name, "MediaCrawler Xiaohongshu notes (jsonl), a format dazi read before issue 15: a control "
                         "that checks the acceptance harness itself (it passes on main)",
                   ["MediaCrawler store/xhs, tools/async_file_writer.py"],
                   [post(rows[0]["note_id"], rows[0]["desc"], likes=12000, comments=10, approx=True,
                         hashtags=["饭搭子", "上海美食"], created=t1, platform="xiaohongshu"),
                    post(rows[1]["note_id"], rows[1]["desc"], likes=356, comments=0, approx=False,
                         hashtags=["健身搭子"], created=t2, platform="xiaohongshu"),
                    post(rows[2]["note_id"], rows[2]["desc"], likes=100000, comments=23000, approx=True,
                         hashtags=[], created=t3, platform="xiaohongshu")])


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    zx_rows, zd_rows, fourcat_xhs_csv, _ = write_4cat()
    ks_rows, _ = write_mediacrawler()
    canon = write_canonical()
    write_malformed(zx_rows, zd_rows, fourcat_xhs_csv, ks_rows, canon)
    write_control()
    write_zeeschuimer_xhs_comments()
    write_zeeschuimer_tiktok()
    write_readme()


if __name__ == "__main__":
    main()
