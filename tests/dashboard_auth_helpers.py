"""Signing a Flask test client in to the dashboard, for tests of pages and callbacks over HTTP
(the dashboard is closed by default: dashboard/auth)."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path
from typing import Any

from dashboard.auth.accounts import add_account
from dashboard.auth.roles import Role

PASSWORD = "unit-test-password-01"
#: One account per role, named after it.
NAMES = {role: f"test-{role.value}" for role in Role}


def write_accounts(path: Path) -> Path:
    for role, name in NAMES.items():
        add_account(path, name, role, PASSWORD, replace=True)
    return path


@functools.cache
def shared_accounts() -> Path:
    """One accounts file for the whole test session (argon2 hashing costs ~0.1 s each)."""
    return write_accounts(Path(tempfile.mkdtemp(prefix="dashboard-accounts-")) / "users.json")


def login_token(client: Any, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def sign_in(
    client: Any, role: Role = Role.ADMIN, password: str = PASSWORD, next_path: str = "/"
) -> Any:
    """Posts the real sign-in form; returns the answer (303 on success)."""
    token = login_token(client)
    return client.post(
        "/login",
        data={
            "username": NAMES[role],
            "password": password,
            "csrf_token": token,
            "next": next_path,
        },
    )


def csrf_headers(client: Any) -> dict[str, str]:
    """What Dash's renderer sends with a callback: the _csrf_token cookie as X-CSRFToken."""
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value} if cookie is not None else {}
