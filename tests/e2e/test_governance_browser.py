"""The governance page, the model card page and the final-decision control in a real browser,
against a real API: what a risk officer and an advisor see, in French and English, axe-clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from .servers import CLIENT_PANELS
from .test_dashboard_browser import READY_JS, describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GOVERNANCE_PANELS = [
    "#gov-summary-panel ul",
    "#gov-fairness-panel .fairness-attribute",
    "#gov-drift-panel #drift-overall",
    "#gov-oversight-panel #oversight-rate",
]


@pytest.fixture(scope="module")
def scored_clients(api_url: str, api: requests.Session) -> list[int]:
    """Some clients scored through the API, so live drift has rows to compare."""
    ids = api.get(f"{api_url}/v1/clients", params={"prefix": "1", "limit": 60}).json()
    clients = [int(i) for i in ids["client_ids"]]
    for client in clients:
        assert api.post(f"{api_url}/v1/predict", json={"client_id": client}).status_code == 200
    return clients


def open_governance(page: Any, dashboard_url: str, language: str | None = None) -> None:
    page.goto(f"{dashboard_url}/governance")
    page.wait_for_selector("#main h1")
    if language:
        page.get_by_text(language, exact=True).click()
    wait_for_panels(page)


def wait_for_panels(page: Any) -> None:
    """Every governance panel filled; on a timeout, the failure says what the page showed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(READY_JS, arg=GOVERNANCE_PANELS, timeout=45_000)
    except PlaywrightTimeout as error:
        raise AssertionError(f"governance panels not filled: {page.inner_text('#main')}") from error


def test_governance_page_shows_the_api_reports(
    page: Any,
    dashboard_url: str,
    api_url: str,
    api: requests.Session,
    scored_clients: list[int],
    screenshots: Path,
) -> None:
    fairness = api.get(f"{api_url}/v1/model/fairness").json()
    drift = api.get(f"{api_url}/v1/monitoring/drift").json()
    open_governance(page, dashboard_url)
    attributes = page.eval_on_selector_all(
        ".fairness-attribute", "nodes => nodes.map(n => n.dataset.attribute)"
    )
    assert attributes == [a["attribute"] for a in fairness["attributes"]]
    assert "CODE_GENDER" in attributes
    assert page.get_attribute("#drift-overall", "data-status") == drift["status"]
    assert "ESTIMATION" in page.inner_text("#drift-estimate")
    assert page.locator("#gov-drift-panel .status").count() >= 2  # traffic lights
    assert "Équité" in page.inner_text("#gov-summary-panel")
    page.screenshot(path=str(screenshots / "governance-fr.png"), full_page=True)
    page.get_by_text("English", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#main h1').innerText.startsWith('Model governance')"
    )
    # The panels re-render in English (a spinner hides the French ones meanwhile).
    page.wait_for_function(
        "() => (document.querySelector('#drift-estimate') || {}).innerText?.includes('ESTIMATE')",
        timeout=30_000,
    )
    wait_for_panels(page)
    assert "Fairness" in page.inner_text("#gov-summary-panel")
    page.screenshot(path=str(screenshots / "governance-en.png"), full_page=True)


def test_advisor_override_is_recorded_exported_and_counted(
    page: Any,
    dashboard_url: str,
    api_url: str,
    api: requests.Session,
    scored_clients: list[int],
    screenshots: Path,
) -> None:
    client = scored_clients[3]
    model = api.post(f"{api_url}/v1/predict", json={"client_id": client}).json()
    override = "grant" if model["decision"] == "refuse" else "refuse"
    page.goto(f"{dashboard_url}/client/{client}")
    page.wait_for_function(READY_JS, arg=CLIENT_PANELS, timeout=30_000)
    page.click(f"#final-choice-{override}")
    page.click("#final-submit")
    page.wait_for_selector("#final-result .error-box", timeout=10_000)  # no reason yet
    page.click("#final-reason")
    page.locator("[role=option]", has_text="Garantie ou caution apportée").click()
    page.fill("#final-comment", "Caution parentale vérifiée")
    page.click("#final-submit")
    recorded = page.wait_for_selector("#final-recorded", timeout=10_000)
    decision_id = recorded.get_attribute("data-decision-id")
    assert recorded.get_attribute("data-override") == "true"
    page.locator("#final-decision").screenshot(path=str(screenshots / "final-decision.png"))
    lines = api.get(f"{api_url}/v1/decisions", params={"format": "jsonl"}).text.splitlines()
    exported = [line for line in lines if decision_id in line]
    assert len(exported) == 1 and '"reason_code":"guarantee"' in exported[0]
    assert f'"model_decision":"{model["decision"]}"' in exported[0]
    open_governance(page, dashboard_url)
    assert int(page.get_attribute("#oversight-rate", "data-overrides")) >= 1


def test_model_card_page_names_the_excluded_attribute(
    page: Any, dashboard_url: str, screenshots: Path
) -> None:
    page.goto(f"{dashboard_url}/model/card")
    page.wait_for_selector(".model-card h3", timeout=30_000)
    text = page.inner_text(".model-card")
    assert "CODE_GENDER" in text and "AUC" in text
    page.screenshot(path=str(screenshots / "model-card.png"), full_page=True)


@pytest.mark.parametrize("language", ["Français", "English"])
def test_governance_pages_have_no_serious_accessibility_violation(
    page: Any, dashboard_url: str, axe_source: str, scored_clients: list[int], language: str
) -> None:
    open_governance(page, dashboard_url, language)
    violations = run_axe(page, axe_source)
    assert violations == [], describe(violations)
    page.goto(f"{dashboard_url}/model/card")
    page.wait_for_selector(".model-card h3", timeout=30_000)
    violations = run_axe(page, axe_source)
    assert violations == [], describe(violations)
