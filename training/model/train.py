"""`scoring train`: from the Kaggle tables to a verified bundle, one stage at a time.

Stages: read the tables and fingerprint them; fit the feature state and compute every
applicant's features; cross-validate LightGBM (OOF predictions); decide on calibration; choose
the cost-minimising threshold; score the baselines on the same folds; refit on all rows; compute
SHAP importance, the dashboard's population reference and the client store; write the bundle.

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
    IMPORTANCE_FILE,
    MODEL_FILE,
    RAW_PREFIX,
    REFERENCE_FILE,
    CostCurve,
    ModelMetrics,
    ProxyCheck,
)
from shared.tables import CLIENT_ID, TARGET
from training.errors import DataError, UserFacingError
from training.model import baselines, feature_bridge
from training.model.bundle_writer import data_fingerprint, version_name, write_bundle
from training.model.calibration import choose_calibration
from training.model.client_store import client_frame, write_client_store
from training.model.config import TrainConfig
from training.model.cv import cross_validate, refit
from training.model.importance import shap_importance
from training.model.metrics import evaluate, summary_line
from training.model.proxy import proxy_checks
from training.model.proxy import report_lines as proxy_report_lines
from training.model.reference import build_reference, text_codes
from training.model.threshold import choose_threshold
from training.progress import Progress

TRAIN_TABLE, TEST_TABLE = "application_train", "application_test"


@dataclass(frozen=True)
class TrainResult:
    bundle: Path
    version: str
    metrics: dict[str, ModelMetrics]
    threshold: float
    oof: np.ndarray  # calibrated out-of-fold probabilities, rows in application_train order
    ids: np.ndarray
    fold_aucs: list[float]
    refit_rounds: int
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


def train(data: Path, out: Path, config: TrainConfig, progress: Progress) -> TrainResult:
    """Trains on the tables under `data` and publishes a new bundle under `out`."""
    from training.data.reader import open_tables

    with progress.stage("reading tables"):
        tables = open_tables(data)
        if TRAIN_TABLE not in tables:
            raise UserFacingError(
                f"no {TRAIN_TABLE}.csv (or .parquet) in {data}; expected the Kaggle tables"
            )
        train_raw = tables[TRAIN_TABLE].collect()
        test_raw = tables[TEST_TABLE].collect() if TEST_TABLE in tables else None
        y = _labels(train_raw, config.folds)
        fingerprint = data_fingerprint(Path(data))
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
        frame = feature_bridge.compute_features(tables, state, progress)
        train_m = feature_bridge.align(frame, train_raw[CLIENT_ID].to_numpy(), names)
        test_m = (
            feature_bridge.align(frame, test_raw[CLIENT_ID].to_numpy(), names)
            if test_raw is not None
            else None
        )
        del frame

    with progress.stage(f"{config.folds}-fold cross-validation"):
        cv = cross_validate(train_m.x, y, names, categorical, config, progress)
        progress.say(
            f"fold AUCs {', '.join(f'{a:.4f}' for a in cv.fold_aucs)}; "
            f"refit rounds {cv.refit_rounds}"
        )

    with progress.stage("proxy check of the protected attributes"):
        proxies, notes = proxy_checks(
            train_m.x,
            names,
            categorical,
            train_raw,
            feature_bridge.protected_attributes(state),
            seed=config.seed,
            threads=config.lightgbm.num_threads,
        )
        for line in [*proxy_report_lines(proxies), *notes]:
            progress.say(line)

    with progress.stage("calibration and threshold"):
        calibration = choose_calibration(y, cv.oof, seed=config.seed)
        progress.say(f"calibration: {calibration.method} ({calibration.reason})")
        oof = calibration.apply(cv.oof)
        choice = choose_threshold(y, oof, config.cost_fn, config.cost_fp)
        metrics = {"model": evaluate(y, oof, choice.threshold, config.cost_fn, config.cost_fp)}

    with progress.stage("baselines (dummy, logistic regression)"):
        baseline_oof = {
            "dummy": baselines.dummy_oof(y, cv.fold_of_row),
            "logistic": baselines.logistic_oof(
                train_m.x,
                y,
                cv.fold_of_row,
                names,
                categorical,
                max_rows=config.logistic_max_rows,
                seed=config.seed,
            ),
        }
        for name, p in baseline_oof.items():
            t = choose_threshold(y, p, config.cost_fn, config.cost_fp).threshold
            metrics[name] = evaluate(y, p, t, config.cost_fn, config.cost_fp)

    with progress.stage(f"refit on all {len(y):,} rows ({cv.refit_rounds} rounds)"):
        booster = refit(train_m.x, y, names, categorical, config, cv.refit_rounds)
        test_p = calibration.apply(booster.predict(test_m.x)) if test_m is not None else np.empty(0)

    with progress.stage("importance, reference, catalogue"):
        catalogue_text, group_of = feature_bridge.catalogue_json(state)
        importance = shap_importance(
            booster, train_m.x, names, group_of, max_rows=config.shap_rows, seed=config.seed
        )
        ref_columns, ref_levels = _reference_columns(train_m.x, names, train_raw, levels)
        reference = build_reference(ref_columns, y, levels=ref_levels, bins=config.reference_bins)
        del ref_columns
        cost_curve = CostCurve(
            thresholds=[float(t) for t in choice.thresholds],
            costs=[float(c) for c in choice.costs],
            chosen_threshold=choice.threshold,
            chosen_cost=choice.cost,
            cost_at_half=metrics["model"].cost_at_half,
            false_negative_cost=config.cost_fn,
            false_positive_cost=config.cost_fp,
            n=int(y.size),
        )

    with progress.stage("client store"):
        raw_all = (
            train_raw if test_raw is None else pl.concat([train_raw, test_raw], how="diagonal")
        )
        x_all = train_m.x if test_m is None else np.concatenate([train_m.x, test_m.x])
        clients = client_frame(
            raw_all,
            x_all,
            names,
            np.concatenate([oof, test_p]),
            ["train"] * len(y) + ["test"] * len(test_p),
        )
        del x_all

    created = datetime.now(UTC)
    version = version_name(fingerprint, created)

    def write_files(folder: Path) -> None:
        booster.save_model(str(folder / MODEL_FILE))
        (folder / FEATURE_STATE_FILE).write_text(feature_bridge.state_json(state), "utf-8")
        (folder / CATALOGUE_FILE).write_text(catalogue_text, "utf-8")
        (folder / IMPORTANCE_FILE).write_text(importance.model_dump_json(indent=1), "utf-8")
        (folder / COST_CURVE_FILE).write_text(cost_curve.model_dump_json(), "utf-8")
        (folder / REFERENCE_FILE).write_text(reference.model_dump_json(), "utf-8")
        write_client_store(clients, folder / CLIENTS_FILE)

    training_params: dict[str, Any] = {
        "config": config.model_dump(mode="json"),
        "lightgbm_native": config.lightgbm.native(config.seed),
        "refit_rounds": cv.refit_rounds,
        "best_iterations": cv.best_iterations,
        "fold_aucs": cv.fold_aucs,
        "n_features": len(names),
        "n_test": len(test_p),
    }
    with progress.stage(f"writing bundle {version}"):
        folder = write_bundle(
            Path(out),
            version,
            {
                "created_at": created,
                "data_fingerprint": fingerprint,
                "library_versions": library_versions(),
                "features": feature_bridge.feature_entries(state),
                "threshold": choice.threshold,
                "costs": {"false_negative": config.cost_fn, "false_positive": config.cost_fp},
                "metrics": metrics,
                "calibration": calibration,
                "training_params": json.loads(json.dumps(training_params)),
                "n_train": int(y.size),
                "default_rate": float(y.mean()),
                "protected_attributes": feature_bridge.protected_attributes(state),
                "proxy_checks": proxies,
            },
            write_files,
        )
    return TrainResult(
        bundle=folder,
        version=folder.name,
        metrics=metrics,
        threshold=choice.threshold,
        oof=oof,
        ids=train_m.ids,
        fold_aucs=cv.fold_aucs,
        refit_rounds=cv.refit_rounds,
        proxy_checks=proxies,
    )


def report_lines(result: TrainResult) -> list[str]:
    """The metrics table printed at the end of `scoring train`."""
    lines = [f"bundle {result.version} written to {result.bundle}"]
    lines += [summary_line(name, m) for name, m in result.metrics.items()]
    lines.append(f"cost-optimal threshold {result.threshold:.3f}")
    lines += proxy_report_lines(result.proxy_checks)
    return lines
