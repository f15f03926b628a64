"""API keys: who is calling, checked in constant time.

Every key is compared (hmac.compare_digest) even after a match, so the response time says
nothing about how many keys exist or which one came close. The caller's key NAME (not the key)
is what logs and the audit trail record.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from api.errors import Forbidden, Unauthorized

API_KEY_HEADER = "X-API-Key"


class KeyChecker:
    def __init__(self, keys: dict[str, SecretStr]) -> None:
        self._keys = [(name, key.get_secret_value().encode()) for name, key in keys.items()]

    def caller(self, presented: str | None) -> str:
        """The name of the key presented; 401 when none is presented, 403 when it is wrong."""
        if not presented:
            raise Unauthorized(f"missing API key: send it in the {API_KEY_HEADER} header")
        candidate = presented.encode()
        found: str | None = None
        for name, key in self._keys:
            if hmac.compare_digest(candidate, key) and found is None:
                found = name
        if found is None:
            raise Forbidden("the API key is not valid")
        return found
