"""MediaCrawler's SQLite store: one part per table."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from corpus.formats.records import FileInfo, Records
from dazi.errors import InputError


def _iter_sqlite(path: str) -> Iterator[tuple[FileInfo, Records]]:
    uri = "file:" + Path(path).resolve().as_posix() + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True)
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damaged, or text not UTF-8
        raise InputError(f"cannot read the SQLite file ({exc})", file=path) from exc
    try:
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            info = FileInfo(path, "sqlite", part=name)
            try:
                info.columns = [r[1] for r in con.execute(f"PRAGMA table_info({quoted})")]
            except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
                raise _sqlite_damaged(info, None, exc) from exc
            yield info, _sqlite_records(con, quoted, info)
    finally:
        con.close()


def _sqlite_damaged(info: FileInfo, row: int | None, exc: Exception) -> InputError:
    return InputError(
        f"cannot read the SQLite file ({exc})",
        "The file is damaged or incompletely copied; copy it again from the crawler's "
        "folder (with the crawler stopped).",
        file=info.label,
        row=row,
    )


def _sqlite_records(con: sqlite3.Connection, quoted: str, info: FileInfo) -> Records:
    columns = info.columns
    row = 0
    try:
        cur = con.execute(f"SELECT * FROM {quoted}")
        while True:
            rows = cur.fetchmany(2000)
            if not rows:
                break
            for values in rows:
                row += 1
                yield row, dict(zip(columns, values))
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # found only when read
        raise _sqlite_damaged(info, row + 1, exc) from exc
