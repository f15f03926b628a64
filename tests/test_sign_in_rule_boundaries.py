"""Sign-in and identity rules the rest of the suite did not pin down (found by injecting bugs):
the lockout forgets a name's failures after a success or after its duration and does not
depend on case or spaces; the decisions summary is an export for the risk role; a repeated
X-Scoring-User header is refused rather than read one way or the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_auth_helpers import shared_accounts, sign_in
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import ApiError
from api.identity import Policy, required_scope
from dashboard.app import create_app as create_dashboard
from dashboard.auth.guard import Authenticator
from dashboard.auth.roles import Role
from dashboard.auth.sessions import Lockout
from shared.settings import ApiSettings, DashboardSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------- lockout


def test_a_success_clears_the_failures_of_the_name() -> None:
    """Guards against `succeeded` not resetting the count: four failures, a success, then four
    more must not lock (only five in a row do)."""
    lockout = Lockout(5, 300, clock=Clock())
    for _ in range(4):
        lockout.failed("alice")
    lockout.succeeded("alice")
    for _ in range(4):
        lockout.failed("alice")
    assert not lockout.locked("alice")
    lockout.failed("alice")
    assert lockout.locked("alice")


def test_failures_older_than_the_lock_duration_are_forgotten() -> None:
    """Guards against failures piling up forever: four failures, then one more after the lock
    duration, is not five in a row."""
    clock = Clock()
    lockout = Lockout(5, 300, clock=clock)
    for _ in range(4):
        lockout.failed("alice")
    clock.now += 301
    lockout.failed("alice")
    assert not lockout.locked("alice")


def test_case_and_spaces_do_not_give_a_name_fresh_attempts() -> None:
    """Guards against the lockout keyed by the raw text typed: 'Alice', ' alice ' and 'ALICE'
    count against the same name."""
    lockout = Lockout(3, 300, clock=Clock())
    for typed in ("Alice", " alice ", "ALICE"):
        lockout.failed(typed)
    assert lockout.locked("alice")


def test_signing_in_resets_the_lockout_over_http() -> None:
    """The same rule through the sign-in form: a person who mistypes four times, signs in,
    and later mistypes four times again can still sign in."""
    config = DashboardSettings(
        api_url="http://127.0.0.1:9", users_file=shared_accounts(), language="en"
    )
    app = create_dashboard(config, authenticator=Authenticator(config, clock=Clock()))
    for _ in range(2):  # a fresh browser each time: a signed-in one skips the form
        client = app.server.test_client()
        for _ in range(4):
            assert sign_in(client, Role.ADVISOR, password="wrong password 12").status_code == 401
        assert sign_in(client, Role.ADVISOR).status_code == 303


# --------------------------------------------------------------------------- API identity

DASHBOARD = "dashboard-key-0001"  # trusted front-end
ADVISOR_APP = "advisor-key-00001"  # score + clients: records decisions, exports nothing
KEYS = f"dashboard:{DASHBOARD},advisorapp:{ADVISOR_APP}"
SCOPES = "dashboard:score+clients+audit,advisorapp:score+clients"


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[TestClient]:
    """No bundle: admitted requests get 503, refused ones a 4xx from the admission layer."""
    settings = ApiSettings(
        model_dir=Path("models"),
        audit_db=tmp_path / "a.sqlite",
        api_keys=KEYS,
        api_key_scopes=SCOPES,
        trusted_frontends="dashboard",
    )
    with TestClient(create_app(settings, load=False)) as client:
        yield client


def test_the_decisions_summary_is_an_export_for_the_risk_role(gate: TestClient) -> None:
    """Guards against /v1/decisions/summary falling under the 'clients' scope: it aggregates
    every advisor's overrides, like the export of /v1/decisions."""
    assert required_scope("GET", "/v1/decisions/summary") == "audit"
    path = "/v1/decisions/summary"
    assert gate.get(path, headers={"X-API-Key": ADVISOR_APP}).status_code == 403
    dashboard = {"X-API-Key": DASHBOARD, "X-Scoring-User": "someone"}
    assert gate.get(path, headers={**dashboard, "X-Scoring-Roles": "advisor"}).status_code == 403
    assert gate.get(path, headers={**dashboard, "X-Scoring-Roles": "risk"}).status_code == 503


def test_a_repeated_user_header_is_refused() -> None:
    """Guards against a second X-Scoring-User (or X-Scoring-Roles) header being tolerated:
    which of two names would reach the audit trail must never be a guess."""
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
