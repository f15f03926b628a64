"""Monotone constraints where the direction of the risk is domain-certain.

Two directions are certain enough to be imposed on the booster, whatever a small sample says:

- a higher external score (EXT_SOURCE_1/2/3, credit-bureau ratings) means a lower risk;
- more days past due, overdue amounts and late months mean a higher risk.

Imposing them makes the model's answers and reasons coherent: an advisor who raises a client's
external score in the what-if never sees the risk go up, and a delay is never shown as a reason
in the client's favour.

The constraint of each column is derived from its declaration (`FeatureSpec` plus the Polars
expressions that compute it, `training.features`), never from a hand-kept list of names:

1. **Constrained inputs.** A feature that reads one of `CONSTRAINED_INPUTS` (found from its
   expressions, as the protected-attribute policy does) gets that input's direction when it is
   an order-preserving function of it: the raw column, an aggregation in `ORDER_PRESERVING`
   (raising one row's value never lowers a min, max, mean or sum), or a derived quantity listed
   in `MONOTONE_DERIVED` (the mean/min/max/weighted mean/product of the external scores, the
   "is late" flags). Any other feature built on a constrained input (the spread of the external
   scores, a variance of days past due, overdue / debt whose sign follows the debt's) is a
   **conflict**: LightGBM constrains one column at a time, so a free column moving with the
   constrained input could undo the constraint. Conflicting features are kept in the matrix but
   never split on (feature_contri 0); feature pruning then drops them from the served set.
   A feature added later that reads an external score is therefore constrained or excluded
   automatically, never silently free.
2. **Delay quantities computed per row.** Days past due of an instalment, the worst monthly
   status or the late months of a bureau credit are derived quantities (no raw column holds
   them); they are matched by their spec's derived key (`DELAY_QUANTITIES`) with an
   order-preserving aggregation.

Missing values are not constrained (LightGBM sends them to the side it learnt): "no external
score" is not "a low external score".

Measured on the real sample (`bench/bench_real_sample_cv.py`): the constraints are within the
noise of the CV AUC (see docs/model-quality.md), a price paid for coherent reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from training.model.declared import Declared, declared_features

Direction = Literal[-1, 0, 1]

#: Risk falls as the value rises.
DECREASING: Direction = -1
#: Risk rises with the value.
INCREASING: Direction = 1

#: (source table, column) -> direction, for raw contract columns.
CONSTRAINED_INPUTS: dict[tuple[str, str], Direction] = {
    **{("application_train", f"EXT_SOURCE_{i}"): DECREASING for i in (1, 2, 3)},
    ("bureau", "CREDIT_DAY_OVERDUE"): INCREASING,
    ("bureau", "AMT_CREDIT_MAX_OVERDUE"): INCREASING,
    ("bureau", "AMT_CREDIT_SUM_OVERDUE"): INCREASING,
    ("POS_CASH_balance", "SK_DPD"): INCREASING,
    ("POS_CASH_balance", "SK_DPD_DEF"): INCREASING,
    ("credit_card_balance", "SK_DPD"): INCREASING,
    ("credit_card_balance", "SK_DPD_DEF"): INCREASING,
}

#: Derived keys that are non-decreasing functions of every constrained input they read (the
#: external scores lie in [0, 1], so their product rises with each of them; a flag
#: "value > 0" rises with the value).
MONOTONE_DERIVED: frozenset[str] = frozenset(
    {
        "ext_source_mean",
        "ext_source_min",
        "ext_source_max",
        "ext_source_weighted",
        "ext_source_product",
        "overdue_flag",
        "late_flag",
    }
)

#: Derived keys that read constrained inputs but only whether they are present, never their
#: value: unconstrained, and no conflict (a constraint is about values, not missingness).
PRESENCE_ONLY: frozenset[str] = frozenset({"ext_source_missing_count"})

#: Per-row delay quantities of the side tables (spec `derived` key, family) -> direction.
DELAY_QUANTITIES: dict[tuple[str, str], Direction] = {
    ("installments", "days_past_due"): INCREASING,
    ("installments", "late_flag"): INCREASING,
    ("bureau_balance", "credit_worst_status"): INCREASING,
    ("bureau_balance", "credit_late_months"): INCREASING,
    ("bureau_balance", "credit_late_share_12m"): INCREASING,
}

#: Aggregations that never decrease when one row's value increases (None: the value itself).
ORDER_PRESERVING: frozenset[str | None] = frozenset(
    {None, "min", "max", "mean", "sum", "recency_weighted_mean"}
)


@dataclass(frozen=True)
class Constraint:
    """The decision for one feature, with the reason a reviewer can check."""

    name: str
    direction: Direction
    #: True: built on a constrained input in a way whose direction is unknown; never split on.
    excluded: bool
    reason: str


def decide(declared: Declared) -> Constraint:
    """The constraint of one feature from its spec and its inputs (see the module docstring)."""
    spec = declared.spec
    delay = DELAY_QUANTITIES.get((spec.family, spec.derived or ""))
    if delay is not None and spec.level is None:
        if spec.aggregation in ORDER_PRESERVING:
            return Constraint(spec.name, delay, False, f"{spec.derived} ({spec.aggregation})")
        return Constraint(
            spec.name, 0, True, f"{spec.aggregation} of {spec.derived}: direction unknown"
        )
    table = spec.table  # application features are declared on application_train
    directions = {
        CONSTRAINED_INPUTS[(table, column)]
        for column in declared.inputs
        if (table, column) in CONSTRAINED_INPUTS
    }
    if not directions:
        return Constraint(spec.name, 0, False, "no constrained input")
    if spec.derived in PRESENCE_ONLY:
        return Constraint(spec.name, 0, False, "reads which scores are present, not their values")
    read = sorted(c for c in declared.inputs if (table, c) in CONSTRAINED_INPUTS)
    if len(directions) > 1:
        return Constraint(spec.name, 0, True, f"mixes opposite directions ({', '.join(read)})")
    (direction,) = directions
    is_raw = spec.derived is None and spec.column in read and spec.level is None
    order_preserving = spec.aggregation in ORDER_PRESERVING and (
        is_raw or (spec.derived in MONOTONE_DERIVED)
    )
    if order_preserving:
        return Constraint(spec.name, direction, False, f"order-preserving in {', '.join(read)}")
    what = spec.derived or f"{spec.aggregation} of {spec.column}"
    return Constraint(
        spec.name, 0, True, f"{what} reads {', '.join(read)} with no certain direction"
    )


def constraints(feature_names: Sequence[str]) -> list[Constraint]:
    """The decision for each feature, in `feature_names` order."""
    index = declared_features()
    return [
        decide(index[name])
        if name in index
        # Not declared without fitted levels: a category level share, reading a category
        # column only (tests/test_monotone.py checks this on a fitted state).
        else Constraint(name, 0, False, "a category level share: no constrained input")
        for name in feature_names
    ]


def constraint_vector(feature_names: Sequence[str]) -> list[int]:
    """LightGBM's monotone_constraints for `feature_names`: -1, 0 or +1 per feature."""
    return [int(c.direction) for c in constraints(feature_names)]


def lightgbm_settings(feature_names: Sequence[str]) -> dict[str, object]:
    """The booster parameters imposing the constraints on a fit over `feature_names`.

    "basic" is LightGBM's exact method (the "intermediate" and "advanced" ones gained nothing
    on the real sample and cost up to twice the time). Conflicting features get
    feature_contri 0: their split gain is zero, so no tree ever uses them.
    """
    decided = constraints(feature_names)
    settings: dict[str, object] = {
        "monotone_constraints": [int(c.direction) for c in decided],
        "monotone_constraints_method": "basic",
    }
    if any(c.excluded for c in decided):
        settings["feature_contri"] = [0.0 if c.excluded else 1.0 for c in decided]
    return settings


def summary(feature_names: Sequence[str]) -> dict[str, list[str]]:
    """Names by decision, for the manifest (what an auditor reads to check the directions)."""
    decided = constraints(feature_names)
    return {
        "decreasing": [c.name for c in decided if c.direction == DECREASING],
        "increasing": [c.name for c in decided if c.direction == INCREASING],
        "excluded": [c.name for c in decided if c.excluded],
    }
