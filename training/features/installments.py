"""Instalment repayment behaviour: was each instalment paid on time, and in full?

Per instalment: days past due and days paid early (each clipped at 0, as in the public recipe),
paid/owed ratio and unpaid difference. Then per client over the whole history, over the last
12 months, and a recency-weighted delay where an instalment a year old weighs e^-1 of a recent one.
"""

from __future__ import annotations

import polars as pl

from training.data.schema import Tables
from training.features.family import (
    Block,
    Declarations,
    Family,
    Feature,
    Staged,
    exact_sum,
    ratio,
    table,
)
from training.features.state import FeatureState

SOURCE = "installments_payments"
RECENT_DAYS = 365
#: Recency weights decay by e every this many days.
DECAY_DAYS = 365.0

SUBSETS = {"last_12m": pl.col("DAYS_INSTALMENT") >= -RECENT_DAYS}


def _rows(tables: Tables, state: FeatureState) -> pl.LazyFrame:
    return table(tables, SOURCE)


def quantities() -> dict[str, pl.Expr]:
    due, paid_on = pl.col("DAYS_INSTALMENT"), pl.col("DAYS_ENTRY_PAYMENT")
    owed, paid = pl.col("AMT_INSTALMENT"), pl.col("AMT_PAYMENT")
    dpd = (paid_on - due).clip(lower_bound=0)
    return {
        "payment_ratio": ratio(paid, owed),
        "payment_difference": owed - paid,
        "days_past_due": dpd,
        "days_before_due": (due - paid_on).clip(lower_bound=0),
        "late_flag": (dpd > 0).cast(pl.Float64),
        "underpaid_flag": (owed - paid > 0).cast(pl.Float64),
    }


def _recency_weighted(value: pl.Expr, key: str) -> Staged:
    """Weighted mean of `value`, weight exp(DAYS_INSTALMENT / DECAY_DAYS) (recent -> ~1)."""
    weight = pl.when(value.is_not_null()).then((pl.col("DAYS_INSTALMENT") / DECAY_DAYS).exp())
    total, rows_t, sums_t = exact_sum(weight * value, f"{key}_x_recency_weight")
    weights, rows_w, sums_w = exact_sum(weight, f"{key}_recency_weight")
    return ratio(total, weights), rows_t + rows_w, sums_t + sums_w


def _features(state: FeatureState) -> list[Feature]:
    d = Declarations("installments", SOURCE, "INSTAL", SUBSETS)
    q = quantities()
    d.count()
    d.agg("SK_ID_PREV", ("nunique",))
    d.agg("NUM_INSTALMENT_VERSION", ("nunique",))
    d.derived("days_past_due", q["days_past_due"], ("max", "mean", "sum"))
    d.derived("days_before_due", q["days_before_due"], ("max", "mean", "sum"))
    d.derived("payment_ratio", q["payment_ratio"], ("min", "max", "mean", "sum", "var"))
    d.derived("payment_difference", q["payment_difference"], ("max", "mean", "sum", "var"))
    d.derived("late_flag", q["late_flag"], ("mean", "sum"))
    d.derived("underpaid_flag", q["underpaid_flag"], ("mean", "sum"))
    d.agg("AMT_INSTALMENT", ("max", "mean", "sum"))
    d.agg("AMT_PAYMENT", ("min", "max", "mean", "sum"))
    d.agg("DAYS_ENTRY_PAYMENT", ("max", "mean", "sum"))
    d.agg("DAYS_INSTALMENT", ("min", "max"))
    d.count("last_12m")
    d.derived("days_past_due", q["days_past_due"], ("max", "mean", "sum"), subset="last_12m")
    d.derived("days_before_due", q["days_before_due"], ("mean",), subset="last_12m")
    d.derived("payment_ratio", q["payment_ratio"], ("min", "mean"), subset="last_12m")
    d.derived("payment_difference", q["payment_difference"], ("mean", "sum"), subset="last_12m")
    d.derived("late_flag", q["late_flag"], ("mean",), subset="last_12m")
    d.derived("underpaid_flag", q["underpaid_flag"], ("mean",), subset="last_12m")
    d.agg("AMT_INSTALMENT", ("sum",), subset="last_12m")
    for key in ("days_past_due", "late_flag"):
        d.custom(
            f"{key.upper()}_RECENCY_WEIGHTED",
            _recency_weighted(q[key], key),
            derived=key,
            aggregation="recency_weighted_mean",
        )
    return d.items


FAMILY = Family(
    name="installments",
    table=SOURCE,
    tables=(SOURCE,),
    blocks=(Block(rows=_rows, features=_features),),
    prefix="INSTAL",
)
