"""Export of the audit trail, as CSV or JSON lines, streamed.

Everything that can go wrong is checked BEFORE the first byte is streamed: once a 200 and its
headers are sent, an error can only cut the stream (the caller gets a truncated file that looks
complete, and the server logs a traceback). So `since` is validated and normalised to UTC here
(a time without a zone is read as UTC; a number such as `0.5` is not a time), and the first
line is produced before the response starts, which opens the database and runs the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool

from api.audit import as_csv, as_jsonl, read_records
from api.dependencies import Caller, Service
from api.routers import AUTH, errors
from shared.contract import AuditRecord

router = APIRouter(prefix="/v1", tags=["audit"])

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


IsoTime = Annotated[datetime, BeforeValidator(_iso_text)]


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


async def _started(records: Iterator[AuditRecord]) -> Iterator[AuditRecord]:
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
    _: Caller,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
    since: Annotated[
        IsoTime | None,
        Query(description="ISO 8601 date-time, inclusive; without a time zone it is UTC"),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000_000)] = None,
) -> StreamingResponse:
    start = as_utc(since) if since is not None else None
    records = await _started(read_records(service.audit.path, since=start, limit=limit))
    if format == "csv":
        return StreamingResponse(as_csv(records), media_type="text/csv")
    return StreamingResponse(as_jsonl(records), media_type="application/x-ndjson")
