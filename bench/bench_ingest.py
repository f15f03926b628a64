"""Benchmark of `scoring ingest`, and of the features read from the lake vs from the CSV files.

    .venv/bin/python bench/bench_ingest.py                       # 50,000 synthetic applicants
    .venv/bin/python bench/bench_ingest.py --data DIR --partitions 16

Every measured step runs in its own child process, so each figure is that process alone: wall
time, CPU seconds (user + system, all threads) and peak RSS (ru_maxrss from wait4). Printed:
- `scoring ingest` of the data set (check, partitioned write, hashing, fsync, publish);
- the batch features (fit the state + build the matrix) from the CSV folder and from the lake,
  alternated (--repeats rounds), side by side in the same run;
- the same features from the lake one partition at a time (what one worker of a distributed
  engine does per partition, here in sequence), to show the per-partition overhead.
The matrices are compared at the end (they must be identical). The load average is printed
before and after, because the machine is shared: figures taken under load are slower.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_FEATURES = """
import sys
import polars as pl
from training.data.reader import open_tables
from training.features.pipeline import build_features, fit_feature_state
data, out = sys.argv[1], sys.argv[2]
tables = open_tables(data)
state = fit_feature_state(tables)
build_features(tables, state).write_parquet(out)
"""

_PER_PARTITION = """
import sys
import polars as pl
from training.data import lake
from training.data.reader import open_tables
from training.features.pipeline import build_features, fit_feature_state
data, out = sys.argv[1], sys.argv[2]
state = fit_feature_state(open_tables(data))
pieces = [build_features(open_tables(p), state) for p in lake.partition_folders(data)]
pl.concat(pieces).sort("SK_ID_CURR").write_parquet(out)
"""


def measured(label: str, argv: list[str]) -> dict[str, float | str]:
    """Run a child to completion; its wall time, CPU seconds and peak RSS."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{label}: exited with {code}: {' '.join(argv)}")
    return {
        "step": label,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,  # Linux: kilobytes
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min, {os.cpu_count()} CPUs)"


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data", type=Path, help="existing data folder (default: synthetic)")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2, help="rounds of CSV/lake features")
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temp folder)")
    args = parser.parse_args()

    python = sys.executable
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load at start: {load()}")
    data = args.data
    if data is None:
        data = work / f"synthetic-{args.applicants}"
        if not (data / "application_train.csv").is_file():
            print(f"generating {args.applicants:,} synthetic applicants into {data} ...")
            subprocess.run(
                [python, "-m", "training.cli", "synth", "--applicants", str(args.applicants),
                 "--seed", str(args.seed), "--out", str(data), "--force"],
                cwd=ROOT, check=True, stderr=subprocess.DEVNULL,
            )  # fmt: skip
    lake_dir = work / "lake"
    shutil.rmtree(lake_dir, ignore_errors=True)
    rows = []
    rows.append(
        measured(
            f"scoring ingest ({args.partitions} partitions)",
            [
                python,
                "-m",
                "training.cli",
                "ingest",
                "--data",
                str(data),
                "--out",
                str(lake_dir),
                "--partitions",
                str(args.partitions),
                "--quiet",
            ],
        )
    )
    for round_ in range(args.repeats):
        for name, source in (("CSV", data), ("lake", lake_dir)):
            out = work / f"features-{name}.parquet"
            rows.append(
                measured(
                    f"features from {name} (round {round_ + 1})",
                    [python, "-c", _FEATURES, str(source), str(out)],
                )
            )
    per_partition = work / "features-partitions.parquet"
    rows.append(
        measured(
            f"features from lake, {args.partitions} partitions in turn",
            [python, "-c", _PER_PARTITION, str(lake_dir), str(per_partition)],
        )
    )
    import polars as pl  # only now: the parent's own imports stay out of the children's figures

    csv_matrix = pl.read_parquet(work / "features-CSV.parquet")
    same = csv_matrix.equals(pl.read_parquet(work / "features-lake.parquet"))
    same_parts = csv_matrix.equals(pl.read_parquet(per_partition))
    csv_mb = sum(p.stat().st_size for p in data.glob("*.csv")) / 1e6
    print(f"data: {data} ({csv_mb:,.0f} MB of CSV); lake {size_mb(lake_dir):,.0f} MB of Parquet")
    print(f"matrix: {csv_matrix.height:,} applicants x {csv_matrix.width - 1} features")
    width = max(len(str(r["step"])) for r in rows)
    print(f"{'step':<{width}}  {'wall s':>7}  {'CPU s':>7}  {'peak RSS MB':>11}")
    for r in rows:
        print(f"{r['step']:<{width}}  {r['wall']:>7.1f}  {r['cpu']:>7.1f}  {r['rss']:>11,.0f}")
    print(f"features from lake identical to features from CSV: {same}")
    print(f"per-partition features identical to the full matrix: {same_parts}")
    print(f"load at end: {load()}")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if same and same_parts else 1


if __name__ == "__main__":
    raise SystemExit(main())
