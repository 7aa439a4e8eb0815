"""The generic preset: a file no preset knows, read through a column mapping (``--map``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from corpus.fields import COUNT_FIELDS, PLATFORMS
from corpus.parsing import detect_lang
from corpus.presets.base import Preset
from corpus.presets.values import (
    _id,
    _list,
    _mentions_of,
    _merge,
    _new_post,
    _opt_id,
    _set_counts,
    _status,
    _str,
    _tags_of,
    _text,
    _time,
    _title,
)
from dazi.errors import InputError, ValidationError

__all__ = ["GENERIC_FIELDS", "generic_preset"]


#: Canonical fields a ``--map field=column`` may name (plus the aliases below).
GENERIC_FIELDS: tuple[str, ...] = (
    "post_id",
    "text",
    "title",
    "url",
    "author_id",
    "author_name",
    "created_at",
    "location",
    *COUNT_FIELDS,
    "hashtags",
    "mentions",
    "source_keywords",
    "status",
    "crawled_at",
    "platform",
)
_ALIASES = {
    "id": "post_id",
    "author": "author_name",
    "time": "created_at",
    "date": "created_at",
    "keyword": "source_keywords",
    "source_keyword": "source_keywords",
    "collected_at": "crawled_at",
    "tags": "hashtags",
    "body": "text",
    "content": "text",
}


def generic_preset(
    mapping: Mapping[str, str],
    columns: Iterable[str] | None = None,
    *,
    file: str | None = None,
) -> Preset:
    """Build a preset from ``{canonical_field: column}`` (the CLI's ``--map``).

    Parameters
    ----------
    mapping : mapping of str to str
        Must name an id column (``post_id`` or ``id``) and a text column
        (``text``).  Counts are parsed like every preset's; ``hashtags``,
        ``mentions`` and ``source_keywords`` columns are read as lists and
        merged with the tags and mentions found in the text.  ``platform``
        names a column or is one of :data:`corpus.fields.PLATFORMS` for all
        rows (``other`` when not given).
    columns : iterable of str, optional
        The file's columns; when given, every mapped column must be one.
    file : str, optional
        For error messages.

    Raises
    ------
    ValidationError
        For an unknown canonical field or a mapping without id or text.
    InputError
        For a mapped column the file does not have (the message lists the
        columns it has).

    Examples
    --------
    >>> p = generic_preset({"id": "编号", "text": "正文", "likes": "点赞数"})
    >>> post = p.convert({"编号": "7", "正文": "找饭搭子 #美食", "点赞数": "1.2万"})
    >>> post["post_id"], post["likes"], post["counts_approximate"], post["hashtags"]
    ('7', 12000, True, ['美食'])
    """
    fields: dict[str, str] = {}
    for key, column in mapping.items():
        name = _ALIASES.get(key, key)
        if name not in GENERIC_FIELDS:
            raise ValidationError(
                f"--map {key}=...: {key!r} is not a field dazi knows",
                "Fields: " + ", ".join(GENERIC_FIELDS) + " (aliases: id, author, time, keyword).",
            )
        if name in fields:
            raise ValidationError(f"--map names the field {name!r} twice")
        fields[name] = str(column)
    missing = [f for f in ("post_id", "text") if f not in fields]
    if missing:
        raise ValidationError(
            "a column mapping must name at least an id column and a text column "
            f"(missing: {', '.join(missing)})",
            "Add e.g. --map post_id=笔记id --map text=描述.",
        )
    platform_value = fields.pop("platform", None)
    platform_column: str | None = None
    platform = "other"
    cols = list(columns) if columns is not None else None
    if platform_value is not None:
        if cols is not None and platform_value in cols:
            platform_column = platform_value
        elif platform_value in PLATFORMS:
            platform = platform_value
        elif cols is None:
            platform_column = platform_value
        else:
            raise InputError(
                f"--map platform={platform_value}: no such column, and not a platform name",
                f"Give a column, or one of: {', '.join(PLATFORMS)}.",
                file=file,
            )
    if cols is not None:
        unknown = [c for c in fields.values() if c not in cols]
        if unknown:
            raise InputError(
                f"mapped column(s) not in the file: {', '.join(map(repr, unknown))}",
                "Columns in the file: " + ", ".join(map(repr, cols)),
                file=file,
                column=unknown[0],
            )
    convert = _generic_converter(fields, platform, platform_column)
    required = tuple(fields.values()) + ((platform_column,) if platform_column else ())
    return Preset(
        name="generic",
        platform=platform,
        kind="posts",
        columns=tuple(dict.fromkeys(required)),
        convert=convert,
        time_unit="auto",
        description="columns named with --map field=column",
    )


def _generic_converter(
    fields: dict[str, str], platform: str, platform_column: str | None
) -> Callable[[dict], dict]:
    id_col = fields["post_id"]
    text_col = fields["text"]
    simple = [(f, fields[f]) for f in ("url", "author_name", "location") if f in fields]
    counts = tuple((f, fields[f]) for f in COUNT_FIELDS if f in fields)
    title_col = fields.get("title")
    author_id_col = fields.get("author_id")
    created_col = fields.get("created_at")
    crawled_col = fields.get("crawled_at")
    tags_col = fields.get("hashtags")
    mentions_col = fields.get("mentions")
    kw_col = fields.get("source_keywords")
    status_col = fields.get("status")

    def convert(rec: dict) -> dict:
        plat = platform
        if platform_column is not None:
            value = (_str(rec.get(platform_column)) or "other").lower()
            plat = value if value in PLATFORMS else "other"
        post = _new_post(plat)
        post["post_id"] = _id(rec, id_col)
        text = _text(rec.get(text_col))
        post["text"] = text
        title = _title(rec.get(title_col), text) if title_col else None
        post["title"] = title
        for fld, col in simple:
            post[fld] = _str(rec.get(col))
        if author_id_col:
            post["author_id"] = _opt_id(rec, author_id_col)
        crawled = _time(rec, crawled_col) if crawled_col else None
        post["crawled_at"] = crawled
        if created_col:
            post["created_at"] = _time(rec, created_col, collected_at=crawled)
        _set_counts(post, rec, counts)
        tags = _tags_of(title, text)
        post["hashtags"] = _merge(tags, _list(rec, tags_col)) if tags_col else tags
        mentions = _mentions_of(title, text)
        post["mentions"] = _merge(mentions, _list(rec, mentions_col)) if mentions_col else mentions
        if kw_col:
            post["source_keywords"] = _list(rec, kw_col)
        if status_col:
            post["status"] = _status({"status": rec.get(status_col)})
        post["lang"] = detect_lang(text or title)
        post["raw"] = rec
        return post

    return convert


