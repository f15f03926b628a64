"""The bundle's models as the API serves them: the refit model and the K cross-fitting models.

The refit model learned every training applicant's outcome, so its score for one of them already
knows the answer (on a 5,000-applicant synthetic bundle the refit scores of training clients had
an AUC of 0.99 against their outcome, their out-of-fold scores 0.71). Each training applicant is
therefore scored AND explained by the fold model that never saw it, the one that produced the
out-of-fold probability stored in clients.parquet; applicants no model saw (the test split, JSON
applicants) get the refit model. Which model answers is a property of the client's row
(`model_of_row`), decided once at load time, so the hot path only indexes a tuple.

Every model file is loaded only if the manifest lists its sha256 (so the bundle loader verified
it) and its features are the manifest's, in the same order: a fold model silently trained on
other columns would score garbage without any error.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from api.fast_predict import FastPredictor
from shared.bundle import (
    CLIENT_FOLD_COLUMN,
    CLIENTS_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    BundleError,
    LoadedBundle,
    fold_model_file,
)

#: Name of the model trained on every training applicant (the `model` field of responses).
REFIT = "refit"


def fold_name(k: int) -> str:
    """Response name of the cross-fitting model k (0-based, as the FOLD column)."""
    return f"fold-{k}"


@dataclass(frozen=True)
class ServedModel:
    """One booster with its single-row fast path (None when this LightGBM lacks it)."""

    name: str
    booster: lgb.Booster
    fast: FastPredictor | None

    @classmethod
    def load(cls, bundle: LoadedBundle, relative: str, name: str) -> ServedModel:
        if relative not in bundle.manifest.files:
            raise BundleError(
                f"{MANIFEST_FILE} in {bundle.root} lists no sha256 for model file {relative}: "
                "it cannot be verified, so it is not served"
            )
        booster = lgb.Booster(model_file=str(bundle.path(relative)))
        expected = bundle.manifest.feature_names
        if booster.feature_name() != expected:
            raise BundleError(
                f"{relative} in {bundle.root} has other features than {MANIFEST_FILE} "
                f"({booster.num_feature()} in the model, {len(expected)} listed, or another "
                "order); expected the manifest's feature list"
            )
        return cls(name, booster, FastPredictor.create(booster))

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """Raw (log-odds) scores of float64 rows; one row takes the fast path."""
        if self.fast is not None and rows.shape[0] == 1:
            return np.array([self.fast.raw(rows[0])])
        return np.asarray(self.booster.predict(rows, raw_score=True, num_threads=1))

    def contributions(self, rows: np.ndarray) -> np.ndarray:
        """(n, features + 1): TreeSHAP values in log-odds, this model's base value last."""
        if self.fast is not None and rows.shape[0] == 1:
            return self.fast.contributions(rows[0])[np.newaxis, :]
        return np.asarray(self.booster.predict(rows, pred_contrib=True, num_threads=1))

    def close(self) -> None:
        if self.fast is not None:
            self.fast.close()


def load_models(bundle: LoadedBundle) -> tuple[ServedModel, ...]:
    """The fold models in fold order, then the refit model last (index K)."""
    manifest = bundle.manifest
    models = []
    for k, relative in enumerate(manifest.fold_models):
        if relative != fold_model_file(k):
            raise BundleError(
                f"{MANIFEST_FILE} in {bundle.root} lists fold model {k} as {relative!r}; "
                f"expected {fold_model_file(k)!r} (fold models in fold order)"
            )
        models.append(ServedModel.load(bundle, relative, fold_name(k)))
    models.append(ServedModel.load(bundle, MODEL_FILE, REFIT))
    return tuple(models)


def model_of_row(
    fold: np.ndarray, target: np.ndarray, folds: int, bundle: LoadedBundle
) -> np.ndarray:
    """Index (into load_models' tuple) of the model that answers for each client-store row.

    A training client (TARGET known) must name a fold model that exists: serving it with the
    refit model would show a score that learned its outcome, so a bundle without that is refused
    rather than served dishonestly. A client without TARGET is scored by the refit model.
    """
    trained = ~np.isnan(target)
    bad = trained & ((fold < 0) | (fold >= folds))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        found = "null" if fold[row] < 0 else int(fold[row])
        if folds == 0:
            problem = (
                f"{MANIFEST_FILE} lists no cross-fitting model (fold_models) while {CLIENTS_FILE} "
                f"holds {int(trained.sum())} training clients"
            )
        else:
            problem = (
                f"{CLIENTS_FILE} gives {int(bad.sum())} training client(s) no valid "
                f"{CLIENT_FOLD_COLUMN} (row {row}: {found})"
            )
        raise BundleError(
            f"bundle {bundle.root}: {problem}; expected every training client's fold in "
            f"0..{max(folds - 1, 0)} with its fold model, so that no training client is scored "
            "by a model that saw its outcome (retrain with this version)"
        )
    return np.where(trained, fold, folds).astype(np.int16)
