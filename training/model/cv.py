"""Stratified K-fold cross-validation of the LightGBM model, and the final refit.

The out-of-fold (OOF) predictions are the honest estimate of how the model scores applicants it
never saw: every metric, the calibration decision and the business threshold are computed on
them. The binned dataset is built once on all training rows and each fold is a subset of it:
binning uses feature values only (never the target), and building it once saves a full binning
pass per fold at full scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
from sklearn.model_selection import StratifiedKFold

from training.model.config import TrainConfig
from training.progress import Progress


@dataclass(frozen=True)
class CVResult:
    #: Raw booster probability for every training row, from the fold that did not see it.
    oof: np.ndarray
    best_iterations: list[int]
    fold_aucs: list[float]
    #: Fold index of every training row (the baselines reuse the very same folds).
    fold_of_row: np.ndarray

    @property
    def refit_rounds(self) -> int:
        """Rounds for the refit on all rows: the folds' mean best iteration."""
        return max(1, round(float(np.mean(self.best_iterations))))


def fold_indices(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Fold number (0..folds-1) of each row, stratified on the target, reproducible."""
    fold_of_row = np.empty(len(y), dtype=np.int16)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, valid) in enumerate(splitter.split(np.zeros(len(y)), y)):
        fold_of_row[valid] = k
    return fold_of_row


def _heartbeat(progress: Progress, label: str, every: int = 100):
    """A LightGBM callback saying every `every` rounds that the fold is alive, and how good."""

    def callback(env: lgb.callback.CallbackEnv) -> None:
        done = env.iteration + 1
        if done % every == 0 and env.evaluation_result_list:
            _, metric, value, _ = env.evaluation_result_list[0][:4]
            progress.say(f"{label}: round {done}, valid {metric} {value:.4f}")

    return callback


def _params(config: TrainConfig, y: np.ndarray) -> dict[str, object]:
    params = config.lightgbm.native(config.seed)
    if config.class_weighting == "balanced":
        positives = float(np.sum(y))
        params["scale_pos_weight"] = (len(y) - positives) / max(positives, 1.0)
    return params


def make_dataset(
    x: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str],
    categorical: Sequence[str],
    params: dict[str, object],
) -> lgb.Dataset:
    """The binned dataset; given the training params so that fold subsets inherit them."""
    return lgb.Dataset(
        x,
        label=y,
        feature_name=list(feature_names),
        categorical_feature=list(categorical),
        params=params,
        free_raw_data=False,
    )


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str],
    categorical: Sequence[str],
    config: TrainConfig,
    progress: Progress,
) -> CVResult:
    """OOF predictions with early stopping on each held-out fold."""
    params = _params(config, y)
    full = make_dataset(x, y, feature_names, categorical, params)
    full.construct()
    fold_of_row = fold_indices(y, config.folds, config.seed)
    oof = np.zeros(len(y), dtype=np.float64)
    best_iterations: list[int] = []
    fold_aucs: list[float] = []
    for k in range(config.folds):
        train_idx = np.flatnonzero(fold_of_row != k)
        valid_idx = np.flatnonzero(fold_of_row == k)
        with progress.stage(f"fold {k + 1}/{config.folds} ({len(train_idx):,} train rows)"):
            train_set = full.subset(train_idx.tolist())
            valid_set = full.subset(valid_idx.tolist())
            booster = lgb.train(
                params,
                train_set,
                num_boost_round=config.max_rounds,
                valid_sets=[valid_set],
                valid_names=["valid"],
                callbacks=[
                    lgb.early_stopping(config.early_stopping_rounds, verbose=False),
                    _heartbeat(progress, f"fold {k + 1}"),
                ],
            )
            best = booster.best_iteration or booster.current_iteration()
            oof[valid_idx] = booster.predict(x[valid_idx], num_iteration=best)
            auc = float(booster.best_score["valid"]["auc"])
            best_iterations.append(int(best))
            fold_aucs.append(auc)
            progress.say(f"fold {k + 1}: AUC {auc:.4f} at {best} rounds")
    return CVResult(oof, best_iterations, fold_aucs, fold_of_row)


def refit(
    x: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str],
    categorical: Sequence[str],
    config: TrainConfig,
    rounds: int,
) -> lgb.Booster:
    """The served model: all training rows, the folds' mean number of rounds."""
    params = _params(config, y)
    dataset = make_dataset(x, y, feature_names, categorical, params)
    return lgb.train(params, dataset, num_boost_round=rounds)
