"""`scoring score`: batch scoring of every applicant in a data folder to CSV or Parquet."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, required=True, help="MODEL_DIR or a version folder")
    parser.add_argument("--data", type=Path, required=True, help="folder of the Kaggle tables")
    parser.add_argument(
        "--out", type=Path, required=True, help="output file, .csv or .parquet (written atomically)"
    )
    parser.add_argument(
        "--split",
        choices=("all", "train", "test"),
        default="all",
        help="which application file's applicants to score (default: both)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace) -> int:
    from training.model.runtime import prefer_passive_openmp

    prefer_passive_openmp()  # before LightGBM loads: see training/model/runtime.py
    import numpy as np
    import polars as pl

    from shared.tables import CLIENT_ID
    from training.data.reader import open_tables
    from training.errors import UserFacingError
    from training.model.predict import Scorer, applicant_ids, write_table_atomically
    from training.progress import Progress

    if args.out.suffix.lower() not in (".csv", ".parquet"):
        raise UserFacingError(f"--out {args.out}: unsupported extension; expected .csv or .parquet")
    progress = Progress("score", quiet=args.quiet)
    with progress.stage("loading bundle"):
        scorer = Scorer.load(args.model)
    threshold = scorer.bundle.manifest.threshold
    tables = open_tables(args.data)
    sources = {
        "all": ("application_train", "application_test"),
        "train": ("application_train",),
        "test": ("application_test",),
    }[args.split]
    ids = applicant_ids(tables, sources)
    with progress.stage(f"scoring {len(ids):,} applicants"):
        p = scorer.probabilities(tables, ids, progress)
    frame = pl.DataFrame(
        {
            CLIENT_ID: ids,
            "probability": p,
            "decision": np.where(p >= threshold, "refuse", "grant"),
        }
    )
    write_table_atomically(frame, args.out)
    refused = int(np.sum(p >= threshold))
    progress.say(f"{len(ids):,} applicants scored, {refused:,} refused; written to {args.out}")
    return 0
