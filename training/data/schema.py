"""Storage types for the contract's logical types: compact, and identical for every source.

Batch features, online features and the generator's Parquet output all go through this mapping,
so a column has the same Polars type wherever it comes from (a condition for batch/online parity).

`Tables` (table name -> typed lazy frame) is declared here rather than beside the file readers:
it is the input of the feature code that training, the API and the Dask engine share, and that
code must not pull in the readers (sources, zip extraction, validation) to name its input type.
"""

from __future__ import annotations

import polars as pl

from shared.tables import TABLES, Kind, Table

#: The tables as every stage after reading sees them: name -> typed lazy frame, contract columns.
Tables = dict[str, pl.LazyFrame]

_STORAGE: dict[Kind, type[pl.DataType]] = {
    # Every integer in the Kaggle files fits in 32 bits (ids < 3e6, days, counts, card limits).
    Kind.INT: pl.Int32,
    # Amounts and normalised scores keep full precision: the files print up to 17 digits.
    Kind.FLOAT: pl.Float64,
    Kind.TEXT: pl.String,
}


def polars_schema(table: Table | str) -> dict[str, pl.DataType]:
    """The Polars schema of a table, in the contract's column order."""
    spec = TABLES[table] if isinstance(table, str) else table
    return {c.name: _STORAGE[c.kind]() for c in spec.columns}
