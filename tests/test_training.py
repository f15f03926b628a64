"""Training: metrics against sklearn, the calibration decision, reference statistics,
determinism, and `scoring train / evaluate / score` end to end on the shared sample (the real
sample, else the synthetic stand-in of tests/conftest.py)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)

from shared.bundle import (
    CLIENT_ID_COLUMN,
    CLIENT_PROBABILITY_COLUMN,
    CLIENT_SPLIT_COLUMN,
    CLIENT_TARGET_COLUMN,
    RAW_PREFIX,
    load_bundle,
)
from training.cli import main
from training.errors import DataError
from training.model.calibration import choose_calibration
from training.model.config import LightGBMParams, TrainConfig
from training.model.cv import cross_validate, fold_indices
from training.model.importance import shap_importance
from training.model.metrics import confusion, evaluate
from training.model.reference import feature_reference
from training.model.train import _labels, train
from training.progress import Progress

QUIET = Progress("test", quiet=True)

# --- metrics, calibration, reference: unit level ----------------------------------------------


def _scores(n: int = 5_000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(1.2, 10.0, size=n)
    y = (rng.random(n) < p).astype(int)
    return y, p


def test_metrics_agree_with_sklearn() -> None:
    y, p = _scores()
    m = evaluate(y, p, threshold=0.1, cost_fn=10, cost_fp=1)
    assert m.roc_auc == pytest.approx(roc_auc_score(y, p))
    assert m.pr_auc == pytest.approx(average_precision_score(y, p))
    assert m.brier == pytest.approx(brier_score_loss(y, p))
    assert m.log_loss == pytest.approx(log_loss(y, p))
    decision = (p >= 0.1).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, decision).ravel()
    assert m.cost_at_threshold == 10 * fn + fp
    half = (p >= 0.5).astype(int)
    _tn5, fp5, fn5, _ = confusion_matrix(y, half, labels=[0, 1]).ravel()
    assert m.cost_at_half == 10 * fn5 + fp5
    assert m.recall_at_threshold == pytest.approx(recall_score(y, decision))
    assert m.precision_at_threshold == pytest.approx(precision_score(y, decision))
    counts = confusion(y, p, 0.1)
    assert (counts.tp, counts.fp, counts.tn, counts.fn) == (tp, fp, tn, fn)


def test_calibration_table_is_deciles_of_prediction() -> None:
    y, p = _scores()
    table = evaluate(y, p, 0.1, 10, 1).calibration_table
    assert len(table) == 10
    assert sum(b.count for b in table) == y.size
    order = np.argsort(p, kind="stable")
    first = order[: table[0].count]
    assert table[0].mean_predicted == pytest.approx(p[first].mean())
    assert table[0].observed_rate == pytest.approx(y[first].mean())
    assert all(a.upper <= b.lower for a, b in itertools.pairwise(table))


def test_calibration_kept_off_for_calibrated_probabilities() -> None:
    y, p = _scores(20_000)
    assert choose_calibration(y, p).method == "none"


def test_calibration_fixes_overconfident_probabilities() -> None:
    y, p = _scores(20_000)
    inflated = np.sqrt(p)  # what re-weighting the defaults does, roughly
    chosen = choose_calibration(y, inflated)
    assert chosen.method in ("platt", "isotonic")
    assert brier_score_loss(y, chosen.apply(inflated)) < brier_score_loss(y, inflated) * 0.9
    assert chosen.evidence["brier_none"] == pytest.approx(brier_score_loss(y, inflated))
    assert chosen.reason


def test_numeric_reference_histograms_partition_the_population() -> None:
    rng = np.random.default_rng(3)
    values = rng.lognormal(10, 1, size=2_000)
    values[:50] = np.nan
    values[50] = 1e12  # one extreme value must not flatten the histogram
    y = (rng.random(values.size) < 0.1).astype(int)
    ref = feature_reference("AMT_INCOME_TOTAL", values, y, bins=30)
    assert len(ref.edges) == 31 and len(ref.all.counts) == 30
    assert sum(ref.all.counts) + ref.all.missing == values.size
    assert ref.all.missing == 50
    assert [a + b for a, b in zip(ref.repaid.counts, ref.defaulted.counts, strict=True)] == (
        ref.all.counts
    )
    assert ref.edges[-1] < 1e12
    assert max(ref.all.counts) < 0.5 * values.size  # not one bar holding everyone
    finite = values[np.isfinite(values)]
    assert ref.percentiles[50] == pytest.approx(np.median(finite))
    assert len(ref.percentiles) == 101


def test_few_integer_values_get_one_bin_each_and_categories_count_levels() -> None:
    values = np.array([0, 1, 1, 2, 2, 2, np.nan], dtype=float)
    y = np.array([0, 0, 1, 0, 1, 1, 0])
    ref = feature_reference("CNT_CHILDREN", values, y, bins=30)
    assert ref.all.counts == [1, 2, 3]
    assert ref.edges == [-0.5, 0.5, 1.5, 2.5]
    assert ref.defaulted.counts == [0, 1, 2]
    cat = feature_reference("CODE_GENDER", np.array([0, 1, 1, np.nan]), y[:4], 30, ["F", "M"])
    assert cat.categorical and cat.levels == ["F", "M"]
    assert cat.all.counts == [1, 2] and cat.all.missing == 1 and cat.percentiles == []


def test_labels_refuse_missing_or_odd_targets() -> None:
    frame = pl.DataFrame({"SK_ID_CURR": [1, 2, 3], "TARGET": [0, 2, 1]})
    with pytest.raises(DataError, match=r"TARGET.*SK_ID_CURR 2"):
        _labels(frame, folds=2)
    few = pl.DataFrame({"SK_ID_CURR": [1, 2, 3], "TARGET": [0, 0, 1]})
    with pytest.raises(DataError, match="only 1 defaults"):
        _labels(few, folds=2)


# --- LightGBM pieces on a small synthetic matrix ----------------------------------------------


def _matrix(n: int = 3_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    x[:, 5] = rng.integers(0, 4, size=n)  # a categorical code
    logit = -2.5 + 1.2 * x[:, 0] - 0.8 * x[:, 1] + 0.6 * (x[:, 5] == 2)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return x, y, ["A", "B", "C", "D", "E", "CAT"]


def _small_config(seed: int = 7) -> TrainConfig:
    return TrainConfig(
        folds=3,
        seed=seed,
        max_rounds=150,
        early_stopping_rounds=20,
        lightgbm=LightGBMParams(learning_rate=0.1, num_leaves=7, min_data_in_leaf=20),
    )


def test_same_seed_same_oof_and_different_seed_differs() -> None:
    x, y, names = _matrix()
    first = cross_validate(x, y, names, ["CAT"], _small_config(), QUIET)
    again = cross_validate(x, y, names, ["CAT"], _small_config(), QUIET)
    other = cross_validate(x, y, names, ["CAT"], _small_config(seed=8), QUIET)
    np.testing.assert_array_equal(first.oof, again.oof)
    assert first.best_iterations == again.best_iterations
    assert not np.array_equal(first.oof, other.oof)
    assert roc_auc_score(y, first.oof) > 0.75
    # The folds are a stratified partition.
    folds = fold_indices(y, 3, 7)
    assert sorted(np.unique(folds)) == [0, 1, 2]
    rates = [y[folds == k].mean() for k in range(3)]
    assert max(rates) - min(rates) < 0.01


def test_shap_importance_ranks_the_informative_feature_first() -> None:
    x, y, names = _matrix()
    booster = lgb.train(
        {"objective": "binary", "verbosity": -1, "num_threads": 1, "seed": 1},
        lgb.Dataset(x, y, feature_name=names, categorical_feature=["CAT"]),
        num_boost_round=30,
    )
    groups = {"A": "g1", "B": "g2", "C": "g2"}
    imp = shap_importance(booster, x, names, groups, max_rows=500, seed=0)
    assert imp.n_rows == 500
    assert imp.features[0].name == "A"
    by_name = {f.name: f.mean_abs_shap for f in imp.features}
    by_group = {g.group: g.mean_abs_shap for g in imp.groups}
    # A single-feature group's importance is that feature's.
    assert by_group["g1"] == pytest.approx(by_name["A"])
    # A group is at most the sum of its members (contributions can cancel).
    assert by_group["g2"] <= by_name["B"] + by_name["C"] + 1e-12
    assert set(by_group) == {"g1", "g2", "other"}


# --- end to end on the shared sample (real rows, else synthetic) ----------------------------------


@pytest.fixture(scope="module")
def trained(sample_data: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("models")
    config = TrainConfig(
        folds=3,
        seed=11,
        max_rounds=120,
        early_stopping_rounds=20,
        lightgbm=LightGBMParams(learning_rate=0.1),
        logistic_max_rows=3_000,
        shap_rows=1_000,
    )
    return out, train(sample_data, out, config, QUIET)


@pytest.mark.slow
def test_train_writes_a_valid_bundle(trained, sample_data: Path) -> None:
    out, result = trained
    bundle = load_bundle(out)
    manifest = bundle.manifest
    assert bundle.root == result.bundle and manifest.version == result.version
    sample = pl.read_csv(sample_data / "application_train.csv", columns=["SK_ID_CURR", "TARGET"])
    y = sample["TARGET"].to_numpy()
    assert manifest.n_train == len(y)
    assert manifest.default_rate == pytest.approx(y.mean())
    # Stored metrics are the honest (cross-fitted) ones: close to, not equal to, the AUC of the
    # served-calibrated OOF probabilities (each fold has its own calibration there).
    assert manifest.metrics["model"].roc_auc == pytest.approx(
        roc_auc_score(y, result.oof), abs=0.02
    )
    assert manifest.metrics["model"].roc_auc > 0.68
    assert manifest.metrics["model"].roc_auc > manifest.metrics["dummy"].roc_auc + 0.1
    assert set(manifest.metrics) == {"model", "dummy", "logistic", "scorecard", "plain_lightgbm"}
    assert manifest.metrics["model"].cost_at_threshold <= manifest.metrics["model"].cost_at_half
    curve = bundle.cost_curve()
    assert curve.chosen_threshold == manifest.threshold
    assert curve.chosen_cost == min(curve.costs)
    # The cost curve is the in-sample one the served threshold was read from.
    counts = confusion(y, result.oof, manifest.threshold)
    assert curve.chosen_cost == counts.cost(10, 1)
    m = manifest.metrics["model"]
    assert m.true_positives + m.false_positives + m.true_negatives + m.false_negatives == len(y)
    # The booster reads back with the manifest's features, in order.
    booster = lgb.Booster(model_file=str(bundle.model_path))
    assert booster.feature_name() == manifest.feature_names
    assert {f.name for f in bundle.catalogue().features} == set(manifest.feature_names)
    assert {f.name for f in bundle.importance().features} == set(manifest.feature_names)
    reference = bundle.reference()
    assert set(manifest.feature_names) <= set(reference.features)
    assert reference.n_all == len(y) and reference.n_defaulted == int(y.sum())
    for entry in manifest.features:
        if entry.categorical:
            assert entry.levels, entry.name


@pytest.mark.slow
def test_client_store_has_every_applicant(trained, sample_data: Path) -> None:
    out, result = trained
    bundle = load_bundle(out)
    clients = pl.read_parquet(bundle.clients_path)
    train_ids = pl.read_csv(sample_data / "application_train.csv", columns=["SK_ID_CURR"])
    test_ids = pl.read_csv(sample_data / "application_test.csv", columns=["SK_ID_CURR"])
    assert clients.height == train_ids.height + test_ids.height
    assert clients[CLIENT_ID_COLUMN].is_sorted()
    train_rows = clients.filter(pl.col(CLIENT_SPLIT_COLUMN) == "train")
    test_rows = clients.filter(pl.col(CLIENT_SPLIT_COLUMN) == "test")
    assert test_rows[CLIENT_TARGET_COLUMN].null_count() == test_rows.height
    assert train_rows[CLIENT_TARGET_COLUMN].null_count() == 0
    # Training applicants carry their OOF probability.
    oof = dict(zip(result.ids.tolist(), result.oof, strict=True))
    got = train_rows.select(CLIENT_ID_COLUMN, CLIENT_PROBABILITY_COLUMN).rows()
    assert all(abs(oof[i] - p) < 1e-6 for i, p in got)
    assert all(c in clients.columns for c in bundle.manifest.feature_names)
    assert RAW_PREFIX + "AMT_INCOME_TOTAL" in clients.columns
    assert clients.schema[bundle.manifest.feature_names[0]] == pl.Float32


@pytest.mark.slow
def test_evaluate_command_json(trained, sample_data: Path, capsys) -> None:
    out, _ = trained
    assert (
        main(["evaluate", "--model", str(out), "--data", str(sample_data), "--json", "--quiet"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    manifest = load_bundle(out).manifest
    assert report["threshold"] == manifest.threshold
    assert report["tp"] + report["fp"] + report["tn"] + report["fn"] == manifest.n_train
    assert report["cost"] == 10 * report["fn"] + report["fp"]
    # The refit model has seen these rows: it ranks them better than out-of-fold, and the
    # report says the evaluation is the refit model's, on training applicants.
    assert report["auc"] > manifest.metrics["model"].roc_auc
    assert report["model"] == "refit"
    assert report["n_training_applicants"] == manifest.n_train
    assert main(["evaluate", "--model", str(out), "--data", str(sample_data), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "evaluation of the refit model" in text
    assert f"warning: {manifest.n_train:,} of them are training applicants" in text


@pytest.mark.slow
def test_score_command_matches_client_store(trained, sample_data: Path, tmp_path: Path) -> None:
    out, _ = trained
    target = tmp_path / "scores.csv"
    assert (
        main(
            [
                "score",
                "--model",
                str(out),
                "--data",
                str(sample_data),
                "--out",
                str(target),
                "--quiet",
            ]
        )
        == 0
    )
    scores = pl.read_csv(target)
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]
    bundle = load_bundle(out)
    threshold = bundle.manifest.threshold
    expected = np.where(scores["probability"].to_numpy() >= threshold, "refuse", "grant")
    assert scores["decision"].to_list() == expected.tolist()
    # Test applicants: batch scoring and the stored refit-model probabilities agree.
    store = pl.read_parquet(bundle.clients_path, columns=["SK_ID_CURR", "SPLIT", "PROBABILITY"])
    joined = store.filter(pl.col("SPLIT") == "test").join(scores, on="SK_ID_CURR")
    assert joined.height == store.filter(pl.col("SPLIT") == "test").height
    np.testing.assert_allclose(joined["PROBABILITY"], joined["probability"], atol=1e-6)
    parquet = tmp_path / "scores.parquet"
    assert (
        main(
            [
                "score",
                "--model",
                str(out),
                "--data",
                str(sample_data),
                "--out",
                str(parquet),
                "--quiet",
            ]
        )
        == 0
    )
    assert pl.read_parquet(parquet).equals(scores)


def test_commands_explain_bad_inputs(tmp_path: Path, sample_data: Path, capsys) -> None:
    assert main(["evaluate", "--model", str(tmp_path), "--data", str(sample_data)]) == 2
    assert "no bundle in" in capsys.readouterr().err
    code = main(["score", "--model", str(tmp_path), "--data", str(sample_data), "--out", "x.txt"])
    assert code == 2
    assert "expected .csv or .parquet" in capsys.readouterr().err
    code = main(["train", "--data", str(tmp_path / "none"), "--out", str(tmp_path), "--folds", "1"])
    assert code == 2
    assert "folds" in capsys.readouterr().err
