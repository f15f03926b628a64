"""Export of the audit trail, as CSV or JSON lines, streamed.

Everything that can go wrong is checked BEFORE the first byte is streamed: once a 200 and its
headers are sent, an error can only cut the stream (the caller gets a truncated file that looks
complete, and the server logs a traceback). So `since` is validated and normalised to UTC by its
type (UtcTime: a time without a zone is UTC; a number such as `0.5` is not a time), and the
first record is read before the response starts, which opens the database and runs the query.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.audit import ACCESS_COLUMNS, access_write, as_csv, as_jsonl, read_access, read_records
from api.dependencies import Caller, Service, ServiceState
from api.routers import AUTH, UtcTime, errors

router = APIRouter(prefix="/v1", tags=["audit"])


async def _started(records: Iterator[Any]) -> Iterator[Any]:
    """Reads the first record now (database opened, query run: in a worker thread, like the
    rest of the stream), so that their errors become a proper error response instead of a
    broken stream."""
    first = await run_in_threadpool(next, records, None)
    return records if first is None else chain([first], records)


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
    caller: Caller,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
    since: Annotated[
        UtcTime | None,
        Query(description="ISO 8601 date-time, inclusive; without a time zone it is UTC"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
) -> StreamingResponse:
    await _record_export(service, caller, "export.audit", format, since, limit)
    records = await _started(read_records(service.audit.database, since=since, limit=limit))
    if format == "csv":
        return StreamingResponse(as_csv(records), media_type="text/csv")
    return StreamingResponse(as_jsonl(records), media_type="application/x-ndjson")


@router.get(
    "/audit/access",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}},
        **errors(*AUTH, 422),
    },
    summary="Who opened which client's file, and every export (CSV or JSON lines)",
    description="Needs the audit scope; through the dashboard, the risk or admin role.",
)
async def export_access(
    service: Service,
    caller: Caller,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
    since: Annotated[
        UtcTime | None,
        Query(description="ISO 8601 date-time, inclusive; without a time zone it is UTC"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
) -> StreamingResponse:
    # Recorded first: the export shows itself as its last line.
    await _record_export(service, caller, "export.access", format, since, limit)
    records = await _started(read_access(service.audit.database, since=since, limit=limit))
    if format == "csv":
        return StreamingResponse(as_csv(records, ACCESS_COLUMNS), media_type="text/csv")
    return StreamingResponse(as_jsonl(records), media_type="application/x-ndjson")


async def _record_export(
    service: ServiceState,
    caller: str,
    action: str,
    format: str,
    since: datetime | None,
    limit: int | None,
) -> None:
    """Every export is itself recorded (who, when, which filter), before it starts."""
    detail = f"format={format} since={since.isoformat() if since else ''} limit={limit or ''}"
    await service.audit.write_async([access_write(caller, action, detail=detail)])
