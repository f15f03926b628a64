"""Time from selecting a client to the fully rendered dashboard view, in a real browser.

Starts `scoring serve` on MODEL_DIR and `scoring dashboard` (or uses running ones), opens the
dashboard in headless Debian Chromium, and for each of N clients: types the ID's prefix in the
search box, waits for the API's matches, then times from the click on the client's option to
the moment every panel of the client page has drawn its final content (gauge, reasons,
waterfall, groups, card, what-if form) and no component is loading. Also times a cold load of
a client's URL. Prints the figures; the target is < 1.5 s with the full-scale bundle.

    python bench/bench_dashboard.py --model models [--clients 20]
    python bench/bench_dashboard.py --api-url http://127.0.0.1:8000 --api-key KEY \
        [--dashboard-url http://127.0.0.1:8050]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The browser tests' process helpers: one way to start the services and Chromium here and there.
from tests.e2e.servers import CHROMIUM_ARGS, CLIENT_PANELS, free_port, start, type_in_search  # noqa: E402

KEY = "bench-dashboard-key-01"
READY_JS = """([selectors, clientId]) =>
    document.querySelector('#main h1') &&
    document.querySelector('#main h1').innerText.includes(clientId) &&
    selectors.every(s => document.querySelector(s)) &&
    !document.querySelector('[data-dash-is-loading="true"]')"""


def wait_until(url: str, seconds: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready after {seconds}s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="bundle folder (starts the API on it)")
    parser.add_argument("--api-url", help="use a running API instead")
    parser.add_argument("--api-key", default=KEY, help="key of the running API")
    parser.add_argument("--dashboard-url", help="use a running dashboard instead")
    parser.add_argument("--clients", type=int, default=20, help="clients to time (default 20)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not args.model and not args.api_url:
        parser.error("give --model MODEL_DIR or --api-url URL")

    from playwright.sync_api import sync_playwright

    processes: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        api_url = args.api_url
        if not api_url:
            port = free_port()
            processes.append(
                start(
                    [
                        "serve",
                        "--model",
                        str(args.model),
                        "--port",
                        str(port),
                        "--audit-db",
                        str(logs / "audit.sqlite"),
                        "--log-level",
                        "warning",
                    ],
                    {"SCORING_API_KEYS": f"bench:{args.api_key}"},
                    logs / "api.log",
                )
            )
            api_url = f"http://127.0.0.1:{port}"
            print(f"API start-up (to ready): {wait_until(f'{api_url}/ready', 180):.1f} s")
        dashboard_url = args.dashboard_url
        if not dashboard_url:
            port = free_port()
            processes.append(
                start(
                    ["dashboard", "--api-url", api_url, "--port", str(port)],
                    {"SCORING_API_KEY": args.api_key},
                    logs / "dashboard.log",
                )
            )
            dashboard_url = f"http://127.0.0.1:{port}"
            wait_until(dashboard_url, 60)

        session = requests.Session()
        session.headers["X-API-Key"] = args.api_key
        ids: list[int] = []
        for prefix in "123456789":
            page = session.get(f"{api_url}/v1/clients", params={"prefix": prefix, "limit": 200})
            ids += page.json()["client_ids"] if page.ok else []
        random.Random(args.seed).shuffle(ids)
        ids = ids[: args.clients + 1]
        if len(ids) < 2:
            raise SystemExit("the API lists fewer than two clients")
        print(f"clients timed: {len(ids) - 1} (from the API's ID list)")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            tab = context.new_page()
            cold: list[float] = []
            for client_id in ids[:3]:
                started = time.perf_counter()
                tab.goto(f"{dashboard_url}/client/{client_id}")
                tab.wait_for_function(READY_JS, arg=[CLIENT_PANELS, str(client_id)], timeout=60_000)
                cold.append(time.perf_counter() - started)
            selected: list[float] = []
            for client_id in ids[1:]:
                type_in_search(tab, str(client_id)[:-1])
                option = tab.locator(
                    ".dash-dropdown-content [role=option]", has_text=str(client_id)
                )
                option.wait_for(timeout=20_000)
                started = time.perf_counter()
                option.click()
                tab.wait_for_function(READY_JS, arg=[CLIENT_PANELS, str(client_id)], timeout=60_000)
                selected.append(time.perf_counter() - started)
            browser.close()

        print(f"cold page load to fully rendered: {', '.join(f'{c:.2f}' for c in cold)} s")
        print(
            "select client -> fully rendered view: "
            f"median {statistics.median(selected):.3f} s, p90 {percentile(selected, 0.9):.3f} s, "
            f"max {max(selected):.3f} s over {len(selected)} clients (target < 1.5 s)"
        )
        return 0
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
