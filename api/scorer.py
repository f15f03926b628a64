"""Scoring without HTTP: find the client's features, pick the model that answers, run it, explain.

Everything here is loaded once from a verified bundle and then only read, so any number of
request threads can share one Scorer. The hot path (predict by ID) is a dict lookup, a row slice
of a float32 matrix, one tree walk of one booster on a 1-row float64 array with one thread, and
the stored calibration: no pandas, no Polars, no per-request allocation beyond that row.

Which booster answers (api/served_models.py): a training client is scored by the cross-fitting
model that never saw it, so its probability is the out-of-fold one stored in the bundle; a test
client or a JSON applicant by the refit model. Rows therefore travel with the index of their
model (FeatureRows), and every response names it (`model`: "refit" or "fold-<k>").

Explanations use LightGBM's own TreeSHAP (`pred_contrib=True`) on the same booster that scored
the row, so the contributions plus that model's base value add up exactly to the raw (log-odds)
output the probability is computed from; calibration, when the bundle has one, is applied after
that sum.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from api.applicants import batch_records
from api.client_store import ClientStore
from api.errors import InvalidInput, NotFound, NotReady
from api.reasons import FeatureText, top_reasons
from api.served_models import ServedModel, load_models, model_of_row
from shared.bundle import CLIENT_PROBABILITY_COLUMN, CLIENTS_FILE, BundleError, LoadedBundle
from shared.catalogue import GROUP_LABELS, BusinessGroup, FeatureInfo
from shared.category_labels import level_labels
from shared.contract import (
    Applicant,
    ErrorItem,
    Explanation,
    FeatureContribution,
    GroupContribution,
    Prediction,
    Reasons,
)
from shared.tables import TABLES

#: The online feature code names applicants by SK_ID_CURR; a JSON applicant without one gets
#: this placeholder (never a real client's ID: the store's IDs are positive).
PLACEHOLDER_ID = 0
#: The application table: its category columns are the model's categorical features.
APPLICATION = "application_train"
#: Clients whose stored probability is recomputed at load (plus a few of every model).
STORED_CHECK_ROWS = 256


def french_levels(name: str, levels: list[str] | None) -> list[str] | None:
    """French words of a categorical feature's levels (application categoricals keep their
    column's name as feature name), so French reasons and charts never quote English levels."""
    if not levels:
        return None
    table = APPLICATION if name in TABLES[APPLICATION] else None
    return level_labels(table, name, levels, "fr")


@dataclass(frozen=True)
class FeatureRows:
    """Feature rows (float64, model order) and, per row, the index of the model answering it
    (into Scorer.models): the two travel together so no row is ever scored by another model.

    `stored`: for rows that ARE a known client's stored row (by ID), the probability the bundle
    stores for it, which is that model's output on that row to the last bit (checked at load);
    NaN for rows computed here (JSON applicants, edited copies). None: no stored row at all.
    """

    values: np.ndarray
    models: np.ndarray
    stored: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.values.shape[0])

    @staticmethod
    def stack(parts: list[FeatureRows]) -> FeatureRows:
        if len(parts) == 1:
            return parts[0]
        stored = None
        if any(p.stored is not None for p in parts):
            stored = np.concatenate(
                [p.stored if p.stored is not None else np.full(len(p), np.nan) for p in parts]
            )
        return FeatureRows(
            np.vstack([p.values for p in parts]),
            np.concatenate([p.models for p in parts]),
            stored,
        )


@dataclass(frozen=True)
class Scored:
    """One scored row: what /predict returns and what the audit trail records."""

    client_id: int | None
    payload_sha256: str | None
    probability: float
    decision: str
    raw: float
    #: The model that answered: "refit" or "fold-<k>".
    model: str


def payload_digest(applicant: Applicant) -> str:
    """sha256 of the applicant's canonical JSON: identifies a submission without storing it."""
    fields = applicant.model_dump(mode="json", exclude_unset=True)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def group_label(group: str) -> tuple[str, str]:
    try:
        labels = GROUP_LABELS[BusinessGroup(group)]
    except ValueError:
        return group, group
    return labels["fr"], labels["en"]


class Scorer:
    def __init__(self, bundle: LoadedBundle) -> None:
        self.bundle = bundle
        self.manifest = bundle.manifest
        self.version = self.manifest.version
        self.threshold = float(self.manifest.threshold)
        self.feature_names = self.manifest.feature_names
        self.index = {name: i for i, name in enumerate(self.feature_names)}
        #: The K fold models (index k = fold k), then the refit model (index K).
        self.models: tuple[ServedModel, ...] = load_models(bundle)
        self.refit_index = len(self.models) - 1
        self.refit = self.models[self.refit_index]
        self.catalogue: dict[str, FeatureInfo] = bundle.catalogue().by_name()
        self.importance = bundle.importance()
        self.cost_curve = bundle.cost_curve()
        self.reference = bundle.reference()
        self.store = ClientStore(bundle.clients_path, self.feature_names)
        self.train_rows = np.flatnonzero(~np.isnan(self.store.target))
        #: Model index of every store row: its fold model for a training client, else refit.
        self.model_of_row = model_of_row(
            self.store.fold, self.store.target, self.refit_index, bundle
        )
        self.texts = [self._feature_text(name) for name in self.feature_names]
        groups = sorted({t.group for t in self.texts})
        self.group_names = groups
        self.group_of = np.array([groups.index(t.group) for t in self.texts], dtype=np.int64)
        self._percentile_lock = threading.Lock()
        self._feature_state: Any = None
        self._state_lock = threading.Lock()
        self._check_stored_probabilities()

    def _check_stored_probabilities(self) -> None:
        """Clients by ID are answered with their stored probability, so it must be exactly what
        their model gives on their stored row. Recomputed at load for a sample spread over the
        store plus a few clients of every model (milliseconds); a bundle that disagrees is
        refused rather than served with numbers its models do not give."""
        n = len(self.store)
        if n == 0:
            return
        picks = set(np.linspace(0, n - 1, min(n, STORED_CHECK_ROWS)).astype(int).tolist())
        for index in range(len(self.models)):
            picks.update(np.flatnonzero(self.model_of_row == index)[:8].tolist())
        positions = np.array(sorted(picks))
        rows = FeatureRows(
            self.store.features[positions].astype(np.float64), self.model_of_row[positions]
        )
        computed = self.probabilities(self.raw_scores(rows))
        stored = self.store.probability[positions]
        bad = np.flatnonzero(computed != stored)  # a NaN stored probability is wrong too
        if bad.size:
            k = int(bad[0])
            raise BundleError(
                f"{CLIENTS_FILE} in {self.bundle.root}: the stored {CLIENT_PROBABILITY_COLUMN} of "
                f"client {int(self.store.ids[positions[k]])} is {stored[k]!r}, its model "
                f"({self.models[int(rows.models[k])].name}) gives {computed[k]!r} "
                f"({bad.size} of {len(positions)} checked clients differ); expected the "
                "models' own outputs, which the API serves by ID (retrain with this version)"
            )

    # ----------------------------------------------------------------- feature metadata

    def info(self, name: str) -> FeatureInfo:
        """Catalogue entry, or a plain fallback so an incomplete catalogue never breaks serving."""
        found = self.catalogue.get(name)
        if found is not None:
            return found
        return FeatureInfo(
            name=name,
            label_fr=name,
            label_en=name,
            unit="",
            group=BusinessGroup.INCOME_AND_LOAN,
            family="unknown",
        )

    def levels(self, name: str) -> list[str] | None:
        entry = self.manifest.features[self.index[name]]
        return entry.levels if entry.categorical else None

    def _feature_text(self, name: str) -> FeatureText:
        info = self.info(name)
        levels = self.levels(name)
        reference = self.reference.features.get(name)
        percentiles = (
            np.asarray(reference.percentiles, dtype=np.float64)
            if reference is not None and reference.percentiles
            else None
        )
        return FeatureText(
            name=name,
            label_fr=info.label_fr,
            label_en=info.label_en,
            group=str(info.group),
            unit=info.unit,
            levels=levels,
            percentiles=percentiles,
            levels_fr=french_levels(name, levels),
        )

    def text(self, index: int) -> FeatureText:
        """Feature text with percentiles, computed from the store when reference.json lacks them."""
        text = self.texts[index]
        if text.percentiles is not None or text.levels:
            return text
        with self._percentile_lock:
            text = self.texts[index]
            if text.percentiles is None:
                column = self.store.features[self.train_rows, index].astype(np.float64)
                column = column[~np.isnan(column)]
                percentiles = np.percentile(column, np.arange(101)) if len(column) else np.empty(0)
                text = FeatureText(**{**text.__dict__, "percentiles": percentiles})
                self.texts[index] = text
        return text

    # ----------------------------------------------------------------- feature rows

    def rows_for_clients(self, client_ids: list[int]) -> FeatureRows:
        positions = []
        for client_id in client_ids:
            position = self.store.position(client_id)
            if position is None:
                raise NotFound(
                    f"unknown client {client_id}",
                    [ErrorItem(field="client_id", value=client_id, message="no such client")],
                )
            positions.append(position)
        return FeatureRows(
            self.store.features[positions].astype(np.float64),
            self.model_of_row[positions],
            self.store.probability[positions],
        )

    def rows_like_client(self, position: int, values: np.ndarray) -> FeatureRows:
        """Rows derived from one known client (its own row, edited copies of it) to be scored by
        the model that serves that client, so a what-if (or a recourse search) compares scores
        of one model and a change reflects only the edited fields."""
        values = np.atleast_2d(np.asarray(values, dtype=np.float64))
        return FeatureRows(values, np.full(len(values), self.model_of_row[position]))

    def feature_state(self) -> Any:
        """The fitted FeatureState, loaded on first use (JSON applicants and what-if)."""
        with self._state_lock:
            if self._feature_state is None:
                try:
                    from training.features.state import FeatureState
                except ImportError as error:
                    raise NotReady(
                        "online feature computation is not installed in this deployment"
                    ) from error
                state = FeatureState.from_json(self.bundle.feature_state_path.read_text("utf-8"))
                if list(state.feature_names) != self.feature_names:
                    raise BundleError("feature_state.json features differ from the manifest's")
                self._feature_state = state
            return self._feature_state

    def rows_for_records(self, records: dict[str, list[dict[str, Any]]]) -> np.ndarray:
        """Features of applicants given as table records, with the training code."""
        from training.errors import DataError
        from training.features.online import features_for_records

        state = self.feature_state()
        try:
            frame = features_for_records(records, state)
        except DataError as error:
            raise InvalidInput(
                str(error),
                [
                    ErrorItem(
                        field=".".join(p for p in (error.file, error.column) if p) or None,
                        value=error.example,
                        expected=error.expected,
                        message=str(error),
                    )
                ],
            ) from error
        # Through float32, as training stored and fitted every feature (feature_bridge.align):
        # the same applicant then gets the same value, and so the same tree path, by ID or JSON.
        return frame.select(self.feature_names).to_numpy().astype(np.float32).astype(np.float64)

    def rows_for_applicant(self, applicant: Applicant) -> FeatureRows:
        """Every submitted side-table row belongs to the applicant: its SK_ID_CURR is set to the
        applicant's (a JSON applicant is one client; bureau_balance links through bureau)."""
        records = applicant.records()
        application = records["application"][0]
        if application.get("SK_ID_CURR") is None:
            application["SK_ID_CURR"] = PLACEHOLDER_ID
        client_id = application["SK_ID_CURR"]
        for table, rows in records.items():
            if table not in ("application", "bureau_balance"):
                for row in rows:
                    row["SK_ID_CURR"] = client_id
        rows = self.rows_for_records(records)
        if rows.shape[0] != 1:
            raise InvalidInput(f"the applicant produced {rows.shape[0]} feature rows, expected 1")
        # No model saw a JSON applicant's outcome: the refit model, trained on everyone, answers.
        return FeatureRows(rows, np.array([self.refit_index], dtype=np.int16))

    def rows_for_applicants(self, applicants: list[Applicant]) -> FeatureRows:
        """Several JSON applicants in ONE run of the feature pipeline (its fixed cost per run
        made a batch of 100 take seconds; api/applicants.py): one row each, in order, answered
        by the refit model like a single applicant."""
        rows = self.rows_for_records(batch_records(applicants))
        if rows.shape[0] != len(applicants):
            raise InvalidInput(
                f"{len(applicants)} applicants produced {rows.shape[0]} feature rows"
            )
        return FeatureRows(rows, np.full(len(applicants), self.refit_index, dtype=np.int16))

    # ----------------------------------------------------------------- model

    def _per_model(self, rows: FeatureRows, contributions: bool) -> np.ndarray:
        """Each row through its own model: one call per model present in the batch."""

        def run(model: ServedModel, values: np.ndarray) -> np.ndarray:
            return model.contributions(values) if contributions else model.raw(values)

        if len(rows) == 1:
            return run(self.models[int(rows.models[0])], rows.values)
        width = (len(self.feature_names) + 1,) if contributions else ()
        out = np.empty((len(rows), *width), dtype=np.float64)
        for index in np.unique(rows.models).tolist():
            chosen = rows.models == index
            out[chosen] = run(self.models[index], rows.values[chosen])
        return out

    def raw_scores(self, rows: FeatureRows) -> np.ndarray:
        return self._per_model(rows, contributions=False)

    def contributions(self, rows: FeatureRows) -> np.ndarray:
        """(n, features + 1): TreeSHAP values in log-odds, the last column the base value of
        the model that scored the row."""
        return self._per_model(rows, contributions=True)

    def probabilities(self, raw: np.ndarray) -> np.ndarray:
        return self.manifest.calibration.apply(1.0 / (1.0 + np.exp(-raw)))

    def decide(self, probability: float) -> str:
        return "refuse" if probability >= self.threshold else "grant"

    def score(
        self, rows: FeatureRows, ids: list[int | None], digests: list[str | None]
    ) -> list[Scored]:
        """Stored rows get their stored probability (no tree walk: served by ID = stored, the
        load-time check guarantees it is the model's), the others are run through their model.
        `raw` is NaN for a stored row: nothing was computed."""
        computed = np.ones(len(rows), dtype=bool)
        if rows.stored is not None:
            computed = np.isnan(rows.stored)
        raw = np.full(len(rows), np.nan)
        probabilities = np.empty(len(rows))
        if computed.all():
            raw = self.raw_scores(rows)
            probabilities = self.probabilities(raw)
        else:
            assert rows.stored is not None
            probabilities[~computed] = rows.stored[~computed]
            if computed.any():
                part = FeatureRows(rows.values[computed], rows.models[computed])
                raw[computed] = self.raw_scores(part)
                probabilities[computed] = self.probabilities(raw[computed])
        names = [self.models[i].name for i in rows.models.tolist()]
        return [
            Scored(cid, digest, float(p), self.decide(float(p)), float(r), name)
            for cid, digest, p, r, name in zip(ids, digests, probabilities, raw, names, strict=True)
        ]

    def prediction(self, scored: Scored) -> Prediction:
        return Prediction(
            client_id=scored.client_id,
            payload_sha256=scored.payload_sha256,
            probability=scored.probability,
            decision=scored.decision,  # type: ignore[arg-type]
            threshold=self.threshold,
            distance=scored.probability - self.threshold,
            model_version=self.version,
            model=scored.model,
        )

    def close(self) -> None:
        for model in self.models:
            model.close()

    def reasons(self, values: np.ndarray, contributions: np.ndarray) -> Reasons:
        order = np.argsort(-np.abs(contributions))[:8]
        texts = list(self.texts)
        for i in order:
            texts[i] = self.text(int(i))
        return top_reasons(texts, values, contributions)

    def points_scale(self, base: float, raw: float, probability: float) -> tuple[float, float]:
        """The probability at the base value and the factor turning log-odds contributions into
        probability: (probability - base probability) / (raw - base).

        Proportional scaling rather than a sequential path: every contribution keeps its sign
        and its share of the total, the bars of the waterfall and of the business groups add up
        to the same probability difference (the conversion is linear, so a group is the sum of
        its features), and it does not depend on the order of the bars. It is exact: the
        converted contributions sum to probability - base probability. When raw equals base
        (nothing to share) the factor is the slope of the probability there, so tiny
        contributions stay tiny instead of dividing zero by zero.
        """
        base_probability = float(self.probabilities(np.array([base]))[0])
        span = raw - base
        if abs(span) > 1e-9:
            return base_probability, (probability - base_probability) / span
        step = 1e-4
        around = self.probabilities(np.array([base - step, base + step]))
        return base_probability, float(around[1] - around[0]) / (2 * step)

    def explanation(
        self,
        scored: Scored,
        values: np.ndarray,
        contributions: np.ndarray,
        max_features: int | None,
    ) -> Explanation:
        shap, base = contributions[:-1], float(contributions[-1])
        raw_output = float(shap.sum() + base)
        base_probability, factor = self.points_scale(base, raw_output, scored.probability)
        nonzero = np.flatnonzero(shap)
        ordered = nonzero[np.argsort(-np.abs(shap[nonzero]), kind="stable")]
        listed = ordered if max_features is None else ordered[:max_features]
        other = float(shap.sum() - shap[listed].sum())
        items = []
        for i in listed:
            text = self.texts[int(i)]
            value = float(values[i])
            value_or_none = None if math.isnan(value) else value
            items.append(
                FeatureContribution(
                    name=text.name,
                    label_fr=text.label_fr,
                    label_en=text.label_en,
                    group=text.group,
                    unit=text.unit,
                    value=value_or_none,
                    display_fr=text.display(value_or_none, "fr"),
                    display_en=text.display(value_or_none, "en"),
                    contribution=float(shap[i]),
                    probability_points=factor * float(shap[i]),
                )
            )
        per_group = np.bincount(self.group_of, weights=shap, minlength=len(self.group_names))
        groups = []
        for g in np.argsort(-np.abs(per_group), kind="stable"):
            label_fr, label_en = group_label(self.group_names[g])
            groups.append(
                GroupContribution(
                    group=self.group_names[g],
                    label_fr=label_fr,
                    label_en=label_en,
                    contribution=float(per_group[g]),
                    probability_points=factor * float(per_group[g]),
                )
            )
        prediction = self.prediction(scored)
        return Explanation(
            **prediction.model_dump(),
            base_value=base,
            raw_output=raw_output,
            base_probability=base_probability,
            points_per_log_odds=factor,
            contributions=items,
            other_contribution=other,
            other_points=factor * other,
            groups=groups,
            reasons=self.reasons(values, shap),
        )
