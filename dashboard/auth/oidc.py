"""OpenID Connect sign-in (authorization code + PKCE) for production, through Authlib.

Authlib's requests client builds the authorization request (state, nonce, S256 code challenge)
and exchanges the code for tokens (with the code verifier); joserfc (Authlib's JOSE library)
verifies the ID token: signature against the provider's published keys, issuer, audience,
expiry and nonce. Authlib's Flask integration is not used on purpose: it keeps the state and
the code verifier in Flask's session cookie, which is signed but readable. Here they stay in
this process's memory, keyed by the state, and the browser only carries the state in an
HttpOnly cookie that binds the callback to the browser that started the sign-in.

Roles come from a configurable claim of the ID token (or of the userinfo answer when the ID
token lacks it): a string or a list of strings, mapped to the dashboard's roles by
SCORING_OIDC_ROLE_MAP ("provider value:role,...") or taken as role names. Values that map to
no role are ignored; a person with no role is refused.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from dashboard.auth.roles import Role, parse_role
from shared.settings import DashboardSettings

log = logging.getLogger("dashboard.auth")

#: A sign-in started must come back from the provider within this many seconds.
PENDING_SECONDS = 600.0
MAX_PENDING = 10_000
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
CLOCK_LEEWAY_SECONDS = 60


class OidcError(Exception):
    """A sign-in that cannot complete; `reason` picks the sentence the person sees."""

    def __init__(self, message: str, reason: str = "oidc_failed") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str
    language: str
    started: float


@dataclass(frozen=True)
class Identity:
    user: str
    roles: tuple[Role, ...]


def parse_role_map(text: str) -> dict[str, Role]:
    """ "value:role,value2:role2" -> {value: Role}; errors name the entry."""
    mapping: dict[str, Role] = {}
    for position, entry in enumerate(part.strip() for part in text.split(",")):
        if not entry:
            continue
        value, sep, role = entry.rpartition(":")
        if not sep or not value.strip():
            raise ValueError(
                f"SCORING_OIDC_ROLE_MAP entry #{position + 1} {entry!r}: expected 'value:role'"
            )
        mapping[value.strip()] = parse_role(role)
    return mapping


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted path ("realm_access.roles"); None when any step is missing."""
    value: Any = claims
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return None
        value = value[step]
    return value


def roles_from(value: Any, role_map: Mapping[str, Role]) -> tuple[Role, ...]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    roles: list[Role] = []
    for item in values:
        if not isinstance(item, str):
            continue
        role = role_map.get(item)
        if role is None and not role_map:
            try:
                role = parse_role(item)
            except ValueError:
                role = None
        if role is not None and role not in roles:
            roles.append(role)
    return tuple(sorted(roles, key=list(Role).index))


class OidcClient:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str = "",
        scopes: str = "openid profile email",
        roles_claim: str = "roles",
        role_map: Mapping[str, Role] | None = None,
        user_claim: str = "sub",
        timeout: float = 10.0,
        http: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = scopes
        self.roles_claim = roles_claim
        self.role_map = dict(role_map or {})
        self.user_claim = user_claim
        self.timeout = timeout
        self._http = http or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, PendingLogin] = OrderedDict()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @classmethod
    def from_settings(cls, settings: DashboardSettings) -> OidcClient:
        return cls(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            scopes=settings.oidc_scopes,
            roles_claim=settings.oidc_roles_claim,
            role_map=parse_role_map(settings.oidc_role_map),
            user_claim=settings.oidc_user_claim,
            timeout=settings.request_timeout_seconds,
        )

    # ---------------------------------------------------------------- provider documents

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, timeout=self.timeout)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise OidcError(f"{url}: {error}", "unavailable") from None
        if not isinstance(document, dict):
            raise OidcError(f"{url}: expected a JSON object", "unavailable")
        return document

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once), its issuer checked."""
        if self._metadata is None:
            document = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                raise OidcError(
                    f"discovery document names issuer {document.get('issuer')!r}, "
                    f"expected {self.issuer!r}",
                    "unavailable",
                )
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(document.get(name), str):
                    raise OidcError(f"discovery document has no {name}", "unavailable")
            self._metadata = document
        return self._metadata

    def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            self._keys = KeySet.import_key_set(self._get_json(self.metadata()["jwks_uri"]))  # type: ignore[arg-type]
        return self._keys

    def _session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self._secret or None,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self._secret else "none",
        )

    # ---------------------------------------------------------------- the two legs

    def start(self, redirect_uri: str, next_path: str, language: str) -> tuple[str, str]:
        """(authorization URL, state): where to send the browser, and what to bind it with."""
        pending = PendingLogin(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            redirect_uri=redirect_uri,
            next_path=next_path,
            language=language,
            started=self._clock(),
        )
        url, _ = self._session(redirect_uri).create_authorization_url(
            self.metadata()["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
        )
        with self._lock:
            self._pending[pending.state] = pending
            while len(self._pending) > MAX_PENDING:
                self._pending.popitem(last=False)
        return url, pending.state

    def pending(self, state: str | None) -> PendingLogin | None:
        """The sign-in this state started (used once: it is removed), if still fresh."""
        if not state:
            return None
        with self._lock:
            pending = self._pending.pop(state, None)
        if pending is None or self._clock() - pending.started > PENDING_SECONDS:
            return None
        return pending

    def finish(self, pending: PendingLogin, code: str) -> Identity:
        """Exchanges the code (with the PKCE verifier), verifies the ID token, reads roles."""
        session = self._session(pending.redirect_uri)
        try:
            token = session.fetch_token(
                self.metadata()["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
                timeout=self.timeout,
            )
        except Exception as error:  # Authlib raises OAuthError, requests its own
            raise OidcError(f"token exchange failed: {error}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("the token response has no id_token")
        claims = self._verified_claims(id_token, pending.nonce)
        roles_value = claim_at(claims, self.roles_claim)
        user_value = claim_at(claims, self.user_claim)
        if roles_value is None or user_value is None:
            info = self._userinfo(token.get("access_token"))
            if roles_value is None:
                roles_value = claim_at(info, self.roles_claim)
            if user_value is None:
                user_value = claim_at(info, self.user_claim)
        if not isinstance(user_value, str) or not user_value:
            raise OidcError(f"the provider sent no {self.user_claim!r} claim to name the person")
        return Identity(user=user_value, roles=roles_from(roles_value, self.role_map))

    def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            try:
                decoded = jwt.decode(id_token, self._key_set(), algorithms=SIGNING_ALGORITHMS)
            except JoseError:
                # The provider may have rotated its keys since they were fetched: once more.
                decoded = jwt.decode(
                    id_token, self._key_set(refresh=True), algorithms=SIGNING_ALGORITHMS
                )
            jwt.JWTClaimsRegistry(
                leeway=CLOCK_LEEWAY_SECONDS,
                # The issuer exactly as the provider spells it (a trailing slash counts).
                iss={"essential": True, "value": str(self.metadata()["issuer"])},
                aud={"essential": True, "value": self.client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise OidcError(f"the ID token was refused: {error}") from None
        return dict(decoded.claims)

    def _userinfo(self, access_token: object) -> dict[str, Any]:
        endpoint = self.metadata().get("userinfo_endpoint")
        if not isinstance(endpoint, str) or not isinstance(access_token, str):
            return {}
        try:
            response = self._http.get(
                endpoint,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=self.timeout,
            )
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            log.warning("userinfo request failed: %s", error)
            return {}
        return document if isinstance(document, dict) else {}
