"""OpenID Connect sign-in against a real provider started here: `oidc-provider-mock` (an
Authlib-based OpenID provider), served over HTTP on the loopback interface.

The whole flow runs: the dashboard's /login/oidc sends the browser to the provider's
authorization endpoint (state, nonce, S256 code challenge), the person picks an identity on the
provider's own form, the provider redirects back with a code, the dashboard exchanges it at the
token endpoint (with the PKCE verifier), fetches the provider's keys, verifies the ID token and
opens a session with the roles of the configured claim.

The mock provider does not check PKCE itself, so it runs behind a small WSGI layer that does
what RFC 7636 asks of a server: it remembers each authorization request's code_challenge and
refuses a token request whose code_verifier does not hash to it. A client that sent no or a
wrong verifier would fail here as it would at a strict provider.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from dashboard_auth_helpers import shared_accounts

from dashboard.app import create_app
from dashboard.auth.guard import Authenticator
from dashboard.auth.oidc import OidcClient, OidcError, claim_at, parse_role_map, roles_from
from dashboard.auth.roles import Role
from shared.settings import DashboardSettings

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")

CLIENT_ID = "scoring-dashboard"
#: A confidential client (the dashboard is a server): secret at the token endpoint plus PKCE.
CLIENT_SECRET = "dashboard-client-secret"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class PkceEnforcer:
    """WSGI layer in front of the provider: authorization codes are bound to their challenge."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.challenges: dict[str, str] = {}  # code -> code_challenge
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            challenge = query.get("code_challenge", [""])[0]
            method = query.get("code_challenge_method", [""])[0]

            def remember(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                for name, value in headers:
                    if name.lower() == "location" and "code=" in value:
                        code = parse_qs(urlsplit(value).query)["code"][0]
                        self.challenges[code] = challenge if method == "S256" else ""
                return start_response(status, headers, *rest)

            return self.app(environ, remember)
        if path == "/oauth2/token" and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            form = parse_qs(body.decode())
            code = form.get("code", [""])[0]
            verifier = form.get("code_verifier", [""])[0]
            if form.get("grant_type") == ["authorization_code"]:
                expected = self.challenges.pop(code, "")
                if not expected or not verifier or s256(verifier) != expected:
                    self.refused += 1
                    start_response("400 Bad Request", [("Content-Type", "application/json")])
                    return [b'{"error": "invalid_grant", "error_description": "PKCE"}']
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[str, PkceEnforcer]]:
    from werkzeug.serving import make_server

    User = oidc_provider_mock.User
    app = oidc_provider_mock.app(
        require_nonce=True,
        user_claims=[
            User(sub="rita", claims={"roles": ["risk"], "preferred_username": "rita.r"}),
            User(sub="adam", claims={"roles": "scoring-admins"}),
            User(sub="nora", claims={"roles": ["payroll"]}),
        ],
    )
    enforcer = PkceEnforcer(app.wsgi_app)
    app.wsgi_app = enforcer  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", enforcer
    finally:
        server.shutdown()
        thread.join(timeout=10)


def dashboard(issuer: str, **settings: Any) -> Any:
    config = DashboardSettings(
        api_url="http://127.0.0.1:9",
        auth="oidc",
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        users_file=shared_accounts(),
        language="en",
        **settings,
    )
    return create_app(config, authenticator=Authenticator(config)).server.test_client()


def sign_in_through_provider(client: Any, subject: str, next_path: str = "/") -> Any:
    """What a browser does: follow the dashboard to the provider, submit its form, come back."""
    start = client.get(f"/login/oidc?next={next_path}")
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = start.headers["Location"]
    form = requests.get(authorize, timeout=10)
    assert form.status_code == 200 and "Authorize" in form.text
    consent = requests.post(authorize, data={"sub": subject}, allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/login/callback"
    return client.get(f"{back.path}?{back.query}")


def test_the_whole_flow_with_pkce_opens_a_session_with_the_claimed_roles(
    provider: tuple[str, PkceEnforcer],
) -> None:
    issuer, enforcer = provider
    client = dashboard(issuer, oidc_user_claim="preferred_username")
    page = client.get("/login")
    assert "Sign in with OpenID Connect" in page.get_data(as_text=True)
    assert 'name="password"' not in page.get_data(as_text=True)  # no local form in OIDC mode

    start = client.get("/login/oidc?next=/governance")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == [CLIENT_ID] and "nonce" in query and "state" in query
    assert query["redirect_uri"] == ["http://localhost/login/callback"]

    answer = sign_in_through_provider(client, "rita", "/governance")
    assert answer.status_code == 303 and answer.headers["Location"] == "/governance"
    assert client.get("/governance").status_code == 200
    assert client.get("/client/100002").status_code == 403  # risk: no client pages
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Signed in: rita.r (risk)" in layout
    assert enforcer.refused == 0


def test_a_role_map_and_a_provider_value(provider: tuple[str, PkceEnforcer]) -> None:
    issuer, _ = provider
    client = dashboard(issuer, oidc_role_map="scoring-admins:admin")
    assert sign_in_through_provider(client, "adam").status_code == 303
    assert client.get("/client/100002").status_code == 200
    assert client.get("/model").status_code == 200


def test_a_person_without_a_dashboard_role_is_refused(provider: tuple[str, PkceEnforcer]) -> None:
    issuer, _ = provider
    client = dashboard(issuer)
    answer = sign_in_through_provider(client, "nora")
    assert answer.status_code == 403
    assert "no role for this dashboard" in answer.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_a_callback_from_another_browser_or_replayed_is_refused(
    provider: tuple[str, PkceEnforcer],
) -> None:
    issuer, _ = provider
    starter, attacker = dashboard(issuer), None
    start = starter.get("/login/oidc")
    authorize = start.headers["Location"]
    consent = requests.post(authorize, data={"sub": "rita"}, allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    # Same app, another browser (no binding cookie): refused, and the code is not spent.
    attacker = starter.application.test_client()
    assert attacker.get(f"{back.path}?{back.query}").status_code == 400
    assert attacker.get("/_dash-layout").status_code == 401
    assert starter.get(f"{back.path}?{back.query}").status_code == 303
    # The same callback again (replay): its state was used once.
    assert starter.get(f"{back.path}?{back.query}").status_code == 400


def test_the_provider_refuses_a_wrong_verifier(provider: tuple[str, PkceEnforcer]) -> None:
    """Control for the PKCE layer itself: a token request with another verifier fails."""
    issuer, enforcer = provider
    client = OidcClient(issuer=issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    url, state = client.start("http://localhost/login/callback", "/", "en")
    consent = requests.post(url, data={"sub": "rita"}, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    pending = client.pending(state)
    assert pending is not None
    forged = type(pending)(**{**pending.__dict__, "code_verifier": "x" * 64})
    before = enforcer.refused
    with pytest.raises(OidcError, match="token exchange failed"):
        client.finish(forged, code)
    assert enforcer.refused == before + 1


def test_an_id_token_for_another_nonce_is_refused(provider: tuple[str, PkceEnforcer]) -> None:
    issuer, _ = provider
    client = OidcClient(issuer=issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    url, state = client.start("http://localhost/login/callback", "/", "en")
    consent = requests.post(url, data={"sub": "rita"}, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(consent.headers["Location"]).query)["code"][0]
    pending = client.pending(state)
    assert pending is not None
    replayed = type(pending)(**{**pending.__dict__, "nonce": "another-nonce"})
    with pytest.raises(OidcError, match="ID token was refused"):
        client.finish(replayed, code)


def test_an_issuer_that_does_not_match_its_discovery_document() -> None:
    import responses

    issuer = "https://idp.example"
    with responses.RequestsMock() as mocked:
        mocked.get(
            f"{issuer}/.well-known/openid-configuration",
            json={"issuer": "https://evil.example", "authorization_endpoint": "x"},
        )
        client = OidcClient(issuer=issuer, client_id=CLIENT_ID)
        with pytest.raises(OidcError, match=r"names issuer 'https://evil\.example'"):
            client.start("http://localhost/login/callback", "/", "en")


def test_roles_from_claims() -> None:
    claims = {"realm_access": {"roles": ["offline", "risk", "advisor"]}, "group": "ops"}
    assert claim_at(claims, "realm_access.roles") == ["offline", "risk", "advisor"]
    assert claim_at(claims, "realm_access.missing") is None
    assert roles_from(claim_at(claims, "realm_access.roles"), {}) == (Role.ADVISOR, Role.RISK)
    mapping = parse_role_map("ops:admin, scoring-advisors:advisor")
    assert roles_from("ops", mapping) == (Role.ADMIN,)
    assert roles_from(["risk"], mapping) == ()  # with a map, only mapped values count
    assert roles_from(42, {}) == ()
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        parse_role_map("ops:boss")


def test_oidc_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="SCORING_OIDC_ISSUER"):
        DashboardSettings(auth="oidc")
    with pytest.raises(ValueError, match="must start with http"):
        DashboardSettings(auth="oidc", oidc_issuer="idp.example", oidc_client_id="x")


def test_users_file_is_not_read_in_oidc_mode(tmp_path: Path) -> None:
    settings = DashboardSettings(
        auth="oidc", oidc_issuer="http://127.0.0.1:9", oidc_client_id="x", users_file=tmp_path
    )
    assert Authenticator(settings).book is None
