"""`scoring train`: fit the model on the Kaggle tables and publish a bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from training.commands.engine_options import add_engine_arguments, open_engine
from training.model.tracking import DEFAULT_TRACKING_URI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="folder of the Kaggle tables")
    parser.add_argument("--out", type=Path, required=True, help="MODEL_DIR receiving the bundle")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--cost-fn", type=float, default=10.0, help="cost of a missed default (default 10)"
    )
    parser.add_argument(
        "--cost-fp", type=float, default=1.0, help="cost of a refused good client (default 1)"
    )
    parser.add_argument(
        "--max-rounds", type=int, default=None, help="boosting round cap (default 3000)"
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="LightGBM learning rate (default 0.05, or 0.02 below 50,000 training applicants)",
    )
    parser.add_argument("--threads", type=int, default=None, help="LightGBM threads (default 2)")
    parser.add_argument(
        "--exclude-attribute",
        action="append",
        default=[],
        metavar="NAME",
        help=(
            "application field never used as a model input, besides CODE_GENDER (always "
            "excluded); repeatable, e.g. --exclude-attribute DAYS_BIRTH "
            "(docs/protected-attributes.md)"
        ),
    )
    parser.add_argument(
        "--no-monotone",
        action="store_true",
        help="no monotone constraints on external scores and days past due (default: on)",
    )
    parser.add_argument(
        "--tune-trials",
        type=int,
        default=0,
        metavar="N",
        help=(
            "seeded Optuna search of N trials per cross-fitting model, on its own training rows "
            "(needs the [tuning] extra; default 0: no search; docs/model-quality.md)"
        ),
    )
    parser.add_argument(
        "--keep-unused-features",
        action="store_true",
        help="serve every feature, even those no fold model splits on (default: dropped)",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=None,
        metavar="N",
        help="bootstrap resamples of the 95%% intervals of AUC and cost (default 1000; 0: none)",
    )
    parser.add_argument(
        "--mlflow",
        metavar="URI",
        nargs="?",
        const=DEFAULT_TRACKING_URI,
        default=None,
        help=(
            "log parameters, metrics and the bundle to MLflow (needs the [mlflow] extra); "
            f"without URI: {DEFAULT_TRACKING_URI} in the current folder, artifacts in "
            "./mlartifacts; or an http(s):// tracking server"
        ),
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_engine_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from training.model.runtime import prefer_passive_openmp

    prefer_passive_openmp()  # before LightGBM loads: see training/model/runtime.py
    from pydantic import ValidationError

    from training.errors import UserFacingError
    from training.model.config import LightGBMParams, TrainConfig
    from training.model.train import report_lines, train
    from training.progress import Progress

    lightgbm: dict[str, object] = {}
    if args.learning_rate is not None:
        lightgbm["learning_rate"] = args.learning_rate
    if args.threads is not None:
        lightgbm["num_threads"] = args.threads
    options: dict[str, object] = {
        "folds": args.folds,
        "seed": args.seed,
        "cost_fn": args.cost_fn,
        "cost_fp": args.cost_fp,
        "lightgbm": LightGBMParams(**lightgbm),
    }
    if args.max_rounds is not None:
        options["max_rounds"] = args.max_rounds
    if args.exclude_attribute:
        from training.model.feature_bridge import check_excluded

        check_excluded(args.exclude_attribute)  # a typo fails now, not after reading the data
        options["exclude_attributes"] = tuple(args.exclude_attribute)
    if args.keep_unused_features:
        options["prune_unused_features"] = False
    if args.no_monotone:
        options["monotone_constraints"] = False
    if args.tune_trials:
        options["tune_trials"] = args.tune_trials
    if args.bootstrap is not None:
        options["bootstrap_resamples"] = args.bootstrap
    try:
        config = TrainConfig(**options)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise UserFacingError(f"invalid training options: {problems}") from error
    experiment_id = None
    if args.mlflow:
        from training.model.tracking import prepare_mlflow

        experiment_id = prepare_mlflow(args.mlflow)
    if not args.data.exists():
        raise UserFacingError(f"--data {args.data} does not exist")
    progress = Progress("train", quiet=args.quiet)
    with open_engine(args, progress, data=args.data) as engine:
        result = train(args.data, args.out, config, progress, engine=engine)
    print("\n".join(report_lines(result)))
    from training.governance.stage import summary_lines

    print("\n".join(summary_lines(result.bundle)))
    if args.mlflow and experiment_id is not None:
        from training.model.tracking import log_to_mlflow

        run_id = log_to_mlflow(args.mlflow, experiment_id, result, config.model_dump(mode="json"))
        print(f"MLflow run {run_id}")
    return 0
