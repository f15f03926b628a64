"""The model card's content and its HTML rendering, from a hand-built manifest and reports."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from shared.bundle import FeatureImportance, Importance, Interval, Manifest, ProxyCheck
from shared.markdown import html_page, to_html
from training.governance.drift import build_drift_reference
from training.governance.fairness import Attribute, fairness_report
from training.governance.model_card import DataDescription, model_card


def _metrics(auc: float) -> dict[str, object]:
    return {
        "roc_auc": auc,
        "pr_auc": 0.25,
        "brier": 0.07,
        "log_loss": 0.26,
        "threshold": 0.09,
        "cost_at_threshold": 5100.0,
        "cost_at_half": 7000.0,
        "recall_at_threshold": 0.62,
        "precision_at_threshold": 0.18,
        "roc_auc_ci": Interval(low=auc - 0.01, high=auc + 0.01, resamples=200).model_dump(),
    }


def _manifest(protected: list[str]) -> Manifest:
    return Manifest.model_validate(
        {
            "format_version": 1,
            "version": "20261202T120000Z-abcdef12",
            "created_at": datetime(2026, 12, 2, 12, tzinfo=UTC),
            "data_fingerprint": "f" * 64,
            "library_versions": {"lightgbm": "4.7.0", "python": "3.11"},
            "features": [{"name": "EXT_SOURCE_2"}, {"name": "AMT_INCOME_TOTAL"}],
            "threshold": 0.09,
            "costs": {"false_negative": 10, "false_positive": 1},
            "metrics": {"model": _metrics(0.7632), "logistic": _metrics(0.7101)},
            "protected_attributes": protected,
            "proxy_checks": [
                ProxyCheck(
                    attribute="CODE_GENDER", auc=0.81, n=9762, classifier="lightgbm"
                ).model_dump()
            ],
            "calibration": {"method": "none", "reason": "already calibrated"},
            "training_params": {"config": {"folds": 5}, "refit_rounds": 420, "n_test": 100},
            "n_train": 9762,
            "default_rate": 0.085,
            "files": {},
        }
    )


def _card(protected: list[str], synthetic: bool = False) -> str:
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.3, 2000)
    y = (rng.random(2000) < p).astype(np.int8)
    groups = np.where(np.arange(2000) < 1000, "F", "M").astype(object)
    fairness = fairness_report(
        [Attribute("CODE_GENDER", "Sexe", "Sex", groups)], y, p, 0.09, resamples=10
    )
    manifest = _manifest(protected)
    drift = build_drift_reference(
        np.column_stack([p, p * 3]), manifest.features, p, y, ["EXT_SOURCE_2"], oof_auc=0.76
    )
    importance = Importance(
        n_rows=10,
        features=[FeatureImportance(name="EXT_SOURCE_2", mean_abs_shap=0.3)],
        groups=[],
    )
    return model_card(
        manifest,
        data=DataDescription(source="Home Credit sample", synthetic=synthetic),
        fairness=fairness,
        drift=drift,
        importance=importance,
        extra_versions={"fairlearn": "0.15.0"},
    )


def test_card_names_the_excluded_attribute_the_auc_and_the_mappings() -> None:
    card = _card(["CODE_GENDER"])
    assert "**Excluded from the model:** `CODE_GENDER`" in card
    assert "AUC of the model: 0.7632" in card
    assert "0.7632 [0.7532, 0.7732]" in card  # honest AUC with its interval
    assert "| logistic | 0.7101" in card  # baseline beside it
    for heading in (
        "Intended use, users and out-of-scope uses",
        "Data",
        "Features and excluded attributes",
        "Method and evaluation protocol",
        "Calibration, threshold and costs",
        "Fairness and proxy check",
        "Known limitations",
        "Monitoring plan",
        "Library versions",
    ):
        assert f"\n## {heading}\n" in card
    assert card.count("EBA/GL/2020/06 §4.3.4") >= 6 and card.count("Annex IV") >= 8
    assert "| `CODE_GENDER` | 0.810 | 9,762 | lightgbm |" in card  # proxy check
    assert "PSI" in card and "0.25" in card and "fairlearn" in card
    assert "**Synthetic or real:** real applications" in card


def test_card_warns_when_nothing_is_excluded_or_data_is_synthetic() -> None:
    card = _card([], synthetic=True)
    assert "No attribute is excluded from the model" in card
    assert "trained on synthetic data: not for real decisions" in card


def test_markdown_renders_headings_tables_lists_and_escapes() -> None:
    text = (
        "# Title\n\nSome **bold** and `<code>`.\n\n- one\n- two <b>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    rendered = to_html(text)
    assert "<h1>Title</h1>" in rendered
    assert "<strong>bold</strong>" in rendered and "<code>&lt;code&gt;</code>" in rendered
    assert "<ul><li>one</li><li>two &lt;b&gt;</li></ul>" in rendered
    assert '<th scope="col">a</th>' in rendered and "<td>2</td>" in rendered
    page = html_page(_card(["CODE_GENDER"]), "Model card")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<h2>Fairness and proxy check</h2>" in page and "<script" not in page
