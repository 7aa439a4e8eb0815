"""Pure parsers for the values crawler exports carry: counts, times, tags, ids.

Every function here is called once or more per post, on corpora of a million
posts, so each one takes the cheap path first (plain digits, an ``int``, text
without ``#``) and uses only precompiled regular expressions.  None of them
raises anything but :class:`ValueError` for malformed input: the loader turns
that into an :class:`~dazi.errors.InputError` naming the file, row and column.

Examples
--------
>>> parse_count("1.3万")
(13000, True)
>>> parse_time(1703323974000).isoformat()
'2023-12-23T09:32:54+00:00'
>>> extract_hashtags("周末去爬山 #旅行搭子[话题]##上海[话题]# 求带 #citywalk")
['旅行搭子', '上海', 'citywalk']
>>> detect_lang("Looking for a 饭搭子 in Shanghai")
'mixed'
"""

from __future__ import annotations

import ast
import json
import re
import time as _time
from datetime import UTC, datetime, timedelta, timezone, tzinfo

__all__ = [
    "MAX_COUNT",
    "SHANGHAI",
    "STICKER_RE",
    "detect_lang",
    "extract_hashtags",
    "extract_mentions",
    "is_mangled_id",
    "parse_count",
    "parse_list",
    "parse_time",
    "post_time",
    "replace_mentions",
]


def _shanghai() -> tzinfo:
    """Asia/Shanghai from the tz database, or a fixed UTC+8 where it is missing.

    China has kept UTC+8 without daylight saving since 1991, so the fixed
    offset differs from the real zone only for times before then.
    """
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
    except ImportError:  # pragma: no cover - Python 3.11 always has zoneinfo
        return timezone(timedelta(hours=8), "Asia/Shanghai")
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the machine
        return timezone(timedelta(hours=8), "Asia/Shanghai")


#: Time zone assumed for naive date-time strings (Chinese crawlers write local time).
SHANGHAI: tzinfo = _shanghai()

_UTC = UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)

# ---------------------------------------------------------------------------
# counts
# ---------------------------------------------------------------------------

_MISSING = frozenset({"", "none", "null", "nan", "n/a", "na", "-"})
_MISSING_LEN = max(map(len, _MISSING))

# A number (plain, or with correct thousands separators), an optional unit,
# an optional "+".  "1,234" and "1.3万+" match; "1,2" and "1.2.3" do not.
_COUNT_RE = re.compile(
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<unit>[万wW千kK亿]?)\s*(?P<plus>\+?)"
)
_UNITS = {
    "": 1,
    "万": 10_000,
    "w": 10_000,
    "W": 10_000,
    "千": 1_000,
    "k": 1_000,
    "K": 1_000,
    "亿": 100_000_000,
}


def parse_count(value: object) -> tuple[int | None, bool]:
    """Parse an engagement count as platforms display it.

    Parameters
    ----------
    value : str, int, float or None
        ``"3585"``, ``"1,234"``, ``"1.3万"``, ``"10万+"``, ``"2.1w"``, ``"1.2k"``,
        ``"1千+"``, ``"10+"``, ``"1.5亿"``; empty values (``""``, ``"None"``,
        ``None``, NaN) mean "not given".

    Returns
    -------
    (int or None, bool)
        The number, and whether it is approximate (it carried a unit such as
        万 or a trailing ``+``, so the platform rounded it).

    Raises
    ------
    ValueError
        For text that is not a count (``"abc"``, ``"1.2.3"``, ``"-5"``), a
        negative number, or a fractional count without a unit (``"3.5"``).

    Examples
    --------
    >>> parse_count("3585"), parse_count("10万+"), parse_count("1.2k")
    ((3585, False), (100000, True), (1200, True))
    >>> parse_count("None")
    (None, False)
    """
    if value is None:
        return None, False
    # exact type checks (not isinstance): bool and numpy scalars take the slower paths below
    if type(value) is str:
        s = value.strip()
        if s.isdigit() and s.isascii():
            return _bounded(int(s) if len(s) <= 20 else MAX_COUNT + 1, value), False
    elif type(value) is int:
        if value < 0:
            raise ValueError(f"a count cannot be negative: {value!r}")
        return _bounded(value, value), False
    elif type(value) is float:
        if value != value:  # NaN: a blank cell read by pandas or Excel
            return None, False
        if not value.is_integer() or value < 0:
            raise ValueError(f"not a whole, non-negative count: {value!r}")
        return _bounded(value, value), False
    elif type(value) is bool:
        raise ValueError(f"not a count: {value!r}")
    elif isinstance(value, int):  # int subclasses such as numpy ints
        return parse_count(int(value))
    else:
        s = str(value).strip()
    cached = _COUNT_CACHE.get(s)
    if cached is not None:
        return cached
    result = _parse_count_text(s, value)
    if len(_COUNT_CACHE) >= _COUNT_CACHE_MAX:
        _COUNT_CACHE.clear()
    _COUNT_CACHE[s] = result
    return result


#: The largest count accepted (2**53 - 1, exact as a float and in JavaScript;
#: four of them still add up within a 64-bit engagement total).  No platform
#: shows counts near it: a larger value is a mangled cell, not a count.
MAX_COUNT = 2**53 - 1


def _bounded(number: int | float, value: object) -> int:
    """*number* as an int, or a ValueError if it is too large to be a count."""
    if number > MAX_COUNT:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
        raise ValueError(f"too large to be a count: {shown}")
    return int(number)


# Displayed counts repeat ("10万+", "1.2万", "None"): remember parsed texts.
_COUNT_CACHE: dict[str, tuple[int | None, bool]] = {}
_COUNT_CACHE_MAX = 50_000


def _parse_count_text(s: str, value: object) -> tuple[int | None, bool]:
    if s.lower() in _MISSING:
        return None, False
    m = _COUNT_RE.fullmatch(s)
    if m is None:
        raise ValueError(f"not a count: {value!r}")
    num = m.group("num").replace(",", "")
    unit = m.group("unit")
    approx = bool(unit) or bool(m.group("plus"))
    if "." in num:
        if not unit:
            whole, _, frac = num.partition(".")
            if frac.strip("0"):
                raise ValueError(f"a count must be a whole number: {value!r}")
            return _bounded(int(whole) if len(whole) <= 20 else MAX_COUNT + 1, value), approx
        # round() of a float is exact enough: "1.15万" -> 11499.999... -> 11500
        scaled = float(num) * _UNITS[unit]
        return _bounded(round(scaled) if scaled <= MAX_COUNT else scaled, value), approx
    return _bounded(int(num) * _UNITS[unit] if len(num) <= 20 else MAX_COUNT + 1, value), approx


# ---------------------------------------------------------------------------
# times
# ---------------------------------------------------------------------------

_NUMBER_RE = re.compile(r"[+-]?\d+(?:\.\d+)?")
# Epoch values are read by magnitude, one value at a time: below 1e11 they are
# seconds (1e11 s is the year 5138), below 1e14 milliseconds (1e11 ms is March
# 1973, 1e14 ms the year 5138), and below 1e17 microseconds.  Every date a
# social platform can carry (2000 to now) falls in exactly one of the three.
_MS_THRESHOLD = 100_000_000_000
_US_THRESHOLD = 100_000_000_000_000
_MAX_EPOCH = 100_000_000_000_000_000
_FAST_S = 2**31  # January 2038: within every platform's gmtime
_FAST_MS = _FAST_S * 1000
_EXTRA_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%a %b %d %H:%M:%S %z %Y",  # Twitter v1.1 and the Weibo API
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
)
# "3月5日" or "03-05 12:00": a date without a year, as platforms show dates of
# the current year.
_NO_YEAR_RE = re.compile(
    r"(?P<m>\d{1,2})(?:月|-|/)(?P<d>\d{1,2})日?(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_UNITS_NAMED = {"s": "seconds", "ms": "milliseconds", "us": "microseconds"}

# Times as the apps show recent posts: "刚刚", "5分钟前", "3小时前", "2天前",
# "昨天 12:30", "前天", "今天 08:00"; also "5 minutes ago", "yesterday 12:30".
_AGO_UNITS = {"秒": 1, "秒钟": 1, "分钟": 60, "分": 60, "小时": 3600, "个小时": 3600, "天": 86_400,
              "周": 604_800, "星期": 604_800, "个星期": 604_800,
              "second": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86_400,
              "week": 604_800}
_AGO_RE = re.compile(
    r"(?P<n>\d{1,4})\s*(?P<unit>秒钟|秒|分钟|分|个小时|小时|天|个星期|星期|周)前"
    r"|(?P<en>\d{1,4})\s*(?P<enunit>second|minute|min|hour|hr|day|week)s?\s+ago",
    re.IGNORECASE,
)
_DAY_WORDS = {"今天": 0, "today": 0, "昨天": 1, "yesterday": 1, "前天": 2}
_DAY_RE = re.compile(
    r"(?P<w>今天|昨天|前天|today|yesterday)\s*(?:(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?",
    re.IGNORECASE,
)
_NOW_WORDS = frozenset({"刚刚", "刚才", "just now", "now"})

#: Earliest time a post may carry: 2000-01-01 00:00 UTC.  No platform dazi
#: reads existed before; an earlier date is a misread value (seconds read
#: as milliseconds give January 1970).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: How far in the future a time may lie (clocks and time zones differ).
FUTURE_SLACK = timedelta(days=2)
_EARLIEST_S = 946_684_800  # EARLIEST in epoch seconds
_SLACK_S = 2 * 86_400


def parse_time(
    value: object, unit: str = "auto", *, naive_tz: tzinfo = SHANGHAI, collected_at: datetime | None = None
) -> datetime | None:
    """Parse an epoch number or a date-time string into an aware UTC datetime.

    Parameters
    ----------
    value : int, float, str, datetime or None
        Epoch seconds, milliseconds or microseconds (number or digit string),
        or an ISO 8601 string with or without offset
        (``"2023-12-23 17:12:54+08:00"``, ``"2024-01-05T10:00:00.000Z"``),
        ``"%Y/%m/%d ..."`` as Excel rewrites dates, or a Chinese date
        (``"2024年3月5日"``, ``"2024年3月5日 12:00"``).  A date without a year
        (``"3月5日"``, ``"03-05 12:00"``, as platforms show this year's posts)
        is in the current year, or in the year before when that date is still
        to come.  A relative time as the apps show recent posts (``"刚刚"``,
        ``"5分钟前"``, ``"3小时前"``, ``"2天前"``, ``"昨天 12:30"``, ``"前天"``,
        ``"3 days ago"``) counts back from *collected_at*.  Empty values give None.
    unit : {"auto", "s", "ms", "us"}
        How to read a number.  ``"auto"`` (what every preset uses) decides by
        magnitude, per value: below 1e11 seconds, below 1e14 milliseconds,
        below 1e17 microseconds.
    naive_tz : tzinfo
        Zone of strings without an offset; Asia/Shanghai by default because
        the Chinese crawlers write local time.
    collected_at : datetime, optional
        When the page was saved (the crawler's time of the record): what a
        relative time counts back from, and the year of a date shown without
        one.  Without it a relative time is an error saying what is needed,
        and a date without a year is in the year up to now.

    Returns
    -------
    datetime or None
        Timezone-aware, in UTC.

    Raises
    ------
    ValueError
        For text that is no date, a number out of the datetime range, or a
        relative time without *collected_at*.

    Examples
    --------
    >>> parse_time("2023-12-23 17:12:54").isoformat()
    '2023-12-23T09:12:54+00:00'
    >>> parse_time("1703323974") == parse_time(1703323974000) == parse_time(1703323974000000)
    True
    >>> parse_time("2024年3月5日 12:00").isoformat()
    '2024-03-05T04:00:00+00:00'
    >>> saved = parse_time("2024-03-05 12:00")
    >>> parse_time("昨天 18:30", collected_at=saved).isoformat()
    '2024-03-04T10:30:00+00:00'
    >>> parse_time("5分钟前", collected_at=saved).isoformat()
    '2024-03-05T03:55:00+00:00'
    """
    if value is None:
        return None
    if type(value) is str:
        s = value.strip()
        if not s or s.lower() in _MISSING:
            return None
        if s.isdigit() and s.isascii():
            return _from_epoch(int(s), unit)
        if _NUMBER_RE.fullmatch(s):
            return _from_epoch(float(s), unit)
        return _parse_time_text(s, naive_tz, collected_at)
    if type(value) is int:
        return _from_epoch(value, unit)
    if type(value) is float:
        if value != value:  # NaN
            return None
        return _from_epoch(value, unit)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=naive_tz)
        return value.astimezone(_UTC)
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        return _from_epoch(value, unit)
    raise ValueError(f"not a time: {value!r}")


def _unit_of(number: int | float) -> str:
    n = abs(number)
    if n < _MS_THRESHOLD:
        return "s"
    if n < _US_THRESHOLD:
        return "ms"
    if n < _MAX_EPOCH:
        return "us"
    raise ValueError(
        f"epoch value out of range: {number!r} (too large for seconds, milliseconds or "
        "microseconds since 1970)"
    )


def _from_epoch(number: int | float, unit: str) -> datetime:
    if unit == "auto":
        unit = _unit_of(number)
    if type(number) is int and number >= 0:
        # fromtimestamp is three times faster than adding a timedelta, and exact
        # here: below 2**31 s a float is within 0.12 microseconds of number / 1000
        if unit == "ms" and number < _FAST_MS:
            return datetime.fromtimestamp(number / 1000, _UTC)
        if unit == "s" and number < _FAST_S:
            return datetime.fromtimestamp(number, _UTC)
    try:
        if unit == "ms":
            return _EPOCH + timedelta(milliseconds=number)
        if unit == "s":
            return _EPOCH + timedelta(seconds=number)
        if unit == "us":
            return _EPOCH + timedelta(microseconds=number)
    except OverflowError as exc:
        raise ValueError(
            f"epoch value out of range: {number!r} read as {_UNITS_NAMED[unit]}"
        ) from exc
    raise ValueError(f"unit must be 'auto', 's', 'ms' or 'us', not {unit!r}")


def _parse_time_text(s: str, naive_tz: tzinfo, collected_at: datetime | None = None) -> datetime:
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        for fmt in _EXTRA_FORMATS:
            try:
                dt = datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
        else:
            relative = _relative(s, naive_tz, collected_at)
            dt = relative if relative is not None else _no_year(s, naive_tz, collected_at)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=naive_tz)
    return dt.astimezone(_UTC)


def _relative(s: str, naive_tz: tzinfo, collected_at: datetime | None) -> datetime | None:
    """A relative time ("5分钟前", "昨天 12:30") counted back from *collected_at*; None for other text."""
    ago = _AGO_RE.fullmatch(s)
    day = None if ago else _DAY_RE.fullmatch(s)
    if ago is None and day is None and s.lower() not in _NOW_WORDS:
        return None
    if collected_at is None:
        raise ValueError(
            f"{s!r} is a relative time, counted from when the page was saved, and this row does not say "
            "when that was: add a crawled_at column (the date and time the data was collected) or "
            "export absolute times"
        )
    saved = collected_at if collected_at.tzinfo else collected_at.replace(tzinfo=naive_tz)
    if ago is not None:
        n, unit = (ago["n"], ago["unit"]) if ago["n"] else (ago["en"], ago["enunit"].lower())
        return saved - timedelta(seconds=int(n) * _AGO_UNITS[unit])
    if day is None:
        return saved
    local = saved.astimezone(naive_tz)
    date = (local - timedelta(days=_DAY_WORDS[day["w"].lower()])).date()
    try:
        return datetime(date.year, date.month, date.day, int(day["H"] or 0), int(day["M"] or 0),
                        int(day["S"] or 0), tzinfo=naive_tz)
    except ValueError:
        raise ValueError(f"not a date or time: {s!r}") from None


def _no_year(s: str, naive_tz: tzinfo, collected_at: datetime | None = None) -> datetime:
    """``"3月5日"``: a date in the year up to *collected_at* (or now): last year's when it is still to come."""
    m = _NO_YEAR_RE.fullmatch(s)
    if m is None:
        raise ValueError(f"not a date or time: {s!r}")
    now = datetime.now(naive_tz) if collected_at is None else collected_at.astimezone(naive_tz)
    month, day, hour, minute, second = (int(m.group(k) or 0) for k in ("m", "d", "H", "M", "S"))
    try:
        dt = datetime(now.year, month, day, hour, minute, second, tzinfo=naive_tz)
        if dt > now + FUTURE_SLACK:
            dt = dt.replace(year=now.year - 1)
    except ValueError:
        raise ValueError(f"not a date or time: {s!r}") from None
    return dt


def post_time(
    value: object, *, naive_tz: tzinfo = SHANGHAI, collected_at: datetime | None = None
) -> datetime | None:
    """:func:`parse_time` with the unit by magnitude, refusing dates before 2000 or in the future.

    What every preset calls for a post's or comment's time.  ``0`` and
    ``"0"`` (crawlers' "not set") give None.

    Raises
    ------
    ValueError
        Saying the date the value would be and why it cannot be right, e.g.
        ``1703323`` read as seconds is 1970-01-20.

    Examples
    --------
    >>> post_time(1703323974).isoformat(), post_time(1703323974000).isoformat()
    ('2023-12-23T09:32:54+00:00', '2023-12-23T09:32:54+00:00')
    >>> post_time(1703323)
    Traceback (most recent call last):
    ...
    ValueError: 1703323 is 1970-01-20 17:08 UTC (read as seconds), before 2000: not a post's time
    """
    n: int | None = None
    if type(value) is int:
        n = value
    elif type(value) is str and value.isdigit() and value.isascii():
        n = int(value)
    if n is not None:
        if n == 0:
            return None
        # the usual case, checked on the number: no datetime is made twice
        if _EARLIEST_S <= n < _MS_THRESHOLD:
            if n <= _time.time() + _SLACK_S:
                return datetime.fromtimestamp(n, _UTC)
        elif _EARLIEST_S * 1000 <= n < _US_THRESHOLD:
            if n <= (_time.time() + _SLACK_S) * 1000:
                return datetime.fromtimestamp(n / 1000, _UTC)
    elif value == 0 or value == "0":
        return None
    dt = parse_time(value, "auto", naive_tz=naive_tz, collected_at=collected_at)
    if dt is None:
        return None
    if dt < EARLIEST or dt > datetime.now(_UTC) + FUTURE_SLACK:
        when = "before 2000" if dt < EARLIEST else "in the future"
        how = ""
        if isinstance(value, int | float) or (type(value) is str and _NUMBER_RE.fullmatch(value.strip())):
            how = f" (read as {_UNITS_NAMED[_unit_of(float(value))]})"
        shown = value if isinstance(value, int | float) else repr(value)
        raise ValueError(f"{shown} is {dt:%Y-%m-%d %H:%M} UTC{how}, {when}: not a post's time")
    return dt


# ---------------------------------------------------------------------------
# hashtags, mentions, stickers
# ---------------------------------------------------------------------------

# One scan, three alternatives tried left to right at each "#":
#  1. Xiaohongshu  #旅行搭子[话题]#  (also Weibo super topics  #名字[超话]# ),
#     the closing "#" optional because exports sometimes drop it;
#  2. Weibo        #话题#  : no newline, no sentence punctuation, not
#     starting or ending with a space (so "#a #b" is two plain tags);
#  3. plain        #tag   : word characters (Latin, digits, Han, _).
# The pattern starts with the literal "#" (the look-behind comes after it) so
# that the regex engine can jump from "#" to "#": three times faster.  The
# topic name is matched greedily: it cannot contain "[", so the only place its
# "[话题]" can start is where the run of name characters ends, and the
# greedy match gets there without trying "[" after every character.
_HASHTAG_RE = re.compile(
    r"#(?<![A-Za-z0-9_&/]#)"
    r"(?:"
    r"(?P<xhs>[^#\[\]\n]{1,100})\[(?:话题|超话)\]#?"
    r"|(?P<weibo>[^#\s，。！？；,;!?](?:[^#\n，。！？；,;!?]{0,62}[^#\s，。！？；,;!?])?)#"
    r"|(?P<plain>\w+)"
    r")"
)


def extract_hashtags(text: str | None) -> list[str]:
    """Hashtags in a post, without ``#`` or ``[话题]``, deduplicated, in order.

    Recognises Xiaohongshu's ``#旅行搭子[话题]#`` (also written adjacent:
    ``#a[话题]##b[话题]#``), Weibo's ``#话题#``, and plain ``#tag`` made of
    word characters (Latin letters, digits, Han characters, ``_``), which ends
    at whitespace, punctuation or emoji.  Purely numeric plain tags (``#1``)
    are not tags.

    Examples
    --------
    >>> extract_hashtags("#学习搭子[话题]# 打卡第3天 #考研##考研# #1")
    ['学习搭子', '考研']
    """
    if not text or "#" not in text:
        return []
    seen: dict[str, None] = {}
    for xhs, weibo, plain in _HASHTAG_RE.findall(text):
        if xhs or weibo:
            tag = (xhs or weibo).strip()
        elif plain.isdigit():
            continue
        else:
            tag = plain
        if tag:
            seen[tag] = None
    return list(seen)


# "@" not preceded by an e-mail-ish character; a name is word characters plus
# "-" and "·" (Weibo and Xiaohongshu nicknames), ending at space or punctuation.
_MENTION_RE = re.compile(r"@(?<![A-Za-z0-9_.+\-]@)(?P<name>[\w\-·]{1,50})")


def extract_mentions(text: str | None) -> list[str]:
    """``@name`` mentions in a post, without ``@``, deduplicated, in order.

    A name is made of word characters (Han, Latin, digits, ``_``), ``-`` and
    ``·``; it ends at whitespace, punctuation or emoji.  An ``@`` inside an
    e-mail address (``me@example.com``) is not a mention.

    Examples
    --------
    >>> extract_mentions("谢谢@小红薯123 和 @Amy_Li，邮件 me@example.com")
    ['小红薯123', 'Amy_Li']
    """
    if not text or "@" not in text:
        return []
    return list(dict.fromkeys(_MENTION_RE.findall(text)))


def replace_mentions(text: str, replace) -> str:
    """Rewrite each ``@name`` in *text* as ``@`` + ``replace(name)``.

    Uses the same pattern as :func:`extract_mentions`, so what one finds the
    other rewrites (the pseudonymiser relies on that).

    Examples
    --------
    >>> replace_mentions("hi @Amy!", str.upper)
    'hi @AMY!'
    """
    if not text or "@" not in text:
        return text
    return _MENTION_RE.sub(lambda m: "@" + replace(m.group("name")), text)


#: Sticker (emoticon) codes such as ``[笑哭R]``, ``[允悲]``, ``[doge]``; they stay in
#: the text, but this pattern lets search and language detection skip them.
STICKER_RE = re.compile(r"\[(?!话题\]|超话\])[\u4e00-\u9fffA-Za-z0-9_]{1,8}\]")

# ---------------------------------------------------------------------------
# language
# ---------------------------------------------------------------------------

_LANG_SAMPLE = 2000
_NOISE_RE = re.compile(r"https?://\S+|www\.\S+|@[\w\-·]+|\[[^\[\]\n]{1,10}\]")
# bytes.translate table: ASCII letters -> "a", every other byte -> " ", so that
# the number of whitespace-separated runs is the number of Latin words.
_LETTERS = bytes(97 if (65 <= i <= 90 or 97 <= i <= 122) else 32 for i in range(256))
# UTF-8 lead bytes of U+4000 to U+9FFF: one per Han character
_HAN_LEADS = b"\xe4\xe5\xe6\xe7\xe8\xe9"


def detect_lang(text: str | None) -> str | None:
    """Say whether a text is Chinese, Latin-script, or mixed, by script counts.

    Compares Han characters with Latin *words* (one Chinese character carries
    about as much as one English word), after dropping URLs, ``@mentions`` and
    bracketed codes (``[话题]``, ``[doge]``).  A text is ``"zh"`` when at least
    85% of those units are Han, ``"en"`` when at most 15% are, ``"mixed"`` in
    between, and None without letters of either kind.  Only the first 2,000
    characters are read.

    For speed the counting works on the UTF-8 bytes: Han characters are those
    of U+4000 to U+9FFF (lead bytes E4 to E9, which hold the CJK Unified
    Ideographs in everyday use), Latin words are runs of ASCII letters.

    Examples
    --------
    >>> detect_lang("周末找个饭搭子"), detect_lang("Any study buddy?"), detect_lang("🙂 123")
    ('zh', 'en', None)
    """
    if not text:
        return None
    if len(text) > _LANG_SAMPLE:  # the start of a long text says enough
        text = text[:_LANG_SAMPLE]
    if "[" in text:
        # Xiaohongshu's topic marker is the usual bracket code: drop it without the regex
        text = text.replace("[话题]", " ")
    if "http" in text or "@" in text or "[" in text or "www." in text:
        text = _NOISE_RE.sub(" ", text)
    data = text.encode("utf-8", "surrogatepass")
    han = len(data) - len(data.translate(None, _HAN_LEADS))
    latin = len(data.translate(_LETTERS).split())
    total = han + latin
    if total == 0:
        return None
    share = han / total
    if share >= 0.85:
        return "zh"
    if share <= 0.15:
        return "en"
    return "mixed"


# ---------------------------------------------------------------------------
# ids and lists
# ---------------------------------------------------------------------------

_SCI_RE = re.compile(r"\s*[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+\s*")


def is_mangled_id(value: object) -> bool:
    """True if an id went through a spreadsheet as a number and lost digits.

    Excel shows and saves long numeric ids in scientific notation
    (``"4.75E+15"``, ``"1.23457E+18"``) and keeps only 15 significant digits,
    so the original id cannot be recovered.  Any ``float`` id is suspect in the
    same way (a 19-digit Douyin id does not fit a double).

    Examples
    --------
    >>> is_mangled_id("4.75E+15"), is_mangled_id(4.75e15), is_mangled_id("7301234567890123456")
    (True, True, False)
    """
    if type(value) is str:
        return "e" in value.lower() and _SCI_RE.fullmatch(value) is not None
    return isinstance(value, float)


_LIST_SPLIT_RE = re.compile(r"\s*[,，]\s*")
_MAX_LITERAL = 100_000


def parse_list(value: object) -> list[str]:
    """Read a list value however the crawler wrote it.

    Accepts a real list; a JSON array (``'["a", "b"]'``); a Python repr
    (``"['a', 'b']"``, as Spider_XHS writes, read with
    :func:`ast.literal_eval`, which evaluates literals only); a JSON-quoted
    string (``'"a,b"'``, as MediaCrawler's SQLite store writes); or a
    comma-joined string (``"a,b"``).  Empty items are dropped.

    Raises
    ------
    ValueError
        When a value that looks like a list literal cannot be read.

    Examples
    --------
    >>> parse_list("['旅行', '搭子']"), parse_list('"a,b"'), parse_list("a, b,")
    (['旅行', '搭子'], ['a', 'b'], ['a', 'b'])
    """
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).replace("\x00", "").strip() for v in value
                if v is not None and str(v).replace("\x00", "").strip()]
    s = str(value).strip()
    if "\x00" in s:  # never part of a tag or keyword (and PostgreSQL text cannot hold it)
        s = s.replace("\x00", "")
    if not s or (len(s) <= _MISSING_LEN and s.lower() in _MISSING):
        return []
    first = s[0]
    if first == "[" and s[-1] == "]":
        return parse_list(_read_literal(s))
    if first == '"' and s[-1] == '"' and len(s) >= 2:
        try:
            inner = json.loads(s)
        except ValueError as exc:
            raise ValueError(f"not a JSON string: {s[:80]!r}") from exc
        return parse_list(inner)
    if "，" not in s:  # the common case, without a regex
        return [part for part in map(str.strip, s.split(",")) if part]
    return [part for part in _LIST_SPLIT_RE.split(s) if part]


def _read_literal(s: str) -> object:
    try:
        return json.loads(s)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        pass
    if len(s) > _MAX_LITERAL:
        raise ValueError(f"list literal too long ({len(s)} characters)")
    try:
        result = ast.literal_eval(s)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not a list: {s[:80]!r}") from exc
    if not isinstance(result, list | tuple):
        raise ValueError(f"not a list: {s[:80]!r}")
    return list(result)
