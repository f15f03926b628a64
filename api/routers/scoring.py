"""Predict, explain and what-if: score, record in the audit trail, then answer.

Requests by client ID are computed inline on the event loop (a lookup and one tree walk: cheaper
than a thread hop); requests with a JSON applicant run the feature pipeline in the thread pool so
a slower feature computation never stalls the other requests. The audit record is committed
before the handler returns, so no caller ever holds a decision the trail lacks.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api.applicants import check_side_rows
from api.audit import Entry
from api.dependencies import Caller, Scoring, Service, ServiceState
from api.errors import PayloadTooLarge
from api.monitoring import observe
from api.recourse import recourse
from api.routers import AUTH, ClientQuery, errors, json_response
from api.scorer import FeatureRows, Scored, Scorer, payload_digest
from api.what_if import fields_for, what_if
from shared.contract import (
    ErrorItem,
    ExplainRequest,
    Explanation,
    ExplanationBatch,
    Prediction,
    PredictionBatch,
    RecourseRequest,
    RecourseResult,
    ScoreItem,
    ScoreRequest,
    WhatIfFields,
    WhatIfRequest,
    WhatIfResult,
)

router = APIRouter(prefix="/v1", tags=["scoring"])

_SCORING_ERRORS = errors(*AUTH, 404, 413, 422)


def _check_batch(body: ScoreRequest, limit: int) -> list[ScoreItem]:
    items = body.as_items()
    if len(items) > limit:
        raise PayloadTooLarge(
            f"batch of {len(items)} items exceeds the limit of {limit}",
            [
                ErrorItem(
                    field="items",
                    value=len(items),
                    expected=f"at most {limit} items",
                    message="batch too large",
                )
            ],
        )
    return items


def _rows(scorer: Scorer, items: list[ScoreItem]) -> tuple[FeatureRows, list, list]:
    ids: list[int | None] = [item.client_id for item in items]
    if all(i is not None for i in ids):
        return scorer.rows_for_clients(ids), ids, [None] * len(ids)  # type: ignore[arg-type]
    rows: list[FeatureRows] = []
    digests: list[str | None] = []
    # Every JSON applicant of the batch in one feature computation (api/applicants.py).
    applicants = [item.applicant for item in items if item.applicant is not None]
    computed = scorer.rows_for_applicants(applicants) if len(applicants) > 1 else None
    position = 0
    for item in items:
        if item.applicant is None:
            rows.append(scorer.rows_for_clients([item.client_id]))  # type: ignore[list-item]
            digests.append(None)
        else:
            if computed is None:
                rows.append(scorer.rows_for_applicant(item.applicant))
            else:
                at = slice(position, position + 1)
                rows.append(FeatureRows(computed.values[at], computed.models[at]))
                position += 1
            digests.append(payload_digest(item.applicant))
    return FeatureRows.stack(rows), ids, digests


async def _features(
    body: ScoreRequest, request: Request, scorer: Scorer
) -> tuple[FeatureRows, list, list]:
    """Feature rows, client IDs and payload digests of a predict/explain body (batch checked)."""
    items = _check_batch(body, request.app.state.settings.max_batch)
    check_side_rows(items, request.app.state.settings.max_side_rows)
    if any(item.applicant is not None for item in items):
        return await run_in_threadpool(_rows, scorer, items)
    return _rows(scorer, items)


async def _record(
    request: Request,
    service: ServiceState,
    endpoint: str,
    caller: str,
    scored: list[Scored],
    started: float,
) -> None:
    latency_ms = (time.perf_counter() - started) * 1000
    scorer = service.scorer
    await service.audit.record_async(
        [
            Entry(
                endpoint=endpoint,
                model_version=scorer.version,
                caller=caller,
                client_id=s.client_id,
                payload_sha256=s.payload_sha256,
                probability=s.probability,
                decision=s.decision,
                threshold=scorer.threshold,
                latency_ms=latency_ms,
            )
            for s in scored
        ]
    )
    counter = request.app.state.metrics.decisions
    for s in scored:
        counter.labels(endpoint, s.decision).inc()


@router.post(
    "/predict",
    response_model=Prediction | PredictionBatch,
    responses=_SCORING_ERRORS,
    summary="Probability of default and decision, by client ID, JSON applicant or batch",
)
async def predict(body: ScoreRequest, request: Request, auth: Scoring) -> Response:
    started = time.perf_counter()
    caller, service = auth.caller, auth.service
    scorer = service.scorer
    rows, ids, digests = await _features(body, request, scorer)
    scored = scorer.score(rows, ids, digests)
    await _record(request, service, "predict", caller, scored, started)
    observe(service, rows.values, [s.probability for s in scored])
    predictions = [scorer.prediction(s) for s in scored]
    return json_response(PredictionBatch(items=predictions) if body.is_batch else predictions[0])


def _explain_rows(
    scorer: Scorer, rows: FeatureRows, ids: list, digests: list, body: ExplainRequest
) -> tuple[list[Scored], list[Explanation]]:
    contributions = scorer.contributions(rows)
    scored = scorer.score(rows, ids, digests)
    return scored, [
        scorer.explanation(s, rows.values[k], contributions[k], body.max_features)
        for k, s in enumerate(scored)
    ]


@router.post(
    "/explain",
    response_model=Explanation | ExplanationBatch,
    responses=_SCORING_ERRORS,
    summary="Prediction plus TreeSHAP contributions, per-group sums and plain-language reasons",
)
async def explain(body: ExplainRequest, request: Request, auth: Scoring) -> Response:
    started = time.perf_counter()
    caller, service = auth.caller, auth.service
    scorer = service.scorer
    rows, ids, digests = await _features(body, request, scorer)
    # TreeSHAP costs milliseconds and LightGBM releases the GIL: a worker thread lets the event
    # loop answer other requests meanwhile and lets two explanations use two cores.
    scored, explanations = await run_in_threadpool(_explain_rows, scorer, rows, ids, digests, body)
    await _record(request, service, "explain", caller, scored, started)
    observe(service, rows.values, [s.probability for s in scored])
    return json_response(ExplanationBatch(items=explanations) if body.is_batch else explanations[0])


@router.get(
    "/what-if/fields",
    response_model=WhatIfFields,
    responses=errors(*AUTH, 404, 422),
    summary="Fields a what-if may change, their allowed ranges and the client's current values",
)
async def what_if_fields(
    service: Service,
    _: Caller,
    client_id: ClientQuery = None,
) -> WhatIfFields:
    return fields_for(service.scorer, client_id)


@router.post(
    "/what-if",
    response_model=WhatIfResult,
    responses=errors(*AUTH, 404, 422),
    summary="Re-score a known client with some application fields changed",
)
async def what_if_route(
    body: WhatIfRequest, request: Request, caller: Caller, service: Service
) -> WhatIfResult:
    started = time.perf_counter()
    result = await run_in_threadpool(what_if, service.scorer, body.client_id, body.changes)
    after = result.after
    scored = Scored(
        body.client_id, None, after.probability, after.decision, float("nan"), after.model
    )
    await _record(request, service, "what-if", caller, [scored], started)
    return result


@router.post(
    "/recourse",
    response_model=RecourseResult,
    responses=errors(*AUTH, 404, 422),
    summary="Up to three changes of the request's terms that would get it granted",
)
async def recourse_route(
    body: RecourseRequest, request: Request, caller: Caller, service: Service
) -> Response:
    """Searches amount (30-100 % of the request), whole-month term and goods price only; each
    option posted to /v1/what-if gives the same probability (api/recourse.py). The audit trail
    records the decision on the request as it is."""
    started = time.perf_counter()
    result = await run_in_threadpool(recourse, service.scorer, body.client_id)
    current = result.current
    scored = Scored(
        body.client_id, None, current.probability, current.decision, float("nan"), current.model
    )
    await _record(request, service, "recourse", caller, [scored], started)
    return json_response(result)
