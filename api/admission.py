"""Who may come in, and with what: the API key, the per-key limits and the body, in that order.

A pure-ASGI layer in front of the routers, because FastAPI reads and parses a request's body
BEFORE it resolves dependencies: a refusal decided in a dependency has already paid for the JSON
parse of up to a megabyte. Here, in order of cost:

1. the API key (protected paths: /v1/* and /metrics): 401 without one, 400 when repeated, 403
   when wrong; the caller's key NAME goes into the request state for the dependencies, the
   access log and the audit trail; then the key's scope for the path and, from a trusted
   front-end only, the signed-in person it speaks for (api/identity.py), 403 otherwise;
2. the caller's rate and concurrency limits (api/rate_limit.py): 429 with `Retry-After`;
3. the body, read here whatever the transfer encoding: 413 as soon as it passes the limit
   (a declared Content-Length is refused before reading anything), then 422 if a JSON body is
   not UTF-8; the routers then get the buffered body in one piece.

CORS preflight requests (OPTIONS) carry no key by design and pass untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from api.errors import ApiError, PayloadTooLarge, TooManyRequests, error_response, invalid_json
from api.identity import Policy, reset_current_user, set_current_user
from api.rate_limit import KeyLimiter
from api.security import KeyChecker, presented_key
from shared.contract import ErrorItem, ErrorResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths that need an API key (everything else: /health, /ready, /docs, /openapi.json).
PROTECTED_PREFIX = "/v1/"
PROTECTED_PATHS = frozenset({"/metrics"})


def needs_key(path: str) -> bool:
    return path.startswith(PROTECTED_PREFIX) or path in PROTECTED_PATHS


class Admission:
    def __init__(
        self,
        app: ASGIApp,
        keys: KeyChecker,
        limiter: KeyLimiter,
        max_body_bytes: int,
        policy: Policy | None = None,
    ) -> None:
        self.app = app
        self.keys = keys
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes
        #: Scopes and trusted front-ends (api/identity.py); None: every key may do everything.
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        if not needs_key(scope["path"]):
            await self._with_body(scope, receive, send)
            return
        try:
            caller = self.keys.caller(presented_key(scope.get("headers", [])))
            speaker = (
                self.policy.admit(caller, scope["method"], scope["path"], scope.get("headers", []))
                if self.policy is not None
                else None
            )
        except ApiError as error:
            await _answer(scope, receive, send, error)
            return
        state = scope.setdefault("state", {})
        state["caller"] = caller
        user = speaker.user if speaker is not None else None
        state["user"] = user
        refusal = self.limiter.acquire(caller)
        if refusal is not None:
            error = TooManyRequests(
                f"too many requests: {refusal.reason}; retry in {refusal.retry_after} s",
                headers={"Retry-After": str(refusal.retry_after)},
            )
            await _answer(scope, receive, send, error)
            return
        # Every record written while serving this request names the person (api/identity.py).
        token = set_current_user(user)
        try:
            await self._with_body(scope, receive, send)
        finally:
            reset_current_user(token)
            self.limiter.release(caller)

    async def _with_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        declared = _content_length(headers.get(b"content-length"))
        if declared is not None and declared > self.max_body_bytes:
            await _answer(scope, receive, send, self._too_large(declared), close=True)
            return
        if not declared and b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            await self.app(scope, receive, send)  # no body (most GETs): nothing to buffer
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nobody to answer
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _answer(scope, receive, send, self._too_large(None), close=True)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _is_json(headers.get(b"content-type")):
            bad = _first_non_utf8(body)
            if bad is not None:
                await _not_utf8(scope, receive, send, body, bad)
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # later calls wait for the disconnect, as usual
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _too_large(self, declared: int | None) -> PayloadTooLarge:
        size = f"{declared} bytes" if declared is not None else "the body"
        return PayloadTooLarge(
            f"request body too large: {size} exceeds the limit of {self.max_body_bytes} bytes",
            [
                ErrorItem(
                    field="body",
                    value=declared,
                    expected=f"at most {self.max_body_bytes} bytes",
                    message="body too large",
                )
            ],
        )


async def _answer(
    scope: Scope, receive: Receive, send: Send, error: ApiError, *, close: bool = False
) -> None:
    headers = dict(error.headers)
    if close:  # the rest of the body is not read: the connection cannot carry another request
        headers["Connection"] = "close"
    response = error_response(error.status, error.code, error.message, error.details, headers)
    await response(scope, receive, send)


async def _not_utf8(scope: Scope, receive: Receive, send: Send, body: bytes, at: int) -> None:
    """422 like any malformed JSON (RFC 8259 §8.1: JSON is UTF-8), saying where."""
    before = body[:at].decode("utf-8")
    answer = invalid_json(f"byte 0x{body[at]:02x} is not UTF-8", before, len(before))
    await JSONResponse(answer.model_dump(mode="json"), status_code=422)(scope, receive, send)


def _first_non_utf8(body: bytes) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def _content_length(value: bytes | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


_KEY_RESPONSES: dict[int, dict[str, Any]] = {
    400: {
        "description": "More than one X-API-Key header, or a malformed X-Scoring-User / "
        "X-Scoring-Roles header"
    },
    401: {
        "description": "No API key",
        "headers": {
            "WWW-Authenticate": {"description": "The scheme: ApiKey", "schema": {"type": "string"}}
        },
    },
    403: {
        "description": "Wrong API key; a key without the scope this endpoint needs; "
        "X-Scoring-User from a key that is not a trusted front-end; or a forwarded person "
        "without the role (docs/sign-in.md)"
    },
    429: {
        "description": "Over this API key's rate or concurrency limit",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
}
#: Every operation refuses query parameters it does not declare (api/dependencies.py).
_QUERY_RESPONSES: dict[int, dict[str, Any]] = {
    422: {"description": "Invalid input: field, value and expectation in details"},
}
_BODY_RESPONSES: dict[int, dict[str, Any]] = {
    413: {"description": "Body (any transfer encoding), batch or side-table rows too large"},
    422: {
        "description": "Invalid input (field, value and expectation in details), or a body "
        "that is not JSON (line and column), not UTF-8 included"
    },
}


def document_admission(app: FastAPI) -> None:
    """Adds what this layer may answer to every operation of the app's OpenAPI schema, so the
    schema lists every status a caller can get (schemathesis checks that it does). Done on the
    generated schema, once, rather than on the routes, which FastAPI may build lazily."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        # Every router documents its own errors with ErrorResponse, so the component exists.
        error_ref = {"$ref": f"#/components/schemas/{ErrorResponse.__name__}"}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                extra: dict[int, dict[str, Any]] = dict(_QUERY_RESPONSES)
                if needs_key(path):
                    extra |= _KEY_RESPONSES
                if method in ("post", "put", "patch"):
                    extra |= _BODY_RESPONSES
                responses = operation.setdefault("responses", {})
                for status, entry in extra.items():
                    documented = responses.setdefault(str(status), {})
                    documented.setdefault("content", {"application/json": {"schema": error_ref}})
                    for key, value in entry.items():
                        documented.setdefault(key, value)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
