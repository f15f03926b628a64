"""Governance end to end on synthetic data: the bundle's fairness report, drift reference and
model card, and `scoring monitor` on a second sample of the same generator (stable) and on a
copy with EXT_SOURCE_2 halved and incomes tripled (act)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from shared.bundle import load_bundle
from shared.drift import DRIFT_REFERENCE_FILE, DriftReference, DriftReport
from shared.governance import FAIRNESS_FILE, MODEL_CARD_FILE, FairnessReport
from training.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synthetic_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.model.config import LightGBMParams, TrainConfig
    from training.model.train import train
    from training.progress import Progress
    from training.synth import generate

    root = tmp_path_factory.mktemp("governance")
    data = generate(3_000, 11, root / "train-data")
    config = TrainConfig(
        folds=2,
        seed=7,
        max_rounds=60,
        early_stopping_rounds=10,
        lightgbm=LightGBMParams(learning_rate=0.15),
        logistic_max_rows=1_000,
        shap_rows=500,
    )
    train(data, root / "models", config, Progress("train", quiet=True))
    return root / "models"


@pytest.fixture(scope="module")
def second_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.synth import generate

    return generate(2_000, 12, tmp_path_factory.mktemp("second") / "data")


def _drifted_copy(source: Path, target: Path) -> Path:
    """The same applicants with EXT_SOURCE_2 halved and incomes tripled (other tables as is)."""
    target.mkdir(parents=True)
    for file in source.iterdir():
        if file.name in ("application_train.csv", "application_test.csv"):
            frame = pl.read_csv(file, infer_schema_length=0)
            frame = frame.with_columns(
                (pl.col("EXT_SOURCE_2").cast(pl.Float64) / 2).cast(pl.String),
                (pl.col("AMT_INCOME_TOTAL").cast(pl.Float64) * 3).cast(pl.String),
            )
            frame.write_csv(target / file.name)
        else:
            (target / file.name).symlink_to(file)
    return target


def _monitor(
    model: Path, data: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> DriftReport:
    assert (
        main(["monitor", "--model", str(model), "--data", str(data), "--json", "--quiet", *extra])
        == 0
    )
    return DriftReport.model_validate_json(capsys.readouterr().out)


def test_bundle_carries_hashed_governance_documents(synthetic_bundle: Path) -> None:
    bundle = load_bundle(synthetic_bundle)  # verifies every hash, the three documents included
    for name in (FAIRNESS_FILE, DRIFT_REFERENCE_FILE, MODEL_CARD_FILE):
        assert name in bundle.manifest.files
    fairness = FairnessReport.model_validate_json(bundle.path(FAIRNESS_FILE).read_bytes())
    gender = fairness.attribute("CODE_GENDER")
    assert {g.group for g in gender.groups} >= {"F", "M"}
    assert fairness.n == bundle.manifest.n_train and fairness.predictions == "out-of-fold"
    assert [a.attribute for a in fairness.attributes] == [
        "CODE_GENDER",
        "AGE_BAND",
        "NAME_FAMILY_STATUS",
        "CODE_GENDER x AGE_BAND",
    ]
    drift = DriftReference.model_validate_json(bundle.path(DRIFT_REFERENCE_FILE).read_bytes())
    assert drift.n == bundle.manifest.n_train
    assert set(drift.features) == set(bundle.manifest.feature_names)
    card = bundle.path(MODEL_CARD_FILE).read_text("utf-8")
    assert "`CODE_GENDER`" in card and "Excluded from the model" in card
    assert f"{bundle.manifest.metrics['model'].roc_auc:.4f}" in card
    assert "synthetic" in card


def test_same_generator_is_stable_and_drifted_copy_acts(
    synthetic_bundle: Path, second_sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stable = _monitor(synthetic_bundle, second_sample, capsys)
    assert stable.score_psi < 0.10, stable.score_psi
    assert stable.n > 2_000 and stable.estimate is not None
    drifted = _monitor(
        synthetic_bundle,
        _drifted_copy(second_sample, tmp_path / "drifted"),
        capsys,
        "--feature",
        "EXT_SOURCE_2",
        "--out",
        str(tmp_path / "report.html"),
    )
    assert drifted.status == "act"
    psi = {f.name: f.psi for f in drifted.features}
    assert psi["EXT_SOURCE_2"] > 0.25
    html = (tmp_path / "report.html").read_text("utf-8")
    assert "EXT_SOURCE_2" in html and "act" in html


def test_monitor_refuses_an_unknown_feature(
    synthetic_bundle: Path, second_sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "monitor",
            "--model",
            str(synthetic_bundle),
            "--data",
            str(second_sample),
            "--feature",
            "NOPE",
            "--quiet",
        ]
    )
    assert code == 2
    assert "--feature NOPE: not a feature" in capsys.readouterr().err


def test_train_prints_the_governance_summary(synthetic_bundle: Path) -> None:
    from training.governance.stage import summary_lines

    bundle = load_bundle(synthetic_bundle)
    lines = summary_lines(bundle.root)
    assert any(line.strip().startswith("CODE_GENDER") for line in lines)
    assert any("drift reference" in line for line in lines)
    assert json.loads(bundle.path(FAIRNESS_FILE).read_text("utf-8"))["library"].startswith(
        "fairlearn"
    )
