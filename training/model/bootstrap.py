"""Bootstrap confidence intervals for the AUC and the business cost, fast at 307,000 rows.

A resample of n applicants drawn with replacement is the same as giving each applicant a weight
(how many times it was drawn). With the predictions sorted once, the weighted Mann-Whitney AUC
of a resample is a few O(n) integer array operations (no sort per resample), and its cost two
integer dot products (weighted missed defaults, weighted refused good clients). One resample of
307,511 applicants costs about 5 ms of CPU, so 1,000 take seconds.

The intervals describe the sampling uncertainty of the evaluated applicants, with the models,
calibrations and thresholds held fixed (percentile method). Every call with the same seed draws
the same resamples, so the model's and the baselines' intervals are paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shared.bundle import Interval

LEVEL = 0.95


@dataclass(frozen=True)
class BootstrapIntervals:
    roc_auc: Interval
    cost: Interval


class _SortedScores:
    """Predictions sorted once, with their tie groups (a tied pair counts one half)."""

    def __init__(self, y: np.ndarray, p: np.ndarray) -> None:
        order = np.argsort(p, kind="stable")
        self.n = p.size
        #: position[i]: where original row i sits in sorted order.
        self.position = np.empty(self.n, dtype=np.int64)
        self.position[order] = np.arange(self.n)
        self.negative = (~np.asarray(y, dtype=bool)[order]).astype(np.int64)
        sorted_p = p[order]
        #: First sorted position of each run of equal predictions.
        self.starts = np.flatnonzero(np.concatenate([[True], sorted_p[1:] != sorted_p[:-1]]))
        self.ties = self.starts.size < self.n

    def weighted_auc(self, weight: np.ndarray) -> float:
        """AUC of the sample in which sorted row i appears weight[i] (an integer) times.

        Integer arithmetic throughout: per group of tied predictions, each positive scores the
        negatives strictly below it plus half the tied ones, i.e. (2 * cum_neg - neg) / 2.
        """
        negative = weight * self.negative
        positive = weight - negative
        if self.ties:
            negative = np.add.reduceat(negative, self.starts)
            positive = np.add.reduceat(positive, self.starts)
        cumulative = np.cumsum(negative)
        n_pos, n_neg = int(positive.sum()), int(cumulative[-1]) if cumulative.size else 0
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        twice = int(positive @ (2 * cumulative - negative))
        return twice / (2.0 * n_pos * n_neg)


def weighted_auc(y: np.ndarray, p: np.ndarray, weight: np.ndarray | None = None) -> float:
    """ROC AUC with integer row weights (a weight of 2 = the row twice); sklearn's AUC for none."""
    p = np.asarray(p, dtype=np.float64)
    scores = _SortedScores(np.asarray(y), p)
    w = np.ones(p.size, dtype=np.int64) if weight is None else np.asarray(weight, dtype=np.int64)
    sorted_w = np.empty(p.size, dtype=np.int64)
    sorted_w[scores.position] = w
    return scores.weighted_auc(sorted_w)


def _interval(values: np.ndarray, resamples: int, level: float) -> Interval:
    finite = values[np.isfinite(values)]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Interval(low=float(low), high=float(high), level=level, resamples=resamples)


def bootstrap_intervals(
    y: np.ndarray,
    p: np.ndarray,
    refused: np.ndarray,
    *,
    cost_fn: float,
    cost_fp: float,
    resamples: int,
    seed: int,
    level: float = LEVEL,
) -> BootstrapIntervals:
    """Percentile intervals of the AUC of `p` and of the total cost of the decisions `refused`.

    A resample's cost is cost_fn x (its missed defaults) + cost_fp x (its refused good
    clients), counted with the resample's weights in integers.
    """
    if resamples < 1:
        raise ValueError("bootstrap needs at least one resample")
    y = np.asarray(y, dtype=bool)
    refused = np.asarray(refused, dtype=bool)
    scores = _SortedScores(y, np.asarray(p, dtype=np.float64))
    missed = np.empty(scores.n, dtype=np.int64)
    missed[scores.position] = y & ~refused
    wrongly_refused = np.empty(scores.n, dtype=np.int64)
    wrongly_refused[scores.position] = ~y & refused
    rng = np.random.default_rng(seed)
    aucs = np.empty(resamples)
    costs = np.empty(resamples)
    for b in range(resamples):
        drawn = rng.integers(0, scores.n, size=scores.n)
        weight = np.bincount(scores.position[drawn], minlength=scores.n)
        aucs[b] = scores.weighted_auc(weight)
        costs[b] = cost_fn * int(weight @ missed) + cost_fp * int(weight @ wrongly_refused)
    return BootstrapIntervals(
        roc_auc=_interval(aucs, resamples, level), cost=_interval(costs, resamples, level)
    )
