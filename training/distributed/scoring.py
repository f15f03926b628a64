"""Batch scoring on Dask: each worker features, scores and writes its own lake partition.

`scoring score --engine dask --out DIR` writes `DIR/part-<partition>.parquet` (SK_ID_CURR,
probability, decision: the columns of the single-node output) plus `DIR/_scores.json` (what was
scored, by which bundle, how many rows per part). Nothing but that summary travels back to the
driver, so the output is not bounded by the driver's memory. The probabilities are the
single-node command's to the last bit: same fitted state, same refit model read from the same
native text, same raw score -> sigmoid -> calibration (tests/test_dask_engine.py).

Atomicity: the parts are written into a hidden folder beside DIR (each part through its own
temporary name, fsynced) and the folder gets its name once every partition is written and the
summary is written last, so a reader sees the previous complete output or the new one. DIR must
therefore be on storage every worker mounts at the same path, like the lake. An existing DIR is
replaced only when it is a previous output of this command (it holds `_scores.json`).

What is shipped to the workers: the bundle's model text, feature state JSON and calibration, read
on the driver from the bundle it has verified (hashes, format), once per run, never a pickle of
a file path the workers would have to trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from shared.tables import CLIENT_ID
from training.data import lake
from training.data.folder_swap import fsync_dir, fsync_tree, publish
from training.errors import UserFacingError
from training.progress import Progress

if TYPE_CHECKING:
    import lightgbm as lgb
    from distributed import Client

    from training.model.predict import Scorer

SUMMARY_FILE = "_scores.json"
_BOOSTERS: dict[str, lgb.Booster] = {}
_BOOSTERS_LOCK = Lock()


def part_name(index: int) -> str:
    return f"part-{lake.partition_name(index)}.parquet"


def _booster(model_text: str) -> lgb.Booster:
    """The model parsed once per worker process (parsing 1,000 trees takes a noticeable time)."""
    import lightgbm as lgb

    key = hashlib.sha256(model_text.encode()).hexdigest()
    with _BOOSTERS_LOCK:
        booster = _BOOSTERS.get(key)
        if booster is None:
            _BOOSTERS.clear()
            booster = _BOOSTERS[key] = lgb.Booster(model_str=model_text)
    return booster


def score_partition(
    folder: str, index: int, bundle: dict[str, Any], sources: tuple[str, ...], stage: str
) -> dict[str, int]:
    """Runs on a worker: scores the applicants of `sources` in one partition, writes its part
    (even an empty one, so every partition is accounted for) and returns its counts."""
    from shared.bundle import Calibration
    from training.data.reader import open_tables
    from training.distributed.features import worker_state
    from training.model import feature_bridge
    from training.model.cv import predict_raw, probability_from_raw
    from training.model.predict import applicant_ids

    tables = open_tables(folder)
    present = tuple(name for name in sources if name in tables)
    ids = applicant_ids(tables, present) if present else np.empty(0, dtype=np.int32)
    if ids.size:
        state = worker_state(bundle["state"])
        frame = feature_bridge.compute_features(tables, state, client_ids=ids)
        x = feature_bridge.align(frame, ids, bundle["features"]).x
        raw = probability_from_raw(predict_raw(_booster(bundle["model"]), x))
        p = Calibration.model_validate_json(bundle["calibration"]).apply(raw)
    else:
        p = np.empty(0, dtype=np.float64)
    threshold = float(bundle["threshold"])
    frame = pl.DataFrame(
        {
            CLIENT_ID: pl.Series(CLIENT_ID, ids, dtype=pl.Int32),
            "probability": pl.Series("probability", p, dtype=pl.Float64),
            "decision": pl.Series(
                "decision", np.where(p >= threshold, "refuse", "grant"), dtype=pl.String
            ),
        }
    )
    target = Path(stage) / part_name(index)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex}")
    try:
        frame.write_parquet(tmp, compression="zstd")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return {"partition": index, "rows": frame.height, "refused": int(np.sum(p >= threshold))}


def _check_target(out: Path) -> None:
    if out.suffix.lower() == ".csv":
        raise UserFacingError(
            f"--out {out}: --engine dask writes a folder of Parquet parts (one per lake "
            "partition), not a CSV file; name a folder, e.g. --out scores/"
        )
    if out.exists() and not (out.is_dir() and (out / SUMMARY_FILE).is_file()):
        raise UserFacingError(
            f"--out {out} exists and is not an output of `scoring score --engine dask` (no "
            f"{SUMMARY_FILE} in it); expected a new folder, or a previous output to replace"
        )


def score_to_folder(
    client: Client,
    root: str | Path,
    scorer: Scorer,
    sources: tuple[str, ...],
    out: Path,
    progress: Progress,
) -> dict[str, Any]:
    """Scores every applicant of `sources` in the lake at `root` into the folder `out`; returns
    the summary written as `_scores.json`."""
    from distributed import as_completed

    from training.distributed.features import require_lake

    root = require_lake(root)
    out = Path(out)
    _check_target(out)
    manifest = lake.read_manifest(root)
    if not any(name in manifest.tables for name in sources):
        raise UserFacingError(f"no {' or '.join(sources)} table found in the data folder {root}")
    bundle = scorer.bundle
    payload = {
        "model": bundle.model_path.read_text("utf-8"),
        "state": bundle.feature_state_path.read_text("utf-8"),
        "calibration": bundle.manifest.calibration.model_dump_json(),
        "threshold": bundle.manifest.threshold,
        "features": list(bundle.manifest.feature_names),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.with_name(f".{out.name}.score-{uuid.uuid4().hex[:12]}")
    stage.mkdir()
    try:
        shipped = client.scatter(payload, broadcast=True, hash=False)
        folders = lake.partition_folders(root)
        futures = [
            client.submit(score_partition, str(f), i, shipped, sources, str(stage), pure=False)
            for i, f in enumerate(folders)
        ]
        parts: list[dict[str, int]] = []
        for done, future in enumerate(as_completed(futures), start=1):
            parts.append(future.result())
            progress.say(
                f"partition {done}/{len(futures)} scored: {parts[-1]['rows']:,} applicants"
            )
        parts.sort(key=lambda part: part["partition"])
        summary = {
            "created_at": datetime.now(UTC).isoformat(),
            "model_version": bundle.manifest.version,
            "data": str(root),
            "data_fingerprint": manifest.source.fingerprint,
            "tables": list(sources),
            "threshold": bundle.manifest.threshold,
            "rows": sum(p["rows"] for p in parts),
            "refused": sum(p["refused"] for p in parts),
            "parts": [{"file": part_name(p["partition"]), **p} for p in parts],
        }
        (stage / SUMMARY_FILE).write_text(json.dumps(summary, indent=1), "utf-8")
        fsync_tree(stage)
        publish(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        fsync_dir(out.parent)
        raise
    return summary
