"""Writing the synthetic tables the way Kaggle distributes them, atomically.

Everything goes into a temporary folder beside the target and is renamed into place only when
complete, so an interrupted or failed run never leaves a half-written data set where the
training pipeline would pick it up. With `force`, the old folder is renamed aside first, the new
one renamed in, then the old one deleted.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import polars as pl

from shared.tables import DESCRIPTION_FILE, TABLES, description_rows
from training.data.schema import polars_schema
from training.errors import UserFacingError

FORMATS = ("csv", "parquet")
TRUTH_FILE = "truth.csv"
#: Python (and so Kaggle's pandas export) writes |x| < 1e-4 in scientific notation, Polars not
_SCIENTIFIC_BELOW = 1e-4


def check_target(out: Path, force: bool) -> Path:
    """Refuse targets that would clobber data or cannot be written, before any work is done."""
    out = Path(out).absolute()
    if out.exists() and not out.is_dir():
        raise UserFacingError(f"--out {out}: exists and is not a folder; expected a folder path")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UserFacingError(
            f"--out {out}: folder exists and is not empty; pass --force to replace it"
        )
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserFacingError(f"--out {out}: cannot create {parent} ({error.strerror})") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserFacingError(f"--out {out}: folder {parent} is not writable")
    return out


@contextmanager
def staged_folder(out: Path, force: bool) -> Iterator[Path]:
    """A temporary folder that becomes `out` only if the block completes."""
    out = check_target(out, force)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.synth-", dir=out.parent))
    except OSError as error:
        raise UserFacingError(f"--out {out}: cannot write in {out.parent} ({error})") from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp's private 0700 would otherwise become the data folder's
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        old = tmp.with_name(tmp.name + ".old")
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)


def _kaggle_floats(frame: pl.DataFrame) -> pl.DataFrame:
    """Float columns holding tiny values get Python's repr for them ("1.67e-05"), like Kaggle."""
    fixes = []
    for name, dtype in frame.schema.items():
        if dtype != pl.Float64:
            continue
        values = frame[name].to_numpy()
        tiny = (np.abs(values) < _SCIENTIFIC_BELOW) & (values != 0)
        if not tiny.any():
            continue
        text = frame[name].cast(pl.String)
        rows = np.nonzero(tiny)[0]
        text = text.scatter(rows, [repr(float(v)) for v in values[rows]])
        fixes.append(text)
    return frame.with_columns(fixes) if fixes else frame


def write_table(folder: Path, name: str, frame: pl.DataFrame, fmt: str) -> Path:
    """One table with its Kaggle file name; Parquet uses the reader's storage types."""
    assert frame.columns == list(TABLES[name].column_names), name
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        frame.cast(polars_schema(name)).write_parquet(path)  # type: ignore[arg-type]
    else:
        path = folder / TABLES[name].file_name
        _kaggle_floats(frame).write_csv(path)
    return path


def write_truth(folder: Path, ids: np.ndarray, probability: np.ndarray) -> Path:
    path = folder / TRUTH_FILE
    order = np.argsort(ids)
    pl.DataFrame(
        {"SK_ID_CURR": ids[order].astype(np.int32), "probability": probability[order]}
    ).write_csv(path)
    return path


def description_index() -> list[int]:
    """Kaggle's running index skips 3 and 4 (two rows removed before publication)."""
    count = len(description_rows())
    return [i + 1 if i < 2 else i + 3 for i in range(count)]


def write_description(folder: Path) -> Path:
    path = folder / DESCRIPTION_FILE
    with path.open("w", encoding="latin-1", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["", "Table", "Row", "Description", "Special"])
        for index, row in zip(description_index(), description_rows(), strict=True):
            writer.writerow([index, *row])
    return path
