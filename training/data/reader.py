"""Opening the Home Credit tables as typed Polars LazyFrames.

Every later stage (features, training, the API's reference data) starts from `open_tables`, so
it guarantees one thing whatever the source (CSV folder, Kaggle zip, Parquet): each frame has
exactly the contract's columns, in contract order, with the types of `polars_schema`. Nothing is
read eagerly: the full data set is 2.5 GB of CSV, and Polars' lazy scans with compact types
(Int32 for every integer) let each stage stream only the columns it needs.

Cheap checks (the files exist, the headers name the contract columns) always run, because a
missing column otherwise surfaces minutes later as an obscure error deep inside a feature
query. The full checks (types, keys, encoding) need a pass over the data and run only with
`validate=True` or through `scoring check`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from shared.tables import APPLICATION_TABLES, SIDE_TABLES, TABLES
from training.data.schema import polars_schema
from training.data.sources import DataSource, TableFile, resolve_source
from training.errors import DataError
from training.progress import Progress

Tables = dict[str, pl.LazyFrame]

#: What `open_tables` needs by default: application_test is only used for scoring new clients.
REQUIRED_TABLES: tuple[str, ...] = (APPLICATION_TABLES[0], *SIDE_TABLES)
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
            return list(pl.read_parquet_schema(file.path))
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
    as text and dropped without Polars guessing their type from the first rows.
    """
    schema = polars_schema(file.table)
    if file.format == "parquet":
        return pl.scan_parquet(file.path).select(
            [pl.col(c).cast(t, strict=True) for c, t in schema.items()]
        )
    present = columns if columns is not None else csv_header(file)
    overrides = {c: schema.get(c, pl.String()) for c in present}
    return pl.scan_csv(
        file.path, schema_overrides=overrides, glob=False, infer_schema=False
    ).select(list(schema))


def scan_table(folder: Path, name: str) -> pl.LazyFrame:
    """One table from a folder (kept for callers of the first version of this module)."""
    return open_tables(folder, (name,))[name]


def required_tables(names: Iterable[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tables that must be present, tables read when present)."""
    if names is None:
        return REQUIRED_TABLES, (APPLICATION_TABLES[1],)
    wanted = tuple(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in TABLES]
    if unknown:
        raise DataError(
            f"unknown table name(s): {', '.join(unknown)}",
            expected=f"names among {', '.join(TABLES)}",
        )
    return wanted, ()


def missing_file_error(source: DataSource, missing: list[str]) -> DataError:
    """One message for all the required files that are absent."""
    shown = [source.expected_display(t) for t in missing]
    if len(shown) == 1:
        return DataError(
            "required file not found",
            file=shown[0],
            expected=f"{TABLES[missing[0]].file_name} or {missing[0]}.parquet in the data folder",
        )
    return DataError(
        f"{len(shown)} required files not found: {', '.join(shown)}",
        expected="the seven Kaggle tables (application_train and the six side tables)",
    )


def open_tables(
    path: str | Path,
    names: Iterable[str] | None = None,
    *,
    validate: bool = False,
    progress: Progress | None = None,
) -> Tables:
    """The tables under `path` (folder, Kaggle zip or Parquet folder) as typed lazy frames.

    Without `names`: application_train and the six side tables are required, application_test
    is included when present. With `names`: exactly those tables, all required.
    Raises DataError for a missing file or column (and, with `validate=True`, for any error
    `scoring check` would report: wrong types, duplicated keys, bad encoding).
    """
    required, optional = required_tables(names)
    source = resolve_source(path, (*required, *optional), progress=progress)
    if validate:
        from training.data.validation import validate_source

        validate_source(source, names, progress=progress).raise_for_errors()
    missing = [t for t in required if t not in source.files]
    if missing:
        raise missing_file_error(source, missing)
    from training.data.validation import check_columns

    frames: Tables = {}
    for name in (*required, *optional):
        if name not in source.files:
            continue
        file = source.files[name]
        columns = file_columns(file)
        errors, _ = check_columns(file, columns)
        if errors:
            raise errors[0].error()
        frames[name] = scan_file(file, columns)
    return frames
