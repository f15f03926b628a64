"""Browser tests: a real API (`scoring serve` on the session's sample bundle), a real dashboard
(`scoring dashboard`) and headless Debian Chromium driven by Playwright.

Everything skips cleanly when Chromium or Playwright is missing. Screenshots go to
test-output/screenshots/ (gitignored) so a person can look at what the tests saw.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
API_KEY = "browser-test-key-0001"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(url: str, process: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    """Polls `url` until it answers 200; fails with the process's log if it dies or times out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited ({process.returncode}):\n{log.read_text()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} not ready after {seconds}s:\n{log.read_text()}")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m training.cli ARGS` with a clean SCORING_* environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCORING_")}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "training.cli", *args],
            cwd=ROOT,
            env={**clean, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_api(model_dir: Path, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    return start(
        [
            "serve",
            "--model",
            str(model_dir),
            "--port",
            str(port),
            "--audit-db",
            str(workdir / f"audit-{port}.sqlite"),
        ],
        {"SCORING_API_KEYS": f"dashboard:{API_KEY}", "SCORING_LOG_LEVEL": "warning"},
        workdir / f"api-{port}.log",
    )


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
def dashboard_url(api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("e2e-dashboard")
    port = free_port()
    log = workdir / "dashboard.log"
    process = start(
        ["dashboard", "--api-url", api_url, "--port", str(port)],
        {"SCORING_API_KEY": API_KEY},
        log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(url, process, 60, log)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
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
