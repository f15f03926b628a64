"""`scoring monitor`: is a new batch of applicants still like the training population?"""

from __future__ import annotations

import argparse
from pathlib import Path

from training.commands.engine_options import add_engine_arguments, open_engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, required=True, help="MODEL_DIR or a version folder")
    parser.add_argument(
        "--data", type=Path, required=True, help="folder, zip or Parquet set of new applications"
    )
    parser.add_argument(
        "--feature",
        action="append",
        default=[],
        metavar="NAME",
        help="also report this feature (repeatable); the top 30 by importance always are",
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--out", type=Path, default=None, help="also write an HTML report here")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_engine_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from training.model.runtime import prefer_passive_openmp

    prefer_passive_openmp()  # before LightGBM loads: see training/model/runtime.py
    import os

    from training.errors import UserFacingError
    from training.governance.monitor import html_report, monitor, text_lines
    from training.progress import Progress

    if not args.data.exists():
        raise UserFacingError(f"--data {args.data} does not exist")
    progress = Progress("monitor", quiet=args.quiet)
    with open_engine(args, progress, data=args.data) as engine:
        report = monitor(
            args.model, args.data, extra_features=args.feature, progress=progress, engine=engine
        )
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(f".{args.out.name}.tmp-{os.getpid()}")
        tmp.write_text(html_report(report), "utf-8")
        os.replace(tmp, args.out)
    print(report.model_dump_json() if args.json else "\n".join(text_lines(report)))
    return 0
