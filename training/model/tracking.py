"""Optional MLflow tracking: parameters, metrics and the bundle folder as artifacts.

MLflow is an optional extra; it is imported only when `--mlflow URI` is given, and its absence is
explained rather than raised as an ImportError traceback.
"""

from __future__ import annotations

from typing import Any

from shared.bundle import load_bundle
from training.errors import UserFacingError
from training.model.train import TrainResult


def require_mlflow() -> Any:
    """The mlflow module; checked before training so a missing extra fails in a second."""
    try:
        import mlflow
    except ImportError as error:
        raise UserFacingError(
            "--mlflow needs the optional MLflow package: "
            "pip install 'pret-a-depenser-scoring[mlflow]'"
        ) from error
    return mlflow


def log_to_mlflow(uri: str, result: TrainResult, params: dict[str, Any]) -> str:
    """Logs one run and returns its id."""
    mlflow = require_mlflow()
    manifest = load_bundle(result.bundle).manifest
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("pret-a-depenser-scoring")
    with mlflow.start_run(run_name=result.version) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        for model, metrics in result.metrics.items():
            values = metrics.model_dump(exclude={"calibration_table"})
            mlflow.log_metrics({f"{model}_{k}": float(v) for k, v in values.items()})
        mlflow.log_metric("threshold", result.threshold)
        mlflow.set_tags({"bundle_version": result.version, "data": manifest.data_fingerprint})
        mlflow.log_artifacts(str(result.bundle), artifact_path="bundle")
        return run.info.run_id
