"""Thin HTTP layers: validate, call the scorer or a view builder, record, return."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Response
from pydantic import AfterValidator, BaseModel, BeforeValidator
from pydantic_core import PydanticCustomError

from shared.contract import ClientIdText, ErrorResponse

_DESCRIPTIONS = {
    401: "No API key",
    403: "Wrong API key",
    404: "Unknown client or feature",
    413: "Body or batch too large",
    422: "Invalid input: field, value and expectation in details",
    503: "Bundle not loaded",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given status codes, all in the ErrorResponse shape."""
    return {c: {"model": ErrorResponse, "description": _DESCRIPTIONS[c]} for c in codes}


AUTH = (401, 403, 503)

#: An optional `?client_id=` (the client to place among the population, or to edit): decimal
#: digits only ("100002.0" or "+100002" are not IDs).
ClientQuery = Annotated[ClientIdText | None, Query(description="SK_ID_CURR")]


#: An ISO 8601 date-time starts with its date; pydantic's lax parsing would also read "0.5" or
#: "1700000000" as Unix timestamps, which nobody means in a query string.
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]|$)")


def _iso_text(value: object) -> object:
    if isinstance(value, str) and not _ISO_START.match(value):
        raise PydanticCustomError(
            "datetime_from_date_parsing",
            "Input should be an ISO 8601 date-time, e.g. 2024-05-01T08:00:00Z",
        )
    return value


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC (a naive time is taken as UTC); clamped to the representable
    range, which for a lower bound means the same selection ("since 0001-01-01T00:00+01:00")."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        limit = datetime.min if moment.year == datetime.min.year else datetime.max
        return limit.replace(tzinfo=UTC)


#: A time in a query (`?since=`): ISO 8601 only, returned as an aware UTC datetime, so no code
#: behind it meets a naive time (read as the server's local time by `astimezone`) or a year-1
#: time that overflows when converted. The validator, last, runs first.
UtcTime = Annotated[datetime, AfterValidator(as_utc), BeforeValidator(_iso_text)]


def json_response(model: BaseModel) -> Response:
    """The model serialised by pydantic-core in one call.

    The hot routes return this instead of the model: FastAPI would otherwise validate the
    returned object against `response_model` again and walk it through jsonable_encoder, which
    costs more than the prediction. The route still declares `response_model` for OpenAPI, and
    the object was built from the same contract classes, so the shape cannot differ.
    """
    return Response(model.model_dump_json(), media_type="application/json")
