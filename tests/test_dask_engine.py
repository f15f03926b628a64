"""`--engine dask`: the same features, scores and drift, and a model as good, on a 2-worker cluster.

What must hold for Dask to replace the single-node engine:
- the feature matrix computed partition by partition on the workers equals the single-node one
  bit for bit (real sample and synthetic set; through the library and through the command);
- batch scores written per partition equal `scoring score`'s, and the drift report of
  `scoring monitor` is the same;
- the lightgbm.dask trainer keeps `lgb.train`'s contract: early stopping stops exactly where the
  rule says on the metric it reports, and a model is as good as the single-node one (AUC within
  0.01 on held-out rows; a whole `scoring train` bundle within 0.01 of the single-node bundle);
- bad setups are refused before any work: a CSV folder (pointing at `scoring ingest`), a worker
  with one thread, a worker on another library version, --scheduler without --engine dask.

One local cluster of 2 worker processes x 2 threads serves the module (what CI runs); the
commands start their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sklearn.metrics import roc_auc_score

from shared.tables import CLIENT_ID
from training.cli import main
from training.data.ingest import ingest
from training.data.reader import open_tables
from training.distributed.cluster import DaskOptions, check_cluster, connect
from training.distributed.engine import SINGLE_NODE, DaskEngine
from training.distributed.features import distributed_features, split_by_partition
from training.distributed.fitting import DaskTrainer, metric_value
from training.errors import UserFacingError
from training.features.pipeline import build_features, fit_feature_state
from training.progress import Progress

pytestmark = pytest.mark.slow
QUIET = Progress("test", quiet=True)


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with connect(DaskOptions(workers=2, threads_per_worker=2), QUIET) as client:
        yield client


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.synth import generate

    return generate(1_500, 3, tmp_path_factory.mktemp("dask-synthetic") / "data")


@pytest.fixture(scope="module")
def synthetic_lake(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ingest(synthetic, tmp_path_factory.mktemp("dask-lake") / "lake", partitions=5).root


@pytest.fixture(scope="module")
def sample_lake(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared bundle's data (real sample when present) as a 4-partition lake."""
    return ingest(sample_data, tmp_path_factory.mktemp("dask-sample") / "lake", partitions=4).root


# ------------------------------------------------------------------ features


@pytest.mark.parametrize("data", ["real_sample", "synthetic"])
def test_partitions_computed_on_the_workers_give_the_single_node_matrix_exactly(
    data: str, request: pytest.FixtureRequest, client, tmp_path: Path
) -> None:
    source = request.getfixturevalue(data)
    root = ingest(source, tmp_path / "lake", partitions=3).root
    tables = open_tables(source)  # the CSV files, not the lake
    state = fit_feature_state(tables)
    single = build_features(tables, state)
    on_dask = distributed_features(client, root, state)
    assert single.height > 1_000 and single.width > 100
    assert_frame_equal(on_dask, single, check_exact=True)
    # The state fitted from the lake (the driver's part of --engine dask) is the same state.
    assert fit_feature_state(open_tables(root)) == state


def test_some_clients_only_give_their_rows_of_the_matrix(synthetic_lake: Path, client) -> None:
    tables = open_tables(synthetic_lake)
    state = fit_feature_state(tables)
    ids = tables["application_train"].select(CLIENT_ID).collect()[CLIENT_ID].to_numpy()[::7]
    expected = build_features(tables, state, client_ids=ids.tolist())
    got = SINGLE_NODE.features(synthetic_lake, tables, state, client_ids=ids)
    on_dask = DaskEngine(client, DaskOptions(), QUIET).features(
        synthetic_lake, tables, state, client_ids=ids
    )
    assert expected.height == len(ids)
    assert_frame_equal(got, expected, check_exact=True)
    assert_frame_equal(on_dask, expected, check_exact=True)


def test_ids_are_sent_to_their_own_partition() -> None:
    from training.data.lake import partition_of

    ids = np.array([100002, 100003, 456255, 7, 3_000_000, 100002], dtype=np.int64)
    parts = split_by_partition(ids, 4)
    assert sorted(np.concatenate(parts).tolist()) == sorted(ids.tolist())
    for index, part in enumerate(parts):
        assert all(partition_of(int(i), 4) == index for i in part)


def test_features_command_on_dask_writes_the_single_node_file(
    synthetic: Path, synthetic_lake: Path, tmp_path: Path
) -> None:
    single, on_dask = tmp_path / "single.parquet", tmp_path / "dask.parquet"
    assert main(["features", "--data", str(synthetic), "--out", str(single), "--quiet"]) == 0
    argv = ["features", "--data", str(synthetic_lake), "--out", str(on_dask), "--quiet"]
    assert main([*argv, "--engine", "dask", "--dask-workers", "2"]) == 0
    assert_frame_equal(pl.read_parquet(on_dask), pl.read_parquet(single), check_exact=True)
    state = json.loads((tmp_path / "dask.state.json").read_text())
    assert state == json.loads((tmp_path / "single.state.json").read_text())


# ------------------------------------------------------------------ refusals


def test_dask_refuses_a_csv_folder_and_points_at_ingest_before_starting_anything(
    synthetic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.parquet"
    argv = ["features", "--data", str(synthetic), "--out", str(out), "--engine", "dask"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"--data {synthetic}" in err and "scoring ingest" in err and "not one" in err
    assert "starting a local Dask cluster" not in err and not out.exists()


def test_scheduler_without_the_dask_engine_is_refused(
    synthetic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["features", "--data", str(synthetic), "--out", str(tmp_path / "x.parquet")]
    assert main([*argv, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_fewer_than_two_threads_per_worker_is_refused_by_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["features", "--data", "x", "--out", "x.parquet", "--dask-threads", "1"])
    assert "expected a whole number >= 2" in capsys.readouterr().err


class FakeClient:
    """What check_cluster asks a client, answered as a misconfigured cluster would."""

    def __init__(self, threads: dict[str, int], versions: dict[str, str] | None = None) -> None:
        self.threads, self.versions = threads, versions

    def nthreads(self) -> dict[str, int]:
        return self.threads

    def run(self, function):  # type: ignore[no-untyped-def]
        result = function()
        if self.versions is not None and isinstance(result, dict):
            result = {**result, **self.versions}
        return dict.fromkeys(self.threads, result)


def test_a_cluster_that_would_compute_differently_is_refused() -> None:
    with pytest.raises(UserFacingError, match=r"tcp://w1:1 has 1 thread\(s\); expected at least 2"):
        check_cluster(FakeClient({"tcp://w0:1": 2, "tcp://w1:1": 1}), QUIET)  # type: ignore[arg-type]
    with pytest.raises(UserFacingError, match=r"runs polars 0\.1\.0, this driver"):
        check_cluster(FakeClient({"tcp://w0:1": 2}, {"polars": "0.1.0"}), QUIET)  # type: ignore[arg-type]
    with pytest.raises(UserFacingError, match="no worker"):
        check_cluster(FakeClient({}), QUIET)  # type: ignore[arg-type]


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    options = DaskOptions(scheduler="tcp://127.0.0.1:9", connect_timeout=2)
    expected = r"--scheduler tcp://127\.0\.0\.1:9: no Dask"
    with pytest.raises(UserFacingError, match=expected), connect(options, QUIET):
        pass


# ------------------------------------------------------------------ the trainer


def synthetic_matrix(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 12)).astype(np.float32)
    x[:, 3] = rng.integers(0, 6, rows)  # a categorical column
    x[rng.random((rows, 12)) < 0.05] = np.nan
    logit = 1.3 * np.nan_to_num(x[:, 0]) - 0.8 * np.nan_to_num(x[:, 1]) * np.nan_to_num(x[:, 2])
    logit += np.where(x[:, 3] == 2, 0.9, 0.0) - 2.2
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return x, y


PARAMS = {
    "objective": "binary",
    "metric": ["binary_logloss", "auc"],
    "num_leaves": 15,
    "learning_rate": 0.08,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "seed": 3,
    "bagging_seed": 3,
    "feature_fraction_seed": 3,
    "deterministic": True,
    "force_col_wise": True,
    "verbosity": -1,
    "num_threads": 2,
}


def test_the_dask_trainer_keeps_lgb_trains_contract_and_its_accuracy(client) -> None:
    x, y = synthetic_matrix(24_000)
    names = [f"f{i}" for i in range(x.shape[1])]
    full = lgb.Dataset(
        x, label=y, feature_name=names, categorical_feature=["f3"], params=PARAMS,
        free_raw_data=False,
    )  # fmt: skip
    full.construct()
    fit, stop, held_out = np.arange(0, 16_000), np.arange(16_000, 19_000), np.arange(19_000, 24_000)
    patience = 15
    trainer = DaskTrainer(client, chunk_rounds=40)  # small chunks: several init_model rounds
    boosters = {}
    for name, train in (("single", lgb.train), ("dask", trainer)):
        boosters[name] = train(
            PARAMS,
            full.subset(fit.tolist()),
            num_boost_round=600,
            valid_sets=[full.subset(stop.tolist())],
            valid_names=["early_stopping"],
            callbacks=[lgb.early_stopping(patience, first_metric_only=True, verbose=False)],
        )
    dask_booster = boosters["dask"]
    assert trainer.fits >= 2, "the booster grew over more than one chunk"
    # Early stopping where the rule puts it, on the metric the booster reports.
    best = dask_booster.best_iteration
    assert best >= 1 and dask_booster.current_iteration() == best + patience
    losses = []
    for i in range(dask_booster.current_iteration()):
        raw = dask_booster.predict(x[stop], num_iteration=i + 1, raw_score=True)
        losses.append(metric_value("binary_logloss", y[stop], raw))
    assert int(np.argmin(losses)) + 1 == best
    assert dask_booster.best_score["early_stopping"]["binary_logloss"] == pytest.approx(
        losses[best - 1], rel=1e-9
    )
    best_raw = dask_booster.predict(x[stop], num_iteration=best, raw_score=True)
    assert dask_booster.best_score["early_stopping"]["auc"] == pytest.approx(
        roc_auc_score(y[stop], best_raw), rel=1e-12
    )
    # As good as the single-node booster on rows neither saw.
    aucs = {
        name: roc_auc_score(y[held_out], b.predict(x[held_out], num_iteration=b.best_iteration))
        for name, b in boosters.items()
    }
    assert aucs["single"] > 0.7
    assert abs(aucs["dask"] - aucs["single"]) < 0.01, aucs
    # A refit without validation set: exactly the rounds asked for; its native text reloads.
    refit = trainer(PARAMS, lgb.Dataset(x[:19_000], label=y[:19_000], free_raw_data=False), 30)
    assert refit.current_iteration() == 30
    reloaded = lgb.Booster(model_str=refit.model_to_string())
    assert np.array_equal(reloaded.predict(x[held_out]), refit.predict(x[held_out]))
    trainer.release()


# ------------------------------------------------------------------ batch scoring and drift


def test_batch_scores_written_per_partition_equal_the_single_node_scores(
    sample_bundle: Path, sample_data: Path, sample_lake: Path, client, tmp_path: Path
) -> None:
    from training.distributed.scoring import SUMMARY_FILE, score_to_folder
    from training.model.predict import Scorer

    single = tmp_path / "single.parquet"
    base = ["score", "--model", str(sample_bundle), "--quiet"]
    assert main([*base, "--data", str(sample_data), "--out", str(single)]) == 0
    out = tmp_path / "scores"
    argv = [*base, "--data", str(sample_lake), "--out", str(out), "--engine", "dask"]
    assert main(argv) == 0
    parts = sorted(out.glob("part-*.parquet"))
    assert [p.name for p in parts] == [f"part-0000{i}.parquet" for i in range(4)]
    expected = pl.read_parquet(single).sort(CLIENT_ID)
    got = pl.read_parquet(parts).sort(CLIENT_ID)
    assert_frame_equal(got, expected, check_exact=True)  # the same probabilities, to the bit
    summary = json.loads((out / SUMMARY_FILE).read_text())
    assert summary["rows"] == expected.height == sum(p["rows"] for p in summary["parts"])
    assert summary["refused"] == int((expected["decision"] == "refuse").sum())

    # A second run replaces its own previous output; any other folder is left alone.
    scorer = Scorer.load(sample_bundle)
    train_only = score_to_folder(client, sample_lake, scorer, ("application_train",), out, QUIET)
    assert pl.read_parquet(sorted(out.glob("part-*.parquet"))).height == train_only["rows"]
    assert train_only["rows"] < expected.height
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(UserFacingError, match="is not an output of `scoring score --engine dask`"):
        score_to_folder(client, sample_lake, scorer, ("application_train",), foreign, QUIET)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    with pytest.raises(UserFacingError, match="writes a folder of Parquet parts"):
        score_to_folder(
            client, sample_lake, scorer, ("application_train",), tmp_path / "s.csv", QUIET
        )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_drift_report_on_dask_is_the_single_node_report(
    sample_bundle: Path, sample_data: Path, sample_lake: Path, client
) -> None:
    from training.governance.monitor import monitor

    single = monitor(sample_bundle, sample_data)
    on_dask = monitor(sample_bundle, sample_lake, engine=DaskEngine(client, DaskOptions(), QUIET))
    assert single.n > 1_000 and single.features
    assert on_dask.model_dump(exclude={"source"}) == single.model_dump(exclude={"source"})


# ------------------------------------------------------------------ a whole bundle


def test_a_bundle_trained_on_dask_is_within_0_01_auc_of_the_single_node_one(
    client, tmp_path: Path
) -> None:
    """`scoring train`'s whole pipeline (folds, early stopping, pruning, calibration,
    threshold, honest metrics, bundle) with the features and the boosting on the cluster."""
    from training.model.config import LightGBMParams, TrainConfig
    from training.model.predict import Scorer
    from training.model.train import train
    from training.synth import generate

    # 10,000 applicants: fewer would let the early stop's noise (its split holds 10 % of the
    # fit rows) alone move either model's AUC by more than 0.01 (6,000 did: 0.740 vs 0.754).
    data = generate(10_000, 5, tmp_path / "data")
    root = ingest(data, tmp_path / "lake", partitions=4).root
    config = TrainConfig(
        folds=3,
        seed=5,
        max_rounds=1_000,
        early_stopping_rounds=40,
        lightgbm=LightGBMParams(learning_rate=0.05),
        bootstrap_resamples=0,
        logistic_max_rows=1_000,
        shap_rows=500,
    )
    single = train(data, tmp_path / "single", config, QUIET)
    engine = DaskEngine(client, DaskOptions(), QUIET)
    on_dask = train(root, tmp_path / "dask", config, QUIET, engine=engine)
    engine.close()
    auc_single, auc_dask = single.metrics["model"].roc_auc, on_dask.metrics["model"].roc_auc
    assert auc_single > 0.7
    assert abs(auc_dask - auc_single) < 0.01, (auc_single, auc_dask)
    assert engine.trainer.fits > config.folds  # every fold model and the refit grew on Dask
    # The same protocol on the same rows: folds, early-stopping rows, and the same data named.
    assert np.array_equal(on_dask.fold_of_row, single.fold_of_row)
    assert np.array_equal(on_dask.ids, single.ids)
    scorer = Scorer.load(on_dask.bundle)  # a verified, ordinary bundle: native text, JSON
    manifest = scorer.bundle.manifest
    assert manifest.training_params["engine"] == "dask"
    assert manifest.data_fingerprint == Scorer.load(single.bundle).bundle.manifest.data_fingerprint
    assert len(manifest.fold_models) == config.folds
