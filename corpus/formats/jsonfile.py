"""JSON documents: an array of records, or one object, parsed element by element."""

from __future__ import annotations

import json
from collections.abc import Generator

from corpus.formats.jsonl import _iter_jsonl
from corpus.formats.records import _SAMPLE, BadRecord, FileInfo, Records, _JSONError, _loads
from dazi.errors import InputError


def _open_json(path: str) -> tuple[FileInfo, Records]:
    with open(path, "rb") as fh:
        head = fh.read(_SAMPLE)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        # A JSON file that starts with an object is either JSONL saved as
        # .json, or one object (an X API page).  JSONL's first line parses.
        first_line, _, rest = text.partition(b"\n")
        try:
            _loads(first_line)
        except _JSONError:
            info = FileInfo(path, "json", encoding="utf-8")
            return info, _json_object(info)
        if not rest.strip() and len(head) < _SAMPLE:  # the whole file is one object on one line
            info = FileInfo(path, "json", encoding="utf-8")
            return info, _json_object(info)
        info = FileInfo(path, "jsonl", encoding="utf-8")
        info.warnings.append("the .json file holds one JSON object per line; read as JSONL")
        return info, _iter_jsonl(info)
    if not text.startswith(b"["):
        raise InputError(
            "the file is not a JSON array of records",
            "Export the posts as JSON (an array of objects) or JSONL (one object per line).",
            file=path,
        )
    info = FileInfo(path, "json", encoding="utf-8")
    return info, _json_array(info)


def _json_object(info: FileInfo) -> Records:
    with open(info.path, "rb") as fh:
        data = fh.read()
    try:
        obj = _loads(data)
    except _JSONError as exc:
        raise InputError(f"the file is not valid JSON ({exc})", file=info.path) from exc
    if not isinstance(obj, dict):  # pragma: no cover - we saw "{" first
        raise InputError("the file is not a JSON object", file=info.path)
    info.columns = list(obj)
    yield 1, obj


def _json_array(info: FileInfo) -> Records:
    """Stream the elements of a top-level JSON array, one parse per element."""
    elements = _json_elements(info)
    row = 0
    try:
        for row, record in elements:
            yield row, record
    except UnicodeDecodeError as exc:
        raise InputError(
            f"the file is not valid UTF-8 text after element {row} ({exc.reason})",
            "JSON files are UTF-8: export the file again, or save it as UTF-8.",
            file=info.path,
            row=row + 1,
        ) from exc
    finally:
        elements.close()


def _json_int(text: str) -> int | float:
    """An integer as orjson reads it (JSONL): beyond 64 bits, a float.

    Keeps the raw records of JSON and JSONL files alike, and storable: the
    record is saved with orjson, which refuses larger integers.
    """
    if len(text) <= 18:
        return int(text)
    number = int(text) if len(text) <= 4000 else None
    return number if number is not None and -(2**63) <= number < 2**64 else float(text)


def _json_elements(info: FileInfo) -> Generator[tuple[int, dict | BadRecord], None, None]:
    decoder = json.JSONDecoder(parse_int=_json_int)
    chunk_size = 1 << 20
    with open(info.path, encoding="utf-8-sig") as fh:
        buf = fh.read(chunk_size)
        pos = buf.index("[") + 1
        eof = False
        index = 0
        lines_before = 0  # newlines in the text already dropped from buf
        expect_value = True
        while True:
            # skip whitespace and one comma
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                if pos < len(buf) or eof:
                    break
                lines_before += buf.count("\n")
                buf, pos = fh.read(chunk_size), 0
                eof = not buf
            if pos >= len(buf):
                raise InputError(
                    "the JSON array ends early (the closing ']' is missing)",
                    "The export was probably cut off; export again.",
                    file=info.path,
                    row=index + 1,
                )
            ch = buf[pos]
            if ch == "]":
                return
            if ch == ",":
                if expect_value:
                    raise _json_syntax(info, index + 1, lines_before + buf.count("\n", 0, pos))
                pos += 1
                expect_value = True
                continue
            if not expect_value:
                raise _json_syntax(info, index + 1, lines_before + buf.count("\n", 0, pos))
            while True:
                try:
                    obj, end = decoder.raw_decode(buf, pos)
                    break
                except RecursionError:
                    raise InputError(
                        f"element {index + 1} is nested too deeply to read",
                        "A post is a flat record; the export is damaged or not a crawler export.",
                        file=info.path,
                        row=index + 1,
                    ) from None
                except json.JSONDecodeError as exc:
                    if eof:
                        raise InputError(
                            f"invalid JSON in element {index + 1} ({exc.msg}, line "
                            f"{lines_before + buf.count(chr(10), 0, exc.pos) + 1})",
                            "The export is damaged or was cut off; export again.",
                            file=info.path,
                            row=index + 1,
                        ) from exc
                    more = fh.read(chunk_size)
                    eof = not more
                    lines_before += buf.count("\n", 0, pos)
                    buf, pos = buf[pos:] + more, 0
                    chunk_size *= 2  # an element larger than a chunk: grow
            index += 1
            pos = end
            expect_value = False
            if isinstance(obj, dict):
                if not info.columns:
                    info.columns = list(obj)
                yield index, obj
            else:
                yield (
                    index,
                    BadRecord(f"element {index} is a JSON {type(obj).__name__}, not an object"),
                )
            if pos > chunk_size:  # drop consumed text so memory stays bounded
                lines_before += buf.count("\n", 0, pos)
                buf, pos = buf[pos:], 0


def _json_syntax(info: FileInfo, element: int, line0: int) -> InputError:
    return InputError(
        f"invalid JSON near element {element} (line {line0 + 1}): expected ',' or ']'",
        "The export is damaged; export again.",
        file=info.path,
        row=element,
    )
