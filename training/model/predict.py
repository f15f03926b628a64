"""Scoring data sets with a stored bundle (the `evaluate` and `score` commands).

Features are computed with the bundle's own FeatureState, never a state refitted on the data
being scored, so a test file's unseen category stays "missing" exactly as it would in the API,
and the probabilities match what the bundle's model was validated on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from shared.bundle import BundleError, LoadedBundle, load_bundle
from shared.tables import CLIENT_ID
from training.errors import UserFacingError
from training.model import feature_bridge
from training.model.cv import predict_raw, probability_from_raw
from training.progress import Progress


@dataclass(frozen=True)
class Scorer:
    bundle: LoadedBundle
    booster: lgb.Booster
    state: Any

    @classmethod
    def load(cls, model_dir: Path) -> Scorer:
        """The verified bundle under `model_dir`; a bad bundle is a user-facing error."""
        try:
            bundle = load_bundle(Path(model_dir))
        except BundleError as error:
            raise UserFacingError(str(error)) from error
        state = feature_bridge.load_state(bundle.feature_state_path)
        names = feature_bridge.feature_names(state)
        if names != bundle.manifest.feature_names:
            raise UserFacingError(
                f"bundle {bundle.root}: feature_state.json and manifest.json disagree on the "
                "model's features; the bundle is inconsistent, retrain it"
            )
        booster = lgb.Booster(model_file=str(bundle.model_path))
        return cls(bundle=bundle, booster=booster, state=state)

    def probabilities(
        self, tables: dict[str, pl.LazyFrame], ids: np.ndarray, progress: Progress | None = None
    ) -> np.ndarray:
        """Calibrated probability of default of the applicants `ids`, in that order."""
        frame = feature_bridge.compute_features(tables, self.state, progress, client_ids=ids)
        matrix = feature_bridge.align(frame, ids, self.bundle.manifest.feature_names)
        # Raw score then the API's sigmoid (training.model.cv), so scores match the API's.
        raw = probability_from_raw(predict_raw(self.booster, matrix.x))
        return self.bundle.manifest.calibration.apply(raw)


def applicant_ids(tables: dict[str, pl.LazyFrame], names: tuple[str, ...]) -> np.ndarray:
    frames = [tables[n].select(CLIENT_ID).collect() for n in names if n in tables]
    if not frames:
        raise UserFacingError(f"no {' or '.join(names)} table found in the data folder")
    return pl.concat(frames)[CLIENT_ID].to_numpy()


def write_table_atomically(frame: pl.DataFrame, path: Path) -> None:
    """CSV or Parquet by extension, through a temporary file renamed into place."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UserFacingError(f"--out {path}: unsupported extension; expected .csv or .parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if suffix == ".csv":
            frame.write_csv(tmp)
        else:
            frame.write_parquet(tmp, compression="zstd")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
