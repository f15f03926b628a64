"""The drift reference written at training: fixed bins of the score and of every feature.

The score's bins are the deciles of the honest out-of-fold probabilities (the population the
threshold and the calibration were chosen on), not of the refit model's in-sample scores, which
are more confident than anything the model will produce on new applicants. Feature bins are
fixed here once, from the training applicants, so every later comparison (batch or live) puts
its rows into exactly the same bins. The PSI itself is computed by shared/drift.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from shared.bundle import FeatureEntry
from shared.drift import DriftReference, FeatureBins

#: Quantile bins per numeric feature (deciles); fewer when values repeat.
DEFAULT_BINS = 10


def numeric_bins(name: str, values: np.ndarray, bins: int = DEFAULT_BINS) -> FeatureBins:
    """Quantile bins of `values` (right-closed), every value bin non-empty, plus a missing bin.

    Edges are actual data values (inverted-CDF quantiles), duplicates merged, and any edge at
    the maximum dropped: so a flag gets two bins, a constant one, and no bin is empty in the
    reference (an empty reference bin would make any later row in it look like strong drift).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    finite = values[np.isfinite(values)]
    if finite.size:
        quantiles = np.quantile(finite, np.arange(1, bins) / bins, method="inverted_cdf")
        edges = np.unique(quantiles)
        edges = edges[edges < finite.max()]
    else:
        edges = np.empty(0)
    draft = FeatureBins(name=name, edges=[float(e) for e in edges], shares=[0.0] * (edges.size + 2))
    return draft.model_copy(update={"shares": _shares(draft.counts(values))})


def categorical_bins(name: str, codes: np.ndarray, levels: Sequence[str]) -> FeatureBins:
    """One bin per level code, plus the missing bin (NaN or an unknown code)."""
    draft = FeatureBins(
        name=name, categorical=True, levels=list(levels), shares=[0.0] * (len(levels) + 1)
    )
    return draft.model_copy(update={"shares": _shares(draft.counts(codes))})


def _shares(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    return [float(c / total) if total else 0.0 for c in counts]


def build_drift_reference(
    x: np.ndarray,
    features: Sequence[FeatureEntry],
    oof: np.ndarray,
    y: np.ndarray,
    importance_order: Sequence[str],
    *,
    oof_auc: float | None,
    bins: int = DEFAULT_BINS,
) -> DriftReference:
    """The reference of the training population.

    `x`: the training feature matrix in model order; `oof`: calibrated out-of-fold
    probabilities of the same rows; `importance_order`: feature names, most important first.
    """
    if x.shape != (len(oof), len(features)):
        raise ValueError(
            f"feature matrix shape {x.shape} does not match {len(oof)} OOF probabilities and "
            f"{len(features)} features"
        )
    by_name: Mapping[str, FeatureBins] = {
        entry.name: (
            categorical_bins(entry.name, x[:, i], entry.levels or [])
            if entry.categorical
            else numeric_bins(entry.name, x[:, i], bins)
        )
        for i, entry in enumerate(features)
    }
    return DriftReference(
        n=len(oof),
        mean_probability=float(np.mean(oof)),
        observed_default_rate=float(np.mean(y)),
        oof_auc=oof_auc,
        score=numeric_bins("score", oof, bins),
        features=dict(by_name),
        importance_order=[name for name in importance_order if name in by_name],
    )
