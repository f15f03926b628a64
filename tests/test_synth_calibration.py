"""Synthetic marginals against the real sample, and train-on-synthetic / test-on-real AUC."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from training.data.reader import open_tables
from training.synth import generate
from training.synth.calibrate import calibrate_table, fit_risk
from training.synth.marginals import Continuous, Discrete, fit_marginal
from training.synth.report import (
    MAX_MISSING_GAP,
    MAX_QUANTILE_GAP,
    MAX_TVD,
    calibration_report,
    failures,
    summarise,
    train_on_synthetic_auc,
)
from training.synth.spec import SPECS
from training.synth.tablegen import load_profile

PROFILE = Path(__file__).resolve().parents[1] / "training/synth/profile.json"


@pytest.fixture(scope="module")
def synth_50k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(50_000, 2024, tmp_path_factory.mktemp("calibration") / "data")


@pytest.mark.slow
def test_every_column_within_tolerance(synth_50k: Path, real_sample: Path) -> None:
    gaps = calibration_report(synth_50k, real_sample)
    assert len(gaps) > 250  # every non-key column of the eight tables
    assert failures(gaps) == [], summarise(gaps)
    assert max(g.missing_gap for g in gaps) <= MAX_MISSING_GAP
    assert max(g.tvd for g in gaps if g.tvd is not None) <= MAX_TVD
    modelled = [g.quantile_gap for g in gaps if g.quantile_gap is not None and not g.structural]
    assert max(modelled) <= MAX_QUANTILE_GAP


@pytest.mark.slow
def test_model_trained_on_synthetic_ranks_real_applicants(
    synth_50k: Path, real_sample: Path
) -> None:
    assert train_on_synthetic_auc(synth_50k, real_sample) >= 0.70


def test_shipped_profile_is_small_and_current(real_sample: Path) -> None:
    """profile.json is < 1 MB, holds no key columns, and is what calibrate derives today."""
    assert PROFILE.stat().st_size < 1_000_000
    shipped = load_profile()
    for table in shipped["tables"].values():
        assert not {"SK_ID_CURR", "SK_ID_PREV", "SK_ID_BUREAU"} & set(table["marginals"])
    frames = {n: lf.collect() for n, lf in open_tables(real_sample).items()}
    risk = json.loads(json.dumps(fit_risk(frames["application_train"])))
    assert risk["coef"] == shipped["risk"]["coef"]
    assert risk["sample_auc_cv5"] > 0.72
    bureau = json.loads(json.dumps(calibrate_table(frames["bureau"], SPECS["bureau"])))
    assert bureau["marginals"] == shipped["tables"]["bureau"]["marginals"]


def test_continuous_marginal_keeps_atoms_and_quantiles() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [rng.lognormal(10, 1, 6_000), np.zeros(3_000), np.full(1_000, 365243.0)]
    )
    values[rng.random(values.size) < 0.1] = np.nan
    marginal = fit_marginal(values, text=False)
    assert isinstance(marginal, Continuous) and marginal.missing == pytest.approx(0.1, abs=0.01)
    draws = marginal.numbers(rng.random(200_000))
    present = values[~np.isnan(values)]
    assert np.mean(draws == 0) == pytest.approx(np.mean(present == 0), abs=0.01)
    assert np.mean(draws == 365243.0) == pytest.approx(np.mean(present == 365243.0), abs=0.01)
    # nothing invented between the largest amount and the sentinel
    assert np.mean((draws > present[present < 365243].max()) & (draws < 365243)) < 1e-3
    for q in (0.25, 0.5, 0.75):
        assert np.quantile(draws, q) == pytest.approx(np.quantile(present, q), rel=0.05)


def test_discrete_marginal_frequencies() -> None:
    marginal = fit_marginal(["a"] * 70 + ["b"] * 20 + [None] * 10, text=True)
    assert isinstance(marginal, Discrete) and marginal.values == ("a", "b")
    codes = marginal.codes(np.random.default_rng(1).random(100_000))
    assert np.mean(codes == 0) == pytest.approx(70 / 90, abs=0.01)
