"""`scoring train`: from the Kaggle tables to a verified bundle, one stage at a time.

Stages: read the tables and fingerprint them; fit the feature state and compute every
applicant's features; cross-fit LightGBM (K fold models, early stopping inside the training
folds, OOF predictions: training.model.cv); score the baselines on the same folds; drop the
features no fold model uses (training.model.pruning); choose the served calibration and
cost-minimising threshold on all OOF predictions and measure everything honestly by nested
cross-fitting with bootstrap intervals (training.model.evaluation); refit on all rows; compute
SHAP importance, the dashboard's population reference and the client store; write the bundle
with the K fold models beside the refit.

Which model serves whom: a training applicant is scored and explained by the fold model that
never saw it (its stored PROBABILITY is that model's, calibrated); the refit serves everyone
else (test applicants, JSON applicants).

Class imbalance (8% defaults) is deliberately NOT handled by re-weighting rows. Re-weighting
(is_unbalance / scale_pos_weight) inflates every predicted probability, so the advisor would see
"45% risk" for an applicant whose real risk is 10%, and the Brier score degrades; it barely moves
the AUC because it hardly changes the ordering. The imbalance matters only through the decision,
and the decision is taken by a threshold chosen on the business cost (FN 10x FP), which on
calibrated probabilities lands near cost_fp / (cost_fp + cost_fn) ~ 0.09.
Evidence (`bench/bench_training.py --compare-weighting --data DIR`, same folds and features,
real sample of 9,762 applicants, 8.5% defaults): without re-weighting AUC 0.7632, Brier 0.0710,
mean probability 0.082, best cost 5,105; with scale_pos_weight AUC 0.7228, Brier 0.1279, mean
probability 0.269 (Platt calibration would then be needed to repair it), best cost 5,742.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shared.bundle import (
    CATALOGUE_FILE,
    CLIENTS_FILE,
    COST_CURVE_FILE,
    FEATURE_STATE_FILE,
    FOLDS_DIR,
    IMPORTANCE_FILE,
    MODEL_FILE,
    RAW_PREFIX,
    REFERENCE_FILE,
    CostCurve,
    EvaluationProtocol,
    ModelMetrics,
    ProxyCheck,
    fold_model_file,
)
from shared.tables import CLIENT_ID, TARGET
from training.distributed.engine import SINGLE_NODE, Engine
from training.errors import DataError, UserFacingError
from training.governance.stage import build_governance
from training.model import baselines, feature_bridge, monotone
from training.model.bundle_writer import data_fingerprint, version_name, write_bundle
from training.model.client_store import client_frame, write_client_store
from training.model.config import TrainConfig
from training.model.cv import cross_validate, predict_raw, probability_from_raw, refit
from training.model.evaluation import evaluate_all, protocol
from training.model.importance import shap_importance
from training.model.metrics import summary_line
from training.model.proxy import proxy_checks
from training.model.proxy import report_lines as proxy_report_lines
from training.model.pruning import check_unchanged, prune_fold_models
from training.model.reference import build_reference, text_codes
from training.model.scorecard import scorecard_oof
from training.model.tuning import tune
from training.progress import Progress

TRAIN_TABLE, TEST_TABLE = "application_train", "application_test"


@dataclass(frozen=True)
class TrainResult:
    bundle: Path
    version: str
    #: Honest metrics (nested cross-fitting), "model" and each baseline.
    metrics: dict[str, ModelMetrics]
    threshold: float
    #: Served-calibrated OOF probabilities (the stored PROBABILITY of training applicants) and
    #: the raw fold-model scores they come from, rows in application_train order.
    oof: np.ndarray
    oof_raw: np.ndarray
    fold_of_row: np.ndarray
    ids: np.ndarray
    fold_aucs: list[float]
    refit_rounds: int
    evaluation: EvaluationProtocol
    #: Features dropped because no fold model split on them.
    pruned: list[str]
    #: How well the served features predict each protected attribute (training.model.proxy).
    proxy_checks: list[ProxyCheck] = field(default_factory=list)


def library_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("lightgbm", "polars", "numpy", "scikit-learn", "pydantic", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def _labels(train_raw: pl.DataFrame, folds: int) -> np.ndarray:
    """TARGET as 0/1, refusing what would make training meaningless."""
    target = train_raw[TARGET]
    bad = train_raw.filter(target.is_null() | ~target.is_in([0, 1]))
    if bad.height:
        example = bad.select(CLIENT_ID, TARGET).row(0)
        raise DataError(
            f"{bad.height} rows have no usable TARGET",
            file="application_train",
            column=TARGET,
            example=f"SK_ID_CURR {example[0]}: {example[1]!r}",
            expected="0 (repaid) or 1 (defaulted) on every row",
        )
    y = target.to_numpy().astype(np.int8)
    positives = int(y.sum())
    if min(positives, y.size - positives) < folds:
        raise DataError(
            f"only {positives} defaults among {y.size} applicants",
            file="application_train",
            column=TARGET,
            expected=f"at least {folds} rows of each class for {folds}-fold cross-validation",
        )
    return y


def _reference_columns(
    x: np.ndarray, names: list[str], raw: pl.DataFrame, levels: dict[str, list[str]]
) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Every model feature, plus each raw application field that is not itself a feature
    (under its RAW_ name, as in clients.parquet)."""
    columns = {name: x[:, i] for i, name in enumerate(names)}
    all_levels = dict(levels)
    for column in raw.columns:
        if column in (CLIENT_ID, TARGET) or column in columns:
            continue
        series = raw[column]
        key = RAW_PREFIX + column
        if series.dtype == pl.String:
            codes, found = text_codes(series.to_list())
            columns[key], all_levels[key] = codes, found
        else:
            columns[key] = series.cast(pl.Float64).to_numpy()
    return columns, all_levels


def train(
    data: Path,
    out: Path,
    config: TrainConfig,
    progress: Progress,
    engine: Engine | None = None,
) -> TrainResult:
    """Trains on the tables under `data` and publishes a new bundle under `out`. `engine`
    computes the features and grows the boosters (training.distributed.engine; default: this
    process); everything else, and what is computed, is the same on either."""
    from training.data.reader import open_tables

    engine = engine or SINGLE_NODE

    with progress.stage("reading tables"):
        tables = open_tables(data)
        if TRAIN_TABLE not in tables:
            raise UserFacingError(
                f"no {TRAIN_TABLE}.csv (or .parquet) in {data}; expected the Kaggle tables"
            )
        train_raw = tables[TRAIN_TABLE].collect()
        test_raw = tables[TEST_TABLE].collect() if TEST_TABLE in tables else None
        y = _labels(train_raw, config.folds)
        fingerprint = data_fingerprint(tables)
        progress.say(
            f"{train_raw.height:,} training applicants ({y.mean():.2%} defaults), "
            f"{0 if test_raw is None else test_raw.height:,} test applicants"
        )

    with progress.stage("fitting feature state"):
        state = feature_bridge.fit_state(tables, config.exclude_attributes)
        names = feature_bridge.feature_names(state)
        categorical = feature_bridge.categorical_names(state)
        levels = feature_bridge.categorical_levels(state)
    with progress.stage(f"computing {len(names)} features"):
        frame = engine.features(data, tables, state, progress)
        train_m = feature_bridge.align(frame, train_raw[CLIENT_ID].to_numpy(), names)
        test_m = (
            feature_bridge.align(frame, test_raw[CLIENT_ID].to_numpy(), names)
            if test_raw is not None
            else None
        )
        del frame

    tuned = None
    if config.tune_trials:
        with progress.stage(f"hyperparameter search, {config.tune_trials} trials per model"):
            tuned = tune(train_m.x, y, names, categorical, config, progress)
    constraints = monotone.summary(names) if config.monotone_constraints else None
    with progress.stage(f"{config.folds}-fold cross-fitting"):
        cv = cross_validate(
            train_m.x,
            y,
            names,
            categorical,
            config,
            progress,
            fold_params=None if tuned is None else tuned.fold_params,
            trainer=engine.trainer,
        )
        aucs = ", ".join(f"{a:.4f}" for a in cv.fold_aucs)
        progress.say(f"AUC of each fold model on its unseen fold: {aucs}")

    # Baselines see the unpruned matrix: the pruning list was chosen by models that saw every
    # fold's labels, which a baseline scored on fold k must not depend on.
    oof: dict[str, np.ndarray] = {"model": cv.oof}
    with progress.stage("baselines (dummy, logistic, scorecard, plain LightGBM)"):
        oof["dummy"] = baselines.dummy_oof(y, cv.fold_of_row)
        oof["logistic"] = baselines.logistic_oof(
            train_m.x,
            y,
            cv.fold_of_row,
            names,
            categorical,
            max_rows=config.logistic_max_rows,
            seed=config.seed,
        )
        oof["scorecard"] = scorecard_oof(
            train_m.x, y, cv.fold_of_row, names, categorical, seed=config.seed
        )
        oof["plain_lightgbm"] = baselines.plain_lightgbm_oof(
            train_m.x, y, names, categorical, config, progress
        )

    with progress.stage("pruning unused features"):
        pruned = prune_fold_models(cv.models, names, enabled=config.prune_unused_features)
        train_x = pruned.select(train_m.x)
        test_x = pruned.select(test_m.x) if test_m is not None else None
        del train_m, test_m
        check_unchanged(pruned, train_x, cv.fold_of_row, cv.oof_raw)
        if pruned.dropped:
            state = feature_bridge.restrict_state(state, pruned.names)
            names = feature_bridge.feature_names(state)
            categorical = feature_bridge.categorical_names(state)
            levels = feature_bridge.categorical_levels(state)
        progress.say(
            f"{len(pruned.dropped)} of {len(pruned.dropped) + len(names)} features dropped "
            f"(no fold model splits on them); {len(names)} served"
        )

    with progress.stage("proxy check of the protected attributes"):
        proxies, notes = proxy_checks(
            train_x,
            names,
            categorical,
            train_raw,
            feature_bridge.protected_attributes(state),
            seed=config.seed,
            threads=config.lightgbm.num_threads,
        )
        for line in [*proxy_report_lines(proxies), *notes]:
            progress.say(line)

    with progress.stage("calibration, threshold and honest evaluation"):
        evaluations = evaluate_all(y, oof, cv.fold_of_row, config)
        served = evaluations["model"]
        calibration, choice = served.calibration, served.threshold
        progress.say(f"calibration: {calibration.method} ({calibration.reason})")
        metrics = {name: e.metrics for name, e in evaluations.items()}
        served_oof = calibration.apply(cv.oof)

    refit_rounds = cv.refit_rounds if tuned is None else tuned.refit.rounds
    with progress.stage(f"refit on all {len(y):,} rows ({refit_rounds} rounds)"):
        booster = refit(
            train_x,
            y,
            names,
            categorical,
            config,
            refit_rounds,
            overrides=None if tuned is None else tuned.refit.params,
            trainer=engine.trainer,
        )
        test_p = (
            calibration.apply(probability_from_raw(predict_raw(booster, test_x)))
            if test_x is not None
            else np.empty(0)
        )

    with progress.stage("importance, reference, catalogue"):
        catalogue_text, group_of = feature_bridge.catalogue_json(state)
        importance = shap_importance(
            booster, train_x, names, group_of, max_rows=config.shap_rows, seed=config.seed
        )
        ref_columns, ref_levels = _reference_columns(train_x, names, train_raw, levels)
        reference = build_reference(ref_columns, y, levels=ref_levels, bins=config.reference_bins)
        del ref_columns
        cost_curve = CostCurve(
            thresholds=[float(t) for t in choice.thresholds],
            costs=[float(c) for c in choice.costs],
            chosen_threshold=choice.threshold,
            chosen_cost=choice.cost,
            cost_at_half=float(choice.costs[np.argmin(np.abs(choice.thresholds - 0.5))]),
            false_negative_cost=config.cost_fn,
            false_positive_cost=config.cost_fp,
            n=int(y.size),
        )

    with progress.stage("governance: fairness report, drift reference"):
        governance = build_governance(
            data,
            train_raw,
            y,
            served_oof,
            choice.threshold,
            train_x,
            feature_bridge.feature_entries(state),
            importance,
            oof_auc=metrics["model"].roc_auc,
            seed=config.seed,
        )
        for note in governance.notes:
            progress.say(note)

    with progress.stage("client store"):
        raw_all = (
            train_raw if test_raw is None else pl.concat([train_raw, test_raw], how="diagonal")
        )
        x_all = train_x if test_x is None else np.concatenate([train_x, test_x])
        clients = client_frame(
            raw_all,
            x_all,
            names,
            np.concatenate([served_oof, test_p]),
            ["train"] * len(y) + ["test"] * len(test_p),
            np.concatenate([cv.fold_of_row, np.full(len(test_p), -1, dtype=np.int16)]),
        )
        del x_all

    created = datetime.now(UTC)
    version = version_name(fingerprint, created)
    fold_files = [fold_model_file(k) for k in range(config.folds)]

    def write_files(folder: Path) -> None:
        booster.save_model(str(folder / MODEL_FILE))
        (folder / FOLDS_DIR).mkdir()
        for relative, text in zip(fold_files, pruned.models, strict=True):
            (folder / relative).write_text(text, "utf-8")
        (folder / FEATURE_STATE_FILE).write_text(feature_bridge.state_json(state), "utf-8")
        (folder / CATALOGUE_FILE).write_text(catalogue_text, "utf-8")
        (folder / IMPORTANCE_FILE).write_text(importance.model_dump_json(indent=1), "utf-8")
        (folder / COST_CURVE_FILE).write_text(cost_curve.model_dump_json(), "utf-8")
        (folder / REFERENCE_FILE).write_text(reference.model_dump_json(), "utf-8")
        write_client_store(clients, folder / CLIENTS_FILE)
        # fairness.json, drift_reference.json, model_card.md (the card reads manifest_fields)
        governance.write(folder, manifest_fields, version)

    evaluation = protocol(config)
    training_params: dict[str, Any] = {
        "config": config.model_dump(mode="json"),
        "lightgbm_native": config.lightgbm.native(config.seed, len(y)),
        "early_stopping_metric": config.early_stopping_metric,
        "monotone": constraints,
        "tuning": None if tuned is None else tuned.record(),
        "refit_rounds": refit_rounds,
        "best_iterations": cv.best_iterations,
        "fold_aucs": cv.fold_aucs,
        "early_stopping_aucs": cv.early_stopping_aucs,
        "fit_rows": cv.fit_rows,
        "early_stopping_rows": [int(r.size) for r in cv.early_stopping_rows],
        "cross_fitted": {name: e.fold_summary() for name, e in evaluations.items()},
        "n_features": len(names),
        "engine": engine.name,
        "pruning": {
            "enabled": config.prune_unused_features,
            "n_dropped": len(pruned.dropped),
            "dropped": pruned.dropped,
        },
        "n_test": len(test_p),
    }
    manifest_fields: dict[str, Any] = {
        "created_at": created,
        "data_fingerprint": fingerprint,
        "library_versions": library_versions(),
        "features": feature_bridge.feature_entries(state),
        "threshold": choice.threshold,
        "costs": {"false_negative": config.cost_fn, "false_positive": config.cost_fp},
        "metrics": metrics,
        "evaluation": evaluation,
        "fold_models": fold_files,
        "protected_attributes": feature_bridge.protected_attributes(state),
        "proxy_checks": proxies,
        "calibration": calibration,
        "training_params": json.loads(json.dumps(training_params)),
        "n_train": int(y.size),
        "default_rate": float(y.mean()),
    }
    with progress.stage(f"writing bundle {version}"):
        folder = write_bundle(Path(out), version, manifest_fields, write_files)
    return TrainResult(
        bundle=folder,
        version=folder.name,
        metrics=metrics,
        threshold=choice.threshold,
        oof=served_oof,
        oof_raw=cv.oof_raw,
        fold_of_row=cv.fold_of_row,
        ids=train_raw[CLIENT_ID].to_numpy(),
        fold_aucs=cv.fold_aucs,
        refit_rounds=refit_rounds,
        evaluation=evaluation,
        pruned=pruned.dropped,
        proxy_checks=proxies,
    )


def report_lines(result: TrainResult) -> list[str]:
    """What `scoring train` prints at the end: the honest metrics with their intervals, the
    served threshold and the protocol that makes the numbers honest."""
    protocol_ = result.evaluation
    lines = [f"bundle {result.version} written to {result.bundle}"]
    lines.append(
        f"honest metrics ({protocol_.name}, {protocol_.outer_folds} outer folds; "
        f"95 % bootstrap intervals over {protocol_.bootstrap_resamples} resamples in brackets):"
    )
    lines += [summary_line(name, m) for name, m in result.metrics.items()]
    model = result.metrics["model"]
    if model.true_positives is not None:
        lines.append(
            f"model confusion at the cross-fitted thresholds: TP {model.true_positives:,}  "
            f"FP {model.false_positives:,}  TN {model.true_negatives:,}  "
            f"FN {model.false_negatives:,}"
        )
    lines.append(
        f"served threshold {result.threshold:.3f} (cost-optimal on all out-of-fold predictions)"
    )
    if result.pruned:
        lines.append(f"{len(result.pruned)} features no fold model used were dropped")
    lines.append(f"protocol: {protocol_.description_en}")
    lines += proxy_report_lines(result.proxy_checks)
    return lines
