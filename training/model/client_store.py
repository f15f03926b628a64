"""clients.parquet: every known applicant, so the API can answer by ID without the raw tables.

One row per applicant of application_train and application_test: the id, TARGET (null for test),
the split, the outer fold (null for test), the served probability (for a training applicant,
its fold model's, which never saw its outcome; the refit model's for a test applicant), every raw
application field under a RAW_ prefix (what the advisor reads), and the model features in model
order (what the API explains and the dashboard compares). Features are stored as Float32 (the
model was trained on these very float32 values), the probability as Float64 so that the API,
recomputing it from the same model and features, finds the same number to the last bit. The
file is zstd-compressed, sorted by id so that a lookup by id reads one row group.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from shared.bundle import (
    CLIENT_FOLD_COLUMN,
    CLIENT_ID_COLUMN,
    CLIENT_PROBABILITY_COLUMN,
    CLIENT_SPLIT_COLUMN,
    CLIENT_TARGET_COLUMN,
    RAW_PREFIX,
)


def client_frame(
    raw: pl.DataFrame,
    features: np.ndarray,
    feature_names: Sequence[str],
    probability: np.ndarray,
    split: Sequence[str] | np.ndarray,
    fold: np.ndarray,
) -> pl.DataFrame:
    """The store's rows; `raw` holds SK_ID_CURR, TARGET and the application fields, row-aligned
    with `features`, `probability`, `split` and `fold` (negative: no fold, a test applicant)."""
    if not (len(raw) == len(features) == len(probability) == len(split) == len(fold)):
        raise ValueError("client store inputs are not row-aligned")
    fold = np.asarray(fold)
    raw_fields = [c for c in raw.columns if c not in (CLIENT_ID_COLUMN, CLIENT_TARGET_COLUMN)]
    head = pl.DataFrame(
        {
            CLIENT_ID_COLUMN: raw[CLIENT_ID_COLUMN].cast(pl.Int32),
            CLIENT_TARGET_COLUMN: (
                raw[CLIENT_TARGET_COLUMN].cast(pl.Int8)
                if CLIENT_TARGET_COLUMN in raw.columns
                else pl.Series(CLIENT_TARGET_COLUMN, [None] * len(raw), dtype=pl.Int8)
            ),
            CLIENT_SPLIT_COLUMN: pl.Series(CLIENT_SPLIT_COLUMN, list(split), dtype=pl.String),
            CLIENT_FOLD_COLUMN: pl.Series(
                CLIENT_FOLD_COLUMN, [int(k) if k >= 0 else None for k in fold], dtype=pl.Int16
            ),
            CLIENT_PROBABILITY_COLUMN: pl.Series(
                CLIENT_PROBABILITY_COLUMN, np.asarray(probability, dtype=np.float64)
            ),
        }
    )
    raws = raw.select([pl.col(c).alias(RAW_PREFIX + c) for c in raw_fields])
    feats = pl.DataFrame(
        np.asarray(features, dtype=np.float32), schema=list(feature_names), orient="row"
    )
    return pl.concat([head, raws, feats], how="horizontal").sort(CLIENT_ID_COLUMN)


def write_client_store(frame: pl.DataFrame, path: Path) -> None:
    frame.write_parquet(path, compression="zstd", compression_level=3, row_group_size=16_384)
