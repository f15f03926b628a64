"""Starting the advisor dashboard: `python -m dashboard` and `scoring dashboard` share this.

It lives in the dashboard package so that the dashboard image starts the service without the
training command line: the dashboard talks to the API over HTTP only and must never import the
training code (its image does not even contain LightGBM or Polars). This module's top level
imports nothing heavy, so `--help` is instant.
"""

from __future__ import annotations

import argparse


class StartupError(Exception):
    """The dashboard cannot start (bad settings): one message, exit status 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-url", help="scoring API base URL (default: SCORING_API_URL or http://127.0.0.1:8000)"
    )
    parser.add_argument(
        "--host", help="interface to listen on (default: SCORING_DASHBOARD_HOST or 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, help="port (default: SCORING_DASHBOARD_PORT or 8050)")
    parser.add_argument("--language", choices=["fr", "en"], help="interface language on first load")


def serve(args: argparse.Namespace) -> int:
    """Run the dashboard until it is stopped; StartupError when it cannot start."""
    from pydantic import ValidationError

    from dashboard.app import create_app
    from shared.settings import DashboardSettings

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
        raise StartupError(f"invalid dashboard settings: {problems}") from None
    app = create_app(settings)
    print(
        f"dashboard on http://{settings.host}:{settings.port}/ (API {settings.api_url})",
        flush=True,
    )
    # Waitress (a production WSGI server, pure Python) rather than Flask's development server;
    # its threads answer the panels' callbacks in parallel. Debug mode is never switched on.
    from waitress import serve as waitress_serve

    waitress_serve(
        app.server, host=settings.host, port=settings.port, threads=16, ident="dashboard"
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the service; a start-up failure is one message on stderr and exit status 2.

    `scoring dashboard` (the `scoring` command line dispatches here) and `python -m dashboard`
    (`main`) both end up here; `args._prog` names the one used in messages.
    """
    import sys

    prog = getattr(args, "_prog", "scoring dashboard")
    try:
        return serve(args)
    except StartupError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """`python -m dashboard [options]`: the same options as `scoring dashboard`."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard", description="run the advisor dashboard (talks to the API)"
    )
    add_arguments(parser)
    parser.set_defaults(_prog="python -m dashboard")
    try:
        return run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130
