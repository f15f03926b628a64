"""Where a client stands among all, repaid, defaulted and similar clients.

"Similar" means the same age band, income band and contract type: three facts an advisor can
state to the client ("people of your age, with your income, asking for the same kind of loan").
The groups are computed once at start-up from the client store (an integer key per client and
the member rows of each key), so a request only histograms one column over one group's rows.
Population histograms come from reference.json (training applicants, as the model saw them); a
feature the reference does not cover is histogrammed from the store's training rows instead.
The probabilities of the bivariate view are the store's PROBABILITY column: out-of-fold for
training clients (a model that never saw them), so "repaid" and "defaulted" clients are no more
separated on screen than the model separates new clients; the client's own point is scored as
/v1/predict scores it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from api.errors import NotFound
from api.formatting import DAYS_PER_YEAR
from api.reasons import comparable_percentile
from api.scorer import Scorer
from shared.bundle import FeatureReference
from shared.contract import (
    Bivariate,
    BivariateAxis,
    BivariateClient,
    ErrorItem,
    FeatureDistribution,
    SimilarGroup,
)

AGE_EDGES = (25, 35, 45, 55, 65)
INCOME_EDGES = (100_000, 150_000, 200_000, 300_000)
BIVARIATE_SAMPLE = 2_000
_BINS = 30
_SEED = 20240601


def _band_labels(edges: tuple[int, ...], unit: str) -> list[str]:
    labels = [f"< {edges[0]:,} {unit}"]
    labels += [f"{lo:,}-{hi:,} {unit}" for lo, hi in itertools.pairwise(edges)]
    labels.append(f">= {edges[-1]:,} {unit}")
    return labels


AGE_BANDS = _band_labels(AGE_EDGES, "years")
INCOME_BANDS = _band_labels(INCOME_EDGES, "EUR")


@dataclass(frozen=True)
class _Group:
    rows: np.ndarray
    age_band: str
    income_band: str
    contract_type: str


class Population:
    """Similar-client groups and the bivariate sample, built once per bundle."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        store = scorer.store
        n = len(store)
        days_birth = store.raw_column("DAYS_BIRTH")
        income = store.raw_column("AMT_INCOME_TOTAL")
        contract = store.raw_column("NAME_CONTRACT_TYPE")
        age = -days_birth / DAYS_PER_YEAR if days_birth is not None else np.full(n, np.nan)
        income = income if income is not None else np.full(n, np.nan)
        contract = contract if contract is not None else np.full(n, None, dtype=object)
        age_band = np.digitize(np.nan_to_num(age, nan=-1.0), AGE_EDGES)
        income_band = np.digitize(np.nan_to_num(income, nan=-1.0), INCOME_EDGES)
        contract_names = sorted({str(c) for c in contract})
        contract_code = np.array([contract_names.index(str(c)) for c in contract], dtype=np.int64)
        keys = (age_band * 10 + income_band) * 1000 + contract_code
        order = np.argsort(keys, kind="stable")
        unique, starts = np.unique(keys[order], return_index=True)
        bounds = [*starts.tolist(), n]
        self._key_of_row = keys
        self._groups: dict[int, _Group] = {}
        for k, key in enumerate(unique.tolist()):
            self._groups[key] = _Group(
                rows=np.sort(order[bounds[k] : bounds[k + 1]]),
                age_band=AGE_BANDS[key // 10_000],
                income_band=INCOME_BANDS[(key // 1000) % 10],
                contract_type=contract_names[key % 1000],
            )
        rng = np.random.default_rng(_SEED)
        size = min(BIVARIATE_SAMPLE, n)
        self.sample_rows = np.sort(rng.choice(n, size=size, replace=False)) if n else np.empty(0)

    def similar(self, position: int) -> _Group:
        return self._groups[int(self._key_of_row[position])]

    # ------------------------------------------------------------------ univariate

    def _store_reference(self, index: int) -> FeatureReference:
        """Histograms from the store's training rows, for features reference.json omits."""
        store, scorer = self.scorer.store, self.scorer
        name = scorer.feature_names[index]
        column = store.features[scorer.train_rows, index].astype(np.float64)
        target = store.target[scorer.train_rows]
        levels = scorer.levels(name)
        finite = column[~np.isnan(column)]
        if levels:
            edges: list[float] = []
        elif len(finite):
            lo, hi = float(finite.min()), float(finite.max())
            edges = np.linspace(lo, hi if hi > lo else lo + 1, _BINS + 1).tolist()
        else:
            edges = [0.0, 1.0]

        def distribution(values: np.ndarray) -> dict[str, object]:
            return {
                "counts": self._counts(values, edges, levels),
                "missing": int(np.isnan(values).sum()),
            }

        return FeatureReference(
            name=name,
            categorical=bool(levels),
            edges=edges,
            levels=levels or [],
            all=distribution(column),
            repaid=distribution(column[target == 0]),
            defaulted=distribution(column[target == 1]),
            percentiles=np.percentile(finite, np.arange(101)).tolist() if len(finite) else [],
        )

    @staticmethod
    def _counts(values: np.ndarray, edges: list[float], levels: list[str] | None) -> list[int]:
        finite = values[~np.isnan(values)]
        if levels:
            codes = finite.astype(np.int64)
            codes = codes[(codes >= 0) & (codes < len(levels))]
            return np.bincount(codes, minlength=len(levels)).astype(int).tolist()
        clipped = np.clip(finite, edges[0], edges[-1])
        return np.histogram(clipped, bins=np.asarray(edges))[0].astype(int).tolist()

    def reference_for(self, name: str) -> FeatureReference:
        if name not in self.scorer.index:
            raise NotFound(
                f"unknown feature {name!r}",
                [ErrorItem(field="name", value=name, message="not a model feature")],
            )
        stored = self.scorer.reference.features.get(name)
        return stored if stored is not None else self._store_reference(self.scorer.index[name])

    def distribution(self, name: str, client_id: int | None) -> FeatureDistribution:
        scorer = self.scorer
        reference = self.reference_for(name)
        index = scorer.index[name]
        text = scorer.text(index)
        result = FeatureDistribution(
            name=name,
            label_fr=text.label_fr,
            label_en=text.label_en,
            unit=text.unit,
            categorical=reference.categorical,
            bin_edges=reference.edges,
            categories=reference.levels,
            categories_fr=(text.levels_fr or []) if reference.categorical else [],
            all=reference.all.counts,
            repaid=reference.repaid.counts,
            defaulted=reference.defaulted.counts,
            missing_all=reference.all.missing,
            missing_repaid=reference.repaid.missing,
            missing_defaulted=reference.defaulted.missing,
        )
        if client_id is None:
            return result
        position = scorer.store.position(client_id)
        if position is None:
            raise NotFound(
                f"unknown client {client_id}",
                [ErrorItem(field="client_id", value=client_id, message="no such client")],
            )
        group = self.similar(position)
        values = scorer.store.features[group.rows, index].astype(np.float64)
        levels = reference.levels if reference.categorical else None
        edges = reference.edges if not reference.categorical else []
        value = float(scorer.store.features[position, index])
        value_or_none = None if math.isnan(value) else value
        return result.model_copy(
            update={
                "similar": self._counts(values, edges, levels) if (edges or levels) else [],
                "missing_similar": int(np.isnan(values).sum()),
                "similar_group": SimilarGroup(
                    age_band=group.age_band,
                    income_band=group.income_band,
                    contract_type=group.contract_type,
                    size=len(group.rows),
                ),
                "client_id": client_id,
                "client_value": value_or_none,
                "client_display_fr": text.display(value_or_none, "fr"),
                "client_display_en": text.display(value_or_none, "en"),
                "client_percentile": comparable_percentile(text, value_or_none),
            }
        )

    # ------------------------------------------------------------------ bivariate

    def _axis(self, name: str, field: str) -> BivariateAxis:
        if name not in self.scorer.index:
            raise NotFound(
                f"unknown feature {name!r}",
                [ErrorItem(field=field, value=name, message="not a model feature")],
            )
        text = self.scorer.texts[self.scorer.index[name]]
        return BivariateAxis(
            name=name, label_fr=text.label_fr, label_en=text.label_en, unit=text.unit
        )

    def bivariate(self, x: str, y: str, client_id: int | None) -> Bivariate:
        scorer, store = self.scorer, self.scorer.store
        x_axis, y_axis = self._axis(x, "x"), self._axis(y, "y")
        jx, jy = scorer.index[x], scorer.index[y]
        rows = self.sample_rows
        client = None
        if client_id is not None:
            position = store.position(client_id)
            if position is None:
                raise NotFound(
                    f"unknown client {client_id}",
                    [ErrorItem(field="client_id", value=client_id, message="no such client")],
                )
            client = BivariateClient(
                client_id=client_id,
                x=_none_if_nan(float(store.features[position, jx])),
                y=_none_if_nan(float(store.features[position, jy])),
                # Scored as /v1/predict scores it (a training client by its fold model).
                probability=scorer.score(scorer.rows_for_clients([client_id]), [client_id], [None])[
                    0
                ].probability,
            )
        target = store.target[rows]
        return Bivariate(
            x_axis=x_axis,
            y_axis=y_axis,
            x=[_none_if_nan(v) for v in store.features[rows, jx].astype(np.float64).tolist()],
            y=[_none_if_nan(v) for v in store.features[rows, jy].astype(np.float64).tolist()],
            outcome=[None if math.isnan(t) else int(t) for t in target.tolist()],
            probability=store.probability[rows].astype(np.float64).tolist(),
            sample_size=len(rows),
            population_size=len(store),
            threshold=scorer.threshold,
            client=client,
        )


def _none_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else value
