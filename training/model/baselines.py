"""Yardsticks reported beside the booster, on the very same folds.

The dummy (the training folds' default rate for everyone) is the floor any model must beat; the
logistic regression on standardised, median-imputed features (categorical codes one-hot encoded)
shows how much the boosted trees add over a linear score a bank could have built without them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def dummy_oof(y: np.ndarray, fold_of_row: np.ndarray) -> np.ndarray:
    """Each held-out row gets the default rate of the other folds."""
    oof = np.empty(len(y), dtype=np.float64)
    for k in np.unique(fold_of_row):
        held_out = fold_of_row == k
        oof[held_out] = float(np.mean(y[~held_out]))
    return oof


def _logistic(categorical_columns: list[int], numeric_columns: list[int], seed: int):
    transformers = [
        (
            "numeric",
            make_pipeline(
                SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
            ),
            numeric_columns,
        )
    ]
    if categorical_columns:
        transformers.append(
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=-1.0),
                    OneHotEncoder(handle_unknown="ignore", min_frequency=20),
                ),
                categorical_columns,
            )
        )
    return make_pipeline(
        ColumnTransformer(transformers),
        LogisticRegression(C=0.1, max_iter=200, random_state=seed),
    )


def _finite(block: np.ndarray) -> np.ndarray:
    """Infinite ratios (a zero denominator) become missing, which the imputer then fills."""
    block = np.asarray(block, dtype=np.float64)
    block[~np.isfinite(block)] = np.nan
    return block


def logistic_oof(
    x: np.ndarray,
    y: np.ndarray,
    fold_of_row: np.ndarray,
    feature_names: Sequence[str],
    categorical: Sequence[str],
    *,
    max_rows: int,
    seed: int,
) -> np.ndarray:
    """OOF probabilities of an L2 logistic regression (training rows subsampled to max_rows)."""
    cat_set = set(categorical)
    categorical_columns = [i for i, n in enumerate(feature_names) if n in cat_set]
    numeric_columns = [i for i, n in enumerate(feature_names) if n not in cat_set]
    rng = np.random.default_rng(seed)
    oof = np.empty(len(y), dtype=np.float64)
    for k in np.unique(fold_of_row):
        train_idx = np.flatnonzero(fold_of_row != k)
        if train_idx.size > max_rows:
            train_idx = np.sort(rng.choice(train_idx, size=max_rows, replace=False))
        valid_idx = np.flatnonzero(fold_of_row == k)
        model = _logistic(categorical_columns, numeric_columns, seed)
        with np.errstate(all="ignore"):
            model.fit(_finite(x[train_idx]), y[train_idx])
            oof[valid_idx] = model.predict_proba(_finite(x[valid_idx]))[:, 1]
    return oof
