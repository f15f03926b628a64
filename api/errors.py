"""One error shape for every failure, whoever raises it.

Callers (the dashboard, scripts) handle `{"error": {"code", "message", "details"}}` and nothing
else: our own errors, FastAPI's request validation, Starlette's 404/405 and unexpected exceptions
all end up in this shape, keeping the headers HTTP requires with their status (405 `Allow`, 401
`WWW-Authenticate`, 429 `Retry-After`). `details` lists at most MAX_DETAILS problems, so the
answer to a body full of mistakes stays small; a body that is not JSON is located by line and
column. Unexpected exceptions answer 500 with a generic message: the traceback
goes to the server log (which never holds request bodies), never to the caller.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.contract import ErrorInfo, ErrorItem, ErrorResponse

log = logging.getLogger("api.errors")


class ApiError(Exception):
    """An expected failure with its HTTP status; raised by HTTP-free code as well (scorer)."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        details: list[ErrorItem] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = dict(headers or {})


class NotFound(ApiError):
    status, code = 404, "not_found"


class InvalidInput(ApiError):
    status, code = 422, "validation_error"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class NotReady(ApiError):
    status, code = 503, "not_ready"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class TooManyRequests(ApiError):
    """Raised with a `Retry-After` header (seconds), which RFC 6585 recommends with 429."""

    status, code = 429, "too_many_requests"


def required_headers(status: int, headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers HTTP requires with an error status, added to those the raiser gave: 401
    names the scheme (RFC 9110 §11.6.1); 405's `Allow` and 429's `Retry-After` come from the
    raiser (Starlette's router, the rate limiter) and must survive the shared handler."""
    out = dict(headers or {})
    if status == 401:
        out.setdefault("WWW-Authenticate", 'ApiKey header="X-API-Key"')
    return out


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[ErrorItem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    info = ErrorInfo(code=code, message=message, details=details or [])
    return JSONResponse(
        ErrorResponse(error=info).model_dump(mode="json"),
        status_code=status,
        headers=required_headers(status, headers) or None,
    )


def _json_safe(value: Any) -> Any:
    """Echo short scalars back; anything big or structured is summarised, never dumped."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= 100 else value[:100] + "…"
    return f"<{type(value).__name__}>"


#: At most this many items in `details`: a body with thousands of mistakes gets the first few and
#: their count (in the message), not an answer larger than the request.
MAX_DETAILS = 10


def _detail(error: dict[str, Any]) -> ErrorItem:
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    context = error.get("ctx") or {}
    kind = error.get("type")
    message = str(error.get("msg", "invalid value"))
    value = _json_safe(error.get("input"))
    expected = context.get("expected")
    if kind in ("extra_forbidden", "null_forbidden") and "field" in context:
        # shared.contract names the field at fault in the context (the error's location is the
        # record's): put it in the path like pydantic's own errors.
        location.append(str(context["field"]))
        value = None
    elif kind == "missing":
        message = "missing field: required to decide (see the schema's `required` list)"
        value, expected = None, "a value"
    if expected is None and message.startswith("Input should be "):
        # pydantic words most expectations as "Input should be <what>": keep the <what>.
        expected = message.removeprefix("Input should be ")
    return ErrorItem(
        field=".".join(location) or None,
        value=value,
        expected=str(expected) if expected is not None else None,
        message=message,
    )


def validation_details(errors: list[dict[str, Any]]) -> list[ErrorItem]:
    """FastAPI/pydantic errors as field / value / expectation items, at most MAX_DETAILS.

    Problems with values the caller sent come first and missing fields last: a wrong value is
    the more specific news, and a request missing everything still names each missing field.
    """
    ordered = sorted(errors, key=lambda e: e.get("type") == "missing")
    return [_detail(error) for error in ordered[:MAX_DETAILS]]


def schema_message(count: int) -> str:
    listed = f"; the first {MAX_DETAILS} are listed" if count > MAX_DETAILS else ""
    problems = "1 problem" if count == 1 else f"{count} problems"
    return f"the request does not match the expected schema ({problems}{listed})"


def invalid_json(message: str, text: str | None, position: int | None) -> ErrorResponse:
    """A body that is not JSON: say where, as line and column (1-based), never as an offset."""
    where = ""
    if text is not None and position is not None:
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        where = f" at line {line}, column {column}"
    detail = ErrorItem(
        field="body",
        expected="a JSON document (RFC 8259) encoded in UTF-8",
        message=f"{message}{where}",
    )
    info = ErrorInfo(
        code="validation_error",
        message=f"the body is not valid JSON: {message}{where}",
        details=[detail],
    )
    return ErrorResponse(error=info)


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "not_ready",
}


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def documented_methods(app: FastAPI, path: str) -> str | None:
    """The `Allow` value for a path: every method the OpenAPI schema lists for it. Starlette's
    405 names only the methods of the first route that matched the path, which is wrong when a
    path has one route per method (GET and POST /v1/decisions)."""
    table: list[tuple[re.Pattern[str], str]] | None = getattr(app.state, "allow_table", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            segments = (
                "[^/]+" if part.startswith("{") else re.escape(part) for part in template.split("/")
            )
            methods = sorted(m.upper() for m in operations if m in _HTTP_METHODS)
            table.append((re.compile("/".join(segments) + "$"), ", ".join(methods)))
        app.state.allow_table = table
    for pattern, methods in table:
        if pattern.match(path):
            return methods
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.details, error.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        if len(errors) == 1 and errors[0].get("type") == "json_invalid":
            context = errors[0].get("ctx") or {}
            location = errors[0].get("loc", ())
            position = location[-1] if location and isinstance(location[-1], int) else None
            text = error.body if isinstance(error.body, str) else None
            body = invalid_json(str(context.get("error", "malformed JSON")), text, position)
            return JSONResponse(body.model_dump(mode="json"), status_code=422)
        return error_response(
            422, "validation_error", schema_message(len(errors)), validation_details(errors)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, "http_error")
        message = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
        headers = dict(error.headers or {})
        if error.status_code == 405:
            documented = documented_methods(app, request.url.path)
            if documented is not None:
                headers["Allow"] = documented
        return error_response(error.status_code, code, message, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        log.error("unhandled %s while serving a request", type(error).__name__, exc_info=error)
        return error_response(500, "internal_error", "internal error; the incident was logged")
