"""FastAPI dependencies: the settings, the caller's identity and the loaded bundle.

Routers declare what they need (`Caller`, `Service`) instead of reaching into app.state, so a
route cannot forget authentication and tests can see each route's needs in its signature. They
are `async def` because FastAPI runs plain `def` dependencies in the thread pool: a thread hop
per dependency per request, which costs more than the prediction itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.audit import AuditLog
from api.decisions import DecisionLog
from api.distributions import Population
from api.errors import InvalidInput, NotReady
from api.monitoring import LiveMonitor, open_monitor
from api.scorer import Scorer
from api.security import API_KEY_HEADER, KeyChecker
from shared.contract import ErrorItem
from shared.settings import ApiSettings


@dataclass
class ServiceState:
    """Everything loaded once at start-up and shared by all requests of this process."""

    scorer: Scorer
    population: Population
    audit: AuditLog
    #: The advisors' final decisions and the live drift window, both kept in the audit file
    #: through its writer (opened from `audit` when not given).
    decisions: DecisionLog | None = None
    monitor: LiveMonitor | None = None

    def __post_init__(self) -> None:
        if self.decisions is None:
            self.decisions = DecisionLog(self.audit)
        if self.monitor is None:
            self.monitor = open_monitor(
                self.scorer.bundle, self.audit, self.scorer.feature_names, self.scorer.version
            )

    def close(self) -> None:
        self.audit.close()
        self.scorer.close()


_api_key = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="API key (several may be configured)"
)


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


async def get_caller(
    request: Request, key: Annotated[str | None, Security(_api_key)] = None
) -> str:
    """The caller's key name. api/admission.py has already checked the key (before the body was
    read) and left the name in the request state; the check here only serves an app assembled
    without that layer, so that no route can ever run unauthenticated."""
    caller: str | None = getattr(request.state, "caller", None)
    if caller is None:
        checker: KeyChecker = request.app.state.key_checker
        caller = checker.caller(key)
        request.state.caller = caller
    return caller


async def get_service(request: Request) -> ServiceState:
    service: ServiceState | None = request.app.state.service
    if service is None:
        raise NotReady("the model bundle is not loaded yet")
    return service


@dataclass(frozen=True)
class Authorized:
    caller: str
    service: ServiceState


async def get_authorized(
    request: Request, key: Annotated[str | None, Security(_api_key)] = None
) -> Authorized:
    """Caller and service in one dependency, for the hot scoring routes (one resolution less)."""
    caller = await get_caller(request, key)
    return Authorized(caller=caller, service=await get_service(request))


def _query_names(dependant: Any) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared_query(route: object) -> frozenset[str]:
    """The query parameter names a route declares (its own and its dependencies'), cached."""
    cached: frozenset[str] | None = getattr(route, "_declared_query", None)
    if cached is None:
        dependant = getattr(route, "dependant", None)
        cached = frozenset(_query_names(dependant)) if dependant is not None else frozenset()
        route._declared_query = cached  # type: ignore[attr-defined]
    return cached


async def known_query_only(request: Request) -> None:
    """422 for a query parameter the route does not declare (`?limt=5`, `?=4185`), like an
    unknown body field: a misspelt option silently ignored gives the caller an answer to a
    question they did not ask. Installed on every route by the app factory."""
    if not request.query_params:
        return
    declared = _declared_query(request.scope.get("route"))
    for name in request.query_params:
        if name not in declared:
            allowed = ", ".join(sorted(declared)) or "none"
            raise InvalidInput(
                f"unknown query parameter '{name[:100]}'",
                [
                    ErrorItem(
                        field=f"query.{name[:100]}",
                        expected=f"one of the declared parameters ({allowed})",
                        message="unknown query parameter",
                    )
                ],
            )


Scoring = Annotated[Authorized, Depends(get_authorized)]
Caller = Annotated[str, Depends(get_caller)]
Service = Annotated[ServiceState, Depends(get_service)]
Settings = Annotated[ApiSettings, Depends(get_settings)]
