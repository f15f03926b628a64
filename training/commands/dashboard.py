"""`scoring dashboard`: the advisor dashboard, talking to a running scoring API over HTTP."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url", help="scoring API base URL (default: SCORING_API_URL or http://127.0.0.1:8000)"
    )
    parser.add_argument(
        "--host", help="interface to listen on (default: SCORING_DASHBOARD_HOST or 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, help="port (default: SCORING_DASHBOARD_PORT or 8050)")
    parser.add_argument("--language", choices=["fr", "en"], help="interface language on first load")


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from dashboard.app import create_app
    from shared.settings import DashboardSettings
    from training.errors import UserFacingError

    overrides = {
        name: value
        for name, value in (
            ("api_url", args.api_url),
            ("host", args.host),
            ("port", args.port),
            ("language", args.language),
        )
        if value is not None
    }
    try:
        settings = DashboardSettings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise UserFacingError(f"invalid dashboard settings: {problems}") from None
    app = create_app(settings)
    print(
        f"dashboard on http://{settings.host}:{settings.port}/ (API {settings.api_url})",
        flush=True,
    )
    # Waitress (a production WSGI server, pure Python) rather than Flask's development server;
    # its threads answer the panels' callbacks in parallel. Debug mode is never switched on.
    from waitress import serve

    serve(app.server, host=settings.host, port=settings.port, threads=16, ident="dashboard")
    return 0
