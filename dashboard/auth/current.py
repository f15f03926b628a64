"""The signed-in person of the request being served, for layouts, callbacks and the API client.

The guard (dashboard/auth/guard.py) puts the session in `flask.g` before any page, layout or
callback runs; outside a request (unit tests of a layout function) there is none.
"""

from __future__ import annotations

from flask import g, has_request_context

from dashboard.auth.roles import Permission, Role, allows, may_see_page
from dashboard.auth.sessions import Session


def current_session() -> Session | None:
    if not has_request_context():
        return None
    session: Session | None = g.get("scoring_session")
    return session


def current_roles() -> tuple[Role, ...]:
    session = current_session()
    return session.roles if session is not None else ()


def unguarded() -> bool:
    """True outside a request: layout functions called by unit tests show every link (the
    guard still decides what a real request may open)."""
    return not has_request_context()


def current_allows(permission: Permission | None) -> bool:
    return unguarded() or allows(current_roles(), permission)


def current_may_see(page: str) -> bool:
    return unguarded() or may_see_page(current_roles(), page)


def forwarded_identity() -> dict[str, str]:
    """Headers naming the signed-in person to the API (trusted front-end keys only)."""
    session = current_session()
    if session is None:
        return {}
    return {
        "X-Scoring-User": session.user,
        "X-Scoring-Roles": ",".join(role.value for role in session.roles),
    }
