"""`scoring features`: the per-client feature matrix of a data set, and its fitted state.

Useful on its own to inspect features or feed another tool; training computes the same matrix
in-process. Without --state the state is fitted on application_train and written beside the
matrix as <out>.state.json; with --state an existing state (e.g. a trained model's) is applied,
which is how new clients get features consistent with that model.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from training.commands.engine_options import add_engine_arguments, open_engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", required=True, metavar="PATH", help="folder, Kaggle zip or Parquet folder"
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="matrix to write: .parquet or .csv (one row per applicant, SK_ID_CURR first)",
    )
    parser.add_argument(
        "--state",
        metavar="STATE.json",
        help="apply this fitted feature state instead of fitting one on application_train",
    )
    parser.add_argument(
        "--families",
        metavar="NAMES",
        help="comma-separated feature families (default: all; application is always included)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    add_engine_arguments(parser)


def state_path_for(out: Path) -> Path:
    """Where the fitted state goes: features.parquet -> features.state.json."""
    return out.with_name(out.stem + ".state.json")


def _atomic_write(target: Path, write: object) -> None:
    """Writes through a temporary file in the target's folder, then renames it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the matrix from the other services
    try:
        write(Path(tmp))  # type: ignore[operator]
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    from training.data.reader import open_tables
    from training.errors import UserFacingError
    from training.features.pipeline import fit_feature_state
    from training.features.state import FeatureState
    from training.progress import Progress

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise UserFacingError(f"--out {out}: unknown extension; expected .parquet or .csv")
    progress = Progress("features", quiet=args.quiet)
    with open_engine(args, progress, data=args.data) as engine:
        tables = open_tables(args.data, progress=progress)
        if args.state:
            state_file = Path(args.state)
            if not state_file.is_file():
                raise UserFacingError(f"--state {state_file}: no such file")
            state = FeatureState.from_json(state_file.read_text("utf-8"))
        else:
            families = args.families.split(",") if args.families else None
            with progress.stage("fitting the feature state on application_train"):
                state = fit_feature_state(tables, families=families)
        progress.say(f"{len(state.feature_names)} features in {len(state.families)} families")
        matrix = engine.features(args.data, tables, state, progress)
    with progress.stage(f"writing {out}"):
        if suffix == ".parquet":
            # zstd level 1: a fifth less CPU than the default level for 5 % more bytes (a
            # Kaggle-size matrix: 290 instead of 275 MB), on a command people wait for.
            _atomic_write(out, lambda p: matrix.write_parquet(p, compression_level=1))
        else:
            _atomic_write(out, matrix.write_csv)
        if not args.state:
            state_file = state_path_for(out)
            _atomic_write(state_file, lambda p: p.write_text(state.to_json(), "utf-8"))
            progress.say(f"state written to {state_file}")
    progress.say(f"{matrix.height:,} applicants x {matrix.width - 1} features written to {out}")
    return 0
