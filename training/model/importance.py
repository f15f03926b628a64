"""Global importance as mean |SHAP| value, per feature and per business group.

SHAP values (LightGBM's exact TreeSHAP, `pred_contrib=True`) are in log-odds and add up to each
applicant's score, so they answer "how much does this feature move scores on average" in the
same unit as the per-applicant explanations the API gives. A group's importance is the mean of
|sum of its features' contributions| per applicant: features of one group often push in
opposite directions, and summing their separate magnitudes would overstate the group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import lightgbm as lgb
import numpy as np

from shared.bundle import FeatureImportance, GroupImportance, Importance


def sample_rows(n: int, max_rows: int, seed: int) -> np.ndarray:
    if n <= max_rows:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_rows, replace=False))


def shap_importance(
    booster: lgb.Booster,
    x: np.ndarray,
    feature_names: Sequence[str],
    group_of: Mapping[str, str],
    *,
    max_rows: int,
    seed: int,
) -> Importance:
    """Importance on a reproducible sample of at most `max_rows` rows of `x`."""
    rows = sample_rows(len(x), max_rows, seed)
    contributions = np.asarray(booster.predict(x[rows], pred_contrib=True))[:, :-1]
    per_feature = np.abs(contributions).mean(axis=0)
    features = sorted(
        (
            FeatureImportance(name=name, mean_abs_shap=float(value))
            for name, value in zip(feature_names, per_feature, strict=True)
        ),
        key=lambda f: (-f.mean_abs_shap, f.name),
    )
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(feature_names):
        groups.setdefault(group_of.get(name, "other"), []).append(i)
    group_importance = sorted(
        (
            GroupImportance(
                group=group,
                mean_abs_shap=float(np.abs(contributions[:, idx].sum(axis=1)).mean()),
            )
            for group, idx in groups.items()
        ),
        key=lambda g: (-g.mean_abs_shap, g.group),
    )
    return Importance(n_rows=int(rows.size), features=features, groups=group_importance)
