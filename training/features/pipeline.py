"""Fitting the feature state on training data and computing the feature matrix.

One code path for everyone: training calls `build_features` on the whole folder, the API on one
applicant's rows (via `training.features.online`). Each family is aggregated to one row per
client on its own (side tables are never joined row-to-row), then the small per-client frames
are joined onto the applicants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from shared.tables import CLIENT_ID, TABLES
from training.data.schema import Tables
from training.features import application, protected, registry
from training.features.family import Family, Feature, table
from training.features.spec import FeatureSpec
from training.features.state import FeatureState
from training.progress import Progress

Engine = Literal["streaming", "in-memory"]

#: Most levels a side-table category gets share columns for (the rest count as "other").
MAX_LEVELS = 40
#: Fewest training rows a level needs to get a share column (rarer levels are noise).
MIN_LEVEL_ROWS = 10


def feature_specs(state: FeatureState) -> list[FeatureSpec]:
    """One FeatureSpec per feature name, in the matrix's column order."""
    return registry.feature_specs(state)


def _training_rows(tables: Tables, name: str) -> pl.LazyFrame:
    """Rows of `name` that belong to application_train clients (the state sees no test rows).

    All of them, not the first million of the file: the fitted levels then depend on which rows
    the data holds, never on their order, so a Parquet lake (rows grouped by client partition)
    and the CSV files fit the same state, and level counts are sums over client partitions.
    """
    train_ids = table(tables, "application_train").select(CLIENT_ID)
    rows = table(tables, name)
    if TABLES[name].client_key:
        return rows.join(train_ids, on=CLIENT_ID, how="semi")
    bureau = table(tables, "bureau").join(train_ids, on=CLIENT_ID, how="semi")
    return rows.join(bureau.select("SK_ID_BUREAU"), on="SK_ID_BUREAU", how="semi")


def fit_levels(
    tables: Tables, columns: Iterable[tuple[str, str]], *, min_rows: int = MIN_LEVEL_ROWS
) -> dict[str, dict[str, list[str]]]:
    """Most frequent levels of each side-table category among training clients' rows."""
    by_table: dict[str, list[str]] = {}
    for name, column in columns:
        by_table.setdefault(name, []).append(column)
    levels: dict[str, dict[str, list[str]]] = {}
    for name, cols in by_table.items():
        rows = _training_rows(tables, name)
        # One small group-by per column, planned together so the file is read once.
        queries = [
            rows.group_by(pl.col(c).alias("level"))
            .len()
            .drop_nulls("level")
            .filter(pl.col("len") >= min_rows)
            .sort(["len", "level"], descending=[True, False])
            .head(MAX_LEVELS)
            for c in cols
        ]
        counts = pl.collect_all(queries, engine="streaming")
        levels[name] = {c: frame["level"].to_list() for c, frame in zip(cols, counts, strict=True)}
    return levels


def fit_feature_state(
    tables: Tables,
    *,
    families: Iterable[str] | None = None,
    min_level_rows: int = MIN_LEVEL_ROWS,
    exclude: Iterable[str] = (),
) -> FeatureState:
    """Learns category codes and share levels from application_train clients only.

    `families` restricts the families computed (application is always included);
    `min_level_rows` is lowered only by tests on hand-made tables of a few rows; `exclude`
    adds application fields to the protected attributes no feature is built on
    (shared.tables.PROTECTED_ATTRIBUTES always applies; an unknown name is an error).
    """
    excluded = protected.excluded_attributes(exclude)
    chosen = registry.select(families)
    one_hot = [pair for family in chosen for pair in family.one_hot]
    provisional = FeatureState(
        families=[f.name for f in chosen],
        feature_names=[],
        categorical=application.fit_categories(tables),
        levels=fit_levels(tables, one_hot, min_rows=min_level_rows),
        excluded=excluded,
    )
    specs = feature_specs(provisional)
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:  # a naming bug, not a data problem
        raise AssertionError(f"duplicate feature names: {duplicates[:5]}")
    return FeatureState(
        families=provisional.families,
        feature_names=names,
        categorical={s.name: provisional.categorical[s.name] for s in specs if s.categorical},
        levels=provisional.levels,
        excluded=excluded,
    )


def restrict(tables: Tables, client_ids: Sequence[int]) -> Tables:
    """The tables cut down to the given clients (bureau_balance through their bureau credits)."""
    ids = pl.Series(CLIENT_ID, list(client_ids), dtype=pl.Int32)
    out = {
        name: frame.filter(pl.col(CLIENT_ID).is_in(ids.implode()))
        for name, frame in tables.items()
        if TABLES[name].client_key
    }
    if "bureau_balance" in tables:
        credits = table(out, "bureau").select("SK_ID_BUREAU")
        out["bureau_balance"] = tables["bureau_balance"].join(
            credits, on="SK_ID_BUREAU", how="semi"
        )
    return out


@dataclass(frozen=True)
class CompiledBlock:
    """A block's expressions, assembled once per state (they do not depend on the data)."""

    finals: list[pl.Expr]
    row_columns: list[pl.Expr]
    reductions: list[pl.Expr]


def _unique(pairs: Iterable[tuple[str, pl.Expr]]) -> dict[str, pl.Expr]:
    """Named expressions deduplicated by name; one name for two different expressions would
    make a feature silently read another's quantity, so it is a declaration bug."""
    out: dict[str, pl.Expr] = {}
    for name, expr in pairs:
        known = out.setdefault(name, expr)
        if known is not expr and not known.meta.eq(expr):
            raise AssertionError(f"two different expressions are both named {name!r}")
    return out


def compile_blocks(family: Family, blocks: list[list[Feature]], state: FeatureState) -> list:
    def make() -> list[CompiledBlock]:
        out = []
        for features in blocks:
            # Shared quantities are declared by every feature using them: dedupe by name.
            row_columns = _unique(pair for f in features for pair in f.rows)
            reductions = _unique(pair for f in features for pair in f.reductions)
            out.append(
                CompiledBlock(
                    finals=[f.expr.cast(pl.Float32).alias(f.spec.name) for f in features],
                    row_columns=[e.alias(n) for n, e in row_columns.items()],
                    reductions=[e.alias(n) for n, e in reductions.items()],
                )
            )
        return out

    return state.memo(f"compiled:{family.name}", make)  # type: ignore[no-any-return]


def block_frames(
    family: Family, blocks: list[list[Feature]], tables: Tables, state: FeatureState
) -> list[pl.LazyFrame]:
    """One lazy frame per block of the family: one row per client with rows, Float32 columns.

    Blocks are collected separately and joined afterwards: a join inside one plan made Polars
    plan the shared row preparation twice, tripling the online latency of the previous family.
    """
    frames: list[pl.LazyFrame] = []
    for block, compiled in zip(family.blocks, compile_blocks(family, blocks, state), strict=True):
        rows = block.rows(tables, state)
        if not block.group:
            frames.append(rows.select(CLIENT_ID, *compiled.finals))
            continue
        if compiled.row_columns:
            rows = rows.with_columns(compiled.row_columns)
        grouped = rows.group_by(CLIENT_ID).agg(compiled.reductions)
        frames.append(grouped.select(CLIENT_ID, *compiled.finals))
    return frames


def collect_family(
    family: Family,
    blocks: list[list[Feature]],
    tables: Tables,
    state: FeatureState,
    engine: Engine,
) -> pl.DataFrame:
    """The family's per-client frame. When none of its tables is present (an absent table has
    no rows), the empty frame is built directly: planning seven queries for an applicant who
    has no history at all would cost more than the rest of the request."""
    if not any(name in tables for name in family.tables):
        names = [f.spec.name for block in blocks for f in block]
        return pl.DataFrame(schema={CLIENT_ID: pl.Int32, **dict.fromkeys(names, pl.Float32)})
    # Online (in-memory, a few rows) the query optimiser costs more than it saves: the frames
    # are already in memory and tiny. It changes no value (the parity tests run both ways).
    flags = pl.QueryOptFlags.none() if engine == "in-memory" else pl.QueryOptFlags()
    frames = [
        f.collect(engine=engine, optimizations=flags)
        for f in block_frames(family, blocks, tables, state)
    ]
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.join(other, on=CLIENT_ID, how="full", coalesce=True)
    return frame


def build_features(
    tables: Tables,
    state: FeatureState,
    *,
    progress: Progress | None = None,
    client_ids: Sequence[int] | None = None,
    engine: Engine = "streaming",
) -> pl.DataFrame:
    """SK_ID_CURR (Int32) then state.feature_names (Float32), one row per applicant, sorted.

    `engine="in-memory"` is for a handful of clients (the online path): it skips the streaming
    engine's start-up cost. Both engines give identical values (tested).
    """
    if client_ids is not None:
        tables = restrict(tables, client_ids)
    frames: list[pl.DataFrame] = []
    # One query per family, collected in turn: it bounds memory to one side table at a time
    # and, online, is faster than collect_all (which spends ~50 ms planning 7 queries at once).
    for family, blocks in registry.declared(state):
        if progress is None:
            frames.append(collect_family(family, blocks, tables, state, engine))
            continue
        with progress.stage(f"family {family.name}"):
            frames.append(collect_family(family, blocks, tables, state, engine))
        progress.say(
            f"family {family.name}: {frames[-1].width - 1} features, {frames[-1].height:,} clients"
        )
    matrix = frames[0].sort(CLIENT_ID)
    for frame in frames[1:]:
        matrix = matrix.join(frame, on=CLIENT_ID, how="left")
    counts = state.memo(
        "counts", lambda: [s.name for s in feature_specs(state) if s.aggregation == "count"]
    )
    return (
        matrix.with_columns(pl.col(counts).fill_null(0.0))
        .select(pl.col(CLIENT_ID).cast(pl.Int32), *state.feature_names)
        .sort(CLIENT_ID)
    )
