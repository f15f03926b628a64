"""`scoring evaluate`: score a labelled data set with a bundle's refit model, report AUC and cost.

This is an evaluation on the data given, by the refit model (the one that serves applicants
outside the training set). It is the check to run on a held-out labelled set before promoting a
bundle. On the training applicants themselves it is optimistic (the refit model learned their
outcome); the output says how many of the given applicants were training applicants, and the
honest figures are the manifest's (nested cross-fitting, printed by `scoring train`).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, required=True, help="MODEL_DIR or a version folder")
    parser.add_argument("--data", type=Path, required=True, help="folder with application_train")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace) -> int:
    from training.model.runtime import prefer_passive_openmp

    prefer_passive_openmp()  # before LightGBM loads: see training/model/runtime.py
    import json

    import polars as pl
    from sklearn.metrics import roc_auc_score

    from shared.bundle import CLIENT_ID_COLUMN, CLIENT_SPLIT_COLUMN
    from shared.tables import TARGET
    from training.data.reader import open_tables
    from training.errors import DataError, UserFacingError
    from training.model.metrics import confusion
    from training.model.predict import Scorer, applicant_ids
    from training.progress import Progress

    progress = Progress("evaluate", quiet=args.quiet)
    with progress.stage("loading bundle"):
        scorer = Scorer.load(args.model)
    manifest = scorer.bundle.manifest
    tables = open_tables(args.data)
    if "application_train" not in tables:
        raise UserFacingError(f"no application_train table with TARGET in {args.data}")
    ids = applicant_ids(tables, ("application_train",))
    y = tables["application_train"].select(TARGET).collect()[TARGET]
    if y.null_count() or not y.is_in([0, 1]).all():
        raise DataError(
            "TARGET must be known for every applicant to evaluate",
            file="application_train",
            column=TARGET,
            expected="0 or 1 on every row",
        )
    labels = y.to_numpy()
    with progress.stage(f"scoring {len(ids):,} applicants"):
        p = scorer.probabilities(tables, ids, progress)
    counts = confusion(labels, p, manifest.threshold)
    has_both = 0 < labels.sum() < labels.size
    store = pl.read_parquet(
        scorer.bundle.clients_path, columns=[CLIENT_ID_COLUMN, CLIENT_SPLIT_COLUMN]
    )
    trained_on = store.filter(pl.col(CLIENT_SPLIT_COLUMN) == "train")[CLIENT_ID_COLUMN]
    seen = int(pl.Series(ids).is_in(trained_on.implode()).sum())
    result = {
        "version": manifest.version,
        "model": "refit",
        "evaluated_on": str(args.data),
        "n": int(labels.size),
        "n_training_applicants": seen,
        "auc": float(roc_auc_score(labels, p)) if has_both else None,
        "threshold": manifest.threshold,
        "cost": counts.cost(manifest.costs.false_negative, manifest.costs.false_positive),
        "tp": counts.tp,
        "fp": counts.fp,
        "tn": counts.tn,
        "fn": counts.fn,
        "recall": counts.recall,
        "precision": counts.precision,
        "default_rate": float(labels.mean()),
    }
    if args.json:
        print(json.dumps(result))
    else:
        auc = "n/a (one class only)" if result["auc"] is None else f"{result['auc']:.4f}"
        print(
            f"evaluation of the refit model of bundle {manifest.version} on the "
            f"{result['n']:,} labelled applicants of {args.data}"
        )
        if seen:
            print(
                f"warning: {seen:,} of them are training applicants; the refit model learned "
                "their outcome, so these figures are optimistic. The honest figures "
                f"({manifest.evaluation.name if manifest.evaluation else 'out-of-fold'}) are "
                "the bundle's manifest metrics, printed by `scoring train`."
            )
        print(f"AUC {auc}")
        print(
            f"business cost {result['cost']:,.0f} at threshold {manifest.threshold:.3f} "
            f"(FN x {manifest.costs.false_negative:g}, FP x {manifest.costs.false_positive:g})"
        )
        print(
            f"confusion: TP {counts.tp:,}  FP {counts.fp:,}  TN {counts.tn:,}  FN {counts.fn:,}  "
            f"(recall {counts.recall:.3f}, precision {counts.precision:.3f})"
        )
    return 0
