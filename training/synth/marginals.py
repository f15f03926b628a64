"""One column's distribution, as stored in profile.json, and sampling it from uniforms.

Sampling goes through the inverse CDF of a uniform so that a Gaussian copula can impose joint
structure while every column keeps exactly its calibrated marginal.
Two shapes cover every Kaggle column:
- discrete: a short list of values (labels or numbers) with probabilities, in a fixed order that
  the copula uses as the column's ordinal scale;
- continuous: a piecewise-linear quantile function (about 100 knots) whose flat stretches are
  atoms such as 0.0 amounts or the 365243 "no date" sentinel, rounded to the column's decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Discrete:
    values: tuple[Any, ...]
    probs: np.ndarray
    missing: float = 0.0

    @property
    def cumulative(self) -> np.ndarray:
        cum = np.cumsum(self.probs)
        return cum / cum[-1]

    def codes(self, u: np.ndarray) -> np.ndarray:
        """Index into `values` of each uniform (inverse CDF in the stored order)."""
        return np.minimum(
            np.searchsorted(self.cumulative, u, side="right"), len(self.values) - 1
        ).astype(np.int32)

    def numbers(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(self.values, dtype=np.float64)[self.codes(u)]

    @property
    def is_text(self) -> bool:
        return any(isinstance(v, str) for v in self.values)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "discrete",
            "missing": round(self.missing, 6),
            "values": list(self.values),
            "probs": [round(float(p), 6) for p in self.probs],
        }


@dataclass(frozen=True)
class Continuous:
    knots_p: np.ndarray
    knots_v: np.ndarray
    decimals: int | None
    missing: float = 0.0

    def numbers(self, u: np.ndarray) -> np.ndarray:
        x = np.interp(u, self.knots_p, self.knots_v)
        if self.decimals is not None:
            x = np.round(x, self.decimals)
        return x

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "continuous",
            "missing": round(self.missing, 6),
            "decimals": self.decimals,
            "p": [round(float(p), 7) for p in self.knots_p],
            "v": [float(f"{v:.8g}") for v in self.knots_v],
        }


Marginal = Discrete | Continuous


def marginal_from_json(data: dict[str, Any]) -> Marginal:
    if data["type"] == "discrete":
        return Discrete(tuple(data["values"]), np.asarray(data["probs"]), data["missing"])
    return Continuous(
        np.asarray(data["p"]), np.asarray(data["v"]), data["decimals"], data["missing"]
    )


def _decimals(x: np.ndarray) -> int | None:
    """Fewest decimals that reproduce 99% of the values; None for full precision scores."""
    if x.size == 0:
        return 0
    for d in range(7):
        scaled = x * 10.0**d
        if np.mean(np.abs(scaled - np.round(scaled)) < 1e-6 * np.maximum(1, np.abs(scaled))) > 0.99:
            return d
    return None


def fit_marginal(
    values: np.ndarray | list[Any],
    *,
    text: bool,
    max_discrete: int = 40,
    order: list[Any] | None = None,
    knots: int = 100,
    atom_mass: float = 0.004,
) -> Marginal:
    """The marginal of one sample column (None/NaN are the missing values)."""
    if text:
        arr = np.asarray(values, dtype=object)
        present = arr[np.array([v is not None for v in arr], dtype=bool)]
        missing = 1.0 - present.size / max(arr.size, 1)
        labels, counts = np.unique(present.astype(str), return_counts=True)
        freq = dict(zip(labels.tolist(), counts.tolist(), strict=True))
        keys = [k for k in (order or []) if k in freq] + sorted(
            (k for k in freq if k not in (order or [])), key=lambda k: -freq[k]
        )
        probs = np.array([freq[k] for k in keys], dtype=float)
        return Discrete(tuple(keys), probs / probs.sum(), missing)
    x = np.asarray(values, dtype=np.float64)
    missing = float(np.mean(np.isnan(x))) if x.size else 0.0
    x = np.sort(x[~np.isnan(x)])
    uniq, counts = np.unique(x, return_counts=True)
    if uniq.size <= max_discrete:
        return Discrete(tuple(float(u) for u in uniq), counts / counts.sum(), missing)
    n = x.size
    decimals = _decimals(x)
    grid = np.linspace(0.0, 1.0, knots + 1)
    points = [(p, float(np.quantile(x, p))) for p in grid]
    cum = np.cumsum(counts) / n
    eps = 1e-9
    for i in np.nonzero(counts / n >= atom_mass)[0]:
        lo = cum[i - 1] if i > 0 else 0.0
        hi = cum[i]
        points = [(p, v) for p, v in points if not (lo - eps <= p <= hi + eps)]
        points += [(lo, uniq[i]), (hi, uniq[i])]
        if i > 0:
            points.append((lo - eps, uniq[i - 1]))
        if i + 1 < uniq.size:
            points.append((hi + eps, uniq[i + 1]))
    points.sort()
    p = np.clip(np.array([q for q, _ in points]), 0.0, 1.0)
    v = np.maximum.accumulate(np.array([w for _, w in points]))
    keep = np.concatenate([[True], np.diff(p) > 0])
    return Continuous(p[keep], v[keep], decimals, missing)
