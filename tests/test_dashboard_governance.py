"""Governance page, model card page and final-decision control with the API mocked over HTTP:
what each panel says for each answer, in French and English."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests
import responses
from dashboard_payloads import API, CLIENT, KEY, prediction, text_of, walk

from dashboard.api_client import ApiClient
from dashboard.callbacks import final_decision, governance_page
from dashboard.layout.pages import page_for
from dashboard.routing import parse_route
from shared.drift import DriftHistory, DriftHistoryPoint
from shared.governance import REASON_CODES, DecisionSummary, OverrideCount
from training.governance.fairness import Attribute, fairness_report

STATE_FR = {"client_id": CLIENT, "language": "fr"}
STATE_EN = {"client_id": CLIENT, "language": "en"}


@pytest.fixture
def mocked() -> responses.RequestsMock:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def api() -> ApiClient:
    return ApiClient(API, KEY, timeout=2)


def _fairness(flagged: bool) -> dict:
    rng = np.random.default_rng(0)
    n = 3000
    groups = np.where(np.arange(n) < 1500, "F", "M").astype(object)
    p = rng.uniform(0, 0.3, n)
    if flagged:
        p[groups == "M"] += 0.25  # M refused far more often
    y = (rng.random(n) < p).astype(np.int8)
    report = fairness_report(
        [Attribute("CODE_GENDER", "Sexe", "Sex", groups)], y, p, 0.2, resamples=20
    )
    return json.loads(report.model_dump_json())


def _drift(status: str = "act", n: int = 1200) -> dict:
    psi = {"ok": 0.02, "watch": 0.15, "act": 0.4}[status]
    return {
        "status": status,
        "score_psi": psi,
        "score_status": status,
        "features": [
            {"name": "EXT_SOURCE_2", "psi": 0.9, "status": "act", "importance_rank": 0},
            {"name": "AMT_INCOME_TOTAL", "psi": 0.05, "status": "ok", "importance_rank": 3},
        ],
        "n": n,
        "n_reference": 20000,
        "noise_psi": 9 * (1 / n + 1 / 20000) if n else None,
        "low_sample": n < 200,
        "estimate": {
            "expected_default_rate": 0.12,
            "expected_auc": 0.74,
            "reference_default_rate": 0.08,
            "reference_auc": 0.76,
        },
        "model_version": "v1",
        "source": "live",
    }


def _history() -> dict:
    points = [
        DriftHistoryPoint(
            start=f"2026-12-0{d}T00:00:00+00:00",
            end=f"2026-12-0{d + 1}T00:00:00+00:00",
            n=100,
            score_psi=v,
            status="ok" if v < 0.1 else "act",
        )
        for d, v in ((1, 0.02), (2, 0.3))
    ]
    return json.loads(DriftHistory(bucket_hours=24, points=points).model_dump_json())


def _summary() -> dict:
    return DecisionSummary(
        total=4,
        overrides=1,
        override_rate=0.25,
        by_reason=[OverrideCount(key="guarantee", count=1)],
        by_direction=[OverrideCount(key="grant", count=1), OverrideCount(key="refuse", count=0)],
    ).model_dump()


def _mock_governance(mocked, flagged: bool = True, drift: dict | None = None) -> None:
    mocked.get(f"{API}/v1/model/fairness", json=_fairness(flagged))
    mocked.get(f"{API}/v1/monitoring/drift", json=drift or _drift())
    mocked.get(f"{API}/v1/monitoring/drift/history", json=_history())
    mocked.get(f"{API}/v1/decisions/summary", json=_summary())


def test_routes_and_titles() -> None:
    assert parse_route("/governance").page == "governance"
    assert parse_route("/model/card").page == "card"
    _, title = page_for(parse_route("/governance"), "fr")
    assert title.startswith("Gouvernance")
    _, title = page_for(parse_route("/governance"), "en")
    assert title.startswith("Model governance")


def test_governance_page_says_what_is_flagged_in_both_languages(mocked, api) -> None:
    _mock_governance(mocked, flagged=True)
    summary, fairness, drift, oversight = governance_page.render_governance(api, STATE_EN)
    text = text_of(summary)
    assert "Fairness: flagged for Sex" in text
    assert "act" in text and "1,200" in text
    assert "4 final decisions recorded, 1 of them overrides (25.0%)" in text
    assert "flagged, below 0.8" in text_of(fairness)
    assert "ESTIMATE, not a measurement" in text_of(drift)
    assert "EXT_SOURCE_2" in text_of(drift)
    statuses = [getattr(n, "className", "") for n in walk(drift)]
    assert "status status-act" in statuses and "status status-ok" in statuses
    assert "Collateral or guarantor provided" in text_of(oversight)
    assert "granted although the model refused" in text_of(oversight)
    summary_fr, _, drift_fr, _ = governance_page.render_governance(api, STATE_FR)
    assert "Équité : signalé pour Sexe" in text_of(summary_fr)
    assert "ESTIMATION, pas une mesure" in text_of(drift_fr)
    assert "à traiter" in text_of(drift_fr)


def test_nothing_flagged_and_no_recent_applicant(mocked, api) -> None:
    empty = _drift("ok", n=0) | {"features": [], "noise_psi": None, "estimate": None}
    _mock_governance(mocked, flagged=False, drift=empty)
    summary, fairness, drift, _ = governance_page.render_governance(api, STATE_EN)
    assert "Fairness: no attribute flagged" in text_of(summary)
    assert "not flagged" in text_of(fairness)
    assert "drift cannot be measured yet" in text_of(drift)


def test_a_failing_report_leaves_the_other_panels(mocked, api) -> None:
    _mock_governance(mocked)
    mocked.replace(
        responses.GET,
        f"{API}/v1/model/fairness",
        status=404,
        json={"error": {"code": "not_found", "message": "no fairness.json", "details": []}},
    )
    summary, fairness, drift, _ = governance_page.render_governance(api, STATE_EN)
    assert fairness.role == "alert"
    assert "Fairness: no report" in text_of(summary)
    assert "EXT_SOURCE_2" in text_of(drift)


def test_model_card_page_renders_the_markdown_as_components(mocked, api) -> None:
    card = (
        "# Model card\n\n## Data\n\n- **Excluded:** `CODE_GENDER`\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    mocked.get(f"{API}/v1/model/card", body=card, content_type="text/markdown")
    rendered = governance_page.render_card(api, STATE_EN)
    names = [type(n).__name__ for n in walk(rendered)]
    assert {"H2", "H3", "Ul", "Strong", "Code", "Table"} <= set(names)
    assert "CODE_GENDER" in text_of(rendered)


def test_final_decision_follow_override_and_missing_reason(mocked, api) -> None:
    mocked.post(f"{API}/v1/predict", json=prediction(0.43))  # the model refuses
    mocked.get(f"{API}/v1/decisions/reasons", json=[r.model_dump() for r in REASON_CODES])
    recorded = {
        "id": "ab" * 16,
        "time": "2026-12-02T12:00:00+00:00",
        "client_id": CLIENT,
        "final_decision": "grant",
        "model_decision": "refuse",
        "override": True,
        "reason_code": "guarantee",
        "comment": "parent guarantor",
        "probability": 0.43,
        "threshold": 0.084,
        "model_version": "v1",
        "model": "refit",
        "caller": "dashboard",
    }
    mocked.post(f"{API}/v1/decisions", json=recorded, status=201)
    options = final_decision.reason_options(api, STATE_FR)
    assert {"label": "Garantie ou caution apportée", "value": "guarantee"} in options
    missing = final_decision.submit_decision(api, STATE_EN, "grant", None, "")
    assert "choose a reason and write a comment" in text_of(missing)
    done = final_decision.submit_decision(api, STATE_EN, "grant", "guarantee", " parent guarantor ")
    assert "credit granted, overriding the model" in text_of(done)
    sent = json.loads(mocked.calls[-1].request.body)
    assert sent == {
        "client_id": CLIENT,
        "final_decision": "grant",
        "reason_code": "guarantee",
        "comment": "parent guarantor",
    }
    final_decision.submit_decision(api, STATE_FR, "follow", "guarantee", "")
    follow = json.loads(mocked.calls[-1].request.body)
    assert follow["final_decision"] == "refuse" and follow["reason_code"] is None


def test_final_decision_shows_the_api_refusal(mocked, api) -> None:
    mocked.post(f"{API}/v1/predict", body=requests.ConnectionError("down"))
    panel = final_decision.submit_decision(api, STATE_FR, "follow", None, "")
    assert panel.role == "alert"
