"""When to switch to Dask: `scoring features` / `scoring train` on growing synthetic lakes,
single-node against a local Dask cluster, one fresh process per run.

    .venv/bin/python bench/bench_scale.py --lake 300000=/data/lake-300k --lake 1000000=/data/lake-1m
    .venv/bin/python bench/bench_scale.py --lake 300000=/data/lake-300k --work train --folds 2

Each run is the real command (`python -m training.cli features|train ... --engine E`) in a
subprocess. Printed per run: wall time, CPU seconds of the whole process tree (the command and,
with Dask, its scheduler and worker processes: they are its children, reaped before it exits),
the peak of the tree's summed RSS (sampled every 0.2 s with psutil: with Dask the memory is
spread over several processes, so one process's ru_maxrss would undercount it), and the machine
load (1-minute load average) before and after, since the 2 cores of the machines this was
written on are shared. Results also go to --json as one object per run.

Lakes are made beforehand (`scoring synth --format parquet`, then `scoring ingest`): making
them is not what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def tree_rss(process: psutil.Process) -> int:
    """Summed resident memory of a process and all its descendants, in bytes."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall, tree CPU-s and peak tree RSS of `command`, with the load before and after."""
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)  # fmt: skip
    watched = psutil.Process(child.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, tree_rss(watched))
            except psutil.NoSuchProcess:
                return
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = child.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{output[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_rss_gb": round(peak / 1e9, 2),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "output_tail": output[-600:],
    }


def command_for(work: str, lake: Path, engine: str, out: Path, args: argparse.Namespace) -> list:
    base = [sys.executable, "-m", "training.cli", work, "--data", str(lake), "--quiet"]
    if work == "features":
        base += ["--out", str(out / "features.parquet")]
    else:
        base += ["--out", str(out / "models"), "--folds", str(args.folds), "--bootstrap", "0"]
        if args.max_rounds:
            base += ["--max-rounds", str(args.max_rounds)]
    if engine == "dask":
        base += ["--engine", "dask", "--dask-workers", str(args.workers)]
        base += ["--dask-threads", str(args.threads)]
    return base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", action="append", required=True, metavar="APPLICANTS=PATH",
                        help="a lake and its application_train rows (repeatable)")  # fmt: skip
    parser.add_argument("--work", choices=("features", "train"), default="features")
    parser.add_argument("--engines", default="single-node,dask")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-rounds", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="append results here (JSONL)")
    args = parser.parse_args()
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    print(f"{'applicants':>10}  {'engine':<11} {'wall s':>7} {'CPU s':>7} {'peak GB':>8}  load")
    for item in args.lake:
        size, _, path = item.partition("=")
        for engine in args.engines.split(","):
            with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
                result = measure(command_for(args.work, Path(path), engine, Path(tmp), args), env)
            row = {"work": args.work, "applicants": int(size), "engine": engine, **result}
            print(
                f"{int(size):>10,}  {engine:<11} {result['wall_s']:>7.1f} {result['cpu_s']:>7.1f} "
                f"{result['peak_rss_gb']:>8.2f}  {result['load_before']:.2f} -> "
                f"{result['load_after']:.2f}",
                flush=True,
            )
            if args.json:
                with args.json.open("a") as handle:
                    handle.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
