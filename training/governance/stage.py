"""The governance stage of `scoring train`: fairness report, drift reference, model card.

`build_governance` runs once the out-of-fold probabilities, the threshold and the importance are
known; `Governance.write` puts its three documents into the bundle folder (the bundle writer
then hashes them with every other file); `summary_lines` is what `scoring train` prints about
them. Keeping the stage here means training/model/train.py only calls two functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from shared.bundle import FORMAT_VERSION, FeatureEntry, Importance, Manifest
from shared.drift import DRIFT_REFERENCE_FILE, PSI_ACT, PSI_WATCH, DriftReference
from shared.governance import FAIRNESS_FILE, MODEL_CARD_FILE, FairnessReport
from training.governance.drift import build_drift_reference
from training.governance.fairness import fairness_report, standard_attributes
from training.governance.model_card import DataDescription, model_card

#: Raw application fields the fairness report reads (kept in the client store for audit).
AUDIT_FIELDS = ("CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS")
#: Written by the project's generator next to the tables: marks a synthetic data set.
SYNTHETIC_MARKER = "truth.csv"


@dataclass(frozen=True)
class Governance:
    fairness: FairnessReport | None
    drift: DriftReference
    data: DataDescription
    importance: Importance
    notes: list[str]

    def write(self, folder: Path, manifest_fields: dict[str, Any], version_prefix: str) -> None:
        """Writes fairness.json, drift_reference.json and model_card.md into `folder`.

        The card is written before the manifest exists (the manifest hashes it, and the
        version's last part is the manifest's digest), so it is generated from the manifest's
        fields under the version's first part.
        """
        fairness = self.fairness or _empty_fairness()
        (folder / FAIRNESS_FILE).write_text(fairness.model_dump_json(indent=1), "utf-8")
        (folder / DRIFT_REFERENCE_FILE).write_text(self.drift.model_dump_json(), "utf-8")
        draft = Manifest.model_validate(
            {
                **manifest_fields,
                "format_version": FORMAT_VERSION,
                "version": version_prefix,
                "files": {},
            }
        )
        card = model_card(
            draft,
            data=self.data,
            fairness=self.fairness,
            drift=self.drift,
            importance=self.importance,
            extra_versions=_governance_versions(),
        )
        (folder / MODEL_CARD_FILE).write_text(card, "utf-8")


def _governance_versions() -> dict[str, str]:
    found = {}
    for package in ("fairlearn", "pandas"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def _empty_fairness() -> FairnessReport:
    return FairnessReport(
        threshold=0.0,
        n=0,
        bootstrap_resamples=0,
        seed=0,
        min_group_size=0,
        library="",
        attributes=[],
    )


def describe_data(data: Path) -> DataDescription:
    data = Path(data)
    folder = data if data.is_dir() else data.parent
    synthetic = (folder / SYNTHETIC_MARKER).is_file()
    kind = "synthetic Home Credit tables (scoring synth)" if synthetic else "Home Credit tables"
    return DataDescription(source=f"{kind} read from `{data.name}`", synthetic=synthetic)


def build_governance(
    data: Path,
    train_raw: pl.DataFrame,
    y: np.ndarray,
    oof: np.ndarray,
    threshold: float,
    x: np.ndarray,
    features: list[FeatureEntry],
    importance: Importance,
    *,
    oof_auc: float | None,
    seed: int,
    resamples: int = 200,
) -> Governance:
    """Fairness on the served-calibrated OOF probabilities, drift reference of the same rows.

    `train_raw`: the application_train rows (raw fields, protected ones included) in the order
    of `y`, `oof` and `x`.
    """
    notes: list[str] = []
    missing = [f for f in AUDIT_FIELDS if f not in train_raw.columns]
    fairness: FairnessReport | None = None
    if missing:
        notes.append(f"fairness report skipped: application_train lacks {', '.join(missing)}")
    else:
        attributes = standard_attributes(
            train_raw["CODE_GENDER"].to_list(),
            train_raw["DAYS_BIRTH"].cast(pl.Float64).to_numpy(),
            train_raw["NAME_FAMILY_STATUS"].to_list(),
        )
        fairness = fairness_report(attributes, y, oof, threshold, resamples=resamples, seed=seed)
    drift = build_drift_reference(
        x, features, oof, y, [f.name for f in importance.features], oof_auc=oof_auc
    )
    return Governance(
        fairness=fairness,
        drift=drift,
        data=describe_data(data),
        importance=importance,
        notes=notes,
    )


def summary_lines(bundle: Path) -> list[str]:
    """What `scoring train` prints about governance, read back from the written bundle."""
    folder = Path(bundle)
    lines: list[str] = []
    fairness_path = folder / FAIRNESS_FILE
    if fairness_path.is_file():
        report = FairnessReport.model_validate_json(fairness_path.read_bytes())
        if report.attributes:
            lines.append(
                f"fairness (out-of-fold, threshold {report.threshold:.3f}; disparate impact = "
                f"lowest/highest approval rate, flagged below {report.disparate_impact_flag}):"
            )
        for a in report.attributes:
            di = "n/a" if a.disparate_impact is None else f"{a.disparate_impact:.3f}"
            gap = "n/a" if a.tpr_gap is None else f"{a.tpr_gap:.3f}"
            flag = "FLAGGED" if a.flagged else "ok"
            lines.append(
                f"  {a.attribute:<24} {len(a.groups):>3} groups  disparate impact {di} "
                f"({flag})  TPR gap {gap}"
            )
        if not report.attributes:
            lines.append("fairness: not computed (audit fields missing)")
    drift_path = folder / DRIFT_REFERENCE_FILE
    if drift_path.is_file():
        drift = DriftReference.model_validate(json.loads(drift_path.read_text("utf-8")))
        lines.append(
            f"drift reference: score deciles of {drift.n:,} OOF probabilities, "
            f"{len(drift.features)} features binned; PSI watch {PSI_WATCH}, act {PSI_ACT} "
            "(scoring monitor)"
        )
    if (folder / MODEL_CARD_FILE).is_file():
        lines.append(f"model card: {folder / MODEL_CARD_FILE}")
    return lines
