"""The `scoring` command line: one entry point, one module per subcommand.

Each module in training/commands exposes `add_arguments(parser)` and `run(args) -> int`; heavy
imports live inside `run` so that `scoring --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from training.errors import UserFacingError

#: subcommand -> (module, one-line help). The order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "synth": ("training.commands.synth", "generate synthetic Home Credit tables"),
    "check": ("training.commands.check", "validate a folder, zip or Parquet set of the tables"),
    "train": ("training.commands.train", "train the model and publish a bundle"),
    "evaluate": ("training.commands.evaluate", "score a labelled data set: AUC, cost, confusion"),
    "score": ("training.commands.score", "batch-score every applicant to CSV or Parquet"),
    "monitor": ("training.commands.monitor", "drift of new applications against the training data"),
    "features": ("training.commands.features", "compute the per-client feature matrix"),
    "dashboard": ("training.commands.dashboard", "run the advisor dashboard (talks to the API)"),
    "serve": ("training.commands.serve", "run the scoring API (FastAPI under uvicorn)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scoring", description="Prêt à dépenser credit scoring: data, model, API, dashboard."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except UserFacingError as error:
        print(f"scoring {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
