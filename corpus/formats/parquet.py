"""Parquet: dazi's own export, or any table with typed columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.formats.records import FileInfo, Records
from dazi.errors import InputError

if TYPE_CHECKING:
    import pyarrow.parquet


def _open_parquet(path: str) -> tuple[FileInfo, Records]:
    import pyarrow.parquet as pq

    info = FileInfo(path, "parquet")
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
        raise InputError(
            f"cannot read the Parquet file ({type(exc).__name__}: {str(exc)[:200]})",
            "The file is damaged or incomplete; write it again.",
            file=path,
        ) from exc
    info.columns = list(pf.schema_arrow.names)
    return info, _parquet_records(info, pf)


def _parquet_value(value: object) -> object:
    """A Parquet cell as a record value: ids and text stay text, lists lists, times aware."""
    if isinstance(value, float) and value != value:
        return None
    return value


def _parquet_records(info: FileInfo, pf: pyarrow.parquet.ParquetFile) -> Records:
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=2000):
            for rec in batch.to_pylist():
                row += 1
                yield row, {k: _parquet_value(v) for k, v in rec.items()}
    except Exception as exc:  # noqa: BLE001 - see _open_parquet
        raise InputError(
            f"cannot read the Parquet file after row {row} ({type(exc).__name__}: {str(exc)[:200]})",
            "The file is damaged or incomplete; write it again.",
            file=info.path,
            row=row + 1,
        ) from exc
