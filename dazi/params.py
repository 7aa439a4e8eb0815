"""Python values as database driver parameters, without SQLAlchemy.

Bulk writes (:func:`dazi.db.bulk_insert`, the importer) hand rows straight to
the driver's ``executemany``, skipping SQLAlchemy's per-row processing, so
the values must already be what the column types would have sent.  This
module does that conversion.  It imports only the standard library and
``orjson`` so that import worker processes can prepare rows without loading
SQLAlchemy; :func:`dazi.db.column_kinds` reads the kind of each column from
the schema, which stays defined once in :mod:`dazi.schema`.

Kinds
    ``"json"``: serialised with orjson (as the engines' ``json_serializer``
    does); on SQLite the UTF-8 ``bytes`` orjson writes, which
    :func:`dazi.db.insert_params` stores as text (``CAST(? AS TEXT)``), so the
    stored value is the same text while nobody decodes it into a ``str`` (the
    importer's workers), marshals it as one (both processes) and encodes it
    back (the driver): a fifth of an import's CPU for the ``raw`` column;
    elsewhere the ``str``.  ``"time"``: an aware datetime; on SQLite the
    naive UTC text SQLAlchemy's ``DateTime`` stores
    (``2024-01-05 10:00:00.000000``), elsewhere the datetime itself.
    ``"bool"``: ``0``/``1`` on SQLite, the bool elsewhere.  ``None``: as is.

>>> from datetime import datetime, timezone
>>> to_param("time", datetime(2024, 1, 5, 10, tzinfo=timezone.utc), sqlite=True)
'2024-01-05 10:00:00.000000'
>>> to_param("json", {"a": [1, "搭子"]}, sqlite=False)
'{"a":[1,"搭子"]}'
>>> to_param("json", {"a": [1, "搭子"]}, sqlite=True).decode()
'{"a":[1,"搭子"]}'
>>> from_param("time", "2024-01-05 10:00:00.000000", sqlite=True).isoformat()
'2024-01-05T10:00:00+00:00'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import orjson

__all__ = ["KINDS", "convert_column", "converters", "from_param", "sqlite_time", "to_param"]

#: The kinds of column that need converting (None: passed as is).
KINDS: tuple[str, ...] = ("json", "time", "bool")

_UTC = UTC
_dumps = orjson.dumps


def sqlite_time(value: datetime) -> str:
    """An aware datetime as the naive UTC text SQLAlchemy stores on SQLite.

    Raises
    ------
    ValueError
        For a naive datetime, as :class:`dazi.schema.UTCDateTime` does.
    """
    tz = value.tzinfo
    if tz is None:
        raise ValueError("naive datetime given to the database; use an aware datetime")
    if tz is not _UTC:
        value = value.astimezone(_UTC)
    # isoformat is several times faster than strftime; cut off its "+00:00"
    text = value.isoformat(" ")
    return text[:26] if value.microsecond else text[:19] + ".000000"


def _json(value: object) -> str | None:
    return None if value is None else _dumps(value).decode()


def _json_bytes(value: object) -> bytes | None:
    # a copy: orjson's own result keeps its whole buffer (4 KiB or more) allocated
    return None if value is None else bytes(memoryview(_dumps(value)))


def _time(value: datetime | None) -> str | None:
    return None if value is None else sqlite_time(value)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use an aware datetime")
    return value


def _bool(value: object) -> int | None:
    return None if value is None else int(bool(value))


def converters(kinds: Sequence[str | None], *, sqlite: bool) -> list[Callable | None]:
    """One converter per column (None where the value passes as is)."""
    out: list[Callable | None] = []
    for kind in kinds:
        if kind == "json":
            out.append(_json_bytes if sqlite else _json)
        elif kind == "time":
            out.append(_time if sqlite else _aware)
        elif kind == "bool":
            out.append(_bool if sqlite else None)
        elif kind is None:
            out.append(None)
        else:
            raise ValueError(f"unknown column kind {kind!r}; expected one of {KINDS} or None")
    return out


def convert_column(kind: str | None, values: Sequence, *, sqlite: bool) -> Sequence:
    """The values of one column as parameters: :func:`to_param` on each, faster.

    The common kinds are converted in one comprehension each, without a
    Python function call per value (a third of the cost of a bulk insert).
    """
    if kind == "json":
        dumps = _dumps
        # empty lists (no mentions, no keywords) are common: no need to serialise them
        if sqlite:  # copies: see _json_bytes
            return [None if v is None else b"[]" if v == [] else bytes(memoryview(dumps(v))) for v in values]
        return [None if v is None else "[]" if v == [] else dumps(v).decode() for v in values]
    if kind == "time" and sqlite:
        return [None if v is None else sqlite_time(v) for v in values]
    if kind == "bool" and sqlite:
        return [None if v is None else int(bool(v)) for v in values]
    convert = converters([kind], sqlite=sqlite)[0]
    return values if convert is None else [convert(v) for v in values]


def to_param(kind: str | None, value: object, *, sqlite: bool) -> object:
    """One value as the driver parameter for a column of this kind."""
    convert = converters([kind], sqlite=sqlite)[0]
    return value if convert is None else convert(value)


def from_param(kind: str | None, value: object, *, sqlite: bool) -> object:
    """The Python value a parameter made by :func:`to_param` stands for.

    Used on the rare paths that update a row through SQLAlchemy instead of
    inserting prepared parameters.
    """
    if value is None:
        return None
    if kind == "json":
        return orjson.loads(value)  # type: ignore[arg-type]
    if kind == "time" and sqlite:
        return datetime.fromisoformat(value).replace(tzinfo=_UTC)  # type: ignore[arg-type]
    if kind == "bool":
        return bool(value)
    return value
