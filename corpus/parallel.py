"""Worker processes that parse and convert large JSONL files in chunks.

:meth:`corpus.loaders.Load.batches` hands a large JSONL/NDJSON part (plain,
``.zst`` or ``.gz``) to this module once it has detected its preset.  This
process reads the file in blocks of whole lines (:func:`corpus.formats.jsonl_blocks`,
so line numbers are known before anything is parsed) and sends each block to
a worker (of an uncompressed file only where the block lies, and the worker
reads it: :func:`corpus.formats.jsonl_spans`), which parses it a piece at a
time with the same functions the serial reader uses
(:func:`corpus.formats.parse_jsonl_blocks`), converts it with the same loop
(:func:`corpus.batches._convert`) and applies the consumer's ``prepare`` (for
an import: :class:`corpus.rows.RowMaker`, so rows come back ready to write).
Results are taken in file order, so the consumer sees the batches, row
numbers, rejected rows, first error and warnings a serial read gives; only
the batch boundaries differ.

What crosses a chunk boundary is settled here: a line that is not valid
JSON at the end of a chunk is a bad row if any non-blank line follows, and
only the "incomplete last line" warning if none does.  Errors found while
reading (a damaged ``.zst``) are raised after the chunks before them, as a
serial read would.

Workers are started with the ``spawn`` method: the importer's process holds
open database connections (and, in the app, threads), which must not be
copied into a child by ``fork``.  Starting costs a few tenths of a second, so
files under :data:`MIN_LINES` lines are read in-process unless a number of
workers is given.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import types
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait

from corpus.batches import Batch, FileReport, Prepare, _convert, _Pending, _reject
from corpus.formats import (
    FileInfo,
    jsonl_blocks,
    jsonl_spans,
    parse_jsonl_blocks,
    read_span,
    split_jsonl_block,
    truncated_last_line,
)
from corpus.presets import Preset, generic_preset, get_preset
from dazi.errors import DaziError, InputError

__all__ = ["MIN_LINES", "Pool", "WorkerStopped", "auto_workers", "convert_jsonl", "start", "stop", "worth_it"]

#: Files with fewer lines (estimated from their size) are read in-process.
MIN_LINES = 20_000

_MAX_WORKERS = 4
_SAMPLE = 1 << 16  # bytes read to estimate the length of a line
_MIN_CHUNK = 1 << 16
_MAX_CHUNK = 1 << 25
#: Bytes of a chunk a worker converts at a time (see :func:`corpus.formats.split_jsonl_block`).
_PIECE = 1 << 17


def auto_workers() -> int:
    """Worker processes to use: one per core, at most 4; none on a single core.

    A worker needs more time per record (parsing, converting, serialising)
    than this process needs to deduplicate and write it, so on two cores two
    workers and this process share both cores better than one worker does;
    beyond four, the writing process is the limit.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, _MAX_WORKERS)


def _line_length(info: FileInfo) -> float:
    """Average bytes per line at the start of the (decompressed) file."""
    blocks = jsonl_blocks(info, _SAMPLE)
    try:
        _, block = next(blocks, (1, b""))
    finally:
        blocks.close()
    return max(len(block) / max(block.count(b"\n"), 1), 1.0)


def worth_it(info: FileInfo, *, forced: bool = False) -> bool:
    """Whether a JSONL part is large enough to pay for starting workers.

    Compressed files are assumed to hold at least five times their size.
    """
    if forced:
        return True
    size = os.path.getsize(info.path)
    if info.format != "jsonl":
        size *= 5
    if size < MIN_LINES * 64:  # no line is that short: no need to look
        return False
    return size / _line_length(info) >= MIN_LINES


class WorkerStopped(DaziError):
    """A worker process ended before finishing its chunk (killed, out of memory).

    Raised in place of :class:`~concurrent.futures.process.BrokenProcessPool`
    so that the CLI and the app show a plain message; the importer adds that
    nothing was imported (its transaction is rolled back).
    """

    def __init__(self, file: str, message: str | None = None):
        self.file = file
        super().__init__(
            message or f"a worker process reading {file} stopped unexpectedly",
            "It was probably ended by the system (out of memory) or by another program. Run the command "
            "again; with --workers 0 the file is read in this process only.",
        )


@dataclass
class Pool:
    """Worker processes for one iteration of a :class:`~corpus.loaders.Load`."""

    executor: ProcessPoolExecutor
    workers: int


def start(workers: int) -> Pool | None:
    """A pool of *workers* spawned processes, or None where none can be started.

    The processes are started at once, with the caller's ``__main__``
    hidden: a spawned process would otherwise run the caller's script again
    (a script without an ``if __name__ == "__main__":`` guard would import
    its files twice, and a Streamlit page would run in the worker).  Workers
    need only importable modules.
    """
    if workers < 1:
        return None

    context = multiprocessing.get_context("spawn")
    try:
        executor = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker)
        with _main_hidden():
            for _ in range(workers):  # each submit starts a process while none is idle
                executor.submit(_ready)
    except BrokenProcessPool:  # a worker already died: the first chunk submitted says so, naming the file
        pass
    except (OSError, NotImplementedError):  # pragma: no cover - no semaphores, no processes
        return None
    return Pool(executor, workers)


@contextmanager
def _main_hidden() -> Iterator[None]:
    """Give spawned processes an empty ``__main__`` (see :func:`start`)."""
    saved = sys.modules.get("__main__")
    blank = types.ModuleType("__main__")
    sys.modules["__main__"] = blank
    try:
        yield
    finally:
        if sys.modules.get("__main__") is blank:  # unless another thread changed it meanwhile
            if saved is None:  # pragma: no cover - there is always a __main__
                del sys.modules["__main__"]
            else:
                sys.modules["__main__"] = saved


def stop(pool: Pool) -> None:
    """Stop the workers, dropping chunks not yet started (after an error).

    When a worker died, the executor ends the others itself, but one it was
    still starting at that moment is missed and then waited for forever (it
    waits for work); such a worker is ended here first.
    """
    executor = pool.executor
    if getattr(executor, "_broken", False):
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            if process.is_alive():
                process.kill()
    executor.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class _Task:
    """One chunk of lines and everything a worker needs to convert it."""

    preset: tuple  # ("name", name) or ("mapping", mapping, columns)
    file: str
    part: str | None
    skip: bool
    prepare: Prepare | None
    first: int
    block: bytes | tuple[str, int, int]  # the lines, or where they are in an uncompressed file
    piece: int  # bytes converted at a time (see _work)


@dataclass
class _Result:
    """What a worker made of one chunk.

    The chunk's batches, one per piece the worker converted at a time,
    travel serialised by the worker itself (``payloads``, see
    :func:`_dump_batch`): the executor then moves bytes, and :func:`_batch`
    loads them in the consuming thread with the cyclic garbage collector
    paused.  Left to the executor, unpickling a chunk's many tuples triggered
    collections that walked everything unpickled so far, again and again.
    """

    payloads: list[tuple[str, bytes]]
    counts: tuple[int, int, int, int, int]  # rows_read, posts, comments, rejected, no_text
    pending: tuple | None  # (line, BadRecord) of a broken line at the chunk's end
    blank: bool
    error: tuple | None = None  # (reason, hint, file, row, column) without skip_bad_rows


def _chunks(info: FileInfo, size: int) -> Generator[tuple[int, bytes | tuple[str, int, int]], None, None]:
    """The chunks of a JSONL part, each with the number of its first line.

    An uncompressed file is read by the workers themselves: its chunks are
    where they lie (:func:`corpus.formats.jsonl_spans`); others are their bytes.
    """
    return jsonl_spans(info, size) if info.format == "jsonl" else jsonl_blocks(info, size)


def convert_jsonl(
    pool: Pool,
    info: FileInfo,
    report: FileReport,
    preset: Preset,
    ref: tuple,
    prepare: Prepare | None,
    *,
    skip: bool,
    batch_size: int,
) -> Iterator[Batch]:
    """Convert a JSONL part in the workers of *pool*; yield its batches in order.

    *report* is updated as :meth:`corpus.loaders.Load.batches` would update
    it; *ref* names the preset so that a worker can rebuild it.
    """
    label = report.file if report.part is None else f"{report.file} [{report.part}]"
    if ref[0] == "mapping":
        ref = (*ref, tuple(info.columns))
    size = int(min(max(batch_size * _line_length(info), _MIN_CHUNK), _MAX_CHUNK))
    limit = pool.workers + 2  # chunks in flight: each worker busy, one ready; bounded memory
    blocks = _chunks(info, size)
    window: deque[Future] = deque()
    failure: InputError | None = None
    carry: tuple | None = None
    try:
        while True:
            while failure is None and len(window) < limit:
                try:
                    first, data = next(blocks)
                except StopIteration:
                    break
                except InputError as exc:  # damaged file: after the chunks before it
                    failure = exc
                    break
                task = _Task(ref, report.file, report.part, skip, prepare, first, data, _PIECE)
                window.append(pool.executor.submit(_work, task))
            if not window:
                break
            result: _Result = window.popleft().result()
            batch = _batch(result.payloads)
            if not result.blank:
                if carry is not None:
                    held = Batch()
                    _reject(held, label, carry[0], carry[1].reason, carry[1].hint, None, {}, skip)
                    batch.rejected[:0] = held.rejected
                    report.rows_read += 1
                    report.rejected += 1
                carry = result.pending
            if result.error is not None:
                reason, hint, file, row, column = result.error
                raise InputError(reason, hint, file=file, row=row, column=column)
            rows_read, n_posts, n_comments, rejected, no_text = result.counts
            report.no_text += no_text
            report.rows_read += rows_read
            report.posts += n_posts
            report.comments += n_comments
            report.rejected += rejected
            if len(batch):
                yield batch
        if failure is not None:
            raise failure
        if carry is not None:
            info.warnings.append(truncated_last_line(carry[0]))
    except BrokenProcessPool:  # a worker was killed: the pool is no use any more
        raise WorkerStopped(label) from None
    finally:
        blocks.close()
        for future in window:
            future.cancel()


def _dump_batch(batch: Batch) -> tuple[str, bytes]:
    """A worker's batch as bytes: marshal where it can, pickle otherwise.

    Prepared SQLite rows hold only strings, numbers and None, which
    :mod:`marshal` writes about three times faster than :mod:`pickle` (both
    ends run the same interpreter, so its format is safe here).  Rows with
    datetimes (PostgreSQL), records not yet prepared (dicts with datetimes)
    and rejected rows (rare) fall back to pickle.
    """
    if not batch.rejected:
        try:
            return "marshal", marshal.dumps((batch.posts, batch.post_rows, batch.comments, batch.comment_rows))
        except ValueError:  # an object marshal does not know (a datetime)
            pass
    return "pickle", pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)


def _batch(payloads: list[tuple[str, bytes]]) -> Batch:
    """Load a worker's batches as one, without collecting garbage meanwhile (see :class:`_Result`).

    One batch per chunk, not per piece, keeps the consumer's work per batch
    (for an import, one ``executemany`` and its bookkeeping) rare.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        out = Batch()
        for kind, data in payloads:
            if kind == "marshal":
                batch = Batch(*marshal.loads(data))
            else:
                batch = pickle.loads(data)
            out.posts += batch.posts
            out.post_rows += batch.post_rows
            out.comments += batch.comments
            out.comment_rows += batch.comment_rows
            out.rejected += batch.rejected
        return out
    finally:
        if enabled:
            gc.enable()


# ---------------------------------------------------------------------------
# in the worker
# ---------------------------------------------------------------------------

_PRESETS: dict[tuple, Preset] = {}


def _ready() -> None:
    """A task that does nothing: submitting it starts a worker."""


_CHUNKS = [0]  # chunks this worker has converted
_COLLECT_EVERY = 16


def _init_worker() -> None:
    # A chunk's objects die together when its result has been sent, so the
    # cyclic garbage collector only costs time while a chunk is converted
    # (several microseconds a record, scanning the chunk's records again and
    # again).  It runs between chunks instead, and skips the objects made by
    # imports, which live as long as the worker.
    gc.freeze()
    gc.disable()
    # Ctrl-C is for the importing process, which stops the workers itself
    # (and rolls back); workers interrupted mid-chunk would only add tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()


def _exit_with_parent() -> None:
    """End this worker as soon as the process that started it ends.

    A parent that is killed (SIGKILL, the OOM killer) cannot stop its
    workers, and they would wait for work forever: each holds both ends of
    the executor's task pipe, so it never sees the end of the stream.  A
    daemon thread waits on the parent's sentinel (ready when the parent is
    gone) instead of polling.
    """
    parent = multiprocessing.parent_process()
    if parent is None:  # pragma: no cover - workers are always started by a parent
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="dazi-exit-with-parent", daemon=True).start()


def _preset(ref: tuple, label: str) -> Preset:
    preset = _PRESETS.get(ref)
    if preset is None:
        if ref[0] == "name":
            preset = get_preset(ref[1])
        else:
            preset = generic_preset(dict(ref[1]), list(ref[2]), file=label)
        _PRESETS[ref] = preset
    return preset


def _work(task: _Task) -> _Result:
    """Parse, convert and prepare one chunk, a piece at a time (runs in a worker process).

    Each piece of about ``task.piece`` bytes (:data:`_PIECE`) becomes one
    serialised batch; a line that is not valid JSON at the end of a piece is
    settled by the pieces after it, as between the blocks of a serial read
    (:func:`corpus.formats.parse_jsonl_blocks`).
    """
    _CHUNKS[0] += 1
    if not _CHUNKS[0] % _COLLECT_EVERY:  # cycles are rare (exceptions): collect now and then
        gc.collect()
    report = FileReport(task.file, "jsonl", None, task.part)
    label = task.file if task.part is None else f"{task.file} [{task.part}]"
    preset = _preset(task.preset, label)
    payloads: list[tuple[str, bytes]] = []
    blank, pending = True, None
    try:
        data = read_span(task.block) if isinstance(task.block, tuple) else task.block
        for block in parse_jsonl_blocks(split_jsonl_block(data, task.first, task.piece)):
            blank, pending = False, block.pending
            into = _Pending(Batch())
            for _ in _convert(report, preset, iter(block.records), into, task.skip, 1 << 62):
                pass  # pragma: no cover - a batch never fills
            batch = into.batch
            if task.prepare is not None:
                if batch.posts:
                    batch.posts = task.prepare.posts(batch.posts)
                if batch.comments:
                    batch.comments = task.prepare.comments(batch.comments)
            if len(batch):
                payloads.append(_dump_batch(batch))
    except InputError as exc:
        loc = exc.location
        error = (exc.reason, exc.hint, loc.file, loc.row, loc.column)
        return _Result([], (0, 0, 0, 0, 0), None, blank, error)
    counts = (report.rows_read, report.posts, report.comments, report.rejected, report.no_text)
    return _Result(payloads, counts, pending, blank)
