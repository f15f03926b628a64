"""API keys with scopes, the signed-in person forwarded by a trusted front-end, the
client-access log and recorded exports, security headers and /docs without a CDN."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from api.audit import AuditLog, Entry, connect
from api.dependencies import ServiceState
from api.errors import ApiError
from api.identity import Policy, current_user, required_scope, set_current_user
from shared.settings import ApiSettings

DASHBOARD = "dashboard-key-0001"  # trusted front-end: score, clients, audit
BATCH = "batch-key-000001"  # score only
LEGACY = "legacy-key-00001"  # not listed: the default scopes (all)
KEYS = f"dashboard:{DASHBOARD},batch:{BATCH},legacy:{LEGACY}"
SCOPES = "dashboard:score+clients+audit,batch:score"


def settings_for(audit_db: Path, model_dir: Path = Path("models"), **extra: object) -> ApiSettings:
    return ApiSettings(
        model_dir=model_dir,
        audit_db=audit_db,
        api_keys=KEYS,
        api_key_scopes=SCOPES,
        trusted_frontends="dashboard",
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[TestClient]:
    """No bundle loaded: a request the admission layer lets through gets 503, a refused one
    gets 4xx from the layer itself, which is what these tests tell apart."""
    with TestClient(create_app(settings_for(tmp_path / "a.sqlite"), load=False)) as client:
        yield client


def who(user: str, roles: str) -> dict[str, str]:
    return {"X-Scoring-User": user, "X-Scoring-Roles": roles}


def test_scopes_of_each_route() -> None:
    assert required_scope("POST", "/v1/predict") == "score"
    assert required_scope("GET", "/v1/clients/100002") == "clients"
    assert required_scope("POST", "/v1/decisions") == "clients"
    assert required_scope("GET", "/v1/decisions") == "audit"
    assert required_scope("GET", "/v1/decisions/summary") == "audit"
    assert required_scope("GET", "/v1/audit") == "audit"
    assert required_scope("GET", "/v1/audit/access") == "audit"
    assert required_scope("GET", "/metrics") == "admin"
    assert required_scope("GET", "/health") is None


@pytest.mark.parametrize(
    ("key", "path", "status"),
    [
        (BATCH, "/v1/model", 503),  # score: admitted (then no bundle)
        (BATCH, "/v1/clients?limit=1", 403),
        (BATCH, "/v1/audit", 403),
        (BATCH, "/v1/decisions", 403),
        (BATCH, "/metrics", 403),
        (DASHBOARD, "/v1/audit", 503),
        (DASHBOARD, "/metrics", 403),
        (LEGACY, "/v1/audit", 503),  # unlisted key: every scope, as before scopes existed
    ],
)
def test_a_key_reaches_only_its_scopes(gate: TestClient, key: str, path: str, status: int) -> None:
    answer = gate.get(path, headers={"X-API-Key": key})
    assert answer.status_code == status, answer.text
    if status == 403:
        assert "lacks the scope" in answer.json()["error"]["message"]


def test_only_a_trusted_front_end_may_name_the_person(gate: TestClient) -> None:
    forged = gate.get("/v1/model", headers={"X-API-Key": LEGACY, **who("alice", "advisor")})
    assert forged.status_code == 403
    assert "not a trusted front-end" in forged.json()["error"]["message"]
    trusted = gate.get("/v1/model", headers={"X-API-Key": DASHBOARD, **who("alice", "advisor")})
    assert trusted.status_code == 503
    bad = gate.get("/v1/model", headers={"X-API-Key": DASHBOARD, **who("<script>", "advisor")})
    assert bad.status_code == 400
    role = gate.get("/v1/model", headers={"X-API-Key": DASHBOARD, **who("alice", "boss")})
    assert role.status_code == 400


def test_exports_are_for_the_risk_role_and_client_files_for_advisors(gate: TestClient) -> None:
    def status(path: str, roles: str) -> int:
        headers = {"X-API-Key": DASHBOARD, **who("someone", roles)}
        return gate.get(path, headers=headers).status_code

    assert status("/v1/audit/access", "advisor") == 403
    assert status("/v1/audit/access", "risk") == 503
    assert status("/v1/audit", "admin") == 503
    assert status("/v1/decisions", "advisor") == 403
    assert status("/v1/clients/100002", "risk") == 403
    assert status("/v1/clients/100002", "advisor") == 503


def test_the_decisions_summary_is_an_export_for_the_risk_role(gate: TestClient) -> None:
    """It aggregates every advisor's overrides, like the export (under the `clients` scope an
    advisor could read it, which got through the suite)."""
    path, key = "/v1/decisions/summary", {"X-API-Key": DASHBOARD}
    assert gate.get(path, headers={**key, **who("someone", "advisor")}).status_code == 403
    assert gate.get(path, headers={**key, **who("someone", "risk")}).status_code == 503


def test_a_repeated_person_header_is_refused() -> None:
    """Which of two names reaches the audit trail must never be a guess."""
    policy = Policy({}, frozenset({"score", "clients", "audit"}), frozenset({"dashboard"}))
    one = [(b"x-scoring-user", b"alice"), (b"x-scoring-roles", b"advisor")]
    assert policy.admit("dashboard", "POST", "/v1/predict", one).user == "alice"
    for doubled in (
        [*one, (b"x-scoring-user", b"mallory")],
        [*one, (b"x-scoring-roles", b"admin")],
    ):
        with pytest.raises(ApiError) as refused:
            policy.admit("dashboard", "POST", "/v1/predict", doubled)
        assert refused.value.status == 400


def test_security_headers_and_no_cdn_docs(gate: TestClient) -> None:
    answer = gate.get("/v1/model", headers={"X-API-Key": BATCH})
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    refused = gate.get("/v1/model")
    assert refused.status_code == 401 and refused.headers["X-Frame-Options"] == "DENY"
    docs = gate.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "<script>" not in docs.text
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"):
        assert gate.get(asset).status_code == 200
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
    assert gate.get("/redoc").status_code == 404
    assert gate.get("/openapi.json").status_code == 200  # the contract is public


def test_docs_can_be_turned_off(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path / "a.sqlite", api_docs=False), load=False)
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 404


def test_audit_entries_take_the_person_from_the_request_context(tmp_path: Path) -> None:
    from contextvars import copy_context

    def entry() -> Entry:
        return Entry("predict", "v1", "dashboard", 1, None, 0.1, "grant", 0.5, 1.0)

    def as_alice() -> Entry:
        set_current_user("alice")
        assert current_user() == "alice"
        return entry()

    assert copy_context().run(as_alice).user == "alice"
    assert copy_context().run(entry).user is None  # a machine caller's request
    log = AuditLog(tmp_path / "audit.sqlite")
    try:
        log.record([copy_context().run(as_alice)])
    finally:
        log.close()
    row = sqlite3.connect(tmp_path / "audit.sqlite").execute("SELECT user FROM served").fetchone()
    assert row == ("alice",)


def test_an_audit_file_of_the_previous_release_gets_the_user_column(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE served (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, "
        "endpoint TEXT NOT NULL, model_version TEXT NOT NULL, caller TEXT NOT NULL, "
        "client_id INTEGER, payload_sha256 TEXT, probability REAL NOT NULL, "
        "decision TEXT NOT NULL, threshold REAL NOT NULL, latency_ms REAL NOT NULL);"
        "INSERT INTO served VALUES (1, '2025-01-01T00:00:00+00:00', 'predict', 'v0', 'k', 7, "
        "NULL, 0.2, 'grant', 0.5, 3.0);"
    )
    old.close()
    connect(path).close()
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(served)")]
    assert columns[-1] == "user"


# --------------------------------------------------------------------------- with a bundle


@pytest.fixture(scope="module")
def served(
    sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, ServiceState]]:
    settings = settings_for(tmp_path_factory.mktemp("identity") / "audit.sqlite", sample_bundle)
    service = load_service(settings)
    try:
        with TestClient(create_app(settings, service=service)) as client:
            yield client, service
    finally:
        service.close()


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line]


def test_who_did_what_is_recorded_and_exported_to_risk_only(
    served: tuple[TestClient, ServiceState],
) -> None:
    client, _ = served
    dashboard = {"X-API-Key": DASHBOARD}
    client_id = client.get("/v1/clients?limit=1", headers=dashboard).json()["client_ids"][0]
    alice = {**dashboard, **who("alice", "advisor")}
    opened = client.get(f"/v1/clients/{client_id}", headers=alice)
    assert opened.status_code == 200 and opened.headers["Cache-Control"] == "no-store"
    assert client.post("/v1/predict", json={"client_id": client_id}, headers=alice).is_success
    summary = client.get(f"/v1/clients/{client_id}/summary?format=html", headers=alice)
    assert summary.status_code == 200, summary.text
    model_decision = client.post(
        "/v1/predict", json={"client_id": client_id}, headers=alice
    ).json()["decision"]
    decided = client.post(
        "/v1/decisions",
        json={"client_id": client_id, "final_decision": model_decision, "comment": ""},
        headers=alice,
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["user"] == "alice"
    # A batch system's call names nobody.
    assert client.post(
        "/v1/predict", json={"client_id": client_id}, headers={"X-API-Key": BATCH}
    ).is_success

    rita = {**dashboard, **who("rita", "risk")}
    audit = jsonl(client.get("/v1/audit", headers=rita).text)
    predictions = [r for r in audit if r["endpoint"] == "predict" and r["client_id"] == client_id]
    assert [r["user"] for r in predictions][-3:] == ["alice", "alice", None]
    summaries = [r["user"] for r in audit if r["endpoint"] == "summary"]
    assert summaries == ["alice"]
    decisions = jsonl(client.get("/v1/decisions", headers=rita).text)
    assert decisions[-1]["user"] == "alice"

    access = jsonl(client.get("/v1/audit/access", headers=rita).text)
    opens = [r for r in access if r["action"] == "client.open"]
    assert opens[-1]["user"] == "alice" and opens[-1]["client_id"] == client_id
    (summary_row,) = [r for r in access if r["action"] == "client.summary"]
    assert summary_row["user"] == "alice" and summary_row["detail"] == "lang=fr format=html"
    exports = [(r["action"], r["user"]) for r in access if r["action"].startswith("export.")]
    assert exports == [
        ("export.audit", "rita"),
        ("export.decisions", "rita"),
        ("export.access", "rita"),  # the export being read is already in it
    ]
    assert client.get("/v1/audit/access", headers=alice).status_code == 403
    csv_text = client.get("/v1/audit/access?format=csv", headers=rita).text
    assert csv_text.splitlines()[0] == "id,time,caller,user,action,client_id,detail"
