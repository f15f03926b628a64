"""Thin HTTP layers: validate, call the scorer or a view builder, record, return."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from pydantic import BaseModel

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


def json_response(model: BaseModel) -> Response:
    """The model serialised by pydantic-core in one call.

    The hot routes return this instead of the model: FastAPI would otherwise validate the
    returned object against `response_model` again and walk it through jsonable_encoder, which
    costs more than the prediction. The route still declares `response_model` for OpenAPI, and
    the object was built from the same contract classes, so the shape cannot differ.
    """
    return Response(model.model_dump_json(), media_type="application/json")
