"""Prometheus metrics and the access log, in one pure-ASGI middleware (the outermost layer).

It wraps everything else, including the refusals of api/admission.py (401, 429, 413...), so
every request is counted and logged once, whoever answered it.

Pure ASGI (not BaseHTTPMiddleware) because it sits on the hot path: it adds one timer and a few
dict lookups per request. Routes are labelled by their template ("/v1/clients/{client_id}"),
which keeps the metrics' cardinality bounded and keeps client IDs out of both the metrics and the
access log; the log line names the caller's key, never the key, the query string or the body.
With several uvicorn workers each process exposes its own counters (scrape each, or sum them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("api.access")

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The service's metrics, in a registry of their own (one per app, so tests stay isolated)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "scoring_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "scoring_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "scoring_decisions",
            "Predictions and explanations served, by endpoint and decision",
            ["endpoint", "decision"],
            registry=self.registry,
        )


class ServiceMiddleware:
    """Metrics per route and one access-log line per request, whatever answered it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        # Created here so that the dict the admission layer writes the caller's name into is
        # this one, even when a router hands a copy of the scope down.
        scope.setdefault("state", {})

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            self._observe(scope, status, started)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(template, scope["method"], str(status)).inc()
        self.metrics.latency.labels(template).observe(elapsed)
        if access_log.isEnabledFor(logging.INFO):
            caller = scope.get("state", {}).get("caller", "-")
            access_log.info(
                "%s %s %d %.1fms caller=%s",
                scope["method"],
                template,
                status,
                elapsed * 1000,
                caller,
            )
