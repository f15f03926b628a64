"""Monotone constraints (training/model/monotone.py): derived from the feature declarations,
imposed on every model of a bundle, and visible where it matters: raising a client's external
score never raises the probability, through the online feature path the API uses."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest

from shared.bundle import fold_model_file, load_bundle
from shared.tables import CLIENT_ID, TARGET
from training.features import registry
from training.features.online import features_for_records
from training.features.protected import feature_inputs
from training.features.state import FeatureState
from training.model import monotone
from training.model.config import LightGBMParams, TrainConfig
from training.model.cv import refit
from training.model.declared import declared_features
from training.model.pruning import prune_model_text, used_features

EXT_SOURCES = {"EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"}
GRID = np.linspace(0.0, 1.0, 11)


def _fitted_state(sample_data: Path) -> FeatureState:
    from training.data.reader import open_tables
    from training.model import feature_bridge

    return feature_bridge.fit_state(open_tables(sample_data))


def test_every_feature_reading_an_external_score_is_decreasing_or_excluded(
    sample_data: Path,
) -> None:
    """Found from the features' own expressions, so a feature added later cannot escape."""
    state = _fitted_state(sample_data)
    decided = {c.name: c for c in monotone.constraints(state.feature_names)}
    readers = [
        f.spec.name
        for _, blocks in registry.declared(state)
        for block in blocks
        for f in block
        if feature_inputs(f) & EXT_SOURCES
    ]
    assert {"EXT_SOURCE_2", "APP_EXT_SOURCE_MEAN", "APP_EXT_SOURCE_STD"} <= set(readers)
    for name in readers:
        c = decided[name]
        assert c.direction == monotone.DECREASING or c.excluded or name == "APP_EXT_SOURCE_MISSING"
    assert decided["APP_EXT_SOURCE_STD"].excluded  # its direction is unknown
    assert decided["APP_EXT_SOURCE_WEIGHTED"].direction == monotone.DECREASING
    # Presence only: the count of missing scores does not move with a score's value.
    assert decided["APP_EXT_SOURCE_MISSING"].direction == 0
    assert not decided["APP_EXT_SOURCE_MISSING"].excluded


def test_delays_are_increasing_and_unrelated_features_free(sample_data: Path) -> None:
    state = _fitted_state(sample_data)
    decided = {c.name: c for c in monotone.constraints(state.feature_names)}
    for name in ("INSTAL_DAYS_PAST_DUE_MAX", "POS_SK_DPD_MEAN", "BB_CREDIT_WORST_STATUS_MAX"):
        assert decided[name].direction == monotone.INCREASING, name
    for name in ("AMT_CREDIT", "DAYS_BIRTH", "APP_ANNUITY_TO_CREDIT", "INSTAL_COUNT"):
        assert decided[name].direction == 0 and not decided[name].excluded, name
    # A variance of days past due rises or falls with a delay: kept out of the splits.
    if "CC_SK_DPD_VAR" in decided:
        assert decided["CC_SK_DPD_VAR"].excluded


def test_names_missing_from_the_state_free_index_are_level_shares(sample_data: Path) -> None:
    """constraints() treats a name it cannot find as a category level share; true only if every
    such name of a fitted state is one, and reads no constrained input."""
    state = _fitted_state(sample_data)
    index = declared_features()
    features = {
        f.spec.name: f for _, blocks in registry.declared(state) for block in blocks for f in block
    }
    constrained = {column for _, column in monotone.CONSTRAINED_INPUTS}
    absent = [name for name in state.feature_names if name not in index]
    assert absent, "a fitted state has level shares"
    for name in absent:
        assert features[name].spec.level is not None, name
        assert not feature_inputs(features[name]) & constrained, name


def _nonmonotone_data(names: list[str], rows: int = 3_000, seed: int = 3):
    """EXT_SOURCE_2 with a U-shaped risk (against the domain direction at high values)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, len(names))).astype(np.float32)
    ext = rng.uniform(0, 1, rows)
    column = names.index("EXT_SOURCE_2")
    x[:, column] = ext
    logit = -2.0 + 6.0 * (ext - 0.5) ** 2 + 0.5 * x[:, 0]
    y = (rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return x, y, column


@pytest.mark.parametrize("constrained", [True, False])
def test_the_constraint_binds_against_the_data(constrained: bool) -> None:
    """On data where risk rises again with EXT_SOURCE_2, the unconstrained booster follows the
    data and the constrained one does not: the grid check below can fail, and does without
    the constraint."""
    names = ["AMT_CREDIT", "EXT_SOURCE_2", "APP_EXT_SOURCE_STD", "DAYS_BIRTH"]
    x, y, column = _nonmonotone_data(names)
    config = TrainConfig(
        monotone_constraints=constrained,
        lightgbm=LightGBMParams(learning_rate=0.1, num_threads=1),
    )
    booster = refit(x, y, names, [], config, rounds=60)
    grid = np.repeat(x[:50], len(GRID), axis=0)
    grid[:, column] = np.tile(GRID, 50)
    raw = booster.predict(grid, raw_score=True).reshape(50, len(GRID))
    rises = np.diff(raw, axis=1) > 1e-12
    assert rises.any() != constrained
    # The spread of the scores is never split on under the constraints.
    splits = dict(zip(names, booster.feature_importance("split"), strict=True))
    assert (splits["APP_EXT_SOURCE_STD"] == 0) == constrained


def test_pruning_renumbers_feature_contri() -> None:
    """A fold model with excluded features (feature_contri 0) is pruned exactly."""
    names = ["AMT_CREDIT", "EXT_SOURCE_2", "APP_EXT_SOURCE_STD", "DAYS_BIRTH"]
    x, y, _ = _nonmonotone_data(names)
    config = TrainConfig(lightgbm=LightGBMParams(learning_rate=0.1, num_threads=1))
    text = refit(x, y, names, [], config, rounds=30).model_to_string()
    assert "[feature_contri: 1,1,0,1]" in text
    kept = used_features([text], names)
    assert "APP_EXT_SOURCE_STD" not in kept
    pruned = prune_model_text(text, names, kept)
    columns = [names.index(n) for n in kept]
    again = lgb.Booster(model_str=pruned).predict(x[:, columns], raw_score=True)
    assert np.array_equal(again, lgb.Booster(model_str=text).predict(x, raw_score=True))
    assert "[feature_contri: " + ",".join("1" for _ in kept) + "]" in pruned


def _application_records(sample_data: Path, clients: int) -> list[dict[str, object]]:
    frame = pl.read_csv(
        sample_data / "application_train.csv", n_rows=clients, infer_schema_length=None
    )
    return [{k: v for k, v in row.items() if k != TARGET} for row in frame.iter_rows(named=True)]


def test_raising_ext_source_2_never_raises_a_clients_probability(
    sample_bundle: Path, sample_data: Path
) -> None:
    """Every model of the shared bundle (refit and fold models), on 120 clients, over 11 values
    of EXT_SOURCE_2, with the features computed by the online path the API uses: the
    probability never rises. EXT_SOURCE_2 also feeds the mean, min, max, weighted mean, product
    and spread of the scores: all must follow, or a client's curve would rise somewhere."""
    bundle = load_bundle(sample_bundle)
    assert bundle.manifest.training_params["config"]["monotone_constraints"] is True
    state = FeatureState.from_json(bundle.feature_state_path.read_bytes())
    assert "EXT_SOURCE_2" in state.feature_names
    clients = _application_records(sample_data, 120)
    records = []
    for i, client in enumerate(clients):
        for j, value in enumerate(GRID):
            records.append(
                {**client, CLIENT_ID: 1_000_000 + i * len(GRID) + j, "EXT_SOURCE_2": value}
            )
    frame = features_for_records({"application": records}, state)
    frame = frame.sort(CLIENT_ID)
    x = frame.select(state.feature_names).cast(pl.Float64).to_numpy()
    assert np.allclose(x[:, state.feature_names.index("EXT_SOURCE_2")], np.tile(GRID, len(clients)))
    models = [bundle.model_path] + [
        bundle.path(fold_model_file(k)) for k in range(len(bundle.manifest.fold_models))
    ]
    assert len(models) >= 3
    for path in models:
        booster = lgb.Booster(model_file=str(path))
        assert booster.feature_name() == state.feature_names
        raw = booster.predict(x, raw_score=True).reshape(len(clients), len(GRID))
        steps = np.diff(raw, axis=1)
        assert steps.max() <= 1e-12, f"{path.name}: a probability rose by {steps.max():.3g}"
        # Not vacuous: the score matters to these models.
        assert (raw[:, 0] - raw[:, -1]).max() > 0.01, path.name
