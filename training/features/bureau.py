"""Bureau families: the applicant's credits at other lenders, and their month-by-month status.

`bureau` aggregates one row per external credit, overall and split into active and closed
credits (an open debt and a repaid one say different things about the client). `bureau_balance`
first summarises each credit's monthly history (27 million rows at full scale become one row per
credit), then aggregates those summaries per client, never joining monthly rows to clients.
"""

from __future__ import annotations

import polars as pl

from shared.tables import CLIENT_ID
from training.data.schema import Tables
from training.features.family import (
    Block,
    Declarations,
    Family,
    Feature,
    ratio,
    table,
    without_sentinels,
)
from training.features.state import FeatureState

BUREAU = "bureau"
BALANCE = "bureau_balance"
CREDIT = "SK_ID_BUREAU"
CATEGORIES = ("CREDIT_ACTIVE", "CREDIT_CURRENCY", "CREDIT_TYPE")
LATE_STATUSES = ("1", "2", "3", "4", "5")
#: Monthly delay classes, from on time (0) to 120+ days late or written off (5).
DELAY_STATUSES = ("0", *LATE_STATUSES)
#: A window of recent months: MONTHS_BALANCE -1 is the month before the application.
RECENT_MONTHS = 12

BUREAU_SUBSETS = {
    "active": pl.col("CREDIT_ACTIVE") == "Active",
    "closed": pl.col("CREDIT_ACTIVE") == "Closed",
}

#: The public recipe's numeric aggregations, computed for all, active and closed credits.
BUREAU_NUMERIC: dict[str, tuple[str, ...]] = {
    "DAYS_CREDIT": ("min", "max", "mean", "var"),
    "DAYS_CREDIT_ENDDATE": ("min", "max", "mean"),
    "DAYS_ENDDATE_FACT": ("min", "max", "mean"),
    "DAYS_CREDIT_UPDATE": ("mean",),
    "CREDIT_DAY_OVERDUE": ("max", "mean"),
    "AMT_CREDIT_MAX_OVERDUE": ("mean", "max"),
    "AMT_CREDIT_SUM": ("max", "mean", "sum"),
    "AMT_CREDIT_SUM_DEBT": ("max", "mean", "sum"),
    "AMT_CREDIT_SUM_OVERDUE": ("mean", "sum"),
    "AMT_CREDIT_SUM_LIMIT": ("mean", "sum"),
    "AMT_ANNUITY": ("max", "mean", "sum"),
    "CNT_CREDIT_PROLONG": ("sum",),
}


def _bureau_rows(tables: Tables, state: FeatureState) -> pl.LazyFrame:
    return table(tables, BUREAU).with_columns(without_sentinels(BUREAU))


def _bureau_derived() -> dict[str, pl.Expr]:
    return {
        "debt_to_credit": ratio(pl.col("AMT_CREDIT_SUM_DEBT"), pl.col("AMT_CREDIT_SUM")),
        "overdue_to_debt": ratio(pl.col("AMT_CREDIT_SUM_OVERDUE"), pl.col("AMT_CREDIT_SUM_DEBT")),
        "credit_duration": pl.col("DAYS_CREDIT_ENDDATE") - pl.col("DAYS_CREDIT"),
        "end_date_gap": pl.col("DAYS_ENDDATE_FACT") - pl.col("DAYS_CREDIT_ENDDATE"),
        "overdue_flag": (pl.col("CREDIT_DAY_OVERDUE") > 0).cast(pl.Float64),
    }


def _bureau_features(state: FeatureState) -> list[Feature]:
    d = Declarations("bureau", BUREAU, "BUREAU", BUREAU_SUBSETS)
    derived = _bureau_derived()
    for subset in (None, "active", "closed"):
        d.count(subset)
        for column, aggregations in BUREAU_NUMERIC.items():
            d.agg(column, aggregations, subset=subset)
        d.derived("debt_to_credit", derived["debt_to_credit"], ("mean", "max"), subset=subset)
        d.derived("credit_duration", derived["credit_duration"], ("mean",), subset=subset)
    d.derived("overdue_to_debt", derived["overdue_to_debt"], ("mean", "max"), subset="active")
    d.derived("end_date_gap", derived["end_date_gap"], ("mean",), subset="closed")
    d.derived("overdue_flag", derived["overdue_flag"], ("mean",))
    for column in CATEGORIES:
        d.shares(column, state.side_levels(BUREAU, column))
    return d.items


def _status_level_column(i: int) -> str:
    return f"_status_{i}"


def _credit_histories(tables: Tables, state: FeatureState) -> pl.LazyFrame:
    """One row per bureau credit: its monthly history summarised, then its client and status.

    The join may reorder credits; the per-client sums are exact (fixed point), so order does
    not matter.
    """
    status, month = pl.col("STATUS"), pl.col("MONTHS_BALANCE")
    levels = state.side_levels(BALANCE, "STATUS")
    # Integer counts per status (cheap on 27 million rows); shares, worst status and late
    # months are then derived per credit from the counts, not recomputed from the rows.
    counted = list(dict.fromkeys([*levels, *DELAY_STATUSES]))
    recent = month >= -RECENT_MONTHS
    per_credit = (
        table(tables, BALANCE)
        .group_by(CREDIT)
        .agg(
            month.min().alias("_first_month"),
            month.max().alias("_last_month"),
            pl.len().alias("_months"),
            *[(status == level).sum().alias(f"_n_{level}") for level in counted],
            recent.sum().alias("_recent"),
            (recent & status.is_in(LATE_STATUSES)).sum().alias("_recent_late"),
        )
        .select(
            CREDIT,
            "_first_month",
            "_last_month",
            pl.col("_months").cast(pl.Float64),
            *[
                (pl.col(f"_n_{level}") / pl.col("_months")).alias(_status_level_column(i))
                for i, level in enumerate(levels)
            ],
            pl.max_horizontal(
                [pl.when(pl.col(f"_n_{s}") > 0).then(int(s)) for s in DELAY_STATUSES]
            ).alias("_worst_status"),
            pl.sum_horizontal([pl.col(f"_n_{s}") for s in LATE_STATUSES]).alias("_late_months"),
            pl.when(pl.col("_recent") > 0)
            .then(pl.col("_recent_late") / pl.col("_recent"))
            .alias("_late_share_12m"),
        )
    )
    credits = table(tables, BUREAU).select(CLIENT_ID, CREDIT, "CREDIT_ACTIVE")
    return per_credit.join(credits, on=CREDIT, how="inner")


def _balance_features(state: FeatureState) -> list[Feature]:
    d = Declarations("bureau_balance", BALANCE, "BB", BUREAU_SUBSETS)
    for subset in (None, "active", "closed"):
        d.count(subset)
        d.derived("credit_first_month", pl.col("_first_month"), ("min",), subset=subset)
        d.derived("credit_last_month", pl.col("_last_month"), ("max",), subset=subset)
        d.derived("credit_history_months", pl.col("_months"), ("mean", "sum"), subset=subset)
        d.derived("credit_worst_status", pl.col("_worst_status"), ("max",), subset=subset)
        d.derived("credit_late_months", pl.col("_late_months"), ("sum", "mean"), subset=subset)
    d.derived("credit_late_share_12m", pl.col("_late_share_12m"), ("mean", "max"))
    levels = state.side_levels(BALANCE, "STATUS")
    index = {level: i for i, level in enumerate(levels)}
    d.shares(
        "STATUS",
        levels,
        aggregation="mean_share",
        value=lambda level: pl.col(_status_level_column(index[level])),
    )
    return d.items


BUREAU_FAMILY = Family(
    name="bureau",
    table=BUREAU,
    tables=(BUREAU,),
    blocks=(Block(rows=_bureau_rows, features=_bureau_features),),
    one_hot=tuple((BUREAU, c) for c in CATEGORIES),
    prefix="BUREAU",
)

BALANCE_FAMILY = Family(
    name="bureau_balance",
    table=BALANCE,
    tables=(BUREAU, BALANCE),
    blocks=(Block(rows=_credit_histories, features=_balance_features),),
    one_hot=((BALANCE, "STATUS"),),
    prefix="BB",
)
