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

`open_tables` also records which files it opened: the returned `OpenedTables` is the usual dict
of frames plus its `inputs` and `fingerprint`, so the data fingerprint a bundle records is made
from exactly the files the model was trained on. For a Parquet lake (`scoring ingest`) those
inputs are the source files it was ingested from, once the lake's own files are checked against
its manifest: a model trained from the lake and one trained from the source name the same data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

import polars as pl

from training.data.fingerprint import InputFile, fingerprint, hash_file
from training.data.schema import Tables
from training.data.sources import TableFile, missing_file_error, required_tables, resolve_source
from training.data.table_files import file_columns, scan_file
from training.data.validation import check_columns, validate_source
from training.errors import DataError
from training.progress import Progress

__all__ = ["OpenedTables", "Tables", "open_tables", "scan_table"]


class OpenedTables(dict[str, pl.LazyFrame]):
    """The frames of `open_tables` (a plain `Tables` dict to every caller) and their files.

    The content hashes are computed on first use of `inputs` or `fingerprint` (an archive's
    members are already hashed and verified when extracted), so a command that never asks for the
    fingerprint does not pay for a pass over a folder's 2.5 GB.
    """

    def __init__(self, frames: Mapping[str, pl.LazyFrame], files: Iterable[TableFile]) -> None:
        super().__init__(frames)
        self.files: tuple[TableFile, ...] = tuple(files)

    @cached_property
    def inputs(self) -> tuple[InputFile, ...]:
        """Name (relative to the tables' folder), size and sha256 of every file read."""
        found = []
        for file in self.files:
            if file.origin is not None:
                _verify_stored(file)
                found.append(file.origin)
                continue
            size, sha256 = hash_file(file.path)
            if file.sha256 is not None and sha256 != file.sha256:
                # Only possible if the verified copy changed while this process was running.
                raise DataError(
                    "the extracted copy changed after it was verified against the archive",
                    file=file.display,
                    expected="no other process writing to the extraction folder; run again",
                )
            found.append(InputFile(file.name, size, sha256))
        return tuple(found)

    @property
    def fingerprint(self) -> str:
        """The data fingerprint (see `training.data.fingerprint`) of the files read."""
        return fingerprint(self.inputs)


def _verify_stored(file: TableFile) -> None:
    """A lake table's files are the ones its manifest lists (size and sha256), so the source
    fingerprint the manifest records still names what this lake holds."""
    for path, size, sha256 in file.stored:
        found_size, found_sha256 = hash_file(path)
        if (found_size, found_sha256) != (size, sha256):
            raise DataError(
                f"file of the lake changed after `scoring ingest` wrote it ({found_size:,} bytes, "
                f"sha256 {found_sha256[:12]}...; the manifest says {size:,} bytes, "
                f"{sha256[:12]}...)",
                file=str(path),
                expected="the lake as ingested; re-run `scoring ingest` on the source",
            )


def scan_table(folder: Path, name: str) -> pl.LazyFrame:
    """One table from a folder (kept for callers of the first version of this module)."""
    return open_tables(folder, (name,))[name]


def open_tables(
    path: str | Path,
    names: Iterable[str] | None = None,
    *,
    validate: bool = False,
    progress: Progress | None = None,
) -> OpenedTables:
    """The tables under `path` (folder, Kaggle zip or Parquet folder) as typed lazy frames.

    Without `names`: application_train and the six side tables are required, application_test
    is included when present. With `names`: exactly those tables, all required.
    Raises DataError for a missing file or column (and, with `validate=True`, for any error
    `scoring check` would report: wrong types, duplicated keys, bad encoding).
    """
    required, optional = required_tables(names)
    source = resolve_source(path, (*required, *optional), progress=progress)
    if validate:
        validate_source(source, names, progress=progress).raise_for_errors()
    missing = [t for t in required if t not in source.files]
    if missing:
        raise missing_file_error(source, missing)
    frames: Tables = {}
    opened: list[TableFile] = []
    for name in (*required, *optional):
        if name not in source.files:
            continue
        file = source.files[name]
        columns = file_columns(file)
        errors, _ = check_columns(file, columns)
        if errors:
            raise errors[0].error()
        frames[name] = scan_file(file, columns)
        opened.append(file)
    return OpenedTables(frames, opened)
