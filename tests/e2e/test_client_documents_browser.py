"""The client's decision summary and "what would change the decision" in a real browser, in
French and English, against the real API: the download through the dashboard, the HTML
summary's accessibility, the recourse options equal to the what-if, the instalment recomputed
as the advisor edits the request, and the explanation charts' unit toggle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from .servers import CLIENT_PANELS, sign_in
from .test_dashboard_browser import READY_JS, describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGE_BUTTON = {"fr": "Français", "en": "English"}
DECISION_HEADING = {"fr": "Décision", "en": "Decision"}
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def refused_with_options(api_url: str, api: requests.Session) -> tuple[int, dict[str, Any]]:
    """A refused client of the bundle for whom the recourse search found options."""
    ids = api.get(f"{api_url}/v1/clients", params={"limit": 400}).json()["client_ids"]
    for client_id in ids:
        body = api.post(f"{api_url}/v1/recourse", json={"client_id": client_id}).json()
        if body["status"] == "options":
            return client_id, body
    pytest.skip("no refused client of the bundle has a recourse option")


def open_client(page: Any, dashboard_url: str, client_id: int, language: str) -> None:
    page.goto(f"{dashboard_url}/client/{client_id}")
    page.wait_for_selector("#main h1")
    page.get_by_text(LANGUAGE_BUTTON[language], exact=True).click()
    # The panels of the previous language already satisfy READY_JS: wait for the re-render in
    # the chosen language first (<html lang> and the decision heading), then for the panels.
    page.wait_for_function(
        "([lang, heading]) => document.documentElement.lang === lang && "
        "document.querySelector('#decision-heading')?.innerText === heading",
        arg=[language, DECISION_HEADING[language]],
        timeout=20_000,
    )
    page.wait_for_function(
        READY_JS, arg=[*CLIENT_PANELS, "#recourse-panel #recourse-message"], timeout=45_000
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_summary_downloads_as_pdf_through_the_dashboard(
    page: Any,
    dashboard_url: str,
    refused_with_options: tuple[int, dict[str, Any]],
    language: str,
    tmp_path: Path,
) -> None:
    client_id, _ = refused_with_options
    open_client(page, dashboard_url, client_id, language)
    link = page.locator("#summary-pdf")
    assert link.get_attribute("href") == f"/client/{client_id}/summary?lang={language}&format=pdf"
    with page.expect_download(timeout=60_000) as caught:
        link.click()
    download = caught.value
    assert download.suggested_filename == f"decision-{client_id}-{language}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_html_summary_is_accessible_and_reads_without_log_odds(
    page: Any,
    dashboard_url: str,
    refused_with_options: tuple[int, dict[str, Any]],
    axe_source: str,
    language: str,
    screenshots: Path,
) -> None:
    client_id, recourse = refused_with_options
    page.goto(f"{dashboard_url}/client/{client_id}/summary?lang={language}&format=html")
    assert page.get_attribute("html", "lang") == language
    text = page.inner_text("body")
    assert str(client_id) in text and "log-odds" not in text.lower()
    heading = {"fr": "Ce qui changerait la décision", "en": "What would change the decision"}
    assert heading[language] in text
    for option in recourse["options"]:
        sentence = option["sentence_fr" if language == "fr" else "sentence_en"]
        assert sentence.split(",")[0] in text
    page.screenshot(path=str(screenshots / f"summary-{language}.png"), full_page=True)
    violations = run_axe(page, axe_source)
    assert violations == [], describe(violations)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_recourse_options_are_granted_by_the_what_if_with_the_same_probability(
    page: Any,
    dashboard_url: str,
    api_url: str,
    api: requests.Session,
    refused_with_options: tuple[int, dict[str, Any]],
    axe_source: str,
    language: str,
    screenshots: Path,
) -> None:
    client_id, recourse = refused_with_options
    open_client(page, dashboard_url, client_id, language)
    heading = {"fr": "Ce qui changerait la décision", "en": "What would change the decision"}
    assert page.inner_text("#recourse-heading") == heading[language]
    page.wait_for_selector("#recourse-options .recourse-option", timeout=30_000)
    shown = page.locator("#recourse-options .recourse-option")
    assert shown.count() == len(recourse["options"]), page.inner_text("#recourse-panel")
    for k, option in enumerate(recourse["options"]):
        item = shown.nth(k)
        assert float(item.get_attribute("data-probability")) == pytest.approx(
            option["probability"], abs=1e-6
        )
        what_if = api.post(
            f"{api_url}/v1/what-if", json={"client_id": client_id, "changes": option["changes"]}
        ).json()
        assert what_if["after"]["probability"] == option["probability"]
        assert what_if["after"]["decision"] == "grant"
        sentence = option["sentence_fr" if language == "fr" else "sentence_en"]
        assert sentence in item.inner_text()
    page.locator("#recourse").screenshot(path=str(screenshots / f"recourse-{language}.png"))
    violations = run_axe(page, axe_source)
    assert violations == [], describe(violations)


def test_changing_the_amount_recomputes_the_instalment_in_french_writing(
    page: Any,
    dashboard_url: str,
    api_url: str,
    api: requests.Session,
    refused_with_options: tuple[int, dict[str, Any]],
    screenshots: Path,
) -> None:
    from shared.loan_terms import LoanTerms

    client_id, _ = refused_with_options
    fields = api.get(f"{api_url}/v1/what-if/fields", params={"client_id": client_id}).json()
    loan = fields["loan"]
    terms = LoanTerms(loan["credit"], loan["annuity"], loan["term_months"], loan["monthly_rate"])
    open_client(page, dashboard_url, client_id, "fr")
    amount = page.locator("#whatif-AMT_CREDIT input")
    term = page.locator("#whatif-TERM_MONTHS input")
    instalment = page.locator("#whatif-AMT_ANNUITY input")
    assert term.input_value() == str(loan["term_months"])  # whole months, no "27.7"
    assert "." not in amount.input_value()
    new_amount = int(terms.credit * 0.6)
    amount.fill(str(new_amount))
    amount.press("Enter")
    expected = f"{round(terms.instalment(new_amount, terms.term_months)):,}".replace(",", NNBSP)
    page.wait_for_function(
        "(v) => document.querySelector('#whatif-AMT_ANNUITY input').value === v",
        arg=expected,
        timeout=15_000,
    )
    assert instalment.input_value() == expected and term.input_value() == str(loan["term_months"])
    page.click("#whatif-submit")
    page.wait_for_selector("#whatif-probability", timeout=20_000)
    answer = api.post(
        f"{api_url}/v1/what-if",
        json={"client_id": client_id, "changes": {"AMT_CREDIT": float(new_amount)}},
    ).json()
    shown = float(page.get_attribute("#whatif-probability", "data-probability"))
    assert shown == pytest.approx(answer["after"]["probability"], abs=1e-6)
    applied = page.inner_text("#whatif-applied")
    assert expected in applied and "Mensualité" in applied
    page.locator("#whatif").screenshot(path=str(screenshots / "what-if-terms-fr.png"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_explanation_charts_read_in_probability_points_with_a_log_odds_option(
    page: Any,
    dashboard_url: str,
    refused_with_options: tuple[int, dict[str, Any]],
    language: str,
) -> None:
    client_id, _ = refused_with_options
    open_client(page, dashboard_url, client_id, language)
    axis = page.locator("#waterfall .xtitle")
    points_title = {"fr": "Probabilité de défaut", "en": "Probability of default"}
    # The chart is drawn by its own callback, after the decision heading open_client waits
    # for: the previous language's chart can still be on screen for a moment.
    page.wait_for_function(
        "(t) => document.querySelector('#waterfall .xtitle')?.textContent === t",
        arg=points_title[language],
        timeout=15_000,
    )
    assert axis.text_content() == points_title[language]
    assert page.get_attribute("#explain-unit-points", "aria-pressed") == "true"
    page.click("#explain-unit-logodds")
    page.wait_for_function(
        "() => document.querySelector('#waterfall .xtitle').textContent.includes('log-odds')",
        timeout=15_000,
    )
    assert page.get_attribute("#explain-unit-logodds", "aria-pressed") == "true"


def test_an_advisor_downloads_the_summary_but_a_risk_officer_cannot(
    browser: Any, dashboard_url: str, refused_with_options: tuple[int, dict[str, Any]]
) -> None:
    client_id, _ = refused_with_options
    address = f"{dashboard_url}/client/{client_id}/summary?lang=en&format=html"
    for name, status in (("browser-advisor", 200), ("browser-risk", 403)):
        context = browser.new_context()
        sign_in(context, dashboard_url, name)
        answer = context.request.get(address)
        assert answer.status == status, name
        if status == 200:
            assert "What would change the decision" in answer.text()
        context.close()
