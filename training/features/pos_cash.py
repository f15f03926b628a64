"""POS and cash loans at Home Credit, month by month: delays and how much is left to repay.

The last 12 months get their own columns: a delay last quarter weighs more than one five years
ago, and the full-history mean dilutes it.
"""

from __future__ import annotations

import polars as pl

from training.data.schema import Tables
from training.features.family import Block, Declarations, Family, Feature, ratio, table
from training.features.state import FeatureState

SOURCE = "POS_CASH_balance"
RECENT_MONTHS = 12

SUBSETS = {"last_12m": pl.col("MONTHS_BALANCE") >= -RECENT_MONTHS}


def _rows(tables: Tables, state: FeatureState) -> pl.LazyFrame:
    return table(tables, SOURCE)


def _features(state: FeatureState) -> list[Feature]:
    d = Declarations("pos_cash", SOURCE, "POS", SUBSETS)
    late = (pl.col("SK_DPD") > 0).cast(pl.Float64)
    remaining = ratio(pl.col("CNT_INSTALMENT_FUTURE"), pl.col("CNT_INSTALMENT"))
    d.count()
    d.agg("SK_ID_PREV", ("nunique",))
    d.agg("MONTHS_BALANCE", ("min", "max", "mean"))
    d.agg("SK_DPD", ("max", "mean"))
    d.agg("SK_DPD_DEF", ("max", "mean"))
    d.agg("CNT_INSTALMENT", ("max", "mean"))
    d.agg("CNT_INSTALMENT_FUTURE", ("mean", "sum"))
    d.derived("remaining_instalment_share", remaining, ("mean", "min"))
    d.derived("late_flag", late, ("mean",))
    d.count("last_12m")
    d.agg("SK_DPD", ("max", "mean"), subset="last_12m")
    d.agg("SK_DPD_DEF", ("max", "mean"), subset="last_12m")
    d.derived("late_flag", late, ("mean",), subset="last_12m")
    d.shares("NAME_CONTRACT_STATUS", state.side_levels(SOURCE, "NAME_CONTRACT_STATUS"))
    return d.items


FAMILY = Family(
    name="pos_cash",
    table=SOURCE,
    tables=(SOURCE,),
    blocks=(Block(rows=_rows, features=_features),),
    one_hot=((SOURCE, "NAME_CONTRACT_STATUS"),),
    prefix="POS",
)
