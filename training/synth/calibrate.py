"""Derive profile.json (statistics only, never rows) from the real Home Credit sample.

    python -m training.synth.calibrate --sample ../shared/data/homecredit-sample \
        --out training/synth/profile.json

For every table: each column's marginal (missing rate, category frequencies or ~100 quantile
knots with atoms), groups of columns that go missing together, category/missingness tables
conditional on a parent category, and the Gaussian-copula correlation of the modelled columns.
For applicants: the logistic regression that gives synthetic TARGETs their real effect sizes.
Only aggregates leave this module, so the shipped profile cannot leak an applicant.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shared.tables import TABLES, Kind
from training.synth import risk
from training.synth.copula import nearest_correlation, normal_scores, pairwise_correlation
from training.synth.marginals import Discrete, Marginal, fit_marginal
from training.synth.spec import KEYS, SPECS, TableSpec

PROFILE_PATH = Path(__file__).with_name("profile.json")
#: parent categories rarer than this use the child's overall distribution
MIN_PARENT_ROWS = 20
#: a continuous child gets its own quantiles per parent category from this many values
MIN_PARENT_PRESENT = 50


def _is_text(frame: pl.DataFrame, column: str) -> bool:
    return frame.schema[column] == pl.String


def _column_values(frame: pl.DataFrame, column: str, spec: TableSpec) -> pl.Series:
    """The column with rows outside its `fit_on` filter set to null."""
    series = frame[column]
    if column in spec.fit_on:
        keep = frame.select(spec.fit_on[column].fill_null(False)).to_series()
        series = series.zip_with(keep, pl.Series([None] * len(series), dtype=series.dtype))
    return series


def _fit_rows(frame: pl.DataFrame, column: str, spec: TableSpec) -> pl.Series:
    """The rows a column's marginal describes (its missing rate included)."""
    if column in spec.fit_on:
        return frame.filter(spec.fit_on[column].fill_null(False))[column]
    return frame[column]


def _fit(series: pl.Series, order: list[str] | None = None) -> Marginal:
    if series.dtype == pl.String:
        return fit_marginal(series.to_list(), text=True, order=order)
    return fit_marginal(series.cast(pl.Float64).to_numpy(), text=False)


def _as_numbers(series: pl.Series, marginal: Marginal) -> np.ndarray:
    """Values for normal scoring: category codes for discrete columns, numbers otherwise."""
    if isinstance(marginal, Discrete):
        index = {v: i for i, v in enumerate(marginal.values)}
        raw = series.to_list()
        if series.dtype != pl.String:
            raw = [None if v is None else float(v) for v in raw]
        return np.array([np.nan if v is None else index.get(v, np.nan) for v in raw], dtype=float)
    return series.cast(pl.Float64).fill_nan(None).to_numpy().astype(float)


def _order_by_first_component(
    frame: pl.DataFrame, spec: TableSpec, numeric: list[str], marginals: dict[str, Marginal]
) -> dict[str, list[str]]:
    """Order each text column's categories along the numeric columns' first principal component.

    A copula needs an ordinal scale per category column; ordering by the dominant numeric
    direction makes correlated categories (e.g. contract status vs amounts) land next to each
    other instead of in arbitrary frequency order.
    """
    if not numeric:
        return {}
    scores = np.column_stack(
        [
            normal_scores(_as_numbers(_column_values(frame, c, spec), marginals[c]), marginals[c])
            for c in numeric
        ]
    )
    corr = pairwise_correlation(scores)
    _, vectors = np.linalg.eigh(corr)
    pc1 = np.nan_to_num(scores) @ vectors[:, -1]
    orders: dict[str, list[str]] = {}
    for column in spec.copula_columns:
        if column in spec.order or column not in frame.columns or not _is_text(frame, column):
            continue
        means = (
            pl.DataFrame({"v": _column_values(frame, column, spec), "s": pc1})
            .drop_nulls("v")
            .group_by("v")
            .agg(pl.col("s").mean())
            .sort(["s", "v"])
        )
        orders[column] = means["v"].to_list()
    return orders


def _missing_groups(frame: pl.DataFrame, columns: list[str], threshold: float = 0.5) -> list:
    """Columns whose missingness is strongly associated share one uniform (nested missingness)."""
    masks = {c: frame[c].is_null().to_numpy() for c in columns}
    masks = {c: m for c, m in masks.items() if 0 < m.mean() < 1}
    groups: list[list[str]] = []
    for column in sorted(masks, key=lambda c: (-masks[c].mean(), c)):
        for group in groups:
            phi = np.corrcoef(masks[group[0]], masks[column])[0, 1]
            if phi >= threshold:
                group.append(column)
                break
        else:
            groups.append([column])
    return groups


def _conditionals(
    frame: pl.DataFrame, spec: TableSpec, marginals: dict[str, Marginal]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for parent, children in spec.conditional.items():
        parent_values = frame[parent]
        table: dict[str, Any] = {}
        for value in marginals[parent].values:  # type: ignore[union-attr]
            rows = frame.filter(parent_values == value)
            if rows.height < MIN_PARENT_ROWS:
                continue
            entry: dict[str, Any] = {}
            for child in children:
                series = rows[child]
                marg = marginals[child]
                item: dict[str, Any] = {"missing": round(series.null_count() / rows.height, 6)}
                present = series.drop_nulls()
                if not isinstance(marg, Discrete) and present.len() >= MIN_PARENT_PRESENT:
                    item["marginal"] = _fit(present).to_json()
                if isinstance(marg, Discrete):
                    codes = _as_numbers(series, marg)
                    counts = np.bincount(
                        codes[~np.isnan(codes)].astype(int), minlength=len(marg.values)
                    ).astype(float)
                    if counts.sum() > 0:
                        item["probs"] = [round(p, 6) for p in (counts / counts.sum()).tolist()]
                entry[child] = item
            table[value] = entry
        out[parent] = {"children": list(children), "by": table}
    return out


def calibrate_table(frame: pl.DataFrame, spec: TableSpec) -> dict[str, Any]:
    frame = frame.with_columns([e.alias(n) for n, e in spec.pseudo.items()]).with_columns(
        [pl.col(n).fill_nan(None) for n in spec.pseudo]
    )
    all_columns = [c for c in frame.columns if c not in KEYS]
    marginals = {c: _fit(_fit_rows(frame, c, spec), spec.order.get(c)) for c in all_columns}
    copula_cols = list(spec.copula_columns)
    numeric = [c for c in copula_cols if not _is_text(frame, c)]
    orders = _order_by_first_component(frame, spec, numeric, marginals)
    for column, order in orders.items():
        marginals[column] = _fit(_fit_rows(frame, column, spec), order)
    scores = [
        normal_scores(_as_numbers(_column_values(frame, c, spec), marginals[c]), marginals[c])
        for c in copula_cols
    ]
    corr = pairwise_correlation(np.column_stack(scores)) if scores else np.zeros((0, 0))
    for parent, kids in spec.conditional.items():
        # the conditional tables already carry the parent -> child link; keeping it in the
        # copula too would skew the child's values within each parent category
        for kid in kids:
            i, j = copula_cols.index(parent), copula_cols.index(kid)
            corr[i, j] = corr[j, i] = 0.0
    corr = nearest_correlation(corr)
    children = {c for kids in spec.conditional.values() for c in kids}
    return {
        "rows": frame.height,
        "marginals": {c: m.to_json() for c, m in marginals.items()},
        "copula": {
            "columns": copula_cols,
            "corr": [[round(float(v), 4) for v in row] for row in corr],
        },
        "missing_groups": _missing_groups(frame, [c for c in copula_cols if c not in children]),
        "conditional": _conditionals(frame, spec, marginals),
    }


def fit_risk(train: pl.DataFrame) -> dict[str, Any]:
    """Logistic regression of TARGET on the standardised application features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict

    x = risk.design(train)
    y = train["TARGET"].to_numpy()
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    xs = (x - mean) / std
    model = LogisticRegression(C=0.3, max_iter=5000)
    cv = cross_val_predict(model, xs, y, cv=5, method="predict_proba")[:, 1]
    model.fit(xs, y)
    return {
        "features": list(risk.FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "std": [round(float(v), 6) for v in std],
        "coef": [round(float(v), 5) for v in model.coef_[0]],
        "sample_target_rate": round(float(y.mean()), 5),
        "sample_auc_in_sample": round(float(roc_auc_score(y, model.predict_proba(xs)[:, 1])), 4),
        "sample_auc_cv5": round(float(roc_auc_score(y, cv)), 4),
    }


def calibrate(sample: Path) -> dict[str, Any]:
    from training.data.reader import open_tables

    frames = {name: lf.collect() for name, lf in open_tables(sample).items()}
    missing = [name for name in SPECS if name not in frames]
    if missing:
        from training.errors import UserFacingError

        raise UserFacingError(f"{sample}: missing tables {missing}; expected the eight Kaggle CSVs")
    profile: dict[str, Any] = {
        "about": "Derived statistics of the real Home Credit sample; contains no rows.",
        "tables": {name: calibrate_table(frames[name], spec) for name, spec in SPECS.items()},
        "risk": fit_risk(frames["application_train"]),
        "kinds": {n: {c.name: str(c.kind) for c in t.columns} for n, t in TABLES.items()},
    }
    assert all(k in {str(v) for v in Kind} for t in profile["kinds"].values() for k in t.values())
    return profile


def write_profile(profile: dict[str, Any], out: Path) -> None:
    """Atomic write: a crash never leaves a truncated profile the generator would then load."""
    text = json.dumps(profile, separators=(",", ":"), ensure_ascii=False)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)  # mkstemp creates private files; the profile ships as package data
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, required=True, help="folder of the real sample")
    parser.add_argument("--out", type=Path, default=PROFILE_PATH)
    args = parser.parse_args(argv)
    profile = calibrate(args.sample)
    write_profile(profile, args.out)
    r = profile["risk"]
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB); risk model AUC "
        f"in-sample {r['sample_auc_in_sample']}, 5-fold {r['sample_auc_cv5']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
