"""`scoring score`: batch scoring of every applicant in a data folder to CSV or Parquet."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from training.commands.engine_options import add_engine_arguments, open_engine

if TYPE_CHECKING:
    from training.progress import Progress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, required=True, help="MODEL_DIR or a version folder")
    parser.add_argument("--data", type=Path, required=True, help="folder of the Kaggle tables")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output file, .csv or .parquet (written atomically); with --engine dask a folder "
        "of Parquet parts, one per lake partition",
    )
    parser.add_argument(
        "--split",
        choices=("all", "train", "test"),
        default="all",
        help="which application file's applicants to score (default: both)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_engine_arguments(parser)


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

    progress = Progress("score", quiet=args.quiet)
    sources = {
        "all": ("application_train", "application_test"),
        "train": ("application_train",),
        "test": ("application_test",),
    }[args.split]
    if args.engine == "dask":
        return _run_on_dask(args, sources, progress)
    if args.scheduler:
        raise UserFacingError("--scheduler needs --engine dask")
    if args.out.suffix.lower() not in (".csv", ".parquet"):
        raise UserFacingError(f"--out {args.out}: unsupported extension; expected .csv or .parquet")
    with progress.stage("loading bundle"):
        scorer = Scorer.load(args.model)
    threshold = scorer.bundle.manifest.threshold
    tables = open_tables(args.data)
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


def _run_on_dask(args: argparse.Namespace, sources: tuple[str, ...], progress: Progress) -> int:
    """Each lake partition featured, scored and written as one Parquet part by a worker."""
    from training.distributed.engine import DaskEngine
    from training.distributed.scoring import score_to_folder
    from training.model.predict import Scorer

    with open_engine(args, progress, data=args.data) as engine:
        assert isinstance(engine, DaskEngine)
        with progress.stage("loading bundle"):
            scorer = Scorer.load(args.model)
        summary = score_to_folder(engine.client, args.data, scorer, sources, args.out, progress)
    progress.say(
        f"{summary['rows']:,} applicants scored, {summary['refused']:,} refused; written to "
        f"{args.out} ({len(summary['parts'])} parts)"
    )
    return 0
