"""The dashboard in a real browser against a real API: what an advisor sees and can do.

Each check compares the page with what the API itself answers for the same client, so the
tests fail if the dashboard shows a number it did not get from the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from .servers import CLIENT_PANELS, sign_in, type_in_search

pytestmark = [pytest.mark.browser, pytest.mark.slow]

READY_JS = """(selectors) => selectors.every(s => document.querySelector(s)) &&
    !document.querySelector('[data-dash-is-loading="true"]')"""


@pytest.fixture(scope="module")
def client_id(api_url: str, api: requests.Session) -> int:
    """A real client of the bundle, with a known outcome (a training applicant)."""
    ids = api.get(f"{api_url}/v1/clients", params={"prefix": "1", "limit": 20}).json()
    return int(ids["client_ids"][1])


def wait_for_client_page(page: Any) -> None:
    page.wait_for_function(READY_JS, arg=CLIENT_PANELS, timeout=30_000)


def open_client(page: Any, dashboard_url: str, client_id: int) -> None:
    page.goto(f"{dashboard_url}/client/{client_id}")
    wait_for_client_page(page)


def assert_no_traceback(page: Any) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text and 'File "' not in text


def test_client_view_shows_the_api_decision(
    page: Any,
    dashboard_url: str,
    api_url: str,
    api: requests.Session,
    client_id: int,
    screenshots: Path,
) -> None:
    open_client(page, dashboard_url, client_id)
    expected = api.post(f"{api_url}/v1/predict", json={"client_id": client_id}).json()
    shown = float(page.get_attribute("#gauge-probability", "data-probability"))
    assert shown == pytest.approx(expected["probability"], abs=1e-6)
    decision = page.inner_text("#decision-panel .decision")
    assert ("refusé" in decision) if expected["decision"] == "refuse" else ("accordé" in decision)
    assert expected["model_version"] in page.inner_text("#decision-panel")
    # which model answered, in words: a training client's is the fold model that never saw it
    assert page.get_attribute("#gauge-model", "data-model") == expected["model"]
    words = "validation croisée" if expected["model"].startswith("fold-") else "tous les clients"
    assert words in page.inner_text("#gauge-model")
    assert str(client_id) in page.title()
    explanation = api.post(f"{api_url}/v1/explain", json={"client_id": client_id}).json()
    first = (explanation["reasons"]["raises"] or explanation["reasons"]["lowers"])[0]
    assert first["sentence_fr"] in page.inner_text("#reasons-panel")
    summary = page.get_attribute("#waterfall-panel [role=img]", "aria-label")
    assert summary and "cascade" in summary
    assert_no_traceback(page)
    page.screenshot(path=str(screenshots / "client-fr.png"), full_page=True)


def test_search_type_ahead_selects_a_client_into_the_url(
    page: Any, dashboard_url: str, client_id: int, screenshots: Path
) -> None:
    page.goto(dashboard_url)
    type_in_search(page, str(client_id)[:-1], delay=50)
    option = page.locator("[role=option]", has_text=str(client_id))
    option.wait_for(timeout=10_000)
    options = page.locator(".dash-dropdown-content [role=option]").count()
    assert 1 <= options <= 20  # the API's first matches, never every ID
    page.screenshot(path=str(screenshots / "search.png"))
    option.click()
    page.wait_for_url(f"**/client/{client_id}", timeout=10_000)
    wait_for_client_page(page)


def test_language_switch_translates_the_page(
    page: Any,
    dashboard_url: str,
    api_url: str,
    api: requests.Session,
    client_id: int,
    screenshots: Path,
) -> None:
    open_client(page, dashboard_url, client_id)
    assert page.evaluate("document.documentElement.lang") == "fr"
    page.get_by_text("English", exact=True).click()
    # Predicates as functions: a bare expression would be polled through eval, which the
    # dashboard's Content-Security-Policy refuses.
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.wait_for_function(
        "() => document.querySelector('#decision-heading').innerText === 'Decision'"
    )
    wait_for_client_page(page)
    explanation = api.post(f"{api_url}/v1/explain", json={"client_id": client_id}).json()
    first = (explanation["reasons"]["raises"] or explanation["reasons"]["lowers"])[0]
    page.wait_for_function(
        "(s) => document.querySelector('#reasons-panel').innerText.includes(s)",
        arg=first["sentence_en"],
    )
    assert "decision" in page.title()
    assert "Crédit" not in page.inner_text("#decision-panel")
    page.screenshot(path=str(screenshots / "client-en.png"), full_page=True)
    # The choice is remembered on reload.
    page.reload()
    wait_for_client_page(page)
    assert page.inner_text("#decision-heading") == "Decision"


def test_what_if_rescoring(
    page: Any,
    dashboard_url: str,
    api_url: str,
    api: requests.Session,
    client_id: int,
    screenshots: Path,
) -> None:
    open_client(page, dashboard_url, client_id)
    field = page.locator("#whatif-AMT_CREDIT input")
    # the French page writes "406 598" (narrow no-break space): read it back as a number
    current = float(field.input_value().replace("\u202f", "").replace(",", "."))
    new_value = round(current / 2)
    field.fill(str(new_value))
    page.click("#whatif-submit")
    page.wait_for_selector(
        "#whatif-probability, #whatif-result .muted, #whatif-result [role=alert]", timeout=20_000
    )
    assert page.locator("#whatif-probability").count() == 1, page.inner_text("#whatif-result")
    expected = api.post(
        f"{api_url}/v1/what-if",
        json={"client_id": client_id, "changes": {"AMT_CREDIT": new_value}},
    ).json()
    shown = float(page.get_attribute("#whatif-probability", "data-probability"))
    assert shown == pytest.approx(expected["after"]["probability"], abs=1e-6)
    page.locator("#whatif").screenshot(path=str(screenshots / "what-if.png"))


def test_out_of_range_what_if_is_refused_plainly(
    page: Any, dashboard_url: str, client_id: int
) -> None:
    open_client(page, dashboard_url, client_id)
    page.locator("#whatif-AMT_CREDIT input").fill("99999999999")
    page.click("#whatif-submit")
    alert = page.locator("#whatif-result [role=alert]")
    alert.wait_for(timeout=20_000)
    assert "Valeur refusée" in alert.inner_text() and "AMT_CREDIT" in alert.inner_text()
    assert_no_traceback(page)


def test_comparison_view(page: Any, dashboard_url: str, client_id: int, screenshots: Path) -> None:
    page.goto(f"{dashboard_url}/client/{client_id}/compare")
    page.wait_for_function(
        READY_JS, arg=["#distribution .main-svg", "#bivariate .main-svg"], timeout=30_000
    )
    percentile = page.inner_text("#distribution-percentile")
    assert "%" in percentile or "pas de valeur" in percentile
    legend = page.inner_text("#distribution-panel")
    for population in ("Tous les clients", "Clients en défaut", "Clients similaires"):
        assert population in legend
    # Colour by outcome: shapes explained in the legend.
    page.get_by_text("Issue réelle", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#bivariate-panel').innerText.includes('(×)')",
        timeout=20_000,
    )
    assert "comparaison" in page.title()
    page.screenshot(path=str(screenshots / "compare-fr.png"), full_page=True)


def test_model_page(
    page: Any, dashboard_url: str, api_url: str, api: requests.Session, screenshots: Path
) -> None:
    page.goto(f"{dashboard_url}/model")
    page.wait_for_function(
        READY_JS, arg=["#importance .main-svg", "#cost-curve .main-svg"], timeout=30_000
    )
    assert "AUC" in page.inner_text(".metrics-table")
    # the honest protocol in French and the metrics' 95 % intervals
    info = api.get(f"{api_url}/v1/model").json()
    assert info["evaluation"]["description_fr"] in page.inner_text("#model-evaluation")
    assert "IC 95" in page.inner_text(".metrics-table")
    assert "10" in page.inner_text("#model-threshold")
    page.screenshot(path=str(screenshots / "model-fr.png"), full_page=True)


def test_keyboard_skip_link_and_visible_focus(
    page: Any, dashboard_url: str, client_id: int
) -> None:
    open_client(page, dashboard_url, client_id)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "document.querySelector('#main').contains(document.activeElement)"
    )
    assert focused_in_main


@pytest.mark.parametrize(
    ("width", "height", "name"), [(640, 450, "zoom-200"), (768, 1024, "tablet")]
)
def test_reflows_without_horizontal_scrolling(
    browser: Any,
    dashboard_url: str,
    client_id: int,
    screenshots: Path,
    width: int,
    height: int,
    name: str,
) -> None:
    """1280 px at 200 % zoom is a 640 px viewport (WCAG 1.4.4/1.4.10); 768 px is a tablet."""
    context = browser.new_context(viewport={"width": width, "height": height})
    sign_in(context, dashboard_url)
    tab = context.new_page()
    try:
        open_client(tab, dashboard_url, client_id)
        overflow = tab.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1
        tab.screenshot(path=str(screenshots / f"client-{name}.png"), full_page=True)
    finally:
        context.close()


def run_axe(page: Any, axe_source: str) -> list[dict[str, Any]]:
    # Evaluated by the test driver, not added as a <script> tag: the dashboard's
    # Content-Security-Policy rightly refuses inline scripts it did not write.
    page.evaluate(axe_source)
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                            'best-practice']},
            resultTypes: ['violations']})"""
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )


@pytest.mark.parametrize("path", ["/", "/client/{id}", "/client/{id}/compare", "/model"])
@pytest.mark.parametrize("language", ["Français", "English"])
def test_no_serious_accessibility_violation(
    page: Any, dashboard_url: str, client_id: int, axe_source: str, path: str, language: str
) -> None:
    page.goto(dashboard_url + path.format(id=client_id))
    page.wait_for_selector("#main h1")
    page.get_by_text(language, exact=True).click()
    if "compare" in path:
        ready = ["#distribution .main-svg", "#bivariate .main-svg"]
    elif "client" in path:
        ready = CLIENT_PANELS
    elif "model" in path:
        ready = ["#importance .main-svg"]
    else:
        ready = ["#main h1"]
    page.wait_for_function(READY_JS, arg=ready, timeout=30_000)
    violations = run_axe(page, axe_source)
    assert violations == [], describe(violations)


def test_api_outage_is_said_plainly_and_the_page_recovers(
    page: Any,
    sample_bundle: Path,
    client_id: int,
    tmp_path: Path,
    screenshots: Path,
    accounts_file: Path,
) -> None:
    """Dashboard first, API later: the page says the service is unreachable (no traceback),
    then fills itself in once the API is up, without a reload."""
    import threading

    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from shared.settings import DashboardSettings

    from .servers import API_KEY, free_port, start_api, stop, wait_until

    api_port = free_port()
    settings = DashboardSettings(
        api_url=f"http://127.0.0.1:{api_port}", api_key=API_KEY, users_file=accounts_file
    )
    app = create_app(settings, health_poll_ms=1_000)
    server = make_server("127.0.0.1", free_port(), app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api_process = None
    try:
        sign_in(page.context, f"http://127.0.0.1:{server.server_port}")
        page.goto(f"http://127.0.0.1:{server.server_port}/client/{client_id}")
        page.wait_for_selector("#decision-panel [role=alert]", timeout=20_000)
        assert "injoignable" in page.inner_text("#decision-panel")
        page.wait_for_selector("#api-banner:not([hidden])", timeout=10_000)
        assert "indisponible" in page.inner_text("#api-banner")
        assert_no_traceback(page)
        page.screenshot(path=str(screenshots / "api-down.png"), full_page=True)

        api_process = start_api(sample_bundle, api_port, tmp_path)
        api_log = tmp_path / f"api-{api_port}.log"  # where start_api writes it
        wait_until(f"http://127.0.0.1:{api_port}/ready", api_process, 90, api_log)
        page.wait_for_function(READY_JS, arg=CLIENT_PANELS, timeout=30_000)
        assert page.locator("#api-banner").get_attribute("hidden") is not None
        assert page.locator("#decision-panel [role=alert]").count() == 0
    finally:
        if api_process is not None:
            stop(api_process)
        server.shutdown()
        thread.join(timeout=10)
