"""JSON Lines (plain, zstd, gzip) in blocks of whole lines, which worker processes can parse apart."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass

from corpus.formats.records import BadRecord, FileInfo, Records, _JSONError, _loads
from dazi.errors import InputError


def _byte_blocks(info: FileInfo, raw, size: int) -> Iterator[bytes]:
    """The file's bytes in blocks of about *size*, decompressing zstd and gzip."""
    if info.format == "jsonl.zst":
        yield from _zstd_chunks(raw, size)
        return
    if info.format == "jsonl.gz":
        import gzip

        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    else:
        stream = raw
    while True:
        data = stream.read(size)
        if not data:
            return
        yield data


def _zstd_chunks(raw, size: int = 1 << 20) -> Iterator[bytes]:
    """Decompressed blocks of a zstd file; a file cut off mid-frame is an error.

    Pushshift and Arctic Shift dumps use a 2 GiB window (``--long=31``), so the
    decompressor must accept one.  Concatenated frames are read one after the
    other.
    """
    import zstandard

    dctx = zstandard.ZstdDecompressor(max_window_size=2**31)
    dobj = dctx.decompressobj()
    fed = False
    while True:
        data = raw.read(size)
        if not data:
            break
        while data:
            fed = True
            out = dobj.decompress(data)
            if out:
                yield out
            if dobj.eof:
                data = dobj.unused_data
                dobj = dctx.decompressobj()
                fed = False
            else:
                data = b""
    if fed and not dobj.eof:
        raise EOFError("the compressed data end before the end of the frame (file cut off?)")


def jsonl_blocks(info: FileInfo, size: int = 1 << 16) -> Generator[tuple[int, bytes], None, None]:
    """Blocks of whole lines of a JSONL file, each with the number of its first line.

    Blocks are read *size* bytes at a time (small by default: the records of
    a block are parsed together, so the block bounds the memory a stream
    holds).  Every block but the last ends with a newline; a UTF-8 byte order
    mark at the start of the file is dropped.  :func:`parse_jsonl_block` reads a
    block, here or in a worker process (:mod:`corpus.parallel`), so that both
    number the lines alike.

    Raises
    ------
    InputError
        If the file cannot be opened, or a compressed file is damaged or cut
        off (naming the last line read).
    """
    try:
        raw = open(info.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc})", file=info.path) from exc
    lines = 0
    tail: list[bytes] = []  # the start of a line longer than a block, in pieces
    head = True  # before the first block (which may hold a byte order mark)
    try:
        for data in _byte_blocks(info, raw, size):
            if head and sum(map(len, tail)) + len(data) < 3:
                tail.append(data)  # too short to tell whether a byte order mark starts it
                continue
            cut = data.rfind(b"\n") + 1
            if not cut:
                tail.append(data)
                continue
            block = b"".join(tail) + data[:cut] if tail else data[:cut]
            tail = [data[cut:]] if cut < len(data) else []
            if head:
                head = False
                if block.startswith(b"\xef\xbb\xbf"):
                    block = block[3:]
            yield lines + 1, block
            lines += block.count(b"\n")
        if tail:
            block = b"".join(tail)
            if head and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
            yield lines + 1, block
    except _damaged_errors() as exc:
        raise InputError(
            f"the file is damaged or cut off after line {lines} ({exc})",
            "Download or export the file again.",
            file=info.path,
            row=lines + 1,
        ) from exc
    finally:
        raw.close()


def jsonl_spans(
    info: FileInfo, size: int = 1 << 16
) -> Generator[tuple[int, tuple[str, int, int]], None, None]:
    """Where the blocks of :func:`jsonl_blocks` lie in an uncompressed JSONL file.

    Yields ``(first line, (path, offset, length))`` for the very blocks
    :func:`jsonl_blocks` cuts from the same file with the same *size* (each
    ends at the last newline of a read of *size* bytes; the byte order mark
    is left out).  Import workers (:mod:`corpus.parallel`) read the bytes
    themselves (:func:`read_span`): this process only counts lines, and the
    file's bytes do not also pass through a pipe.

    Raises
    ------
    InputError
        If the file cannot be opened or read.
    """
    try:
        fh = open(info.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot open the file ({exc})", file=info.path) from exc
    lines = 0
    try:
        with fh:
            start = 3 if fh.read(3) == b"\xef\xbb\xbf" else 0  # where the next block starts
            fh.seek(0)
            read = carried = 0  # bytes read so far; newlines read since start
            while data := fh.read(size):
                end = data.rfind(b"\n") + 1
                if end and read + len(data) >= 3:  # as jsonl_blocks: a first block spans its byte order mark
                    yield lines + 1, (info.path, start, read + end - start)
                    lines += carried + data.count(b"\n", max(start - read, 0), end)
                    start, carried = read + end, 0
                else:
                    carried += data.count(b"\n", max(start - read, 0))
                read += len(data)
            if read > start:
                yield lines + 1, (info.path, start, read - start)
    except OSError as exc:
        raise InputError(
            f"cannot read the file after line {lines} ({exc})", file=info.path, row=lines + 1
        ) from exc


def read_span(span: tuple[str, int, int]) -> bytes:
    """The bytes of a block found by :func:`jsonl_spans`.

    Raises
    ------
    InputError
        If the file cannot be read, or is shorter than when its lines were counted.
    """
    path, offset, length = span
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc})", file=path) from exc
    if len(data) != length:
        raise InputError(
            "the file changed while it was read", "Import it again once it is complete.", file=path
        )
    return data


@dataclass
class JsonlBlock:
    """The records of one block of JSONL lines (see :func:`parse_jsonl_block`).

    Attributes
    ----------
    records : list of (int, dict or BadRecord)
        Line number and record, in order.
    pending : (int, BadRecord) or None
        A line that is not valid JSON and is followed by blank lines only
        (line number, why).  It is a bad record if any non-blank line
        follows in the file, and only a warning if it is the file's last
        line: a crawler stopped mid-write leaves a truncated last line.
    blank : bool
        Whether the block holds nothing but blank lines.
    """

    records: list[tuple[int, dict | BadRecord]]
    pending: tuple[int, BadRecord] | None
    blank: bool


def parse_jsonl_block(block: bytes, first: int) -> JsonlBlock:
    """Parse one JSON object per line of *block*, whose first line is number *first*."""
    loads = _loads
    records: list[tuple[int, dict | BadRecord]] = []
    append = records.append
    pending: tuple[int, BadRecord] | None = None
    blank = True
    lines = block.split(b"\n")
    if block.endswith(b"\n"):
        lines.pop()
    last = len(lines) - 1
    for lineno, line in enumerate(lines, start=first):
        try:
            obj = loads(line)
        except _JSONError:
            if not line.strip():
                continue
            blank = False
            if pending is not None:
                append(pending)
            # the parser's words for the line as the file holds it, newline included
            whole = line + b"\n" if lineno - first < last or block.endswith(b"\n") else line
            try:
                loads(whole)
                reason = "not valid JSON"  # pragma: no cover - the line failed above
            except _JSONError as exc:
                reason = _short(exc)
            pending = (lineno, BadRecord(f"line {lineno} is not valid JSON ({reason})", _JSONL_HINT))
            continue
        blank = False
        if pending is not None:
            append(pending)
            pending = None
        if type(obj) is dict:
            append((lineno, obj))
        else:
            append(
                (lineno, BadRecord(f"line {lineno} is a JSON {type(obj).__name__}, not an object"))
            )
    return JsonlBlock(records, pending, blank)


def split_jsonl_block(block: bytes, first: int, size: int) -> Iterator[tuple[int, bytes]]:
    """*block* (whole lines, the first numbered *first*) in pieces of about *size* bytes of whole lines.

    Each piece comes with the number of its first line, as from
    :func:`jsonl_blocks`.  Import workers (:mod:`corpus.parallel`) receive
    large chunks, so that few cross between processes, and convert them a
    small piece at a time: the objects of one piece stay in the processor's
    cache and their memory is reused by the next (a fifth less CPU than
    converting a chunk of 5,000 lines at once).
    """
    start, line, end = 0, first, len(block)
    while start < end:
        cut = block.find(b"\n", start + size - 1) + 1 if start + size < end else end
        piece = block[start:cut or end]
        yield line, piece
        line += piece.count(b"\n")
        start = cut or end


def parse_jsonl_blocks(blocks: Iterable[tuple[int, bytes]]) -> Iterator[JsonlBlock]:
    """Parse consecutive blocks of one file (see :func:`parse_jsonl_block`), settling their bounds.

    A line that is not valid JSON at the end of a block is a bad record once
    a non-blank line follows: it is put at the head of the next non-blank
    block's records.  Blank blocks are skipped.  The :attr:`JsonlBlock.pending`
    of the last block yielded is what the blocks leave unsettled (the whole
    file's truncated last line, for :func:`_iter_jsonl`).
    """
    carry: tuple[int, BadRecord] | None = None
    for first, data in blocks:
        block = parse_jsonl_block(data, first)
        if block.blank:
            continue
        if carry is not None:
            block.records.insert(0, carry)
        carry = block.pending
        yield block


def truncated_last_line(lineno: int) -> str:
    """The warning for a JSONL file whose last line is incomplete."""
    return (
        f"the last line ({lineno}) is incomplete and was skipped: the crawler was "
        "probably stopped while writing it"
    )


def _iter_jsonl(info: FileInfo) -> Records:
    """Parse one JSON object per line; a broken *last* line is only a warning.

    A crawler stopped mid-write leaves a truncated last line: the records
    before it are good, so it is reported as a warning.  A broken line with
    good lines after it is an error, yielded as a :class:`BadRecord`.
    """
    last: JsonlBlock | None = None
    for block in parse_jsonl_blocks(jsonl_blocks(info)):
        if not info.columns:
            for _, rec in block.records:
                if type(rec) is dict:
                    info.columns = list(rec)
                    break
        yield from block.records
        last = block
    if last is not None and last.pending is not None:
        info.warnings.append(truncated_last_line(last.pending[0]))


_JSONL_HINT = "Fix or delete this line (each line must hold one complete JSON object)."


_POSITION_RE = re.compile(r":? line \d+ column \d+ \(char \d+\)")


def _short(exc: Exception) -> str:
    """The parser's message without its position (which counts within the line)."""
    text = _POSITION_RE.sub("", str(exc).split("\n", 1)[0])
    return text[:120]


def _damaged_errors() -> tuple[type[Exception], ...]:
    """Exceptions that mean a (compressed) file is damaged or cut off."""
    import zlib

    errors: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error)
    try:
        import zstandard
    except ImportError:  # pragma: no cover - zstandard is a dependency
        return errors
    return errors + (zstandard.ZstdError,)
