"""Who may see what: three roles, each a set of permissions, and which page needs which.

The table is the single source: the navigation hides what a role may not open, the page router
refuses to render it, and the callback guard refuses its callbacks (a crafted POST to
/_dash-update-component gets 403), so a page is neither linked nor served.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    ADVISOR = "advisor"
    RISK = "risk"
    ADMIN = "admin"


class Permission(StrEnum):
    CLIENTS = "clients"  # search, client page, comparison, what-if
    DECISIONS = "decisions"  # record an advisor's final decision
    MODEL = "model"  # model page and model card
    GOVERNANCE = "governance"  # fairness, drift, overrides
    EXPORTS = "exports"  # audit trail, client-access log and decisions as files
    ACCOUNTS = "accounts"  # manage accounts (administrators)


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADVISOR: frozenset({Permission.CLIENTS, Permission.DECISIONS}),
    Role.RISK: frozenset({Permission.MODEL, Permission.GOVERNANCE, Permission.EXPORTS}),
    Role.ADMIN: frozenset(Permission),
}

#: dashboard.routing Page -> the permission needed to see it (absent: any signed-in person).
PAGE_PERMISSIONS: dict[str, Permission] = {
    "client": Permission.CLIENTS,
    "compare": Permission.CLIENTS,
    "model": Permission.MODEL,
    "card": Permission.MODEL,
    "governance": Permission.GOVERNANCE,
}


def parse_role(text: str) -> Role:
    """The role named by `text`; ValueError listing the roles otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        expected = ", ".join(role.value for role in Role)
        raise ValueError(f"unknown role {text!r}; expected one of {expected}") from None


def permissions(roles: Iterable[Role]) -> frozenset[Permission]:
    """Everything any of `roles` may do (an OpenID Connect person may hold several roles)."""
    held: set[Permission] = set()
    for role in roles:
        held |= ROLE_PERMISSIONS[role]
    return frozenset(held)


def allows(roles: Iterable[Role], permission: Permission | None) -> bool:
    """True when one of `roles` holds `permission` (None: any signed-in person, i.e. any
    non-empty set of roles)."""
    roles = tuple(roles)
    if not roles:
        return False
    return permission is None or permission in permissions(roles)


def may_see_page(roles: Iterable[Role], page: str) -> bool:
    return allows(roles, PAGE_PERMISSIONS.get(page))
