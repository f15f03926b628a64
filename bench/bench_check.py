"""Benchmark `scoring check` (validate_source) at Kaggle scale: wall time and peak memory.

The full Kaggle data (2.5 GB of CSV, 58 million rows) is not shipped, so this script builds a
stand-in of the same row counts by repeating the real sample's rows, shifting the ids of each
copy so every key stays unique. Values keep Kaggle's formatting, so parsing costs are realistic.
The check then runs in a child process, whose peak resident memory is read from the OS.

    nice .venv/bin/python bench/bench_check.py --scale 1.0 [--zip] [--keep DIR]

Prints one line per measurement. Needs the real sample beside the checkout.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.tables import TABLES  # noqa: E402

SAMPLE = ROOT.parent / "shared/data/homecredit-sample"
FULL_ROWS = {
    "application_train": 307_511,
    "application_test": 48_744,
    "bureau": 1_716_428,
    "bureau_balance": 27_299_925,
    "previous_application": 1_670_214,
    "POS_CASH_balance": 10_001_358,
    "installments_payments": 13_605_401,
    "credit_card_balance": 3_840_312,
}
IDS = ("SK_ID_CURR", "SK_ID_BUREAU", "SK_ID_PREV")


def build(folder: Path, scale: float) -> None:
    """Write each table with round(scale * full rows) rows, copies of the sample with new ids."""
    for name, full in FULL_ROWS.items():
        started = time.perf_counter()
        sample = pl.read_csv(SAMPLE / TABLES[name].file_name, infer_schema=False)
        target = max(1, round(full * scale))
        copies = math.ceil(target / sample.height)
        ids = [c for c in IDS if c in sample.columns]
        spans = {c: int(sample[c].cast(pl.Int64).max()) + 1 for c in ids}
        low = {c: int(sample[c].cast(pl.Int64).min()) for c in ids}
        written = 0
        with (folder / TABLES[name].file_name).open("wb") as out:
            for copy in range(copies):
                part = sample.head(target - written).with_columns(
                    # Copy k maps id x to low + k * (span - low) + (x - low): disjoint ranges.
                    (pl.col(c).cast(pl.Int64) + copy * (spans[c] - low[c])).cast(pl.String)
                    for c in ids
                )
                part.write_csv(out, include_header=copy == 0)
                written += part.height
        size = (folder / TABLES[name].file_name).stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"built {name}: {written:,} rows, {size:,.0f} MB in {took:.1f}s")


def measure(code: str, label: str) -> None:
    """Run `code` in a fresh interpreter; its own peak RSS is printed by the child itself."""
    probe = (
        "\nimport resource\nprint('peak_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + probe],
        check=True,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    peak_kb = int(lines[-1].split()[-1])
    for line in lines[:-1]:
        print(f"  {line}")
    print(f"{label}: {elapsed:.1f}s wall, peak RSS {peak_kb / 1024:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of Kaggle's rows")
    parser.add_argument("--zip", action="store_true", help="also time reading from a zip")
    parser.add_argument("--keep", type=Path, help="build here and keep the files")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not (folder / "bureau_balance.csv").exists():
            build(folder, args.scale)
        total = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e9
        print(f"data: {folder} ({total:.2f} GB of CSV, scale {args.scale})")
        measure(
            "from training.data.validation import validate_source\n"
            "from training.progress import Progress\n"
            f"r = validate_source({str(folder)!r}, progress=Progress('check'))\n"
            "print('ok' if r.ok else [str(e) for e in r.errors])\n"
            "print({n: (t.rows, t.clients) for n, t in r.tables.items()})",
            "validate_source (scoring check)",
        )
        if args.zip:
            archive = folder.parent / f"{folder.name}.zip"
            started = time.perf_counter()
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
                for path in sorted(folder.glob("*.csv")):
                    out.write(path, f"home-credit-default-risk/{path.name}")
            zipped = archive.stat().st_size / 1e6
            print(f"zipped: {zipped:,.0f} MB in {time.perf_counter() - started:.1f}s")
            measure(
                "from training.data.sources import resolve_source\n"
                f"resolve_source({str(archive)!r})",
                "zip first read (extraction)",
            )
            measure(
                "from training.data.sources import resolve_source\n"
                f"resolve_source({str(archive)!r})",
                "zip second read (cached)",
            )
            archive.unlink()
            shutil.rmtree(archive.parent / f"{archive.stem}.extracted", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
