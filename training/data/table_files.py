"""One table file: its header, its declared columns, and its typed lazy scan.

Kept apart from the reader so that the validator (which needs these three) and the reader (which
runs the validator when asked) import this module rather than each other.
"""

from __future__ import annotations

import csv
import io

import polars as pl

from shared.tables import CLIENT_ID
from training.data.schema import polars_schema
from training.data.sources import TableFile
from training.errors import DataError

UTF8_EXPECTED = "UTF-8 text, as the Kaggle files are (re-save the file as UTF-8)"
_HEADER_LIMIT = 1 << 20  # a header line longer than 1 MB is not a Kaggle header


def csv_header(file: TableFile) -> list[str]:
    """Column names from the first line of a CSV, reading only that line.

    Raises DataError when the file is empty or its header is not UTF-8.
    """
    with file.path.open("rb") as stream:
        first = stream.readline(_HEADER_LIMIT)
    if not first.strip():
        raise DataError(
            "the file is empty",
            file=file.display,
            expected="a header line naming the columns, then one line per row",
        )
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            "the header line is not valid UTF-8",
            file=file.display,
            example=f"line 1, bytes {first[max(0, error.start - 10) : error.end + 10]!r}",
            expected=UTF8_EXPECTED,
        ) from error
    return [name.strip() for name in next(csv.reader(io.StringIO(text)))]


def file_columns(file: TableFile) -> list[str]:
    """The columns a file declares: its CSV header, or its Parquet schema."""
    if file.format == "parquet":
        try:
            return list(pl.read_parquet_schema(file.paths[0]))
        except Exception as error:  # Polars raises several types for a damaged footer
            raise DataError(
                f"cannot be read as Parquet ({error})",
                file=file.display,
                expected="a Parquet file written by Polars, pandas or Arrow",
            ) from error
    return csv_header(file)


def scan_file(file: TableFile, columns: list[str] | None = None) -> pl.LazyFrame:
    """One table as a lazy frame, typed per the contract and projected to its columns.

    `columns` (the file's own columns, from `file_columns`) lets a CSV's extra columns be read
    as text and dropped without Polars guessing their type from the first rows. A lake table is
    its partition files in partition order; an application table of a lake is put back in the
    source's row order (a join on its unique SK_ID_CURR that keeps the order file's order).
    """
    schema = polars_schema(file.table)
    if file.format == "parquet":
        frame = pl.scan_parquet(list(file.paths))
        if file.order is not None:
            frame = pl.scan_parquet(file.order).join(
                frame, on=CLIENT_ID, how="inner", maintain_order="left"
            )
        return frame.select([pl.col(c).cast(t, strict=True) for c, t in schema.items()])
    present = columns if columns is not None else csv_header(file)
    overrides = {c: schema.get(c, pl.String()) for c in present}
    return pl.scan_csv(
        file.path, schema_overrides=overrides, glob=False, infer_schema=False
    ).select(list(schema))
