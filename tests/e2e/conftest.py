"""Browser tests: a real API (`scoring serve` on the session's sample bundle), a real dashboard
(`scoring dashboard`) and headless Debian Chromium driven by Playwright.

Everything skips cleanly when Chromium or Playwright is missing. Screenshots go to
test-output/screenshots/ (gitignored) so a person can look at what the tests saw.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .servers import (
    API_KEY,
    CHROMIUM_ARGS,
    ROOT,
    free_port,
    sign_in,
    start,
    start_api,
    stop,
    wait_until,
    write_accounts,
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


@pytest.fixture(scope="session")
def api_url(
    chromium_path: Path, sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("e2e-api")
    port = free_port()
    process = start_api(sample_bundle, port, workdir)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(f"{url}/ready", process, 90, workdir / f"api-{port}.log")
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def api(api_url: str) -> requests.Session:
    """A session to ask the API directly what the page should show."""
    session = requests.Session()
    session.headers["X-API-Key"] = API_KEY
    return session


@pytest.fixture(scope="session")
def accounts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dashboard accounts (admin, advisor, risk) for every dashboard the browser tests start."""
    return write_accounts(tmp_path_factory.mktemp("e2e-accounts") / "users.json")


@pytest.fixture(scope="session")
def dashboard_url(
    api_url: str, accounts_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("e2e-dashboard")
    port = free_port()
    log = workdir / "dashboard.log"
    process = start(
        ["dashboard", "--api-url", api_url, "--port", str(port)],
        {"SCORING_API_KEY": API_KEY, "SCORING_USERS_FILE": str(accounts_file)},
        log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(url, process, 60, log)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="package")
def browser(chromium_path: Path) -> Iterator[object]:
    """Package-scoped, not session-scoped: Playwright's sync API keeps an asyncio loop running
    in the main thread while it is open, and tests after tests/e2e call asyncio.run()."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh tab; signed in as the administrator when the test uses the shared dashboard
    (tests of signing in itself ask for `anonymous_page`)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    if "dashboard_url" in request.fixturenames:
        sign_in(context, request.getfixturevalue("dashboard_url"))
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def anonymous_page(browser: object) -> Iterator[object]:
    """A fresh tab that has not signed in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        if shutil.which("npm") is None:
            pytest.skip("axe-core is not installed (run `npm ci`) and npm is missing")
        pytest.skip(f"axe-core is not installed at {AXE}: run `npm ci` in the repository")
    return AXE.read_text(encoding="utf-8")
