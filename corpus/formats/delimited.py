"""CSV and TSV: encoding (UTF-8, UTF-8 with BOM, GB18030, UTF-16) and delimiter chosen from a sample."""

from __future__ import annotations

import codecs
import csv
import io

from corpus.formats.records import _SAMPLE, BadRecord, FileInfo, Records
from dazi.errors import InputError

# Rows with fields longer than the csv module's default (128 KiB) exist: a long
# note with its image list.  Raise the process-wide limit once, never lower it.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


def _choose_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode Text" export
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _choose_delimiter(header_line: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    counts = {d: header_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "gb18030": "GB18030 (GBK)",
    "utf-16": "UTF-16",
}


def _open_delimited(path: str, fmt: str) -> tuple[FileInfo, Records]:
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE)
    encoding = _choose_encoding(sample)
    info = FileInfo(path, fmt, encoding=encoding)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise _decode_error(info, 1, exc) from exc
    text = text.lstrip("\ufeff")
    delimiter = _choose_delimiter(text.split("\n", 1)[0], fmt)
    if delimiter == "\t":
        info.format = "tsv"
    # The header is read from the sample so that no file stays open until the
    # records are iterated; the records generator reads the file itself.
    info.columns = _read_header(
        csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), info
    )
    return info, _iter_delimited(info, delimiter)


def _read_header(reader, info: FileInfo) -> list[str]:
    try:
        for raw_header in reader:
            if any(cell.strip() for cell in raw_header):
                break
        else:
            raise InputError("the file is empty (no header row)", file=info.path)
    except csv.Error as exc:
        raise InputError(f"cannot read the header row: {exc}", file=info.path, row=1) from exc
    header = [h.strip().lstrip("\ufeff") for h in raw_header]
    while header and not header[-1]:  # trailing delimiters written by Excel
        header.pop()
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise InputError(
                f"column {name!r} appears twice in the header",
                "Rename one of the two columns so that each name is unique, then import again.",
                file=info.path,
                row=1,
                column=name,
            )
        seen.add(name)
    return header


def _decode_error(info: FileInfo, row: int | None, exc: UnicodeDecodeError) -> InputError:
    name = _ENCODING_NAMES.get(info.encoding or "", info.encoding)
    return InputError(
        f"the file is not valid {name} text here ({exc.reason} at byte {exc.start} of a block)",
        "Save the file again as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8) and import it.",
        file=info.path,
        row=row,
    )


_QUOTES_HINT = (
    "Check the quotes in this row: a field that contains the delimiter, a quote or a "
    "newline must be enclosed in double quotes."
)


_WIDTH_HINT = (
    "The file mixes rows of different layouts (MediaCrawler appends rows of a newer schema "
    "under an older header). Split the file by layout, or export again into a new file."
)


def _iter_delimited(info: FileInfo, delimiter: str) -> Records:
    header = info.columns
    width = len(header)
    check_qmarks = info.encoding == "gb18030"
    qmark_rows = 0
    stream = open(info.path, encoding=info.encoding, newline="", errors="strict")  # noqa: SIM115
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    row = 0
    try:
        try:
            for fields in reader:  # skip to the header row
                row += 1
                if any(cell.strip() for cell in fields):
                    break
        except UnicodeDecodeError as exc:  # the header is the whole file, cut mid-character
            raise _decode_error(info, row + 1, exc) from exc
        except csv.Error as exc:
            raise InputError(
                f"cannot read the header row: {exc}", file=info.path, row=row + 1
            ) from exc
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise _decode_error(info, row + 1, exc) from exc
            except csv.Error as exc:
                row += 1
                yield row, BadRecord(f"the row cannot be read as CSV ({exc})", _QUOTES_HINT)
                continue
            row += 1
            n = len(fields)
            if n != width:
                if n == 0 or (n == 1 and not fields[0]):
                    continue  # blank line
                if n > width and not any(fields[width:]):
                    fields = fields[:width]  # trailing empty cells
                else:
                    reason = f"the row has {n} fields but the header has {width}"
                    yield row, BadRecord(reason, _WIDTH_HINT, raw=dict(zip(header, fields)))
                    continue
            if check_qmarks:
                for value in fields:
                    if "??" in value:
                        qmark_rows += 1
                        break
            yield row, dict(zip(header, fields))
    finally:
        stream.close()
        if qmark_rows:
            info.warnings.append(
                f"{qmark_rows} row(s) contain runs of '?' (like '??'): the file was saved as "
                "GBK/GB18030, which cannot hold emoji, so they were probably replaced by '?'. "
                "Export again as CSV UTF-8 to keep them."
            )
