"""Two API processes (`python -m api`, real uvicorn) on one PostgreSQL database, as replicas on
two hosts would be: both killed with SIGKILL mid-load, and every decision a caller received is
in the audit trail (bench/audit_kill_test.py does the work)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parents[1]


def _kill_test_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "audit_kill_test", ROOT / "bench/audit_kill_test.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_two_api_processes_on_postgresql_lose_no_audit_record_under_kill_9(
    sample_bundle: Path, postgres_url: str, postgres_server: PostgresServer
) -> None:
    result = _kill_test_module().run(
        sample_bundle, threads=8, kill_after=3.0, database_url=postgres_url, processes=2
    )
    assert result["received"] > 50
    assert result["fewest_per_server"] > 10  # both processes were serving when killed
    assert result["missing"] == 0, result
    assert result["audited"] >= result["received"]
    assert "records kept in postgresql://scoring:***@127.0.0.1" in result["logs"]
    password = postgres_server.password
    assert password not in result["logs"] and quote(password, safe="") not in result["logs"]
