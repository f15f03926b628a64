"""Benchmark `scoring synth`: wall time, peak memory, rows per table, calibration and AUC.

    python bench/bench_synth.py --applicants 307511 [--format csv|parquet] [--keep DIR]

Peak RSS is resource.getrusage's ru_maxrss of this process and its children (kB on Linux).
The calibration figures (worst missing-rate gap, TVD and quantile gap per table) and the
train-on-synthetic / test-on-real AUC need the real sample beside the checkout; they are
skipped when it is absent.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL_SAMPLE = ROOT.parent / "shared/data/homecredit-sample"


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", dest="fmt")
    parser.add_argument("--keep", type=Path, help="write here and keep (default: temp, deleted)")
    parser.add_argument("--auc-applicants", type=int, default=50_000)
    args = parser.parse_args()

    import polars as pl

    from training.progress import Progress
    from training.synth import generate
    from training.synth.report import (
        calibration_report,
        failures,
        summarise,
        train_on_synthetic_auc,
    )

    work = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    out = args.keep or work / "data"
    try:
        start = time.perf_counter()
        generate(
            args.applicants, args.seed, out, fmt=args.fmt, force=True, progress=Progress("synth")
        )
        wall = time.perf_counter() - start
        rss = peak_rss_mb()
        print(
            f"applicants {args.applicants:,} format {args.fmt}: "
            f"wall {wall:.1f} s, peak RSS {rss:,.0f} MB"
        )
        total = 0
        for path in sorted(out.iterdir()):
            if path.suffix == ".parquet":
                rows = pl.scan_parquet(path).select(pl.len()).collect().item()
            else:
                rows = sum(1 for _ in path.open("rb")) - 1
            total += rows if path.stem not in ("truth", "HomeCredit_columns_description") else 0
            print(f"  {path.name:38s} {rows:>12,} rows {path.stat().st_size / 1e6:>10.1f} MB")
        print(f"  {'eight tables':38s} {total:>12,} rows, {total / wall / 1e6:.2f} M rows/s")
        if not REAL_SAMPLE.is_dir():
            print("real sample absent: calibration and AUC skipped")
            return 0
        gaps = calibration_report(out, REAL_SAMPLE)
        with pl.Config(tbl_width_chars=200, tbl_cols=20, tbl_rows=20, float_precision=3):
            print(summarise(gaps))
        print(f"columns outside tolerance: {[(g.table, g.column) for g in failures(gaps)]}")
        auc_dir = work / "auc"
        generate(args.auc_applicants, args.seed, auc_dir)
        started = time.perf_counter()
        auc = train_on_synthetic_auc(auc_dir, REAL_SAMPLE)
        print(
            f"train on {args.auc_applicants:,} synthetic, test on real application_train: "
            f"AUC {auc:.4f} ({time.perf_counter() - started:.0f} s)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
