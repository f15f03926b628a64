"""Governance endpoints on the session's sample bundle: fairness, model card, live drift after
predictions, the advisors' decisions recorded then exported (and surviving a restart), with the
records in SQLite and in PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from api.dependencies import ServiceState
from shared.governance import REASON_CODES
from shared.settings import ApiSettings

KEY = "governance-key-0123456789"
HEADERS = {"X-API-Key": KEY}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def settings(
    request: pytest.FixtureRequest, sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> ApiSettings:
    """The records in a SQLite file, then in PostgreSQL (tests/postgres_server.py)."""
    database_url = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = server.create_database()
        request.addfinalizer(lambda: server.drop_database(name))
        database_url = server.url(name)
    return ApiSettings(
        model_dir=sample_bundle,
        audit_db=tmp_path_factory.mktemp("governance-audit") / "audit.sqlite",
        database_url=database_url,
        api_keys=f"risk-office:{KEY}",
    )


@pytest.fixture(scope="module")
def service(settings: ApiSettings) -> Iterator[ServiceState]:
    loaded = load_service(settings)
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def client(settings: ApiSettings, service: ServiceState) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service=service)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def client_ids(client: TestClient) -> list[int]:
    found = client.get("/v1/clients", params={"prefix": "1", "limit": 50}, headers=HEADERS)
    return [int(i) for i in found.json()["client_ids"]]


def test_every_governance_route_needs_a_key(client: TestClient) -> None:
    for path in (
        "/v1/model/fairness",
        "/v1/model/card",
        "/v1/monitoring/drift",
        "/v1/decisions/reasons",
        "/v1/decisions",
    ):
        assert client.get(path).status_code == 401, path
    assert client.post("/v1/decisions", json={}).status_code == 401


def test_fairness_names_code_gender_and_its_groups(client: TestClient) -> None:
    answer = client.get("/v1/model/fairness", headers=HEADERS)
    assert answer.status_code == 200
    report = answer.json()
    gender = next(a for a in report["attributes"] if a["attribute"] == "CODE_GENDER")
    assert {g["group"] for g in gender["groups"]} >= {"F", "M"}
    assert "disparate_impact" in gender and "tpr_gap" in gender
    assert report["predictions"] == "out-of-fold"


def test_model_card_in_markdown_and_html(client: TestClient, service: ServiceState) -> None:
    md = client.get("/v1/model/card", headers=HEADERS)
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    auc = service.scorer.manifest.metrics["model"].roc_auc
    assert "`CODE_GENDER`" in md.text and f"{auc:.4f}" in md.text
    page = client.get("/v1/model/card", params={"format": "html"}, headers=HEADERS)
    assert page.headers["content-type"].startswith("text/html")
    assert "<h2>Fairness and proxy check</h2>" in page.text and "<script" not in page.text
    assert client.get("/v1/model/card?format=pdf", headers=HEADERS).status_code == 422


def test_live_drift_answers_after_predictions(
    client: TestClient, service: ServiceState, client_ids: list[int]
) -> None:
    for start in range(0, 40, 10):
        body = {"items": [{"client_id": c} for c in client_ids[start : start + 10]]}
        assert client.post("/v1/predict", json=body, headers=HEADERS).status_code == 200
    explained = client.post("/v1/explain", json={"client_id": client_ids[45]}, headers=HEADERS)
    assert explained.status_code == 200
    # Monitored rows are queued without waiting: wait until the writer has committed them.
    asyncio.run(service.audit.write_async([]))
    answer = client.get("/v1/monitoring/drift", headers=HEADERS)
    assert answer.status_code == 200
    report = answer.json()
    assert report["n"] == 41 and report["source"] == "live"
    assert report["status"] in ("ok", "watch", "act") and report["low_sample"] is True
    assert report["estimate"]["is_estimate"] is True
    names = [f["name"] for f in report["features"]]
    assert names and set(names) <= set(service.scorer.feature_names)
    extra = service.scorer.feature_names[-1]
    asked = client.get("/v1/monitoring/drift", params={"feature": extra}, headers=HEADERS)
    assert extra in [f["name"] for f in asked.json()["features"]]
    unknown = client.get("/v1/monitoring/drift", params={"feature": "NOPE"}, headers=HEADERS)
    assert unknown.status_code == 404
    history = client.get("/v1/monitoring/drift/history", headers=HEADERS).json()
    assert sum(p["n"] for p in history["points"]) == 41


def test_reason_codes_are_listed_in_both_languages(client: TestClient) -> None:
    answer = client.get("/v1/decisions/reasons", headers=HEADERS).json()
    assert answer == [r.model_dump() for r in REASON_CODES]
    assert all(set(r) == {"code", "label_fr", "label_en"} for r in answer)


def test_a_posted_decision_is_exported_back(client: TestClient, client_ids: list[int]) -> None:
    target = client_ids[5]
    model = client.post("/v1/predict", json={"client_id": target}, headers=HEADERS).json()
    other = "grant" if model["decision"] == "refuse" else "refuse"
    refused = client.post(
        "/v1/decisions", json={"client_id": target, "final_decision": other}, headers=HEADERS
    )
    assert refused.status_code == 422
    fields = {d["field"] for d in refused.json()["error"]["details"]}
    assert fields == {"reason_code", "comment"}
    unknown_reason = client.post(
        "/v1/decisions",
        json={"client_id": target, "final_decision": other, "reason_code": "vibes"},
        headers=HEADERS,
    )
    assert unknown_reason.status_code == 422
    body = {
        "client_id": target,
        "final_decision": other,
        "reason_code": "relationship_history",
        "comment": "client for 12 years, never late",
    }
    recorded = client.post("/v1/decisions", json=body, headers=HEADERS)
    assert recorded.status_code == 201
    record = recorded.json()
    assert record["override"] is True and record["caller"] == "risk-office"
    assert record["model_decision"] == model["decision"]
    assert record["probability"] == pytest.approx(model["probability"])
    assert record["model"] == model["model"] and record["model_version"] == model["model_version"]
    follow = client.post(
        "/v1/decisions",
        json={"client_id": target, "final_decision": model["decision"]},
        headers=HEADERS,
    )
    assert follow.status_code == 201 and follow.json()["override"] is False
    lines = client.get("/v1/decisions", headers=HEADERS).text.splitlines()
    exported = [json.loads(line) for line in lines]
    assert record in exported
    table = client.get("/v1/decisions", params={"format": "csv"}, headers=HEADERS)
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert any(r["id"] == record["id"] and r["reason_code"] == "relationship_history" for r in rows)
    summary = client.get("/v1/decisions/summary", headers=HEADERS).json()
    assert summary["overrides"] >= 1 and summary["total"] >= 2
    assert {c["key"] for c in summary["by_direction"]} == {"grant", "refuse"}
    missing = client.post(
        "/v1/decisions", json={"client_id": 1, "final_decision": "grant"}, headers=HEADERS
    )
    assert missing.status_code == 404


def test_decisions_survive_a_restart(settings: ApiSettings, client_ids: list[int]) -> None:
    first = load_service(settings)
    try:
        with TestClient(create_app(settings, service=first)) as api:
            body = {"client_id": client_ids[7], "final_decision": "refuse"}
            model = api.post("/v1/predict", json={"client_id": client_ids[7]}, headers=HEADERS)
            body["final_decision"] = model.json()["decision"]
            recorded = api.post("/v1/decisions", json=body, headers=HEADERS).json()
    finally:
        first.close()
    second = load_service(settings)
    try:
        with TestClient(create_app(settings, service=second)) as api:
            lines = api.get("/v1/decisions", headers=HEADERS).text.splitlines()
            assert recorded["id"] in {json.loads(line)["id"] for line in lines}
            drift = api.get("/v1/monitoring/drift", headers=HEADERS).json()
            assert drift["n"] >= 1  # the live window too was kept on disk
    finally:
        second.close()
