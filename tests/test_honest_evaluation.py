"""Honest evaluation: fold models that never saw their fold, early stopping outside the scored
fold, metrics from cross-fitted calibration and thresholds, bootstrap intervals, exact pruning,
and a bundle whose fold models reproduce every training client's stored probability."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from shared.bundle import (
    CLIENT_FOLD_COLUMN,
    CLIENT_PROBABILITY_COLUMN,
    CLIENT_SPLIT_COLUMN,
    CLIENT_TARGET_COLUMN,
    FOLDS_DIR,
    fold_model_file,
    load_bundle,
)
from training.model import cv as cv_module
from training.model.bootstrap import bootstrap_intervals, weighted_auc
from training.model.calibration import choose_calibration
from training.model.config import LightGBMParams, TrainConfig
from training.model.cv import cross_validate, predict_raw, probability_from_raw
from training.model.evaluation import evaluate_oof
from training.model.pruning import PruningError, prune_model_text, used_features
from training.model.threshold import choose_threshold
from training.progress import Progress

QUIET = Progress("test", quiet=True)


def _matrix(n: int = 3_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Two informative columns, a categorical code, noise, and a constant column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 7)).astype(np.float32)
    x[:, 5] = rng.integers(0, 4, size=n)
    x[:, 6] = 1.0
    x[rng.random(n) < 0.1, 0] = np.nan
    logit = -2.5 + 1.2 * np.nan_to_num(x[:, 0]) - 0.8 * x[:, 1] + 0.6 * (x[:, 5] == 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return x, y, ["A", "B", "C", "D", "E", "CAT", "CONST"]


def _config(**changes: object) -> TrainConfig:
    settings: dict[str, object] = {
        "folds": 3,
        "seed": 5,
        "max_rounds": 200,
        "early_stopping_rounds": 15,
        "early_stopping_fraction": 0.2,
        "lightgbm": LightGBMParams(learning_rate=0.1, num_leaves=7, min_data_in_leaf=20),
    }
    return TrainConfig(**{**settings, **changes})


# --- cross-fitting: what each fold model saw --------------------------------------------------


def test_fold_models_never_see_their_fold_not_even_to_stop(monkeypatch) -> None:
    """A seam on lgb.train records the rows of every fit and early-stopping set."""
    x, y, names = _matrix()
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    real_train = lgb.train

    def recording_train(params, train_set, *args, **kwargs):
        valid = kwargs["valid_sets"][0]
        seen.append((np.asarray(train_set.used_indices), np.asarray(valid.used_indices)))
        return real_train(params, train_set, *args, **kwargs)

    monkeypatch.setattr(cv_module.lgb, "train", recording_train)
    result = cross_validate(x, y, names, ["CAT"], _config(), QUIET)
    assert len(seen) == 3
    for k, (fit, stop) in enumerate(seen):
        fold = np.flatnonzero(result.fold_of_row == k)
        others = np.flatnonzero(result.fold_of_row != k)
        assert np.intersect1d(fit, fold).size == 0
        assert np.intersect1d(stop, fold).size == 0  # early stopping never looked at fold k
        assert np.intersect1d(fit, stop).size == 0  # nor was it fitted on its stopping rows
        np.testing.assert_array_equal(np.union1d(fit, stop), others)
        np.testing.assert_array_equal(result.early_stopping_rows[k], stop)
        assert result.fit_rows[k] == fit.size
        assert stop.size == pytest.approx(0.2 * others.size, abs=1)
        # Stratified: the stopping rows have the training rows' default rate.
        assert y[stop].mean() == pytest.approx(y[others].mean(), abs=0.01)


def test_fold_model_text_reproduces_the_oof_scores_and_was_fitted_on_fit_rows_only() -> None:
    x, y, names = _matrix()
    params = {"bagging_fraction": 1.0, "bagging_freq": 0}
    config = _config(lightgbm=LightGBMParams(learning_rate=0.1, num_leaves=7, **params))
    result = cross_validate(x, y, names, ["CAT"], config, QUIET)
    for k, text in enumerate(result.models):
        booster = lgb.Booster(model_str=text)
        assert booster.current_iteration() == result.best_iterations[k]
        rows = result.fold_of_row == k
        np.testing.assert_array_equal(predict_raw(booster, x[rows]), result.oof_raw[rows])
        # Without bagging, the first tree's root holds every row the model was fitted on.
        root = booster.dump_model()["tree_info"][0]["tree_structure"]
        assert (
            root["internal_count"]
            == result.fit_rows[k]
            == (~rows).sum() - len(result.early_stopping_rows[k])
        )
        assert result.fold_aucs[k] == pytest.approx(roc_auc_score(y[rows], result.oof_raw[rows]))
    np.testing.assert_array_equal(result.oof, 1 / (1 + np.exp(-result.oof_raw)))


# --- honest metrics ---------------------------------------------------------------------------


def _scores(n: int = 6_000, seed: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.beta(1.2, 10.0, size=n)
    y = (rng.random(n) < truth).astype(np.int8)
    p = np.sqrt(truth)  # over-confident: calibration has something to do
    folds = rng.integers(0, 4, size=n).astype(np.int16)
    return y, p, folds


def test_metrics_come_from_thresholds_and_calibrations_chosen_on_the_other_folds() -> None:
    y, p, folds = _scores()
    result = evaluate_oof(y, p, folds, cost_fn=10, cost_fp=1, seed=3, resamples=0)
    # Recomputed by hand: each fold decided by choices fitted without it.
    honest = np.empty_like(p)
    refused = np.empty(p.size, dtype=bool)
    thresholds = []
    for k in range(4):
        held, others = folds == k, folds != k
        calibration = choose_calibration(y[others], p[others], seed=3)
        t = choose_threshold(y[others], calibration.apply(p[others]), 10, 1).threshold
        honest[held] = calibration.apply(p[held])
        refused[held] = honest[held] >= t
        thresholds.append(t)
    assert result.fold_summary()["thresholds"] == thresholds
    m = result.metrics
    assert m.roc_auc == pytest.approx(roc_auc_score(y, honest))
    assert m.brier == pytest.approx(brier_score_loss(y, np.clip(honest, 1e-15, 1 - 1e-15)))
    tp = int(np.sum(refused & (y == 1)))
    fp = int(np.sum(refused & (y == 0)))
    fn = int(np.sum(~refused & (y == 1)))
    tn = int(np.sum(~refused & (y == 0)))
    assert (m.true_positives, m.false_positives, m.true_negatives, m.false_negatives) == (
        tp,
        fp,
        tn,
        fn,
    )
    assert m.cost_at_threshold == 10 * fn + fp
    assert m.recall_at_threshold == pytest.approx(tp / (tp + fn))
    # The served choices are fitted on all rows; measured in-sample, they would look better.
    served = result.calibration.apply(p)
    assert result.threshold.cost == float(np.min(result.threshold.costs))
    in_sample = 10 * np.sum((served < result.threshold.threshold) & (y == 1)) + np.sum(
        (served >= result.threshold.threshold) & (y == 0)
    )
    assert in_sample == result.threshold.cost
    assert m.threshold == result.threshold.threshold


def test_bootstrap_intervals_contain_the_estimate_and_are_seeded() -> None:
    y, p, folds = _scores()
    result = evaluate_oof(y, p, folds, cost_fn=10, cost_fp=1, seed=3, resamples=300)
    m = result.metrics
    assert m.roc_auc_ci is not None and m.cost_ci is not None
    assert m.roc_auc_ci.low < m.roc_auc < m.roc_auc_ci.high
    assert m.cost_ci.low < m.cost_at_threshold < m.cost_ci.high
    assert m.roc_auc_ci.resamples == 300 and m.roc_auc_ci.level == 0.95
    # Roughly the normal-theory width for an AUC on 6,000 rows (~0.02-0.04 wide), not 0.
    assert 0.005 < m.roc_auc_ci.high - m.roc_auc_ci.low < 0.1
    again = evaluate_oof(y, p, folds, cost_fn=10, cost_fp=1, seed=3, resamples=300)
    assert again.metrics.roc_auc_ci == m.roc_auc_ci and again.metrics.cost_ci == m.cost_ci
    kwargs = {"cost_fn": 10.0, "cost_fp": 1.0, "resamples": 300}
    other = bootstrap_intervals(y, result.probability, result.refused, seed=4, **kwargs)
    assert other.roc_auc != m.roc_auc_ci


def test_weighted_auc_matches_sklearn_with_ties_and_weights() -> None:
    rng = np.random.default_rng(0)
    p = np.round(rng.random(5_000), 2)  # many ties
    y = (rng.random(5_000) < p).astype(int)
    w = rng.integers(0, 4, size=5_000)
    assert weighted_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert weighted_auc(y, p, w) == pytest.approx(roc_auc_score(y, p, sample_weight=w), abs=1e-12)


# --- pruning ----------------------------------------------------------------------------------


def _booster(x: np.ndarray, y: np.ndarray, names: list[str]) -> lgb.Booster:
    params = {
        "objective": "binary",
        "verbosity": -1,
        "num_leaves": 5,
        "min_data_in_leaf": 200,
        "feature_fraction": 0.6,
        "monotone_constraints": [1, -1, 0, 0, 0, 0, 0],
        "seed": 1,
        "deterministic": True,
    }
    dataset = lgb.Dataset(x, y, feature_name=names, categorical_feature=["CAT"])
    return lgb.train(params, dataset, num_boost_round=40)


def test_pruned_model_predicts_and_explains_exactly_as_the_original() -> None:
    x, y, names = _matrix(4_000)
    booster = _booster(x, y, names)
    text = booster.model_to_string()
    kept = used_features([text], names)
    assert "CONST" not in kept and {"A", "B", "CAT"} <= set(kept)
    assert len(kept) < len(names)
    pruned = lgb.Booster(model_str=prune_model_text(text, names, kept))
    assert pruned.feature_name() == kept
    columns = [names.index(n) for n in kept]
    np.testing.assert_array_equal(
        pruned.predict(x[:, columns], raw_score=True), booster.predict(x, raw_score=True)
    )
    contributions = booster.predict(x, pred_contrib=True)
    np.testing.assert_array_equal(
        pruned.predict(x[:, columns], pred_contrib=True), contributions[:, [*columns, -1]]
    )
    dropped = [i for i, n in enumerate(names) if n not in kept]
    assert not contributions[:, dropped].any()
    assert pruned.params["monotone_constraints"][:2] == [1, -1]


def test_pruning_refuses_to_drop_a_feature_a_tree_uses() -> None:
    x, y, names = _matrix(4_000)
    text = _booster(x, y, names).model_to_string()
    with pytest.raises(PruningError, match="pruned"):
        prune_model_text(text, names, [n for n in names if n != "A"])


# --- the bundle -------------------------------------------------------------------------------


def _store(bundle_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(load_bundle(bundle_dir).clients_path)


def _api_style_probability(booster: lgb.Booster, features: np.ndarray, calibration) -> np.ndarray:
    """What the API computes: float64 rows from the float32 store, raw score, sigmoid, calibration
    (the same expression as api/scorer.py, written out so the test does not share the code)."""
    raw = np.asarray(booster.predict(features.astype(np.float64), raw_score=True, num_threads=1))
    return calibration.apply(1.0 / (1.0 + np.exp(-raw)))


def test_bundle_fold_models_reproduce_every_training_probability(sample_bundle: Path) -> None:
    bundle = load_bundle(sample_bundle)
    manifest = bundle.manifest
    k_folds = manifest.evaluation.outer_folds
    assert manifest.fold_models == [fold_model_file(k) for k in range(k_folds)]
    assert all(name in manifest.files for name in manifest.fold_models)
    assert (bundle.root / FOLDS_DIR).is_dir()
    store = pl.read_parquet(bundle.clients_path)
    assert store.schema[CLIENT_FOLD_COLUMN] == pl.Int16
    assert store.schema[CLIENT_PROBABILITY_COLUMN] == pl.Float64
    test_rows = store.filter(pl.col(CLIENT_SPLIT_COLUMN) == "test")
    assert test_rows[CLIENT_FOLD_COLUMN].null_count() == test_rows.height
    names = manifest.feature_names
    for k, relative in enumerate(manifest.fold_models):
        booster = lgb.Booster(model_file=str(bundle.path(relative)))
        assert booster.feature_name() == names
        rows = store.filter(pl.col(CLIENT_FOLD_COLUMN) == k)
        assert rows.height > 0 and set(rows[CLIENT_SPLIT_COLUMN]) == {"train"}
        features = rows.select(names).to_numpy()
        got = _api_style_probability(booster, features, manifest.calibration)
        np.testing.assert_array_equal(got, rows[CLIENT_PROBABILITY_COLUMN].to_numpy())
    # The refit scores the test applicants the same way.
    refit = lgb.Booster(model_file=str(bundle.model_path))
    assert refit.feature_name() == names
    features = test_rows.select(names).to_numpy()
    got = _api_style_probability(refit, features, manifest.calibration)
    np.testing.assert_array_equal(got, test_rows[CLIENT_PROBABILITY_COLUMN].to_numpy())


def test_bundle_metrics_are_the_cross_fitted_ones(sample_bundle: Path) -> None:
    """Recomputed from the bundle alone: fold models -> raw OOF -> per-fold choices -> metrics."""
    bundle = load_bundle(sample_bundle)
    manifest = bundle.manifest
    config = manifest.training_params["config"]
    store = pl.read_parquet(bundle.clients_path).filter(pl.col(CLIENT_SPLIT_COLUMN) == "train")
    y = store[CLIENT_TARGET_COLUMN].to_numpy().astype(int)
    folds = store[CLIENT_FOLD_COLUMN].to_numpy()
    p = np.empty(store.height)
    for k, relative in enumerate(manifest.fold_models):
        booster = lgb.Booster(model_file=str(bundle.path(relative)))
        rows = folds == k
        features = store.filter(pl.col(CLIENT_FOLD_COLUMN) == k).select(manifest.feature_names)
        p[rows] = probability_from_raw(predict_raw(booster, features.to_numpy()))
    cost_fn, cost_fp = manifest.costs.false_negative, manifest.costs.false_positive
    honest = np.empty_like(p)
    refused = np.empty(p.size, dtype=bool)
    thresholds = []
    for k in range(len(manifest.fold_models)):
        held, others = folds == k, folds != k
        calibration = choose_calibration(y[others], p[others], seed=config["seed"])
        t = choose_threshold(y[others], calibration.apply(p[others]), cost_fn, cost_fp).threshold
        honest[held] = calibration.apply(p[held])
        refused[held] = honest[held] >= t
        thresholds.append(t)
    model = manifest.metrics["model"]
    assert manifest.training_params["cross_fitted"]["model"]["thresholds"] == thresholds
    assert model.roc_auc == pytest.approx(roc_auc_score(y, honest), abs=1e-12)
    assert model.false_negatives == int(np.sum(~refused & (y == 1)))
    assert model.false_positives == int(np.sum(refused & (y == 0)))
    assert (
        model.cost_at_threshold == cost_fn * model.false_negatives + cost_fp * model.false_positives
    )
    # The served calibration and threshold are the ones chosen on all OOF predictions.
    served = choose_calibration(y, p, seed=config["seed"])
    assert served.method == manifest.calibration.method
    assert manifest.threshold == choose_threshold(y, served.apply(p), cost_fn, cost_fp).threshold
    for name, metrics in manifest.metrics.items():
        assert metrics.roc_auc_ci is not None, name
        assert metrics.roc_auc_ci.low <= metrics.roc_auc <= metrics.roc_auc_ci.high, name
        assert metrics.cost_ci.low <= metrics.cost_at_threshold <= metrics.cost_ci.high, name
    assert manifest.evaluation.name == "nested-cross-fitting"
    assert "fold k" in manifest.evaluation.description_en
    assert "bloc k" in manifest.evaluation.description_fr


def test_pruned_features_are_gone_from_everything_served(sample_bundle: Path) -> None:
    bundle = load_bundle(sample_bundle)
    manifest = bundle.manifest
    pruning = manifest.training_params["pruning"]
    assert pruning["n_dropped"] == len(pruning["dropped"]) > 0  # small models use few features
    dropped = set(pruning["dropped"])
    names = set(manifest.feature_names)
    assert not dropped & names
    assert manifest.training_params["n_features"] == len(names)
    assert {f.name for f in bundle.catalogue().features} == names
    assert {f.name for f in bundle.importance().features} == names
    assert not dropped & set(_store(sample_bundle).columns)
    state = bundle.read_json("feature_state.json")
    assert state["feature_names"] == manifest.feature_names
    assert set(state["categorical"]) <= names
    # Served = used by at least one fold model: nothing unused is kept, nothing used dropped.
    used = np.zeros(len(names), dtype=bool)
    for relative in manifest.fold_models:
        booster = lgb.Booster(model_file=str(bundle.path(relative)))
        used |= booster.feature_importance("split") > 0
    assert used.all()
