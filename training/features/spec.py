"""How a feature is defined, in terms a person can read back.

Every family declares each column it produces as a FeatureSpec. The same specs drive the
computation's naming and the catalogue's labels (FR/EN, unit, business group), so a label can
never drift from what the column actually computes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureSpec:
    #: Column name in the feature matrix, e.g. "BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_MEAN".
    name: str
    #: Family that computes it: "application", "bureau", "bureau_balance", "previous",
    #: "pos_cash", "installments", "credit_card" (the registry's keys).
    family: str
    #: Source table (a key of shared.tables.TABLES).
    table: str
    #: Source column, or a derived quantity's key (see `derived`), or None for row counts.
    column: str | None = None
    #: "min", "max", "mean", "sum", "var", "std", "count", "last", "first", "nunique", "share", ...
    #: None for a raw application column or a per-client ratio.
    aggregation: str | None = None
    #: Row subset before aggregating: "active", "closed", "approved", "refused", "last_12m", ...
    subset: str | None = None
    #: Key of a derived per-row or per-client quantity (e.g. "credit_to_income", "payment_ratio")
    #: whose wording lives in the vocabulary; None when `column` is a raw contract column.
    derived: str | None = None
    #: Category level for one-hot shares/counts (e.g. CREDIT_TYPE == "Car loan").
    level: str | None = None
    #: True when the model receives it as a LightGBM categorical code.
    categorical: bool = False
