"""Importing crawler exports into a project: all or nothing.

:func:`import_files` streams the files through :func:`corpus.loaders.load`
and writes posts and comments in one transaction.  If anything is wrong (a
bad row without ``skip_bad_rows``, a duplicate id with conflicting text, a
database error) the transaction is rolled back and the project is exactly as
it was.

Duplicates: the same ``(platform, post_id)`` in several rows or files, or
already in the project, is one post.  The newest crawl wins, the
``source_keywords`` of every copy are merged, and the report counts the
merges.  Two copies whose text differs are an error (the text is what
coders code), naming both places; except that a copy without text (a
Zeeschuimer item read from a page's HTML, a search result without the note's
description) is the same post seen partly: the copy with text is kept.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

import orjson
from sqlalchemy import Connection, select, update

from corpus.rows import COMMENT_COLUMNS, COMMENT_INDEX, POST_COLUMNS, POST_INDEX, RowMaker
from dazi.db import Database, column_kinds, insert_params, inserted_id
from dazi.errors import InputError, RejectedRow
from dazi.params import from_param, to_param
from dazi.projects import Project
from dazi.schema import comments, imports, posts, utcnow

__all__ = ["ImportReport", "import_files"]


@dataclass
class ImportReport:
    """What an import did, for the terminal, the app and the database."""

    files: list[dict] = field(default_factory=list)
    read: int = 0
    imported: int = 0
    merged: int = 0
    updated: int = 0
    rejected: int = 0
    comments: int = 0
    comments_without_post: int = 0
    warnings: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    import_id: int | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def lines(self) -> list[str]:
        """The report as lines of text (the CLI prints these)."""
        out = []
        for f in self.files:
            out.append(
                f"{f.get('file')}: {f.get('format')}"
                + (f", encoding {f['encoding']}" if f.get("encoding") else "")
                + f", preset {f.get('preset')}, {f.get('rows_read', 0)} rows"
            )
        out.append(f"read        {self.read:>9,} posts")
        out.append(f"imported    {self.imported:>9,} new posts")
        out.append(f"merged      {self.merged:>9,} duplicate rows (same post; keywords merged, newest crawl kept)")
        if self.updated:
            out.append(f"updated     {self.updated:>9,} posts already in the project")
        out.append(f"comments    {self.comments:>9,}")
        out.append(f"rejected    {self.rejected:>9,} rows" + (f" (see {self.rejects_file})" if self.rejects_file else ""))
        out += [f"warning: {w}" for w in self.warnings]
        return out


def _text_key(title: str | None, text: str | None) -> bytes:
    text = " ".join(((title or "") + "\n" + (text or "")).split())
    return hashlib.blake2b(text.encode(), digest_size=12).digest()


def _merge_keywords(old: list | None, new: list | None) -> list:
    out = list(old or [])
    for k in new or []:
        if k not in out:
            out.append(k)
    return out


def _newer(a, b) -> bool:
    """Whether crawl time ``a`` is newer than ``b`` (None is oldest).

    Works on datetimes and on the stored text of SQLite times alike (both
    order as the times do).
    """
    if a is None:
        return False
    return b is None or a > b


def _write_rejects(path: Path, rejected: list[RejectedRow]) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "column", "reason", "record"])
        for r in rejected:
            writer.writerow([r.file, r.row, r.column or "", r.reason, orjson.dumps(r.raw, default=str).decode()])


def import_files(
    db: Database,
    project: Project,
    paths: Sequence[str | Path],
    *,
    preset: str | None = None,
    mapping: dict[str, str] | None = None,
    skip_bad_rows: bool = False,
    pseudonymize: bool | None = None,
    rejects_path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 5000,
    workers: int | None = None,
) -> ImportReport:
    """Import crawler export files into ``project`` in one transaction.

    Parameters
    ----------
    paths : sequence of paths
        CSV/TSV, XLSX, JSON, JSONL/NDJSON, ``.zst`` NDJSON or MediaCrawler
        sqlite files; the preset of each is detected from its columns.
    preset : str, optional
        Force a preset by name (``dazi import --preset``).
    mapping : dict, optional
        ``{canonical_field: column}`` for files no preset knows.
    skip_bad_rows : bool
        Import the good rows and write rejected rows with reasons to
        ``rejects_path`` (default: ``<first file>.rejected.csv``).
    pseudonymize : bool, optional
        Replace authors and @mentions with stable pseudonyms; default: the
        project's ``pseudonymize`` setting.
    progress : callable, optional
        Called with the number of records read so far after each batch.
    workers : int, optional
        Worker processes that parse, convert and prepare the rows of large
        JSONL files while this process deduplicates and writes them (see
        :func:`corpus.loaders.load`); 0 for none, default automatic.

    Returns
    -------
    ImportReport
    """
    from corpus.loaders import load

    files = [Path(p) for p in paths]
    if not files:
        raise InputError("No files to import.", "Name one or more crawler export files.")
    for p in files:
        if not p.exists():
            raise InputError("file not found", "Check the path.", file=str(p))
    if pseudonymize is None:
        pseudonymize = bool(project.settings.get("pseudonymize"))

    report = ImportReport()
    rejected: list[RejectedRow] = []
    loaded = load(files, preset=preset, mapping=mapping, skip_bad_rows=skip_bad_rows, batch_size=batch_size,
                  workers=workers)

    def _tx(conn: Connection) -> None:
        import_id = inserted_id(conn.execute(
            imports.insert().values(project_id=project.id, created_at=utcnow(), files=[str(p) for p in files], report={})
        ))
        maker = RowMaker(
            project_id=project.id, import_id=import_id, sqlite=conn.dialect.name == "sqlite",
            post_kinds=column_kinds(posts, POST_COLUMNS), comment_kinds=column_kinds(comments, COMMENT_COLUMNS),
            salt=project.salt if pseudonymize else None,
        )
        writer = _Writer(conn, project, maker, skip_bad_rows, rejected, report)
        for batch in loaded.batches(prepare=maker):
            rejected.extend(batch.rejected)
            report.rejected += len(batch.rejected)
            report.read += len(batch.posts)
            # prepared by the RowMaker: rows of driver parameters, no longer the dicts Batch holds
            writer.posts(cast(list[tuple], batch.posts), batch.post_rows)
            if batch.comments:
                writer.comments(cast(list[tuple], batch.comments))
            if progress:
                progress(report.read)
        report.files = [asdict(f) for f in loaded.reports]
        for f in report.files:
            report.warnings += [f"{f.get('file')}: {w}" for w in f.get("warnings", [])]
        report.import_id = import_id
        if rejected and skip_bad_rows:
            target = Path(rejects_path) if rejects_path else files[0].with_name(files[0].name + ".rejected.csv")
            _write_rejects(target, rejected)
            report.rejects_file = str(target)
        conn.execute(update(imports).where(imports.c.id == import_id).values(report=report.to_dict()))

    from corpus.parallel import WorkerStopped

    try:
        with db.bulk_write() as conn, _import_cache(conn):
            _tx(conn)
    except WorkerStopped as exc:  # rolled back: say so
        raise WorkerStopped(
            exc.file, f"an import worker stopped unexpectedly while reading {exc.file}; nothing was imported"
        ) from None
    return report


# SQLite's page cache for the import's connection: the default 2 MiB makes
# every insert into the two indexes of a large table read pages back.  The
# indexes of 1,000,000 posts take about 120 MiB; with 64 MiB the parent spent
# ~4 s more CPU (mostly reading evicted index pages back from the WAL) at that
# size.  The cache grows only as pages are used.
_IMPORT_CACHE_KIB = 256 * 1024


@contextmanager
def _import_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache while importing, restored afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _key(platform: str, post_id) -> str:
    return f"{platform}\x1f{post_id}"


class _Known:
    """The keys already in the project, and where this import first saw each.

    One dict of compact values keeps a million keys in about 100 MB: ``-1``
    for a key stored before this import, otherwise ``row << 16 | file index``.
    """

    def __init__(self) -> None:
        self._files: list[str] = []
        self._index: dict[str, int] = {}
        self._keys: dict[str, int] = {}

    @classmethod
    def of_posts(cls, conn: Connection, project: Project) -> _Known:
        known = cls()
        rows = conn.execute(select(posts.c.platform, posts.c.post_id).where(posts.c.project_id == project.id))
        known._keys = {_key(p, i): -1 for p, i in rows}
        return known

    @classmethod
    def of_comments(cls, conn: Connection, project: Project) -> _Known:
        known = cls()
        rows = conn.execute(select(comments.c.platform, comments.c.comment_id).where(comments.c.project_id == project.id))
        known._keys = {_key(p, i): -1 for p, i in rows}
        return known

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def isdisjoint(self, keys: list[str]) -> bool:
        """Whether none of *keys* is known."""
        return self._keys.keys().isdisjoint(keys)

    def common(self, keys: set[str]) -> set[str]:
        """Those of *keys* that are known."""
        return self._keys.keys() & keys

    def _file(self, file: str) -> int:
        i = self._index.get(file)
        if i is None:
            i = self._index[file] = len(self._files)
            self._files.append(file)
        return i

    def add(self, key: str, file: str = "", row: int = 0) -> None:
        self._keys[key] = (row << 16) | self._file(file)

    def add_many(self, keys: list[str], places: list[tuple[str, int]]) -> None:
        """Add keys first seen at *places* (``(file, row)`` each)."""
        index = self._file
        last, i = None, 0
        codes = []
        for file, row in places:
            if file is not last:
                last, i = file, index(str(file))
            codes.append((int(row) << 16) | i)
        self._keys.update(zip(keys, codes, strict=True))

    def where(self, key: str) -> tuple[str, int] | None:
        code = self._keys.get(key)
        return None if code is None or code < 0 else (self._files[code & 0xFFFF], code >> 16)


_P = POST_INDEX
_PLATFORM, _POST_ID, _TITLE, _TEXT, _KEYWORDS, _CRAWLED, _RAW = (
    _P[n] for n in ("platform", "post_id", "title", "text", "source_keywords", "crawled_at", "raw")
)
_C = COMMENT_INDEX
_C_PLATFORM, _C_ID = _C["platform"], _C["comment_id"]


class _Writer:
    """Deduplicates prepared rows (see :mod:`corpus.rows`) and writes them.

    Rows arrive as tuples of driver parameters; only the rare duplicates are
    turned back into Python values (:func:`dazi.params.from_param`) to be
    compared and merged through SQLAlchemy.
    """

    def __init__(self, conn: Connection, project: Project, maker: RowMaker, skip_bad_rows: bool,
                 rejected: list[RejectedRow], report: ImportReport) -> None:
        self.conn = conn
        self.project = project
        self.maker = maker
        self.skip_bad_rows = skip_bad_rows
        self.rejected = rejected
        self.report = report
        self.known = _Known.of_posts(conn, project)
        self.known_comments = _Known.of_comments(conn, project)

    def _value(self, row: tuple, name: str):
        i = _P[name]
        return from_param(self.maker.post_kinds[i], row[i], sqlite=self.maker.sqlite)

    def _param(self, name: str, value):
        return to_param(self.maker.post_kinds[_P[name]], value, sqlite=self.maker.sqlite)

    def posts(self, rows: list[tuple], places: list[tuple[str, int]]) -> None:
        """Merge duplicates within the batch, then insert new posts and update known ones.

        Only rows whose key repeats in the batch or is already known go
        through the merge loop; the others are inserted as they are, in
        their place in the batch (the order of the file is the order of the
        keys).
        """
        keys = [row[_PLATFORM] + "\x1f" + row[_POST_ID] for row in rows]
        known = self.known
        seen = set(keys)
        if len(seen) == len(keys) and known.isdisjoint(keys):  # the usual batch: all new
            known.add_many(keys, places)
            insert_params(self.conn, posts, POST_COLUMNS, rows)
            self.report.imported += len(rows)
            return
        rare = known.common(seen)
        if len(seen) != len(keys):
            rare.update(key for key, n in Counter(keys).items() if n > 1)
        inserts: list = []
        new_keys: list[str] = []
        new_places: list[tuple[str, int]] = []
        fresh: dict[str, tuple] = {}
        where: dict[str, tuple[str, int]] = {}
        slots: dict[str, int] = {}  # place in ``inserts`` of a new key merged from several rows
        for key, row, place in zip(keys, rows, places, strict=True):
            if key not in rare:
                inserts.append(row)
                new_keys.append(key)
                new_places.append(place)
                continue
            earlier = fresh.get(key)
            if earlier is None:
                fresh[key] = row
                where[key] = place
                if key not in known:
                    slots[key] = len(inserts)
                    inserts.append(None)
                continue
            if _text_key(earlier[_TITLE], earlier[_TEXT]) != _text_key(row[_TITLE], row[_TEXT]):
                if row[_TEXT] and earlier[_TEXT]:
                    self._conflict(key, known.where(key) or where.get(key), place, row)
                    continue
                newest = row if row[_TEXT] else earlier  # a copy without text was seen only partly
            else:
                newest = row if _newer(row[_CRAWLED], earlier[_CRAWLED]) else earlier
            self.report.merged += 1
            keywords = _merge_keywords(self._value(earlier, "source_keywords"), self._value(row, "source_keywords"))
            fresh[key] = newest[:_KEYWORDS] + (self._param("source_keywords", keywords),) + newest[_KEYWORDS + 1:]
        for key, i in slots.items():
            inserts[i] = fresh[key]
            new_keys.append(key)
            new_places.append(where[key])
        for key, row in fresh.items():
            if key not in slots:
                self._update(key, row, where[key])
        known.add_many(new_keys, new_places)
        if inserts:
            insert_params(self.conn, posts, POST_COLUMNS, inserts)
            self.report.imported += len(inserts)

    def _update(self, key: str, row: tuple, place: tuple[str, int]) -> None:
        """A post seen before (earlier in this import or in the project): rare, so read it by key."""
        old = self.conn.execute(
            select(posts.c.id, posts.c.title, posts.c.text, posts.c.crawled_at, posts.c.source_keywords, posts.c.import_id)
            .where(posts.c.project_id == self.project.id, posts.c.platform == row[_PLATFORM],
                   posts.c.post_id == row[_POST_ID])
        ).one()
        replace = _newer(self._value(row, "crawled_at"), old.crawled_at)
        if _text_key(old.title, old.text) != _text_key(row[_TITLE], row[_TEXT]):
            if old.text and row[_TEXT]:
                import_id = self.maker.import_id
                earlier = self.known.where(key) if old.import_id == import_id else f"the project (import #{old.import_id})"
                self._conflict(key, earlier, place, row)
                return
            replace = bool(row[_TEXT])  # a copy without text was seen only partly: keep the one with text
        if old.import_id == self.maker.import_id:
            self.report.merged += 1
        else:
            self.report.updated += 1
        keywords = _merge_keywords(old.source_keywords, self._value(row, "source_keywords"))
        if replace:
            values = {name: self._value(row, name) for name in POST_COLUMNS if name != "project_id"}
            values["source_keywords"] = keywords
            if (values["title"], values["text"]) != (old.title, old.text):  # the spacing changed
                from corpus.search import forget_texts

                forget_texts(self.conn, [(old.id, old.title, old.text)])
            self.conn.execute(update(posts).where(posts.c.id == old.id).values(**values))
        else:
            self.conn.execute(update(posts).where(posts.c.id == old.id).values(source_keywords=keywords))

    def _conflict(self, key: str, first, second: tuple[str, int], row: tuple) -> None:
        platform, post_id = key.split("\x1f", 1)
        if isinstance(first, tuple):
            where1 = f"{first[0]}, row {first[1]}"
        else:
            where1 = str(first) if first else "an earlier row"
        message = f"post {post_id!r} ({platform}) appears again with different text than at {where1}"
        if self.skip_bad_rows:
            raw = self._value(row, "raw") or {}
            self.rejected.append(RejectedRow(file=str(second[0]), row=int(second[1]), reason=message, column="text",
                                             raw=raw))
            self.report.rejected += 1
            return
        raise InputError(
            message,
            "Remove one of the two rows, or import with --skip-bad-rows to keep the first and list the other.",
            file=str(second[0]), row=int(second[1]), column="text",
        )

    def comments(self, rows: list[tuple]) -> None:
        """Insert new comments; a comment already stored is replaced by the new copy."""
        fresh = {row[_C_PLATFORM] + "\x1f" + row[_C_ID]: row for row in rows}
        inserts = []
        kinds, sqlite = self.maker.comment_kinds, self.maker.sqlite
        for key, row in fresh.items():
            if key in self.known_comments:
                values = {name: from_param(kind, v, sqlite=sqlite)
                          for name, kind, v in zip(COMMENT_COLUMNS, kinds, row, strict=True) if name != "project_id"}
                self.conn.execute(
                    update(comments)
                    .where(comments.c.project_id == self.project.id, comments.c.platform == values["platform"],
                           comments.c.comment_id == values["comment_id"])
                    .values(**values)
                )
            else:
                self.known_comments.add(key)
                inserts.append(row)
        insert_params(self.conn, comments, COMMENT_COLUMNS, inserts)
        self.report.comments += len(rows)
