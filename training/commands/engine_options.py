"""`--engine` and `--scheduler`: the options every distributable command shares, in one place.

`features`, `train`, `score` and `monitor` call `add_engine_arguments(parser)` and run inside
`with open_engine(args) as engine:`. The single-node engine (the default) costs nothing; with
`--engine dask` the data must be a lake (checked before the cluster starts), then the block runs
with a client of the scheduler at `--scheduler`, or of a local cluster started for it and stopped
after it. See docs/scale-out.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from training.distributed.engine import ENGINES, SINGLE_NODE, Engine
from training.errors import UserFacingError
from training.progress import Progress


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= {minimum}")
        return value

    return parse


def _port(text: str) -> int:
    value = _at_least(1024)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port from 1024 to 65535")
    return value


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "execution engine", "where the work runs (docs/scale-out.md); --engine dask needs a lake"
    )
    group.add_argument(
        "--engine",
        choices=ENGINES,
        default="single-node",
        help="single-node (default: this process) or dask (partitions of a lake on a Dask "
        "cluster; lightgbm.dask for the boosting)",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (--engine dask); "
        "without it a local cluster starts and stops with the command",
    )
    group.add_argument(
        "--dask-workers",
        type=_at_least(1),
        default=2,
        metavar="N",
        help="local cluster: worker processes (default 2)",
    )
    group.add_argument(
        "--dask-threads",
        type=_at_least(2),
        default=2,
        metavar="T",
        help="local cluster: threads per worker, at least 2 (default 2)",
    )
    group.add_argument(
        "--lightgbm-port",
        type=_port,
        default=None,
        metavar="PORT",
        help="fixed port of every LightGBM worker (firewalled hosts, one Dask worker per host); "
        "default: a free port found on each worker",
    )


@contextmanager
def open_engine(
    args: argparse.Namespace, progress: Progress, *, data: str | Path | None = None
) -> Iterator[Engine]:
    """The engine the options name, ready for the block. `data` (the command's --data) is
    checked to be a lake before a Dask cluster is started for nothing."""
    engine_name = getattr(args, "engine", "single-node")
    if engine_name != "dask":
        if getattr(args, "scheduler", None):
            raise UserFacingError("--scheduler needs --engine dask")
        yield SINGLE_NODE
        return
    from training.distributed.cluster import DaskOptions, connect, require_dask
    from training.distributed.engine import DaskEngine
    from training.distributed.features import require_lake

    if data is not None:
        require_lake(data)
    require_dask()
    options = DaskOptions(
        scheduler=args.scheduler,
        workers=args.dask_workers,
        threads_per_worker=args.dask_threads,
        lightgbm_port=args.lightgbm_port,
    )
    with connect(options, progress) as client:
        engine = DaskEngine(client, options, progress)
        try:
            yield engine
        finally:
            engine.close()
