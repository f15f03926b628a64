"""What each feature family adds: cross-validated AUC with application features only, then
adding one family at a time (in registry order).

    .venv/bin/python bench/bench_feature_families.py --data /work/shared/data/homecredit-sample

Quick and reproducible rather than tuned: LightGBM, fixed seed, 3-fold stratified CV, 300
rounds at learning rate 0.05, categorical codes declared as categorical. Features are computed
once with every family, then each step keeps the columns of the families added so far.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import lightgbm as lgb
import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from shared.tables import CLIENT_ID, TARGET
from training.data.reader import open_tables
from training.features.pipeline import build_features, feature_specs, fit_feature_state
from training.progress import Progress


def cv_auc(x: np.ndarray, y: np.ndarray, names: list[str], categorical: list[str], seed: int,
           rounds: int) -> float:  # fmt: skip
    params = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "seed": seed,
        "deterministic": True,
        "num_threads": 2,
        "verbose": -1,
    }
    out_of_fold = np.zeros(len(y))
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    for train, valid in folds.split(x, y):
        data = lgb.Dataset(x[train], y[train], feature_name=names, categorical_feature=categorical,
                           free_raw_data=False)  # fmt: skip
        model = lgb.train(params, data, num_boost_round=rounds)
        out_of_fold[valid] = model.predict(x[valid])
    return float(roc_auc_score(y, out_of_fold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder of the Kaggle CSV files")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)
    progress = Progress("bench-families")

    tables = open_tables(args.data)
    with progress.stage("features"):
        state = fit_feature_state(tables)
        matrix = build_features(tables, state)
    labelled = tables["application_train"].select(CLIENT_ID, TARGET).collect()
    train = labelled.join(matrix, on=CLIENT_ID, how="inner", maintain_order="left")
    y = train[TARGET].to_numpy()
    specs = feature_specs(state)

    print(f"data: {args.data} ({train.height:,} labelled applicants, "
          f"default rate {y.mean():.3f})")  # fmt: skip
    print(f"{'step':<28} {'features':>8} {'CV AUC':>8} {'gain':>8} {'seconds':>8}")
    families: list[str] = []
    previous = None
    for family in state.families:
        families.append(family)
        names = [s.name for s in specs if s.family in families]
        categorical = [s.name for s in specs if s.family in families and s.categorical]
        x = train.select(names).to_numpy().astype(np.float32)
        start = time.perf_counter()
        auc = cv_auc(x, y, names, categorical, args.seed, args.rounds)
        label = "application" if family == "application" else f"+ {family}"
        gain = "" if previous is None else f"{auc - previous:+.4f}"
        print(f"{label:<28} {len(names):>8} {auc:>8.4f} {gain:>8} "
              f"{time.perf_counter() - start:>8.1f}", flush=True)  # fmt: skip
        previous = auc
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
