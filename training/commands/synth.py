"""`scoring synth`: write a synthetic copy of the eight Home Credit tables."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--applicants", type=int, required=True, help="application_train rows (Kaggle: 307511)"
    )
    parser.add_argument("--seed", type=int, default=42, help="same seed, same bytes (default 42)")
    parser.add_argument("--out", type=Path, required=True, help="folder to create")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", dest="fmt")
    parser.add_argument("--force", action="store_true", help="replace an existing folder")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace) -> int:
    from training.progress import Progress
    from training.synth.generator import generate

    progress = Progress("synth", quiet=args.quiet)
    out = generate(
        args.applicants, args.seed, args.out, fmt=args.fmt, force=args.force, progress=progress
    )
    progress.say(f"done: {out}")
    print(out)
    return 0
