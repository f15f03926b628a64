"""Processes for the browser tests: the real API and dashboard, started as `scoring` commands."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "browser-test-key-0001"
#: Dashboard accounts of the browser tests (sign-in is always on): name -> (role, password).
ACCOUNTS = {
    "browser-admin": ("admin", "browser-admin-password-01"),
    "browser-advisor": ("advisor", "browser-advisor-password-01"),
    "browser-risk": ("risk", "browser-risk-password-01"),
}
#: Selectors present only once each client-page panel has drawn its final content.
CLIENT_PANELS = [
    "#gauge .main-svg",
    "#waterfall .main-svg",
    "#groups .main-svg",
    "#reasons-panel .reasons",
    "#card-panel .client-card",
    "#whatif-form .number-input",
]
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
        {
            "SCORING_API_KEYS": f"dashboard:{API_KEY}",
            # The dashboard forwards the signed-in person: its key must be trusted for that.
            "SCORING_TRUSTED_FRONTENDS": "dashboard",
            "SCORING_LOG_LEVEL": "warning",
        },
        workdir / f"api-{port}.log",
    )


def type_in_search(tab: object, text: str, delay: int = 30) -> None:
    """Types into the client search as a person would: the first key opens the list and moves
    focus to its search field, the rest goes there."""
    tab.click("#client-search")  # type: ignore[attr-defined]
    tab.keyboard.type(text[0])  # type: ignore[attr-defined]
    tab.wait_for_function(  # type: ignore[attr-defined]
        "() => document.activeElement.classList.contains('dash-dropdown-search')"
    )
    tab.keyboard.type(text[1:], delay=delay)  # type: ignore[attr-defined]
    tab.wait_for_function(  # type: ignore[attr-defined]
        "(t) => document.activeElement.value === t", arg=text
    )


def write_accounts(path: Path) -> Path:
    """The accounts file of the browser tests' dashboards (argon2 hashes, as `scoring users`)."""
    from dashboard.auth.accounts import add_account
    from dashboard.auth.roles import parse_role

    for name, (role, password) in ACCOUNTS.items():
        add_account(path, name, parse_role(role), password, replace=True)
    return path


def sign_in(context: object, dashboard_url: str, name: str = "browser-admin") -> None:
    """Signs a browser context in through the real form (its request API shares the cookies)."""
    import re

    request = context.request  # type: ignore[attr-defined]
    form = request.get(f"{dashboard_url}/login").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, form
    answer = request.post(
        f"{dashboard_url}/login",
        form={"username": name, "password": ACCOUNTS[name][1], "csrf_token": token.group(1)},
        max_redirects=0,
    )
    assert answer.status == 303, answer.text()
