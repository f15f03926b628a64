"""The known applicants, held in memory in the shape the hot path needs.

Scoring a client by ID must cost a lookup and a row slice, not a DataFrame filter: the model
features are one C-ordered float32 matrix (row i = the i-th smallest ID, so a row is contiguous
and an ID is found by binary search), the IDs are a sorted int64 array, and their decimal strings
are a second sorted array for type-ahead prefix search. The raw application fields (for the
client card and what-if) stay in a columnar Arrow table read one row at a time, off the hot path.
The matrix is filled a block of columns at a time so the peak memory stays near its final size.
Each client's cross-fitting fold (FOLD, -1 for a test applicant) is kept as an int16 array: it
names the model that scores that client (api/served_models.py).
"""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shared.bundle import (
    CLIENT_FOLD_COLUMN,
    CLIENT_ID_COLUMN,
    CLIENT_PROBABILITY_COLUMN,
    CLIENT_TARGET_COLUMN,
    RAW_PREFIX,
    BundleError,
)

_BLOCK = 64


class ClientStore:
    def __init__(self, path: Path, feature_names: list[str]) -> None:
        parquet = pq.ParquetFile(path)
        columns = set(parquet.schema_arrow.names)
        missing = [
            c
            for c in (CLIENT_ID_COLUMN, CLIENT_PROBABILITY_COLUMN, *feature_names)
            if c not in columns
        ]
        if missing:
            raise BundleError(
                f"{path.name} lacks {len(missing)} expected column(s), e.g. {missing[:5]}"
            )
        ids = parquet.read(columns=[CLIENT_ID_COLUMN]).column(0).to_numpy().astype(np.int64)
        # Training writes the store sorted by ID; reorder only when it is not.
        order: np.ndarray | None = None
        if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):
            order = np.argsort(ids, kind="stable")
            ids = ids[order]
            if np.any(ids[1:] == ids[:-1]):
                raise BundleError(f"{path.name} holds duplicate {CLIENT_ID_COLUMN} values")
        self.ids: np.ndarray = ids
        self._position = dict(zip(ids.tolist(), range(len(ids)), strict=True))
        strings = ids.astype(str)
        string_order = np.argsort(strings, kind="stable")
        self._sorted_strings: list[str] = strings[string_order].tolist()
        self._ids_by_string: np.ndarray = ids[string_order]

        n, width = len(ids), len(feature_names)
        self.features = np.empty((n, width), dtype=np.float32)
        # Columns land contiguously in a column-major buffer, then one blocked copy writes the
        # block into the row-major matrix (256 bytes per row): far fewer cache misses than
        # writing each column with a row-sized stride, and only one block of extra memory.
        buffer = np.empty((n, _BLOCK), dtype=np.float32, order="F")
        for start in range(0, width, _BLOCK):
            names = feature_names[start : start + _BLOCK]
            block = parquet.read(columns=names)
            for k, name in enumerate(names):
                buffer[:, k] = block.column(name).cast(pa.float32()).to_numpy(zero_copy_only=False)
            filled = buffer[:, : len(names)]
            self.features[:, start : start + len(names)] = (
                filled if order is None else filled[order]
            )
            del block
        del buffer

        #: Float64 as stored: the honest (out-of-fold) probability to the last bit, so the
        #: population views show exactly what /v1/predict serves.
        self.probability = _float_column(parquet, CLIENT_PROBABILITY_COLUMN, order, pa.float64())
        if CLIENT_TARGET_COLUMN in columns:
            self.target = _float_column(parquet, CLIENT_TARGET_COLUMN, order)
        else:
            self.target = np.full(n, np.nan, dtype=np.float32)
        #: Cross-fitting fold of each training client, -1 for a client no model trained on.
        self.fold: np.ndarray = (
            _fold_column(parquet, order)
            if CLIENT_FOLD_COLUMN in columns
            else (np.full(n, -1, dtype=np.int16))
        )
        raw_names = [c for c in parquet.schema_arrow.names if c.startswith(RAW_PREFIX)]
        raw = parquet.read(columns=raw_names)
        self.raw: pa.Table = raw if order is None else raw.take(pa.array(order))
        self.raw_fields: list[str] = [c[len(RAW_PREFIX) :] for c in raw_names]
        # Arrow's allocator keeps freed blocks for reuse; hand the loading buffers back.
        pa.default_memory_pool().release_unused()

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, client_id: int) -> int | None:
        """Row of `client_id` in every array, or None when the client is unknown."""
        return self._position.get(int(client_id))

    def page(self, offset: int, limit: int) -> tuple[list[int], int]:
        return self.ids[offset : offset + limit].tolist(), len(self.ids)

    def with_prefix(self, prefix: str, offset: int, limit: int) -> tuple[list[int], int]:
        """IDs whose decimal form starts with `prefix`, in string order."""
        lo = bisect.bisect_left(self._sorted_strings, prefix)
        hi = bisect.bisect_left(self._sorted_strings, prefix + "\U0010ffff", lo)
        window = self._ids_by_string[lo + offset : min(hi, lo + offset + limit)]
        return window.tolist(), hi - lo

    def raw_record(self, position: int) -> dict[str, object]:
        """The client's application fields as the file wrote them (None when empty)."""
        row = self.raw.slice(position, 1).to_pylist()[0]
        return {name[len(RAW_PREFIX) :]: value for name, value in row.items()}

    def raw_column(self, field: str) -> np.ndarray | None:
        """One raw field for every client (numbers as float64 with NaN, text as object)."""
        name = RAW_PREFIX + field
        if name not in self.raw.column_names:
            return None
        column = self.raw.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            return np.asarray(column.to_pylist(), dtype=object)
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False)


def _fold_column(parquet: pq.ParquetFile, order: np.ndarray | None) -> np.ndarray:
    """FOLD as int16, null (a test applicant) as -1."""
    column = parquet.read(columns=[CLIENT_FOLD_COLUMN]).column(0).cast(pa.int16()).fill_null(-1)
    values = column.to_numpy(zero_copy_only=False).astype(np.int16)
    return values if order is None else values[order]


def _float_column(
    parquet: pq.ParquetFile,
    name: str,
    order: np.ndarray | None,
    dtype: pa.DataType | None = None,
) -> np.ndarray:
    column = parquet.read(columns=[name]).column(0).cast(dtype or pa.float32())
    values = column.to_numpy(zero_copy_only=False)
    return values if order is None else values[order]
