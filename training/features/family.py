"""The building blocks every feature family is made of: a declared feature is a spec plus the
Polars expression that computes it.

Declaring the name, the readable definition (FeatureSpec) and the expression together is what
keeps the catalogue honest: the label is generated from the same object that computes the column.
A family is one or more `Block`s; a block is "prepare the rows, then one group-by per client".

Expressions are restricted on purpose to what Polars' streaming engine aggregates natively
(element-wise inputs, then min/max/mean/sum/var/n_unique/len): the batch path streams 58 million
rows through them, and the same expressions run on one applicant's rows online.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from shared.tables import DAYS_SENTINEL
from training.data.reader import Tables
from training.data.schema import polars_schema
from training.features.spec import FeatureSpec
from training.features.state import FeatureState


@dataclass(frozen=True)
class Feature:
    spec: FeatureSpec
    #: Aggregation over the client's prepared rows (or, for per-client blocks, a row expression).
    expr: pl.Expr


@dataclass(frozen=True)
class Block:
    """One pass over prepared rows: `rows(tables, state)` then, per client, the declared
    expressions (rows may depend on the state: per-credit shares of fitted levels)."""

    rows: Callable[[Tables, FeatureState], pl.LazyFrame]
    features: Callable[[FeatureState], list[Feature]]
    #: False for the application block: one row per client already, no group-by.
    group: bool = True


@dataclass(frozen=True)
class Family:
    name: str
    #: Main source table (a key of shared.tables.TABLES).
    table: str
    #: Every table the family reads (the pipeline restricts these to the requested clients).
    tables: tuple[str, ...]
    blocks: tuple[Block, ...]
    #: (table, column) categories whose levels are fitted into the state for share columns.
    one_hot: tuple[tuple[str, str], ...] = ()
    #: "BUREAU" -> columns named BUREAU_...
    prefix: str = ""

    def features(self, state: FeatureState) -> list[Feature]:
        return [f for block in self.blocks for f in block.features(state)]


# --- reading -------------------------------------------------------------------------------


def table(tables: Tables, name: str) -> pl.LazyFrame:
    """A table, or an empty one with the contract's schema when the source has none of it.

    An applicant with no bureau rows and a folder without credit_card_balance.csv are the same
    case for the features: zero rows.
    """
    if name in tables:
        return tables[name]
    return pl.LazyFrame(schema=polars_schema(name))


def days(column: str) -> pl.Expr:
    """A DAYS_* column with Home Credit's 365243 "no date" sentinel turned into a missing value."""
    col = pl.col(column)
    return pl.when(col != DAYS_SENTINEL).then(col)


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, missing rather than infinite when the denominator is 0."""
    return pl.when(denominator != 0).then(numerator.cast(pl.Float64) / denominator)


# --- naming --------------------------------------------------------------------------------


def level_token(level: str) -> str:
    """A category label as a column-name fragment LightGBM accepts (no spaces, quotes, colons)."""
    token = re.sub(r"[^0-9A-Za-z]+", "_", level).strip("_")
    return token or "EMPTY"


def level_tokens(levels: Iterable[str]) -> dict[str, str]:
    """Unique fragments for a list of levels ("Cash X-Sell: low" and "Cash X-Sell low" differ)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for level in levels:
        token, n = level_token(level), 2
        candidate = token
        while candidate in used:
            candidate, n = f"{token}_{n}", n + 1
        used.add(candidate)
        out[level] = candidate
    return out


# --- aggregations --------------------------------------------------------------------------


def _sum(value: pl.Expr) -> pl.Expr:
    # A sum over nothing known is unknown, not 0 (Polars' sum of all-null is 0).
    return pl.when(value.count() > 0).then(value.sum())


AGGREGATIONS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "min": lambda v: v.min(),
    "max": lambda v: v.max(),
    "mean": lambda v: v.mean(),
    "sum": _sum,
    "var": lambda v: v.var(),
    "std": lambda v: v.std(),
    "nunique": lambda v: v.drop_nulls().n_unique(),
}


@dataclass
class Declarations:
    """Collects one block's features; names follow PREFIX[_SUBSET]_QUANTITY_AGG."""

    family: str
    table: str
    prefix: str
    #: subset name -> boolean row condition (rows outside are masked to missing).
    subsets: Mapping[str, pl.Expr] = field(default_factory=dict)
    items: list[Feature] = field(default_factory=list)

    def _name(self, *parts: str | None) -> str:
        return "_".join(p for p in (self.prefix, *parts) if p)

    def _masked(self, value: pl.Expr, subset: str | None) -> pl.Expr:
        if subset is None:
            return value
        return pl.when(self.subsets[subset]).then(value)

    def agg(
        self,
        column: str,
        aggregations: Iterable[str],
        *,
        subset: str | None = None,
        derived: str | None = None,
        value: pl.Expr | None = None,
        table: str | None = None,
    ) -> Declarations:
        """Aggregates a raw column, or a derived quantity `value` named by its `derived` key."""
        quantity = value if value is not None else pl.col(column)
        key = derived.upper() if derived else column
        for aggregation in aggregations:
            spec = FeatureSpec(
                name=self._name(subset.upper() if subset else None, key, aggregation.upper()),
                family=self.family,
                table=table or self.table,
                column=derived or column,
                aggregation=aggregation,
                subset=subset,
                derived=derived,
            )
            expr = AGGREGATIONS[aggregation](self._masked(quantity, subset))
            self.items.append(Feature(spec, expr))
        return self

    def derived(
        self,
        key: str,
        value: pl.Expr,
        aggregations: Iterable[str],
        *,
        subset: str | None = None,
    ) -> Declarations:
        """Aggregates a per-row derived quantity (its `key` names it in the vocabulary)."""
        return self.agg("", aggregations, subset=subset, derived=key, value=value)

    def custom(
        self,
        name: str,
        expr: pl.Expr,
        *,
        derived: str | None,
        aggregation: str,
        subset: str | None = None,
        column: str | None = None,
        table: str | None = None,
    ) -> Declarations:
        """A per-client quantity that is not one of the standard aggregations (e.g. weighted)."""
        spec = FeatureSpec(
            name=self._name(subset.upper() if subset else None, name),
            family=self.family,
            table=table or self.table,
            column=column or derived,
            aggregation=aggregation,
            subset=subset,
            derived=derived,
        )
        self.items.append(Feature(spec, expr))
        return self

    def count(self, subset: str | None = None, *, table: str | None = None) -> Declarations:
        """Rows of the table for the client (in the subset); 0 when the client has none."""
        expr = pl.len() if subset is None else self.subsets[subset].fill_null(False).sum()
        spec = FeatureSpec(
            name=self._name(subset.upper() if subset else None, "COUNT"),
            family=self.family,
            table=table or self.table,
            aggregation="count",
            subset=subset,
        )
        self.items.append(Feature(spec, expr.cast(pl.Int64)))
        return self

    def shares(
        self,
        column: str,
        levels: Iterable[str],
        *,
        subset: str | None = None,
        aggregation: str = "share",
        value: Callable[[str], pl.Expr] | None = None,
        table: str | None = None,
    ) -> Declarations:
        """Share of the client's rows whose `column` is each fitted level (rows with a missing
        or an unfitted level count in the denominator, so shares of one row sum to at most 1)."""
        for level, token in level_tokens(levels).items():
            quantity = (
                value(level)
                if value is not None
                else (pl.col(column) == level).fill_null(False).cast(pl.Float64)
            )
            spec = FeatureSpec(
                name=self._name(
                    subset.upper() if subset else None, column, token, aggregation.upper()
                ),
                family=self.family,
                table=table or self.table,
                column=column,
                aggregation=aggregation,
                subset=subset,
                level=level,
            )
            self.items.append(Feature(spec, self._masked(quantity, subset).mean()))
        return self
