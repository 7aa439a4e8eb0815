"""Presets: how each tool's records become canonical posts and comments.

A :class:`Preset` names a tool's output layout (``mediacrawler-xhs-notes``,
``zeeschuimer-xiaohongshu``, ``weibo-search``, ``dazi-posts`` ...), the columns
that identify it, and a function from one raw record to one canonical dict
(see :mod:`corpus.fields`).  :func:`detect_preset` picks the preset from a
file's columns, never from its name; :func:`get_preset` forces one by name;
and :func:`generic_preset` builds one from a column mapping
(``{"post_id": "编号", "text": "正文", "likes": "点赞数"}``) for files no
preset knows.

One module per source family, each registering its presets
(:func:`corpus.presets.base.register`):

==================  ===========================================================
module              layouts
==================  ===========================================================
``canonical``       dazi's own field names (its exports, researchers' sheets)
``fourcat``         4CAT NDJSON and CSV downloads of Zeeschuimer datasources
``mediacrawler``    MediaCrawler: xhs, douyin, kuaishou, bilibili, weibo,
                    tieba, zhihu; contents and comments
``reddit``          Pushshift / Arctic Shift dumps
``spider_xhs``      Spider_XHS workbooks (Chinese headers)
``weibo_csv``       dataabc weibo-search and weibo-crawler
``x``               X API v2 pages, tweet objects, twarc-csv
``zeeschuimer``     Zeeschuimer NDJSON envelopes
==================  ===========================================================

A new source is one new module in this folder that calls ``register``: the
package imports every module it holds (in name order, which breaks ties in
detection).  ``values`` holds the converters' cell readers, ``objects`` the
platform objects Zeeschuimer and 4CAT share, ``base`` the registry and
``generic`` the ``--map`` preset.

Converters raise :class:`RowError` (column, reason, hint) for a record they
cannot convert; the loader adds the file and row and either stops or skips
the row.  They do not copy records: the canonical dict's ``raw`` *is* the
record the reader produced.
"""

from __future__ import annotations

import importlib
import pkgutil

from corpus.presets.base import (
    PRESETS,
    Preset,
    PresetMatch,
    RowError,
    check_columns,
    choose_preset,
    describe_presets,
    detect_preset,
    get_preset,
    rank_presets,
    register,
)
from corpus.presets.generic import GENERIC_FIELDS, generic_preset

__all__ = [
    "GENERIC_FIELDS",
    "PRESETS",
    "Preset",
    "PresetMatch",
    "RowError",
    "check_columns",
    "choose_preset",
    "describe_presets",
    "detect_preset",
    "generic_preset",
    "get_preset",
    "rank_presets",
    "register",
]

#: Modules that hold no source of their own.
_NOT_SOURCES = frozenset({"base", "generic", "values", "objects"})


def _load_sources() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in _NOT_SOURCES:
            continue
        importlib.import_module(f"{__name__}.{info.name}")


_load_sources()
