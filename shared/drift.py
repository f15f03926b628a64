"""Population drift: the training reference, the PSI against it, and a label-free estimate.

Training writes a `DriftReference` into the bundle (drift_reference.json): the bins of the score
(deciles of the honest out-of-fold probabilities) and of every model feature (fixed bins from the
training population, plus a missing bin; one bin per level for a categorical feature), each with
the share of training applicants that fell in it. Batch monitoring (`scoring monitor`) and live
monitoring (the API's `/v1/monitoring/drift`) put a new population into the SAME bins and compare
shares with the population stability index, so both answer with one `DriftReport` shape.

This module needs only numpy and pydantic: the API imports it at serving time, where the
training stack (Polars, scikit-learn) must not be required.

PSI = sum over bins of (a - e) * ln(a / e), with `e` the reference share and `a` the current
share, each floored at PSI_FLOOR so an empty bin counts as "very rare" instead of infinite.
Credit-risk practice reads it as: < 0.10 stable, 0.10-0.25 watch, >= 0.25 act (re-examine or
retrain). On a small window PSI is biased upwards even without drift (about (bins - 1) / n for
n current rows), which is why a report carries `n` and `noise_psi`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.bundle import DRIFT_REFERENCE_FILE  # noqa: F401 - re-exported

Status = Literal["ok", "watch", "act"]
#: Below WATCH: stable; from WATCH to ACT: watch; from ACT: act.
PSI_WATCH = 0.10
PSI_ACT = 0.25
#: Smallest share a bin counts with (empty bins would make the logarithm infinite).
PSI_FLOOR = 1e-4
#: How many of the most important features the overall status looks at.
TOP_FEATURES = 30
#: Below this many current rows the report says its PSI is mostly sampling noise.
MIN_ROWS = 200

_STATUS_ORDER: dict[str, int] = {"ok": 0, "watch": 1, "act": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureBins(_Strict):
    """Fixed bins of one feature and the training population's share in each.

    Numeric: bin i holds edges[i-1] < x <= edges[i] (first bin: x <= edges[0], last bin:
    x > edges[-1]), so `len(edges) + 1` value bins. Categorical: one bin per level code
    0..len(levels)-1. In both, the LAST entry of `shares` is the missing bin (NaN, or a code
    outside the levels).
    """

    name: str
    categorical: bool = False
    edges: list[float] = Field(default_factory=list)
    levels: list[str] = Field(default_factory=list)
    #: Reference share per bin, value bins first, missing bin last; sums to 1.
    shares: list[float]

    @model_validator(mode="after")
    def _bins_match(self) -> FeatureBins:
        expected = len(self.levels) + 1 if self.categorical else len(self.edges) + 2
        if len(self.shares) != expected:
            raise ValueError(
                f"feature {self.name!r}: {len(self.shares)} shares for {expected} bins "
                "(value bins plus the missing bin)"
            )
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError(f"feature {self.name!r}: bin edges must increase strictly")
        return self

    @property
    def n_bins(self) -> int:
        return len(self.shares)

    def counts(self, values: np.ndarray) -> np.ndarray:
        """How many of `values` fall in each bin (missing bin last)."""
        values = np.asarray(values, dtype=np.float64).ravel()
        missing_bin = self.n_bins - 1
        if self.categorical:
            valid = np.isfinite(values) & (values >= 0) & (values < len(self.levels))
            index = np.where(valid, np.nan_to_num(values), missing_bin).astype(np.int64)
        else:
            finite = np.isfinite(values)
            edges = np.asarray(self.edges, dtype=np.float64)
            index = np.where(
                finite, np.searchsorted(edges, np.nan_to_num(values), side="left"), missing_bin
            )
        return np.bincount(index, minlength=self.n_bins)[: self.n_bins]

    def labels(self) -> list[str]:
        """Human-readable name of each bin (for reports)."""
        if self.categorical:
            return [*self.levels, "missing"]
        e = self.edges
        if not e:
            return ["all", "missing"]
        inner = [f"({e[i - 1]:.4g}, {e[i]:.4g}]" for i in range(1, len(e))]
        return [f"<= {e[0]:.4g}", *inner, f"> {e[-1]:.4g}", "missing"]


class DriftReference(_Strict):
    """The training population as drift monitoring sees it (drift_reference.json)."""

    n: int
    #: Mean calibrated out-of-fold probability and the OOF AUC at training (for the estimate).
    mean_probability: float
    observed_default_rate: float
    oof_auc: float | None = None
    score: FeatureBins
    features: dict[str, FeatureBins]
    #: Model features by decreasing importance (mean |SHAP|); the overall status reads the first
    #: TOP_FEATURES.
    importance_order: list[str]


class FeatureDrift(_Strict):
    name: str
    psi: float
    status: Status
    #: Rank by importance (0 = most important), None for a feature not in the ranking.
    importance_rank: int | None = None


class PerformanceEstimate(_Strict):
    """What the calibrated probabilities alone imply about the current population.

    An ESTIMATE, not a measurement: labels (defaults) arrive months after the decision. It is
    right only as long as the model stays calibrated on the new population (the idea behind
    confidence-based performance estimation, CBPE); a drifted population is exactly when that
    may fail, so read it next to the PSI, never instead of it.
    """

    is_estimate: Literal[True] = True
    method: str = "expected values under the calibrated probabilities (CBPE idea)"
    expected_default_rate: float
    expected_auc: float | None
    reference_default_rate: float
    reference_auc: float | None


class DriftReport(_Strict):
    """One answer for batch (`scoring monitor`) and live (`/v1/monitoring/drift`) monitoring."""

    status: Status
    score_psi: float
    score_status: Status
    #: Features sorted by decreasing PSI: the top-TOP_FEATURES by importance and any asked for.
    features: list[FeatureDrift]
    n: int
    n_reference: int
    #: Score PSI expected from sampling noise alone at these sizes, about
    #: (bins - 1) * (1 / n + 1 / n_reference); None without current rows.
    noise_psi: float | None
    low_sample: bool
    estimate: PerformanceEstimate | None = None
    model_version: str = ""
    #: Where the current rows came from: a data path, or "live" with its time window.
    source: str = ""
    window_start: str | None = None
    window_end: str | None = None
    thresholds: dict[str, float] = Field(
        default_factory=lambda: {"watch": PSI_WATCH, "act": PSI_ACT}
    )


class DriftHistoryPoint(_Strict):
    """Score PSI of the rows scored in one time bucket (live monitoring's trend)."""

    start: str
    end: str
    n: int
    score_psi: float
    status: Status


class DriftHistory(_Strict):
    """Score PSI per time bucket, oldest first."""

    bucket_hours: float
    points: list[DriftHistoryPoint]


def status_of(psi: float) -> Status:
    if psi >= PSI_ACT:
        return "act"
    if psi >= PSI_WATCH:
        return "watch"
    return "ok"


def worst(statuses: Sequence[Status]) -> Status:
    return max(statuses, key=lambda s: _STATUS_ORDER[s], default="ok")


def psi(expected_shares: Sequence[float] | np.ndarray, actual_counts: np.ndarray) -> float:
    """Population stability index of counts against reference shares (same bins)."""
    e = np.maximum(np.asarray(expected_shares, dtype=np.float64), PSI_FLOOR)
    counts = np.asarray(actual_counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return 0.0
    a = np.maximum(counts / total, PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def expected_auc(probabilities: np.ndarray) -> float | None:
    """AUC expected if each applicant defaults with their calibrated probability.

    Every pair (i defaults, j repays) weighs p_i (1 - p_j); the expected AUC is the weighted
    share of pairs the score orders correctly (ties count one half). Computed in O(n log n) from
    cumulative weights over the sorted scores; the i == j "pairs" are removed from both sums.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    p = p[np.isfinite(p)]
    if p.size < 2:
        return None
    order = np.argsort(p, kind="stable")
    p = p[order]
    unique, start = np.unique(p, return_index=True)
    pos = np.add.reduceat(p, start)  # expected defaults per distinct score
    neg = np.add.reduceat(1.0 - p, start)
    self_pairs = np.add.reduceat(p * (1.0 - p), start)
    neg_below = np.cumsum(neg) - neg
    correct = np.sum(pos * neg_below) + 0.5 * np.sum(pos * neg - self_pairs)
    total = p.sum() * (1.0 - p).sum() - np.sum(p * (1.0 - p))
    if total <= 0 or unique.size < 2:
        return None
    return float(correct / total)


def estimate_performance(
    probabilities: np.ndarray, reference: DriftReference
) -> PerformanceEstimate:
    p = np.asarray(probabilities, dtype=np.float64)
    p = p[np.isfinite(p)]
    return PerformanceEstimate(
        expected_default_rate=float(p.mean()) if p.size else float("nan"),
        expected_auc=expected_auc(p),
        reference_default_rate=reference.observed_default_rate,
        reference_auc=reference.oof_auc,
    )


def drift_report(
    reference: DriftReference,
    scores: np.ndarray,
    features: Mapping[str, np.ndarray],
    *,
    extra_features: Sequence[str] = (),
    model_version: str = "",
    source: str = "",
    window: tuple[str | None, str | None] = (None, None),
) -> DriftReport:
    """Compares a current population with the reference.

    `scores`: calibrated probabilities of the current rows; `features`: name -> values of the
    current rows (at least the top features present in the reference). The overall status is
    the worst of the score and the TOP_FEATURES most important features; `extra_features` are
    reported too (a feature asked for on demand) without changing the overall status.
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = int(scores.size)
    score_psi = psi(reference.score.shares, reference.score.counts(scores))
    rank = {name: i for i, name in enumerate(reference.importance_order)}
    top = [name for name in reference.importance_order[:TOP_FEATURES] if name in features]
    asked = [name for name in extra_features if name not in top]
    unknown = [name for name in asked if name not in reference.features or name not in features]
    if unknown:
        raise KeyError(f"no reference or no current values for feature(s): {', '.join(unknown)}")
    drifts: list[FeatureDrift] = []
    for name in [*top, *asked]:
        bins = reference.features[name]
        value = psi(bins.shares, bins.counts(features[name]))
        drifts.append(
            FeatureDrift(
                name=name, psi=value, status=status_of(value), importance_rank=rank.get(name)
            )
        )
    top_statuses = [d.status for d in drifts if d.name in set(top)]
    drifts.sort(key=lambda d: (-d.psi, d.name))
    # Degrees of freedom: value bins (the missing bin of a score stays empty) minus one.
    bins_used = max(reference.score.n_bins - 2, 1)
    score_status = status_of(score_psi)
    return DriftReport(
        status=worst([score_status, *top_statuses]),
        score_psi=score_psi,
        score_status=score_status,
        features=drifts,
        n=n,
        n_reference=reference.n,
        noise_psi=float(bins_used * (1 / n + 1 / max(reference.n, 1))) if n else None,
        low_sample=n < MIN_ROWS,
        estimate=estimate_performance(scores, reference) if n else None,
        model_version=model_version,
        source=source,
        window_start=window[0],
        window_end=window[1],
    )
