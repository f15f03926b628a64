"""The yardsticks reported beside the model (training/model/baselines.py, scorecard.py): the
plain LightGBM's column set, the scorecard's bins and weights of evidence, and that both score
each fold with a model that never saw it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from training.model import baselines, scorecard
from training.model.config import LightGBMParams, TrainConfig
from training.model.cv import fold_indices
from training.progress import Progress

QUIET = Progress("test", quiet=True)


def _state_names(sample_data: Path) -> tuple[list[str], list[str]]:
    from training.data.reader import open_tables
    from training.model import feature_bridge

    state = feature_bridge.fit_state(open_tables(sample_data))
    return feature_bridge.feature_names(state), feature_bridge.categorical_names(state)


def test_plain_columns_are_raw_application_fields_and_five_ratios(sample_data: Path) -> None:
    names, _ = _state_names(sample_data)
    chosen = [names[i] for i in baselines.plain_columns(names)]
    ratios = [n for n in chosen if n.startswith("APP_")]
    assert sorted(ratios) == sorted(
        [
            "APP_CREDIT_TO_INCOME",
            "APP_ANNUITY_TO_INCOME",
            "APP_ANNUITY_TO_CREDIT",
            "APP_EMPLOYED_TO_AGE",
            "APP_INCOME_PER_PERSON",
        ]
    )
    assert {"AMT_CREDIT", "EXT_SOURCE_2", "NAME_CONTRACT_TYPE", "DAYS_BIRTH"} <= set(chosen)
    assert "APP_EXT_SOURCE_MEAN" not in chosen
    assert not [n for n in chosen if n.split("_")[0] in {"BUREAU", "BB", "PREV", "POS", "CC"}]
    assert "CODE_GENDER" not in chosen  # protected: not a feature, so not in the baseline


def _numeric_data(rows: int = 4_000, seed: int = 1):
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 1, rows)  # risk falls with it
    noise = rng.normal(size=rows)
    code = rng.integers(0, 4, rows).astype(np.float64)  # level 3 is risky
    score[rng.uniform(size=rows) < 0.1] = np.nan
    logit = -1.0 - 3.0 * np.nan_to_num(score, nan=0.2) + 1.5 * (code == 3)
    y = (rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    x = np.column_stack([score, noise, code]).astype(np.float32)
    return x, y


def test_scorecard_bins_have_monotone_woe_and_a_missing_bin() -> None:
    x, y = _numeric_data()
    field = scorecard.fit_field("EXT_SOURCE_2", x[:, 0].astype(np.float64), y, False)
    assert 2 <= len(field.woe) <= scorecard.MAX_BINS
    assert np.all(np.diff(field.woe) <= 0)  # more score, less risk, bin after bin
    # Missing values are a bin of their own, placed by their own default rate.
    assert field.transform(np.array([np.nan]))[0] == field.missing_woe
    assert field.woe[-1] < field.missing_woe < field.woe[0]
    level = scorecard.fit_field("NAME_CONTRACT_TYPE", x[:, 2].astype(np.float64), y, True)
    woe = level.transform(np.array([0.0, 1.0, 2.0, 3.0, 99.0]))
    assert woe[3] == max(woe[:4])  # the risky level
    assert woe[4] == level.woe[-1]  # an unseen code falls in "other" (no rows: 0)
    assert woe[4] == 0.0


def test_scorecard_is_a_working_model_on_the_listed_fields() -> None:
    x, y = _numeric_data()
    names = ["EXT_SOURCE_2", "NOT_A_SCORECARD_FIELD", "NAME_CONTRACT_TYPE"]
    folds = fold_indices(y, 3, 0)
    oof = scorecard.scorecard_oof(x, y, folds, names, ["NAME_CONTRACT_TYPE"], seed=0)
    assert roc_auc_score(y, oof) > 0.7
    card = scorecard.fit_scorecard(x, y, names, ["NAME_CONTRACT_TYPE"], seed=0)
    assert [f.name for f in card.fields] == ["EXT_SOURCE_2", "NAME_CONTRACT_TYPE"]
    # WoE are log-odds of default: a positive weight means "as the WoE says".
    assert np.all(card.model.coef_[0] > 0)


def test_a_folds_labels_never_change_its_own_scorecard_scores() -> None:
    """Out-of-fold for real: flipping every label of fold 0 leaves fold 0's scores unchanged
    (bins, WoE and weights come from the other folds) and changes the other folds'."""
    x, y = _numeric_data(rows=2_000)
    names = ["EXT_SOURCE_2", "AMT_CREDIT", "NAME_CONTRACT_TYPE"]
    folds = fold_indices(y, 3, 4)
    flipped = y.copy()
    flipped[folds == 0] = 1 - flipped[folds == 0]
    before = scorecard.scorecard_oof(x, y, folds, names, ["NAME_CONTRACT_TYPE"], seed=0)
    after = scorecard.scorecard_oof(x, flipped, folds, names, ["NAME_CONTRACT_TYPE"], seed=0)
    assert np.array_equal(before[folds == 0], after[folds == 0])
    assert not np.array_equal(before[folds != 0], after[folds != 0])


def test_plain_lightgbm_reads_only_its_columns_on_the_models_folds() -> None:
    """Scrambling a column outside the plain set changes nothing; one inside changes the
    scores. The OOF AUC is that of a real model."""
    x, y = _numeric_data(rows=2_000)
    rng = np.random.default_rng(9)
    names = ["EXT_SOURCE_2", "AMT_CREDIT", "NAME_CONTRACT_TYPE", "APP_EXT_SOURCE_MEAN"]
    x = np.column_stack([x, rng.normal(size=len(y))]).astype(np.float32)
    config = TrainConfig(
        folds=3,
        seed=4,
        max_rounds=30,
        early_stopping_rounds=5,
        lightgbm=LightGBMParams(learning_rate=0.2, num_threads=1),
    )
    assert [names[i] for i in baselines.plain_columns(names)] == names[:3]

    def oof(matrix: np.ndarray) -> np.ndarray:
        return baselines.plain_lightgbm_oof(matrix, y, names, ["NAME_CONTRACT_TYPE"], config, QUIET)

    first = oof(x)
    assert roc_auc_score(y, first) > 0.7
    outside, inside = x.copy(), x.copy()
    outside[:, 3] = rng.normal(size=len(y))
    inside[:, 1] = rng.normal(size=len(y)) * 1e5
    assert np.array_equal(oof(outside), first)
    assert not np.array_equal(oof(inside), first)
