"""A classic credit scorecard: binned fields, weights of evidence, one logistic regression.

This is the model a risk officer has seen for decades and can check by hand: each field is cut
into a few bins, each bin gets its weight of evidence (WoE, the log of the bin's default odds
over the population's), and a logistic regression on the WoE columns gives each field one
weight. Points per bin follow from there (points = -factor x weight x WoE), so the score is a
sum of a few table look-ups. Reported beside the booster, it shows what the boosted trees add
over the method a supervisor knows best.

Binning, fitted on the training rows only (never on the scored fold):

- a numeric field: up to `MAX_BINS` quantile bins of at least `MIN_BIN_SHARE` of the rows, then
  adjacent bins merged until the default rate is monotone in the field (the direction of its
  rank correlation with default), the usual requirement for a scorecard a reviewer accepts;
- a category code: each level holding at least `MIN_BIN_SHARE` of the rows is a bin, the rarer
  levels share one "other" bin;
- a missing value is always a bin of its own ("not provided" can carry risk).

WoE are smoothed (half a default and half a repayment added to every bin), so a pure bin has a
finite weight; a bin no training row fell in gets 0, the population's odds.

The fields (`FIELDS`) are the application fields and ratios of the classic application
scorecard: external scores, age and employment, amounts and their ratios, education, income
type, contract type, occupation and organisation, car ownership, the region rating and the
document / phone dates. A field the model does not receive (a protected attribute excluded by
policy) is left out of the scorecard too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression

#: The scorecard's fields, as model feature names (raw application fields and ratios).
FIELDS: tuple[str, ...] = (
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "DAYS_ID_PUBLISH",
    "DAYS_REGISTRATION",
    "DAYS_LAST_PHONE_CHANGE",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "AMT_INCOME_TOTAL",
    "APP_CREDIT_TO_INCOME",
    "APP_ANNUITY_TO_INCOME",
    "APP_ANNUITY_TO_CREDIT",
    "APP_GOODS_TO_CREDIT",
    "APP_EMPLOYED_TO_AGE",
    "REGION_RATING_CLIENT_W_CITY",
    "NAME_CONTRACT_TYPE",
    "NAME_EDUCATION_TYPE",
    "NAME_INCOME_TYPE",
    "NAME_FAMILY_STATUS",
    "OCCUPATION_TYPE",
    "ORGANIZATION_TYPE",
    "FLAG_OWN_CAR",
)
MAX_BINS = 10
MIN_BIN_SHARE = 0.05
#: Pseudo-counts added to defaults and repayments of every bin.
SMOOTHING = 0.5
#: Inverse L2 strength: a handful of WoE columns on thousands of rows need little shrinkage.
LOGISTIC_C = 1.0

_MISSING = -1  # bin index of a missing value (stored apart from the value bins)


@dataclass(frozen=True)
class FieldBins:
    """How one field's values map to bins, and each bin's WoE."""

    name: str
    categorical: bool
    #: Numeric: inner cut points (bin i holds edges[i-1] < v <= edges[i]). Categorical: the
    #: codes that have their own bin (any other code is in the last, "other" bin).
    cuts: np.ndarray
    woe: np.ndarray  # one per value bin
    missing_woe: float

    def bin_of(self, values: np.ndarray) -> np.ndarray:
        """Bin index of each value (_MISSING for a missing one)."""
        missing = np.isnan(values)
        if self.categorical:
            position = {float(c): i for i, c in enumerate(self.cuts)}
            other = len(self.cuts)
            bins = np.array([position.get(float(v), other) for v in values], dtype=np.int64)
        else:
            bins = np.searchsorted(self.cuts, values, side="left").astype(np.int64)
        bins[missing] = _MISSING
        return bins

    def transform(self, values: np.ndarray) -> np.ndarray:
        bins = self.bin_of(values)
        out = np.full(values.shape, self.missing_woe, dtype=np.float64)
        known = bins != _MISSING
        out[known] = self.woe[bins[known]]
        return out


def _woe(
    defaults: np.ndarray, counts: np.ndarray, total_bad: float, total_good: float
) -> np.ndarray:
    """Smoothed log of (share of the defaults) / (share of the repayments) of each bin; 0 (the
    population's odds) for a bin no training row fell in, e.g. "missing" for a field always
    provided in training."""
    bad = defaults + SMOOTHING
    good = counts - defaults + SMOOTHING
    woe = np.log((bad / (total_bad + SMOOTHING)) / (good / (total_good + SMOOTHING)))
    return np.where(counts > 0, woe, 0.0)


def _merge(edges: list[float], defaults: list[float], counts: list[float], i: int) -> None:
    """Bins i and i+1 become one (the cut point between them goes)."""
    defaults[i] += defaults.pop(i + 1)
    counts[i] += counts.pop(i + 1)
    edges.pop(i)


def _merge_small(edges: list[float], defaults: list[float], counts: list[float], min_rows: int):
    """Bins too small for a stable rate join a neighbour (the right one; the last, its left)."""
    i = 0
    while i < len(counts) and len(counts) > 1:
        if counts[i] < min_rows:
            _merge(edges, defaults, counts, i if i + 1 < len(counts) else i - 1)
            i = 0
        else:
            i += 1


def _monotone_merge(edges: list[float], defaults: list[float], counts: list[float], sign: float):
    """Merges adjacent bins until the default rate moves in direction `sign` (pool adjacent
    violators)."""
    i = 0
    while i < len(counts) - 1:
        here, there = defaults[i] / counts[i], defaults[i + 1] / counts[i + 1]
        if (there - here) * sign < 0:
            _merge(edges, defaults, counts, i)
            i = max(i - 1, 0)
        else:
            i += 1


def fit_field(name: str, values: np.ndarray, y: np.ndarray, categorical: bool) -> FieldBins:
    """The bins and WoE of one field on training rows."""
    known = ~np.isnan(values)
    total_bad, total_good = float(y.sum()), float(y.size - y.sum())
    miss_bad = float(y[~known].sum())
    missing_woe = float(
        _woe(np.array([miss_bad]), np.array([float((~known).sum())]), total_bad, total_good)[0]
    )
    v, t = values[known], y[known]
    min_rows = max(1, int(MIN_BIN_SHARE * y.size))
    if categorical:
        codes, counts = np.unique(v, return_counts=True)
        kept = codes[counts >= min_rows]
        bins = FieldBins(name, True, kept, np.zeros(len(kept) + 1), missing_woe)
        index = bins.bin_of(v)
        n_bins = len(kept) + 1
        defaults = np.bincount(index, weights=t, minlength=n_bins)
        sizes = np.bincount(index, minlength=n_bins).astype(np.float64)
        woe = _woe(defaults, sizes, total_bad, total_good)
        return FieldBins(name, True, kept, woe, missing_woe)
    if v.size == 0:
        return FieldBins(name, False, np.empty(0), np.zeros(1), missing_woe)
    quantiles = np.quantile(v, np.linspace(0, 1, MAX_BINS + 1)[1:-1])
    edges = [float(q) for q in np.unique(quantiles)]
    index = np.searchsorted(np.asarray(edges), v, side="left")
    defaults = list(np.bincount(index, weights=t, minlength=len(edges) + 1))
    counts = list(np.bincount(index, minlength=len(edges) + 1).astype(np.float64))
    _merge_small(edges, defaults, counts, min_rows)
    rank = spearmanr(v, t).statistic if v.size > 2 and np.ptp(v) > 0 else 0.0
    sign = 1.0 if not np.isfinite(rank) or rank >= 0 else -1.0
    _monotone_merge(edges, defaults, counts, sign)
    woe = _woe(np.asarray(defaults), np.asarray(counts), total_bad, total_good)
    return FieldBins(name, False, np.asarray(edges), woe, missing_woe)


@dataclass(frozen=True)
class Scorecard:
    fields: list[FieldBins]
    columns: list[int]
    model: LogisticRegression

    def woe_matrix(self, x: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [f.transform(_finite(x[:, c])) for f, c in zip(self.fields, self.columns, strict=True)]
        )

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self.woe_matrix(x))[:, 1]


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64).copy()
    values[~np.isfinite(values)] = np.nan
    return values


def scorecard_columns(feature_names: Sequence[str]) -> list[int]:
    """Columns of the scorecard's fields present among `feature_names`, in FIELDS order."""
    position = {name: i for i, name in enumerate(feature_names)}
    return [position[name] for name in FIELDS if name in position]


def fit_scorecard(
    x: np.ndarray,
    y: np.ndarray,
    feature_names: Sequence[str],
    categorical: Sequence[str],
    *,
    seed: int,
) -> Scorecard:
    """Bins, WoE and logistic weights fitted on the rows of `x` only."""
    columns = scorecard_columns(feature_names)
    if not columns:
        raise ValueError(f"none of the scorecard fields {FIELDS[:3]}... is a feature")
    cat = set(categorical)
    fields = [
        fit_field(feature_names[c], _finite(x[:, c]), y, feature_names[c] in cat) for c in columns
    ]
    card = Scorecard(fields, columns, LogisticRegression(C=LOGISTIC_C, max_iter=500))
    card.model.set_params(random_state=seed)
    card.model.fit(card.woe_matrix(x), y)
    return card


def scorecard_oof(
    x: np.ndarray,
    y: np.ndarray,
    fold_of_row: np.ndarray,
    feature_names: Sequence[str],
    categorical: Sequence[str],
    *,
    seed: int,
) -> np.ndarray:
    """OOF probabilities of the scorecard: fold k's rows scored by a card fitted without them."""
    oof = np.empty(len(y), dtype=np.float64)
    for k in np.unique(fold_of_row):
        held_out = fold_of_row == k
        card = fit_scorecard(x[~held_out], y[~held_out], feature_names, categorical, seed=seed)
        oof[held_out] = card.predict(x[held_out])
    return oof
