"""Excel workbooks, one part per sheet, guarded against zip bombs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, time

from corpus.formats.records import FileInfo, Records
from dazi.errors import InputError


def _cell_text(value: object, utc: bool = False) -> str:
    """A cell as text, so that ids and counts are never floats downstream.

    *utc*: the workbook is one of dazi's own, whose dates are UTC (Excel has no
    time zones): datetimes get the offset ``+00:00``.
    """
    if value is None:
        return ""
    # exact type checks (not isinstance): bool and numpy scalars are handled below
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if type(value) is float:
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # Excel keeps 15 significant digits; show them as Excel does, so that
        # an id stored as a number is recognisably mangled ("4.75E+15").
        return format(value, ".15G")
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date | time):
        if isinstance(value, datetime):
            return value.isoformat(sep=" ") + ("+00:00" if utc and value.tzinfo is None else "")
        return value.isoformat()
    return str(value)


#: Uncompressed bytes a workbook may hold at a compression ratio above
#: :data:`_ZIP_BOMB_RATIO`: spreadsheet XML compresses about 10:1, so a large
#: member compressed far better than that is a "zip bomb", not an export.
_ZIP_BOMB_BYTES = 256 * 1024 * 1024
_ZIP_BOMB_RATIO = 100


def check_zip_size(path: str | os.PathLike, max_bytes: int | None = None) -> None:
    """Refuse a zip file (a workbook) that would unpack to far more than it holds.

    Parameters
    ----------
    max_bytes : int, optional
        Refuse any file whose members unpack to more than this in total.
        By default only a member over 256 MiB that is compressed more than
        100:1 is refused.

    Raises
    ------
    InputError
        Naming the file and the member, before anything is decompressed.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"cannot open the Excel workbook ({exc})",
            "Open it in Excel and save it again as .xlsx, or export CSV UTF-8.",
            file=str(path),
        ) from exc
    total = sum(m.file_size for m in members)
    if max_bytes is not None and total > max_bytes:
        raise InputError(
            f"the workbook unpacks to {total / 2**20:,.0f} MiB, more than the "
            f"{max_bytes / 2**20:,.0f} MiB a file of this kind needs",
            "Check that this is the right file; a damaged or hostile file can claim huge sizes.",
            file=str(path),
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > _ZIP_BOMB_BYTES and ratio > _ZIP_BOMB_RATIO:
            raise InputError(
                f"{m.filename} in the workbook unpacks to {m.file_size / 2**20:,.0f} MiB from "
                f"{m.compress_size / 2**20:,.1f} MiB: this is not a crawler export",
                "Export the data again, or save it as CSV UTF-8.",
                file=str(path),
            )


def _xlsx_error(label: str, row: int | None, exc: Exception) -> InputError:
    """A workbook openpyxl cannot read, as the user's error.

    openpyxl raises whatever its XML, zip and style parsers raise on a
    damaged file (ValueError, KeyError, TypeError, zlib.error, ParseError
    ...), so any of them means "damaged workbook".
    """
    what = f"{type(exc).__name__}: {exc}"
    return InputError(
        f"cannot read the Excel workbook ({what[:200]})",
        "Open it in Excel and save it again as .xlsx, or export CSV UTF-8.",
        file=label,
        row=row,
    )


def _iter_xlsx(path: str) -> Iterator[tuple[FileInfo, Records]]:
    import openpyxl

    check_zip_size(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - see _xlsx_error
        raise _xlsx_error(path, None, exc) from exc
    try:
        utc = (wb.properties.creator or "") == "dazi"  # reports.xlsx writes dates in UTC
    except Exception:  # noqa: BLE001 - document properties are optional
        utc = False
    try:
        for ws in wb.worksheets:
            info = FileInfo(path, "xlsx", part=ws.title)
            header: list[str] = []
            header_row = 0
            try:
                if hasattr(ws, "reset_dimensions"):
                    ws.reset_dimensions()  # some writers store wrong sheet dimensions
                rows = ws.iter_rows(values_only=True)
                for header_row, values in enumerate(rows, start=1):  # noqa: B007 - the row is used after the loop
                    if any(v is not None and str(v).strip() for v in values):
                        header = [_cell_text(v).strip() for v in values]
                        break
            except Exception as exc:  # noqa: BLE001 - see _xlsx_error
                raise _xlsx_error(info.label, header_row + 1, exc) from exc
            while header and not header[-1]:
                header.pop()
            info.columns = header
            yield info, _xlsx_records(info, rows, header, header_row, utc)
    finally:
        wb.close()


def _xlsx_records(info: FileInfo, rows, header: list[str], header_row: int, utc: bool = False) -> Records:
    width = len(header)
    if not width:
        return
    dupes = {h for h in header if h and header.count(h) > 1}
    if dupes:
        name = sorted(dupes)[0]
        raise InputError(
            f"column {name!r} appears twice in the header",
            "Rename one of the two columns so that each name is unique, then import again.",
            file=info.label,
            row=header_row,
            column=name,
        )
    row = header_row
    extra_cells = 0
    while True:
        try:
            values = next(rows, None)
        except Exception as exc:  # noqa: BLE001 - see _xlsx_error
            raise _xlsx_error(info.label, row + 1, exc) from exc
        if values is None:
            break
        row += 1
        cells = [_cell_text(v, utc) for v in values]
        if not any(cells):
            continue
        if len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                extra_cells += 1
            cells = cells[:width]
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        yield row, dict(zip(header, cells))
    if extra_cells:
        info.warnings.append(
            f"{extra_cells} row(s) have values in cells to the right of the last named "
            "column; those cells were ignored."
        )
