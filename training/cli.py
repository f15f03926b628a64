"""The `scoring` command line: one entry point, one module per subcommand.

Each subcommand's module (in training/commands, or a service's own start-up module:
`api.server`, `dashboard.server`) exposes `add_arguments(parser)` and `run(args) -> int`. The
dispatch is lazy: only the module of the subcommand being run is imported, and heavy libraries
(LightGBM, Polars, Dash, FastAPI) are imported inside `run`, so `scoring --help` and
`scoring X --help` stay instant and `scoring dashboard` never loads the training stack. The
services also start without this command line: `python -m api`, `python -m dashboard`.
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
    "ingest": (
        "training.commands.ingest",
        "check the tables once and write them as a Parquet lake",
    ),
    "train": ("training.commands.train", "train the model and publish a bundle"),
    "evaluate": ("training.commands.evaluate", "score a labelled data set: AUC, cost, confusion"),
    "score": ("training.commands.score", "batch-score every applicant to CSV or Parquet"),
    "monitor": ("training.commands.monitor", "drift of new applications against the training data"),
    "features": ("training.commands.features", "compute the per-client feature matrix"),
    # The services' own start-up modules (also `python -m dashboard`, `python -m api`): the
    # command line only dispatches to them, the training package never imports them.
    "dashboard": ("dashboard.server", "run the advisor dashboard (talks to the API)"),
    "serve": ("api.server", "run the scoring API (FastAPI under uvicorn)"),
    "users": ("training.commands.users", "manage the dashboard's local accounts (sign-in)"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with the arguments of `command` only (None: every subcommand's).

    Subcommands other than `command` are listed with their help line but their modules are
    not imported: parsing `scoring train ...` never imports the dashboard's command module.
    """
    parser = argparse.ArgumentParser(
        prog="scoring", description="Prêt à dépenser credit scoring: data, model, API, dashboard."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        subparser = sub.add_parser(name, help=help_text, description=help_text)
        if command is None or command == name:
            module = importlib.import_module(module_name)
            module.add_arguments(subparser)
            subparser.set_defaults(_run=module.run)
    return parser


def chosen_command(argv: list[str]) -> str:
    """The subcommand `argv` names (its first word: `scoring` has no options of its own), or ""
    when it names none (`scoring --help`, a typo), so that no command module is imported."""
    first = next((a for a in argv if not a.startswith("-")), "")
    return first if first in COMMANDS else ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(chosen_command(argv)).parse_args(argv)
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
