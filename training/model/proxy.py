"""Proxy check: how much of each excluded (protected) attribute the model's features still carry.

Taking CODE_GENDER out of the inputs does not take sex out of the model if other features encode
it (occupation, income type, car ownership, ...). The check measures that: for each excluded
attribute, a small, fast classifier predicts the attribute from exactly the features the model
receives, and its cross-validated AUC is stored in the manifest and printed by `scoring train`.

- Near 0.5: the features carry little of the attribute. Towards 1: proxies remain, and the
  fairness report is where to look at their effect on decisions. A high AUC does not say the
  model *uses* the proxy, only that it could; docs/protected-attributes.md says how to read it.
- The classifier: LightGBM, PROXY_FOLDS-fold stratified cross-validation, PROXY_ROUNDS rounds
  (no early stopping: a fixed budget looks at no held-out fold), small trees, seeded and
  deterministic, on at most PROXY_MAX_ROWS training applicants drawn at random with the seed.
  It is cheap on purpose (seconds on the sample, well under a minute at full scale) and, being
  a weaker learner than the model, it gives a lower bound on the proxy information.
- Groups: a text attribute's labels (XNA/XAP and empty are unknown: those rows are left out);
  labels with fewer than MIN_GROUP_ROWS applicants are pooled into one "other" group. More
  than two groups: one-vs-rest AUC, weighted by group size. A numeric attribute (DAYS_BIRTH,
  CNT_CHILDREN, ...) is split at its median into two groups ("<= m" and "> m"; for DAYS_BIRTH,
  the older and the younger half), since what matters is whether the features separate high
  from low values. An attribute with fewer than two usable groups gets no check (a note says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from shared.bundle import ProxyCheck
from shared.tables import TABLES

#: Most training applicants the check uses (a sample above that, drawn with the seed).
PROXY_MAX_ROWS = 50_000
PROXY_FOLDS = 3
PROXY_ROUNDS = 100
#: Text labels rarer than this are pooled into one group (too few rows to score a group on).
MIN_GROUP_ROWS = 30
OTHER_GROUP = "other"
#: Reading of the AUC printed beside it (see docs/protected-attributes.md).
LITTLE_BELOW = 0.6
STRONG_FROM = 0.7

_PARAMS = {
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "min_data_per_group": 50,
}


def classifier_description(seed: int) -> str:
    return (
        f"LightGBM, {PROXY_FOLDS}-fold stratified cross-validation, {PROXY_ROUNDS} rounds, "
        f"{_PARAMS['num_leaves']} leaves, learning rate {_PARAMS['learning_rate']}, "
        f"seed {seed}, at most {PROXY_MAX_ROWS:,} applicants"
    )


@dataclass(frozen=True)
class Groups:
    """An attribute as class codes: codes[i] in 0..len(names)-1, or -1 when unknown."""

    codes: np.ndarray
    names: list[str]


def attribute_groups(values: pl.Series) -> Groups:
    """The groups the classifier must tell apart (see the module docstring)."""
    if values.dtype == pl.String:
        return _text_groups(values)
    return _median_groups(values)


def _text_groups(values: pl.Series) -> Groups:
    markers = set(TABLES["application_train"].missing_labels.get(str(values.name), ()))
    labels = [None if v is None or v in markers or v == "" else v for v in values.to_list()]
    counts: dict[str, int] = {}
    for label in labels:
        if label is not None:
            counts[label] = counts.get(label, 0) + 1
    kept = sorted(label for label, n in counts.items() if n >= MIN_GROUP_ROWS)
    rare = {label for label in counts if label not in kept}
    names = kept + ([OTHER_GROUP] if rare else [])
    index = {label: i for i, label in enumerate(kept)}
    other = len(kept)
    codes = np.array(
        [-1 if label is None else index.get(label, other) for label in labels], dtype=np.int64
    )
    return Groups(codes=codes, names=names)


def _median_groups(values: pl.Series) -> Groups:
    x = values.cast(pl.Float64).to_numpy()
    known = np.isfinite(x)
    if not known.any():
        return Groups(codes=np.full(x.size, -1, dtype=np.int64), names=[])
    median = float(np.median(x[known]))
    codes = np.where(known, (x > median).astype(np.int64), -1)
    return Groups(codes=codes, names=[f"<= {median:g}", f"> {median:g}"])


def _fold_probabilities(
    x: np.ndarray,
    codes: np.ndarray,
    classes: int,
    names: Sequence[str],
    categorical: Sequence[str],
    seed: int,
    threads: int,
) -> np.ndarray:
    """Out-of-fold class probabilities (n x classes) of the small classifier."""
    import lightgbm as lgb
    from sklearn.model_selection import StratifiedKFold

    params = {
        **_PARAMS,
        **(
            {"objective": "binary"}
            if classes == 2
            else {"objective": "multiclass", "num_class": classes}
        ),
        "seed": seed,
        "bagging_seed": seed,
        "feature_fraction_seed": seed,
        "data_random_seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "num_threads": threads,
        "verbosity": -1,
    }
    out = np.zeros((codes.size, classes))
    folds = StratifiedKFold(n_splits=PROXY_FOLDS, shuffle=True, random_state=seed)
    for fit_rows, held_rows in folds.split(x, codes):
        data = lgb.Dataset(
            x[fit_rows],
            label=codes[fit_rows],
            feature_name=list(names),
            categorical_feature=[n for n in names if n in set(categorical)],
            free_raw_data=True,
        )
        booster = lgb.train(params, data, num_boost_round=PROXY_ROUNDS)
        predicted = booster.predict(x[held_rows])
        if classes == 2:
            out[held_rows, 1] = predicted
            out[held_rows, 0] = 1.0 - predicted
        else:
            out[held_rows] = predicted
    return out


def _auc(codes: np.ndarray, probabilities: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if probabilities.shape[1] == 2:
        return float(roc_auc_score(codes, probabilities[:, 1]))
    return float(roc_auc_score(codes, probabilities, multi_class="ovr", average="weighted"))


def proxy_check(
    x: np.ndarray,
    names: Sequence[str],
    categorical: Sequence[str],
    values: pl.Series,
    *,
    seed: int,
    threads: int = 2,
) -> ProxyCheck | None:
    """The check of one attribute (`values`, row-aligned with `x`), or None when it has fewer
    than two groups with enough applicants to score."""
    groups = attribute_groups(values)
    rows = np.flatnonzero(groups.codes >= 0)
    if rows.size > PROXY_MAX_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, PROXY_MAX_ROWS, replace=False))
    codes = groups.codes[rows]
    present = np.bincount(codes, minlength=len(groups.names))
    usable = [i for i, n in enumerate(present) if n >= max(PROXY_FOLDS, 2)]
    if len(usable) < 2:
        return None
    if len(usable) < len(groups.names):  # a group too small to stratify: leave its rows out
        keep = np.isin(codes, usable)
        rows, codes = rows[keep], codes[keep]
    remap = {old: new for new, old in enumerate(usable)}
    codes = np.array([remap[c] for c in codes], dtype=np.int64)
    probabilities = _fold_probabilities(
        x[rows], codes, len(usable), names, categorical, seed, threads
    )
    return ProxyCheck(
        attribute=str(values.name),
        auc=_auc(codes, probabilities),
        n=int(rows.size),
        classifier=classifier_description(seed),
        groups={groups.names[old]: int(present[old]) for old in usable},
    )


def proxy_checks(
    x: np.ndarray,
    names: Sequence[str],
    categorical: Sequence[str],
    raw: pl.DataFrame,
    attributes: Iterable[str],
    *,
    seed: int,
    threads: int = 2,
) -> tuple[list[ProxyCheck], list[str]]:
    """One check per excluded attribute (raw application rows aligned with `x`), and a note for
    each attribute that could not be checked."""
    checks: list[ProxyCheck] = []
    notes: list[str] = []
    for attribute in attributes:
        if attribute not in raw.columns:
            notes.append(f"proxy check {attribute}: not in the training rows, not checked")
            continue
        check = proxy_check(x, names, categorical, raw[attribute], seed=seed, threads=threads)
        if check is None:
            notes.append(
                f"proxy check {attribute}: fewer than two groups with enough applicants, "
                "not checked"
            )
            continue
        checks.append(check)
    return checks, notes


def reading(auc: float) -> str:
    """The plain reading printed beside an AUC."""
    if auc < LITTLE_BELOW:
        return "little proxy information in the features"
    if auc < STRONG_FROM:
        return "some proxy information remains; see the fairness report"
    return "strong proxies remain in the features; see the fairness report"


def report_lines(checks: Sequence[ProxyCheck]) -> list[str]:
    """The lines `scoring train` prints, one per checked attribute."""
    lines = []
    for check in checks:
        groups = ", ".join(f"{name} {count:,}" for name, count in check.groups.items())
        lines.append(
            f"proxy check {check.attribute}: AUC {check.auc:.3f} from the model's features "
            f"({check.n:,} applicants: {groups}) - {reading(check.auc)}"
        )
    return lines
