"""Population statistics the dashboard draws a client against.

For each feature: one set of bin edges shared by three histograms (all training applicants,
those who repaid, those who defaulted), the count of missing values in each, and the 0..100
percentiles, so the dashboard can say "this client is in the 83rd percentile" without the
population's rows. Numeric bins span the 0.5th-99.5th percentiles (values beyond fall into the
outer bins), so one extreme income does not squash the whole histogram into a single bar;
features with few distinct integer values (flags, counts) get one bin per value instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from shared.bundle import Distribution, FeatureReference, Reference


def _edges(values: np.ndarray, bins: int) -> np.ndarray:
    unique = np.unique(values)
    if unique.size <= bins and np.all(unique == np.round(unique)):
        middles = (unique[:-1] + unique[1:]) / 2
        return np.concatenate([[unique[0] - 0.5], middles, [unique[-1] + 0.5]])
    lo, hi = np.percentile(values, [0.5, 99.5])
    if lo == hi:
        lo, hi = float(values.min()), float(values.max())
    return np.linspace(lo, hi, bins + 1)


def _numeric_histogram(values: np.ndarray, edges: np.ndarray) -> Distribution:
    finite = values[np.isfinite(values)]
    clipped = np.clip(finite, edges[0], edges[-1])
    counts, _ = np.histogram(clipped, bins=edges)
    return Distribution(counts=[int(c) for c in counts], missing=int(values.size - finite.size))


def _level_histogram(codes: np.ndarray, n_levels: int) -> Distribution:
    valid = np.isfinite(codes) & (codes >= 0) & (codes < n_levels)
    counts = np.bincount(codes[valid].astype(np.int64), minlength=n_levels)
    return Distribution(counts=[int(c) for c in counts], missing=int(codes.size - valid.sum()))


def feature_reference(
    name: str, values: np.ndarray, y: np.ndarray, bins: int, levels: list[str] | None = None
) -> FeatureReference:
    """Statistics of one column over the training applicants (`y`: 0 repaid, 1 defaulted)."""
    values = np.asarray(values, dtype=np.float64)
    repaid, defaulted = values[y == 0], values[y == 1]
    finite = values[np.isfinite(values)]
    percentiles = [float(v) for v in np.percentile(finite, np.arange(101))] if finite.size else []
    if levels is not None:
        return FeatureReference(
            name=name,
            categorical=True,
            levels=list(levels),
            all=_level_histogram(values, len(levels)),
            repaid=_level_histogram(repaid, len(levels)),
            defaulted=_level_histogram(defaulted, len(levels)),
        )
    if finite.size == 0:
        empty = Distribution(counts=[], missing=int(values.size))
        return FeatureReference(
            name=name,
            all=empty,
            repaid=Distribution(counts=[], missing=int(repaid.size)),
            defaulted=Distribution(counts=[], missing=int(defaulted.size)),
        )
    edges = _edges(finite, bins)
    return FeatureReference(
        name=name,
        edges=[float(e) for e in edges],
        all=_numeric_histogram(values, edges),
        repaid=_numeric_histogram(repaid, edges),
        defaulted=_numeric_histogram(defaulted, edges),
        percentiles=percentiles,
    )


def text_codes(values: Iterable[str | None]) -> tuple[np.ndarray, list[str]]:
    """Codes for a raw text column, levels ordered by frequency (then alphabetically)."""
    items = list(values)
    present = [v for v in items if v is not None]
    labels, counts = np.unique(np.asarray(present, dtype=object), return_counts=True)
    levels = [
        str(labels[i]) for i in sorted(range(len(labels)), key=lambda i: (-counts[i], labels[i]))
    ]
    index = {level: code for code, level in enumerate(levels)}
    codes = np.array([np.nan if v is None else index[v] for v in items], dtype=np.float64)
    return codes, levels


def build_reference(
    columns: Mapping[str, np.ndarray],
    y: np.ndarray,
    *,
    levels: Mapping[str, list[str]],
    bins: int,
) -> Reference:
    """Reference for every column given (`levels` names the categorical ones)."""
    y = np.asarray(y)
    return Reference(
        n_all=int(y.size),
        n_repaid=int(np.sum(y == 0)),
        n_defaulted=int(np.sum(y == 1)),
        features={
            name: feature_reference(name, values, y, bins, levels.get(name))
            for name, values in columns.items()
        },
    )
