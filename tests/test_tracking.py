"""`scoring train --mlflow`: the run read back through MLflow's own client matches the bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.bundle import load_bundle
from training.cli import main
from training.model.tracking import ARTIFACTS_FOLDER, EXPERIMENT, flat_params

mlflow = pytest.importorskip("mlflow", reason="the [mlflow] extra is not installed")


def test_train_logs_params_metrics_and_bundle(sample_data: Path, tmp_path: Path, capsys) -> None:
    """Through the CLI, on the shared sample (real, else synthetic), with the small, fast
    settings of the other tests."""
    database = tmp_path / "tracking" / "runs.db"  # parent folder does not exist yet
    uri = f"sqlite:///{database}"
    out = tmp_path / "models"
    argv = ["train", "--data", str(sample_data), "--out", str(out), "--quiet", "--folds", "2"]
    argv += ["--max-rounds", "40", "--learning-rate", "0.15", "--seed", "11", "--mlflow", uri]
    assert main(argv) == 0
    run_line = [line for line in capsys.readouterr().out.splitlines() if "MLflow run" in line]
    run_id = run_line[0].split()[-1]

    bundle = load_bundle(out)
    manifest = bundle.manifest

    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    run = client.get_run(run_id)
    assert run.info.experiment_id == experiment.experiment_id
    assert run.info.status == "FINISHED"
    assert run.info.run_name == manifest.version
    assert run.data.tags["bundle_version"] == manifest.version
    assert run.data.tags["data_fingerprint"] == manifest.data_fingerprint

    params = run.data.params
    assert params["folds"] == "2" and params["seed"] == "11" and params["max_rounds"] == "40"
    assert float(params["lightgbm.learning_rate"]) == 0.15
    assert float(params["cost_fn"]) == manifest.costs.false_negative

    metrics = run.data.metrics
    for model in ("model", "dummy", "logistic"):
        logged = manifest.metrics[model]
        assert metrics[f"{model}_roc_auc"] == pytest.approx(logged.roc_auc, abs=1e-12)
        assert metrics[f"{model}_pr_auc"] == pytest.approx(logged.pr_auc, abs=1e-12)
        assert metrics[f"{model}_brier"] == pytest.approx(logged.brier, abs=1e-12)
        assert metrics[f"{model}_log_loss"] == pytest.approx(logged.log_loss, abs=1e-12)
        assert metrics[f"{model}_cost_at_threshold"] == logged.cost_at_threshold
    assert metrics["threshold"] == pytest.approx(manifest.threshold, abs=1e-12)
    assert metrics["model_roc_auc"] > metrics["dummy_roc_auc"]
    folds = client.get_metric_history(run_id, "fold_auc")
    assert sorted(m.step for m in folds) == [0, 1]
    assert [m.value for m in sorted(folds, key=lambda m: m.step)] == pytest.approx(
        manifest.training_params["fold_aucs"]
    )

    logged_files = {Path(f.path).name for f in client.list_artifacts(run_id, "bundle")}
    assert {"model.txt", "manifest.json"} <= logged_files
    local = Path(client.download_artifacts(run_id, "bundle/model.txt", str(tmp_path / "dl")))
    assert local.read_bytes() == (bundle.path("model.txt")).read_bytes()
    # Artifacts sit beside the database, not in whatever folder the test ran from.
    assert Path(run.info.artifact_uri.removeprefix("file://")).is_relative_to(
        database.parent / ARTIFACTS_FOLDER
    )


def test_flat_params_name_each_nested_setting() -> None:
    flat = flat_params({"folds": 5, "lightgbm": {"learning_rate": 0.05, "extra": {"a": [1, 2]}}})
    assert flat == {"folds": "5", "lightgbm.learning_rate": "0.05", "lightgbm.extra.a": "[1, 2]"}


def test_refused_store_fails_before_training(tmp_path: Path, capsys) -> None:
    """MLflow 3 refuses its file store by default: the user hears so at once, with the URI, and
    no training starts (the data folder does not even exist)."""
    argv = ["train", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "m")]
    assert main([*argv, "--mlflow", f"file:{tmp_path / 'mlruns'}"]) == 2
    err = capsys.readouterr().err
    assert "--mlflow file:" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()


def test_bare_flag_logs_to_sqlite_in_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """`--mlflow` alone opens ./mlflow.db, and does so before looking at the data."""
    monkeypatch.chdir(tmp_path)
    argv = ["train", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "m"), "--mlflow"]
    assert main(argv) == 2
    assert "does not exist" in capsys.readouterr().err
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    assert experiment.artifact_location == (tmp_path / ARTIFACTS_FOLDER).as_uri()
