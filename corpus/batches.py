"""Converting crawler records into batches of canonical posts and comments.

A :class:`Batch` holds converted records with the file and row each came
from; a :class:`FileReport` counts what one file (or one sheet or table of
it) held.  :func:`_convert` fills batches from one part's records, the same
in this process (:mod:`corpus.loaders`) and in worker processes
(:mod:`corpus.parallel`), so both convert, count and reject alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from corpus.formats import BadRecord, Records
from corpus.presets import Preset, RowError
from dazi.errors import InputError, RejectedRow

__all__ = ["Batch", "FileReport", "Prepare"]


class Prepare(Protocol):
    """What :meth:`Load.batches` may apply to each batch (see there)."""

    def posts(self, posts: list[dict]) -> list: ...

    def comments(self, comments: list[dict]) -> list: ...


@dataclass
class Batch:
    """Up to ``batch_size`` converted records, with where each came from.

    Attributes
    ----------
    posts : list of dict
        Canonical posts (:data:`corpus.fields.POST_FIELDS`).
    post_rows : list of (str, int)
        ``(file, row)`` of each post, parallel to :attr:`posts`; the file
        names the sheet or table for multi-part files (``a.xlsx [Contents]``).
    comments : list of dict
        Canonical comments (:data:`corpus.fields.COMMENT_FIELDS`).
    comment_rows : list of (str, int)
        ``(file, row)`` of each comment.
    rejected : list of RejectedRow
        Rows skipped under ``skip_bad_rows``, with the reason.
    """

    posts: list[dict] = field(default_factory=list)
    post_rows: list[tuple[str, int]] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    comment_rows: list[tuple[str, int]] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.posts) + len(self.comments) + len(self.rejected)


@dataclass
class FileReport:
    """What loading one file (or one sheet or table of it) found.

    ``rows_read`` counts every record read, including rejected ones; for X API
    pages a row is a page and ``posts`` counts its tweets.  ``no_text``
    counts posts imported with neither text nor time (Zeeschuimer's stubs
    from page HTML, search results without a description): they are
    reported, so that the researcher can collect them again.
    """

    file: str
    format: str
    encoding: str | None
    part: str | None = None
    preset: str | None = None
    variant: str | None = None
    kind: str | None = None
    rows_read: int = 0
    posts: int = 0
    comments: int = 0
    rejected: int = 0
    no_text: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    """The batch being filled, shared across files so batches stay full."""

    batch: Batch


def _convert(
    report: FileReport,
    preset: Preset,
    records: Records,
    pending: _Pending,
    skip: bool,
    size: int,
) -> Iterator[Batch]:
    """Convert one part's records into ``pending.batch``; yield each batch that fills up.

    Used in this process and, on chunks of a large file, in worker processes
    (:mod:`corpus.parallel`), so that both convert, count and reject alike.
    """
    label = report.file if report.part is None else f"{report.file} [{report.part}]"
    convert = preset.convert
    expand = preset.expand
    posts_kind = preset.kind == "posts"
    batch = pending.batch
    out = batch.posts if posts_kind else batch.comments
    out_rows = batch.post_rows if posts_kind else batch.comment_rows
    n = len(batch)
    rows_read = converted = rejected = no_text = 0
    try:
        for row, rec in records:
            rows_read += 1
            if type(rec) is not dict:
                bad: BadRecord = rec  # type: ignore[assignment]
                _reject(batch, label, row, bad.reason, bad.hint, bad.column, bad.raw, skip)
                rejected += 1
                n += 1
            elif expand is None:
                try:
                    item = convert(rec)
                except RowError as exc:
                    _reject(batch, label, row, exc.reason, exc.hint, exc.column, rec, skip)
                    rejected += 1
                else:
                    out.append(item)
                    out_rows.append((label, row))
                    converted += 1
                    if posts_kind and not item["text"] and item["created_at"] is None:
                        no_text += 1
                n += 1
            else:
                try:
                    items = [convert(item) for item in expand(rec)]
                except RowError as exc:
                    _reject(batch, label, row, exc.reason, exc.hint, exc.column, rec, skip)
                    rejected += 1
                    n += 1
                else:
                    out.extend(items)
                    out_rows.extend([(label, row)] * len(items))
                    converted += len(items)
                    n += len(items)
            if n >= size:
                yield batch
                batch = pending.batch = Batch()
                out = batch.posts if posts_kind else batch.comments
                out_rows = batch.post_rows if posts_kind else batch.comment_rows
                n = 0
    finally:
        report.rows_read += rows_read
        report.rejected += rejected
        report.no_text += no_text
        if posts_kind:
            report.posts += converted
        else:
            report.comments += converted


def _prepared(batch: Batch, prepare: Prepare | None) -> Batch:
    if prepare is not None:
        batch.posts = prepare.posts(batch.posts) if batch.posts else []
        batch.comments = prepare.comments(batch.comments) if batch.comments else []
    return batch


def _reject(
    batch: Batch,
    file: str,
    row: int,
    reason: str,
    hint: str | None,
    column: str | None,
    raw: dict,
    skip: bool,
) -> None:
    """Raise the row's InputError, or record it as rejected under skip_bad_rows."""
    if not skip:
        raise InputError(reason, hint, file=file, row=row, column=column)
    batch.rejected.append(RejectedRow(file=file, row=row, reason=reason, column=column, raw=raw))
