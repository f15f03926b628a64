"""Column arrays -> Polars frames typed per the data contract, in the contract's column order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from shared.tables import TABLES, Kind


def text_series(name: str, codes: np.ndarray, labels: Sequence[Any]) -> pl.Series:
    """Labels by code (-1 = missing) via one gather, never a Python loop over rows."""
    lookup = pl.Series(name, [*(str(v) for v in labels), None], dtype=pl.String)
    index = np.where(codes < 0, len(labels), codes).astype(np.uint32)
    return lookup.gather(index)


def number_series(name: str, values: np.ndarray, kind: Kind) -> pl.Series:
    series = pl.Series(name, np.asarray(values, dtype=np.float64)).fill_nan(None)
    if kind is Kind.INT:
        return series.round(0).cast(pl.Int32)
    return series


def build_frame(
    table: str, columns: dict[str, np.ndarray], labels: dict[str, Sequence[Any]]
) -> pl.DataFrame:
    """`columns` holds every contract column: codes for text (labels given), numbers otherwise."""
    spec = TABLES[table]
    series = []
    for column in spec.columns:
        values = columns[column.name]
        if column.kind is Kind.TEXT:
            series.append(text_series(column.name, values, labels[column.name]))
        else:
            series.append(number_series(column.name, values, column.kind))
    return pl.DataFrame(series)
