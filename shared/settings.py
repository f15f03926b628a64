"""Typed configuration for the API and the dashboard: the only code that reads the environment.

Both services are configured through `SCORING_*` variables so that a container, a compose file or
a developer's shell set them the same way; command-line flags override them by passing explicit
values to the constructors (`ApiSettings(model_dir=...)`). Secrets are `SecretStr` so that a log
line, a repr or a traceback never shows them.

The dashboard's host and port read `SCORING_DASHBOARD_HOST` / `SCORING_DASHBOARD_PORT` (not
`SCORING_HOST` / `SCORING_PORT`, which belong to the API) so that one shell can start both services
without them fighting over the same variables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Language = Literal["fr", "en"]
LogLevel = Literal["critical", "error", "warning", "info", "debug"]

#: A key's name is logged and written to the audit trail, so it must be a plain identifier.
_KEY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def parse_api_keys(text: str) -> dict[str, SecretStr]:
    """Parses "name:key,name2:key2" into {name: key}.

    Errors name the entry by position and name, never by key, because the message may be logged.
    """
    keys: dict[str, SecretStr] = {}
    for position, entry in enumerate(part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, sep, key = entry.partition(":")
        name, key = name.strip(), key.strip()
        if not sep or not key:
            raise ValueError(
                f"API key entry #{position + 1} has no key; expected 'name:key' pairs separated "
                "by commas"
            )
        if not _KEY_NAME.match(name):
            raise ValueError(
                f"API key entry #{position + 1} has an invalid name; expected 1-64 characters "
                "among letters, digits, '_', '.', '-'"
            )
        if len(key) < 8:
            raise ValueError(f"API key '{name}' is shorter than 8 characters")
        if name in keys:
            raise ValueError(f"API key name '{name}' appears twice")
        keys[name] = SecretStr(key)
    return keys


#: What an API key may do (docs/sign-in.md): score = predictions, explanations, what-if, model
#: and feature views; clients = client search, files and decisions; audit = the audit trail,
#: the client-access log and decision exports; admin = /metrics.
API_SCOPES = ("score", "clients", "audit", "admin")


def parse_scopes(text: str, where: str) -> frozenset[str]:
    """ "score+clients" or "score,clients" -> {"score", "clients"}; unknown names refused."""
    names = {part.strip().lower() for part in re.split(r"[+,]", text) if part.strip()}
    unknown = sorted(names - set(API_SCOPES))
    if unknown:
        raise ValueError(
            f"{where}: unknown scope(s) {', '.join(unknown)}; expected {', '.join(API_SCOPES)}"
        )
    return frozenset(names)


def parse_key_scopes(text: str) -> dict[str, frozenset[str]]:
    """ "name:score+clients,name2:audit" -> {name: scopes}; errors name the entry."""
    table: dict[str, frozenset[str]] = {}
    for position, entry in enumerate(part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, sep, scopes = entry.partition(":")
        if not sep or not _KEY_NAME.match(name.strip()):
            raise ValueError(
                f"SCORING_API_KEY_SCOPES entry #{position + 1}: expected 'key name:scope+scope'"
            )
        table[name.strip()] = parse_scopes(scopes, f"SCORING_API_KEY_SCOPES {name.strip()!r}")
    return table


POSTGRES_SCHEMES = ("postgresql", "postgres")


def check_database_url(url: str) -> None:
    """Raises ValueError (naming the scheme only, never the URL) unless it is postgresql://."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise ValueError(
            "SCORING_DATABASE_URL is not a valid URL; expected "
            "postgresql://user[:password]@host[:port]/database"
        ) from error
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ValueError(
            f"SCORING_DATABASE_URL must start with postgresql:// (got scheme {parts.scheme!r}); "
            "leave it empty to keep the embedded SQLite file SCORING_AUDIT_DB"
        )
    if not parts.path.strip("/"):
        raise ValueError("SCORING_DATABASE_URL names no database; expected .../database")


class ApiSettings(BaseSettings):
    """Configuration of `scoring serve` (environment variables `SCORING_<FIELD>`)."""

    model_config = SettingsConfigDict(
        env_prefix="SCORING_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    #: The bundle folder written by `scoring train` (its `current` pointer or a version folder).
    model_dir: Path = Path("models")
    #: "name:key,name2:key2". Several callers, each recorded by name in the audit trail.
    api_keys: SecretStr = SecretStr("")
    #: SQLite audit trail (WAL mode); shared by every worker and replica writing to this path.
    audit_db: Path = Path("var/audit.sqlite")
    #: SCORING_DATABASE_URL=postgresql://user[:password]@host[:port]/database: the audit trail,
    #: the advisors' decisions and the live drift window go to PostgreSQL instead of audit_db,
    #: shared by replicas on several hosts (docs/postgresql.md). Empty: the SQLite file.
    database_url: SecretStr | None = None
    #: SCORING_DATABASE_PASSWORD_FILE: the password, when the URL has none (a secrets volume).
    database_password_file: Path | None = None
    #: SCORING_DATABASE_POOL_SIZE: PostgreSQL connections per API process, at most.
    database_pool_size: int = Field(4, ge=2, le=64)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    log_level: LogLevel = "info"
    #: Comma-separated allowed origins for browsers; empty means no cross-origin access at all.
    cors_origins: str = ""
    #: Largest number of items in one batch request (more gets 413).
    max_batch: int = Field(100, ge=1, le=10_000)
    #: Largest request body in bytes (more gets 413, chunked or not).
    max_body_bytes: int = Field(1_000_000, ge=1_024)
    #: Largest number of side-table rows of ONE JSON applicant, all six tables together (more
    #: gets 413). Real Kaggle applicants have a few hundred at most; the 1 MB body limit allows
    #: about 20,000 short rows, which is a lot of feature work for one decision.
    max_side_rows: int = Field(5_000, ge=1, le=10_000)  # 10,000: the contract's per-list cap
    #: Requests per second per API key and process (token bucket; 0 = no rate limit). The
    #: default is above what one process serves (bench/bench_api.py: ~3,300 predictions/s with
    #: 16 connections), so it only stops runaway callers: set a partner's share here.
    rate_limit_per_second: float = Field(5_000.0, ge=0)
    #: Requests a key may send at once above the sustained rate (the bucket's size).
    rate_limit_burst: int = Field(5_000, ge=1)
    #: Requests of one key in flight at once, per process (0 = no limit); more gets 429 at once.
    #: The dashboard sends a handful at a time, the benchmarks 16.
    max_in_flight_per_key: int = Field(64, ge=0, le=100_000)
    workers: int = Field(1, ge=1, le=64)
    #: Live drift window (api/monitoring.py): the newest rows kept, and their largest age.
    monitoring_max_rows: int = Field(10_000, ge=100, le=1_000_000)
    monitoring_max_days: float = Field(30.0, gt=0, le=366)
    #: "name:score+clients,name2:audit": each key's scopes (API_SCOPES). A key not listed has
    #: SCORING_API_DEFAULT_SCOPES: every scope by default, as before scopes existed.
    api_key_scopes: str = ""
    api_default_scopes: str = ",".join(API_SCOPES)
    #: Names of the keys allowed to name the signed-in person (X-Scoring-User): the dashboard.
    #: The header from any other key is refused (403).
    trusted_frontends: str = ""
    #: SCORING_API_DOCS: serve /docs (Swagger UI from the image's own files, no CDN);
    #: false turns it off. /redoc is never served (it would need a CDN).
    api_docs: bool = True

    @field_validator("api_key_scopes")
    @classmethod
    def _scopes_parse(cls, value: str) -> str:
        parse_key_scopes(value)
        return value

    @field_validator("api_default_scopes")
    @classmethod
    def _default_scopes_parse(cls, value: str) -> str:
        parse_scopes(value, "SCORING_API_DEFAULT_SCOPES")
        return value

    def scope_table(self) -> dict[str, frozenset[str]]:
        return parse_key_scopes(self.api_key_scopes)

    def default_scopes(self) -> frozenset[str]:
        return parse_scopes(self.api_default_scopes, "SCORING_API_DEFAULT_SCOPES")

    def trusted_frontend_names(self) -> frozenset[str]:
        return frozenset(n.strip() for n in self.trusted_frontends.split(",") if n.strip())

    @field_validator("database_url", "database_password_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (compose passes ${SCORING_DATABASE_URL:-}) means "not set"."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value() or None
        return None if value == "" else value

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_database_url(value.get_secret_value())
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys_parse(cls, value: SecretStr) -> SecretStr:
        parse_api_keys(value.get_secret_value())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    def key_table(self) -> dict[str, SecretStr]:
        """{caller name: key}; empty when no key is configured (then every call is refused)."""
        return parse_api_keys(self.api_keys.get_secret_value())

    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


class DashboardSettings(BaseSettings):
    """Configuration of `scoring dashboard` (environment variables listed per field)."""

    model_config = SettingsConfigDict(
        env_prefix="SCORING_",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    #: SCORING_API_URL: where the API listens.
    api_url: str = "http://127.0.0.1:8000"
    #: SCORING_API_KEY: the key sent as X-API-Key.
    api_key: SecretStr = SecretStr("")
    #: SCORING_DASHBOARD_HOST
    host: str = Field("127.0.0.1", validation_alias="SCORING_DASHBOARD_HOST")
    #: SCORING_DASHBOARD_PORT
    port: int = Field(8050, ge=1, le=65535, validation_alias="SCORING_DASHBOARD_PORT")
    #: SCORING_REQUEST_TIMEOUT_SECONDS: per call to the API.
    request_timeout_seconds: float = Field(10.0, gt=0, le=300)
    #: SCORING_LANGUAGE: the interface language on first load.
    language: Language = "fr"

    # --- signing in (docs/sign-in.md) -----------------------------------------------------
    #: SCORING_AUTH: "local" (accounts file, the embedded default) or "oidc" (a provider).
    auth: Literal["local", "oidc"] = "local"
    #: SCORING_USERS_FILE: local accounts (argon2 hashes), managed by `scoring users`.
    users_file: Path = Path("var/users.json")
    #: SCORING_SESSION_IDLE_SECONDS: a session ends after this long without a request.
    session_idle_seconds: float = Field(900.0, gt=0, le=86_400)
    #: SCORING_COOKIE_SECURE: send the session cookie over HTTPS only (set it behind HTTPS).
    cookie_secure: bool = False
    #: SCORING_LOGIN_MAX_FAILURES wrong passwords for one name lock it for
    #: SCORING_LOGIN_LOCKOUT_SECONDS.
    login_max_failures: int = Field(5, ge=1, le=1_000)
    login_lockout_seconds: float = Field(300.0, gt=0, le=86_400)
    #: SCORING_DASHBOARD_PUBLIC_URL: the address people open (behind a proxy); the OpenID
    #: Connect redirect URI is built from it (default: the address of the request).
    public_url: str = Field("", validation_alias="SCORING_DASHBOARD_PUBLIC_URL")
    #: SCORING_OIDC_ISSUER: the provider's issuer URL (its /.well-known/openid-configuration).
    oidc_issuer: str = ""
    #: SCORING_OIDC_CLIENT_ID / SCORING_OIDC_CLIENT_SECRET (empty secret: a public client,
    #: protected by PKCE alone).
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    #: SCORING_OIDC_SCOPES
    oidc_scopes: str = "openid profile email"
    #: SCORING_OIDC_ROLES_CLAIM: the claim holding the roles (dots reach nested claims, as
    #: in "realm_access.roles"); a string or a list of strings.
    oidc_roles_claim: str = "roles"
    #: SCORING_OIDC_ROLE_MAP: "provider value:role,..." (empty: values are role names).
    oidc_role_map: str = ""
    #: SCORING_OIDC_USER_CLAIM: the claim that names the person in the audit trail.
    oidc_user_claim: str = "sub"
    #: SCORING_OIDC_PROVIDER_NAME: shown on the sign-in button.
    oidc_provider_name: str = "OpenID Connect"

    @model_validator(mode="after")
    def _oidc_complete(self) -> DashboardSettings:
        if self.auth == "oidc" and not (self.oidc_issuer and self.oidc_client_id):
            raise ValueError(
                "SCORING_AUTH=oidc needs SCORING_OIDC_ISSUER and SCORING_OIDC_CLIENT_ID"
            )
        for name in ("oidc_issuer", "public_url"):
            value = getattr(self, name)
            if value and not value.startswith(("http://", "https://")):
                raise ValueError(f"{name} must start with http:// or https://, got {value!r}")
        return self

    @field_validator("api_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"api_url must start with http:// or https://, got {value!r}")
        return value.rstrip("/")
