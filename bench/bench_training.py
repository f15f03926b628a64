"""Benchmark `scoring train` on synthetic data: stage times, peak memory, OOF AUC versus truth.

The synthetic generator knows every applicant's true default probability (truth.csv). The AUC of
those true probabilities is the best any model could reach on the drawn TARGETs, so the gap
between it and the model's out-of-fold AUC measures what the features + model fail to recover.

    nice .venv/bin/python bench/bench_training.py --applicants 100000 [--seed 42]
        [--data DIR]     reuse an existing folder instead of generating (truth.csv optional)
        [--keep DIR]     keep the generated data and the bundle there
        [--folds 5] [--format csv|parquet]
    nice .venv/bin/python bench/bench_training.py --compare-weighting --data DIR
        cross-validates with and without re-weighting the defaults, prints AUC / Brier / log loss

Generation and training each run in a child process, whose peak resident memory (ru_maxrss)
is read from the OS when it ends. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_DONE = re.compile(r"\] \w+: (.+) done in ([0-9.]+)s$")


def _run_child(args: list[str]) -> tuple[float, float, float, list[str]]:
    """Runs this script in a child mode; returns (wall seconds, CPU seconds, peak RSS in GB,
    stderr lines). CPU seconds / 2 estimates the wall time on an idle 2-core machine when the
    benchmark shares the machine with other work."""
    started = time.perf_counter()
    # As `scoring train` does (training/model/runtime.py): no OpenMP spinning on a shared box.
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    process = subprocess.Popen(
        [sys.executable, __file__, *args], stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    lines = []
    assert process.stderr is not None
    for line in process.stderr:
        sys.stderr.write(line)
        lines.append(line.rstrip("\n"))
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child {args[0]} failed with status {process.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu, usage.ru_maxrss / 1024**2, lines


def _child_generate(applicants: int, seed: int, out: Path, fmt: str) -> None:
    from training.progress import Progress
    from training.synth.generator import generate

    generate(applicants, seed, out, fmt=fmt, force=True, progress=Progress("synth"))


def _child_train(data: Path, out: Path, folds: int, seed: int) -> None:
    from training.model.config import TrainConfig
    from training.model.train import report_lines, train
    from training.progress import Progress

    result = train(data, out, TrainConfig(folds=folds, seed=seed), Progress("train"))
    print("\n".join(report_lines(result)), file=sys.stderr)


def _child_score(data: Path, models: Path, out: Path) -> None:
    """`scoring score --split test`, as the command runs it."""
    from training.commands import score

    parser = argparse.ArgumentParser()
    score.add_arguments(parser)
    args = parser.parse_args(
        ["--model", str(models), "--data", str(data), "--out", str(out), "--split", "test"]
    )
    score.run(args)


def _child_compare(data: Path, folds: int, seed: int) -> None:
    """Same folds and features, with and without scale_pos_weight: the evidence behind
    TrainConfig.class_weighting = "none"."""
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    from shared.tables import CLIENT_ID
    from training.data.reader import open_tables
    from training.model import feature_bridge
    from training.model.calibration import choose_calibration
    from training.model.config import TrainConfig
    from training.model.cv import cross_validate
    from training.model.threshold import choose_threshold
    from training.model.train import _labels
    from training.progress import Progress

    progress = Progress("compare", quiet=True)
    tables = open_tables(data)
    train_raw = tables["application_train"].collect()
    y = _labels(train_raw, folds)
    state = feature_bridge.fit_state(tables)
    frame = feature_bridge.compute_features(tables, state)
    m = feature_bridge.align(frame, train_raw[CLIENT_ID].to_numpy(), state.feature_names)
    categorical = feature_bridge.categorical_names(state)
    for weighting in ("none", "balanced"):
        config = TrainConfig(folds=folds, seed=seed, class_weighting=weighting)
        cv = cross_validate(m.x, y, m.names, categorical, config, progress)
        p = cv.oof
        choice = choose_threshold(y, p, config.cost_fn, config.cost_fp)
        calibrated = choose_calibration(y, p, seed)
        print(
            f"weighting={weighting:<8} AUC {roc_auc_score(y, p):.4f}  "
            f"Brier {brier_score_loss(y, p):.5f}  logloss {log_loss(y, p):.4f}  "
            f"mean p {p.mean():.4f} (default rate {y.mean():.4f})  "
            f"threshold {choice.threshold:.3f} cost {choice.cost:,.0f}  "
            f"calibration chosen: {calibrated.method}  rounds {cv.best_iterations}",
            flush=True,
        )


def _truth_gap(data: Path, bundle_root: Path) -> None:
    import polars as pl
    from sklearn.metrics import roc_auc_score

    from shared.bundle import load_bundle

    manifest = load_bundle(bundle_root).manifest
    oof_auc = manifest.metrics["model"].roc_auc
    print(f"model OOF AUC           {oof_auc:.4f}")
    print(f"logistic OOF AUC        {manifest.metrics['logistic'].roc_auc:.4f}")
    print(f"threshold               {manifest.threshold:.3f}")
    print(f"refit rounds            {manifest.training_params['refit_rounds']}")
    print(f"features                {len(manifest.features)}")
    truth_file = data / "truth.csv"
    if not truth_file.is_file():
        print("truth AUC               n/a (no truth.csv)")
        return
    train = pl.scan_csv(data / "application_train.csv").select("SK_ID_CURR", "TARGET")
    if (data / "application_train.parquet").is_file():
        train = pl.scan_parquet(data / "application_train.parquet").select("SK_ID_CURR", "TARGET")
    truth = pl.read_csv(truth_file).join(train.collect(), on="SK_ID_CURR", how="inner")
    truth_auc = roc_auc_score(truth["TARGET"].to_numpy(), truth["probability"].to_numpy())
    print(f"truth AUC               {truth_auc:.4f}")
    print(f"gap (truth - OOF)       {truth_auc - oof_auc:.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--compare-weighting", action="store_true")
    parser.add_argument(
        "--child", choices=("generate", "train", "compare", "score"), help=argparse.SUPPRESS
    )
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "generate":
        _child_generate(args.applicants, args.seed, args.out, args.format)
        return 0
    if args.child == "train":
        _child_train(args.data, args.out, args.folds, args.seed)
        return 0
    if args.child == "score":
        _child_score(args.data, args.out, args.out / "scores.parquet")
        return 0
    if args.child == "compare":
        _child_compare(args.data, args.folds, args.seed)
        return 0
    if args.compare_weighting:
        if args.data is None:
            parser.error("--compare-weighting needs --data")
        seconds, cpu, rss, _ = _run_child(
            ["--child", "compare", "--data", str(args.data), "--folds", str(args.folds)]
        )
        print(f"comparison took {seconds:.1f}s (CPU {cpu:.1f}s), peak RSS {rss:.2f} GB")
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-training-") as scratch:
        base = args.keep or Path(scratch)
        data = args.data or base / "data"
        models = base / "models"
        figures: list[str] = []
        if args.data is None:
            seconds, cpu, rss, _ = _run_child(
                [
                    "--child", "generate", "--applicants", str(args.applicants),
                    "--seed", str(args.seed), "--out", str(data), "--format", args.format,
                ]
            )  # fmt: skip
            figures.append(f"generate {args.applicants:,} applicants: {seconds:.1f}s "
                           f"(CPU {cpu:.1f}s), peak RSS {rss:.2f} GB")  # fmt: skip
        seconds, cpu, rss, lines = _run_child(
            ["--child", "train", "--data", str(data), "--out", str(models),
             "--folds", str(args.folds), "--seed", str(args.seed)]
        )  # fmt: skip
        print("\n".join(figures))
        print(f"train total: {seconds:.1f}s wall, {cpu:.1f}s CPU, peak RSS {rss:.2f} GB")
        for line in lines:
            match = _DONE.search(line)
            if match and not match.group(1).startswith(("fold ", "family ")):
                print(f"  {match.group(1):<45} {float(match.group(2)):8.1f}s")
            elif match:
                print(f"    {match.group(1):<43} {float(match.group(2)):8.1f}s")
        seconds, cpu, rss, _ = _run_child(
            ["--child", "score", "--data", str(data), "--out", str(models)]
        )
        print(f"score --split test: {seconds:.1f}s wall, {cpu:.1f}s CPU, peak RSS {rss:.2f} GB")
        _truth_gap(data, models)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
