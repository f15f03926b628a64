"""The assembled app: serves its page with debug off, every callback ID exists in some page,
and the dashboard never imports the model stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import responses
from dash import Dash
from dashboard_auth_helpers import csrf_headers, shared_accounts, sign_in
from dashboard_payloads import API, KEY, prediction, walk

from dashboard.api_client import ApiClient
from dashboard.app import create_app
from dashboard.layout.pages import app_shell, page_for
from dashboard.routing import Route
from shared.contract import Prediction
from shared.settings import DashboardSettings

ROOT = Path(__file__).resolve().parents[1]


def make_app() -> Dash:
    settings = DashboardSettings(
        api_url=API, api_key=KEY, language="en", users_file=shared_accounts()
    )
    return create_app(settings)


def test_index_page_is_served_in_the_configured_language() -> None:
    client = make_app().server.test_client()
    sign_in(client)
    response = client.get("/client/100002")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html
    assert "style.css" in html


def test_debug_is_off() -> None:
    app = make_app()
    assert not app.server.debug
    assert app.config.get("suppress_callback_exceptions") is True


def _ids(tree: object) -> set[str]:
    found = set()
    for node in walk(tree):
        component_id = getattr(node, "id", None)
        if isinstance(component_id, str):
            found.add(component_id)
    return found


def test_every_callback_id_exists_in_the_shell_or_a_page() -> None:
    """Catches a renamed component that a callback still listens to."""
    app = make_app()
    known = _ids(app_shell("fr"))
    pages = (
        Route("home"),
        Route("client", 1),
        Route("compare", 1),
        Route("model"),
        Route("governance"),
        Route("card"),
    )
    for route in pages:
        known |= _ids(page_for(route, "fr")[0])
    # Components the callbacks create (what-if fields use pattern-matching IDs, not strings).
    known |= {"decision-panel", "reasons-panel", "whatif-loan"}
    referenced = set()
    for callback in app.callback_map.values():
        for dependency in [*callback["inputs"], *callback["state"]]:
            referenced.add(dependency["id"])
    for output in app.callback_map:
        for part in output.strip(".").split("..."):
            referenced.add(part.rsplit(".", 1)[0])
    string_ids = {i for i in referenced if not i.startswith("{")}
    assert string_ids - known == set()


def test_dashboard_never_imports_the_model_stack() -> None:
    code = (
        "import sys; import dashboard.app, dashboard.callbacks.client_page;"
        "bad = [m for m in ('lightgbm', 'shap', 'polars', 'training', 'api') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


class _BrokenApi(ApiClient):
    """An API client with a bug: raises something other than ApiError."""

    def predict(self, client_id: int) -> Prediction:
        raise RuntimeError("secret internal detail")


def test_an_unexpected_error_never_sends_a_traceback_to_the_page() -> None:
    settings = DashboardSettings(api_url=API, api_key=KEY, users_file=shared_accounts())
    app = create_app(settings, api=_BrokenApi(API, KEY))
    body = {
        "output": "decision-panel.children",
        "outputs": {"id": "decision-panel", "property": "children"},
        "inputs": [
            {"id": "page-state", "property": "data", "value": {"client_id": 1, "language": "fr"}},
            {"id": "api-status", "property": "data", "value": {"up": True}},
        ],
        "changedPropIds": ["page-state.data"],
        "state": [],
    }
    client = app.server.test_client()
    sign_in(client)
    response = client.post("/_dash-update-component", json=body, headers=csrf_headers(client))
    assert response.status_code == 500
    # Control: the same request with a working API is answered (so the 500 is the bug's).
    working = create_app(settings).server.test_client()
    sign_in(working)
    with responses.RequestsMock() as mocked:
        mocked.post(f"{API}/v1/predict", json=prediction(0.2))
        ok = working.post("/_dash-update-component", json=body, headers=csrf_headers(working))
    assert ok.status_code == 200 and "decision-panel" in ok.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internal detail" not in text


def test_dashboard_command_rejects_a_bad_api_url(capsys) -> None:
    import argparse

    from dashboard import server as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    assert command.run(parser.parse_args(["--api-url", "ftp://example"])) == 2
    error = capsys.readouterr().err
    assert "scoring dashboard: error: invalid dashboard settings: api_url" in error


def test_dashboard_command_serves_with_the_flags(monkeypatch) -> None:
    import argparse

    import waitress

    from dashboard import server as command

    served: dict[str, object] = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(kw, app=app))
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(
        ["--api-url", "http://127.0.0.1:9", "--host", "0.0.0.0", "--port", "8123"]
    )
    assert command.run(args) == 0
    assert served["host"] == "0.0.0.0" and served["port"] == 8123
