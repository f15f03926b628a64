"""The model card: what the model is, what it is for, how it was checked, and where it is weak.

Generated at training into the bundle (model_card.md) from the manifest, the fairness report, the
proxy checks and the drift reference, so every number in it is the number the bundle carries and
the card can never describe another model. Each heading says which requirement it answers: the
EBA Guidelines on loan origination and monitoring (EBA/GL/2020/06, section 4.3.4 on automated
models: understand the model's method, data, assumptions and limits; detect and prevent bias;
keep decisions traceable; back-test; handle overrides) and the AI Act's technical documentation
(Annex IV). It is written in English, the language of model validation files; the dashboard
presents its figures in French and English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.bundle import Importance, Manifest, ModelMetrics
from shared.drift import PSI_ACT, PSI_WATCH, TOP_FEATURES, DriftReference
from shared.governance import DISPARATE_IMPACT_FLAG, FairnessReport

#: Reading of a proxy-check AUC (see docs/protected-attributes.md).
PROXY_AUC_CONCERN = 0.7


@dataclass(frozen=True)
class DataDescription:
    """Where the training data came from (the manifest has its fingerprint, not its origin)."""

    source: str
    synthetic: bool


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _ci(metrics: ModelMetrics) -> str:
    ci = metrics.roc_auc_ci
    return f"{metrics.roc_auc:.4f}" + (f" [{ci.low:.4f}, {ci.high:.4f}]" if ci else "")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in row) + " |" for row in rows]
    return lines


def _section(title: str, mapping: str) -> list[str]:
    return ["", f"## {title}", "", f"*Answers: {mapping}.*", ""]


def _identification(m: Manifest) -> list[str]:
    return [
        f"# Model card — credit default scoring, version `{m.version}`",
        "",
        f"Created {m.created_at:%Y-%m-%d %H:%M} UTC. Bundle format {m.format_version}. "
        "Every figure below is read from this bundle's own files (manifest, fairness report, "
        "drift reference), all hashed in its manifest.",
    ]


def _intended_use(m: Manifest) -> list[str]:
    lines = _section(
        "Intended use, users and out-of-scope uses",
        "AI Act Annex IV 1(a) and Art. 13(3)(b); EBA/GL/2020/06 §4.3.4 (purpose of the model)",
    )
    lines += [
        "- **Purpose:** estimate the probability that an applicant for a consumer loan will "
        "default, and propose a decision (grant below the threshold, refuse at or above it), "
        "for applicants with little or no credit history.",
        "- **Users:** customer-relationship advisors, who explain the proposal to the client "
        "and take the final decision; internal systems through the scoring API; risk officers "
        "and model validators, who monitor it.",
        "- **The proposal is not the decision.** A person records the final decision, and may "
        "override the model with a reason code (see Human oversight).",
        "- **Out of scope:** fully automated refusals without human review; pricing; "
        "collections or fraud; applicants or products unlike the training population "
        "(corporate loans, mortgages); any use of the score as a statement about a protected "
        "group.",
    ]
    return lines


def _data(m: Manifest, data: DataDescription) -> list[str]:
    lines = _section(
        "Data",
        "AI Act Annex IV 2(d) and Art. 10; EBA/GL/2020/06 §4.3.4 (data used by the model)",
    )
    n_test = m.training_params.get("n_test")
    lines += [
        f"- **Source:** {data.source}.",
        "- **Synthetic or real:** "
        + (
            "**synthetic** (the project's generator, calibrated on real rows); the figures "
            "describe the pipeline, not a real population."
            if data.synthetic
            else "real applications (Home Credit Default Risk tables)."
        ),
        f"- **Fingerprint (sha256 of the input files):** `{m.data_fingerprint}`.",
        f"- **Training applicants:** {m.n_train:,}; observed default rate "
        f"{m.default_rate:.2%}."
        + (f" Unlabelled test applicants scored: {n_test:,}." if isinstance(n_test, int) else ""),
    ]
    return lines


def _features(m: Manifest, importance: Importance | None) -> list[str]:
    lines = _section(
        "Features and excluded attributes",
        "AI Act Annex IV 2(b), 2(d) and Art. 10(2)(f); EBA/GL/2020/06 §4.3.4 (bias prevention)",
    )
    categorical = sum(f.categorical for f in m.features)
    lines.append(
        f"{len(m.features)} features ({categorical} categorical) computed per applicant from "
        "the application and the six history tables (bureau, previous applications, "
        "instalments, card and cash balances)."
    )
    if importance and importance.features:
        top = ", ".join(f"`{f.name}`" for f in importance.features[:10])
        lines += ["", f"Most influential (mean |SHAP|): {top}."]
    lines.append("")
    if m.protected_attributes:
        names = ", ".join(f"`{a}`" for a in m.protected_attributes)
        lines.append(
            f"**Excluded from the model:** {names}. Reason: a protected characteristic "
            "(sex; EU Charter of Fundamental Rights Art. 21, Gender Goods and Services "
            "Directive 2004/113/EC) must not drive a credit decision. The field is kept in "
            "the client store only to audit the model's effect on each group (fairness "
            "report below)."
        )
    else:
        lines.append(
            "**No attribute is excluded from the model in this bundle** (the manifest lists "
            "no protected attribute): retrain with a version that excludes `CODE_GENDER` "
            "before any real use."
        )
    return lines


def _method(m: Manifest) -> list[str]:
    lines = _section(
        "Method and evaluation protocol",
        "AI Act Annex IV 2(a), 2(b), 2(g); EBA/GL/2020/06 §4.3.4 (methodology and assumptions)",
    )
    params = m.training_params
    config = params.get("config", {}) if isinstance(params.get("config"), dict) else {}
    lines.append(
        "Gradient-boosted decision trees (LightGBM), binary log-loss, "
        f"{config.get('folds', 'K')}-fold cross-fitting; "
        f"{params.get('refit_rounds', 'n/a')} rounds for the model refitted on every training "
        "row. Class imbalance is not re-weighted (it would inflate every probability); it is "
        "handled by the cost-based threshold."
    )
    if m.evaluation is not None:
        e = m.evaluation
        lines += [
            "",
            f"**Protocol `{e.name}`:** {e.description_en}",
            "",
            f"Outer folds: {e.outer_folds}; bootstrap resamples: {e.bootstrap_resamples}; "
            f"seed {e.seed}.",
        ]
    else:
        lines += ["", "The manifest records no evaluation protocol (an older bundle)."]
    if m.fold_models:
        lines += [
            "",
            f"Serving is cross-fitted: each of the {len(m.fold_models)} fold models scores the "
            "training applicants it never saw; new applicants get the refitted model.",
        ]
    return lines


def _metrics(m: Manifest) -> list[str]:
    lines = _section(
        "Performance: honest metrics against baselines",
        "AI Act Annex IV 2(g), 3 and 4; SR 11-7 outcomes analysis",
    )
    lines.append(
        "Out-of-fold predictions: no applicant was scored by a model that saw them. "
        "ROC AUC with its bootstrap 95 % interval."
    )
    lines.append("")
    rows = [
        [
            name,
            _ci(metrics),
            f"{metrics.pr_auc:.4f}",
            f"{metrics.brier:.4f}",
            f"{metrics.cost_at_threshold:,.0f}",
            f"{metrics.recall_at_threshold:.3f}",
        ]
        for name, metrics in m.metrics.items()
    ]
    lines += _table(["model", "ROC AUC [95 % CI]", "PR AUC", "Brier", "cost", "recall"], rows)
    model = m.metrics.get("model")
    if model is not None:
        lines += ["", f"**AUC of the model: {model.roc_auc:.4f}.**"]
    return lines


def _decision(m: Manifest) -> list[str]:
    lines = _section(
        "Calibration, threshold and costs",
        "AI Act Annex IV 2(b) (design choices and what the system optimises); "
        "EBA/GL/2020/06 §4.3.4",
    )
    model = m.metrics.get("model")
    c = m.calibration
    lines += [
        f"- **Calibration:** {c.method}" + (f" — {c.reason}" if c.reason else "") + ".",
        f"- **Costs:** a missed default costs {m.costs.false_negative:g}, a wrongly refused "
        f"good client {m.costs.false_positive:g}.",
        f"- **Threshold:** {m.threshold:.3f} (minimises the total cost on the out-of-fold "
        "predictions); refuse at or above it.",
    ]
    if model is not None:
        lines.append(
            f"- **At the threshold:** cost {model.cost_at_threshold:,.0f} (at 0.5: "
            f"{model.cost_at_half:,.0f}), recall {model.recall_at_threshold:.3f}, precision "
            f"{model.precision_at_threshold:.3f}."
        )
    return lines


def _fairness(m: Manifest, fairness: FairnessReport | None) -> list[str]:
    lines = _section(
        "Fairness and proxy check",
        "AI Act Annex IV 2(g) (potentially discriminatory impacts), 3 and Art. 10(2)(f); "
        "EBA/GL/2020/06 §4.3.4 (detect and prevent bias)",
    )
    if fairness is None:
        lines.append("No fairness report in this bundle.")
    else:
        lines.append(
            f"On {fairness.n:,} out-of-fold predictions at the threshold; groups under "
            f"{fairness.min_group_size} applicants are shown but not compared. Disparate "
            f"impact = lowest approval rate / highest, flagged below {DISPARATE_IMPACT_FLAG}."
        )
        lines.append("")
        rows = []
        for a in fairness.attributes:
            rows.append(
                [
                    f"`{a.attribute}`",
                    str(len(a.groups)),
                    _num(a.disparate_impact),
                    "**flagged**" if a.flagged else "not flagged",
                    _num(a.tpr_gap),
                    " vs ".join(a.tpr_gap_groups) or "n/a",
                ]
            )
        lines += _table(
            ["attribute", "groups", "disparate impact", "flag", "TPR gap", "between"], rows
        )
    lines.append("")
    if m.proxy_checks:
        lines.append(
            "**Proxy check** (how well the model's own features predict the excluded "
            f"attribute; AUC near 0.5: little proxy information, above {PROXY_AUC_CONCERN}: "
            "proxies remain):"
        )
        lines.append("")
        lines += _table(
            ["attribute", "AUC", "applicants", "classifier"],
            [
                [f"`{p.attribute}`", f"{p.auc:.3f}", f"{p.n:,}", p.classifier]
                for p in m.proxy_checks
            ],
        )
    else:
        lines.append("No proxy check recorded in this bundle.")
    return lines


def _limitations(m: Manifest, data: DataDescription, fairness: FairnessReport | None) -> list[str]:
    lines = _section(
        "Known limitations",
        "AI Act Annex IV 3 and Art. 13(3)(b)(ii); EBA/GL/2020/06 §4.3.4 (limits of the model)",
    )
    items = [
        "Trained on past applicants who were granted a loan: the behaviour of those refused "
        "in the past is unknown (reject inference is not done).",
        "The probabilities hold for a population like the training one; drift monitoring "
        "(below) says when today's applicants differ.",
        "Associations, not causes: an explanation says what moved the score, not what would "
        "change the client's real risk.",
        "Excluding an attribute does not remove its proxies (see the proxy check).",
    ]
    if data.synthetic:
        items.insert(0, "This bundle is trained on synthetic data: not for real decisions.")
    if m.n_train < 50_000:
        items.append(
            f"Small training set ({m.n_train:,} applicants): wide confidence intervals, "
            "small groups."
        )
    if fairness is not None:
        flagged = [a.attribute for a in fairness.attributes if a.flagged]
        if flagged:
            items.append(
                "Disparate impact below the four-fifths rule for: "
                + ", ".join(f"`{f}`" for f in flagged)
                + "."
            )
    return lines + [f"- {item}" for item in items]


def _oversight() -> list[str]:
    lines = _section(
        "Human oversight and traceability",
        "AI Act Art. 12, Art. 14 and Annex IV 2(e); EBA/GL/2020/06 §4.3.4 (traceable "
        "decisions, overrides)",
    )
    return [
        *lines,
        "- Every prediction and explanation served is committed to the audit trail before it "
        "is answered (`GET /v1/audit`).",
        "- The advisor records the final decision (`POST /v1/decisions`): follow the model, or "
        "override with a reason code and a comment; exports via `GET /v1/decisions`; the "
        "governance page shows the override rate by reason and direction.",
    ]


def _monitoring(drift: DriftReference | None) -> list[str]:
    lines = _section(
        "Monitoring plan",
        "AI Act Annex IV 9 and Art. 72 (post-market monitoring); SR 11-7 ongoing monitoring; "
        "EBA/GL/2020/06 §4.3.4 (regular back-testing)",
    )
    lines += [
        "- **Population stability (PSI)** of the score (bins: deciles of the out-of-fold "
        f"scores) and of the {TOP_FEATURES} most important features (fixed training bins, "
        f"a missing bin, one bin per category level): ok below {PSI_WATCH}, watch from "
        f"{PSI_WATCH}, act from {PSI_ACT}. Batch: `scoring monitor`; live: "
        "`GET /v1/monitoring/drift`.",
        "- **Label-free estimate** of the current default rate and AUC from the calibrated "
        "probabilities: an estimate, valid only while calibration holds.",
        "- **Retraining triggers:** overall status `act`; score PSI at or above "
        f"{PSI_WATCH} for three consecutive months; a back-test on matured labels (12 months "
        "after the decision) with AUC below the lower bound of the interval above; an "
        "override rate that doubles; any fairness flag on a new report.",
        "- **Back-testing:** `scoring evaluate` on the matured labels each quarter.",
    ]
    if drift is not None:
        lines.append(
            f"- Reference: {drift.n:,} training applicants, mean predicted probability "
            f"{drift.mean_probability:.2%}, observed default rate "
            f"{drift.observed_default_rate:.2%}."
        )
    return lines


def _versions(m: Manifest, extra: dict[str, str]) -> list[str]:
    lines = _section("Library versions", "AI Act Annex IV 1(c) and 2(a)")
    versions = {**m.library_versions, **extra}
    return lines + _table(["library", "version"], sorted(versions.items()))


def model_card(
    manifest: Manifest,
    *,
    data: DataDescription,
    fairness: FairnessReport | None,
    drift: DriftReference | None,
    importance: Importance | None,
    extra_versions: dict[str, str] | None = None,
) -> str:
    """The model card in Markdown (headings mapped to EBA/GL/2020/06 §4.3.4 and AI Act Annex IV)."""
    parts = [
        _identification(manifest),
        _intended_use(manifest),
        _data(manifest, data),
        _features(manifest, importance),
        _method(manifest),
        _metrics(manifest),
        _decision(manifest),
        _fairness(manifest, fairness),
        _limitations(manifest, data, fairness),
        _oversight(),
        _monitoring(drift),
        _versions(manifest, extra_versions or {}),
    ]
    return "\n".join(line for part in parts for line in part).strip() + "\n"
