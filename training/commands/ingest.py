"""`scoring ingest`: read the tables once, check them, keep them as a Parquet lake.

A 2.5 GB CSV folder (or the Kaggle zip) is parsed again by every command that reads it. After
`scoring ingest --data PATH --out LAKE`, every command that takes `--data` accepts `LAKE`
instead: typed Parquet, hash-partitioned by client, so a command reads only the columns it needs
and a distributed engine can hand whole partitions to workers. See docs/lake.md.

Exit status: 0 lake written; 1 the data has errors (printed as `scoring check` prints them,
nothing written); 2 a bad argument or an unusable path (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from training.data.lake import DEFAULT_PARTITIONS, MAX_PARTITIONS


def _partitions(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PARTITIONS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a whole number from 1 to {MAX_PARTITIONS}"
        )
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        required=True,
        metavar="PATH",
        help="folder of the Kaggle CSV files, home-credit-default-risk.zip, a folder of "
        "<table>.parquet files, or a lake to re-partition",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="LAKE", help="lake folder")
    parser.add_argument(
        "--partitions",
        type=_partitions,
        default=DEFAULT_PARTITIONS,
        metavar="P",
        help=f"client partitions (default {DEFAULT_PARTITIONS}; 1 to {MAX_PARTITIONS})",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace LAKE if it already is a lake (atomically)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace) -> int:
    from training.data.ingest import InvalidSource, ingest
    from training.progress import Progress

    progress = Progress("ingest", quiet=args.quiet)
    try:
        result = ingest(
            args.data, args.out, partitions=args.partitions, force=args.force, progress=progress
        )
    except InvalidSource as refused:
        for problem in refused.report.errors:
            print(f"    error: {problem}", file=sys.stderr)
        print(
            f"scoring ingest: refused: {len(refused.report.errors)} error(s) in the data "
            "(the messages of `scoring check`); nothing was written",
            file=sys.stderr,
        )
        return 1
    manifest = result.manifest
    print(f"Lake: {result.root} ({manifest.partitions} partitions, from {manifest.source.kind})")
    width = max(len(name) for name in manifest.tables)
    for name, table in manifest.tables.items():
        print(f"{name:<{width}}  {table.rows:>12,} rows")
    print(f"source fingerprint {manifest.source.fingerprint}")
    return 0
