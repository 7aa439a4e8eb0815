"""Zeeschuimer NDJSON exports: one envelope a line, the platform's object in ``data``.

Zeeschuimer (digitalmethodsinitiative/zeeschuimer) stores each captured item
as ``{id, nav_index, item_id, timestamp_collected (ms), last_updated,
source_platform, source_platform_url, source_url, user_agent, data}``
(``js/zs-background.js``) and exports one platform at a time
(``popup/interface.js``: ``zeeschuimer-export-<platform>-<time>.ndjson``).
The envelope's columns are the same for every platform, so the preset
``zeeschuimer`` reads ``source_platform`` of the first line and hands the
file to the platform's preset; a platform dazi does not read is refused,
naming it.  Every line must hold the same platform as the first.

Platforms: ``xiaohongshu.com`` (RedNote notes, ``modules/rednote.js``),
``xiaohongshu-comments`` (``modules/rednote-comments.js``), ``douyin.com``
(``modules/douyin.js``), ``tiktok.com`` (``modules/tiktok.js``),
``tiktok-comments`` (``modules/tiktok-comments.js``), ``instagram.com``
(``modules/instagram.js``).  The objects are read by :mod:`.objects`.
Zeeschuimer's CSV export (``;``-separated) holds the columns 4CAT maps;
:mod:`.fourcat` reads it.
"""

from __future__ import annotations

from collections.abc import Callable

from corpus.presets import objects
from corpus.presets.base import PRESETS, Preset, RowError, register

_ENVELOPE = ("item_id", "source_platform", "data")
_MARKERS = (
    "id",
    "nav_index",
    "timestamp_collected",
    "last_updated",
    "source_platform_url",
    "source_url",
    "user_agent",
)
_SOURCE = "Zeeschuimer 1.x (digitalmethodsinitiative/zeeschuimer); "

#: source_platform -> (preset name, platform, kind, object reader, module file)
_PLATFORMS: dict[str, tuple[str, str, str, Callable, str]] = {
    "xiaohongshu.com": ("zeeschuimer-xiaohongshu", "xiaohongshu", "posts", objects.rednote_note,
                        "modules/rednote.js"),
    "xiaohongshu-comments": ("zeeschuimer-xiaohongshu-comments", "xiaohongshu", "comments",
                             objects.rednote_comment, "modules/rednote-comments.js"),
    "douyin.com": ("zeeschuimer-douyin", "douyin", "posts", objects.douyin_video, "modules/douyin.js"),
    "tiktok.com": ("zeeschuimer-tiktok", "tiktok", "posts", objects.tiktok_video, "modules/tiktok.js"),
    "tiktok-comments": ("zeeschuimer-tiktok-comments", "tiktok", "comments", objects.tiktok_comment,
                        "modules/tiktok-comments.js"),
    "instagram.com": ("zeeschuimer-instagram", "instagram", "posts", objects.instagram_post,
                      "modules/instagram.js"),
}

_PLATFORM_HINT = (
    "Export one platform at a time from Zeeschuimer (each platform's own .ndjson button), "
    "and import each file separately."
)


def _platform_of(rec: dict, column: str = "source_platform") -> str:
    value = rec.get(column)
    if not isinstance(value, str) or not value.strip():
        raise RowError(column, f"the line has no {column}", "Every Zeeschuimer line names its platform.")
    return value.strip()


def unknown_platform(platform: str, column: str = "source_platform") -> RowError:
    """The error for items of a platform dazi does not read, naming it."""
    return RowError(
        column,
        f"the file holds Zeeschuimer items of {platform!r}, a platform dazi does not read "
        f"(it reads {', '.join(_PLATFORMS)})",
        "Collect one of those platforms, or convert the items to a sheet with columns "
        "post_id and text (dazi's own layout) and import that.",
    )


def _converter(expected: str, read: Callable) -> Callable[[dict], dict]:
    def convert(rec: dict) -> dict:
        platform = rec.get("source_platform")
        if platform != expected:
            shown = _platform_of(rec)
            raise RowError(
                "source_platform",
                f"this line holds a {shown!r} item, but the file's first line a {expected!r} one",
                _PLATFORM_HINT,
            )
        data = rec.get("data")
        if not isinstance(data, dict):
            raise RowError("data", "the line's 'data' is not an object", objects._SHAPE_HINT)
        item = read(data, rec, "data.")
        item["raw"] = rec
        return item

    return convert


def _choose(rec: dict) -> Preset:
    platform = _platform_of(rec)
    entry = _PLATFORMS.get(platform)
    if entry is None:
        raise unknown_platform(platform)
    return PRESETS[entry[0]]


def _no_convert(rec: dict) -> dict:
    raise RowError("source_platform", "a Zeeschuimer file is read by its platform's preset")


register(
    Preset(
        "zeeschuimer",
        "other",
        "posts",
        columns=_ENVELOPE,
        markers=_MARKERS,
        convert=_no_convert,
        choose=_choose,
        source=_SOURCE + "js/zs-background.js (the envelope)",
        description="Zeeschuimer NDJSON export (any platform below; chosen by source_platform)",
    )
)
for _name, (_preset, _platform, _kind, _read, _module) in _PLATFORMS.items():
    register(
        Preset(
            _preset,
            _platform,
            _kind,
            columns=_ENVELOPE,
            markers=_MARKERS,
            convert=_converter(_name, _read),
            detect=False,
            source=_SOURCE + _module,
            description=f"Zeeschuimer NDJSON of {_name}",
        )
    )
