"""Calibration report: how close a synthetic data set is to the real sample, column by column.

Shared by the tests (which assert thresholds) and bench/bench_synth.py (which prints figures).
Per column of every table:
- missing gap: |missing rate synthetic - missing rate real|;
- TVD: total-variation distance of category frequencies (text columns and numeric columns
  with at most 40 distinct real values), over present values;
- quantile gap: max over the 5/25/50/75/95 % quantiles of |q_syn - q_real| divided by the real
  column's spread (the larger of the IQR and half the 5-95 % range, so that heavily skewed
  columns with a near-zero IQR are not judged on noise), a scale-free closeness; the scale is
  widened to the real sample's own bootstrap noise where that is larger.
Keys are skipped. `structural` marks side-table columns set by the history layout (months,
instalment numbers, due dates) rather than sampled from a calibrated marginal: the sample keeps
a sparse subset of each history, so their quantiles are compared but with a looser tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from shared.tables import TABLES
from training.data.reader import open_tables

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_DISCRETE = 40
#: fewer real values than this say nothing about a distribution (e.g. RATE_INTEREST_PRIMARY is
#: present on 0.4 % of the sample's rows): only the missing rate is compared
MIN_REAL_VALUES = 200
BOOTSTRAPS = 30
TARGET_NAME = "TARGET"
#: thresholds the tests assert (and the bench prints against)
MAX_MISSING_GAP = 0.03
MAX_TVD = 0.05
MAX_QUANTILE_GAP = 0.25
MAX_STRUCTURAL_GAP = 1.0
SKIP = {"SK_ID_CURR", "SK_ID_BUREAU", "SK_ID_PREV", "TARGET"}
STRUCTURAL = {
    ("bureau_balance", "MONTHS_BALANCE"),
    ("POS_CASH_balance", "MONTHS_BALANCE"),
    ("POS_CASH_balance", "CNT_INSTALMENT"),
    ("POS_CASH_balance", "CNT_INSTALMENT_FUTURE"),
    ("credit_card_balance", "MONTHS_BALANCE"),
    ("installments_payments", "NUM_INSTALMENT_NUMBER"),
    ("installments_payments", "DAYS_INSTALMENT"),
    ("installments_payments", "DAYS_ENTRY_PAYMENT"),
}


@dataclass(frozen=True)
class ColumnGap:
    table: str
    column: str
    missing_gap: float
    tvd: float | None
    quantile_gap: float | None
    structural: bool


def _tvd(real: pl.Series, synth: pl.Series) -> float:
    a = real.drop_nulls().cast(pl.String).value_counts(normalize=True, name="p")
    b = synth.drop_nulls().cast(pl.String).value_counts(normalize=True, name="p")
    if a.height == 0 or b.height == 0:
        return 0.0 if a.height == b.height else 1.0
    joined = a.join(b, on=real.name, how="full", coalesce=True).fill_null(0.0)
    return float(0.5 * (joined["p"] - joined["p_right"]).abs().sum())


def _quantile_gap(real: np.ndarray, synth: np.ndarray) -> float:
    if real.size == 0 or synth.size == 0:
        return 0.0 if real.size == synth.size else float("inf")
    qr, qs = np.quantile(real, QUANTILES), np.quantile(synth, QUANTILES)
    scale = max(qr[3] - qr[1], (qr[4] - qr[0]) / 2) or (np.abs(qr).max() or 1.0)
    # a small real sample's quantiles are themselves noisy: the scale is never below the one at
    # which MAX_QUANTILE_GAP equals 4 standard errors of the difference (bootstrap of the real
    # values; the synthetic side is assumed equally noisy, hence sqrt(2))
    rng = np.random.default_rng(0)
    boot = np.quantile(rng.choice(real, size=(BOOTSTRAPS, real.size)), QUANTILES, axis=1)
    noise = 4 * np.sqrt(2) * boot.std(axis=1) / MAX_QUANTILE_GAP
    if np.all(real == np.round(real)):
        # counts: a one-unit difference is the resolution of the column, not a miscalibration
        scale = max(scale, 1 / MAX_QUANTILE_GAP)
    return float(np.max(np.abs(qs - qr) / np.maximum(scale, noise)))


def compare_table(name: str, real: pl.DataFrame, synth: pl.DataFrame) -> list[ColumnGap]:
    gaps = []
    for column in TABLES[name].column_names:
        if column in SKIP or column not in real.columns:
            continue
        r, s = real[column], synth[column]
        missing_gap = abs(r.null_count() / max(len(r), 1) - s.null_count() / max(len(s), 1))
        tvd = qgap = None
        if r.len() - r.null_count() < MIN_REAL_VALUES:
            pass
        elif r.dtype == pl.String or r.drop_nulls().n_unique() <= MAX_DISCRETE:
            tvd = _tvd(r, s)
        else:
            qgap = _quantile_gap(
                r.drop_nulls().cast(pl.Float64).to_numpy(),
                s.drop_nulls().cast(pl.Float64).to_numpy(),
            )
        gaps.append(ColumnGap(name, column, missing_gap, tvd, qgap, (name, column) in STRUCTURAL))
    return gaps


def calibration_report(
    synthetic: Path, real: Path, *, max_rows: int = 2_000_000
) -> list[ColumnGap]:
    """All column gaps; large synthetic tables are compared on their first `max_rows` rows."""
    real_tables = open_tables(real)
    synth_tables = open_tables(synthetic)
    gaps: list[ColumnGap] = []
    for name, lazy in real_tables.items():
        if name not in synth_tables:
            continue
        gaps += compare_table(name, lazy.collect(), synth_tables[name].head(max_rows).collect())
    return gaps


def summarise(gaps: list[ColumnGap]) -> pl.DataFrame:
    """Worst missing gap, TVD and quantile gap per table (with the column responsible)."""
    rows = []
    for table in dict.fromkeys(g.table for g in gaps):
        mine = [g for g in gaps if g.table == table]

        def worst(values: list[tuple[float, str]]) -> tuple[float | None, str]:
            return max(values) if values else (None, "")

        m = worst([(g.missing_gap, g.column) for g in mine])
        t = worst([(g.tvd, g.column) for g in mine if g.tvd is not None])
        q = worst([(g.quantile_gap, g.column) for g in mine if g.quantile_gap and not g.structural])
        qs = worst([(g.quantile_gap, g.column) for g in mine if g.quantile_gap and g.structural])
        rows.append(
            {
                "table": table,
                "worst_missing_gap": m[0],
                "missing_column": m[1],
                "worst_tvd": t[0],
                "tvd_column": t[1],
                "worst_quantile_gap": q[0],
                "quantile_column": q[1],
                "worst_structural_gap": qs[0],
                "structural_column": qs[1],
            }
        )
    return pl.DataFrame(rows)


def failures(gaps: list[ColumnGap]) -> list[ColumnGap]:
    """Columns outside the tolerances above."""
    return [
        g
        for g in gaps
        if g.missing_gap > MAX_MISSING_GAP
        or (g.tvd is not None and g.tvd > MAX_TVD)
        or (
            g.quantile_gap is not None
            and g.quantile_gap > (MAX_STRUCTURAL_GAP if g.structural else MAX_QUANTILE_GAP)
        )
    ]


def train_on_synthetic_auc(synthetic: Path, real: Path, *, seed: int = 0) -> float:
    """AUC on the real sample's application_train of a LightGBM trained on synthetic rows.

    Application columns only, text columns as LightGBM categoricals with the synthetic data's
    category codes reused for the real rows (unseen labels become missing).
    """
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score

    train = open_tables(synthetic, ("application_train",))["application_train"].collect()
    test = open_tables(real, ("application_train",))["application_train"].collect()
    features = [c for c in train.columns if c not in SKIP]
    text = [c for c in features if train.schema[c] == pl.String]
    codes = {c: sorted(train[c].drop_nulls().unique().to_list()) for c in text}

    def matrix(frame: pl.DataFrame) -> np.ndarray:
        encoded = frame.select(
            [
                pl.col(c).replace_strict(codes[c], list(range(len(codes[c]))), default=None)
                if c in codes
                else pl.col(c)
                for c in features
            ]
        )
        return encoded.cast(pl.Float64).to_numpy()

    params = {
        "objective": "binary",
        "learning_rate": 0.1,
        "max_bin": 63,
        "num_leaves": 31,
        "min_child_samples": 100,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "seed": seed,
        "verbose": -1,
        "num_threads": 2,
    }
    dataset = lgb.Dataset(
        matrix(train),
        train[TARGET_NAME].to_numpy(),
        feature_name=features,
        categorical_feature=[features.index(c) for c in text],
    )
    model = lgb.train(params, dataset, num_boost_round=100)
    scores = model.predict(matrix(test))
    return float(roc_auc_score(test[TARGET_NAME].to_numpy(), scores))
