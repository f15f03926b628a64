"""Honest evaluation: numbers measured on predictions that influenced none of the choices.

Three choices are made on the out-of-fold (OOF) predictions: the fold models (fit and early
stopping: training.model.cv), the calibration, and the cost threshold. The served calibration
and threshold are fitted on all OOF predictions (the most data). Measuring the served threshold
on those same predictions would flatter it (it is the minimum of the very cost curve it is read
from), so the reported numbers are cross-fitted once more:

for each outer fold k, a calibration and a threshold are chosen on the OOF predictions of the
other folds only, exactly as the served ones are chosen on all folds, and applied to fold k.
Every reported metric (AUC, PR AUC, Brier, log loss, confusion counts, cost, recall, precision)
is computed on these pooled fold-k predictions and decisions, with bootstrap 95 % intervals
for the AUC and the cost. The baselines go through the very same function on the same folds.

The result is an estimate of what the procedure (fit, calibrate, pick a threshold) achieves on
applicants it has not seen, which is what a validator needs to judge the served model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from shared.bundle import Calibration, EvaluationProtocol, ModelMetrics
from training.model.bootstrap import bootstrap_intervals
from training.model.calibration import choose_calibration
from training.model.config import TrainConfig
from training.model.metrics import decision_metrics
from training.model.threshold import ThresholdChoice, choose_threshold

PROTOCOL_NAME = "nested-cross-fitting"


@dataclass(frozen=True)
class FoldDecision:
    """The calibration and threshold applied to fold `fold`, chosen on the other folds."""

    fold: int
    calibration: Calibration
    threshold: float


@dataclass(frozen=True)
class Evaluation:
    #: Fitted on all OOF predictions: what is served (for the model) or would be (baselines).
    calibration: Calibration
    threshold: ThresholdChoice
    #: Per outer fold, the choices made without it.
    decisions: list[FoldDecision]
    #: Cross-fitted calibrated probability and decision of every row.
    probability: np.ndarray
    refused: np.ndarray
    #: Honest metrics of `probability` and `refused` (threshold = the served one).
    metrics: ModelMetrics

    def fold_summary(self) -> dict[str, list[object]]:
        """The per-fold choices as JSON-ready lists (stored in the manifest's training_params)."""
        return {
            "thresholds": [d.threshold for d in self.decisions],
            "calibrations": [d.calibration.method for d in self.decisions],
        }


def cross_fitted_decisions(
    y: np.ndarray,
    p: np.ndarray,
    fold_of_row: np.ndarray,
    *,
    cost_fn: float,
    cost_fp: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, list[FoldDecision]]:
    """Each fold's rows calibrated and decided by choices made on the other folds' rows."""
    probability = np.empty(len(y), dtype=np.float64)
    refused = np.empty(len(y), dtype=bool)
    decisions: list[FoldDecision] = []
    for k in np.unique(fold_of_row).tolist():
        held_out = fold_of_row == k
        others = ~held_out
        calibration = choose_calibration(y[others], p[others], seed=seed)
        threshold = choose_threshold(
            y[others], calibration.apply(p[others]), cost_fn, cost_fp
        ).threshold
        probability[held_out] = calibration.apply(p[held_out])
        refused[held_out] = probability[held_out] >= threshold
        decisions.append(FoldDecision(int(k), calibration, float(threshold)))
    return probability, refused, decisions


def evaluate_oof(
    y: np.ndarray,
    p: np.ndarray,
    fold_of_row: np.ndarray,
    *,
    cost_fn: float,
    cost_fp: float,
    seed: int,
    resamples: int,
) -> Evaluation:
    """The served choices and the honest metrics of OOF probabilities `p` (uncalibrated)."""
    y = np.asarray(y).astype(np.int8)
    p = np.asarray(p, dtype=np.float64)
    calibration = choose_calibration(y, p, seed=seed)
    threshold = choose_threshold(y, calibration.apply(p), cost_fn, cost_fp)
    probability, refused, decisions = cross_fitted_decisions(
        y, p, fold_of_row, cost_fn=cost_fn, cost_fp=cost_fp, seed=seed
    )
    metrics = decision_metrics(y, probability, refused, threshold.threshold, cost_fn, cost_fp)
    if resamples:
        intervals = bootstrap_intervals(
            y,
            probability,
            refused,
            cost_fn=cost_fn,
            cost_fp=cost_fp,
            resamples=resamples,
            seed=seed,
        )
        metrics = metrics.model_copy(
            update={"roc_auc_ci": intervals.roc_auc, "cost_ci": intervals.cost}
        )
    return Evaluation(calibration, threshold, decisions, probability, refused, metrics)


def evaluate_all(
    y: np.ndarray,
    oof: Mapping[str, np.ndarray],
    fold_of_row: np.ndarray,
    config: TrainConfig,
) -> dict[str, Evaluation]:
    """`evaluate_oof` for every model name -> OOF probabilities ("model" and the baselines),
    with the same folds, costs, seed and bootstrap resamples (so the intervals are paired)."""
    return {
        name: evaluate_oof(
            y,
            p,
            fold_of_row,
            cost_fn=config.cost_fn,
            cost_fp=config.cost_fp,
            seed=config.seed,
            resamples=config.bootstrap_resamples,
        )
        for name, p in oof.items()
    }


def protocol(config: TrainConfig) -> EvaluationProtocol:
    """The protocol in words, for the manifest, the model page and `scoring train`."""
    k = config.folds
    share = f"{config.early_stopping_fraction:.0%}"
    resamples = config.bootstrap_resamples
    early_en = (
        f"each fold model stops on a stratified {share} of its own training rows (the other "
        f"{k - 1} folds), set aside from its fit; the scored fold is never used"
    )
    intervals_en = (
        f"95 % intervals: percentile bootstrap over applicants ({resamples} resamples, seed "
        f"{config.seed}), models, calibrations and thresholds held fixed."
        if resamples
        else "No bootstrap intervals were computed."
    )
    intervals_fr = (
        f"Intervalles à 95 % : bootstrap percentile sur les demandeurs ({resamples} "
        f"rééchantillonnages, graine {config.seed}), modèles, calibrations et seuils fixés."
        if resamples
        else "Aucun intervalle bootstrap n'a été calculé."
    )
    description_en = (
        f"Nested cross-fitting. The training applicants are split into {k} stratified folds. "
        f"Fold model k is trained without fold k; {early_en}. Each applicant's out-of-fold "
        "probability comes from the one fold model that never saw it. For the reported "
        "metrics, the calibration and the cost threshold applied to fold k are re-chosen on "
        "the out-of-fold predictions of the other folds only, and AUC, cost and confusion "
        "counts are computed on these pooled predictions: no reported number comes from a "
        "prediction that influenced the model, its early stopping, the calibration or the "
        "threshold. The served calibration and threshold are fitted on all out-of-fold "
        "predictions; the baselines follow the same protocol on the same folds. " + intervals_en
    )
    description_fr = (
        f"Validation croisée imbriquée. Les demandeurs d'entraînement sont répartis en {k} "
        f"blocs stratifiés. Le modèle du bloc k est entraîné sans le bloc k ; son arrêt "
        f"précoce utilise {share} de ses propres lignes d'entraînement (les {k - 1} autres "
        "blocs), mises de côté de l'ajustement : le bloc évalué n'y sert jamais. La "
        "probabilité hors bloc de chaque demandeur vient du seul modèle qui ne l'a jamais vu. "
        "Pour les métriques publiées, la calibration et le seuil de coût appliqués au bloc k "
        "sont choisis à nouveau sur les prédictions hors bloc des autres blocs seulement, puis "
        "l'AUC, le coût et la matrice de confusion sont calculés sur l'ensemble de ces "
        "prédictions : aucun chiffre publié ne provient d'une prédiction ayant influencé le "
        "modèle, son arrêt précoce, la calibration ou le seuil. La calibration et le seuil "
        "servis sont ajustés sur toutes les prédictions hors bloc ; les modèles de référence "
        "suivent le même protocole sur les mêmes blocs. " + intervals_fr
    )
    return EvaluationProtocol(
        name=PROTOCOL_NAME,
        description_en=description_en,
        description_fr=description_fr,
        outer_folds=k,
        early_stopping=early_en,
        bootstrap_resamples=resamples,
        seed=config.seed,
    )
