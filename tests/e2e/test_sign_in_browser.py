"""Signing in and out in a real browser: the form, the return to the page asked for, sign-out,
the idle timeout, role-limited pages, French and English, axe-core on the sign-in page, and no
Content-Security-Policy violation while the client page draws its charts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .servers import ACCOUNTS, API_KEY, CLIENT_PANELS, free_port
from .test_dashboard_browser import READY_JS, describe, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MESSAGES = {
    "fr": {
        "failed": "Identifiant ou mot de passe incorrect.",
        "signed_out": "Vous êtes déconnecté.",
        "expired": "Votre session a pris fin",
        "restricted": "Page réservée",
        "submit": "Se connecter",
        "sign_out": "Se déconnecter",
    },
    "en": {
        "failed": "Wrong user name or password.",
        "signed_out": "You are signed out.",
        "expired": "Your session ended",
        "restricted": "Restricted page",
        "submit": "Sign in",
        "sign_out": "Sign out",
    },
}


@pytest.fixture(scope="module")
def client_id(api_url: str, api: requests.Session) -> int:
    ids = api.get(f"{api_url}/v1/clients", params={"prefix": "1", "limit": 5}).json()
    return int(ids["client_ids"][0])


@pytest.fixture(scope="module")
def short_idle_url(api_url: str, accounts_file: Path) -> Iterator[str]:
    """A dashboard whose sessions end after 4 idle seconds, polling the API every second (the
    polls must not keep a session alive)."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from shared.settings import DashboardSettings

    settings = DashboardSettings(
        api_url=api_url, api_key=API_KEY, users_file=accounts_file, session_idle_seconds=4
    )
    app = create_app(settings, health_poll_ms=1_000)
    server = make_server("127.0.0.1", free_port(), app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def fill_sign_in(page: Any, name: str, password: str | None = None) -> None:
    page.fill("#username", name)
    page.fill("#password", password if password is not None else ACCOUNTS[name][1])
    page.click("button[type=submit]")


def csp_violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_sign_in_returns_to_the_page_then_sign_out_closes_it(
    anonymous_page: Any, dashboard_url: str, client_id: int, language: str, screenshots: Path
) -> None:
    page = anonymous_page
    violations = csp_violations(page)
    text = MESSAGES[language]
    page.goto(f"{dashboard_url}/client/{client_id}")
    assert page.url.startswith(f"{dashboard_url}/login?next=")
    page.click(f"a[hreflang={language}]")
    assert page.get_attribute("html", "lang") == language
    fill_sign_in(page, "browser-advisor", "not the password at all")
    assert page.inner_text("[role=alert]") == text["failed"]
    assert "/login" in page.url
    page.screenshot(path=str(screenshots / f"sign-in-failed-{language}.png"), full_page=True)
    fill_sign_in(page, "browser-advisor")
    page.wait_for_url(f"{dashboard_url}/client/{client_id}")
    page.wait_for_function(READY_JS, arg=CLIENT_PANELS, timeout=30_000)
    assert "browser-advisor" in page.inner_text("#account-name")
    assert violations == []  # Dash and Plotly draw everything under the policy
    page.click("#sign-out")
    page.wait_for_url("**/login?*")
    # In the dashboard's own language (its picker), which may differ from the sign-in page's.
    main = page.inner_text("main")
    assert any(texts["signed_out"] in main for texts in MESSAGES.values())
    page.goto(f"{dashboard_url}/client/{client_id}")
    assert page.url.startswith(f"{dashboard_url}/login")


def test_an_idle_session_ends_even_while_the_page_polls(
    anonymous_page: Any, short_idle_url: str
) -> None:
    page = anonymous_page
    page.goto(f"{short_idle_url}/login?lang=en")
    fill_sign_in(page, "browser-admin")
    page.wait_for_url(f"{short_idle_url}/")
    page.wait_for_selector("#main h1")
    page.click("nav.site-nav a[href='/model']")  # the person's last action
    page.wait_for_selector("#main h1")
    # Health polls go by every second; none counts as activity, so after 4 idle seconds the
    # next poll is refused and the page goes to the sign-in page by itself.
    page.wait_for_url("**/login?*", timeout=15_000)
    assert "reason=expired" in page.url and "next=%2Fmodel" in page.url
    assert MESSAGES["en"]["expired"] in page.inner_text("main")
    fill_sign_in(page, "browser-admin")
    page.wait_for_url(f"{short_idle_url}/model")


@pytest.mark.parametrize(
    ("name", "allowed", "refused", "links"),
    [
        ("browser-advisor", "/client/{id}", "/model", ["/"]),
        ("browser-risk", "/governance", "/client/{id}", ["/model", "/governance"]),
    ],
)
def test_role_limited_pages_are_neither_linked_nor_served(
    anonymous_page: Any,
    dashboard_url: str,
    client_id: int,
    name: str,
    allowed: str,
    refused: str,
    links: list[str],
) -> None:
    page = anonymous_page
    page.goto(f"{dashboard_url}/login?lang=en")
    fill_sign_in(page, name)
    page.wait_for_url(f"{dashboard_url}/")
    page.wait_for_selector("nav.site-nav")
    shown = page.eval_on_selector_all(
        "nav.site-nav a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert shown == links
    page.goto(dashboard_url + allowed.format(id=client_id))
    page.wait_for_selector("#main h1")
    restricted = {texts["restricted"] for texts in MESSAGES.values()}  # the dashboard's language
    assert page.inner_text("#main h1") not in restricted
    answer = page.goto(dashboard_url + refused.format(id=client_id))
    assert answer is not None and answer.status == 403
    page.wait_for_selector("#main h1")
    assert page.inner_text("#main h1") in restricted


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("failed", [False, True])
def test_sign_in_page_has_no_serious_accessibility_violation(
    anonymous_page: Any, dashboard_url: str, axe_source: str, language: str, failed: bool
) -> None:
    page = anonymous_page
    page.goto(f"{dashboard_url}/login?lang={language}")
    if failed:
        fill_sign_in(page, "nobody", "wrong password here")
        page.wait_for_selector("[role=alert]")
    violations = run_axe(page, axe_source)
    assert violations == [], describe(violations)
