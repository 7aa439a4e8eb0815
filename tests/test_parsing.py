"""Tests for corpus.parsing: counts, times, hashtags, mentions, language, ids, lists.

Expected values are worked out by hand from the display conventions the
platforms document (万 = 10,000, 亿 = 100,000,000, w = 万, k = 千 = 1,000) and
from fixed epoch points (1704067200 s is 2024-01-01T00:00:00Z).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from corpus.parsing import (
    STICKER_RE,
    detect_lang,
    extract_hashtags,
    extract_mentions,
    is_mangled_id,
    parse_count,
    parse_list,
    parse_time,
    replace_mentions,
)

UTC = UTC


# ---------------------------------------------------------------------------
# parse_count: the counts table
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("3585", (3585, False), id="plain digits"),
        pytest.param("0", (0, False), id="zero"),
        pytest.param(" 12 ", (12, False), id="surrounding spaces"),
        pytest.param("1,234", (1234, False), id="thousands separator"),
        pytest.param("1,234,567", (1234567, False), id="two separators"),
        pytest.param("3585.0", (3585, False), id="Excel trailing .0"),
        pytest.param("1.3万", (13000, True), id="wan with decimal"),
        pytest.param("1.15万", (11500, True), id="wan float rounding 11499.999"),
        pytest.param("10万+", (100000, True), id="wan plus"),
        pytest.param("9.3万", (93000, True), id="9.3 wan sorts above 10000"),
        pytest.param("2.1w", (21000, True), id="lower w"),
        pytest.param("2.1W", (21000, True), id="upper W"),
        pytest.param("1.2k", (1200, True), id="lower k"),
        pytest.param("3K", (3000, True), id="upper K"),
        pytest.param("1千+", (1000, True), id="qian plus"),
        pytest.param("10+", (10, True), id="plain plus"),
        pytest.param("1.5亿", (150000000, True), id="yi"),
        pytest.param("1 万", (10000, True), id="space before unit"),
        pytest.param("", (None, False), id="empty"),
        pytest.param("None", (None, False), id="the string None"),
        pytest.param("null", (None, False), id="the string null"),
        pytest.param(None, (None, False), id="None"),
        pytest.param(7, (7, False), id="int passes through"),
        pytest.param(7.0, (7, False), id="whole float passes through"),
        pytest.param(float("nan"), (None, False), id="NaN is missing"),
    ],
)
def test_parse_count(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("abc", id="words"),
        pytest.param("1.2.3", id="two dots"),
        pytest.param("1,2", id="bad thousands group"),
        pytest.param("-5", id="negative text"),
        pytest.param(-5, id="negative int"),
        pytest.param("3.5", id="fraction without unit"),
        pytest.param(2.5, id="fractional float"),
        pytest.param("万", id="unit without number"),
        pytest.param("10++", id="two plus signs"),
        pytest.param(True, id="bool"),
    ],
)
def test_parse_count_rejects_garbage(value):
    with pytest.raises(ValueError):
        parse_count(value)


def test_parse_count_cache_returns_same_answers():
    first = [parse_count(s) for s in ("1.3万", "10万+", "2.1w")]
    again = [parse_count(s) for s in ("1.3万", "10万+", "2.1w")]
    assert first == again == [(13000, True), (100000, True), (21000, True)]


# ---------------------------------------------------------------------------
# parse_time
# ---------------------------------------------------------------------------

NEW_YEAR_2024 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        pytest.param(1704067200, "auto", NEW_YEAR_2024, id="epoch seconds auto"),
        pytest.param(1704067200000, "auto", NEW_YEAR_2024, id="epoch ms auto"),
        pytest.param("1704067200000", "auto", NEW_YEAR_2024, id="epoch ms as text"),
        pytest.param("1704067200", "s", NEW_YEAR_2024, id="epoch s as text, unit given"),
        pytest.param(
            1704067200.5, "s", NEW_YEAR_2024 + timedelta(milliseconds=500), id="float seconds"
        ),
        pytest.param(
            "1704067200.5", "auto", NEW_YEAR_2024 + timedelta(milliseconds=500), id="float text"
        ),
        pytest.param(
            1704067200123, "ms", NEW_YEAR_2024 + timedelta(milliseconds=123), id="ms precision"
        ),
        pytest.param("2024-01-01T00:00:00Z", "auto", NEW_YEAR_2024, id="ISO with Z"),
        pytest.param("2024-01-01T00:00:00.000Z", "auto", NEW_YEAR_2024, id="X API created_at"),
        pytest.param("2024-01-01 08:00:00+08:00", "auto", NEW_YEAR_2024, id="ISO with +08:00"),
        pytest.param("2024-01-01 08:00:00", "auto", NEW_YEAR_2024, id="naive is Shanghai time"),
        pytest.param("2024-01-01 08:00", "auto", NEW_YEAR_2024, id="weibo-search minutes"),
        pytest.param("2024/01/01 08:00", "auto", NEW_YEAR_2024, id="Excel slashes"),
        pytest.param(
            "2024-01-01",
            "auto",
            NEW_YEAR_2024 - timedelta(hours=8),
            id="date only, Shanghai midnight",
        ),
        pytest.param(
            "Mon Jan 01 00:00:00 +0000 2024", "auto", NEW_YEAR_2024, id="Twitter v1.1 format"
        ),
        pytest.param(datetime(2024, 1, 1, 8), "auto", NEW_YEAR_2024, id="naive datetime"),
        pytest.param(datetime(2024, 1, 1, tzinfo=UTC), "auto", NEW_YEAR_2024, id="aware datetime"),
        pytest.param("", "auto", None, id="empty"),
        pytest.param("None", "auto", None, id="the string None"),
        pytest.param(None, "auto", None, id="None"),
    ],
)
def test_parse_time(value, unit, expected):
    got = parse_time(value, unit)
    assert got == expected
    if got is not None:
        assert got.utcoffset() == timedelta(0)


def test_parse_time_xhs_example_by_hand():
    # 1703323974 s = 1703289600 (2023-12-23T00:00Z, i.e. 2024-01-01 minus 9 days) + 34374 s
    # and 34374 s = 9 h 32 min 54 s.
    assert parse_time(1703323974000, "ms") == datetime(2023, 12, 23, 9, 32, 54, tzinfo=UTC)


def test_parse_time_naive_zone_can_be_changed():
    assert parse_time("2024-01-01 00:00:00", naive_tz=UTC) == NEW_YEAR_2024


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("yesterday", id="words"),
        pytest.param("2024-13-01", id="month 13"),
        pytest.param(10**20, id="out of range"),
        pytest.param(True, id="bool"),
    ],
)
def test_parse_time_rejects_garbage(value):
    with pytest.raises(ValueError):
        parse_time(value)


def test_parse_time_rejects_unknown_unit():
    with pytest.raises(ValueError, match="unit"):
        parse_time(1704067200, unit="minutes")


# ---------------------------------------------------------------------------
# hashtags, mentions, stickers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("周末 #旅行搭子[话题]# 出发", ["旅行搭子"], id="xhs topic"),
        pytest.param("#a[话题]##b[话题]#", ["a", "b"], id="xhs adjacent topics"),
        pytest.param("#旅行[话题] 没有收尾", ["旅行"], id="xhs topic without closing #"),
        pytest.param("#云搭子#真的能长久吗", ["云搭子"], id="weibo topic"),
        pytest.param("#TikTok refugee# hi", ["TikTok refugee"], id="weibo topic with a space"),
        pytest.param("#明星[超话]# 打卡", ["明星"], id="weibo super topic"),
        pytest.param(
            "I love #travel and #food.", ["travel", "food"], id="plain tags end at punctuation"
        ),
        pytest.param("#a #b", ["a", "b"], id="two plain tags, not one weibo topic"),
        pytest.param("#上海 今天天气很好，#美食", ["上海", "美食"], id="sentence is no topic"),
        pytest.param("#饭搭子🍜好吃", ["饭搭子"], id="plain tag ends at emoji"),
        pytest.param("#考研 #考研 #考研[话题]#", ["考研"], id="deduplicated"),
        pytest.param("#b #a #b", ["b", "a"], id="order kept"),
        pytest.param("#1 #2024", [], id="numbers are no tags"),
        pytest.param("email me a#b or see page#top &#123;", [], id="not after letters or &"),
        pytest.param("no tags here", [], id="none"),
        pytest.param("", [], id="empty"),
        pytest.param(None, [], id="None"),
    ],
)
def test_extract_hashtags(text, expected):
    assert extract_hashtags(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "谢谢@小红薯123 和 @Amy_Li，改天见",
            ["小红薯123", "Amy_Li"],
            id="chinese and latin names",
        ),
        pytest.param("@a @b @a", ["a", "b"], id="deduplicated in order"),
        pytest.param("@张三:你好", ["张三"], id="weibo colon ends name"),
        pytest.param("@Dr-Who·X!", ["Dr-Who·X"], id="hyphen and middle dot"),
        pytest.param("mail me@example.com", [], id="e-mail address"),
        pytest.param("@", [], id="bare at"),
        pytest.param(None, [], id="None"),
    ],
)
def test_extract_mentions(text, expected):
    assert extract_mentions(text) == expected


def test_replace_mentions_rewrites_what_extract_finds():
    text = "谢谢@小王 和 @Amy_Li! mail me@example.com"
    out = replace_mentions(text, lambda name: name.upper() + "X")
    assert out == "谢谢@小王X 和 @AMY_LIX! mail me@example.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("哈哈[笑哭R][允悲][doge]", ["[笑哭R]", "[允悲]", "[doge]"], id="stickers"),
        pytest.param("#旅行[话题]# [超话]", [], id="topic markers are no stickers"),
        pytest.param("[这不是一个表情因为太长了啊]", [], id="too long"),
    ],
)
def test_sticker_re(text, expected):
    assert STICKER_RE.findall(text) == expected


# ---------------------------------------------------------------------------
# detect_lang
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("周末找个饭搭子，不聊天只干饭", "zh", id="chinese"),
        pytest.param("Looking for a study buddy this weekend", "en", id="english"),
        pytest.param("Hello world 你好", "mixed", id="2 words vs 2 han"),
        pytest.param("我今天去了Starbucks喝咖啡", "zh", id="one brand name in chinese"),
        pytest.param("Day 1 with my 学习搭子", "mixed", id="english with a chinese term"),
        pytest.param(
            "找搭子 https://www.example.com/very/long/english/url", "zh", id="url ignored"
        ),
        pytest.param("你好 @TikTokRefugeeAccount", "zh", id="mention ignored"),
        pytest.param("[doge][doge]哈哈", "zh", id="sticker codes ignored"),
        pytest.param("🙂🙂 123 !!!", None, id="no letters"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="None"),
    ],
)
def test_detect_lang(text, expected):
    assert detect_lang(text) == expected


def test_detect_lang_thresholds_by_hand():
    # 17 Han characters vs 3 Latin words: 17/20 = 0.85, the lowest share still "zh".
    assert detect_lang("一二三四五六七八九十一二三四五六七 a b c") == "zh"
    # 16 vs 3: 16/19 = 0.842 < 0.85: "mixed".
    assert detect_lang("一二三四五六七八九十一二三四五六 a b c") == "mixed"


# ---------------------------------------------------------------------------
# ids and lists
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mangled"),
    [
        pytest.param("4.75E+15", True, id="excel E+15"),
        pytest.param("1.23457E+18", True, id="excel 19-digit douyin id"),
        pytest.param("1.23457e+18", True, id="lower-case e"),
        pytest.param(" 4.75E+15 ", True, id="with spaces"),
        pytest.param("4,75E+15", True, id="european decimal comma"),
        pytest.param(4.75e15, True, id="float"),
        pytest.param(12.0, True, id="any float id"),
        pytest.param("7301234567890123456", False, id="19 digits as text"),
        pytest.param("65a1b2c3d4e5f60718293a4b", False, id="xhs hex id with e"),
        pytest.param("1e5", True, id="short scientific"),
        pytest.param("1e5ab", False, id="hex-like"),
        pytest.param(7301234567890123456, False, id="int"),
        pytest.param(None, False, id="None"),
    ],
)
def test_is_mangled_id(value, mangled):
    assert is_mangled_id(value) is mangled


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("a,b", ["a", "b"], id="comma joined"),
        pytest.param("a, b,，c,", ["a", "b", "c"], id="spaces, chinese comma, trailing"),
        pytest.param('"旅行,搭子"', ["旅行", "搭子"], id="sqlite JSON-quoted string"),
        pytest.param('["a", "b"]', ["a", "b"], id="JSON array"),
        pytest.param("['旅行', '搭子']", ["旅行", "搭子"], id="python repr"),
        pytest.param(["a", None, " "], ["a"], id="real list"),
        pytest.param("null", [], id="JSON null"),
        pytest.param('""', [], id="JSON empty string"),
        pytest.param("", [], id="empty"),
        pytest.param(None, [], id="None"),
    ],
)
def test_parse_list(value, expected):
    assert parse_list(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("[__import__('os')]", id="code is not evaluated"),
        pytest.param("[a, b]", id="unquoted names"),
        pytest.param("['x'" + ", 'x'" * 30000 + "]", id="too long for literal_eval"),
        pytest.param("['a'] + ['b']", id="expression"),
        pytest.param('"abc\\"', id="JSON string with escaped closing quote"),
    ],
)
def test_parse_list_refuses_non_literals(value):
    with pytest.raises(ValueError):
        parse_list(value)
