"""Export of the audit trail, as CSV or JSON lines, streamed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.audit import export_lines
from api.dependencies import Caller, Service
from api.routers import AUTH, errors

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get(
    "/audit",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}},
        **errors(*AUTH, 422),
    },
    summary="Every prediction and explanation served (CSV or JSON lines)",
)
async def export_audit(
    service: Service,
    _: Caller,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
    since: Annotated[datetime | None, Query(description="ISO time, inclusive")] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
) -> StreamingResponse:
    lines = export_lines(service.audit.path, format, since, limit)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(lines, media_type=media)
