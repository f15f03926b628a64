"""One error shape for every failure, whoever raises it.

Callers (the dashboard, scripts) handle `{"error": {"code", "message", "details"}}` and nothing
else: our own errors, FastAPI's request validation, Starlette's 404/405 and unexpected exceptions
all end up in this shape. Unexpected exceptions answer 500 with a generic message: the traceback
goes to the server log (which never holds request bodies), never to the caller.
"""

from __future__ import annotations

import logging
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

    def __init__(self, message: str, details: list[ErrorItem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


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


def error_body(code: str, message: str, details: list[ErrorItem] | None = None) -> bytes:
    info = ErrorInfo(code=code, message=message, details=details or [])
    return ErrorResponse(error=info).model_dump_json().encode()


def error_response(
    status: int, code: str, message: str, details: list[ErrorItem] | None = None
) -> JSONResponse:
    info = ErrorInfo(code=code, message=message, details=details or [])
    headers = {"WWW-Authenticate": "ApiKey"} if status == 401 else None
    return JSONResponse(
        ErrorResponse(error=info).model_dump(mode="json"), status_code=status, headers=headers
    )


def _json_safe(value: Any) -> Any:
    """Echo short scalars back; anything big or structured is summarised, never dumped."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= 100 else value[:100] + "…"
    return f"<{type(value).__name__}>"


def validation_details(errors: list[dict[str, Any]]) -> list[ErrorItem]:
    """FastAPI/pydantic errors as field / value / expectation items."""
    items = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        expected = error.get("ctx", {}).get("expected") if error.get("ctx") else None
        message = str(error.get("msg", "invalid value"))
        if expected is None and message.startswith("Input should be "):
            # pydantic words most expectations as "Input should be <what>": keep the <what>.
            expected = message.removeprefix("Input should be ")
        items.append(
            ErrorItem(
                field=".".join(location) or None,
                value=_json_safe(error.get("input")),
                expected=str(expected) if expected is not None else None,
                message=message,
            )
        )
    return items


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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        details = validation_details(list(error.errors()))
        return error_response(
            422, "validation_error", "the request does not match the expected schema", details
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, "http_error")
        message = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
        return error_response(error.status_code, code, message)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        log.error("unhandled %s while serving a request", type(error).__name__, exc_info=error)
        return error_response(500, "internal_error", "internal error; the incident was logged")
