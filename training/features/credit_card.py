"""Credit cards at Home Credit, month by month: balance against limit, drawings, payments, delays.

The recipe's min/max/mean/sum/var of every monthly field, plus utilisation (balance / limit), a
strong sign of financial stress, and the last 12 months on their own.
"""

from __future__ import annotations

import polars as pl

from shared.tables import CLIENT_ID, TABLES, Kind
from training.data.schema import Tables
from training.features.family import Block, Declarations, Family, Feature, ratio, table
from training.features.state import FeatureState

SOURCE = "credit_card_balance"
RECENT_MONTHS = 12
#: Every numeric monthly field except the keys.
NUMERIC: tuple[str, ...] = tuple(
    c.name
    for c in TABLES[SOURCE].columns
    if c.kind is not Kind.TEXT and c.name not in (CLIENT_ID, "SK_ID_PREV")
)

SUBSETS = {"last_12m": pl.col("MONTHS_BALANCE") >= -RECENT_MONTHS}


def _rows(tables: Tables, state: FeatureState) -> pl.LazyFrame:
    return table(tables, SOURCE)


def quantities() -> dict[str, pl.Expr]:
    limit = pl.col("AMT_CREDIT_LIMIT_ACTUAL")
    return {
        "card_utilisation": ratio(pl.col("AMT_BALANCE"), limit),
        "drawings_to_limit": ratio(pl.col("AMT_DRAWINGS_CURRENT"), limit),
        "payment_to_minimum": ratio(
            pl.col("AMT_PAYMENT_TOTAL_CURRENT"), pl.col("AMT_INST_MIN_REGULARITY")
        ),
        "late_flag": (pl.col("SK_DPD") > 0).cast(pl.Float64),
    }


def _features(state: FeatureState) -> list[Feature]:
    d = Declarations("credit_card", SOURCE, "CC", SUBSETS)
    q = quantities()
    d.count()
    d.agg("SK_ID_PREV", ("nunique",))
    for column in NUMERIC:
        d.agg(column, ("min", "max", "mean", "sum", "var"))
    d.derived("card_utilisation", q["card_utilisation"], ("min", "max", "mean"))
    d.derived("drawings_to_limit", q["drawings_to_limit"], ("max", "mean"))
    d.derived("payment_to_minimum", q["payment_to_minimum"], ("min", "mean"))
    d.derived("late_flag", q["late_flag"], ("mean",))
    d.count("last_12m")
    d.derived("card_utilisation", q["card_utilisation"], ("max", "mean"), subset="last_12m")
    d.derived("payment_to_minimum", q["payment_to_minimum"], ("mean",), subset="last_12m")
    d.derived("late_flag", q["late_flag"], ("mean",), subset="last_12m")
    d.agg("AMT_BALANCE", ("mean", "max"), subset="last_12m")
    d.agg("AMT_DRAWINGS_CURRENT", ("mean", "sum"), subset="last_12m")
    d.agg("SK_DPD", ("max", "mean"), subset="last_12m")
    d.shares("NAME_CONTRACT_STATUS", state.side_levels(SOURCE, "NAME_CONTRACT_STATUS"))
    return d.items


FAMILY = Family(
    name="credit_card",
    table=SOURCE,
    tables=(SOURCE,),
    blocks=(Block(rows=_rows, features=_features),),
    one_hot=((SOURCE, "NAME_CONTRACT_STATUS"),),
    prefix="CC",
)
