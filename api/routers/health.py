"""Liveness (the process answers) and readiness (the bundle is loaded and verified)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.dependencies import Caller
from api.errors import error_response
from api.routers import AUTH, errors
from shared.contract import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, summary="Liveness: the process is up")
async def health() -> Health:
    return Health()


@router.get(
    "/ready",
    response_model=Readiness,
    responses=errors(503),
    summary="Readiness: 200 once the bundle is loaded and verified, 503 before",
)
async def ready(request: Request) -> Readiness | JSONResponse:
    service = request.app.state.service
    if service is None:
        return error_response(503, "not_ready", "the model bundle is not loaded yet")
    return Readiness(status="ready", model_version=service.scorer.version)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, **errors(401, 403)},
    summary="Prometheus metrics of this process (request counts, latencies, decisions)",
)
async def metrics(request: Request, _: Caller) -> Response:
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


__all__ = ["AUTH", "router"]
