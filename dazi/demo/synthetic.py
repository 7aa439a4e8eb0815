"""Synthetic Xiaohongshu notes and comments, laid out exactly as MediaCrawler writes them.

Everything here is **invented by the dazi team**: no real user, note or comment.
Nicknames are assembled from word lists, user ids are hashes, avatars and images
live on ``example.com`` and the ``xsec_token`` in each URL is fake.  The records
imitate what MediaCrawler's ``jsonl`` store writes for Xiaohongshu (schema used
from 2024-12 to 2026-06, see ``store/xhs/__init__.py::update_xhs_note`` in
MediaCrawler) so that the loader, the demo project, the tests and the
benchmarks all read the same kind of file a researcher would bring:

- notes: :data:`XHS_NOTE_FIELDS`, in that order; times in epoch milliseconds,
  counts as the app's strings (``"3585"``, ``"1.3万"``, ``"10万+"``, ``"2.1w"``,
  ``"1.2k"``, ``"1千+"``, ``"10+"``, rarely ``""`` or ``"None"``); inline topics as
  ``#旅行搭子[话题]#``; stickers as ``[笑哭R]``; mentions as ``@昵称``;
- comments: :data:`XHS_COMMENT_FIELDS`; top-level comments carry
  ``parent_comment_id`` ``0`` (the integer MediaCrawler's
  ``target_comment.get("id", 0)`` writes), replies the parent's id.

Why synthetic data needs a *truth*
    Each note is written to express a known coding: companion type, interest
    category, channels, and so on (the variables of the 云搭子 study's codebook,
    :data:`CODEBOOK_VALUES`).  The truth is kept out of the record, which must
    look like MediaCrawler's, and is recovered with :func:`demo_truth` (one
    note) or :func:`demo_truths` (the shipped demo corpus).  The demo uses it to
    simulate coders who mostly agree, so reliability has something to show.

How the truth is recovered without a side file
    A note id is a MongoDB-style ObjectId like Xiaohongshu's own: 8 hex digits
    of the publish time in seconds, then 8 hex digits of the generator's seed,
    then 8 hex digits of the note's index.  The notes of each block of 100 are
    drawn from two ``random.Random`` seeded by (seed, block), one for content,
    one for counts (so editing phrases leaves the counts alone), so
    :func:`demo_truth` rebuilds a note from its id alone (replaying at most 99
    notes before it) and checks it against the id it was given.  Consequences
    worth knowing: ``generate_notes(10, s)`` gives the same first ten notes as
    ``generate_notes(1000, s)``, and blocks can be drawn in parallel
    (:func:`write_notes_jsonl`).

Distributions are loosely shaped after the study's published tables (more
engagement for travel posts, more successful matches for dining companions,
longer relationships for study companions) so that the demo's tables look like
the real ones; they are not data and support no finding.

Run ``python -m dazi.demo.synthetic`` from the repository root to rewrite the
shipped demo files in ``corpus/data/``.

Examples
--------
>>> note = next(generate_notes(1, seed=7))
>>> list(note)[:4]
['note_id', 'type', 'title', 'desc']
>>> len(note["note_id"]), note["note_id"][8:16]
(24, '00000007')
>>> truth = demo_truth(note)
>>> truth["note_id"] == note["note_id"], truth["status"]
(True, 'ok')
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import itertools
import json
import multiprocessing
import os
import random
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import NamedTuple

from dazi.errors import NotFound, ValidationError

__all__ = [
    "CODEBOOK_VALUES",
    "DEMO_COMMENTS_PATH",
    "DEMO_COMMENTS_PER_NOTE",
    "DEMO_NOTES_PATH",
    "DEMO_N_NOTES",
    "DEMO_SEED",
    "XHS_COMMENT_FIELDS",
    "XHS_NOTE_FIELDS",
    "NoteTruth",
    "demo_truth",
    "demo_truths",
    "generate_comments",
    "generate_notes",
    "generate_notes_with_truth",
    "write_demo_corpus",
    "write_jsonl",
    "write_notes_jsonl",
]

#: Keys of a MediaCrawler Xiaohongshu note (schema 2024-12 .. 2026-06), in file order.
XHS_NOTE_FIELDS: tuple[str, ...] = (
    "note_id", "type", "title", "desc", "video_url", "time", "last_update_time",
    "user_id", "nickname", "avatar", "liked_count", "collected_count", "comment_count",
    "share_count", "ip_location", "image_list", "tag_list", "last_modify_ts", "note_url",
    "source_keyword", "xsec_token",
)  # fmt: skip

#: Keys of a MediaCrawler Xiaohongshu comment, in file order.
XHS_COMMENT_FIELDS: tuple[str, ...] = (
    "comment_id", "create_time", "ip_location", "note_id", "content", "user_id", "nickname",
    "avatar", "sub_comment_count", "pictures", "parent_comment_id", "last_modify_ts",
    "like_count",
)  # fmt: skip

#: The codebook variables a note's truth codes, with their allowed values.
#: Multi-select variables are lists in the truth; ``relationship_duration`` is
#: months (a float) or ``None`` when the text states none.
CODEBOOK_VALUES: dict[str, tuple[str, ...]] = {
    "companion_type": ("activity", "emotional", "content", "study_work"),
    "interest_category": ("study", "fitness", "travel", "dining", "hobbies"),
    "communication_channel": (
        "private_message", "comments", "reposts", "video_call", "group_chat",
    ),
    "interaction_frequency": ("daily", "several_weekly", "weekly", "less_often", "not_stated"),
    "emotional_connection": ("functional", "companionate", "intimate", "fluctuating"),
    "self_presentation": (
        "interests", "schedule", "location", "boundaries", "personality", "appearance",
        "identity",
    ),
    "seeking_markers": (
        "explicit_seeking", "waiting_phrase", "availability", "boundaries", "same_city",
        "english_seeking",
    ),
    "match_outcome": ("success", "failure", "seeking", "unclear"),
    "repeat_companion": ("yes", "no", "not_stated"),
}  # fmt: skip

#: Seed, size and comment density of the shipped demo corpus.
DEMO_SEED = 2025  # chosen so that the 500 notes show every count style
DEMO_N_NOTES = 500
DEMO_COMMENTS_PER_NOTE = (0, 2)
_DATA_DIR = Path(__file__).resolve().parents[2] / "corpus" / "data"
DEMO_NOTES_PATH = _DATA_DIR / "demo_xhs_notes.jsonl"
DEMO_COMMENTS_PATH = _DATA_DIR / "demo_xhs_comments.jsonl"

_MAX_SEED = 2**32  # the seed fills 8 hex digits of the note id
_MAX_NOTES = 2**32  # so does the index
_BLOCK = 100  # one special note and one duplicate-keyword row per block of notes
# Special notes cycle through blocks: 500 notes hold 2 vanished notes and one of each
# hostile text (the demo needs them; a million-note benchmark gets them at the same rate).
_SPECIAL_CYCLE = ("deleted", "script", "unavailable", "formula", "markdown")
_UNAVAILABLE_TITLE = "当前笔记暂时无法浏览"

# Times (epoch seconds, China Standard Time boundaries).
_T_FIRST = 1735660800  # 2025-01-01 00:00 +08:00: earliest publish time
_T_LAST = 1782489600  # 2026-06-27 00:00 +08:00: publish times end before the crawl
_T_REFUGEE = (1736697600, 1740758400)  # 2025-01-13 .. 2025-03-01: the RedNote wave
_CRAWL_START_MS = 1782561600_000  # 2026-06-27 20:00 +08:00
_CRAWL_STEP_MS = 150  # the crawler writes about one note per 150 ms
_HEX = frozenset("0123456789abcdef")


# --------------------------------------------------------------------------- truth


@dataclass(frozen=True)
class NoteTruth:
    """What a synthetic note was written to express (never part of the record).

    ``status`` is ``ok`` for a normal note, ``deleted`` or ``unavailable`` for an
    empty shell; the codebook fields of a shell are ``None`` / empty.  The
    remaining fields describe the record rather than the coding: ``post_kind``
    (``seeking`` or ``experience``), ``lang`` (``zh``, ``en`` or ``mixed``),
    ``companion_kind`` (``饭搭子`` ...), the nicknames ``mentions``-ed with ``@``,
    ``hostile`` (``script``, ``formula``, ``markdown`` or ``None``) and every
    ``source_keywords`` the note is exported under (two for a duplicate).
    """

    note_id: str
    status: str
    post_kind: str | None
    lang: str | None
    companion_kind: str | None
    companion_type: str | None
    interest_category: str | None
    communication_channel: tuple[str, ...]
    interaction_frequency: str | None
    emotional_connection: str | None
    self_presentation: tuple[str, ...]
    seeking_markers: tuple[str, ...]
    match_outcome: str | None
    relationship_duration: float | None
    repeat_companion: str | None
    mentions: tuple[str, ...]
    hostile: str | None
    source_keywords: tuple[str, ...]

    def as_dict(self) -> dict:
        """The truth as a plain dict (tuples become lists), fit for JSON."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


# --------------------------------------------------------------------------- tables


class _Weighted:
    """A fixed weighted choice, drawn with one ``rng.random()`` and a bisect."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.values = tuple(v for v, _ in pairs)
        self.total = sum(w for _, w in pairs)
        self.cum = [c / self.total for c in itertools.accumulate(w for _, w in pairs)]
        self.cum[-1] = 1.0  # random() < 1.0, so the last value is always reachable, never passed

    def pick(self, rng: random.Random):
        return self.values[bisect(self.cum, rng.random())]


@dataclass(frozen=True)
class _Kind:
    name: str  # 饭搭子
    category: str
    act: str  # what the companions do together
    res: str  # what they share
    prog: str  # what they keep each other on track with
    en: str  # English name
    en_act: str
    emoji: tuple[str, ...]


_KINDS: dict[str, list[tuple[_Kind, float]]] = {
    "study": [
        (_Kind("学习搭子", "study", "去图书馆自习", "学习资料和笔记", "学习进度",
               "study buddy", "study together", ("📚", "👩‍💻", "✍️")), 3.0),
        (_Kind("考研搭子", "study", "备考刷题", "真题和复习资料", "复习进度",
               "exam prep buddy", "prep for exams", ("📖", "🧑‍💻", "💯")), 1.5),
        (_Kind("自习搭子", "study", "上自习", "自习室和学习方法", "学习时长",
               "study buddy", "study at the library", ("📚", "⏰")), 1.0),
        (_Kind("读书搭子", "study", "读书", "书单和读书笔记", "阅读进度",
               "reading buddy", "read and talk about books", ("📖", "☕️")), 1.5),
        (_Kind("背单词搭子", "study", "背单词", "单词书和记忆方法", "背单词打卡",
               "vocab buddy", "learn new words", ("🔤", "✍️")), 0.7),
    ],
    "fitness": [
        (_Kind("健身搭子", "fitness", "去健身房撸铁", "训练计划和减脂餐", "训练打卡",
               "gym buddy", "hit the gym", ("🏋️‍♀️", "💪🏻", "🏋️‍♂️")), 3.0),
        (_Kind("跑步搭子", "fitness", "夜跑", "跑步路线和装备", "跑量打卡",
               "running buddy", "go running", ("🏃‍♀️", "🏃‍♂️", "👟")), 1.5),
        (_Kind("飞盘搭子", "fitness", "打飞盘", "飞盘局和场地信息", "练习进度",
               "frisbee buddy", "play frisbee", ("🥏", "☀️")), 1.5),
        (_Kind("羽毛球搭子", "fitness", "打羽毛球", "球馆信息和教学课程", "练球打卡",
               "badminton buddy", "play badminton", ("🏸",)), 1.0),
        (_Kind("瑜伽搭子", "fitness", "练瑜伽", "跟练课程", "跟练打卡",
               "yoga buddy", "do yoga", ("🧘‍♀️", "🧘")), 0.8),
    ],
    "travel": [
        (_Kind("旅行搭子", "travel", "旅行", "旅行攻略和小众景点", "攒钱和做攻略",
               "travel buddy", "travel", ("✈️", "🗺️", "🏔️")), 3.0),
        (_Kind("citywalk搭子", "travel", "citywalk", "citywalk路线", "路线打卡",
               "citywalk buddy", "explore the city on foot", ("🚶‍♀️", "📸")), 1.5),
        (_Kind("露营搭子", "travel", "露营", "露营地和装备清单", "装备清单",
               "camping buddy", "go camping", ("🏕️", "⛺️")), 0.8),
        (_Kind("周末出游搭子", "travel", "周末短途出游", "周边游攻略", "出游计划",
               "weekend trip buddy", "take weekend trips", ("🚄", "🌄")), 1.0),
    ],
    "dining": [
        (_Kind("饭搭子", "dining", "吃饭", "探店清单和优惠券", "饮食计划",
               "food buddy", "grab food", ("🍜", "🍚", "👨‍🍳")), 4.0),
        (_Kind("探店搭子", "dining", "探店", "探店清单", "探店计划",
               "foodie buddy", "try new restaurants", ("🍰", "🍜")), 1.5),
        (_Kind("火锅搭子", "dining", "吃火锅", "火锅店清单", "探店计划",
               "hotpot buddy", "eat hotpot", ("🍲", "🌶️")), 1.0),
        (_Kind("咖啡搭子", "dining", "喝咖啡", "咖啡店地图", "探店计划",
               "coffee buddy", "hunt for good coffee", ("☕️", "🥐")), 1.0),
        (_Kind("午饭搭子", "dining", "吃午饭", "公司附近的好店", "饮食计划",
               "lunch buddy", "grab lunch", ("🍱", "🥢")), 1.0),
    ],
    "hobbies": [
        (_Kind("游戏搭子", "hobbies", "开黑", "游戏攻略", "上分进度",
               "gaming buddy", "play games", ("🎮", "🕹️")), 3.0),
        (_Kind("午睡搭子", "hobbies", "午睡打卡", "助眠白噪音", "午睡打卡",
               "nap buddy", "take naps at the same time", ("😴", "💤")), 1.5),
        (_Kind("看展搭子", "hobbies", "看展", "展览信息", "看展计划",
               "museum buddy", "go to exhibitions", ("🎨", "🖼️")), 1.2),
        (_Kind("手工搭子", "hobbies", "做手工", "手工教程和材料", "作品进度",
               "crafting buddy", "make crafts", ("🧶", "✂️")), 1.0),
        (_Kind("追剧搭子", "hobbies", "追剧", "剧单", "追剧进度",
               "drama buddy", "binge dramas", ("🎬", "🍿")), 1.2),
    ],
}  # fmt: skip
_KIND_PICK = {cat: _Weighted(pairs) for cat, pairs in _KINDS.items()}

_EN_RES = {
    "study": "study notes and resources",
    "fitness": "workout plans and recipes",
    "travel": "travel guides and hidden spots",
    "dining": "restaurant lists",
    "hobbies": "tutorials and recommendations",
}

_LANG = _Weighted([("zh", 0.78), ("mixed", 0.12), ("en", 0.10)])
_POST_KIND = _Weighted([("seeking", 0.5), ("experience", 0.5)])
_CATEGORY = _Weighted(
    [("study", 0.24), ("fitness", 0.22), ("travel", 0.18), ("dining", 0.22), ("hobbies", 0.14)]
)
_CTYPE = {
    "study": _Weighted([("activity", .15), ("emotional", .10), ("content", .15), ("study_work", .60)]),
    "fitness": _Weighted([("activity", .55), ("emotional", .15), ("content", .15), ("study_work", .15)]),
    "travel": _Weighted([("activity", .60), ("emotional", .10), ("content", .30)]),
    "dining": _Weighted([("activity", .70), ("emotional", .20), ("content", .10)]),
    "hobbies": _Weighted([("activity", .45), ("emotional", .30), ("content", .20), ("study_work", .05)]),
}  # fmt: skip
# Probability of each channel being mentioned, by companion type (study Table 2 shape).
_CHANNEL_P = {
    "activity": (0.80, 0.50, 0.05, 0.05, 0.25),
    "emotional": (0.85, 0.20, 0.05, 0.25, 0.10),
    "content": (0.30, 0.75, 0.60, 0.05, 0.20),
    "study_work": (0.60, 0.20, 0.05, 0.75, 0.25),
}
_CHANNELS = CODEBOOK_VALUES["communication_channel"]
_FREQ = {
    "activity": _Weighted([("daily", .10), ("several_weekly", .45), ("weekly", .25), ("less_often", .10), ("not_stated", .10)]),
    "emotional": _Weighted([("daily", .40), ("several_weekly", .20), ("weekly", .20), ("less_often", .05), ("not_stated", .15)]),
    "content": _Weighted([("daily", .15), ("several_weekly", .45), ("weekly", .15), ("less_often", .10), ("not_stated", .15)]),
    "study_work": _Weighted([("daily", .65), ("several_weekly", .15), ("weekly", .05), ("not_stated", .15)]),
}  # fmt: skip
_CONNECTION = {
    "activity": _Weighted([("functional", .45), ("companionate", .30), ("intimate", .10), ("fluctuating", .15)]),
    "emotional": _Weighted([("functional", .05), ("companionate", .40), ("intimate", .35), ("fluctuating", .20)]),
    "content": _Weighted([("functional", .40), ("companionate", .35), ("intimate", .10), ("fluctuating", .15)]),
    "study_work": _Weighted([("functional", .30), ("companionate", .40), ("intimate", .15), ("fluctuating", .15)]),
}  # fmt: skip
_SELF_ORDER = CODEBOOK_VALUES["self_presentation"]
_SELF_P = {
    "seeking": (0.35, 0.50, 0.45, 0.30, 0.35, 0.10, 0.45),
    "experience": (0.15, 0.10, 0.15, 0.10, 0.30, 0.03, 0.30),
}
# Experience posts: P(success), P(unclear); failure takes the rest (study Table 4 shape).
_OUTCOME_P = {
    "study": (0.60, 0.15), "fitness": (0.55, 0.15), "travel": (0.45, 0.15),
    "dining": (0.70, 0.12), "hobbies": (0.42, 0.18),
}  # fmt: skip
_DURATION_MEAN = {"study": 4.2, "fitness": 3.8, "travel": 2.1, "dining": 1.3, "hobbies": 3.5}
_REPEAT_P = {"study": 0.35, "fitness": 0.42, "travel": 0.18, "dining": 0.25, "hobbies": 0.31}
_LIKE_MEDIAN = {"study": 85, "fitness": 78, "travel": 108, "dining": 70, "hobbies": 50}

# Durations a post states, in months, with their Chinese and English wording.
_DURATIONS: dict[float, tuple[tuple[str, ...], tuple[str, ...]]] = {
    0.5: (("半个月", "两周"), ("two weeks",)),
    1.0: (("一个月", "1个月"), ("a month",)),
    1.5: (("一个半月",), ("six weeks",)),
    2.0: (("两个月", "2个月"), ("two months", "2 months")),
    3.0: (("三个月", "3个月"), ("three months", "3 months")),
    4.0: (("四个月", "4个月"), ("four months", "4 months")),
    5.0: (("五个月", "5个月"), ("five months",)),
    6.0: (("半年", "六个月"), ("half a year", "6 months")),
    8.0: (("八个月", "8个月"), ("eight months",)),
    10.0: (("十个月",), ("ten months",)),
    12.0: (("一年", "整整一年"), ("a year", "a whole year")),
    18.0: (("一年半",), ("a year and a half",)),
    24.0: (("两年",), ("two years",)),
}
_DURATION_KEYS = tuple(_DURATIONS)
_DURATION_CUTS = tuple((a + b) / 2 for a, b in itertools.pairwise(_DURATION_KEYS))

_KEYWORDS = ("找搭子", "云搭子", "饭搭子", "旅行搭子", "学习搭子", "健身搭子", "游戏搭子", "搭子")

# Provinces (IP属地) with weights and the cities/districts people name in posts.
_PROVINCES: list[tuple[str, float, tuple[tuple[str, tuple[str, ...]], ...]]] = [
    ("上海", 14, (("上海", ("徐汇", "静安", "浦东", "杨浦")),)),
    ("北京", 12, (("北京", ("朝阳", "海淀", "东城")),)),
    ("广东", 13, (("广州", ("天河", "海珠")), ("深圳", ("南山", "福田")))),
    ("四川", 8, (("成都", ("高新", "锦江", "武侯")),)),
    ("浙江", 8, (("杭州", ("西湖", "滨江")), ("宁波", ("鄞州",)))),
    ("江苏", 8, (("南京", ("鼓楼", "仙林")), ("苏州", ("工业园区",)))),
    ("湖北", 5, (("武汉", ("洪山", "武昌")),)),
    ("陕西", 4, (("西安", ("雁塔", "碑林")),)),
    ("重庆", 5, (("重庆", ("渝中", "江北")),)),
    ("福建", 4, (("厦门", ("思明",)), ("福州", ("鼓楼",)))),
    ("山东", 4, (("青岛", ("市南",)), ("济南", ("历下",)))),
    ("湖南", 4, (("长沙", ("岳麓", "天心")),)),
    ("天津", 3, (("天津", ("南开",)),)),
    ("云南", 2, (("昆明", ("五华",)),)),
    ("河南", 3, (("郑州", ("金水",)),)),
    ("辽宁", 2, (("沈阳", ("和平",)),)),
]
_OVERSEAS_ZH = ("美国", "英国", "日本", "澳大利亚", "新加坡", "加拿大")
_CITY_EN = {"上海": "Shanghai", "北京": "Beijing", "广州": "Guangzhou", "深圳": "Shenzhen",
            "成都": "Chengdu", "杭州": "Hangzhou"}  # fmt: skip
# English-writing users: where they post from (IP属地) and the cities they name.
_EN_PLACES = (
    ("美国", "New York"), ("美国", "Los Angeles"), ("美国", "Chicago"), ("美国", "Houston"),
    ("美国", "Seattle"), ("美国", "Columbus"), ("美国", "Atlanta"), ("美国", "Phoenix"),
    ("英国", "London"), ("加拿大", "Toronto"), ("澳大利亚", "Sydney"),
    ("上海", "Shanghai"), ("北京", "Beijing"), ("广东", "Shenzhen"), ("四川", "Chengdu"),
)  # fmt: skip
_US_STATES = ("Ohio", "Texas", "California", "Florida", "Michigan", "Georgia", "Oregon",
              "Arizona", "New Jersey", "Minnesota")  # fmt: skip


def _lookup_256(pairs: Sequence[tuple[object, float]]) -> tuple:
    """A 256-entry table so that one hash byte picks a value with these weights."""
    total = sum(w for _, w in pairs)
    table: list[object] = []
    acc = 0.0
    for value, w in pairs:
        acc += w
        while len(table) < round(256 * acc / total):
            table.append(value)
    return tuple(table)


_PROVINCE_BY_BYTE = _lookup_256([(p, w) for p, w, _ in _PROVINCES])
_CITIES = {p: cities for p, _, cities in _PROVINCES}

# Nickname parts: invented, so no nickname belongs to anyone in particular.
_NICK_ADJ = ("迷路的", "会飞的", "早睡的", "努力的", "发呆的", "摸鱼的", "爱笑的", "认真的",
             "熬夜的", "晒太阳的", "慢吞吞的", "不想上班的")  # fmt: skip
_NICK_NOUN = ("小鹿", "土豆", "兔兔", "猫猫", "小熊", "企鹅", "海豹", "柴犬", "鲸鱼", "橙子",
              "蘑菇", "小鱼")  # fmt: skip
_NICK_FOOD = ("香菜", "芋圆", "火锅", "草莓", "奶黄包", "西瓜", "螺蛳粉", "烤红薯", "抹茶",
              "麻辣烫", "葱油饼", "酸奶")  # fmt: skip
_NICK_VERB = ("爱吃", "不吃", "想吃", "今天也要吃", "偷吃", "只吃")
_NICK_NAME = ("阿楠", "小满", "糯米", "可乐", "一一", "木木", "七七", "初夏", "南风", "阿柚",
              "十三", "豆豆")  # fmt: skip
_NICK_LATIN = ("momo", "luna", "kiki", "yuki", "coco", "lulu", "mia", "ray")
_EN_FIRST = ("Jess", "Mike", "Ava", "Noah", "Maya", "Leo", "Emma", "Sam", "Chloe", "Eli",
             "Zoe", "Ben", "Nina", "Owen")  # fmt: skip

# --------------------------------------------------------------------------- phrases
# Every phrase is written so that it shows exactly one coded value: no channel word in
# a frequency phrase, no frequency word in a channel phrase, "蹲" only for waiting,
# "找"/"招募"/"求" only for explicit seeking, "视频"/"连麦" only for video calls.

_ZH_SEEK_EXPLICIT = ("想找一个{kind}", "找{kind}！", "招募{kind}", "求一个靠谱的{kind}")
_ZH_SEEK_WAITING = ("蹲一个{kind}", "蹲蹲{kind}～", "有没有人一起{act}呀，蹲")
_ZH_SEEK_BOTH = ("蹲一个{kind}，真心找！", "在线蹲{kind}，求带")
_EN_SEEK = ("Looking for a {en}!", "Anyone want to be my {en}?", "{En} wanted (seeking companion)",
            "(seeking companion) Looking for a {en} to {en_act} with")  # fmt: skip
_MIXED_SEEK = ("(seeking companion)", "Looking for a {en}!")

_ZH_TYPE = {
    ("activity", "seeking"): ("想线下一起{act}，提前约好时间地点就行", "主要是线下{act}，一个人去没意思",
                              "一起{act}，AA制，时间地点都可以商量"),
    ("activity", "experience"): ("我们基本都是线下一起{act}，提前约好时间地点",
                                 "每次约好就出门{act}，费用AA"),
    ("emotional", "seeking"): ("除了{act}，更想要个能聊聊天、互相倾诉的人",
                               "想要一个可以分享日常、互相打气的人"),
    ("emotional", "experience"): ("{act}之外我们也会分享日常、吐槽烦心事",
                                  "难过的时候会跟ta倾诉，ta总能接住我的情绪"),
    ("content", "seeking"): ("想和人互相分享{res}", "希望能互相安利{res}，信息共享"),
    ("content", "experience"): ("我们主要是互相分享{res}", "看到好的{res}就第一时间发给对方"),
    ("study_work", "seeking"): ("想互相监督{prog}，一起定目标", "一起同步{prog}，谁偷懒谁发红包"),
    ("study_work", "experience"): ("我们互相汇报{prog}，互相监督", "一起定目标、盯{prog}，效率高了很多"),
}  # fmt: skip
_EN_TYPE = {
    ("activity", "seeking"): ("Want to {en_act} together IRL, we can plan the time and place",),
    ("activity", "experience"): ("We meet up to {en_act}, plan it ahead and split the bill",),
    ("emotional", "seeking"): ("Also hoping for someone to chat with and share daily life",),
    ("emotional", "experience"): ("Besides that we share our days and vent to each other",),
    ("content", "seeking"): ("Would love to swap {en_res}",),
    ("content", "experience"): ("Mostly we swap {en_res}",),
    ("study_work", "seeking"): ("Let's keep each other accountable and share progress",),
    ("study_work", "experience"): ("We report our progress and keep each other accountable",),
}

_ZH_FREQ = {
    "daily": ("每天", "天天", "每天早上"),
    "several_weekly": ("一周三四次", "一周两三次", "一周四五次"),
    "weekly": ("每周一次", "一周一次", "每个周末"),
    "less_often": ("一个月一两次", "偶尔", "一个月一次左右"),
}
_EN_FREQ = {
    "daily": ("every day",),
    "several_weekly": ("3-4 times a week", "a few times a week"),
    "weekly": ("once a week", "every weekend"),
    "less_often": ("once or twice a month",),
}
_ZH_FREQ_CLAUSE = {
    "seeking": ("希望能{f}一起{act}", "{f}一起{act}就好"),
    "experience": ("我们{f}一起{act}", "现在基本{f}一起{act}"),
    "failure": ("那时候{f}一起{act}",),
}
_EN_FREQ_CLAUSE = {
    "seeking": ("Ideally we'd {en_act} {f}",),
    "experience": ("We {en_act} {f}",),
    "failure": ("Back then we'd {en_act} {f}",),
}

_ZH_CHANNEL = {
    ("private_message", "seeking"): ("可以直接私信我", "感兴趣的私信～"),
    ("private_message", "experience"): ("平时都是私信聊", "有事就私信"),
    ("comments", "seeking"): ("评论区扣1", "评论区留言我来找你"),
    ("comments", "experience"): ("会在彼此笔记的评论区打卡", "会在评论区互相留言"),
    ("reposts", "seeking"): ("可以互相转发笔记", "互相转发打卡笔记"),
    ("reposts", "experience"): ("经常互相转发笔记", "看到好笔记就转给对方"),
    ("video_call", "seeking"): ("可以开视频连麦", "腾讯会议开摄像头一起"),
    ("video_call", "experience"): ("经常开视频连麦", "会视频通话一起"),
    ("group_chat", "seeking"): ("人多的话拉个群", "准备建个群"),
    ("group_chat", "experience"): ("还拉了个小群", "我们有个小群"),
}
_EN_CHANNEL = {
    ("private_message", "seeking"): ("DM me",),
    ("private_message", "experience"): ("We DM each other",),
    ("comments", "seeking"): ("Drop a comment below",),
    ("comments", "experience"): ("We leave comments on each other's notes",),
    ("reposts", "seeking"): ("We can repost each other's notes",),
    ("reposts", "experience"): ("We repost each other's notes",),
    ("video_call", "seeking"): ("Happy to video call",),
    ("video_call", "experience"): ("We video call",),
    ("group_chat", "seeking"): ("I'll start a group chat",),
    ("group_chat", "experience"): ("We have a little group chat",),
}

_ZH_SELF = {
    "interests": ("平时喜欢拍照、听播客", "爱看悬疑剧和综艺", "喜欢猫、咖啡和胶片相机",
                  "周末爱逛菜市场和花市", "喜欢徒步和露营"),
    "schedule": ("工作日晚上8点后有空", "周末全天都有空", "上午一般都有空", "晚上7点以后都行"),
    "location": ("坐标{city}", "base{city}", "人在{city}{district}"),
    "same_city": ("只要{city}同城的", "最好是{city}同城，方便线下", "{city}的朋友看过来"),
    "boundaries": ("不聊天只打卡", "不借钱、不谈恋爱、不打听隐私", "只做搭子不处对象", "到点就散，不强行社交"),
    "personality": ("i人，慢热但熟了话很多", "e人一枚，很能聊", "性格随和，情绪稳定", "INFP，有点社恐但很靠谱",
                    "守时，不鸽人"),
    "appearance": ("165，短发，戴眼镜", "长相普通但很爱笑", "172，微胖，穿搭偏休闲", "黑长直，常穿卫衣"),
    "identity": ("大三学生", "互联网打工人", "考研二战人", "刚毕业的社畜", "在读研究生", "自由职业",
                 "小学老师", "留学生，暑假在国内"),
}  # fmt: skip
_ZH_SELF_LABEL = {"schedule": "⏰时间：", "location": "📍", "same_city": "📍", "boundaries": "🚫要求：",
                  "personality": "🙋‍♀️性格：", "identity": "👤", "interests": "💡爱好：",
                  "appearance": "🪞"}  # fmt: skip
_EN_SELF = {
    "interests": ("I love hiking and bubble tea", "Big fan of cats and film cameras"),
    "schedule": ("I'm free on weekday evenings after 7pm", "Weekends work best for me"),
    "location": ("Based in {city}", "Living in {city}"),
    "same_city": ("Hoping to find someone local in {city}", "{city} people only, so we can meet up"),
    "boundaries": ("No pressure to chat, just check in", "Strictly platonic please"),
    "personality": ("Introvert but friendly once we click", "Chatty extrovert here"),
    "appearance": ("5'6\", curly hair, always in a hoodie",),
    "identity": ("I'm a college student from {state}", "Nurse from {state}", "Software engineer from {state}"),
}  # fmt: skip

_ZH_CONNECTION = {
    ("functional", "seeking"): ("只做{kind}，不发展别的关系～", "纯搭子，{act}完各回各家"),
    ("companionate", "seeking"): ("希望能长期稳定地搭下去", "想要个能一直搭的，不要三分钟热度"),
    ("intimate", "seeking"): ("如果聊得来，希望能成为真朋友", "希望能从搭子变成无话不谈的朋友"),
    ("functional", "experience"): ("我们就是纯搭子关系，{act}完就散，不聊私事", "边界感很舒服，除了{act}不聊别的"),
    ("companionate", "experience"): ("相处得很稳定，像老朋友一样舒服", "彼此陪伴，不远不近刚刚好"),
    ("intimate", "experience"): ("越来越像无话不谈的好朋友，心事也会跟ta说", "从搭子处成了真朋友，上周还一起过了生日"),
    ("fluctuating", "experience"): ("关系时好时坏，有时候很热络，有时候好久不说话", "忽冷忽热的，有点摸不准ta"),
}  # fmt: skip
_EN_CONNECTION = {
    ("functional", "seeking"): ("Just a {en}, nothing more",),
    ("companionate", "seeking"): ("Hoping for something steady and long-term",),
    ("intimate", "seeking"): ("Would love it if we became real friends",),
    ("functional", "experience"): ("We keep it simple: {en_act}, then go home",),
    ("companionate", "experience"): ("It's steady and comfortable, like old friends",),
    ("intimate", "experience"): ("We've become close friends who tell each other everything",),
    ("fluctuating", "experience"): (
        "It's on and off, sometimes close, sometimes silent for weeks",
    ),
}

_ZH_OUTCOME = {
    ("success", True): ("和{kind}认识{dur}了", "遇到{kind}已经{dur}啦", "和我的{kind}已经搭了{dur}"),
    ("success", False): ("终于遇到合拍的{kind}了",),
    ("failure", True): ("和{kind}搭了{dur}，最后还是散了", "和{kind}坚持了{dur}，后来慢慢就不联系了"),
    ("failure", False): ("和{kind}没搭多久就散了",),
    ("unclear", True): ("和{kind}认识{dur}了，说不上好也说不上坏", "和{kind}搭了{dur}，也不知道算不算成功"),
    ("unclear", False): ("聊聊{kind}这件事", "最近在想搭子关系到底算什么"),
}  # fmt: skip
_ZH_OUTCOME_END = {
    "success": ("希望能一直搭下去🥹", "真的很幸运", "谢谢小红书让我们遇见"),
    "failure": ("有点可惜，但也学到了很多", "缘分尽了就这样吧"),
    "unclear": ("大家的搭子关系都是怎样的？", "走一步看一步吧"),
}
_EN_OUTCOME = {
    ("success", True): ("My {en} and I have been meeting for {dur} now",),
    ("success", False): ("Finally found a {en} I click with",),
    ("failure", True): ("My {en} and I lasted {dur} before drifting apart",),
    ("failure", False): ("My {en} thing didn't work out",),
    ("unclear", True): ("It's been {dur} with my {en}, not sure where it's going",),
    ("unclear", False): ("Some thoughts on having a {en}",),
}
_ZH_REPEAT = {
    ("yes", "experience"): ("这已经是我的第二个{kind}了", "之前也有过{kind}，这个最合拍"),
    ("no", "experience"): ("这是我的第一个搭子", "这是我的第一个{kind}"),
    ("yes", "seeking"): ("之前的{kind}搬走了，这是第二次发帖",),
    ("no", "seeking"): ("之前没有过搭子，有点紧张",),
}
_EN_REPEAT = {
    ("yes", "experience"): ("This is my second {en} btw",),
    ("no", "experience"): ("First time doing this!",),
    ("yes", "seeking"): ("My last {en} moved away, so here I am again",),
    ("no", "seeking"): ("First time doing this!",),
}

_ZH_GREETING = ("哈喽～", "姐妹们！", "家人们", "", "", "")
_EN_GREETING = ("Hi from {state} 👋 TikTok refugee here!", "Hello RedNote! 👋", "Hi everyone!",
                "New here from {state} 🇺🇸")  # fmt: skip
_MIXED_BITS = ("TikTok refugee here 👋", "English is fine too", "sorry for my bad Chinese lol",
               "Hello from {state}!")  # fmt: skip
_CLOSERS = {
    (False, True): ("冲冲冲", "等你来～", "🙋‍♀️", "靠谱的来", ""),  # (english, seeking)
    (False, False): ("记录一下", "共勉", "🫶🏻", ""),
    (True, True): ("Let's do this!", "Thanks for reading 🫶🏻", ""),
    (True, False): ("Thanks for reading 🫶🏻", ""),
}

_STICKERS = ("[笑哭R]", "[doge]", "[哭惹R]", "[偷笑R]", "[派对R]", "[赞R]", "[萌萌哒R]", "[害羞R]",
             "[哇R]", "[暗中观察R]", "[叹气R]", "[得意R]")  # fmt: skip
_EMOJI = ("😂", "✨", "🥹", "🙏🏻", "🫶🏻", "❤️", "🌟", "💪🏻", "🙋‍♀️", "🙋‍♂️", "👀", "🤝", "🎉",
          "😭", "🥰", "👋", "🧑‍🤝‍🧑", "👩‍💻")  # fmt: skip
_ZH_ENDS = ("，", "，", "。", "！", "～", "\n", " ")
_EN_ENDS = (". ", ". ", "! ", "\n")
_SOFT_ZH = ("\n", " ", "")
_SOFT_EN = ("\n", " ")

# Hostile-but-realistic pastes: the app must show them literally, exports must defuse them.
_HOSTILE = {
    ("script", False): "顺便问下这段代码为啥会弹窗<script>alert(1)</script>[笑哭R]",
    ("script", True): "btw why does this pop up <script>alert(1)</script> lol",
    ("formula", False): '=HYPERLINK("http://example.com/dazi","点这里看详情")',
    ("formula", True): '=HYPERLINK("http://example.com/dazi","details here")',
    ("markdown", False): "**必看** 报名前先看[置顶笔记](http://example.com)",
    ("markdown", True): "**Read first** see the [pinned note](http://example.com)",
}


class _Keep(dict):
    """Format slots a kind knows; leave the per-note ones (``{city}``...) in place."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _prefill(bank, slots: _Keep):
    if isinstance(bank, dict):
        return {key: _prefill(value, slots) for key, value in bank.items()}
    return tuple(text.format_map(slots) for text in bank)


# Banks that name the companion kind, filled in once per kind at import, so that a note
# only formats the slots that vary per note (city, district, state, duration, frequency).
_KIND_BANKS = {
    "zh_seek_explicit": _ZH_SEEK_EXPLICIT, "zh_seek_waiting": _ZH_SEEK_WAITING,
    "zh_seek_both": _ZH_SEEK_BOTH, "en_seek": _EN_SEEK, "mixed_seek": _MIXED_SEEK,
    "zh_type": _ZH_TYPE, "en_type": _EN_TYPE, "zh_freq": _ZH_FREQ_CLAUSE, "en_freq": _EN_FREQ_CLAUSE,
    "zh_connection": _ZH_CONNECTION, "en_connection": _EN_CONNECTION,
    "zh_outcome": _ZH_OUTCOME, "en_outcome": _EN_OUTCOME, "zh_repeat": _ZH_REPEAT,
    "en_repeat": _EN_REPEAT,
}  # fmt: skip


def _kind_text(kind: _Kind) -> dict:
    slots = _Keep(
        kind=kind.name, act=kind.act, res=kind.res, prog=kind.prog, en=kind.en,
        En=kind.en[:1].upper() + kind.en[1:], en_act=kind.en_act, en_res=_EN_RES[kind.category],
    )  # fmt: skip
    return {name: _prefill(bank, slots) for name, bank in _KIND_BANKS.items()}


_TEXT = {kind.name: _kind_text(kind) for pairs in _KINDS.values() for kind, _ in pairs}

# Comments.
_CMT_SEEKING = ("滴滴", "蹲", "我我我🙋‍♀️", "还缺人吗", "同城可以吗？", "私信你啦", "求带[哭惹R]",
                "我也想找{kind}", "已关注，可以互相监督吗", "[doge]同求", "我可以！周末都有空", "扣1",
                "1", "是我想要的{kind}了")  # fmt: skip
_CMT_EXPERIENCE = ("好羡慕[哭惹R]", "太真实了", "我的{kind}已经失联了[笑哭R]", "看哭了", "同款{kind}",
                   "请问怎么找到的呀", "这种关系好舒服", "搭子文化yyds", "收藏了慢慢看")  # fmt: skip
_CMT_EN = ("Count me in! 🙋‍♀️", "Same here, TikTok refugee 👋", "Is this still open?", "Love this!",
           "How did you two find each other?", "我也想学中文 lol")  # fmt: skip
_CMT_AUTHOR_ZH = (
    "已私信～",
    "可以的，私信你了",
    "哈哈哈谢谢",
    "还缺的！",
    "是在评论区认识的[偷笑R]",
)
_CMT_AUTHOR_EN = ("Sent you a DM!", "Thank you!!", "Yes, still looking!")
_CMT_REPLY = ("+1", "同问", "哈哈哈哈", "真的", "我也是[笑哭R]", "一起一起")


# --------------------------------------------------------------------------- helpers


def _choice(rng: random.Random, seq: Sequence):
    """``rng.choice`` without its rejection sampling (about 5x faster; the bias
    of flooring a 53-bit float is far below anything a corpus can show)."""
    return seq[int(rng.random() * len(seq))]


def _below(rng: random.Random, n: int) -> int:
    """A whole number in ``[0, n)``, the fast way (see :func:`_choice`)."""
    return int(rng.random() * n)


def _shuffle(rng: random.Random, items: list) -> None:
    """Fisher-Yates in place, drawing like :func:`_below`."""
    for i in range(len(items) - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        items[i], items[j] = items[j], items[i]


_blake2b = hashlib.blake2b


def _hash(*parts: object) -> bytes:
    """32 stable bytes for a tuple of values (blake2b; no Python ``hash()``)."""
    return _blake2b(":".join(map(str, parts)).encode(), digest_size=32).digest()


class _User(NamedTuple):
    user_id: str
    nickname: str
    avatar: str
    ip_location: str
    city: str  # as the user names it in a post
    district: str
    state: str  # US state an English-writing user says they come from


def _user(seed: int, group: str, u: int) -> _User:
    """A synthetic account: the same (seed, group, u) always gives the same user."""
    return _user_from_bytes(
        _blake2b(f"dazi-user:{seed}:{group}:{u}".encode(), digest_size=20).digest(), group
    )


def _user_from_bytes(b: bytes, group: str) -> _User:
    """An account drawn from 20 random bytes (``group`` "en" writes English)."""
    created = 1451606400 + int.from_bytes(b[0:4]) % 300_000_000  # 2016 .. 2025
    user_id = f"{created:08x}00000000{b[4:8].hex()}"
    state = _US_STATES[b[9] % len(_US_STATES)]
    if group == "en":
        ip, city = _EN_PLACES[b[10] % len(_EN_PLACES)]
        district = ""
        first = _EN_FIRST[b[11] % len(_EN_FIRST)]
        style = b[12] % 5
        if style == 0:
            nickname = f"{first} from {state}"
        elif style == 1:
            nickname = f"{first.lower()}_{state[:2].lower()}{b[13] % 100:02d}"
        else:
            handles = (f"{first.lower()}.draws", f"{first} ✨", f"tiktokrefugee_{first.lower()}")
            nickname = handles[style - 2]
    else:
        province = _PROVINCE_BY_BYTE[b[10]]
        city, districts = _CITIES[province][b[11] % len(_CITIES[province])]
        district = districts[b[12] % len(districts)]
        ip = _OVERSEAS_ZH[b[13] % len(_OVERSEAS_ZH)] if b[14] < 8 else province
        style = b[15] % 6
        if style == 0:
            nickname = _NICK_ADJ[b[16] % 12] + _NICK_NOUN[b[17] % 12]
        elif style == 1:
            nickname = f"{_NICK_NOUN[b[16] % 12]}不吃{_NICK_FOOD[b[17] % 12]}"
        elif style == 2:
            nickname = _NICK_VERB[b[16] % 6] + _NICK_FOOD[b[17] % 12]
        elif style == 3:  # the app's default name for a new account
            nickname = "小红薯" + b[16:20].hex().upper()
        elif style == 4:
            nickname = f"{_NICK_NAME[b[16] % 12]}{b[17] % 12 + 1:02d}{b[18] % 28 + 1:02d}"
        else:
            nickname = f"{_NICK_NAME[b[16] % 12]}_{_NICK_LATIN[b[17] % 8]}"
    avatar = f"https://example.com/avatar/{user_id}.jpg"
    return _User(user_id, nickname, avatar, ip, city, district, state)


def _format_count(value: int, style: str) -> str:
    """Write a count the way the app shows it.

    ``style`` is ``plain`` ("3585"), ``wan`` ("1.3万", "10万+"), ``w`` ("2.1w"),
    ``k`` ("1.2k"), ``qian`` ("1千+") or ``ten`` ("10+").  Decimals are truncated,
    not rounded, and a trailing ".0" is dropped ("1万").  Values of 100,000 and
    more always read "10万+", as the app shows them.
    """
    if value >= 100_000:
        return "10万+"
    if style == "wan" and value >= 10_000:
        return f"{value // 1000 / 10:g}万"
    if style == "w" and value >= 10_000:
        return f"{value // 1000 / 10:g}w"
    if style == "k" and value >= 1000:
        return f"{value // 100 / 10:g}k"
    if style == "qian" and value >= 1000:
        return f"{value // 1000}千+"
    if style == "ten" and 10 <= value < 100:
        return "10+"
    return str(value)


def _count_string(rng: random.Random, value: int) -> str:
    """Pick a display style the way mixed app versions and endpoints produce them."""
    r = rng.random()
    if r < 0.004:
        return ""
    if r < 0.007:
        return "None"
    if value < 1000 and (value < 10 or r >= 0.04):  # the common case, exact digits
        return str(value)
    if value >= 10_000:
        style = "w" if r < 0.25 else "wan"
    elif value >= 1000:
        style = "k" if r < 0.15 else "qian" if r < 0.25 else "plain"
    elif value >= 10:
        style = "ten" if r < 0.04 else "plain"
    else:
        style = "plain"
    return _format_count(value, style)


def _duration_months(rng: random.Random, mean: float) -> float:
    """A stated duration near ``mean`` months, snapped to what people write."""
    x = rng.gammavariate(2.0, mean / 2.0)
    return _DURATION_KEYS[bisect(_DURATION_CUTS, x)]


def _topic_text(rng: random.Random, tags: Sequence[str]) -> str:
    sep = "" if rng.random() < 0.3 else " "  # adjacent "#a[话题]##b[话题]#" sometimes
    return sep.join(f"#{t}[话题]#" for t in tags)


# --------------------------------------------------------------------------- one note


@dataclass(frozen=True)
class _Plan:
    """Where a block's special note and duplicate-keyword row fall."""

    special_pos: int
    special: str
    dup_pos: int


def _block_plan(seed: int, block: int) -> _Plan:
    b = _hash("dazi-block", seed, block)
    special_pos = b[0] % _BLOCK
    dup_pos = (special_pos + 1 + b[1] % (_BLOCK - 1)) % _BLOCK  # never the special note
    return _Plan(special_pos, _SPECIAL_CYCLE[block % len(_SPECIAL_CYCLE)], dup_pos)


def _publish_time_s(rng: random.Random, english: bool) -> int:
    if english and rng.random() < 0.5:
        lo, hi = _T_REFUGEE
    else:
        lo, hi = _T_FIRST, _T_LAST
    day = lo + 86400 * _below(rng, (hi - lo) // 86400)
    hour = _HOUR.pick(rng)
    return day + hour * 3600 + _below(rng, 3600)


_HOUR = _Weighted(
    list(enumerate((3, 2, 1, .5, .3, .3, .8, 2, 3, 3, 3, 4, 5, 4, 3, 3, 3, 4, 5, 6, 7, 8, 8, 6)))
)  # fmt: skip


def _pick_user(rng: random.Random, seed: int, group: str, index: int) -> _User:
    # Most authors post once; a fifth are regulars drawn from a pool that grows with
    # the corpus, so a few accounts own several notes (as in real crawls).
    if rng.random() < 0.8:  # posts once: any fresh account will do
        return _user_from_bytes(rng.getrandbits(160).to_bytes(20, "big"), group)
    return _user(seed, group, _below(rng, 50 + index // 4))


def _block_rng(seed: int, block: int, stream: int = 0) -> random.Random:
    """The generator that draws the notes (stream 0) or their counts (stream 1) of a block."""
    return random.Random((((seed << 32) | block) << 1) | stream)


def _block_rngs(seed: int, block: int) -> tuple[random.Random, random.Random]:
    return _block_rng(seed, block, 0), _block_rng(seed, block, 1)


def _build_note(
    rngs: tuple[random.Random, random.Random],
    seed: int,
    index: int,
    plan: _Plan,
    dup_keyword: bool,
    want_truth: bool,
) -> tuple[dict, NoteTruth | None]:
    """Note ``index`` of the corpus with ``seed``, drawn from its block's generators.

    A note depends only on the notes before it in its block of 100, so any note
    can be rebuilt by replaying at most 99 others.
    """
    rng, crng = rngs
    pos = index % _BLOCK
    special = plan.special if pos == plan.special_pos else None
    lang = _LANG.pick(rng)
    group = "en" if lang == "en" else "zh"
    user = _pick_user(rng, seed, group, index)
    t_s = _publish_time_s(rng, lang == "en")
    note_id = f"{t_s:08x}{seed:08x}{index:08x}"
    crawl_ms = _CRAWL_START_MS + index * _CRAWL_STEP_MS + _below(rng, 100)

    if special in ("deleted", "unavailable"):
        title = _UNAVAILABLE_TITLE if special == "unavailable" else ""
        counts = ("", "", "", "") if special == "deleted" else ("0", "0", "0", "0")
        keyword = _choice(rng, _KEYWORDS)
        note = _record(
            note_id=note_id, ntype="normal", title=title, desc="", video_url="",
            time_ms=t_s * 1000, updated_ms=t_s * 1000, user=user, counts=counts,
            ip=user.ip_location, images="", tags="", crawl_ms=crawl_ms, keyword=keyword,
            token=_fake_token(rng),
        )  # fmt: skip
        if not want_truth:
            return note, None
        truth = NoteTruth(note_id, special, None, None, None, None, None, (), None, None, (),
                          (), None, None, None, (), None, (keyword,))  # fmt: skip
        return note, truth

    category = _CATEGORY.pick(rng)
    kind: _Kind = _KIND_PICK[category].pick(rng)
    ctype = _CTYPE[category].pick(rng)
    post_kind = _POST_KIND.pick(rng)
    seeking = post_kind == "seeking"
    rnd = rng.random
    channels = tuple([c for c, p in zip(_CHANNELS, _CHANNEL_P[ctype], strict=True) if rnd() < p])
    frequency = _FREQ[ctype].pick(rng)
    connection = _CONNECTION[ctype].pick(rng)
    if seeking and connection == "fluctuating":  # nobody advertises an unsteady bond
        connection = "companionate"
    selfpres = [s for s, p in zip(_SELF_ORDER, _SELF_P[post_kind], strict=True) if rnd() < p]
    same_city = "location" in selfpres and seeking and rng.random() < 0.6

    markers: list[str] = []
    if seeking:
        if lang == "en":
            explicit, waiting, english = False, False, True
        else:
            r = rng.random()
            explicit, waiting = r < 0.75, r >= 0.45  # at least one of the two
            english = lang == "mixed"  # a mixed post seeks partly in English
        markers = [
            m for m, on in (
                ("explicit_seeking", explicit), ("waiting_phrase", waiting),
                ("availability", "schedule" in selfpres), ("boundaries", "boundaries" in selfpres),
                ("same_city", same_city), ("english_seeking", english),
            ) if on
        ]  # fmt: skip
        outcome, duration = "seeking", None
        r = rng.random()
        repeat = "yes" if r < 0.12 else "no" if r < 0.22 else "not_stated"
    else:
        p_success, p_unclear = _OUTCOME_P[category]
        r = rng.random()
        outcome = (
            "success" if r < p_success else "unclear" if r < p_success + p_unclear else "failure"
        )
        mean = _DURATION_MEAN[category] * (0.5 if outcome == "failure" else 1.0)
        stated = rng.random() < {"success": 0.9, "failure": 0.85, "unclear": 0.45}[outcome]
        duration = _duration_months(rng, mean) if stated else None
        r = rng.random()
        p_repeat = _REPEAT_P[category]
        repeat = "yes" if r < p_repeat else "no" if r < p_repeat + 0.25 else "not_stated"

    mentions: tuple[str, ...] = ()
    if lang != "en" and rng.random() < 0.12:
        mentions = (_user(seed, "zh", _below(rng, 50 + index // 4)).nickname,)
    hostile = special  # script / formula / markdown, or None

    title, desc, tags = _write_text(
        rng, lang, post_kind, kind, ctype, channels, frequency, connection, selfpres, same_city,
        markers, outcome, duration, repeat, user, mentions, hostile,
    )  # fmt: skip
    if rng.random() < 0.05:  # no title: MediaCrawler falls back to the body's start
        title = desc[:255]

    keyword = _note_keyword(rng, kind, seeking, ctype, channels)
    keywords = (keyword, _second_keyword(seed, index, keyword)) if dup_keyword else (keyword,)

    counts = _counts(crng, category, seeking)

    is_video = rng.random() < 0.15
    n_img = 1 if is_video else 1 + _below(rng, 9)
    prefix = f"https://example.com/xhs/img/{note_id}/"
    images = ",".join([prefix + name for name in _IMAGE_NAMES[:n_img]])
    video_url = f"https://example.com/xhs/video/{note_id}.mp4" if is_video else ""
    updated_s = t_s if rng.random() < 0.6 else t_s + 1 + _below(rng, 20 * 86400)
    updated_s = min(updated_s, _T_LAST)
    ip = user.ip_location
    if lang != "en" and rng.random() < 0.05:  # posted while travelling
        ip = _PROVINCE_BY_BYTE[_below(rng, 256)]

    note = _record(
        note_id=note_id, ntype="video" if is_video else "normal", title=title, desc=desc,
        video_url=video_url, time_ms=t_s * 1000, updated_ms=updated_s * 1000, user=user,
        counts=counts, ip=ip, images=images, tags=",".join(tags), crawl_ms=crawl_ms,
        keyword=keyword, token=_fake_token(rng),
    )  # fmt: skip
    if not want_truth:
        return note, None
    truth = NoteTruth(
        note_id=note_id,
        status="ok",
        post_kind=post_kind,
        lang=lang,
        companion_kind=kind.name,
        companion_type=ctype,
        interest_category=category,
        communication_channel=channels,
        interaction_frequency=frequency,
        emotional_connection=connection,
        self_presentation=tuple(selfpres),
        seeking_markers=tuple(markers),
        match_outcome=outcome,
        relationship_duration=duration,
        repeat_companion=repeat,
        mentions=mentions,
        hostile=hostile,
        source_keywords=keywords,
    )
    return note, truth


def _counts(crng: random.Random, category: str, seeking: bool) -> tuple[str, str, str, str]:
    """Likes, collects, comments and shares as the app shows them.

    Drawn from the block's own counts generator, so that editing the phrase
    banks (which changes how many draws a text takes) leaves the counts alone.
    Heavy tail: most notes get tens to hundreds of likes, a few thousands,
    rarely 万.
    """
    r = crng.random()
    if r < 0.005:  # viral
        likes = int(crng.lognormvariate(0.0, 1.0) * 30_000)
    elif r < 0.04:  # popular
        likes = int(crng.lognormvariate(0.0, 0.8) * 3000)
    else:
        likes = int(crng.lognormvariate(0.0, 1.1) * _LIKE_MEDIAN[category])
    collects = int(likes * crng.uniform(0.2, 1.2 if category == "travel" else 0.8))
    comments = int(likes * (crng.uniform(0.08, 0.35) if seeking else crng.uniform(0.02, 0.2)))
    shares = int(likes * crng.uniform(0.01, 0.12))
    return (
        _count_string(crng, likes),
        _count_string(crng, collects),
        _count_string(crng, comments),
        _count_string(crng, shares),
    )


def _fake_token(rng: random.Random) -> str:
    """A fake xsec_token: shaped like the app's (``AB...=``), obviously not one."""
    return f"ABfake{rng.getrandbits(120):030x}="


_IMAGE_NAMES = tuple(f"{k}.jpg" for k in range(9))


def _record(
    *, note_id: str, ntype: str, title: str, desc: str, video_url: str, time_ms: int,
    updated_ms: int, user: _User, counts: Sequence[str], ip: str, images: str, tags: str,
    crawl_ms: int, keyword: str, token: str,
) -> dict:  # fmt: skip
    """One note in MediaCrawler's key order (the order of update_xhs_note)."""
    return {
        "note_id": note_id,
        "type": ntype,
        "title": title,
        "desc": desc,
        "video_url": video_url,
        "time": time_ms,
        "last_update_time": updated_ms,
        "user_id": user.user_id,
        "nickname": user.nickname,
        "avatar": user.avatar,
        "liked_count": counts[0],
        "collected_count": counts[1],
        "comment_count": counts[2],
        "share_count": counts[3],
        "ip_location": ip,
        "image_list": images,
        "tag_list": tags,
        "last_modify_ts": crawl_ms,
        "note_url": f"https://www.xiaohongshu.com/explore/{note_id}?xsec_token={token}&xsec_source=pc_search",
        "source_keyword": keyword,
        "xsec_token": token,
    }


def _note_keyword(
    rng: random.Random, kind: _Kind, seeking: bool, ctype: str, channels: Sequence[str]
) -> str:
    if kind.name in _KEYWORDS and rng.random() < 0.6:
        return kind.name
    if (ctype == "emotional" or "video_call" in channels) and rng.random() < 0.5:
        return "云搭子"
    return "找搭子" if seeking else "搭子"


def _second_keyword(seed: int, index: int, first: str) -> str:
    """The other keyword a duplicated note was also found under."""
    others = [k for k in _KEYWORDS if k != first]
    return others[_hash("dazi-dup", seed, index)[0] % len(others)]


def _write_text(
    rng: random.Random, lang: str, post_kind: str, kind: _Kind, ctype: str,
    channels: Sequence[str], frequency: str, connection: str, selfpres: Sequence[str],
    same_city: bool, markers: Sequence[str], outcome: str, duration: float | None,
    repeat: str, user: _User, mentions: Sequence[str], hostile: str | None,
) -> tuple[str, str, list[str]]:  # fmt: skip
    """Title, body and topics that make every coded value visible to a careful reader."""
    english = lang == "en"
    seeking = post_kind == "seeking"
    city = user.city
    texts = _TEXT[kind.name]  # this kind's phrases, kind slots already filled
    lg = "en_" if english else "zh_"
    slots = {"city": city, "district": user.district, "state": user.state}
    if duration is not None:
        zh_d, en_d = _DURATIONS[duration]
        slots["dur"] = _choice(rng, en_d if english else zh_d)

    rnd = rng.random

    def say(options: Sequence[str]) -> str:
        text = options[int(rnd() * len(options))]
        return text.format_map(slots) if "{" in text else text

    head: list[str] = []
    if english:
        head.append(say(_EN_GREETING))
    else:
        greeting = _choice(rng, _ZH_GREETING)
        if greeting:
            head.append(greeting)
    if seeking:
        if english:
            head.append(say(texts["en_seek"]))
        else:
            explicit, waiting = "explicit_seeking" in markers, "waiting_phrase" in markers
            pool = "both" if explicit and waiting else "explicit" if explicit else "waiting"
            opener = say(texts["zh_seek_" + pool])
            if "english_seeking" in markers:
                opener += " " + say(texts["mixed_seek"])
            head.append(opener)
    else:
        head.append(say(texts[lg + "outcome"][(outcome, duration is not None)]))

    role = "seeking" if seeking else "experience"
    mixed = lang == "mixed"

    def in_english() -> bool:  # mixed posts switch code clause by clause
        return english or (mixed and rnd() < 0.45)

    body = [say(texts[("en_" if in_english() else "zh_") + "type"][(ctype, role)])]
    if frequency != "not_stated":
        tense = "failure" if outcome == "failure" else role
        en = in_english()
        slots["f"] = _choice(rng, (_EN_FREQ if en else _ZH_FREQ)[frequency])
        body.append(say(texts[("en_" if en else "zh_") + "freq"][tense]))
    for channel in channels:
        body.append(say((_EN_CHANNEL if in_english() else _ZH_CHANNEL)[(channel, role)]))
    body.append(say(texts[("en_" if in_english() else "zh_") + "connection"][(connection, role)]))
    if repeat != "not_stated":
        body.append(say(texts[("en_" if in_english() else "zh_") + "repeat"][(repeat, role)]))
    _shuffle(rng, body)
    extras = []
    if lang == "mixed" and "english_seeking" not in markers:
        extras.append(say(_MIXED_BITS))
    if mentions:
        extras.append(f"{'叫上' if seeking else '感谢我的搭子'}@{mentions[0]} ")
    if hostile in ("script", "markdown"):
        extras.append(_HOSTILE[(hostile, english)])
    for extra in extras:
        body.insert(_below(rng, len(body) + 1), extra)

    list_style = seeking and not english and len(selfpres) >= 2 and rng.random() < 0.4
    about: list[str] = []
    for item in selfpres:
        key = "same_city" if item == "location" and same_city else item
        text = say((_EN_SELF if english else _ZH_SELF)[key])
        if list_style:
            text = _ZH_SELF_LABEL[key] + text
        elif not english and item in ("identity", "personality") and rng.random() < 0.5:
            text = "本人" + text
        about.append(text)
    _shuffle(rng, about)

    tail: list[str] = []
    if not seeking and not english:
        tail.append(_choice(rng, _ZH_OUTCOME_END[outcome]))
    closer = _choice(rng, _CLOSERS[(english, seeking)])
    if closer:
        tail.append(closer)

    if list_style:  # the "📍坐标 / ⏰时间 / 🚫要求" layout of many seeking posts
        body_text = "\n".join([_join(rng, head, english), *about, _join(rng, body + tail, english)])
    else:
        body_text = _join(rng, head + about[:1] + body + about[1:] + tail, english)
    if rng.random() < 0.5:
        body_text += _choice(rng, kind.emoji)

    tags = _tags(rng, lang, seeking, kind, ctype, channels, same_city, city)
    inline_first = not english and rng.random() < 0.2 and kind.name in body_text
    if inline_first:  # write the first topic where the text names the companion kind
        body_text = body_text.replace(kind.name, f"#{kind.name}[话题]#", 1)
        tags = [kind.name] + [t for t in tags if t != kind.name]
        rest = tags[1:]
    else:
        rest = tags
    desc = (
        body_text + ("\n" if rng.random() < 0.7 else " ") + _topic_text(rng, rest)
        if rest
        else body_text
    )
    if hostile == "formula":
        desc = _HOSTILE[("formula", english)] + "\n" + desc

    title = _title(rng, lang, seeking, markers, same_city, kind, outcome, slots)
    return title, desc, tags


def _join(rng: random.Random, clauses: Sequence[str], english: bool) -> str:
    """Run clauses together with the punctuation, emoji and stickers people type."""
    rnd = rng.random
    ends = _EN_ENDS if english else _ZH_ENDS
    soft = _SOFT_EN if english else _SOFT_ZH
    n_emoji, n_sticker = len(_EMOJI), 0 if english else len(_STICKERS)
    out: list[str] = []
    for clause in clauses:
        if out:
            # One draw decides the decoration and, rescaled, which one.
            r = rnd()
            if r < 0.12:
                out.append(_EMOJI[int(r / 0.12 * n_emoji)])
                out.append(soft[int(r * 1000) % len(soft)])
            elif r < 0.18 and n_sticker:
                out.append(_STICKERS[int((r - 0.12) / 0.06 * n_sticker)])
                out.append(soft[int(r * 1000) % len(soft)])
            else:
                # No "！，" pile-ups after a clause that already ends in punctuation.
                seps = ends if out[-1][-1].isalnum() else soft
                out.append(seps[int((r - 0.18) / 0.82 * len(seps))])
        out.append(clause)
    return "".join(out).strip()


def _tags(
    rng: random.Random, lang: str, seeking: bool, kind: _Kind, ctype: str,
    channels: Sequence[str], same_city: bool, city: str,
) -> list[str]:  # fmt: skip
    if lang == "en":
        tags = ["tiktokrefugee", kind.en.replace(" ", ""), "learnchinese", "xiaohongshu"]
        return tags[: 2 + _below(rng, 3)]
    tags = [kind.name]
    if seeking:
        tags.append("找搭子")
    if same_city:
        tags.append(f"{city}搭子")
    if ctype == "emotional" or "video_call" in channels:
        tags.append("云搭子")
    tags.append("搭子日常" if not seeking else "搭子")
    if lang == "mixed" and rng.random() < 0.5:
        tags.append("tiktokrefugee")
    return tags


def _title(
    rng: random.Random, lang: str, seeking: bool, markers: Sequence[str], same_city: bool,
    kind: _Kind, outcome: str, slots: dict[str, str],
) -> str:  # fmt: skip
    """A title that adds no coded value the body does not already carry."""
    emoji = _choice(rng, kind.emoji)
    if lang == "en":
        if seeking:
            return f"Looking for a {kind.en} {emoji}"
        return _choice(
            rng, (f"My {kind.en} story {emoji}", "TikTok refugee here 👋", f"About my {kind.en}")
        )
    options: list[str] = []
    if seeking:
        place = f"{slots['city']}｜" if same_city else ""
        if "waiting_phrase" in markers:
            options += [f"{place}蹲一个{kind.name}{emoji}", f"蹲蹲{kind.name}"]
        if "explicit_seeking" in markers:
            options += [f"{place}找{kind.name}！", f"{kind.name}招募中{emoji}"]
        if "english_seeking" in markers:
            options = [o + " (seeking companion)" for o in options]
    else:
        options = [
            f"聊聊我的{kind.name}{emoji}",
            f"关于{kind.name}的一点感想",
            f"我的{kind.name}日常",
        ]
        if outcome == "failure":
            options.append(f"{kind.name}散了{emoji}")
        if outcome == "success" and "dur" in slots:
            options.append(f"和{kind.name}认识{slots['dur']}了…")
    return _choice(rng, options)


# --------------------------------------------------------------------------- public API


def _check_int(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"{name} must be a whole number, got {value!r}", f"Pass an int from {lo} to {hi - 1}."
        )
    if not lo <= value < hi:
        raise ValidationError(
            f"{name} must be from {lo} to {hi - 1}, got {value}",
            f"Pass an int from {lo} to {hi - 1}.",
        )
    return value


def generate_notes_with_truth(
    n: int, seed: int = 0, *, duplicates: bool = True
) -> Iterator[tuple[dict, NoteTruth]]:
    """Yield ``n`` synthetic notes with what each was written to express.

    Parameters
    ----------
    n : int
        Number of distinct notes (0 <= n < 2**32).
    seed : int
        Generator seed (0 <= seed < 2**32); the same (n, seed) always gives the
        same notes, byte for byte, on CPython 3.11+.
    duplicates : bool
        When true (the default), one note in every 100 is exported a second
        time, under another ``source_keyword``, at the end of its block of 100,
        with a later ``last_modify_ts`` and a new ``xsec_token`` (as a second
        keyword's crawl appends it to the same file).  The rows yielded are then
        about 1% more than ``n``.

    Yields
    ------
    (dict, NoteTruth)
        The record, keys in :data:`XHS_NOTE_FIELDS` order, and its truth.

    Notes
    -----
    Each block of 100 notes also holds one special note, cycling through an
    emptied ``deleted`` note, one with ``<script>alert(1)</script>`` pasted in,
    an ``unavailable`` note titled "当前笔记暂时无法浏览", one whose body starts
    with ``=HYPERLINK(...)`` and one with markdown; so 500 notes hold each once
    (two vanished notes).  A duplicated note's truth lists both keywords in
    ``source_keywords`` (:func:`demo_truth` does so even for a corpus drawn with
    ``duplicates=False``; nothing else differs).
    """
    return _generate(n, seed, duplicates, want_truth=True)  # type: ignore[return-value]


def _generate(
    n: int, seed: int, duplicates: bool, want_truth: bool
) -> Iterator[tuple[dict, NoteTruth | None]]:
    _check_int("n", n, 0, _MAX_NOTES)
    _check_int("seed", seed, 0, _MAX_SEED)
    return _rows(n, seed, duplicates, want_truth)


def _rows(
    n: int, seed: int, duplicates: bool, want_truth: bool, start: int = 0, stop: int | None = None
) -> Iterator[tuple[dict, NoteTruth | None]]:
    """Rows for notes ``start .. stop-1`` of an ``n``-note corpus (``start`` a block start)."""
    plan = _block_plan(seed, start // _BLOCK)
    rngs = _block_rngs(seed, start // _BLOCK)
    held: tuple[dict, NoteTruth | None] | None = None
    for index in range(start, n if stop is None else stop):
        pos = index % _BLOCK
        if pos == 0:
            plan = _block_plan(seed, index // _BLOCK)
            rngs = _block_rngs(seed, index // _BLOCK)
        is_dup = duplicates and pos == plan.dup_pos
        note, truth = _build_note(rngs, seed, index, plan, is_dup, want_truth)
        yield note, truth
        if is_dup:
            held = (note, truth)
        if held is not None and (pos == _BLOCK - 1 or index == n - 1):
            yield _recrawl(seed, held[0], index), held[1]
            held = None


def _recrawl(seed: int, note: dict, at_index: int) -> dict:
    """The same note as the next keyword's crawl writes it, after ``at_index``."""
    index = int(note["note_id"][16:], 16)
    b = _hash("dazi-recrawl", seed, index)
    again = dict(note)
    again["source_keyword"] = _second_keyword(seed, index, note["source_keyword"])
    # After the block's last note (which took ms 0..99 of its 150 ms slot): file order stays time order.
    again["last_modify_ts"] = _CRAWL_START_MS + at_index * _CRAWL_STEP_MS + 100 + b[0] % 50
    if again["liked_count"].isdigit():  # a few more likes by the second crawl
        again["liked_count"] = str(int(again["liked_count"]) + b[1] % 4)
    token = f"ABfake{b[2:17].hex()}="
    again["xsec_token"] = token
    again["note_url"] = (
        f"https://www.xiaohongshu.com/explore/{note['note_id']}?xsec_token={token}&xsec_source=pc_search"
    )
    return again


def generate_notes(n: int, seed: int = 0, *, duplicates: bool = True) -> Iterator[dict]:
    """Yield ``n`` synthetic notes in MediaCrawler's Xiaohongshu JSONL layout.

    Parameters and duplicates as in :func:`generate_notes_with_truth`; recover
    a note's truth with :func:`demo_truth`.  Roughly 10,000 notes a second per
    core on the 2-core CI machine (more on a desktop); for big benchmark files
    use :func:`write_notes_jsonl` with ``jobs`` > 1.
    """
    rows = _generate(n, seed, duplicates, want_truth=False)  # checks arguments now
    return (note for note, _ in rows)


def demo_truth(note: dict) -> dict:
    """What a note from this module was written to express (``NoteTruth.as_dict()``).

    The note is rebuilt from the seed and index its ``note_id`` carries and must
    match that id, so a note that did not come from :func:`generate_notes`
    cannot be given a made-up truth.

    Raises
    ------
    dazi.errors.NotFound
        If ``note`` has no ``note_id`` made by this module.
    """
    note_id = note.get("note_id") if isinstance(note, dict) else None
    hint = "demo_truth() knows only notes made by dazi.demo.synthetic.generate_notes()."
    if not isinstance(note_id, str) or len(note_id) != 24:
        raise NotFound(f"note_id {note_id!r} is not a synthetic note id (24 hex digits)", hint)
    if not set(note_id) <= _HEX:
        raise NotFound(f"note_id {note_id!r} is not a synthetic note id (24 hex digits)", hint)
    seed, index = int(note_id[8:16], 16), int(note_id[16:24], 16)
    block = index // _BLOCK
    plan, rngs = _block_plan(seed, block), _block_rngs(seed, block)
    for i in range(block * _BLOCK, index + 1):  # replay the block up to the note
        rebuilt, truth = _build_note(rngs, seed, i, plan, i % _BLOCK == plan.dup_pos, i == index)
    if rebuilt["note_id"] != note_id or truth is None:
        raise NotFound(f"note_id {note_id!r} was not made by dazi.demo.synthetic", hint)
    return truth.as_dict()


def demo_truths() -> dict[str, dict]:
    """``{note_id: truth}`` for every note of the shipped demo corpus.

    Regenerated from :data:`DEMO_SEED` and :data:`DEMO_N_NOTES`, the same call
    that wrote ``corpus/data/demo_xhs_notes.jsonl``.
    """
    return {
        note["note_id"]: truth.as_dict()
        for note, truth in generate_notes_with_truth(DEMO_N_NOTES, DEMO_SEED)
    }


def generate_comments(
    notes: Iterable[dict], per_note: tuple[int, int] = (0, 3), seed: int = 0
) -> Iterator[dict]:
    """Yield synthetic comments for ``notes`` in MediaCrawler's comment layout.

    Parameters
    ----------
    notes : iterable of dict
        Note records (from :func:`generate_notes` or any MediaCrawler file);
        a note id seen twice gets comments once, an emptied note none.
    per_note : (int, int)
        Inclusive bounds on the number of comments per note, replies included.
    seed : int
        Comments of a note depend only on (seed, note_id).

    Yields
    ------
    dict
        Keys in :data:`XHS_COMMENT_FIELDS` order.  Per note the top-level comments
        come first, then replies (``parent_comment_id`` = the id replied to,
        sometimes another reply); top-level comments have ``parent_comment_id``
        ``0``, as MediaCrawler writes it.  Replies are sometimes by the note's
        author.
    """
    _check_int("seed", seed, 0, _MAX_SEED)
    if (
        not isinstance(per_note, tuple | list)
        or len(per_note) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in per_note)
        or not 0 <= per_note[0] <= per_note[1]
    ):
        raise ValidationError(
            f"per_note must be two whole numbers (low, high) with 0 <= low <= high, got {per_note!r}",
            "Pass for example per_note=(0, 3).",
        )
    return _comments(notes, per_note[0], per_note[1], seed)


def _comments(notes: Iterable[dict], lo: int, hi: int, seed: int) -> Iterator[dict]:
    seen: set[str] = set()
    for note in notes:
        note_id = str(note.get("note_id"))
        if note_id in seen:
            continue
        seen.add(note_id)
        if not note.get("desc") or note.get("title") == _UNAVAILABLE_TITLE:
            continue
        yield from _note_comments(random.Random(f"{seed}:{note_id}"), seed, note, lo, hi)


def _note_comments(rng: random.Random, seed: int, note: dict, lo: int, hi: int) -> Iterator[dict]:
    k = lo + _below(rng, hi - lo + 1)
    if k == 0:
        return
    note_id = note["note_id"]
    text = f"{note.get('title', '')}{note.get('desc', '')}"
    english = sum(ch.isascii() for ch in text) > 0.8 * max(len(text), 1)
    seeking = any(w in text for w in ("找", "蹲", "招募", "seeking", "Looking for"))
    kind = next((t for t in str(note.get("tag_list", "")).split(",") if t.endswith("搭子")), "搭子")
    note_ms = int(note.get("time") or _T_FIRST * 1000)
    crawl_ms = int(note.get("last_modify_ts") or _CRAWL_START_MS)
    author = (
        note.get("user_id"),
        note.get("nickname"),
        note.get("avatar"),
        note.get("ip_location"),
    )

    n_top = 1 + sum(rng.random() < 0.65 for _ in range(k - 1))
    tops: list[dict] = []
    replies: list[dict] = []
    for j in range(k):
        is_reply = j >= n_top
        if is_reply:  # mostly to a top-level comment, sometimes to another reply
            parent = _choice(rng, tops + replies if replies and rng.random() < 0.2 else tops)
            created = parent["create_time"] + int(rng.expovariate(1 / (6 * 3600_000)))
        else:  # comments come within days of the note
            created = note_ms + int(rng.expovariate(1 / (2 * 86400_000)))
        created = min(created, crawl_ms - 60_000)
        by_author = is_reply and rng.random() < 0.4
        if by_author:
            user_id, nickname, avatar, ip = author
            content = _choice(rng, _CMT_AUTHOR_EN if english else _CMT_AUTHOR_ZH)
        else:
            u = _below(rng, 200) if rng.random() < 0.2 else 10**10 + _below(rng, 10**9)
            user = _user(seed, "en" if english and rng.random() < 0.8 else "zh", u)
            user_id, nickname, avatar, ip = user[:4]  # id, nickname, avatar, IP属地
            if is_reply:
                content = _choice(rng, _CMT_REPLY)
            else:
                bank = _CMT_EN if english else _CMT_SEEKING if seeking else _CMT_EXPERIENCE
                content = _choice(rng, bank).format(kind=kind)
            if rng.random() < 0.08:
                friend = _user(seed, "zh", _below(rng, 200)).nickname
                content = f"@{friend} {content}"
        comment_id = f"{created // 1000:08x}{_hash('dazi-comment', seed, note_id, j)[:8].hex()}"
        likes = int(rng.paretovariate(1.3)) - 1
        picture = f"https://example.com/xhs/comment/{comment_id}.jpg" if rng.random() < 0.03 else ""
        record = {
            "comment_id": comment_id,
            "create_time": created,
            "ip_location": ip,
            "note_id": note_id,
            "content": content,
            "user_id": user_id,
            "nickname": nickname,
            "avatar": avatar,
            "sub_comment_count": "0",
            "pictures": picture,
            "parent_comment_id": parent["comment_id"] if is_reply else 0,
            "last_modify_ts": crawl_ms + 500 + 40 * j,
            "like_count": _format_count(likes, "plain"),
        }
        (replies if is_reply else tops).append(record)
    for top in tops:  # the API counts every reply, including ones not fetched
        own = sum(r["parent_comment_id"] == top["comment_id"] for r in replies)
        top["sub_comment_count"] = str(own + (_below(rng, 3) if own else 0))
    yield from tops
    yield from replies


def write_jsonl(records: Iterable[dict], path: str | os.PathLike[str]) -> int:
    """Write records as JSON Lines the way MediaCrawler does; return how many.

    UTF-8, non-ASCII kept (``ensure_ascii=False``), one object per line with
    ``\\n`` endings (newlines inside text are escaped by JSON), no header.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    buffer: list[str] = []
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            buffer.append(encode(record))
            count += 1
            if len(buffer) >= 2000:
                buffer.append("")
                fh.write("\n".join(buffer))
                buffer.clear()
        if buffer:
            buffer.append("")
            fh.write("\n".join(buffer))
    return count


_CHUNK = 20 * _BLOCK  # notes per task when writing in parallel


def _encode_range(n: int, seed: int, duplicates: bool, bounds: tuple[int, int]) -> tuple[str, int]:
    """JSON Lines text of notes ``bounds[0] .. bounds[1]-1`` (a worker's task)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = [encode(note) for note, _ in _rows(n, seed, duplicates, False, *bounds)]
    lines.append("")
    return "\n".join(lines), len(lines) - 1


def write_notes_jsonl(
    n: int, path: str | os.PathLike[str], seed: int = 0, *, duplicates: bool = True, jobs: int = 1
) -> int:
    """Write ``generate_notes(n, seed)`` to ``path`` as JSON Lines; return the row count.

    With ``jobs`` > 1 the notes are drawn in that many processes, chunk by chunk,
    and written in order: the file is byte-identical to the one ``jobs=1``
    writes (blocks of notes are independent, see :func:`generate_notes`).  This
    is what ``benchmarks/make_corpus.py`` calls.
    """
    _check_int("n", n, 0, _MAX_NOTES)
    _check_int("seed", seed, 0, _MAX_SEED)
    _check_int("jobs", jobs, 1, 257)
    if jobs == 1 or n <= _CHUNK:
        return write_jsonl(generate_notes(n, seed, duplicates=duplicates), path)
    tasks = [(start, min(start + _CHUNK, n)) for start in range(0, n, _CHUNK)]
    work = functools.partial(_encode_range, n, seed, duplicates)
    count = 0
    # "spawn": safe even when the caller runs threads (a forked child could deadlock).
    with (
        multiprocessing.get_context("spawn").Pool(jobs) as pool,
        open(path, "w", encoding="utf-8", newline="\n") as fh,
    ):
        for text, rows in pool.imap(work, tasks):
            fh.write(text)
            count += rows
    return count


def write_demo_corpus(directory: str | os.PathLike[str] = _DATA_DIR) -> tuple[Path, Path]:
    """Write the demo notes and comments files into ``directory``; return their paths.

    This is how ``corpus/data/demo_xhs_notes.jsonl`` and
    ``corpus/data/demo_xhs_comments.jsonl`` were made (seed :data:`DEMO_SEED`,
    :data:`DEMO_N_NOTES` notes, :data:`DEMO_COMMENTS_PER_NOTE` comments a note).
    """
    directory = Path(directory)
    notes_path = directory / DEMO_NOTES_PATH.name
    comments_path = directory / DEMO_COMMENTS_PATH.name
    notes = list(generate_notes(DEMO_N_NOTES, DEMO_SEED))
    write_jsonl(notes, notes_path)
    write_jsonl(generate_comments(notes, DEMO_COMMENTS_PER_NOTE, DEMO_SEED), comments_path)
    return notes_path, comments_path


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dazi.demo.synthetic",
        description="Rewrite the shipped synthetic demo corpus (notes and comments).",
        epilog="Example: python -m dazi.demo.synthetic --out corpus/data",
    )
    parser.add_argument("--out", default=str(_DATA_DIR), help="directory to write into")
    args = parser.parse_args(argv)
    for path in write_demo_corpus(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
