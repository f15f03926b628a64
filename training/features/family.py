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
from functools import cache

import polars as pl

from shared.tables import DAYS_SENTINEL, TABLES
from training.data.schema import Tables, polars_schema
from training.features.spec import FeatureSpec
from training.features.state import FeatureState


@dataclass(frozen=True)
class Feature:
    """A declared feature, computed in three stages so each stage is a plain columnar operation:

    1. `rows`: per-row columns (the masked, fixed-point quantity), added to the prepared rows;
    2. `reductions`: one simple reduction each (sum, count, min, ...) per client;
    3. `expr`: the feature from those reductions (e.g. sum / count / SCALE).

    Written this way, both Polars engines stay on their fast paths: the in-memory engine would
    otherwise evaluate nested aggregations group by group (100x slower for one applicant).
    Intermediate names are derived from (quantity, subset), so features sharing a quantity share
    its columns. A per-client block (application) has only `expr`, over the raw row.
    """

    spec: FeatureSpec
    expr: pl.Expr
    rows: tuple[tuple[str, pl.Expr], ...] = ()
    reductions: tuple[tuple[str, pl.Expr], ...] = ()


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
    """A table as the features read it, or an empty one with the contract's schema when the
    source has none of it.

    An applicant with no bureau rows and a folder without credit_card_balance.csv are the same
    case for the features: zero rows. Every family, the fitting of levels and the online path
    read tables through here, so this is where the contract's missing-value labels (XNA, XAP:
    `Column.missing_labels`) become missing, once for batch and online alike.
    """
    if name not in tables:
        return pl.LazyFrame(schema=polars_schema(name))
    return tables[name].with_columns(_unmarked(name))


@cache
def _unmarked(name: str) -> list[pl.Expr]:
    """Each text column with its "no value" labels turned into nulls (built once per table:
    expressions are immutable, and rebuilding them cost an online applicant ~1 ms)."""
    return [
        pl.when(pl.col(column).is_in(labels))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.col(column))
        .alias(column)
        for column, labels in TABLES[name].missing_labels.items()
    ]


def days(column: str) -> pl.Expr:
    """A DAYS_* column with Home Credit's 365243 "no date" sentinel turned into a missing value."""
    col = pl.col(column)
    return pl.when(col != DAYS_SENTINEL).then(col)


@cache
def without_sentinels(name: str) -> list[pl.Expr]:
    """Every DAYS_* column of the table, its 365243 sentinel turned into missing (built once)."""
    return [days(c.name).alias(c.name) for c in TABLES[name].columns if c.holds_days]


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


# --- aggregations ---------------------------------------------------------------------------
#
# Sums, means and variances are computed on fixed-point integers, not on floats. Float addition
# is not associative, and Polars sums a group sequentially in one engine and pairwise in the
# other, or in morsels whose split depends on threads: the same client's rows could then give
# a different last bit in batch and online, or from one run to the next. Integer sums are exact
# in any order, so every path gives identical, reproducible values. The price is a grid of
# 1/65536 (1.5e-5) on the summed quantities, far below any amount or ratio that matters.

#: Fixed-point scale of the exact aggregations.
SCALE = 65536
#: Values are clipped to +-2^31 (2.1e9; the largest Kaggle amount is ~6e8) so that a scaled
#: value stays below 2^47 and a 64-bit sum cannot overflow below 65,536 rows per client (the
#: largest client has a few hundred rows per table); squares are summed in 128 bits.
LIMIT = float(2**31)


def fixed(value: pl.Expr) -> pl.Expr:
    """`value` as a 64-bit count of 1/SCALE units (missing, and NaN, become missing)."""
    scaled = (value.cast(pl.Float64).clip(-LIMIT, LIMIT) * SCALE).round()
    return scaled.cast(pl.Int64, strict=False)  # NaN -> null


Staged = tuple[pl.Expr, tuple[tuple[str, pl.Expr], ...], tuple[tuple[str, pl.Expr], ...]]
#: A row subset as (name, condition): rows where the condition is not true are left out.
Subset = tuple[str, pl.Expr]


def flag_column(subset: str) -> str:
    """The row column holding a subset's condition (computed once per block, not per quantity)."""
    return f"__flag__{subset}"


def _in_subset(column: str, subset: Subset | None) -> pl.Expr:
    """`column`, missing outside the subset: the masking happens inside the reduction, so a
    quantity shared by several subsets is converted once per row, not once per subset."""
    if subset is None:
        return pl.col(column)
    return pl.when(pl.col(flag_column(subset[0]))).then(pl.col(column))


def staged(aggregation: str, value: pl.Expr, quantity: str, subset: Subset | None = None) -> Staged:
    """(final expression, row columns, reductions) of one aggregation of a per-row `value` over
    the rows of `subset` (all rows when None).

    `quantity` names the value uniquely in the block: the per-row columns are named after it
    alone (its fixed-point form, its float form, its square), so every subset and aggregation of
    one quantity shares them; only the reductions are per subset. Masking the converted value
    inside the reduction gives the same numbers as converting the masked value (a row outside
    the subset is missing either way) for a fraction of the per-row work.
    """
    col = pl.col
    tag = f"{quantity}__{subset[0] if subset else 'all'}"
    flag: tuple[tuple[str, pl.Expr], ...] = ((flag_column(subset[0]), subset[1]),) if subset else ()
    if aggregation in ("min", "max"):
        v, r = f"__v__{quantity}", f"__{aggregation}__{tag}"
        masked = _in_subset(v, subset)
        reduce = masked.min() if aggregation == "min" else masked.max()
        return col(r), ((v, value.cast(pl.Float64)), *flag), ((r, reduce),)
    if aggregation == "nunique":  # distinct known values (n_unique counts null as a value)
        v, u, z = f"__v__{quantity}", f"__nunique__{tag}", f"__nulls__{tag}"
        final = col(u).cast(pl.Int64) - pl.min_horizontal(col(z), pl.lit(1)).cast(pl.Int64)
        masked = _in_subset(v, subset)
        return (
            final,
            ((v, value.cast(pl.Float64)), *flag),
            ((u, masked.n_unique()), (z, masked.null_count())),
        )
    q, q2 = f"__q__{quantity}", f"__q2__{quantity}"
    s1, n, s2 = f"__s1__{tag}", f"__n__{tag}", f"__s2__{tag}"
    rows: tuple[tuple[str, pl.Expr], ...] = ((q, fixed(value)), *flag)
    masked = _in_subset(q, subset)
    reductions: tuple[tuple[str, pl.Expr], ...] = ((s1, masked.sum()), (n, masked.count()))
    total, count = col(s1).cast(pl.Float64), col(n).cast(pl.Float64)
    if aggregation == "sum":  # a sum over nothing known is unknown, not 0
        return pl.when(col(n) > 0).then(total / SCALE), rows, reductions
    if aggregation == "mean":
        return pl.when(col(n) > 0).then(total / count / SCALE), rows, reductions
    if aggregation in ("var", "std"):  # sample variance (ddof=1, as pandas) from exact moments
        wide = fixed(value).cast(pl.Int128)  # row columns cannot read each other
        rows += ((q2, wide * wide),)
        reductions += ((s2, _in_subset(q2, subset).sum()),)
        big_n, big_s1 = col(n).cast(pl.Int128), col(s1).cast(pl.Int128)
        numerator = big_n * col(s2) - big_s1 * big_s1
        var = numerator.cast(pl.Float64) / (count * (count - 1.0)) / float(SCALE * SCALE)
        var = pl.when(col(n) > 1).then(var)
        return (var.sqrt() if aggregation == "std" else var), rows, reductions
    raise ValueError(f"unknown aggregation {aggregation!r}")


def exact_sum(value: pl.Expr, tag: str) -> Staged:
    """Exact sum of the known values (0.0 when none is known), for custom ratios."""
    q, s1 = f"__q__{tag}", f"__s1__{tag}"
    return pl.col(s1).cast(pl.Float64) / SCALE, ((q, fixed(value)),), ((s1, pl.col(q).sum()),)


AGGREGATIONS = ("min", "max", "mean", "sum", "var", "std", "nunique")


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

    def subset(self, name: str | None) -> Subset | None:
        """(name, condition) of a declared subset, None for all rows."""
        return None if name is None else (name, self.subsets[name])

    def add(self, spec: FeatureSpec, stages: Staged) -> Declarations:
        expr, rows, reductions = stages
        self.items.append(Feature(spec, expr, rows, reductions))
        return self

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
            stages = staged(aggregation, quantity, derived or column, self.subset(subset))
            self.add(spec, stages)
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
        stages: Staged,
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
        return self.add(spec, stages)

    def count(self, subset: str | None = None, *, table: str | None = None) -> Declarations:
        """Rows of the table for the client (in the subset); 0 when the client has none."""
        spec = FeatureSpec(
            name=self._name(subset.upper() if subset else None, "COUNT"),
            family=self.family,
            table=table or self.table,
            aggregation="count",
            subset=subset,
        )
        if subset is None:
            return self.add(spec, (pl.col("__len"), (), (("__len", pl.len()),)))
        flag, total = flag_column(subset), f"__count__{subset}"
        member = ((flag, self.subsets[subset]),)  # a sum of booleans counts the true ones
        return self.add(spec, (pl.col(total), member, ((total, pl.col(flag).sum()),)))

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
        # Rows in the subset: the denominator of every share (same names as count()).
        if subset is None:
            in_rows: tuple[tuple[str, pl.Expr], ...] = ()
            rows_in, count_rows = "__len", pl.len()
        else:
            flag, rows_in = flag_column(subset), f"__count__{subset}"
            in_rows = ((flag, self.subsets[subset]),)
            count_rows = pl.col(flag).sum()
        for level, token in level_tokens(levels).items():
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
            quantity = f"{column}={token}"
            if value is not None:  # a per-row fraction: exact fixed-point mean
                self.add(spec, staged("mean", value(level), quantity, self.subset(subset)))
                continue
            # Matching rows counted as an integer: exact as it is, and a comparison summed
            # inside the aggregation is one pass (no per-row column to materialise).
            hits = f"__hits__{quantity}__{subset or 'all'}"
            match = pl.col(column) == level
            if subset is not None:
                match = match & pl.col(flag_column(subset))
            final = pl.when(pl.col(rows_in) > 0).then(
                pl.col(hits).cast(pl.Float64) / pl.col(rows_in).cast(pl.Float64)
            )
            self.add(spec, (final, in_rows, ((hits, match.sum()), (rows_in, count_rows))))
        return self
