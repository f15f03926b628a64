"""Sign-in of the dashboard over HTTP (Flask test client): closed by default, the sign-in form,
CSRF, lockout, idle timeout, roles, cookies and security headers; and the accounts file."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from dashboard_auth_helpers import (
    NAMES,
    PASSWORD,
    csrf_headers,
    login_token,
    shared_accounts,
    sign_in,
    write_accounts,
)

from dashboard.app import create_app
from dashboard.auth.accounts import (
    AccountError,
    PasswordChecker,
    add_account,
    read_accounts,
    remove_account,
)
from dashboard.auth.guard import Authenticator, safe_next
from dashboard.auth.roles import Role
from dashboard.auth.sessions import Lockout
from shared.settings import DashboardSettings

#: Nothing listens there: panels that call the API show their "unreachable" message.
API = "http://127.0.0.1:9"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def make_app(users_file: Path | None = None, clock: Clock | None = None, **settings: Any) -> Dash:
    config = DashboardSettings(
        api_url=API, users_file=users_file or shared_accounts(), language="en", **settings
    )
    return create_app(config, authenticator=Authenticator(config, clock=clock))


def callback(output: str, inputs: list[dict[str, Any]], changed: list[str]) -> dict[str, Any]:
    """A Dash callback request body as the renderer sends it."""
    parts = [p.rsplit(".", 1) for p in output.strip(".").split("...")]
    outputs: Any = [{"id": i, "property": p} for i, p in parts]
    if not output.startswith(".."):
        outputs = outputs[0]
    return {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "changedPropIds": changed,
        "state": [],
    }


PAGE_STATE = {"id": "page-state", "property": "data", "value": {"client_id": 1, "language": "en"}}
API_UP = {"id": "api-status", "property": "data", "value": {"up": True}}
DECISION = callback("decision-panel.children", [PAGE_STATE, API_UP], ["page-state.data"])
MODEL = callback("model-panel.children", [PAGE_STATE, API_UP], ["page-state.data"])
HEALTH = callback(
    "..api-banner.children...api-banner.hidden...api-status.data..",
    [{"id": "health-poll", "property": "n_intervals", "value": 3}],
    ["health-poll.n_intervals"],
)
HEALTH["state"] = [
    {"id": "api-status", "property": "data", "value": {"up": True}},
    {"id": "language", "property": "data", "value": "en"},
]
SEARCH = callback(
    "client-search.options",
    [{"id": "client-search", "property": "search_value", "value": "100"}],
    ["client-search.search_value"],
)
SEARCH["state"] = [{"id": "client-search", "property": "value", "value": None}]


def post_callback(client: Any, body: dict[str, Any], csrf: bool = True) -> Any:
    headers = csrf_headers(client) if csrf else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


# --------------------------------------------------------------------------- closed by default


@pytest.mark.parametrize(
    "path", ["/", "/client/100002", "/client/100002/compare", "/model", "/governance", "/x"]
)
def test_every_page_redirects_to_the_sign_in_page(path: str) -> None:
    response = make_app().server.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "client" not in response.get_data(as_text=True) or path.startswith("/client")


def test_every_dash_endpoint_refuses_without_a_session() -> None:
    client = make_app().server.test_client()
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    assert client.post("/_dash-update-component", json=DECISION).status_code == 401
    # Static files stay public: the sign-in page needs the stylesheet.
    assert client.get("/assets/style.css").status_code == 200


def test_a_wrong_password_opens_nothing_and_reads_like_an_unknown_name() -> None:
    client = make_app().server.test_client()
    wrong = sign_in(client, Role.ADVISOR, password="not-the-password-1")
    assert wrong.status_code == 401
    assert client.get_cookie("scoring_session") is None
    assert client.get("/_dash-layout").status_code == 401
    token = login_token(client)
    unknown = client.post(
        "/login", data={"username": "nobody-here", "password": PASSWORD, "csrf_token": token}
    )
    assert unknown.status_code == 401

    def message(page: Any) -> str:
        found = re.search(r'id="login-message">([^<]+)<', page.get_data(as_text=True))
        assert found is not None
        return found.group(1)

    assert message(wrong) == message(unknown) == "Wrong user name or password."


def test_unknown_names_are_checked_against_a_dummy_hash() -> None:
    """Same argon2 work for an unknown name as for a wrong password (no timing oracle)."""
    from argon2 import PasswordHasher

    calls: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            calls.append(str(hash))
            return super().verify(hash, password)

    checker = PasswordChecker(CountingHasher())
    account = read_accounts(shared_accounts())[NAMES[Role.ADVISOR]]
    assert checker.verify(account, PASSWORD) is True
    assert checker.verify(account, "wrong password 1") is False
    assert checker.verify(None, PASSWORD) is False
    assert len(calls) == 3 and calls[2].startswith("$argon2id$") and calls[2] != calls[0]


def test_signing_in_returns_to_the_page_first_asked_for() -> None:
    client = make_app().server.test_client()
    first = client.get("/client/100002/compare")
    next_path = first.headers["Location"].split("next=", 1)[1]
    assert next_path == "%2Fclient%2F100002%2Fcompare"
    answer = sign_in(client, Role.ADVISOR, next_path="/client/100002/compare")
    assert answer.status_code == 303 and answer.headers["Location"] == "/client/100002/compare"
    page = client.get("/client/100002/compare")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/client/1?x=2", "/client/1?x=2"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/login?next=//evil", "/"),
        ("/logout", "/"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("/a\r\nb", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_no_open_redirect(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_a_hostile_next_is_escaped_on_the_sign_in_page() -> None:
    client = make_app().server.test_client()
    page = client.get('/login?next=/"><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>" not in page
    answer = sign_in(client, Role.ADVISOR, next_path="//evil.example/x")
    assert answer.headers["Location"] == "/"


def test_the_sign_in_form_needs_its_csrf_token() -> None:
    client = make_app().server.test_client()
    client.get("/login")
    answer = client.post(
        "/login", data={"username": NAMES[Role.ADMIN], "password": PASSWORD, "csrf_token": "x"}
    )
    assert answer.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_callbacks_need_the_session_csrf_token() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.ADVISOR)
    assert post_callback(client, DECISION, csrf=False).status_code == 403
    wrong = client.post("/_dash-update-component", json=DECISION, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 403
    answer = post_callback(client, DECISION)
    assert answer.status_code == 200 and "decision-panel" in answer.get_data(as_text=True)


def test_five_failures_lock_the_name_for_five_minutes() -> None:
    clock = Clock()
    client = make_app(clock=clock).server.test_client()
    for _ in range(5):
        assert sign_in(client, Role.ADVISOR, password="wrong password 12").status_code == 401
    locked = sign_in(client, Role.ADVISOR)  # the right password, but locked
    assert locked.status_code == 429 and "try again in 5 minutes" in locked.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    clock.now += 301
    assert sign_in(client, Role.ADVISOR).status_code == 303


def test_an_unknown_name_locks_like_a_known_one() -> None:
    client = make_app().server.test_client()
    for _ in range(5):
        token = login_token(client)
        client.post("/login", data={"username": "ghost", "password": "x" * 12, "csrf_token": token})
    token = login_token(client)
    answer = client.post("/login", data={"username": "ghost", "password": "y", "csrf_token": token})
    assert answer.status_code == 429


def test_a_success_clears_the_failures_of_the_name() -> None:
    """Four failures, a success, four more: not locked; only five in a row lock."""
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
    clock = Clock()
    lockout = Lockout(5, 300, clock=clock)
    for _ in range(4):
        lockout.failed("alice")
    clock.now += 301
    lockout.failed("alice")
    assert not lockout.locked("alice")


def test_case_and_spaces_do_not_give_a_name_fresh_attempts() -> None:
    lockout = Lockout(3, 300, clock=Clock())
    for typed in ("Alice", " alice ", "ALICE"):
        lockout.failed(typed)
    assert lockout.locked("alice")


def test_signing_in_resets_the_lockout() -> None:
    """Through the form: four mistakes, a sign-in, four more mistakes, and the person can still
    sign in (the guard not telling the lockout of a success got through the suite)."""
    app = make_app(clock=Clock())
    for _ in range(2):  # a fresh browser each time: a signed-in one skips the form
        client = app.server.test_client()
        for _ in range(4):
            assert sign_in(client, Role.ADVISOR, password="wrong password 12").status_code == 401
        assert sign_in(client, Role.ADVISOR).status_code == 303


def test_idle_timeout_and_background_polls_do_not_keep_a_session_alive() -> None:
    clock = Clock()
    client = make_app(clock=clock, session_idle_seconds=60).server.test_client()
    sign_in(client, Role.ADVISOR)
    for _ in range(2):  # an open tab polls the API status every few seconds
        clock.now += 20
        assert post_callback(client, HEALTH).status_code == 200
    clock.now += 21  # 61 s since the last request the person made, 21 s since the last poll
    assert post_callback(client, DECISION).status_code == 401
    page = client.get("/client/1")
    assert page.status_code == 302 and "reason=expired" in page.headers["Location"]


def test_activity_keeps_the_session_alive() -> None:
    clock = Clock()
    client = make_app(clock=clock, session_idle_seconds=60).server.test_client()
    sign_in(client, Role.ADVISOR)
    for _ in range(5):
        clock.now += 50
        assert post_callback(client, DECISION).status_code == 200


def test_sign_out_ends_the_session_and_needs_its_token() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.ADVISOR)
    token = client.get_cookie("_csrf_token").value
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/_dash-layout").status_code == 200
    answer = client.post("/logout", data={"csrf_token": token, "lang": "fr"})
    assert answer.status_code == 303 and "reason=signed_out" in answer.headers["Location"]
    assert client.get("/_dash-layout").status_code == 401
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Vous êtes déconnecté." in page and '<html lang="fr">' in page


def test_a_removed_account_loses_its_open_session(tmp_path: Path) -> None:
    users = write_accounts(tmp_path / "users.json")
    client = make_app(users).server.test_client()
    sign_in(client, Role.ADVISOR)
    assert client.get("/_dash-layout").status_code == 200
    remove_account(users, NAMES[Role.ADVISOR])
    assert client.get("/_dash-layout").status_code == 401


def test_an_account_added_while_running_can_sign_in(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    client = make_app(users).server.test_client()
    assert sign_in(client, Role.RISK).status_code == 401
    add_account(users, NAMES[Role.RISK], Role.RISK, PASSWORD)
    assert sign_in(client, Role.RISK).status_code == 303


# --------------------------------------------------------------------------- roles


def layout_links(client: Any) -> set[str]:
    layout = json.dumps(client.get("/_dash-layout").get_json())
    return set(re.findall(r'"href": "(/[a-z/]*)"', layout))


def test_an_advisor_sees_client_pages_not_the_model_or_governance() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.ADVISOR)
    assert layout_links(client) == {"/"}  # the brand and "Find a client"
    assert client.get("/client/5").status_code == 200
    assert client.get("/model").status_code == 403
    assert client.get("/governance").status_code == 403
    assert client.get("/model/card").status_code == 403
    assert post_callback(client, MODEL).status_code == 403
    assert post_callback(client, DECISION).status_code == 200
    assert post_callback(client, SEARCH).status_code == 200


def test_risk_sees_model_and_governance_not_clients() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.RISK)
    assert layout_links(client) == {"/", "/model", "/governance"}  # "/": the brand (home)
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert "client-search" not in layout and "Find a client" not in layout
    assert client.get("/client/5").status_code == 403
    assert client.get("/model").status_code == 200
    assert post_callback(client, DECISION).status_code == 403
    assert post_callback(client, SEARCH).status_code == 403
    assert post_callback(client, MODEL).status_code == 200


def test_admin_sees_everything_and_unknown_callbacks_are_refused() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.ADMIN)
    assert layout_links(client) == {"/", "/model", "/governance"}
    for path in ("/client/5", "/model", "/governance", "/model/card"):
        assert client.get(path).status_code == 200
    assert post_callback(client, MODEL).status_code == 200
    invented = callback("secret-panel.children", [PAGE_STATE], ["page-state.data"])
    assert post_callback(client, invented).status_code == 403


def test_the_header_names_the_person_and_offers_sign_out() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.ADVISOR)
    layout = json.dumps(client.get("/_dash-layout").get_json())
    assert "Signed in: test-advisor (advisor)" in layout
    assert '"action": "/logout"' in layout and client.get_cookie("_csrf_token").value in layout


# --------------------------------------------------------------------------- cookies, headers


def test_cookies_are_httponly_lax_and_secure_when_configured() -> None:
    client = make_app(cookie_secure=True).server.test_client()
    answer = sign_in(client, Role.ADVISOR)
    cookies = answer.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("__Host-scoring_session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" in session
    csrf = next(c for c in cookies if c.startswith("_csrf_token="))
    assert "HttpOnly" not in csrf and "Secure" in csrf  # Dash's script reads it
    plain = make_app().server.test_client()
    cookies = sign_in(plain, Role.ADVISOR).headers.getlist("Set-Cookie")
    assert not any("Secure" in c for c in cookies)


def test_security_headers() -> None:
    client = make_app().server.test_client()
    login = client.get("/login")
    policy = login.headers["Content-Security-Policy"]
    script = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "'sha256-" in script  # Dash's own inline scripts, by hash
    assert "frame-ancestors 'none'" in policy
    assert login.headers["X-Frame-Options"] == "DENY"
    assert login.headers["X-Content-Type-Options"] == "nosniff"
    assert login.headers["Referrer-Policy"] == "no-referrer"
    sign_in(client, Role.ADVISOR)
    for response in (client.get("/client/1"), post_callback(client, DECISION)):
        assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/assets/style.css").headers.get("Cache-Control", "")


def test_sign_in_page_in_both_languages() -> None:
    client = make_app().server.test_client()
    french = client.get("/login?lang=fr").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(
        as_text=True
    )
    assert '<html lang="fr">' in french and "Mot de passe" in french
    assert '<html lang="en">' in english and "Password" in english
    for page in (french, english):
        assert 'name="username"' in page and 'name="password"' in page
        assert 'name="csrf_token"' in page and 'action="/login"' in page


# --------------------------------------------------------------------------- accounts file


def test_accounts_file_is_private_and_holds_no_password(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_account(path, "alice", Role.ADVISOR, "a long password 1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "a long password 1" not in text
    assert json.loads(text)["accounts"][0]["password_hash"].startswith("$argon2id$")
    assert not list(tmp_path.glob(".users.json.*[!k]"))  # no temporary file left behind


def test_account_rules(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_account(path, "alice", Role.ADVISOR, "a long password 1")
    with pytest.raises(AccountError, match="already exists"):
        add_account(path, "alice", Role.RISK, "another password 1")
    add_account(path, "alice", Role.RISK, "another password 1", replace=True)
    assert read_accounts(path)["alice"].role is Role.RISK
    with pytest.raises(AccountError, match="shorter than 12"):
        add_account(path, "bob", Role.ADVISOR, "short")
    with pytest.raises(AccountError, match="not valid"):
        add_account(path, "bad name", Role.ADVISOR, "a long password 1")
    with pytest.raises(AccountError, match="no account 'carol'"):
        remove_account(path, "carol")
    path.write_text('{"format": 1, "accounts": [{"name": "x"}]}')
    with pytest.raises(AccountError, match="account #1"):
        read_accounts(path)


# --------------------------------------------------------------------------- scoring users


def scoring_users(*arguments: str, stdin: str = "") -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "training.cli", "users", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )


def test_scoring_users_add_list_remove_and_the_account_signs_in(tmp_path: Path) -> None:
    users = str(tmp_path / "users.json")
    added = scoring_users("add", "dana", "--role", "advisor", "--file", users)
    assert added.returncode == 0, added.stderr
    password = re.search(r"^password \(shown once\): (\S+)$", added.stdout, re.M)
    assert password is not None and len(password.group(1)) >= 16
    piped = scoring_users(
        "add", "erin", "--role", "risk", "--password-stdin", "--file", users,
        stdin="erin's long password\n",
    )  # fmt: skip
    assert piped.returncode == 0 and "password" not in piped.stdout.split("\n", 1)[1]
    listing = scoring_users("list", "--json", "--file", users)
    accounts = json.loads(listing.stdout)["accounts"]
    assert [(a["name"], a["role"]) for a in accounts] == [("dana", "advisor"), ("erin", "risk")]
    assert "argon2" not in listing.stdout
    # The account made by `scoring users add` opens the client page; a wrong password does not.
    client = make_app(Path(users)).server.test_client()
    token = login_token(client)
    wrong = {"username": "dana", "password": "not it, not it", "csrf_token": token}
    assert client.post("/login", data=wrong).status_code == 401
    token = login_token(client)
    right = {"username": "dana", "password": password.group(1), "csrf_token": token}
    assert client.post("/login", data=right).status_code == 303
    assert client.get("/client/100002").status_code == 200
    assert scoring_users("remove", "dana", "--file", users).returncode == 0
    assert client.get("/client/100002").status_code == 302  # its session ended with it
    again = scoring_users("remove", "dana", "--file", users)
    assert again.returncode == 2 and "no account 'dana'" in again.stderr
    bad = scoring_users("add", "fay", "--role", "boss", "--file", users)
    assert bad.returncode == 2 and "expected one of advisor, risk, admin" in bad.stderr


# --------------------------------------------------------------------------- exports


def test_exports_stream_from_the_api_for_the_risk_role_only() -> None:
    import responses

    client = make_app().server.test_client()
    sign_in(client, Role.ADVISOR)
    assert client.get("/exports/audit.csv").status_code == 403
    risk = make_app().server.test_client()
    sign_in(risk, Role.RISK)
    assert "/exports/access.csv" in home_for(Role.RISK)  # linked on the risk role's home
    assert "/exports/" not in home_for(Role.ADVISOR)
    with responses.RequestsMock() as mocked:
        mocked.get(f"{API}/v1/audit/access", body="id,time,caller,user\n1,t,dashboard,alice\n")
        answer = risk.get("/exports/access.csv")
        assert answer.status_code == 200
        assert answer.get_data(as_text=True).endswith("1,t,dashboard,alice\n")
        assert answer.headers["Content-Disposition"].startswith('attachment; filename="access-')
        sent = mocked.calls[0].request
        assert sent.headers["X-Scoring-User"] == NAMES[Role.RISK]
        assert sent.headers["X-Scoring-Roles"] == "risk"
        assert "format=csv" in sent.url
    assert risk.get("/exports/secrets.csv").status_code == 404


def home_for(role: Role) -> str:
    """The home page's content as the router renders it for a signed-in `role`."""
    from flask import g

    from dashboard.auth.sessions import SessionStore
    from dashboard.layout.pages import home_page

    app = make_app()
    with app.server.test_request_context("/"):
        g.scoring_session = SessionStore(60).create("someone", (role,))
        return json.dumps(home_page("en"), default=lambda c: c.to_plotly_json())
