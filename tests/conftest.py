"""Shared pytest fixtures. Engineers append their own fixtures below; keep each one documented.

`real_sample` is the read-only folder of real Kaggle rows beside the checkout; tests that need
real rows skip cleanly on a machine without it. `sample_data` is what the shared bundle is
trained on: the real sample when present, otherwise a small synthetic data set from the
project's own generator, so the API, server, schemathesis and browser tests run on any machine.
`tiny_tables` writes a minimal, valid, fully linked data set from the contract alone, so reader
and validation tests also run without the sample.

`SCORING_TEST_REAL_SAMPLE=/nonexistent pytest ...` runs the suite as a clean clone without
`../shared` would (any other path points the tests at another copy of the real sample).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import pytest

# A throwaway PostgreSQL server (Debian's postgresql) for the tests of SCORING_DATABASE_URL.
from postgres_server import postgres_server, postgres_url  # noqa: F401

from shared.tables import TABLES, Kind

#: Environment variable overriding where the real sample is looked for.
REAL_SAMPLE_VARIABLE = "SCORING_TEST_REAL_SAMPLE"
DEFAULT_REAL_SAMPLE = Path(__file__).resolve().parents[2] / "shared/data/homecredit-sample"
REAL_SAMPLE = Path(os.environ.get(REAL_SAMPLE_VARIABLE) or DEFAULT_REAL_SAMPLE)
#: Size and seed of the synthetic stand-in for the real sample (about 3 s to generate + train).
SYNTHETIC_APPLICANTS = 4_000
SYNTHETIC_SEED = 7


def has_real_sample() -> bool:
    """Whether the real Home Credit sample is readable at REAL_SAMPLE."""
    return (REAL_SAMPLE / "application_train.csv").is_file()


def pytest_report_header(config: pytest.Config) -> str:
    if has_real_sample():
        return f"shared test bundle: real Home Credit sample at {REAL_SAMPLE}"
    return (
        f"shared test bundle: synthetic ({SYNTHETIC_APPLICANTS:,} applicants, seed "
        f"{SYNTHETIC_SEED}); no real sample at {REAL_SAMPLE}, its tests skip"
    )


@pytest.fixture(scope="session")
def real_sample() -> Path:
    """The real Home Credit sample (read-only: copy before modifying); skips when absent."""
    if not has_real_sample():
        pytest.skip(f"needs real rows: no Home Credit sample at {REAL_SAMPLE}")
    return REAL_SAMPLE


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tables the shared bundle is trained on (read-only): the real sample when present,
    otherwise synthetic tables written once per session by `training.synth.generate` (the
    generator of `scoring synth`: Kaggle's eight files, same schema, plus truth.csv)."""
    if has_real_sample():
        return REAL_SAMPLE
    from training.synth import generate

    folder = tmp_path_factory.mktemp("synthetic-sample") / "data"
    return generate(SYNTHETIC_APPLICANTS, SYNTHETIC_SEED, folder)


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
def sample_bundle(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MODEL_DIR of a small bundle trained on `sample_data` (2 folds, few rounds): read-only.

    Trained once per session through the same `train()` as `scoring train`, so API and dashboard
    tests exercise a genuine bundle (manifest, catalogue, reference, client store) in about a
    minute instead of each test module training its own. Tests must hold for either data set;
    one that needs real rows asks for `real_sample` too.
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
    train(sample_data, out, config, Progress("train", quiet=True))
    return out
