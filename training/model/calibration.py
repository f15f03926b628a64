"""Whether to recalibrate the model's probabilities, decided on evidence and stored as JSON.

Candidates (Platt scaling on the log-odds, isotonic regression) are fitted on the out-of-fold
predictions. To judge them honestly they are themselves cross-fitted: each candidate is fitted
on k-1 parts of the OOF predictions and scored on the remaining part, so a flexible method such
as isotonic regression cannot win by memorising. A candidate is kept only if it lowers the Brier
score by a meaningful margin without lowering the AUC (isotonic steps create ties that can);
otherwise the booster's probabilities are served as they are ("none"). The AUC change is
measured inside each held-out part (one transform per part, as the served model applies one
transform to everyone): measured on the rows a transform was fitted on, isotonic regression
even *raises* the AUC, since its steps tie exactly the pairs it had misordered. The chosen
method is then refitted on all OOF predictions and stored as plain numbers (never a pickled
estimator).
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from shared.bundle import Calibration

#: Relative Brier improvement a candidate must bring to be worth changing the probabilities.
MIN_RELATIVE_BRIER_GAIN = 0.002
#: Largest AUC loss tolerated (isotonic ties); ranking matters more than a tiny Brier gain.
MAX_AUC_LOSS = 0.0005


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def fit_platt(y: np.ndarray, p: np.ndarray) -> Calibration:
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(_logit(p).reshape(-1, 1), y)
    return Calibration(
        method="platt", params={"a": float(model.coef_[0, 0]), "b": float(model.intercept_[0])}
    )


def fit_isotonic(y: np.ndarray, p: np.ndarray) -> Calibration:
    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    model.fit(p, y)
    return Calibration(
        method="isotonic",
        params={
            "x": [float(v) for v in model.X_thresholds_],
            "y": [float(v) for v in model.y_thresholds_],
        },
    )


_FITTERS = {"platt": fit_platt, "isotonic": fit_isotonic}


def _cross_fitted(y: np.ndarray, p: np.ndarray, method: str, seed: int) -> tuple[np.ndarray, float]:
    """Calibrated predictions, each part by a transform fitted on the other parts, and the mean
    AUC change the transform brings inside each part."""
    out = np.empty_like(p)
    changes = []
    splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for fit_idx, eval_idx in splitter.split(p, y):
        out[eval_idx] = _FITTERS[method](y[fit_idx], p[fit_idx]).apply(p[eval_idx])
        changes.append(
            roc_auc_score(y[eval_idx], out[eval_idx]) - roc_auc_score(y[eval_idx], p[eval_idx])
        )
    return out, float(np.mean(changes))


def choose_calibration(y: np.ndarray, p: np.ndarray, seed: int = 0) -> Calibration:
    """The calibration to serve for out-of-fold probabilities `p`, with the evidence."""
    y = np.asarray(y).astype(np.int8)
    p = np.asarray(p, dtype=np.float64)
    brier_raw = float(brier_score_loss(y, p))
    auc_raw = float(roc_auc_score(y, p))
    evidence = {"brier_none": brier_raw, "auc_none": auc_raw}
    best_method, best_brier = "none", brier_raw
    for method in _FITTERS:
        calibrated, auc_change = _cross_fitted(y, p, method, seed)
        brier = float(brier_score_loss(y, calibrated))
        evidence[f"brier_{method}"], evidence[f"auc_change_{method}"] = brier, auc_change
        gain = (brier_raw - brier) / brier_raw
        if gain >= MIN_RELATIVE_BRIER_GAIN and auc_change >= -MAX_AUC_LOSS and brier < best_brier:
            best_method, best_brier = method, brier
    if best_method == "none":
        reason = (
            "no candidate lowered the cross-fitted Brier score by "
            f"{MIN_RELATIVE_BRIER_GAIN:.1%} without costing AUC: raw probabilities served"
        )
        return Calibration(method="none", evidence=evidence, reason=reason)
    chosen = _FITTERS[best_method](y, p)
    reason = (
        f"{best_method} lowered the cross-fitted Brier score from {brier_raw:.5f} to "
        f"{best_brier:.5f}, changing the AUC by {evidence[f'auc_change_{best_method}']:+.4f} "
        "(cross-fitted)"
    )
    return Calibration(method=chosen.method, params=chosen.params, evidence=evidence, reason=reason)
