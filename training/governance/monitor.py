"""Batch drift monitoring: a new set of applications against the bundle's training reference.

The new applicants' features are computed with the bundle's own fitted feature state (as
`scoring score` does), scored by the refit model, then put into the reference's fixed bins
(shared/drift.py). The same DriftReport shape is what the API's live monitoring answers.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from shared.bundle import BundleError, LoadedBundle
from shared.drift import DRIFT_REFERENCE_FILE, DriftReference, DriftReport, drift_report
from training.distributed.engine import SINGLE_NODE, Engine
from training.errors import UserFacingError
from training.progress import Progress

#: Tables whose applicants make up the batch (every one present is used).
APPLICATION_TABLES = ("application_train", "application_test")


def load_reference(bundle: LoadedBundle) -> DriftReference:
    path = bundle.path(DRIFT_REFERENCE_FILE)
    if not path.is_file():
        raise UserFacingError(
            f"bundle {bundle.root} has no {DRIFT_REFERENCE_FILE} (trained before drift "
            "monitoring existed); retrain it with this version of `scoring train`"
        )
    return DriftReference.model_validate_json(path.read_bytes())


def monitor(
    model_dir: Path,
    data: Path,
    *,
    extra_features: list[str] | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> DriftReport:
    """Drift of the applicants found in `data` (folder, zip or Parquet set) against the bundle.
    `engine` computes the features (training.distributed.engine; default: this process)."""
    from training.data.reader import open_tables
    from training.model import feature_bridge
    from training.model.predict import Scorer, applicant_ids

    progress = progress or Progress("monitor", quiet=True)
    with progress.stage("loading bundle"):
        try:
            scorer = Scorer.load(model_dir)
        except BundleError as error:
            raise UserFacingError(str(error)) from error
        reference = load_reference(scorer.bundle)
    names = scorer.bundle.manifest.feature_names
    unknown = [f for f in extra_features or [] if f not in reference.features]
    if unknown:
        raise UserFacingError(
            f"--feature {', '.join(unknown)}: not a feature of bundle "
            f"{scorer.bundle.manifest.version} (see its catalogue.json for the names)"
        )
    tables = open_tables(data)
    ids = applicant_ids(tables, APPLICATION_TABLES)
    with progress.stage(f"features of {len(ids):,} applicants"):
        frame = (engine or SINGLE_NODE).features(data, tables, scorer.state, progress, ids)
        x = feature_bridge.align(frame, ids, names).x
        del frame
    with progress.stage("scoring and comparing with the training reference"):
        raw = np.asarray(scorer.booster.predict(x, raw_score=True))
        p = scorer.bundle.manifest.calibration.apply(1.0 / (1.0 + np.exp(-raw)))
        columns = {name: x[:, i] for i, name in enumerate(names)}
        return drift_report(
            reference,
            p,
            columns,
            extra_features=extra_features or [],
            model_version=scorer.bundle.manifest.version,
            source=str(data),
        )


def text_lines(report: DriftReport, limit: int = 15) -> list[str]:
    """The human-readable summary `scoring monitor` prints."""
    lines = [
        f"drift of {report.n:,} applicants against {report.n_reference:,} training applicants "
        f"(bundle {report.model_version})",
        f"overall status: {report.status.upper()}  (ok < {report.thresholds['watch']} <= watch "
        f"< {report.thresholds['act']} <= act)",
        f"score PSI {report.score_psi:.4f} ({report.score_status})",
    ]
    if report.low_sample:
        lines.append(
            f"warning: only {report.n} applicants; PSI from sampling noise alone is about "
            f"{report.noise_psi:.3f}"
        )
    lines.append(f"features by PSI (worst {min(limit, len(report.features))}):")
    for f in report.features[:limit]:
        rank = "" if f.importance_rank is None else f"  importance #{f.importance_rank + 1}"
        lines.append(f"  {f.name:<48} {f.psi:8.4f}  {f.status}{rank}")
    if report.estimate is not None:
        e = report.estimate
        auc = "n/a" if e.expected_auc is None else f"{e.expected_auc:.4f}"
        ref_auc = "n/a" if e.reference_auc is None else f"{e.reference_auc:.4f}"
        lines.append(
            f"ESTIMATE (no labels; valid only while calibration holds): expected default rate "
            f"{e.expected_default_rate:.2%} (training {e.reference_default_rate:.2%}), "
            f"expected AUC {auc} (training OOF {ref_auc})"
        )
    return lines


_COLOURS = {"ok": "#1b7a3a", "watch": "#8a5a00", "act": "#b00020"}


def html_report(report: DriftReport) -> str:
    """A self-contained HTML page (no script, no external asset) of the report."""

    def badge(status: str) -> str:
        return (
            f'<span style="color:#fff;background:{_COLOURS[status]};padding:0 .4rem;'
            f'border-radius:.2rem">{html.escape(status)}</span>'
        )

    rows = "".join(
        f"<tr><td>{html.escape(f.name)}</td><td>{f.psi:.4f}</td><td>{badge(f.status)}</td>"
        f"<td>{'' if f.importance_rank is None else f.importance_rank + 1}</td></tr>"
        for f in report.features
    )
    estimate = ""
    if report.estimate is not None:
        e = report.estimate
        auc = "n/a" if e.expected_auc is None else f"{e.expected_auc:.4f}"
        estimate = (
            "<h2>Performance estimate (no labels)</h2><p><strong>An estimate, not a "
            "measurement</strong>: computed from the calibrated probabilities alone, valid "
            f"only while the model stays calibrated. Expected default rate "
            f"{e.expected_default_rate:.2%} (training {e.reference_default_rate:.2%}); "
            f"expected AUC {auc}.</p>"
        )
    warning = (
        f"<p><strong>Small sample:</strong> {report.n} applicants; PSI from noise alone is "
        f"about {report.noise_psi:.3f}.</p>"
        if report.low_sample
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Drift report</title><style>body{font-family:system-ui,sans-serif;"
        "max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}"
        "th,td{border:1px solid #767676;padding:.2rem .5rem;text-align:left}</style></head>"
        f"<body><main><h1>Drift report — bundle {html.escape(report.model_version)}</h1>"
        f"<p>{report.n:,} applicants from {html.escape(report.source)} against "
        f"{report.n_reference:,} training applicants.</p>"
        f"<p>Overall status {badge(report.status)}; score PSI {report.score_psi:.4f} "
        f"{badge(report.score_status)}. Thresholds: watch from {report.thresholds['watch']}, "
        f"act from {report.thresholds['act']}.</p>{warning}"
        '<h2>Features</h2><table><thead><tr><th scope="col">feature</th>'
        '<th scope="col">PSI</th><th scope="col">status</th>'
        '<th scope="col">importance rank</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>{estimate}</main></body></html>"
    )
