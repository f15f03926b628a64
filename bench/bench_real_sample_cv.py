"""Honest 5-fold CV on the real sample: the model against its baselines, in the same run.

    nice .venv/bin/python bench/bench_real_sample_cv.py --data ../shared/data/homecredit-sample
        [--folds 5] [--seeds 42 7 123]   fold seeds (each a full comparison; summary if several)
        [--tune-trials N]                adds the model with the nested Optuna search
        [--bootstrap 1000]               resamples of the AUC / cost intervals
        [--only model "model, tuned (8 trials)" "plain LightGBM"]   a subset of the rows below

Every figure comes from `scoring train`'s own code: the feature pipeline, `cross_validate`
(fold model k trained without fold k, early stopping on 10 % of its own training rows), the
baselines of training/model/baselines.py and scorecard.py on the same folds, and the nested
evaluation of training/model/evaluation.py (each fold's calibration and threshold chosen on the
other folds). Protected attributes are excluded as in training (CODE_GENDER).

Variants of the model:
- `model`: the training defaults (monotone constraints, early stopping on the log loss,
  learning rate 0.02 below 50,000 applicants);
- `model, no monotone`: the same without the constraints;
- `model, previous defaults`: early stopping on the AUC, learning rate 0.05, no constraints
  (what `scoring train` did before, under the honest protocol);
- `model, tuned (N trials)`: the defaults plus the nested search, with --tune-trials.

Prints each figure with its wall time, CPU seconds and the machine load (os.getloadavg(): the
machine is shared, so wall times are only comparable at similar load).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import mean, stdev

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from shared.tables import CLIENT_ID, TARGET  # noqa: E402
from training.model.config import LightGBMParams, TrainConfig  # noqa: E402
from training.progress import Progress  # noqa: E402

QUIET = Progress("bench", quiet=True)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def _timed(work: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _features(data: Path):
    from training.data.reader import open_tables
    from training.model import feature_bridge

    tables = open_tables(data)
    train_raw = tables["application_train"].collect()
    state = feature_bridge.fit_state(tables)
    names = feature_bridge.feature_names(state)
    categorical = feature_bridge.categorical_names(state)
    frame = feature_bridge.compute_features(tables, state)
    matrix = feature_bridge.align(frame, train_raw[CLIENT_ID].to_numpy(), names)
    y = train_raw[TARGET].to_numpy().astype(np.int8)
    return matrix.x, y, names, categorical


def _variants(config: TrainConfig, tune_trials: int) -> dict[str, TrainConfig]:
    variants = {
        "model": config,
        "model, no monotone": config.model_copy(update={"monotone_constraints": False}),
        "model, previous defaults": config.model_copy(
            update={
                "monotone_constraints": False,
                "early_stopping_metric": "auc",
                "lightgbm": config.lightgbm.model_copy(update={"learning_rate": 0.05}),
            }
        ),
    }
    if tune_trials:
        variants[f"model, tuned ({tune_trials} trials)"] = config.model_copy(
            update={"tune_trials": tune_trials}
        )
    return variants


def run_seed(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    categorical: list[str],
    config: TrainConfig,
    tune_trials: int,
    only: set[str] | None = None,
) -> dict[str, float]:
    from training.model import baselines
    from training.model.cv import cross_validate
    from training.model.evaluation import evaluate_all
    from training.model.scorecard import scorecard_oof
    from training.model.tuning import tune

    oof: dict[str, np.ndarray] = {}
    cost: dict[str, tuple[float, float, str]] = {}
    fold_of_row = None
    for label, variant in _variants(config, tune_trials).items():
        if only and label not in only:
            continue

        def fit(variant: TrainConfig = variant):
            tuned = tune(x, y, names, categorical, variant, QUIET) if variant.tune_trials else None
            fold_params = None if tuned is None else tuned.fold_params
            return cross_validate(x, y, names, categorical, variant, QUIET, fold_params)

        result, wall, cpu = _timed(fit)
        oof[label] = result.oof  # type: ignore[attr-defined]
        fold_of_row = result.fold_of_row  # type: ignore[attr-defined]
        rounds = result.best_iterations  # type: ignore[attr-defined]
        cost[label] = (wall, cpu, f"rounds {rounds}")
    if fold_of_row is None:
        from training.model.cv import fold_indices

        fold_of_row = fold_indices(y, config.folds, config.seed)
    work = {
        "plain LightGBM": lambda: baselines.plain_lightgbm_oof(
            x, y, names, categorical, config, QUIET
        ),
        "scorecard": lambda: scorecard_oof(x, y, fold_of_row, names, categorical, seed=config.seed),
        "logistic": lambda: baselines.logistic_oof(
            x,
            y,
            fold_of_row,
            names,
            categorical,
            max_rows=config.logistic_max_rows,
            seed=config.seed,
        ),
        "dummy": lambda: baselines.dummy_oof(y, fold_of_row),
    }
    for label, make in work.items():
        if only and label not in only:
            continue
        p, wall, cpu = _timed(make)
        oof[label] = p  # type: ignore[assignment]
        cost[label] = (wall, cpu, "")
    evaluations, wall, cpu = _timed(lambda: evaluate_all(y, oof, fold_of_row, config))
    header = f"{'model':<28} {'AUC':>7} {'95% CI':>17} {'cost':>7} {'wall s':>7} {'CPU s':>7}"
    print(f"  {header}  notes")
    aucs: dict[str, float] = {}
    for label, evaluation in evaluations.items():  # type: ignore[union-attr]
        m = evaluation.metrics
        ci = f"[{m.roc_auc_ci.low:.4f}, {m.roc_auc_ci.high:.4f}]" if m.roc_auc_ci else ""
        spent_wall, spent_cpu, notes = cost[label]
        print(
            f"  {label:<28} {m.roc_auc:7.4f} {ci:>17} {m.cost_at_threshold:7.0f} "
            f"{spent_wall:7.1f} {spent_cpu:7.1f}  {notes}",
            flush=True,
        )
        aucs[label] = m.roc_auc
    print(f"  (nested evaluation of all {len(oof)}: {wall:.1f} s wall, {cpu:.1f} s CPU; {_load()})")
    for label in aucs:
        if label.startswith("model") and "plain LightGBM" in aucs:
            print(f"  {label} - plain LightGBM: {aucs[label] - aucs['plain LightGBM']:+.4f}")
    return aucs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the Kaggle CSV files")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--tune-trials", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="+", default=None, help="rows to run (default: all)")
    args = parser.parse_args(argv)

    started_wall, started_cpu = time.perf_counter(), time.process_time()
    print(f"bench_real_sample_cv: {args.data}, {args.folds} folds, seeds {args.seeds}; {_load()}")
    (x, y, names, categorical), wall, cpu = _timed(lambda: _features(args.data))
    print(
        f"features: {x.shape[0]:,} labelled applicants ({y.mean():.2%} defaults) x "
        f"{len(names)} features in {wall:.1f} s wall, {cpu:.1f} s CPU"
    )
    results: dict[str, list[float]] = {}
    for seed in args.seeds:
        config = TrainConfig(
            folds=args.folds,
            seed=seed,
            bootstrap_resamples=args.bootstrap,
            lightgbm=LightGBMParams(num_threads=args.threads),
        )
        lr = config.lightgbm.resolved_learning_rate(len(y))
        print(
            f"\nseed {seed} (learning rate {lr}, early stopping on "
            f"{config.early_stopping_metric}); {_load()}"
        )
        only = set(args.only) if args.only else None
        aucs = run_seed(x, y, names, categorical, config, args.tune_trials, only)
        for label, auc in aucs.items():
            results.setdefault(label, []).append(auc)
    if len(args.seeds) > 1:
        print(f"\nsummary over {len(args.seeds)} fold seeds (mean, sd, min, max of the AUC)")
        for label, values in results.items():
            print(
                f"  {label:<28} {mean(values):.4f}  sd {stdev(values):.4f}  "
                f"min {min(values):.4f}  max {max(values):.4f}"
            )
        if {"model", "plain LightGBM"} <= set(results):
            pairs = zip(results["model"], results["plain LightGBM"], strict=True)
            gaps = ", ".join(f"{a - b:+.4f}" for a, b in pairs)
            print(f"  model - plain LightGBM per seed: {gaps}")
    print(
        f"\ntotal {time.perf_counter() - started_wall:.0f} s wall, "
        f"{time.process_time() - started_cpu:.0f} s CPU; {_load()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
