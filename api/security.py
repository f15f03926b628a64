"""API keys: who is calling, checked in constant time.

Every key is compared (hmac.compare_digest) even after a match, so the response time says
nothing about how many keys exist or which one came close. The caller's key NAME (not the key)
is what logs and the audit trail record.

The key is checked by the ASGI layer (api/admission.py) before the body is read, so a caller
without a valid key costs a header lookup, never a JSON parse. Two X-API-Key headers are refused
with 400: proxies and frameworks disagree on which one counts (first, last, joined with a
comma), so accepting either would let a request be read differently along its way.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from api.errors import ApiError, Forbidden, Unauthorized
from shared.contract import ErrorItem

API_KEY_HEADER = "X-API-Key"
_HEADER_NAME = API_KEY_HEADER.lower().encode()


def presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The X-API-Key of an ASGI request's raw headers; None when absent, 400 when repeated."""
    values = [value for name, value in headers if name == _HEADER_NAME]
    if len(values) > 1:
        raise ApiError(
            f"{len(values)} {API_KEY_HEADER} headers: send exactly one",
            [
                ErrorItem(
                    field=API_KEY_HEADER,
                    value=len(values),
                    expected="exactly one header",
                    message="repeated header",
                )
            ],
        )
    return values[0].decode("latin-1") if values else None


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
