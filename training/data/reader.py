"""Opening the Home Credit tables as typed Polars LazyFrames.

Minimal first version: a folder of CSV or Parquet files. The data helper hardens it (zip,
validation, encodings) without changing `open_tables`' signature, which every later stage uses.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shared.tables import TABLES
from training.data.schema import polars_schema

Tables = dict[str, pl.LazyFrame]


def scan_table(folder: Path, name: str) -> pl.LazyFrame:
    """One table, typed per the contract, columns in contract order."""
    schema = polars_schema(name)
    parquet = folder / f"{name}.parquet"
    if parquet.exists():
        return pl.scan_parquet(parquet).select([pl.col(c).cast(t) for c, t in schema.items()])
    return pl.scan_csv(folder / TABLES[name].file_name, schema_overrides=schema).select(
        list(schema)
    )


def open_tables(path: str | Path, names: tuple[str, ...] | None = None) -> Tables:
    """The tables found under `path`, lazily; application_test may be absent."""
    folder = Path(path)
    wanted = names or tuple(TABLES)
    return {
        name: scan_table(folder, name)
        for name in wanted
        if (folder / f"{name}.csv").exists() or (folder / f"{name}.parquet").exists()
    }
