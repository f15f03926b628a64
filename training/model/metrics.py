"""Metrics of a probability model and of its decisions, business cost included.

Ranking (ROC AUC, PR AUC) says whether the model orders applicants well; Brier and log loss
whether its probabilities can be read as probabilities (the advisor sees them); the business
cost and recall/precision at the threshold what the bank actually gains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from shared.bundle import CalibrationBin, Interval, ModelMetrics

_EPS = 1e-15


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    tn: int
    fn: int

    def cost(self, cost_fn: float, cost_fp: float) -> float:
        return cost_fn * self.fn + cost_fp * self.fp

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0


def confusion(y: np.ndarray, p: np.ndarray, threshold: float) -> Confusion:
    """Counts for the decision "refuse when p >= threshold" (positive = default)."""
    y = np.asarray(y).astype(bool)
    refused = np.asarray(p) >= threshold
    return Confusion(
        tp=int(np.sum(refused & y)),
        fp=int(np.sum(refused & ~y)),
        tn=int(np.sum(~refused & ~y)),
        fn=int(np.sum(~refused & y)),
    )


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[CalibrationBin]:
    """Deciles of predicted probability: mean prediction versus observed default rate.

    Bins hold equal numbers of applicants (rank-based), so that every row of the table rests on
    enough defaults to be read, even where the model predicts little risk.
    """
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    table = []
    for chunk in np.array_split(order, bins):
        if chunk.size == 0:
            continue
        table.append(
            CalibrationBin(
                lower=float(p[chunk].min()),
                upper=float(p[chunk].max()),
                count=int(chunk.size),
                mean_predicted=float(p[chunk].mean()),
                observed_rate=float(y[chunk].mean()),
            )
        )
    return table


def decision_metrics(
    y: np.ndarray,
    p: np.ndarray,
    refused: np.ndarray,
    threshold: float,
    cost_fn: float,
    cost_fp: float,
) -> ModelMetrics:
    """Metrics of probabilities `p` and of the decisions `refused` taken from them.

    The decisions are given rather than derived from one threshold because the honest
    evaluation (training.model.evaluation) refuses each fold's applicants at a threshold chosen
    on the other folds; `threshold` is the one recorded beside them (the served threshold).
    """
    y = np.asarray(y).astype(np.int8)
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    refused = np.asarray(refused, dtype=bool)
    positive = y.astype(bool)
    counts = Confusion(
        tp=int(np.sum(refused & positive)),
        fp=int(np.sum(refused & ~positive)),
        tn=int(np.sum(~refused & ~positive)),
        fn=int(np.sum(~refused & positive)),
    )
    at_half = confusion(y, p, 0.5)
    return ModelMetrics(
        roc_auc=float(roc_auc_score(y, p)),
        pr_auc=float(average_precision_score(y, p)),
        brier=float(brier_score_loss(y, p)),
        log_loss=float(log_loss(y, p, labels=[0, 1])),
        threshold=float(threshold),
        cost_at_threshold=float(counts.cost(cost_fn, cost_fp)),
        cost_at_half=float(at_half.cost(cost_fn, cost_fp)),
        recall_at_threshold=counts.recall,
        precision_at_threshold=counts.precision,
        calibration_table=calibration_table(y, p),
        true_positives=counts.tp,
        false_positives=counts.fp,
        true_negatives=counts.tn,
        false_negatives=counts.fn,
    )


def evaluate(
    y: np.ndarray, p: np.ndarray, threshold: float, cost_fn: float, cost_fp: float
) -> ModelMetrics:
    """All stored metrics of predictions `p` for labels `y` (0 repaid, 1 defaulted), refusing
    at one threshold."""
    p = np.asarray(p, dtype=np.float64)
    return decision_metrics(y, p, p >= threshold, threshold, cost_fn, cost_fp)


def _interval_text(interval: Interval | None, fmt: str) -> str:
    if interval is None:
        return ""
    return f" [{interval.low:{fmt}}, {interval.high:{fmt}}]"


def summary_line(name: str, m: ModelMetrics) -> str:
    """One readable line per model for the terminal (95 % intervals in brackets when known)."""
    return (
        f"{name:<9} AUC {m.roc_auc:.4f}{_interval_text(m.roc_auc_ci, '.4f')}  "
        f"PR-AUC {m.pr_auc:.4f}  Brier {m.brier:.4f}  logloss {m.log_loss:.4f}  "
        f"cost {m.cost_at_threshold:,.0f}{_interval_text(m.cost_ci, ',.0f')} "
        f"(at 0.5: {m.cost_at_half:,.0f})  recall {m.recall_at_threshold:.3f}  "
        f"precision {m.precision_at_threshold:.3f}"
    )
