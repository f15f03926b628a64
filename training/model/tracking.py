"""Optional MLflow tracking: parameters, metrics and the bundle folder as artifacts.

MLflow is an optional extra (mlflow-skinny plus SQLAlchemy/Alembic for a local SQLite store); it
is imported only when `--mlflow` is given, and its absence is explained rather than raised as an
ImportError traceback.

Why SQLite and not a `./mlruns` folder by default: MLflow 3 refuses its file store unless an
environment variable opts back in (the store is in maintenance mode), and `mlflow ui` / `mlflow
server` in the same folder read `sqlite:///mlflow.db` by default, so runs logged there are the
ones the UI shows. The store is opened before training, so a bad URI costs a second, not a fit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.errors import UserFacingError

if TYPE_CHECKING:  # the module stays light: `scoring train --help` reads DEFAULT_TRACKING_URI
    from training.model.train import TrainResult

#: What `scoring train --mlflow` (without a URI) logs to: a SQLite file in the current folder.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
EXPERIMENT = "pret-a-depenser-scoring"
#: Artifacts of a SQLite store go beside the database file, in this folder (MLflow's own default
#: is `./mlruns` under whatever folder the command happens to run in).
ARTIFACTS_FOLDER = "mlartifacts"
_SQLITE_FILE = "sqlite:///"
_PARAM_LIMIT = 500  # MLflow rejects longer parameter values in some stores


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


def _sqlite_file(uri: str) -> Path | None:
    """The database file of a `sqlite:///path` URI (relative to the current folder when the path
    is), or None for any other store."""
    if not uri.startswith(_SQLITE_FILE):
        return None
    path = uri[len(_SQLITE_FILE) :].split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def prepare_mlflow(uri: str) -> str:
    """Opens the tracking store and the experiment; returns the experiment id.

    Called before training: a missing extra, an unreachable server or a refused store URI is a
    `UserFacingError` now rather than a traceback after the model was fitted.
    """
    mlflow = require_mlflow()
    from mlflow.exceptions import MlflowException

    database = _sqlite_file(uri)
    artifacts = None
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
        artifacts = (database.resolve().parent / ARTIFACTS_FOLDER).as_uri()
    try:
        client = mlflow.MlflowClient(tracking_uri=uri)
        found = client.get_experiment_by_name(EXPERIMENT)
        if found is not None:
            return str(found.experiment_id)
        return str(client.create_experiment(EXPERIMENT, artifact_location=artifacts))
    except MlflowException as error:
        raise UserFacingError(f"--mlflow {uri}: {error.message}") from error


def flat_params(params: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested settings as `lightgbm.learning_rate`-style keys: MLflow parameters are flat strings,
    and one key per setting lets runs be compared and filtered on each of them."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_params(value, f"{name}."))
        else:
            flat[name] = str(value)[:_PARAM_LIMIT]
    return flat


def run_metrics(result: TrainResult) -> dict[str, float]:
    """Every scalar out-of-fold metric of the model and of the baselines (`model_roc_auc`,
    `dummy_brier`, `logistic_cost_at_threshold`...), the chosen threshold and the refit size."""
    values: dict[str, float] = {}
    for model, metrics in result.metrics.items():
        scalars = metrics.model_dump(exclude={"calibration_table"})
        for key, value in scalars.items():
            if isinstance(value, dict):  # a confidence interval: its bounds
                values[f"{model}_{key}_low"] = float(value["low"])
                values[f"{model}_{key}_high"] = float(value["high"])
            elif value is not None:
                values[f"{model}_{key}"] = float(value)
    values["threshold"] = float(result.threshold)
    values["refit_rounds"] = float(result.refit_rounds)
    return values


def log_to_mlflow(uri: str, experiment_id: str, result: TrainResult, params: dict[str, Any]) -> str:
    """Logs one run (parameters, metrics, per-fold AUC, tags, the bundle folder) and returns its
    id. A run interrupted half-way is marked FAILED rather than left RUNNING."""
    mlflow = require_mlflow()
    from mlflow.entities import Metric, Param
    from mlflow.exceptions import MlflowException

    from shared.bundle import load_bundle

    manifest = load_bundle(result.bundle).manifest
    client = mlflow.MlflowClient(tracking_uri=uri)
    tags = {
        "bundle_version": result.version,
        "data_fingerprint": manifest.data_fingerprint,
        "calibration": manifest.calibration.method,
    }
    try:
        run = client.create_run(experiment_id, run_name=result.version, tags=tags)
    except MlflowException as error:
        raise UserFacingError(f"--mlflow {uri}: {error.message}") from error
    run_id = run.info.run_id
    try:
        stamp = run.info.start_time
        metrics = [Metric(k, v, stamp, 0) for k, v in run_metrics(result).items()]
        metrics += [Metric("fold_auc", a, stamp, i) for i, a in enumerate(result.fold_aucs)]
        params_list = [Param(k, v) for k, v in flat_params(params).items()]
        client.log_batch(run_id, metrics=metrics, params=params_list, tags=[])
        client.log_artifacts(run_id, str(result.bundle), artifact_path="bundle")
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return str(run_id)
