"""The fairness report: how the model's errors and approvals differ between groups of clients.

Computed at training on the honest out-of-fold probabilities (the model that scored an applicant
never saw them), so a group's numbers are what that group will experience, not what the model
memorised. Attributes: sex (CODE_GENDER, excluded from the model but kept for this audit), age
band from DAYS_BIRTH, family status, and sex x age band (intersections hide what each attribute
alone averages away).

The group metrics are fairlearn's MetricFrame (count, selection and error rates, AUC,
calibration), so the definitions are the library's, not ours. Their 95 % intervals come from a
seeded bootstrap within each group done here with resampling weights (numpy, one pass per batch
of resamples): MetricFrame's own `n_boot` re-runs the whole frame per resample, measured at 130 s
for 100 resamples of one attribute on 20,000 rows, which a training stage cannot afford.

Groups smaller than `min_group_size` are reported (flagged `small`) but left out of the
disparate-impact ratio and the gaps: a ratio driven by six applicants would raise or hide an
alarm by chance.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import roc_auc_score

from shared.governance import (
    DISPARATE_IMPACT_FLAG,
    AttributeFairness,
    Estimate,
    FairnessReport,
    GroupMetrics,
)

DAYS_PER_YEAR = 365.25
AGE_BANDS: tuple[tuple[str, float], ...] = (
    ("<25", 25),
    ("25-34", 35),
    ("35-49", 50),
    ("50-64", 65),
    ("65+", float("inf")),
)
MISSING_GROUP = "missing"
#: Upper bound on the floats of one batch of bootstrap weights (memory, about 40 MB).
_BATCH_ELEMENTS = 5_000_000


@dataclass(frozen=True)
class Attribute:
    """One attribute to audit: its name in the report, its labels, each applicant's group."""

    name: str
    label_fr: str
    label_en: str
    groups: np.ndarray  # object array of group names, one per applicant


def age_band(days_birth: np.ndarray) -> np.ndarray:
    """'<25', '25-34', '35-49', '50-64' or '65+' from DAYS_BIRTH (negative days before the
    application); 'missing' when unknown."""
    days = np.asarray(days_birth, dtype=np.float64)
    years = -days / DAYS_PER_YEAR
    bounds = np.array([upper for _, upper in AGE_BANDS[:-1]])
    names = np.array([name for name, _ in AGE_BANDS], dtype=object)
    bands = names[np.searchsorted(bounds, np.nan_to_num(years), side="right")]
    return np.where(np.isfinite(years), bands, MISSING_GROUP).astype(object)


def as_groups(values: Sequence[object] | np.ndarray) -> np.ndarray:
    """Group names of a raw text column ('missing' for a null)."""
    return np.array(
        [MISSING_GROUP if v is None or v != v else str(v) for v in values], dtype=object
    )


def standard_attributes(
    gender: Sequence[object], days_birth: np.ndarray, family_status: Sequence[object]
) -> list[Attribute]:
    """The four audited attributes from the raw application fields."""
    sex = as_groups(gender)
    age = age_band(days_birth)
    return [
        Attribute("CODE_GENDER", "Sexe", "Sex", sex),
        Attribute("AGE_BAND", "Tranche d'âge", "Age band", age),
        Attribute(
            "NAME_FAMILY_STATUS", "Situation familiale", "Family status", as_groups(family_status)
        ),
        Attribute(
            "CODE_GENDER x AGE_BAND",
            "Sexe x tranche d'âge",
            "Sex x age band",
            np.array([f"{s} / {a}" for s, a in zip(sex, age, strict=True)], dtype=object),
        ),
    ]


# --------------------------------------------------------------------------------- MetricFrame


def _approval_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return 1.0 - float(selection_rate(y_true, y_pred))


def _default_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true))


def _auc(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray) -> float:
    y_true = np.asarray(y_true)
    if not 0 < y_true.sum() < y_true.size:
        return float("nan")
    return float(roc_auc_score(y_true, y_score))


def _mean_predicted(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray) -> float:
    return float(np.mean(y_score))


def _rate(func: Callable[..., float], needed: int) -> Callable[[np.ndarray, np.ndarray], float]:
    """fairlearn's TPR/FPR, but NaN (instead of a warning and 0) for a group without any row of
    the class the rate is taken over (`needed`: 1 for TPR, 0 for FPR)."""

    def rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        y_true = np.asarray(y_true)
        if not np.any(y_true == needed):
            return float("nan")
        return float(func(y_true, y_pred, pos_label=1))

    return rate


METRICS: dict[str, Callable[..., float]] = {
    "n": count,
    "default_rate": _default_rate,
    "approval_rate": _approval_rate,
    "true_positive_rate": _rate(true_positive_rate, 1),
    "false_positive_rate": _rate(false_positive_rate, 0),
    "auc": _auc,
    "mean_predicted": _mean_predicted,
}


def group_frame(
    y: np.ndarray, probability: np.ndarray, threshold: float, groups: np.ndarray
) -> pd.DataFrame:
    """Point metrics per group (rows: groups, columns: METRICS), from fairlearn's MetricFrame."""
    refused = (np.asarray(probability) >= threshold).astype(np.int8)
    frame = MetricFrame(
        metrics=METRICS,
        y_true=np.asarray(y, dtype=np.int8),
        y_pred=refused,
        sensitive_features=pd.Series(groups, name="group"),
        sample_params={"auc": {"y_score": probability}, "mean_predicted": {"y_score": probability}},
    )
    return frame.by_group


# --------------------------------------------------------------------------------- bootstrap


def _weighted_auc(weights: np.ndarray, y: np.ndarray, tie_starts: np.ndarray) -> np.ndarray:
    """AUC per row of `weights` (resample counts), rows of y/scores already sorted by score,
    `tie_starts` the first index of each run of equal scores."""
    pos = np.add.reduceat(weights * y, tie_starts, axis=1)
    neg = np.add.reduceat(weights * (1 - y), tie_starts, axis=1)
    neg_below = np.cumsum(neg, axis=1) - neg
    correct = np.sum(pos * (neg_below + 0.5 * neg), axis=1)
    total = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, correct / total, np.nan)


def bootstrap_group(
    y: np.ndarray,
    probability: np.ndarray,
    threshold: float,
    resamples: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Each metric over `resamples` bootstrap resamples of one group (NaN where undefined)."""
    n = y.size
    order = np.argsort(probability, kind="stable")
    y = y[order].astype(np.float64)
    p = probability[order]
    refused = (p >= threshold).astype(np.float64)
    tie_starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    out: dict[str, list[np.ndarray]] = {k: [] for k in METRICS if k != "n"}
    batch = max(1, min(resamples, _BATCH_ELEMENTS // max(n, 1)))
    done = 0
    while done < resamples:
        size = min(batch, resamples - done)
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        w = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)
        defaults = w @ y
        good = n - defaults
        with np.errstate(invalid="ignore", divide="ignore"):
            out["default_rate"].append(defaults / n)
            out["approval_rate"].append(1.0 - (w @ refused) / n)
            out["true_positive_rate"].append(
                np.where(defaults > 0, (w @ (y * refused)) / defaults, np.nan)
            )
            out["false_positive_rate"].append(
                np.where(good > 0, (w @ ((1 - y) * refused)) / good, np.nan)
            )
        out["auc"].append(_weighted_auc(w, y, tie_starts))
        out["mean_predicted"].append((w @ p) / n)
        done += size
    return {k: np.concatenate(v) for k, v in out.items()}


def _interval(samples: np.ndarray, level: float) -> tuple[float | None, float | None]:
    finite = samples[np.isfinite(samples)]
    if finite.size < 2:
        return None, None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _value(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _seed_for(seed: int, *names: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])


# --------------------------------------------------------------------------------- report


def _largest_gap(values: Mapping[str, float]) -> tuple[float | None, list[str]]:
    finite = {g: v for g, v in values.items() if v is not None and np.isfinite(v)}
    if len(finite) < 2:
        return None, []
    low = min(finite, key=lambda g: (finite[g], g))
    high = max(finite, key=lambda g: (finite[g], g))
    return float(finite[high] - finite[low]), [low, high]


_AGE_RANK = {name: rank for rank, (name, _) in enumerate(AGE_BANDS)}


def _group_order(group: object) -> tuple[tuple[int, str], ...]:
    """Age bands in age order (not '<25' last, as text would sort it), other parts by name,
    'missing' after everything: for 'F / 25-34', sex first, then age."""
    parts = str(group).split(" / ")
    return tuple(
        (2, part)
        if part == MISSING_GROUP
        else (0, f"{_AGE_RANK[part]:02d}")
        if part in _AGE_RANK
        else (1, part)
        for part in parts
    )


def attribute_fairness(
    attribute: Attribute,
    y: np.ndarray,
    probability: np.ndarray,
    threshold: float,
    *,
    resamples: int,
    seed: int,
    min_group_size: int,
    level: float = 0.95,
) -> AttributeFairness:
    by_group = group_frame(y, probability, threshold, attribute.groups)
    groups: list[GroupMetrics] = []
    for name in sorted(by_group.index, key=_group_order):
        row = by_group.loc[name]
        mask = attribute.groups == name
        samples = (
            bootstrap_group(
                y[mask],
                probability[mask],
                threshold,
                resamples,
                _seed_for(seed, attribute.name, str(name)),
            )
            if resamples
            else {}
        )

        def estimate(metric: str, row: pd.Series = row, samples: dict = samples) -> Estimate:
            low, high = _interval(samples[metric], level) if metric in samples else (None, None)
            return Estimate(value=_value(row[metric]), low=low, high=high)

        n = int(row["n"])
        groups.append(
            GroupMetrics(
                group=str(name),
                n=n,
                defaults=round(float(row["default_rate"]) * n),
                default_rate=estimate("default_rate"),
                approval_rate=estimate("approval_rate"),
                true_positive_rate=estimate("true_positive_rate"),
                false_positive_rate=estimate("false_positive_rate"),
                auc=estimate("auc"),
                mean_predicted=estimate("mean_predicted"),
                small=n < min_group_size,
            )
        )
    counted = [g for g in groups if not g.small]
    approvals = {g.group: g.approval_rate.value for g in counted}
    approval_values = {g: v for g, v in approvals.items() if v is not None}
    ratio: float | None = None
    lowest = highest = None
    if len(approval_values) >= 2:
        lowest = min(approval_values, key=lambda g: (approval_values[g], g))
        highest = max(approval_values, key=lambda g: (approval_values[g], g))
        top = approval_values[highest]
        ratio = float(approval_values[lowest] / top) if top > 0 else None
    tpr_gap, tpr_groups = _largest_gap({g.group: g.true_positive_rate.value for g in counted})
    fpr_gap, fpr_groups = _largest_gap({g.group: g.false_positive_rate.value for g in counted})
    return AttributeFairness(
        attribute=attribute.name,
        label_fr=attribute.label_fr,
        label_en=attribute.label_en,
        groups=groups,
        disparate_impact=ratio,
        flagged=ratio is not None and ratio < DISPARATE_IMPACT_FLAG,
        lowest_approval_group=lowest,
        highest_approval_group=highest,
        tpr_gap=tpr_gap,
        tpr_gap_groups=tpr_groups,
        fpr_gap=fpr_gap,
        fpr_gap_groups=fpr_groups,
    )


def fairness_report(
    attributes: Sequence[Attribute],
    y: np.ndarray,
    probability: np.ndarray,
    threshold: float,
    *,
    resamples: int = 200,
    seed: int = 42,
    min_group_size: int = 100,
) -> FairnessReport:
    """The report over every attribute (`probability`: calibrated out-of-fold, row-aligned)."""
    y = np.asarray(y).astype(np.int8)
    probability = np.asarray(probability, dtype=np.float64)
    for attribute in attributes:
        if attribute.groups.shape != y.shape:
            raise ValueError(
                f"attribute {attribute.name}: {attribute.groups.size} group labels for "
                f"{y.size} applicants"
            )
    return FairnessReport(
        threshold=float(threshold),
        n=int(y.size),
        bootstrap_resamples=resamples,
        seed=seed,
        min_group_size=min_group_size,
        library=f"fairlearn {version('fairlearn')}",
        attributes=[
            attribute_fairness(
                a,
                y,
                probability,
                threshold,
                resamples=resamples,
                seed=seed,
                min_group_size=min_group_size,
            )
            for a in attributes
        ],
    )
