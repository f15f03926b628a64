"""Who is asking, beyond the API key: the key's scopes and the signed-in person it speaks for.

Scopes: each route needs one scope (`required_scope`); a key without it gets 403 naming the
scope. The table lives here, by path, because the admission layer (api/admission.py) checks it
before any body is read, like the key itself.

The person: the dashboard forwards its signed-in user's id in X-Scoring-User (and their roles
in X-Scoring-Roles). The API believes those headers only from keys configured as trusted
front-ends (SCORING_TRUSTED_FRONTENDS); from any other key they are refused (403), so a batch
system cannot write someone else's name into the audit trail. The person's id then reaches
every record written while the request is served through a context variable: audit entries,
recorded decisions and the client-access log read `current_user()`.

A forwarded person must also hold a role that may use the route: client files and decisions
for advisors, exports of the audit trail and the access log for the risk role (administrators:
both), the same rules the dashboard applies to its pages.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass

from api.errors import ApiError, Forbidden
from shared.contract import ErrorItem
from shared.settings import ApiSettings

USER_HEADER = "X-Scoring-User"
ROLES_HEADER = "X-Scoring-Roles"
_USER_HEADER = USER_HEADER.lower().encode()
_ROLES_HEADER = ROLES_HEADER.lower().encode()
#: The same shape as a dashboard account name or an identity provider's subject.
USER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:|-]{0,127}$")
ROLES = ("advisor", "risk", "admin")
#: Roles a forwarded person needs, per scope (a scope absent here needs no particular role).
SCOPE_ROLES: dict[str, frozenset[str]] = {
    "clients": frozenset({"advisor", "admin"}),
    "audit": frozenset({"risk", "admin"}),
    "admin": frozenset({"admin"}),
}

_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("scoring_user", default=None)


def current_user() -> str | None:
    """The signed-in person the current request speaks for (None: a machine caller)."""
    return _user.get()


def set_current_user(user: str | None) -> contextvars.Token[str | None]:
    return _user.set(user)


def reset_current_user(token: contextvars.Token[str | None]) -> None:
    _user.reset(token)


def required_scope(method: str, path: str) -> str | None:
    """The scope a request needs; None for the open paths (health, readiness, docs)."""
    if path == "/metrics":
        return "admin"
    if not path.startswith("/v1/"):
        return None
    if path.startswith("/v1/audit"):
        return "audit"
    if path == "/v1/decisions" and method == "GET":
        return "audit"  # the export of every advisor's decisions
    if path == "/v1/decisions/summary":
        return "audit"
    if path.startswith(("/v1/clients", "/v1/decisions")):
        return "clients"
    return "score"


@dataclass(frozen=True)
class Speaker:
    """What the admission layer learnt about a request: key name, its person and roles."""

    caller: str
    user: str | None
    roles: frozenset[str]


class Policy:
    """Scopes per key and the trusted front-ends, from the settings."""

    def __init__(
        self,
        scopes: dict[str, frozenset[str]],
        default: frozenset[str],
        trusted: frozenset[str],
    ) -> None:
        self._scopes = scopes
        self._default = default
        self._trusted = trusted

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> Policy:
        return cls(
            settings.scope_table(), settings.default_scopes(), settings.trusted_frontend_names()
        )

    def scopes(self, caller: str) -> frozenset[str]:
        return self._scopes.get(caller, self._default)

    def admit(
        self, caller: str, method: str, path: str, headers: list[tuple[bytes, bytes]]
    ) -> Speaker:
        """The speaker, or the ApiError refusing the request (403 scope, 403 untrusted
        identity, 403 role, 400 malformed or repeated identity header)."""
        scope = required_scope(method, path)
        if scope is not None and scope not in self.scopes(caller):
            raise Forbidden(
                f"the API key '{caller}' lacks the scope '{scope}' this endpoint needs",
                [ErrorItem(field="X-API-Key", value=caller, expected=f"scope {scope}",
                           message="missing scope")],
            )  # fmt: skip
        user = _single(headers, _USER_HEADER, USER_HEADER)
        roles_text = _single(headers, _ROLES_HEADER, ROLES_HEADER)
        if user is None and roles_text is None:
            return Speaker(caller, None, frozenset())
        if caller not in self._trusted:
            raise Forbidden(
                f"the API key '{caller}' is not a trusted front-end: it may not send "
                f"{USER_HEADER} or {ROLES_HEADER} (SCORING_TRUSTED_FRONTENDS)"
            )
        if user is None or not USER_PATTERN.match(user):
            raise _bad_header(USER_HEADER, user, "1-128 characters: letters, digits, _ . @ : | -")
        roles = frozenset(r.strip() for r in (roles_text or "").split(",") if r.strip())
        if not roles <= set(ROLES):
            raise _bad_header(ROLES_HEADER, roles_text, "comma-separated advisor, risk, admin")
        needed = SCOPE_ROLES.get(scope or "")
        if needed is not None and not roles & needed:
            raise Forbidden(
                f"{user} ({', '.join(sorted(roles)) or 'no role'}) may not use this endpoint: "
                f"it needs the role {' or '.join(sorted(needed))}"
            )
        return Speaker(caller, user, roles)


def _single(headers: list[tuple[bytes, bytes]], raw: bytes, name: str) -> str | None:
    values = [value for key, value in headers if key == raw]
    if len(values) > 1:
        raise _bad_header(name, len(values), "exactly one header")
    return values[0].decode("latin-1") if values else None


def _bad_header(name: str, value: object, expected: str) -> ApiError:
    return ApiError(
        f"invalid {name} header: expected {expected}",
        [ErrorItem(field=name, value=value, expected=expected, message="invalid header")],
    )
