"""The feature matrix on Dask: one task per lake partition, the single-node code inside it.

A lake partition (training.data.lake) holds every row of its clients in every table, and the
features of a client depend only on that client's rows and the fitted state. So the task of
partition p opens the partition folder itself (the worker reads from the shared storage; no
table travels through the driver or the scheduler), runs the ordinary `build_features` on it
and returns that partition's rows of the matrix. Concatenated and sorted by SK_ID_CURR, they
are the single-node matrix exactly (tests/test_dask_engine.py compares them bit for bit).

Only a lake is accepted, not a CSV folder or the Kaggle zip. Converting one on the fly would
write a hidden 2.5 GB copy on every run, and a temporary copy on the driver's disk is not a
path a remote worker can read anyway: the lake must sit on storage every worker mounts at the
same path. `scoring ingest` makes one, once.

The fitted state is shipped to the workers as its JSON (as stored in a bundle: no pickle of
it), once per run, and parsed once per worker process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from shared.tables import CLIENT_ID
from training.data import lake
from training.errors import UserFacingError
from training.progress import Progress

if TYPE_CHECKING:
    from distributed import Client

    from training.features.state import FeatureState

_STATES: dict[str, FeatureState] = {}
_STATES_LOCK = Lock()


def require_lake(data: str | Path) -> Path:
    """`data` when it is a lake; otherwise the error that says how to make one."""
    path = Path(data)
    if lake.is_lake(path):
        return path
    raise UserFacingError(
        f"--data {path}: --engine dask reads a Parquet lake (a folder with {lake.MANIFEST_FILE}), "
        f"and this is not one. Make it once with `scoring ingest --data {path} --out LAKE` on "
        "storage every Dask worker mounts at the same path, then pass --data LAKE "
        "(docs/scale-out.md)"
    )


def worker_state(state_json: str) -> FeatureState:
    """The state parsed once per worker process (its memo of compiled expressions then serves
    every partition the worker computes)."""
    from training.features.state import FeatureState

    key = hashlib.sha256(state_json.encode()).hexdigest()
    with _STATES_LOCK:
        state = _STATES.get(key)
        if state is None:
            _STATES.clear()  # one run at a time per worker is the norm: keep memory bounded
            state = _STATES[key] = FeatureState.from_json(state_json)
    return state


def partition_features(
    folder: str, state_json: str, client_ids: Sequence[int] | None = None
) -> pl.DataFrame:
    """Runs on a worker: SK_ID_CURR + features of the partition's applicants (or of
    `client_ids` among them), exactly as `build_features` gives them on the whole data."""
    from training.data.reader import open_tables
    from training.features.pipeline import build_features

    tables = open_tables(folder)
    ids = None if client_ids is None else list(client_ids)
    return build_features(tables, worker_state(state_json), client_ids=ids)


def split_by_partition(ids: np.ndarray, partitions: int) -> list[np.ndarray]:
    """The ids of each partition (lake.partition_of), each in the order given."""
    ids = np.asarray(ids, dtype=np.int64)
    frame = pl.DataFrame({CLIENT_ID: ids}).with_columns(
        lake.partition_expr(CLIENT_ID, partitions).alias("partition")
    )
    where = frame["partition"].to_numpy()
    return [ids[where == p] for p in range(partitions)]


def distributed_features(
    client: Client,
    root: str | Path,
    state: FeatureState,
    progress: Progress | None = None,
    client_ids: np.ndarray | None = None,
) -> pl.DataFrame:
    """The matrix `build_features(open_tables(root), state, client_ids=...)` gives, computed
    partition by partition on the cluster."""
    from distributed import as_completed

    root = require_lake(root)
    folders = lake.partition_folders(root)
    state_json = client.scatter(state.to_json(), broadcast=True, hash=False)
    if client_ids is None:
        wanted: list[list[int] | None] = [None] * len(folders)
    else:
        wanted = [part.tolist() for part in split_by_partition(client_ids, len(folders))]
    futures = [
        client.submit(partition_features, str(folder), state_json, ids, pure=False)
        for folder, ids in zip(folders, wanted, strict=True)
        if ids is None or ids
    ]
    frames: list[pl.DataFrame] = []
    for done, future in enumerate(as_completed(futures), start=1):
        frames.append(future.result())
        future.release()
        if progress is not None:
            progress.say(
                f"partition {done}/{len(futures)}: {frames[-1].height:,} applicants "
                f"({sum(f.height for f in frames):,} so far)"
            )
    if not frames:  # no requested applicant in any partition: the empty matrix, typed
        return partition_features_schema(state)
    return pl.concat(frames, how="vertical").sort(CLIENT_ID)


def partition_features_schema(state: FeatureState) -> pl.DataFrame:
    return pl.DataFrame(
        schema={CLIENT_ID: pl.Int32, **dict.fromkeys(state.feature_names, pl.Float32)}
    )
