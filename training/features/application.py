"""Application family: the applicant's own form, plus ratios a credit analyst would compute.

Raw fields keep their Kaggle names (the dashboard shows them next to the raw value); category
fields become LightGBM categorical codes whose levels are fitted on application_train, so an
unseen label online becomes "missing" instead of shifting every other code.
"""

from __future__ import annotations

import polars as pl

from shared.tables import CLIENT_ID, TABLES, TARGET, Kind
from training.data.schema import Tables
from training.features.family import (
    Block,
    Declarations,
    Family,
    Feature,
    days,
    ratio,
    table,
    without_sentinels,
)
from training.features.spec import FeatureSpec
from training.features.state import FeatureState

FAMILY = "application"
SOURCE = "application_train"

#: Application fields in contract order, without the key and the label.
FIELDS: tuple[str, ...] = tuple(
    c.name for c in TABLES[SOURCE].columns if c.name not in (CLIENT_ID, TARGET)
)
CATEGORICAL: tuple[str, ...] = tuple(c.name for c in TABLES[SOURCE].columns if c.kind is Kind.TEXT)
EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
#: Weights of the weighted external score (EXT_SOURCE_3 and _1 separate defaults best in the
#: public kernels); normalised over the scores the applicant actually has.
EXT_WEIGHTS = (2.0, 1.0, 3.0)
DOCUMENT_FLAGS = tuple(f for f in FIELDS if f.startswith("FLAG_DOCUMENT_"))


def applicants(tables: Tables) -> pl.LazyFrame:
    """application_train ∪ application_test, without TARGET: every client gets features."""
    frames = [
        table(tables, name).select(CLIENT_ID, *FIELDS)
        for name in ("application_train", "application_test")
        if name in tables
    ]
    if not frames:
        return table(tables, "application_test").select(CLIENT_ID, *FIELDS)
    return pl.concat(frames, how="vertical")


def fit_categories(tables: Tables) -> dict[str, list[str]]:
    """Levels of each application category, in label order, as seen in application_train
    (XNA/XAP are missing values, not levels: `table` reads them as null)."""
    train = table(tables, SOURCE)
    frame = train.select(
        [pl.col(c).drop_nulls().unique().sort().implode() for c in CATEGORICAL]
    ).collect()
    return {c: list(frame[c][0]) for c in CATEGORICAL}


def _rows(tables: Tables, state: FeatureState) -> pl.LazyFrame:
    """The applicants' rows, without the excluded (protected) attributes: a feature that still
    read one would fail here rather than use it (see training.features.protected)."""
    return applicants(tables).with_columns(without_sentinels(SOURCE)).drop(state.excluded)


def _ext(i: int) -> pl.Expr:
    return pl.col(EXT_SOURCES[i])


def _ext_weighted() -> pl.Expr:
    weighted = [(_ext(i) * w).fill_null(0.0) for i, w in enumerate(EXT_WEIGHTS)]
    weights = [
        pl.when(_ext(i).is_not_null()).then(w).otherwise(0.0) for i, w in enumerate(EXT_WEIGHTS)
    ]
    return ratio(pl.sum_horizontal(weighted), pl.sum_horizontal(weights))


def _ext_std() -> pl.Expr:
    # Sample standard deviation of the available scores (missing with fewer than two).
    present = pl.sum_horizontal([_ext(i).is_not_null().cast(pl.Float64) for i in range(3)])
    mean = pl.mean_horizontal(EXT_SOURCES)
    squares = pl.sum_horizontal([((_ext(i) - mean) ** 2).fill_null(0.0) for i in range(3)])
    return pl.when(present > 1).then((squares / (present - 1)).sqrt())


#: (column name, derived key, expression) of the per-applicant derived quantities.
def derived_columns() -> list[tuple[str, str, pl.Expr]]:
    income, credit = pl.col("AMT_INCOME_TOTAL"), pl.col("AMT_CREDIT")
    annuity, goods = pl.col("AMT_ANNUITY"), pl.col("AMT_GOODS_PRICE")
    return [
        ("APP_CREDIT_TO_INCOME", "credit_to_income", ratio(credit, income)),
        ("APP_ANNUITY_TO_INCOME", "annuity_to_income", ratio(annuity, income)),
        ("APP_ANNUITY_TO_CREDIT", "annuity_to_credit", ratio(annuity, credit)),
        ("APP_GOODS_TO_CREDIT", "goods_to_credit", ratio(goods, credit)),
        ("APP_CREDIT_MINUS_GOODS", "credit_minus_goods", credit - goods),
        (
            "APP_EMPLOYED_TO_AGE",
            "employment_to_age",
            ratio(days("DAYS_EMPLOYED"), pl.col("DAYS_BIRTH")),
        ),
        (
            "APP_INCOME_PER_PERSON",
            "income_per_family_member",
            ratio(income, pl.col("CNT_FAM_MEMBERS")),
        ),
        (
            "APP_CHILDREN_SHARE",
            "children_share_of_family",
            ratio(pl.col("CNT_CHILDREN"), pl.col("CNT_FAM_MEMBERS")),
        ),
        (
            "APP_PHONE_CHANGE_TO_AGE",
            "phone_change_to_age",
            ratio(pl.col("DAYS_LAST_PHONE_CHANGE"), pl.col("DAYS_BIRTH")),
        ),
        (
            "APP_SOCIAL_DEFAULT_RATE_60",
            "social_circle_default_rate_60",
            ratio(pl.col("DEF_60_CNT_SOCIAL_CIRCLE"), pl.col("OBS_60_CNT_SOCIAL_CIRCLE")),
        ),
        (
            "APP_DOCUMENT_COUNT",
            "document_count",
            pl.sum_horizontal([pl.col(c).cast(pl.Float64) for c in DOCUMENT_FLAGS]),
        ),
        ("APP_EXT_SOURCE_MEAN", "ext_source_mean", pl.mean_horizontal(EXT_SOURCES)),
        ("APP_EXT_SOURCE_STD", "ext_source_std", _ext_std()),
        ("APP_EXT_SOURCE_MIN", "ext_source_min", pl.min_horizontal(EXT_SOURCES)),
        ("APP_EXT_SOURCE_MAX", "ext_source_max", pl.max_horizontal(EXT_SOURCES)),
        ("APP_EXT_SOURCE_PRODUCT", "ext_source_product", _ext(0) * _ext(1) * _ext(2)),
        ("APP_EXT_SOURCE_WEIGHTED", "ext_source_weighted", _ext_weighted()),
        (
            "APP_EXT_SOURCE_MISSING",
            "ext_source_missing_count",
            pl.sum_horizontal([_ext(i).is_null().cast(pl.Float64) for i in range(3)]),
        ),
        (
            "APP_CREDIT_TO_INCOME_PER_PERSON",
            "credit_to_income_per_family_member",
            ratio(credit, ratio(income, pl.col("CNT_FAM_MEMBERS"))),
        ),
    ]


def _features(state: FeatureState) -> list[Feature]:
    out: list[Feature] = []
    for name in FIELDS:
        spec = FeatureSpec(name=name, family=FAMILY, table=SOURCE, column=name)
        if name in CATEGORICAL:
            levels = state.categorical.get(name, [])
            spec = FeatureSpec(
                name=name, family=FAMILY, table=SOURCE, column=name, categorical=True
            )
            expr = pl.col(name).replace_strict(
                levels, list(range(len(levels))), default=None, return_dtype=pl.Int32
            )
        else:
            expr = pl.col(name)
        out.append(Feature(spec, expr))
    decl = Declarations(FAMILY, SOURCE, "")
    for name, key, expr in derived_columns():
        decl.items.append(
            Feature(
                FeatureSpec(name=name, family=FAMILY, table=SOURCE, column=key, derived=key),
                expr,
            )
        )
    return out + decl.items


APPLICATION = Family(
    name=FAMILY,
    table=SOURCE,
    tables=("application_train", "application_test"),
    blocks=(Block(rows=_rows, features=_features, group=False),),
)
