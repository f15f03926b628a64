"""The one place where training meets the feature pipeline.

Training, evaluation and batch scoring all need the same four things from the features package:
fit a state on the tables, compute the matrix for some applicants, read the state back from the
bundle, and turn its specs into the catalogue. Going through this module keeps the model code
independent of how the pipeline names things, and guarantees the three commands compute features
identically (a condition for the probabilities in clients.parquet to match what the API serves).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shared.bundle import FeatureEntry
from shared.tables import CLIENT_ID
from training.errors import DataError
from training.progress import Progress


@dataclass(frozen=True)
class FeatureMatrix:
    """Model inputs for some applicants, rows in the order of `ids`."""

    ids: np.ndarray
    x: np.ndarray  # float32, columns in model order
    names: list[str]


def fit_state(tables: dict[str, pl.LazyFrame], excluded: Iterable[str] = ()) -> Any:
    """The fitted feature state; `excluded` adds application fields to the protected
    attributes no feature is built on (shared.tables.PROTECTED_ATTRIBUTES always applies)."""
    from training.features.pipeline import fit_feature_state

    return fit_feature_state(tables, exclude=excluded)


def protected_attributes(state: Any) -> list[str]:
    """The application fields the state's features were built without (for the manifest)."""
    return list(state.excluded)


def check_excluded(names: Iterable[str]) -> list[str]:
    """The policy `names` would give, raising a clear error on an unknown column: lets
    `scoring train` refuse a typo before reading any data."""
    from training.features.protected import excluded_attributes

    return excluded_attributes(names)


def feature_names(state: Any) -> list[str]:
    return list(state.feature_names)


def categorical_names(state: Any) -> list[str]:
    return list(state.categorical)


def categorical_levels(state: Any) -> dict[str, list[str]]:
    """Level label of each integer code (code i -> levels[i]), for every categorical feature."""
    return {name: [str(v) for v in values] for name, values in dict(state.categorical).items()}


def feature_entries(state: Any) -> list[FeatureEntry]:
    levels = categorical_levels(state)
    categorical = set(categorical_names(state))
    return [
        FeatureEntry(
            name=name,
            categorical=name in categorical,
            levels=levels.get(name) if name in categorical else None,
        )
        for name in feature_names(state)
    ]


def state_json(state: Any) -> str:
    return state.to_json()


def load_state(path: Path) -> Any:
    from training.features.state import FeatureState

    return FeatureState.from_json(Path(path).read_bytes())


def catalogue_json(state: Any) -> tuple[str, dict[str, str]]:
    """The catalogue as JSON, and the business group of every feature (of the state's
    features only: a state restricted by `restrict_state` computes more than it serves)."""
    from training.features.catalogue import build_catalogue
    from training.features.pipeline import feature_specs

    served = set(state.feature_names)
    catalogue = build_catalogue(s for s in feature_specs(state) if s.name in served)
    return catalogue.model_dump_json(indent=1), {f.name: f.group.value for f in catalogue.features}


def restrict_state(state: Any, names: list[str]) -> Any:
    """The same fitted state serving only `names` (a subset of its features, in its order).

    Used by feature pruning: the pipeline still computes every declared feature and then
    selects `feature_names`, so the batch matrix, the online path and the catalogue all follow
    the restricted list. A fresh object, so no memo of the full state is shared.
    """
    unknown = [n for n in names if n not in set(state.feature_names)]
    if unknown:
        raise ValueError(f"cannot restrict the feature state to unknown features {unknown[:5]}")
    document = state.model_dump()
    document["feature_names"] = list(names)
    document["categorical"] = {k: v for k, v in state.categorical.items() if k in set(names)}
    return type(state).model_validate(document)


def compute_features(
    tables: dict[str, pl.LazyFrame],
    state: Any,
    progress: Progress | None = None,
    client_ids: np.ndarray | None = None,
) -> pl.DataFrame:
    """SK_ID_CURR + the model features of every applicant in `tables` (or only `client_ids`:
    the side tables are then filtered to them before aggregating)."""
    from training.features.pipeline import build_features

    ids = None if client_ids is None else [int(i) for i in client_ids]
    frame = build_features(tables, state, progress=progress, client_ids=ids)
    missing = [n for n in feature_names(state) if n not in frame.columns]
    if missing:
        raise RuntimeError(f"feature pipeline did not produce {missing[:5]}")
    return frame


def align(frame: pl.DataFrame, ids: np.ndarray, names: list[str]) -> FeatureMatrix:
    """The rows of `frame` for applicants `ids`, in that order, as float32 in model order.

    An applicant the pipeline returned no row for gets all-missing features (LightGBM's
    missing-value branches handle it) rather than vanishing from the output.
    """
    wanted = pl.DataFrame({CLIENT_ID: pl.Series(CLIENT_ID, ids).cast(frame.schema[CLIENT_ID])})
    aligned = wanted.join(
        frame.select([CLIENT_ID, *names]), on=CLIENT_ID, how="left", maintain_order="left"
    )
    if aligned.height != len(ids):
        raise DataError(
            "feature pipeline returned several rows for one applicant",
            column=CLIENT_ID,
            expected="one row per SK_ID_CURR",
        )
    x = aligned.select(names).cast(pl.Float32).to_numpy()
    return FeatureMatrix(ids=np.asarray(ids), x=np.ascontiguousarray(x), names=list(names))
