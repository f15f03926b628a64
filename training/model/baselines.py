"""Yardsticks reported beside the booster, on the very same folds.

The dummy (the training folds' default rate for everyone) is the floor any model must beat; the
logistic regression on standardised, median-imputed features (categorical codes one-hot encoded)
shows how much the boosted trees add over a linear score a bank could have built without them.
The scorecard (training.model.scorecard) is the binned, weight-of-evidence logistic model a risk
officer knows. The plain LightGBM (the same booster and protocol, on the raw application fields
and five classic ratios only, without monotone constraints) shows what the feature families
and the constraints add: the served model must never fall below it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from training.model.config import TrainConfig
from training.model.cv import cross_validate
from training.model.declared import declared_features
from training.progress import Progress


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


#: Derived keys of the five classic ratios the plain baseline adds to the raw application
#: fields: credit / income, annuity / income, annuity / credit, employed / age, income per
#: family member.
PLAIN_RATIOS: tuple[str, ...] = (
    "credit_to_income",
    "annuity_to_income",
    "annuity_to_credit",
    "employment_to_age",
    "income_per_family_member",
)


def plain_columns(feature_names: Sequence[str]) -> list[int]:
    """Columns of the plain baseline: raw application fields and the five ratios, found from
    each feature's declaration (family, derived key), not from its name."""
    declared = declared_features()
    chosen: list[int] = []
    for i, name in enumerate(feature_names):
        entry = declared.get(name)
        if entry is None or entry.spec.family != "application":
            continue
        if entry.spec.derived is None or entry.spec.derived in PLAIN_RATIOS:
            chosen.append(i)
    return chosen


def plain_lightgbm_oof(
    x: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str],
    categorical: Sequence[str],
    config: TrainConfig,
    progress: Progress,
) -> np.ndarray:
    """OOF probabilities of the plain LightGBM: the served model's folds, early-stopping splits
    and parameters, on `plain_columns` only, with no monotone constraint and no search."""
    columns = plain_columns(feature_names)
    if not columns:
        raise ValueError("no raw application field among the features: no plain baseline")
    names = [feature_names[i] for i in columns]
    plain = config.model_copy(update={"monotone_constraints": False, "tune_trials": 0})
    result = cross_validate(
        np.ascontiguousarray(x[:, columns]),
        y,
        names,
        [c for c in categorical if c in set(names)],
        plain,
        progress,
    )
    return result.oof
