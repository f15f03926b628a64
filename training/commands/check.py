"""`scoring check`: is this data set usable, and if not, what exactly is wrong with it?

Meant to be run first on a new copy of the data, before a long training run: it reads every
table once and prints, per table, rows, distinct clients and the problems found. `--json` gives
the same verdict to scripts (CI, the deployment pipeline). Exit status: 0 usable (warnings
allowed), 1 errors found, 2 the path itself is unusable.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from training.data.validation import ValidationReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        required=True,
        metavar="PATH",
        help="folder of the Kaggle CSV files, home-credit-default-risk.zip, "
        "or a folder of <table>.parquet files",
    )
    parser.add_argument(
        "--tables",
        metavar="NAMES",
        help="comma-separated tables to check (default: all; application_test optional)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout instead of text"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def print_report(report: ValidationReport, out: TextIO) -> None:
    """The human-readable verdict: one line per table, its problems indented below."""
    print(f"Data: {report.source} ({report.kind})", file=out)
    width = max(len(n) for n in report.tables) if report.tables else 10
    print(f"{'table':<{width}}  {'rows':>12}  {'clients':>12}  status", file=out)
    for name, table in report.tables.items():
        status = "ERROR" if table.errors else ("warning" if table.warnings else "ok")
        clients = _count(table.clients)
        if table.client_column and table.client_column != "SK_ID_CURR":
            status += f"  (clients = distinct {table.client_column})"
        print(f"{name:<{width}}  {_count(table.rows):>12}  {clients:>12}  {status}", file=out)
        for problem in table.errors:
            print(f"    error: {problem}", file=out)
        for problem in table.warnings:
            print(f"    warning: {problem}", file=out)
        for note in table.info:
            print(f"    info: {note}", file=out)
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "OK" if report.ok else "FAILED"
    print(f"{verdict}: {errors} error(s), {warnings} warning(s)", file=out)


def run(args: argparse.Namespace) -> int:
    from training.data.validation import validate_source
    from training.progress import Progress

    names = [n.strip() for n in args.tables.split(",") if n.strip()] if args.tables else None
    progress = Progress("check", quiet=args.quiet)
    report = validate_source(args.data, names, progress=progress)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_report(report, sys.stdout)
    progress.say(f"finished: {'ok' if report.ok else 'errors found'}")
    return 0 if report.ok else 1
