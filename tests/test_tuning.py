"""The optional hyperparameter search (training/model/tuning.py): reproducible for a seed,
honest (fold k's search never reads fold k), recorded in the manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.model import tuning
from training.model.config import LightGBMParams, TrainConfig
from training.model.cv import cross_validate, fold_indices
from training.progress import Progress

pytest.importorskip("optuna", reason="the [tuning] extra is not installed")

QUIET = Progress("test", quiet=True)
NAMES = ["a", "b", "c", "d", "e"]


def _data(rows: int = 800, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(NAMES))).astype(np.float32)
    logit = -1.5 + x[:, 0] - 0.7 * x[:, 1] + 0.5 * x[:, 2] * x[:, 3]
    y = (rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return x, y


def _config(seed: int = 5, trials: int = 4) -> TrainConfig:
    return TrainConfig(
        folds=2,
        seed=seed,
        max_rounds=40,
        early_stopping_rounds=5,
        tune_trials=trials,
        tune_folds=2,
        lightgbm=LightGBMParams(learning_rate=0.2, num_threads=1),
    )


def test_same_seed_same_chosen_parameters() -> None:
    x, y = _data()
    first = tuning.tune(x, y, NAMES, [], _config(), QUIET)
    again = tuning.tune(x, y, NAMES, [], _config(), QUIET)
    assert first.record() == again.record()
    assert len(first.fold_params) == 2
    for scope in [*first.folds, first.refit]:
        assert set(scope.params) == set(tuning.SEARCH_SPACE)
        # The first trial is the configured parameters: the search can only keep or improve.
        assert scope.objective >= scope.default_objective
    record = first.record()
    assert record["trials"] == 4 and record["seed"] == 5 and record["inner_folds"] == 2
    assert set(record["space"]) == set(tuning.SEARCH_SPACE)


def test_another_seed_samples_other_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed reaches the sampler (the first trial, the defaults, is the same for both)."""
    x, y = _data()
    trials: list[dict[str, float]] = []

    def record(x_, full, y_, rows, params, config):
        trials.append({k: params[k] for k in tuning.SEARCH_SPACE})
        return 0.5, 10

    monkeypatch.setattr(tuning, "inner_cv", record)
    seen: dict[int, list[dict[str, float]]] = {}
    for seed in (5, 6):
        config = _config(seed=seed, trials=3)
        base = tuning._params(config, y, NAMES)
        full = tuning.make_dataset(x, y, NAMES, [], base)
        trials.clear()
        tuning.search_scope(
            x, full, y, np.arange(len(y)), base, config, scope="refit", sampler_seed=seed
        )
        seen[seed] = list(trials)
    assert seen[5][0] == seen[6][0] == tuning.defaults(tuning._params(_config(), y, NAMES))
    assert seen[5][1:] != seen[6][1:]


def test_fold_searches_never_read_their_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nested: the search for fold model k sees only rows outside fold k, the refit's all."""
    x, y = _data()
    config = _config(trials=2)
    calls: list[np.ndarray] = []
    original = tuning.inner_cv

    def spy(x_, full, y_, rows, params, config_):
        calls.append(np.asarray(rows).copy())
        return original(x_, full, y_, rows, params, config_)

    monkeypatch.setattr(tuning, "inner_cv", spy)
    tuning.tune(x, y, NAMES, [], config, QUIET)
    fold_of_row = fold_indices(y, config.folds, config.seed)
    assert len(calls) == (config.folds + 1) * config.tune_trials
    for k in range(config.folds):
        for rows in calls[k * config.tune_trials : (k + 1) * config.tune_trials]:
            assert np.array_equal(rows, np.flatnonzero(fold_of_row != k))
    for rows in calls[-config.tune_trials :]:
        assert np.array_equal(rows, np.arange(len(y)))


def test_fold_models_are_trained_with_their_own_choice() -> None:
    x, y = _data()
    config = _config(trials=3)
    tuned = tuning.tune(x, y, NAMES, [], config, QUIET)
    cv = cross_validate(x, y, NAMES, [], config, QUIET, fold_params=tuned.fold_params)
    for text, params in zip(cv.models, tuned.fold_params, strict=True):
        assert f"[num_leaves: {params['num_leaves']}]" in text
        assert f"[min_data_in_leaf: {params['min_data_in_leaf']}]" in text


@pytest.mark.slow
def test_train_records_the_search_in_the_manifest(sample_data: Path, tmp_path: Path) -> None:
    from shared.bundle import load_bundle
    from training.model.train import train

    config = TrainConfig(
        folds=2,
        seed=3,
        max_rounds=30,
        early_stopping_rounds=5,
        tune_trials=2,
        tune_folds=2,
        lightgbm=LightGBMParams(learning_rate=0.2),
        logistic_max_rows=1_000,
        shap_rows=300,
        bootstrap_resamples=0,
    )
    result = train(sample_data, tmp_path, config, QUIET)
    params = load_bundle(tmp_path).manifest.training_params
    record = params["tuning"]
    assert record["trials"] == 2 and record["seed"] == 3
    assert set(record["space"]) == set(tuning.SEARCH_SPACE)
    assert len(record["folds"]) == 2 and record["refit"]["scope"] == "refit"
    assert params["refit_rounds"] == record["refit"]["rounds"] == result.refit_rounds
    assert params["config"]["tune_trials"] == 2
