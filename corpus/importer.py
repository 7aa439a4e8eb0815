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
coders code), naming both places.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import Connection, select, update

from dazi.db import Database, bulk_insert
from dazi.errors import InputError, RejectedRow
from dazi.projects import Project
from dazi.schema import comments, imports, posts, utcnow

from corpus.fields import POST_FIELDS

__all__ = ["ImportReport", "import_files"]

_STORED = [f for f in POST_FIELDS]


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


def _text_key(post: dict) -> bytes:
    text = " ".join(((post.get("title") or "") + "\n" + (post.get("text") or "")).split())
    return hashlib.blake2b(text.encode(), digest_size=12).digest()


def _merge_keywords(old: list | None, new: list | None) -> list:
    out = list(old or [])
    for k in new or []:
        if k not in out:
            out.append(k)
    return out


def _newer(a, b) -> bool:
    """Whether crawl time ``a`` is newer than ``b`` (None is oldest)."""
    if a is None:
        return False
    return b is None or a > b


def _row_values(post: dict, project_id: int, import_id: int) -> dict:
    values = {name: post.get(name) for name in _STORED}
    values["post_id"] = str(values["post_id"])
    values["text"] = values["text"] or ""
    values["counts_approximate"] = bool(values["counts_approximate"])
    values["status"] = values["status"] or "ok"
    values["project_id"] = project_id
    values["import_id"] = import_id
    return values


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

    Returns
    -------
    ImportReport
    """
    from corpus.loaders import load

    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("No files to import.", "Name one or more crawler export files.")
    for p in paths:
        if not p.exists():
            raise InputError("file not found", "Check the path.", file=str(p))
    if pseudonymize is None:
        pseudonymize = bool(project.settings.get("pseudonymize"))
    if pseudonymize:
        from corpus.pseudonyms import pseudonymize_comment, pseudonymize_post

    report = ImportReport()
    rejected: list[RejectedRow] = []
    loaded = load(paths, preset=preset, mapping=mapping, skip_bad_rows=skip_bad_rows, batch_size=batch_size)

    def _tx(conn: Connection) -> None:
        import_id = conn.execute(
            imports.insert().values(project_id=project.id, created_at=utcnow(), files=[str(p) for p in paths], report={})
        ).inserted_primary_key[0]
        known = _Known.of_posts(conn, project)
        known_comments = _Known.of_comments(conn, project)
        for batch in loaded:
            rejected.extend(batch.rejected)
            report.rejected += len(batch.rejected)
            fresh: dict[str, dict] = {}
            where: dict[str, tuple[str, int]] = {}
            for post, (file, row) in zip(batch.posts, batch.post_rows):
                report.read += 1
                if pseudonymize:
                    post = pseudonymize_post(post, project.salt)
                key = _key(post["platform"], post["post_id"])
                earlier = fresh.get(key)
                if earlier is not None:
                    if _text_key(earlier) != _text_key(post):
                        _conflict(key, known.where(key) or where.get(key), (file, row), skip_bad_rows, rejected,
                                  report, post)
                        continue
                    report.merged += 1
                    keywords = _merge_keywords(earlier["source_keywords"], post.get("source_keywords"))
                    if _newer(post.get("crawled_at"), earlier.get("crawled_at")):
                        fresh[key] = _row_values(post, project.id, import_id)
                    fresh[key]["source_keywords"] = keywords
                    continue
                fresh[key] = _row_values(post, project.id, import_id)
                where[key] = (file, row)
            _flush(conn, project, import_id, fresh, where, known, skip_bad_rows, rejected, report)
            if batch.comments:
                _write_comments(conn, project, batch.comments, pseudonymize and pseudonymize_comment, known_comments,
                                report)
            if progress:
                progress(report.read)
        report.files = [asdict(f) for f in loaded.reports]
        for f in report.files:
            report.warnings += [f"{f.get('file')}: {w}" for w in f.get("warnings", [])]
        report.import_id = import_id
        if rejected and skip_bad_rows:
            target = Path(rejects_path) if rejects_path else paths[0].with_name(paths[0].name + ".rejected.csv")
            _write_rejects(target, rejected)
            report.rejects_file = str(target)
        conn.execute(update(imports).where(imports.c.id == import_id).values(report=report.to_dict()))

    with db.write() as conn:
        _tx(conn)
    return report


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

    def add(self, key: str, file: str = "", row: int = 0) -> None:
        i = self._index.get(file)
        if i is None:
            i = self._index[file] = len(self._files)
            self._files.append(file)
        self._keys[key] = (row << 16) | i

    def where(self, key: str) -> tuple[str, int] | None:
        code = self._keys.get(key)
        return None if code is None or code < 0 else (self._files[code & 0xFFFF], code >> 16)


def _conflict(key, first, second, skip_bad_rows, rejected, report, post) -> None:
    platform, post_id = key.split("\x1f", 1)
    if isinstance(first, tuple):
        where1 = f"{first[0]}, row {first[1]}"
    else:
        where1 = str(first) if first else "an earlier row"
    message = (
        f"post {post_id!r} ({platform}) appears again with different text than at {where1}"
    )
    if skip_bad_rows:
        rejected.append(RejectedRow(file=str(second[0]), row=int(second[1]), reason=message, column="text", raw=post.get("raw") or {}))
        report.rejected += 1
        return
    raise InputError(
        message,
        "Remove one of the two rows, or import with --skip-bad-rows to keep the first and list the other.",
        file=str(second[0]), row=int(second[1]), column="text",
    )


def _flush(conn, project, import_id, fresh, where, known, skip_bad_rows, rejected, report) -> None:
    inserts = []
    for key, values in fresh.items():
        if key not in known:
            inserts.append(values)
            file, row = where.get(key, ("", 0))
            known.add(key, str(file), int(row))
            continue
        # a post seen before (earlier in this import or in the project): rare, so read it by key
        old = conn.execute(
            select(posts.c.id, posts.c.title, posts.c.text, posts.c.crawled_at, posts.c.source_keywords, posts.c.import_id)
            .where(posts.c.project_id == project.id, posts.c.platform == values["platform"],
                   posts.c.post_id == values["post_id"])
        ).one()
        if _text_key({"title": old.title, "text": old.text}) != _text_key(values):
            earlier = known.where(key) if old.import_id == import_id else f"the project (import #{old.import_id})"
            _conflict(key, earlier, where.get(key, ("", 0)), skip_bad_rows, rejected, report, values)
            continue
        if old.import_id == import_id:
            report.merged += 1
        else:
            report.updated += 1
        keywords = _merge_keywords(old.source_keywords, values.get("source_keywords"))
        if _newer(values.get("crawled_at"), old.crawled_at):
            values = {k: v for k, v in values.items() if k != "project_id"}
            values["source_keywords"] = keywords
            conn.execute(update(posts).where(posts.c.id == old.id).values(**values))
        else:
            conn.execute(update(posts).where(posts.c.id == old.id).values(source_keywords=keywords))
    if inserts:
        bulk_insert(conn, posts, inserts)
        report.imported += len(inserts)


def _write_comments(conn, project, batch: list[dict], pseudo, known, report) -> None:
    rows = {}
    for c in batch:
        if pseudo:
            c = pseudo(c, project.salt)
        rows[_key(c["platform"], c["comment_id"])] = {
            "project_id": project.id,
            "platform": c["platform"],
            "post_id": str(c["post_id"]),
            "comment_id": str(c["comment_id"]),
            "parent_comment_id": _parent(c.get("parent_comment_id")),
            "text": c.get("text") or "",
            "author_id": c.get("author_id"),
            "author_name": c.get("author_name"),
            "created_at": c.get("created_at"),
            "location": c.get("location"),
            "likes": c.get("likes"),
            "raw": c.get("raw"),
        }
    inserts = []
    for key, values in rows.items():
        if key in known:
            conn.execute(
                update(comments)
                .where(comments.c.project_id == project.id, comments.c.platform == values["platform"],
                       comments.c.comment_id == values["comment_id"])
                .values(**{k: v for k, v in values.items() if k != "project_id"})
            )
        else:
            known.add(key)
            inserts.append(values)
    bulk_insert(conn, comments, inserts)
    report.comments += len(batch)


def _parent(value) -> str | None:
    """Top-level comments say 0, "0" or "" for their parent: no parent."""
    if value in (None, "", 0, "0"):
        return None
    return str(value)
