"""Connecting to a Dask cluster, or starting a local one, and checking it can do the work.

Three properties are checked before any work is sent, because each one otherwise shows up much
later as something far more obscure:

- every worker runs the driver's versions of the libraries that decide a feature value or a
  tree (Polars, LightGBM, NumPy, PyArrow) and of this project: a worker on another Polars would
  compute its partitions' features differently, silently;
- every worker has at least 2 threads. lightgbm.dask sets each worker's LightGBM `num_threads`
  to the worker's thread count, and its fit task holds one worker thread for the whole fit,
  while the worker still has to hold the sockets and serve the data parts lightgbm.dask
  schedules beside it;
- LightGBM's OpenMP threads wait passively on every worker (OMP_WAIT_POLICY=PASSIVE). Distributed
  LightGBM synchronises the workers at every histogram; with busy-waiting threads on a shared,
  loaded machine (2 cores, load 12) one 30-round fit took 107 s, against 1.1 s with passive
  waiting. A local cluster's workers inherit the setting; remote workers are only warned about.

Without a scheduler address a `LocalCluster` of worker *processes* starts (threads would share
the driver's GIL and its memory): 2 workers of 2 threads by default, which on a 2-core machine
deliberately oversubscribes the cores, as a small real cluster would be.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from training.errors import UserFacingError
from training.progress import Progress

if TYPE_CHECKING:
    from distributed import Client

#: Packages whose versions must be the driver's on every worker (see the module docstring).
MATCHED_PACKAGES = ("pret-a-depenser-scoring", "polars", "lightgbm", "numpy", "pyarrow")
MIN_THREADS_PER_WORKER = 2
#: Seconds to wait for a remote scheduler to answer and for its first worker to join.
CONNECT_TIMEOUT_S = 60
INSTALL_HINT = "pip install -e '.[dask]' (dask and distributed; the dev extra includes it)"


class DaskOptions(BaseModel):
    """How to reach (or start) the cluster: the `--scheduler` / `--dask-*` options."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: tcp://host:port of a running scheduler; None starts a local cluster.
    scheduler: str | None = None
    #: Local cluster only: worker processes and threads per worker.
    workers: int = Field(2, ge=1, le=64)
    threads_per_worker: int = Field(2, ge=MIN_THREADS_PER_WORKER, le=256)
    #: Local cluster only: memory limit per worker ("auto": the machine's memory / workers).
    memory_limit: str = "auto"
    #: Fixed port every LightGBM worker listens on (one Dask worker per host then; for hosts
    #: behind a firewall). None: lightgbm.dask finds a free port on each worker.
    lightgbm_port: int | None = Field(None, ge=1024, le=65535)
    #: Seconds a remote scheduler (and its first worker) may take to answer.
    connect_timeout: float = Field(CONNECT_TIMEOUT_S, gt=0)


def require_dask() -> None:
    """A clear error instead of an ImportError deep inside a command."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as error:
        raise UserFacingError(f"--engine dask needs Dask: {INSTALL_HINT} ({error})") from error


def package_versions() -> dict[str, str]:
    """Versions of MATCHED_PACKAGES in this process (runs on the workers too)."""
    found = {}
    for package in MATCHED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "absent"
    return found


def _wait_policy() -> str:
    return os.environ.get("OMP_WAIT_POLICY", "")


def worker_environment() -> dict[str, str]:
    """Environment of a local cluster's worker processes: passive OpenMP waiting (module
    docstring) unless the operator chose a policy."""
    return {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


def check_cluster(client: Client, progress: Progress) -> None:
    """Refuses a cluster whose workers would compute differently or lack threads; warns about
    busy-waiting OpenMP. Raises UserFacingError naming the worker and what to change."""
    threads = client.nthreads()
    if not threads:
        raise UserFacingError("the Dask cluster has no worker; start at least one `dask worker`")
    few = {w: n for w, n in threads.items() if n < MIN_THREADS_PER_WORKER}
    if few:
        worker, count = next(iter(few.items()))
        raise UserFacingError(
            f"Dask worker {worker} has {count} thread(s); expected at least "
            f"{MIN_THREADS_PER_WORKER} per worker (start it with `dask worker ... --nthreads 2`): "
            "a LightGBM fit holds one worker thread for its whole duration"
        )
    mine = package_versions()
    for worker, theirs in client.run(package_versions).items():
        different = {p: (mine[p], theirs.get(p)) for p in mine if theirs.get(p) != mine[p]}
        if different:
            name, (ours, other) = next(iter(different.items()))
            raise UserFacingError(
                f"Dask worker {worker} runs {name} {other}, this driver {ours}; expected the "
                f"same versions of {', '.join(MATCHED_PACKAGES)} everywhere (the features and "
                "trees would otherwise differ): build the workers from the trainer image"
            )
    busy = [w for w, policy in client.run(_wait_policy).items() if policy.upper() != "PASSIVE"]
    if busy:
        progress.say(
            f"warning: {len(busy)} Dask worker(s) without OMP_WAIT_POLICY=PASSIVE "
            f"(e.g. {busy[0]}): "
            "distributed LightGBM can be 100x slower with busy-waiting threads on a shared "
            "machine; set it in the workers' environment"
        )
    total = sum(threads.values())
    progress.say(f"Dask cluster: {len(threads)} workers, {total} threads")


@contextmanager
def connect(options: DaskOptions, progress: Progress) -> Iterator[Client]:
    """A checked client of the scheduler at `options.scheduler`, or of a local cluster started
    for the duration of the block (and stopped after it)."""
    require_dask()
    from distributed import Client, LocalCluster

    cluster: Any = None
    try:
        if options.scheduler:
            try:
                client = Client(options.scheduler, timeout=options.connect_timeout)
                client.wait_for_workers(1, timeout=options.connect_timeout)
            except (OSError, TimeoutError) as error:
                raise UserFacingError(
                    f"--scheduler {options.scheduler}: no Dask scheduler with a worker "
                    f"answered within {options.connect_timeout:g}s ({error}); expected the "
                    "address a running `dask scheduler` prints, e.g. tcp://10.0.0.5:8786"
                ) from error
        else:
            with progress.stage(
                f"starting a local Dask cluster ({options.workers} workers x "
                f"{options.threads_per_worker} threads)"
            ):
                cluster = LocalCluster(
                    n_workers=options.workers,
                    threads_per_worker=options.threads_per_worker,
                    processes=True,
                    memory_limit=options.memory_limit,
                    dashboard_address=None,
                    # Its HTTP endpoints (health, metrics) on a free loopback port, not 8787.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,
                    env=worker_environment(),
                )
                client = Client(cluster)
        try:
            check_cluster(client, progress)
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
