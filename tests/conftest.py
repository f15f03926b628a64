"""Shared pytest fixtures. Engineers append their own fixtures below; keep each one documented.

`real_sample` is the read-only folder of real Kaggle rows beside the checkout; tests that need it
skip cleanly on a machine without it. `tiny_tables` writes a minimal, valid, fully linked data
set from the contract alone, so reader and validation tests also run without the sample.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from shared.tables import TABLES, Kind

REAL_SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/homecredit-sample"


@pytest.fixture(scope="session")
def real_sample() -> Path:
    """The real Home Credit sample (read-only: copy before modifying); skips when absent."""
    if not (REAL_SAMPLE / "application_train.csv").is_file():
        pytest.skip(f"real Home Credit sample not found at {REAL_SAMPLE}")
    return REAL_SAMPLE


#: Id ranges per key column, so every key is unique and every reference resolves.
_ID_BASE = {"SK_ID_CURR": 100_001, "SK_ID_BUREAU": 5_000_001, "SK_ID_PREV": 1_000_001}


def tiny_value(table: str, column: str, row: int) -> str:
    """The text written for `column` on data row `row` (0-based) of a tiny table."""
    kind = TABLES[table].column(column).kind
    if column in _ID_BASE:
        offset = 50_000 if table == "application_test" and column == "SK_ID_CURR" else 0
        return str(_ID_BASE[column] + offset + row)
    if column == "MONTHS_BALANCE":
        return str(-1 - row)
    if column == "TARGET":
        return str(row % 2)
    if kind is Kind.INT:
        return str(row * 3 - 2)
    if kind is Kind.FLOAT:
        return "" if row == 2 else f"{row * 1000}.5"
    return "" if row == 3 else ("XNA" if row == 0 else f"Label {row}")


def write_tiny_table(folder: Path, table: str, rows: int = 5) -> Path:
    """A contract-conforming CSV with `rows` rows, written like Kaggle's (UTF-8, comma, LF)."""
    spec = TABLES[table]
    path = folder / spec.file_name
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(spec.column_names)
        for row in range(rows):
            writer.writerow([tiny_value(table, c, row) for c in spec.column_names])
    return path


@pytest.fixture
def tiny_tables(tmp_path: Path) -> Callable[..., Path]:
    """Factory: `tiny_tables(rows=5, names=None)` writes the eight tables into a fresh folder."""

    def make(rows: int = 5, names: tuple[str, ...] | None = None) -> Path:
        folder = tmp_path / "tiny"
        folder.mkdir(exist_ok=True)
        for table in names or tuple(TABLES):
            write_tiny_table(folder, table, rows)
        return folder

    return make


# --- API: one small bundle trained on the real sample, shared by the API and dashboard tests ---


@pytest.fixture(scope="session")
def sample_bundle(real_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MODEL_DIR of a small real bundle (real sample, 2 folds, few rounds): treat as read-only.

    Trained once per session through the same `train()` as `scoring train`, so API and dashboard
    tests exercise a genuine bundle (manifest, catalogue, reference, client store) in about a
    minute instead of each test module training its own.
    """
    from training.model.config import LightGBMParams, TrainConfig
    from training.model.train import train
    from training.progress import Progress

    out = tmp_path_factory.mktemp("sample-bundle")
    config = TrainConfig(
        folds=2,
        seed=7,
        max_rounds=40,
        early_stopping_rounds=10,
        lightgbm=LightGBMParams(learning_rate=0.15),
        logistic_max_rows=1_000,
        shap_rows=500,
    )
    train(real_sample, out, config, Progress("train", quiet=True))
    return out
