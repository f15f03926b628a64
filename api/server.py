"""Starting the scoring API under uvicorn: `python -m api` and `scoring serve` share this.

Flags override the SCORING_* environment (ApiSettings). The bundle is verified and loaded here,
before uvicorn starts, so a missing or altered bundle stops the command with the BundleError's
message and exit status 2 instead of a server that never becomes ready. With one worker the
loaded bundle is handed to the app factory (loaded once); with several, each worker process
loads its own copy through `api.app:create_app` and the overrides reach the workers through
their environment (this module writes SCORING_* variables; only ApiSettings reads them).

It lives in the API package, not in the `scoring` command line, so the API image starts the
service without going through the training command line (`python -m api`); this module's top
level imports nothing heavy, so `--help` is instant.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


class StartupError(Exception):
    """The service cannot start (bad settings, unusable bundle): one message, exit status 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", type=Path, default=None, help="bundle folder (default: SCORING_MODEL_DIR)"
    )
    parser.add_argument("--host", default=None, help="interface (default: SCORING_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (default: SCORING_PORT)")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes (default: SCORING_WORKERS)"
    )
    parser.add_argument(
        "--audit-db", type=Path, default=None, help="SQLite audit trail (default: SCORING_AUDIT_DB)"
    )
    parser.add_argument(
        "--log-level", default=None, help="critical|error|warning|info|debug (SCORING_LOG_LEVEL)"
    )


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's loggers plus ours; uvicorn's access log is off (it would log client IDs)."""
    handler = {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "api": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
        },
    }


def serve(args: argparse.Namespace, *, prog: str = "python -m api") -> int:
    """Run the API until it is stopped; StartupError when it cannot start."""
    import logging.config
    import os
    import sys

    import uvicorn
    from pydantic import ValidationError

    from api.storage import DatabaseError
    from shared.bundle import BundleError, load_bundle
    from shared.settings import ApiSettings

    overrides = {
        "model_dir": args.model,
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "audit_db": args.audit_db,
        "log_level": args.log_level,
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = ApiSettings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise StartupError(f"invalid API settings: {problems}") from error
    if not settings.key_table():
        print(
            f"{prog}: warning: no API key configured (SCORING_API_KEYS=name:key,...); "
            "every /v1 request will be refused",
            file=sys.stderr,
        )
    common = {
        "host": settings.host,
        "port": settings.port,
        "log_config": log_config(settings.log_level),
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,
    }
    # The same logging before uvicorn starts, so that what loading says (the bundle, where the
    # records go) is shown too.
    logging.config.dictConfig(common["log_config"])
    try:
        if settings.workers == 1:
            from api.app import create_app, load_service

            service = load_service(settings)
            uvicorn.run(lambda: create_app(settings, service=service), factory=True, **common)
        else:
            load_bundle(settings.model_dir)
            for name, value in overrides.items():
                os.environ[f"SCORING_{name.upper()}"] = str(value)
            uvicorn.run("api.app:create_app", factory=True, workers=settings.workers, **common)
    except BundleError as error:
        raise StartupError(f"cannot serve the bundle: {error}") from error
    except DatabaseError as error:  # its message names the database with the password redacted
        raise StartupError(str(error)) from None
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the service; a start-up failure is one message on stderr and exit status 2.

    `scoring serve` (the `scoring` command line dispatches here) and `python -m api` (`main`) both
    end up here; `args._prog` names the one used in messages.
    """
    import sys

    prog = getattr(args, "_prog", "scoring serve")
    try:
        return serve(args, prog=prog)
    except StartupError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """`python -m api [options]`: the same options as `scoring serve`."""
    parser = argparse.ArgumentParser(
        prog="python -m api", description="run the scoring API (FastAPI under uvicorn)"
    )
    add_arguments(parser)
    parser.set_defaults(_prog="python -m api")
    try:
        return run(parser.parse_args(argv))
    except KeyboardInterrupt:
        return 130
