"""Benchmark of the feature pipeline: batch from the CSV files, then one applicant as JSON.

    .venv/bin/python bench/bench_features.py --data /work/data/full

Prints the batch wall time (fit + build, from the CSV files), the peak RSS of this process
(ru_maxrss, so it includes the interpreter and libraries), the number of features per family
and in total, and the latency of features_for_records for single applicants submitted as JSON
(json.loads included), median and p95 over --clients applicants. Targets (full Kaggle scale,
2 cores): batch < 25 s with a peak < 3 GB; one applicant < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl

from shared.tables import CLIENT_ID, TARGET
from training.data.reader import Tables, open_tables
from training.features.online import RECORD_TABLES, features_for_records
from training.features.pipeline import (
    build_features,
    feature_specs,
    fit_feature_state,
)
from training.progress import Progress


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def sample_records(tables: Tables, clients: list[int]) -> dict[int, dict[str, list[dict]]]:
    """The chosen clients' rows of every table, as the API receives them."""
    ids = pl.Series(clients, dtype=pl.Int32).implode()
    frames = {
        name: frame.filter(pl.col(CLIENT_ID).is_in(ids)).collect()
        for name, frame in tables.items()
        if name != "bureau_balance"
    }
    credits = frames["bureau"].select(CLIENT_ID, "SK_ID_BUREAU")
    frames["bureau_balance"] = (
        tables["bureau_balance"]
        .join(credits.lazy(), on="SK_ID_BUREAU", how="inner", maintain_order="left")
        .collect()
    )
    application = pl.concat(
        [frames["application_train"].drop(TARGET), frames.get("application_test")],
        how="vertical",
    )
    by_key = {"application": application} | {
        key: frames[name] for key, name in RECORD_TABLES.items() if key != "application"
    }
    out: dict[int, dict[str, list[dict]]] = {c: {} for c in clients}
    for key, frame in by_key.items():
        for (client,), rows in frame.partition_by(CLIENT_ID, as_dict=True).items():
            if key == "bureau_balance":
                rows = rows.drop(CLIENT_ID)
            out[int(client)][key] = rows.to_dicts()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder of the Kaggle CSV files")
    parser.add_argument("--clients", type=int, default=200, help="applicants for the latency")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    progress = Progress("bench-features")

    start, cpu_start = time.perf_counter(), cpu_seconds()
    tables = open_tables(args.data)
    with progress.stage("fit"):
        state = fit_feature_state(tables)
    fitted = time.perf_counter()
    matrix = build_features(tables, state, progress=progress)
    batch_seconds = time.perf_counter() - start
    batch_cpu = cpu_seconds() - cpu_start
    batch_peak = peak_rss_mb()
    per_family = Counter(s.family for s in feature_specs(state))

    ids = matrix[CLIENT_ID].to_list()
    chosen = sorted(random.Random(args.seed).sample(ids, min(args.clients, len(ids))))
    with progress.stage(f"collecting the rows of {len(chosen)} applicants"):
        records = sample_records(tables, chosen)
    bodies = [json.dumps(records[c]) for c in chosen]
    features_for_records(json.loads(bodies[0]), state)  # warm-up: first-call imports
    latencies, cpu_ms = [], []
    for body in bodies:
        t, c = time.perf_counter(), cpu_seconds()
        features_for_records(json.loads(body), state)
        latencies.append((time.perf_counter() - t) * 1000)
        cpu_ms.append((cpu_seconds() - c) * 1000)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    side_rows = [sum(len(v) for k, v in records[c].items() if k != "application") for c in chosen]

    print(f"data: {args.data}")
    print(f"applicants: {matrix.height:,}")
    print(f"batch wall time (open + fit + build, from files): {batch_seconds:.1f} s "
          f"(fit {fitted - start:.1f} s)")  # fmt: skip
    print(f"batch CPU time (user + system, all threads): {batch_cpu:.1f} s; load average "
          f"during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"peak RSS after batch (whole process): {batch_peak:,.0f} MB")
    for family in state.families:
        print(f"features {family:>15}: {per_family[family]}")
    print(f"features {'total':>15}: {len(state.feature_names)}")
    print(
        f"one applicant as JSON ({len(latencies)} applicants, median "
        f"{statistics.median(side_rows):.0f} side-table rows): median "
        f"{statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms; "
        f"CPU per applicant: median {statistics.median(cpu_ms):.1f} ms (load average "
        f"{os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
