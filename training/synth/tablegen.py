"""Turn one table's calibrated profile into column arrays: copula, marginals, missingness.

Table modules (applicants, bureau, previous) call `sample` for the modelled columns and then
apply the few hard rules the real data obeys (pensioners' sentinel, closed credits' end dates,
key structure). Text columns come back as int32 codes into the marginal's labels (-1 = missing)
so that millions of rows never become Python strings before Polars writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from training.synth.copula import correlated_normals, to_uniform
from training.synth.marginals import Discrete, Marginal, marginal_from_json

Columns = dict[str, np.ndarray]


@cache
def load_profile() -> dict[str, Any]:
    text = resources.files("training.synth").joinpath("profile.json").read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class TableModel:
    name: str
    marginals: dict[str, Marginal]
    columns: tuple[str, ...]
    corr: np.ndarray
    groups: tuple[tuple[str, ...], ...]
    conditional: dict[str, Any]

    def labels(self, column: str) -> tuple[Any, ...]:
        marginal = self.marginals[column]
        assert isinstance(marginal, Discrete)
        return marginal.values

    def text_labels(self) -> dict[str, tuple[Any, ...]]:
        """Labels of every text column of the table (the decoding table for int codes)."""
        return {
            c: m.values for c, m in self.marginals.items() if isinstance(m, Discrete) and m.is_text
        }

    def code(self, column: str, label: str) -> int:
        return self.labels(column).index(label)


@cache
def table_model(name: str) -> TableModel:
    data = load_profile()["tables"][name]
    return TableModel(
        name=name,
        marginals={c: marginal_from_json(m) for c, m in data["marginals"].items()},
        columns=tuple(data["copula"]["columns"]),
        corr=np.asarray(data["copula"]["corr"], dtype=np.float64),
        groups=tuple(tuple(g) for g in data["missing_groups"]),
        conditional=data["conditional"],
    )


def latent(
    model: TableModel,
    rng: np.random.Generator,
    rows: int,
    *,
    parent: np.ndarray | None = None,
    parent_share: float = 0.0,
    behaviour: np.ndarray | None = None,
    loadings: dict[str, float] | None = None,
) -> np.ndarray:
    """rows x k copula normals.

    `parent` (index of each row's parent, e.g. its previous application) adds a shared random
    effect so that rows of one credit look alike; `behaviour` (one latent value per row, from
    the applicant) shifts the columns named in `loadings` so that risky applicants pay late,
    overdraw, get refused. Both keep every column exactly N(0, 1), hence marginals intact.
    """
    z = correlated_normals(rng, model.corr, rows)
    if parent is not None and parent_share > 0:
        groups = int(parent.max()) + 1 if parent.size else 0
        shared = correlated_normals(rng, model.corr, groups)
        z *= np.float32(np.sqrt(1 - parent_share))
        z += np.float32(np.sqrt(parent_share)) * shared[parent]
    for column, rho in (loadings or {}).items():
        j = model.columns.index(column)
        assert behaviour is not None
        z[:, j] = np.sqrt(1 - rho**2) * z[:, j] + rho * behaviour
    return z


def child_rows(
    model: TableModel,
    rng: np.random.Generator,
    parent: np.ndarray,
    parent_share: float,
    behaviour: np.ndarray,
    loadings: dict[str, float],
) -> Columns:
    """Column arrays for rows that belong to a parent (an applicant, a credit): one row per
    entry of `parent`, alike within a parent, shifted by each row's `behaviour`."""
    z = latent(
        model,
        rng,
        parent.size,
        parent=parent,
        parent_share=parent_share,
        behaviour=behaviour,
        loadings=loadings,
    )
    return sample(model, rng, z)


def _values(marginal: Marginal, u: np.ndarray) -> np.ndarray:
    if isinstance(marginal, Discrete) and marginal.is_text:
        return marginal.codes(u)
    return marginal.numbers(u)


def _conditional_values(marginal: Marginal, u: np.ndarray, parent: np.ndarray, by: dict) -> Any:
    out = _values(marginal, u)
    if not isinstance(marginal, Discrete):
        for code, entry in by.items():
            rows = parent == code
            if "marginal" in entry and rows.any():
                out[rows] = marginal_from_json(entry["marginal"]).numbers(u[rows])
        return out
    for code, entry in by.items():
        if "probs" not in entry:
            continue
        rows = parent == code
        if rows.any():
            cond = Discrete(marginal.values, np.asarray(entry["probs"]), 0.0)
            out[rows] = _values(cond, u[rows])
    return out


def set_missing(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        values[missing] = np.nan
    else:
        values[missing] = -1
    return values


def sample(model: TableModel, rng: np.random.Generator, z: np.ndarray) -> Columns:
    """Column arrays for the copula's columns, missing values included."""
    out: Columns = {}
    children: dict[str, tuple[str, dict[str, Any]]] = {}
    for parent, spec in model.conditional.items():
        for child in spec["children"]:
            children[child] = (parent, spec["by"])
    rows = z.shape[0]
    for j, column in enumerate(model.columns):
        if column in children:
            continue
        out[column] = _values(model.marginals[column], to_uniform(z[:, j]))
    for parent, spec in model.conditional.items():
        codes = out[parent]
        by = {model.code(parent, value): entry for value, entry in spec["by"].items()}
        shared = rng.random(rows)
        for child in spec["children"]:
            j = model.columns.index(child)
            kid = {code: entry.get(child, {}) for code, entry in by.items()}
            values = _conditional_values(model.marginals[child], to_uniform(z[:, j]), codes, kid)
            rate = np.full(rows, model.marginals[child].missing)
            for code, entry in kid.items():
                if "missing" in entry:
                    rate[codes == code] = entry["missing"]
            out[child] = set_missing(values, shared < rate)
    for group in model.groups:
        shared = rng.random(rows)
        for column in group:
            set_missing(out[column], shared < model.marginals[column].missing)
    return out


def marginal_values(
    model: TableModel, column: str, u: np.ndarray, missing_u: np.ndarray | None = None
) -> np.ndarray:
    """A column drawn straight from its marginal (derived columns that reuse their own knots)."""
    values = _values(model.marginals[column], u)
    if missing_u is not None:
        set_missing(values, missing_u < model.marginals[column].missing)
    return values
