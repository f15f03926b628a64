"""`scoring serve` as a real uvicorn process: start-up, requests, refusal of a bad bundle, and the
audit trail surviving a kill -9 in the middle of a load."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _kill_test_module():
    spec = importlib.util.spec_from_file_location(
        "audit_kill_test", ROOT / "bench/audit_kill_test.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


kill_test = _kill_test_module()


def test_serve_answers_and_keeps_keys_and_ids_out_of_its_log(
    sample_bundle: Path, tmp_path: Path
) -> None:
    server = kill_test.start_server(sample_bundle, tmp_path)
    try:
        client_id = kill_test.client_ids(sample_bundle, limit=1)[0]
        headers = {"X-API-Key": kill_test.KEY}
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert client.get("/health").json() == {"status": "ok"}
            assert client.post("/v1/predict", json={"client_id": client_id}).status_code == 401
            response = client.post("/v1/predict", json={"client_id": client_id}, headers=headers)
            assert response.status_code == 200
            assert response.json()["client_id"] == client_id
            explained = client.post("/v1/explain", json={"client_id": client_id}, headers=headers)
            assert explained.json()["reasons"]
            assert client.get(f"/v1/clients/{client_id}", headers=headers).status_code == 200
            assert "server" not in response.headers  # no uvicorn banner
    finally:
        server.process.terminate()
        server.process.wait(timeout=20)
    log = server.log()
    assert "POST /v1/predict 200" in log  # our access log is on...
    assert kill_test.KEY not in log  # ...but never with the key
    assert str(client_id) not in log  # ...nor the client's ID
    assert kill_test.audited(server.audit_db).total() == 2


def _serve(model_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "training.cli", "serve", "--model", str(model_dir),
         "--port", str(kill_test.free_port()), "--audit-db", str(tmp_path / "a.sqlite")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_altered_bundle_stops_start_up_with_a_clear_message(
    sample_bundle: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "models"
    shutil.copytree(sample_bundle, copy)
    version = (copy / "current").read_text().strip()
    with (copy / version / "reference.json").open("a") as handle:
        handle.write(" ")
    result = _serve(copy, tmp_path)
    assert result.returncode == 2
    assert "hash mismatch for reference.json" in result.stderr
    assert "Traceback" not in result.stderr


def _raise_threshold(folder: Path) -> None:
    manifest = folder / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw["threshold"] = 0.954
    manifest.write_text(json.dumps(raw, indent=2))


def _add_unlisted_file(folder: Path) -> None:
    (folder / "notes.txt").write_text("dropped here by hand")


def _link_version_folder(folder: Path) -> None:
    real = folder.parent.parent / "elsewhere"
    folder.rename(real)
    folder.symlink_to(real, target_is_directory=True)


@pytest.mark.parametrize(
    ("alter", "message"),
    [
        (_raise_threshold, "manifest.json in bundle"),
        (_add_unlisted_file, "file notes.txt in bundle"),
        (_link_version_folder, "is a symbolic link"),
    ],
    ids=["threshold edited", "unlisted file", "symlinked version"],
)
def test_untrustworthy_bundle_stops_start_up(
    sample_bundle: Path, tmp_path: Path, alter: Callable[[Path], None], message: str
) -> None:
    copy = tmp_path / "models"
    shutil.copytree(sample_bundle, copy)
    alter(copy / (copy / "current").read_text().strip())
    result = _serve(copy, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_bundle_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _serve(tmp_path / "empty", tmp_path)
    assert result.returncode == 2
    assert "no bundle in" in result.stderr and "current" in result.stderr


@pytest.mark.slow
def test_every_decision_received_survives_a_kill_during_load(sample_bundle: Path) -> None:
    result = kill_test.run(sample_bundle, threads=6, kill_after=1.5)
    assert result["received"] > 50
    assert result["missing"] == 0
    assert result["audited"] >= result["received"]
