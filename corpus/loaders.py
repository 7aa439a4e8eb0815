"""Load crawler exports as batches of canonical posts and comments.

:func:`load` is the one entry point the CLI, the app and the Python API share::

    result = load(["notes.jsonl", "comments.csv"])
    for batch in result:              # streams: memory stays bounded
        store(batch.posts, batch.comments)
    result.reports                    # per file: format, encoding, preset, counts

Loading does not deduplicate (the importer keys on platform + post id) and
writes nothing.  A bad row raises :class:`~dazi.errors.InputError` naming the
file, row and column unless ``skip_bad_rows`` is set, in which case it becomes
a :class:`~dazi.errors.RejectedRow` in the batch's ``rejected`` list.  Errors
about a whole file (unreadable, no preset recognises its columns) always
raise.  :func:`preview` reads only the first rows, for the app's import page.

Large JSONL/NDJSON files are parsed and converted by worker processes
(:mod:`corpus.parallel`, ``workers=``), with the same records, row numbers,
errors and reports as when read in this process; only batch sizes differ.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from corpus import parallel
from corpus.batches import Batch, FileReport, Prepare, _convert, _Pending, _prepared
from corpus.formats import BadRecord, FileInfo, Records, iter_parts
from corpus.presets import (
    Preset,
    RowError,
    check_columns,
    choose_preset,
    detect_preset,
    generic_preset,
    get_preset,
)
from dazi.errors import InputError, ValidationError

__all__ = ["Batch", "FileReport", "Load", "Prepare", "Preview", "load", "preview"]


# Parts of multi-part files that hold no posts or comments: skipped quietly.
_NOT_CONTENT = ("creator", "creators", "up_info", "contact", "dynamic")


class Load:
    """An iterable of :class:`Batch` over one or more export files.

    Create it with :func:`load`.  Arguments are checked at once (files exist,
    preset name, mapping fields); files are opened while iterating.  Iterating
    again reads the files again.  After a complete iteration
    :attr:`reports` holds one :class:`FileReport` per file part.
    """

    def __init__(
        self,
        paths: str | os.PathLike | Iterable[str | os.PathLike],
        *,
        preset: str | None = None,
        mapping: Mapping[str, str] | None = None,
        skip_bad_rows: bool = False,
        batch_size: int = 5000,
        workers: int | None = None,
    ):
        if isinstance(paths, str | os.PathLike):
            paths = [paths]
        self.paths = [os.fspath(p) for p in paths]
        if not self.paths:
            raise ValidationError("no input files given")
        for p in self.paths:
            if not os.path.exists(p):
                raise InputError("file not found", "Check the path.", file=p)
            if os.path.isdir(p):
                raise InputError(
                    "is a folder, not a file", "Give the export files themselves.", file=p
                )
        if batch_size < 1:
            raise ValidationError(f"batch_size must be at least 1, not {batch_size}")
        if workers is not None and (type(workers) is not int or workers < 0):
            raise ValidationError(
                f"workers must be a whole number of at least 0, not {workers!r}",
                "Give 0 to read in this process only, or leave it out to decide automatically.",
            )
        if mapping and preset not in (None, "generic"):
            raise ValidationError(
                f"give either a preset ({preset!r}) or a column mapping, not both",
                "Drop --preset when you use --map.",
            )
        self.preset: Preset | None = get_preset(preset) if preset and not mapping else None
        self.mapping = dict(mapping) if mapping else None
        if self.mapping:
            generic_preset(self.mapping)  # validates the field names now
        elif preset == "generic":
            raise ValidationError("the generic preset needs a column mapping (--map field=column)")
        self.skip_bad_rows = skip_bad_rows
        self.batch_size = batch_size
        self.workers = workers
        self.reports: list[FileReport] = []

    # -- iteration -----------------------------------------------------------

    def __iter__(self) -> Iterator[Batch]:
        return self.batches()

    def batches(self, prepare: Prepare | None = None) -> Iterator[Batch]:
        """Iterate the batches, optionally turning records into something else.

        Parameters
        ----------
        prepare : object with ``posts(list) -> list`` and ``comments(list) -> list``, optional
            Applied to each batch's posts and comments before it is yielded,
            in the worker process that converted them when there is one (so
            it must be picklable), e.g. :class:`corpus.rows.RowMaker` making
            database rows.  Its lists replace :attr:`Batch.posts` and
            :attr:`Batch.comments` and must stay parallel to ``post_rows``
            and ``comment_rows``.
        """
        self.reports = []
        pending = _Pending(Batch())
        pool = None
        try:
            for path in self.paths:
                for info, report, preset, records in self._parts(path):
                    if self._parallel(info):
                        if pool is None:
                            pool = parallel.start(self._worker_count())
                        if pool is not None:
                            _close(records)
                            if len(pending.batch):
                                yield _prepared(pending.batch, prepare)
                                pending.batch = Batch()
                            yield from parallel.convert_jsonl(
                                pool, info, report, preset, self._preset_ref(preset), prepare,
                                skip=self.skip_bad_rows, batch_size=self.batch_size,
                            )
                            continue
                    for batch in _convert(
                        report, preset, records, pending, self.skip_bad_rows, self.batch_size
                    ):
                        yield _prepared(batch, prepare)
            if len(pending.batch):
                yield _prepared(pending.batch, prepare)
            for report in self.reports:
                if report.no_text:
                    report.warnings.append(_no_text_warning(report.no_text))
        finally:
            if pool is not None:
                parallel.stop(pool)

    def _worker_count(self) -> int:
        if self.workers is not None:
            return self.workers
        return parallel.auto_workers()

    def _parallel(self, info: FileInfo) -> bool:
        """Whether this part is read by worker processes (large JSONL files)."""
        if self.workers == 0 or info.format not in ("jsonl", "jsonl.zst", "jsonl.gz"):
            return False
        return parallel.worth_it(info, forced=self.workers is not None) and self._worker_count() > 0

    def _preset_ref(self, preset: Preset) -> tuple:
        """How a worker process rebuilds *preset* (converters are not picklable)."""
        if self.mapping:
            return ("mapping", tuple(self.mapping.items()))
        return ("name", preset.name)

    def _parts(self, path: str) -> Iterator[tuple[FileInfo, FileReport, Preset, Records]]:
        """Each part of *path* with its preset; parts without one are reported and skipped."""
        matched = 0
        skipped: list[tuple[FileReport, InputError]] = []
        multi = False
        for info, records in iter_parts(path):
            multi = multi or info.part is not None
            peeked, first_error, first = _peek(info, records, self.skip_bad_rows)
            report = FileReport(
                info.path, info.format, info.encoding, info.part, warnings=info.warnings
            )
            self.reports.append(report)
            if peeked is None:
                report.warnings.append("no records")
                continue
            try:
                preset = self._choose(info, first)
            except InputError as exc:
                _close(peeked)
                if not multi:
                    raise
                skipped.append((report, exc))
                continue
            if first_error is not None:
                _close(peeked)
                raise first_error
            matched += 1
            report.preset = preset.name
            report.kind = preset.kind
            report.variant = preset.describe_variant(info.columns)
            yield info, report, preset, peeked
        if multi and not matched:
            if skipped:
                raise skipped[0][1]
            raise InputError("no sheet or table holds records", file=path)
        for report, error in skipped:
            if (report.part or "") == "README" and report.format == "xlsx":
                report.warnings.append("the README sheet of a dazi export: skipped")
            elif (report.part or "").lower().endswith(_NOT_CONTENT):
                report.warnings.append("creator profiles, not posts or comments: skipped")
            else:
                report.warnings.append(f"skipped: {error.reason}")

    def _choose(self, info: FileInfo, first: dict | None = None) -> Preset:
        """The preset for a part: mapped, forced, or detected; envelopes by their first record."""
        label = info.label
        if self.mapping:
            return generic_preset(self.mapping, info.columns, file=label)
        if self.preset is not None:
            check_columns(self.preset, info.columns, file=label)
            return choose_preset(self.preset, first, file=label)
        return choose_preset(detect_preset(info.columns, file=label), first, file=label)

    # -- summaries -------------------------------------------------------------

    @property
    def totals(self) -> dict[str, int]:
        """Rows read, posts, comments and rejected rows over all files so far."""
        keys = ("rows_read", "posts", "comments", "rejected")
        return {k: sum(getattr(r, k) for r in self.reports) for k in keys}


def _no_text_warning(n: int) -> str:
    return (
        f"{n:,} post(s) have neither text nor time, only what the tool saw of them (title, "
        "author, likes ...): e.g. Zeeschuimer items read from a page's HTML, or search results "
        "without the note's description. They are imported with what they have (empty text); "
        "open those posts while collecting to get their text and time."
    )


def _peek(
    info: FileInfo, records: Records, skip: bool
) -> tuple[Records | None, InputError | None, dict | None]:
    """Read up to the first good record (JSON files learn their columns from it).

    Returns the records with the peeked ones put back (None when there are
    none); when not skipping bad rows, the error for a bad leading row
    (raised only once the part is known to be one we load); and the first
    good record (envelope presets choose their platform from it).
    """
    head: list[tuple[int, dict | BadRecord]] = []
    error = None
    first = None
    for row, rec in records:
        head.append((row, rec))
        if type(rec) is dict:
            first = rec
            break
        if not skip:
            bad: BadRecord = rec  # type: ignore[assignment]
            error = InputError(bad.reason, bad.hint, file=info.label, row=row, column=bad.column)
            break
    if not head:
        return None, None, None
    return _chain(head, records), error, first


def _chain(head: list, rest: Records) -> Records:
    yield from head
    yield from rest


def load(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    preset: str | None = None,
    mapping: Mapping[str, str] | None = None,
    skip_bad_rows: bool = False,
    batch_size: int = 5000,
    workers: int | None = None,
) -> Load:
    """Read crawler exports as batches of canonical posts and comments.

    Parameters
    ----------
    paths : path or iterable of paths
        CSV/TSV, XLSX, JSON, JSONL/NDJSON, ``.zst``/``.gz`` NDJSON, or a
        MediaCrawler SQLite store.  Workbooks and stores are read sheet by
        sheet, table by table.
    preset : str, optional
        Force a preset by name (see :data:`corpus.presets.PRESETS`) instead of
        detecting it from each file's columns.
    mapping : dict, optional
        ``{canonical_field: column}`` for files no preset knows; must name an
        id and a text column (see :func:`corpus.presets.generic_preset`).
    skip_bad_rows : bool
        Turn bad rows into :class:`~dazi.errors.RejectedRow` entries instead
        of stopping at the first one.
    batch_size : int
        Records per batch (posts + comments + rejected rows).  Files read by
        worker processes come in batches of about this many lines.
    workers : int, optional
        Worker processes that parse and convert large JSONL/NDJSON files
        (plain, ``.zst`` or ``.gz``) in chunks, while this process consumes
        the batches in file order.  0 reads everything in this process; by
        default files of at least about 20,000 lines get one worker per
        spare core (:func:`corpus.parallel.auto_workers`).  A given number
        is used for every JSONL file, however small.  Results, row numbers,
        errors and reports are the same either way.

    Returns
    -------
    Load
        Iterate it for :class:`Batch` objects; then read ``.reports``.

    Raises
    ------
    InputError
        A missing or unreadable file, a file no preset recognises, or (without
        ``skip_bad_rows``) the first bad row, with file, row and column.
    ValidationError
        An unknown preset name or mapping field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "n.jsonl").write_text(
    ...     '{"note_id": "65a1", "desc": "找饭搭子 #美食[话题]#", "liked_count": "1.2万",'
    ...     ' "collected_count": "10", "time": 1703323974000}\\n', encoding="utf-8")
    >>> result = load(d / "n.jsonl")
    >>> [(p["post_id"], p["likes"], p["hashtags"]) for b in result for p in b.posts]
    [('65a1', 12000, ['美食'])]
    >>> result.reports[0].preset
    'mediacrawler-xhs-notes'
    """
    return Load(
        paths,
        preset=preset,
        mapping=mapping,
        skip_bad_rows=skip_bad_rows,
        batch_size=batch_size,
        workers=workers,
    )


# ---------------------------------------------------------------------------
# preview
# ---------------------------------------------------------------------------


@dataclass
class Preview:
    """The first rows of a file as read and as they would be imported.

    ``preset`` is None and ``error`` says why when no preset recognises the
    columns, so that the import page can still show them and ask for a
    mapping.  ``problems`` lists ``(row, message)`` for rows among the first
    *n* that would be rejected.  ``parts`` maps every sheet or table of a
    multi-part file to the preset detected for it (None: skipped).
    """

    file: str
    format: str
    encoding: str | None
    part: str | None
    columns: list[str]
    preset: str | None = None
    variant: str | None = None
    kind: str | None = None
    rows: list[dict] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    canonical: list[dict] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    parts: dict[str, str | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def preview(
    path: str | os.PathLike,
    n: int = 5,
    preset: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Preview:
    """Detect format, encoding and preset of *path* and convert its first *n* rows.

    Reads only the start of each part.  For a workbook or SQLite store the
    preview shows the first sheet or table a preset recognises (or, when none
    does, the first one); ``parts`` lists them all with their presets.

    Raises
    ------
    InputError
        If the file cannot be read at all.
    ValidationError
        For an unknown preset name or mapping field.
    """
    loader = Load(path, preset=preset, mapping=mapping, skip_bad_rows=True)
    parts: dict[str, str | None] = {}
    found: Preview | None = None
    fallback: Preview | None = None
    for info, records in iter_parts(path):
        peeked, _, first = _peek(info, records, skip=True)
        chosen: Preset | None = None
        error: str | None = None
        if peeked is None:
            error = "no records"
        else:
            try:
                chosen = loader._choose(info, first)
            except InputError as exc:
                error = exc.describe()
        if info.part is not None:
            parts[info.part] = chosen.name if chosen else None
        if found is None and (chosen is not None or fallback is None):
            pv = Preview(
                file=info.path,
                format=info.format,
                encoding=info.encoding,
                part=info.part,
                columns=list(info.columns),
                preset=chosen.name if chosen else None,
                variant=chosen.describe_variant(info.columns) if chosen else None,
                kind=chosen.kind if chosen else None,
                warnings=info.warnings,
                error=error,
            )
            if peeked is not None:
                _fill_preview(pv, chosen, peeked, n)
            if chosen is not None:
                found = pv
            else:
                fallback = pv
        _close(peeked)
    result = found or fallback
    if result is None:
        raise InputError("the file holds no sheet or table", file=os.fspath(path))
    result.parts = parts
    return result


def _fill_preview(result: Preview, preset: Preset | None, records: Records, n: int) -> None:
    for row, rec in records:
        if len(result.rows) >= n and (preset is None or len(result.canonical) >= n):
            break
        if type(rec) is not dict:
            result.problems.append((row, rec.reason))  # type: ignore[union-attr]
            continue
        if preset is None:
            result.rows.append(rec)
            result.row_numbers.append(row)
            continue
        try:
            items = list(preset.expand(rec)) if preset.expand else [rec]
            for item in items:
                if len(result.canonical) >= n:
                    break
                result.canonical.append(preset.convert(item))
                result.rows.append(item)
                result.row_numbers.append(row)
        except RowError as exc:
            where = f"column {exc.column!r}: " if exc.column else ""
            result.problems.append((row, where + exc.reason))


def _close(records: Records | None) -> None:
    close = getattr(records, "close", None)
    if close is not None:
        close()
