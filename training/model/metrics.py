"""Out-of-fold metrics of a probability model, business cost included.

Ranking (ROC AUC, PR AUC) says whether the model orders applicants well; Brier and log loss
whether its probabilities can be read as probabilities (the advisor sees them); the business
cost and recall/precision at the threshold what the bank actually gains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from shared.bundle import CalibrationBin, ModelMetrics

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


def evaluate(
    y: np.ndarray, p: np.ndarray, threshold: float, cost_fn: float, cost_fp: float
) -> ModelMetrics:
    """All stored metrics of predictions `p` for labels `y` (0 repaid, 1 defaulted)."""
    y = np.asarray(y).astype(np.int8)
    p = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    at_threshold = confusion(y, p, threshold)
    at_half = confusion(y, p, 0.5)
    return ModelMetrics(
        roc_auc=float(roc_auc_score(y, p)),
        pr_auc=float(average_precision_score(y, p)),
        brier=float(brier_score_loss(y, p)),
        log_loss=float(log_loss(y, p, labels=[0, 1])),
        threshold=float(threshold),
        cost_at_threshold=float(at_threshold.cost(cost_fn, cost_fp)),
        cost_at_half=float(at_half.cost(cost_fn, cost_fp)),
        recall_at_threshold=at_threshold.recall,
        precision_at_threshold=at_threshold.precision,
        calibration_table=calibration_table(y, p),
    )


def summary_line(name: str, m: ModelMetrics) -> str:
    """One readable line per model for the terminal."""
    return (
        f"{name:<9} AUC {m.roc_auc:.4f}  PR-AUC {m.pr_auc:.4f}  Brier {m.brier:.4f}  "
        f"logloss {m.log_loss:.4f}  threshold {m.threshold:.3f}  cost {m.cost_at_threshold:,.0f} "
        f"(at 0.5: {m.cost_at_half:,.0f})  recall {m.recall_at_threshold:.3f}  "
        f"precision {m.precision_at_threshold:.3f}"
    )
