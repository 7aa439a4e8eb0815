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
from sqlalchemy import Connection, select, tuple_, update

from dazi.db import Database
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
        # where each post of this import was first seen (file index, row), for conflict messages
        first_seen = _Places()
        for batch in loaded:
            rejected.extend(batch.rejected)
            report.rejected += len(batch.rejected)
            fresh: dict[tuple[str, str], dict] = {}
            for post, (file, row) in zip(batch.posts, batch.post_rows):
                report.read += 1
                if pseudonymize:
                    post = pseudonymize_post(post, project.salt)
                key = (post["platform"], str(post["post_id"]))
                tkey = _text_key(post)
                earlier = fresh.get(key)
                if earlier is not None:
                    if earlier["_tkey"] != tkey:
                        _conflict(key, first_seen.get(key), (file, row), skip_bad_rows, rejected, report, post)
                        continue
                    report.merged += 1
                    keywords = _merge_keywords(earlier["source_keywords"], post.get("source_keywords"))
                    if _newer(post.get("crawled_at"), earlier.get("crawled_at")):
                        fresh[key] = {**_row_values(post, project.id, import_id), "_where": (file, row), "_tkey": tkey}
                    fresh[key]["source_keywords"] = keywords
                    continue
                first_seen.add(key, file, row)
                fresh[key] = {**_row_values(post, project.id, import_id), "_where": (file, row), "_tkey": tkey}
            _flush(conn, project, import_id, fresh, first_seen, skip_bad_rows, rejected, report)
            if batch.comments:
                _write_comments(conn, project, batch.comments, pseudonymize and pseudonymize_comment, report)
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


class _Places:
    """Where each post key was first seen, packed small (1,000,000 keys fit easily)."""

    def __init__(self) -> None:
        self._files: list[str] = []
        self._index: dict[str, int] = {}
        self._where: dict[tuple[str, str], int] = {}

    def add(self, key: tuple[str, str], file: str, row: int) -> None:
        if key in self._where:
            return
        i = self._index.setdefault(str(file), len(self._files))
        if i == len(self._files):
            self._files.append(str(file))
        self._where[key] = (row << 16) | i

    def get(self, key: tuple[str, str]) -> tuple[str, int] | None:
        code = self._where.get(key)
        return None if code is None else (self._files[code & 0xFFFF], code >> 16)


def _conflict(key, first, second, skip_bad_rows, rejected, report, post) -> None:
    platform, post_id = key
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


def _flush(conn, project, import_id, fresh, first_seen, skip_bad_rows, rejected, report) -> None:
    if not fresh:
        return
    keys = list(fresh)
    existing = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(
            posts.c.id, posts.c.platform, posts.c.post_id, posts.c.title, posts.c.text, posts.c.crawled_at,
            posts.c.source_keywords, posts.c.import_id,
        ).where(posts.c.project_id == project.id, tuple_(posts.c.platform, posts.c.post_id).in_(chunk))
        for row in conn.execute(query):
            existing[(row.platform, row.post_id)] = row
    inserts = []
    for key, values in fresh.items():
        where = values.pop("_where", None)
        tkey = values.pop("_tkey", None)
        old = existing.get(key)
        if old is None:
            inserts.append(values)
            continue
        if tkey is not None and _text_key({"title": old.title, "text": old.text}) != tkey:
            earlier = first_seen.get(key) if old.import_id == import_id else f"the project (import #{old.import_id})"
            _conflict(key, earlier, where, skip_bad_rows, rejected, report, values)
            continue
        if old.import_id == import_id:
            report.merged += 1
        else:
            report.updated += 1
        keywords = _merge_keywords(old.source_keywords, values.get("source_keywords"))
        if _newer(values.get("crawled_at"), old.crawled_at):
            values = {k: v for k, v in values.items() if k not in ("project_id",)}
            values["source_keywords"] = keywords
            conn.execute(update(posts).where(posts.c.id == old.id).values(**values))
        else:
            conn.execute(update(posts).where(posts.c.id == old.id).values(source_keywords=keywords))
    if inserts:
        conn.execute(posts.insert(), inserts)
        report.imported += len(inserts)


def _write_comments(conn, project, batch: list[dict], pseudo, report) -> None:
    rows = {}
    for c in batch:
        if pseudo:
            c = pseudo(c, project.salt)
        key = (c["platform"], str(c["comment_id"]))
        rows[key] = {
            "project_id": project.id,
            "platform": c["platform"],
            "post_id": str(c["post_id"]),
            "comment_id": str(c["comment_id"]),
            "parent_comment_id": c.get("parent_comment_id"),
            "text": c.get("text") or "",
            "author_id": c.get("author_id"),
            "author_name": c.get("author_name"),
            "created_at": c.get("created_at"),
            "location": c.get("location"),
            "likes": c.get("likes"),
            "raw": c.get("raw"),
        }
    keys = list(rows)
    known = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known |= {
            (r.platform, r.comment_id)
            for r in conn.execute(
                select(comments.c.platform, comments.c.comment_id).where(
                    comments.c.project_id == project.id, tuple_(comments.c.platform, comments.c.comment_id).in_(chunk)
                )
            )
        }
    for key in known:
        values = rows.pop(key)
        conn.execute(
            update(comments)
            .where(comments.c.project_id == project.id, comments.c.platform == key[0], comments.c.comment_id == key[1])
            .values(**{k: v for k, v in values.items() if k != "project_id"})
        )
    if rows:
        conn.execute(comments.insert(), list(rows.values()))
    report.comments += len(batch)
