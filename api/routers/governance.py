"""Governance for risk officers and validators: fairness, model card, live drift, decisions.

The fairness report and the model card are files of the verified bundle (hashed with the rest);
live drift reads the monitored rows (api/monitoring.py); the advisors' final decisions are
recorded and exported by api/decisions.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.audit import access_write
from api.decisions import DecisionLog, as_csv, as_jsonl, read_decisions, summary
from api.dependencies import Caller, Service, ServiceState
from api.errors import NotFound, NotReady
from api.monitoring import LiveMonitor
from api.routers import AUTH, UtcTime, errors
from shared.contract import ErrorItem
from shared.drift import DriftHistory, DriftReport
from shared.governance import (
    FAIRNESS_FILE,
    MODEL_CARD_FILE,
    REASON_CODES,
    DecisionRecord,
    DecisionRequest,
    DecisionSummary,
    FairnessReport,
    ReasonCode,
)
from shared.markdown import html_page

router = APIRouter(prefix="/v1", tags=["governance"])

#: ISO 8601 only (`since=0.5` is not a time), returned in UTC (a time without a zone is UTC).
Since = Annotated[
    UtcTime | None, Query(description="ISO 8601 time, inclusive; without a time zone it is UTC")
]


def _bundle_file(service: ServiceState, name: str) -> bytes:
    path = service.scorer.bundle.path(name)
    if not path.is_file():
        raise NotFound(
            f"bundle {service.scorer.version} has no {name}: it was trained before governance "
            "reports existed; retrain it"
        )
    return path.read_bytes()


def _monitor(service: ServiceState) -> LiveMonitor:
    monitor = getattr(service, "monitor", None)
    if monitor is None or monitor.reference is None:
        raise NotReady("live drift monitoring is not available for this bundle (retrain it)")
    return monitor


def _decisions(service: ServiceState) -> DecisionLog:
    decisions = getattr(service, "decisions", None)
    if decisions is None:
        raise NotReady("the decision log is not open")
    return decisions


@router.get(
    "/model/fairness",
    response_model=FairnessReport,
    responses=errors(*AUTH, 404),
    summary="Group metrics on honest out-of-fold predictions, per audited attribute",
)
async def fairness(service: Service, _: Caller) -> Response:
    report = FairnessReport.model_validate_json(_bundle_file(service, FAIRNESS_FILE))
    return Response(report.model_dump_json(), media_type="application/json")


@router.get(
    "/model/card",
    response_class=Response,
    responses={
        200: {"content": {"text/markdown": {}, "text/html": {}}},
        **errors(*AUTH, 404, 422),
    },
    summary="The model card (Markdown, or a self-contained HTML page)",
)
async def model_card(
    service: Service, _: Caller, format: Annotated[Literal["md", "html"], Query()] = "md"
) -> Response:
    text = _bundle_file(service, MODEL_CARD_FILE).decode("utf-8")
    if format == "html":
        page = html_page(text, f"Model card {service.scorer.version}")
        return Response(page, media_type="text/html; charset=utf-8")
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get(
    "/monitoring/drift",
    response_model=DriftReport,
    responses=errors(*AUTH, 404, 422),
    summary="PSI of the recently scored applicants against the training population",
)
async def drift(
    service: Service,
    _: Caller,
    since: Since = None,
    feature: Annotated[
        list[str], Query(description="also report these features (any model feature)")
    ] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> Response:
    monitor = _monitor(service)
    reference = monitor.reference
    unknown = [f for f in feature if reference is None or f not in reference.features]
    if unknown:
        raise NotFound(
            f"unknown feature {unknown[0]!r}",
            [ErrorItem(field="feature", value=unknown[0], message="not a model feature")],
        )
    report = await run_in_threadpool(monitor.report, since, feature)
    return Response(report.model_dump_json(), media_type="application/json")


@router.get(
    "/monitoring/drift/history",
    response_model=DriftHistory,
    responses=errors(*AUTH, 404, 422),
    summary="Score PSI per time bucket of the live window (oldest first)",
)
async def drift_history(
    service: Service,
    _: Caller,
    since: Since = None,
    bucket_hours: Annotated[
        float, Query(ge=0.25, le=24 * 31, description="bucket length, 15 minutes to 31 days")
    ] = 24,
) -> DriftHistory:
    points = await run_in_threadpool(_monitor(service).history, since, bucket_hours)
    return DriftHistory(bucket_hours=bucket_hours, points=points)


@router.get(
    "/decisions/reasons",
    response_model=list[ReasonCode],
    responses=errors(*AUTH),
    summary="Reason codes an advisor may give for overriding the model",
)
async def reasons(_: Caller) -> list[ReasonCode]:
    return list(REASON_CODES)


@router.post(
    "/decisions",
    response_model=DecisionRecord,
    status_code=201,
    responses=errors(*AUTH, 404, 422),
    summary="Record the advisor's final decision (override: reason code and comment required)",
)
async def record_decision(
    body: DecisionRequest, service: Service, caller: Caller
) -> DecisionRecord:
    scorer = service.scorer
    log = _decisions(service)
    rows = scorer.rows_for_clients([body.client_id])
    scored = scorer.score(rows, [body.client_id], [None])[0]
    prediction = scorer.prediction(scored)
    return await log.record(
        body,
        model_decision=prediction.decision,
        probability=prediction.probability,
        threshold=prediction.threshold,
        model_version=prediction.model_version,
        model=prediction.model,
        caller=caller,
    )


@router.get(
    "/decisions",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}},
        **errors(*AUTH, 422),
    },
    summary="Every recorded final decision (JSON lines or CSV)",
)
async def export_decisions(
    service: Service,
    caller: Caller,
    format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl",
    since: Since = None,
) -> StreamingResponse:
    # Every export is itself recorded (who, when, which filter), before it starts.
    detail = f"format={format} since={since.isoformat() if since else ''}"
    await service.audit.write_async([access_write(caller, "export.decisions", detail=detail)])
    records = read_decisions(_decisions(service).database, since=since)
    if format == "csv":
        return StreamingResponse(as_csv(records), media_type="text/csv")
    return StreamingResponse(as_jsonl(records), media_type="application/x-ndjson")


@router.get(
    "/decisions/summary",
    response_model=DecisionSummary,
    responses=errors(*AUTH, 422),
    summary="Override rate, overrides by reason and by direction",
)
async def decision_summary(service: Service, _: Caller, since: Since = None) -> DecisionSummary:
    return summary(read_decisions(_decisions(service).database, since=since))
