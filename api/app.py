"""The FastAPI application factory.

`create_app(settings)` wires settings, the admission layer (key, per-key limits and body checks
before any body is parsed), error handling, metrics and the routers; the
lifespan loads and verifies the bundle ONCE per process (hashes, model, client store, population
groups) and opens this process's audit connection. A bundle that fails verification makes the
start-up fail with the BundleError message (uvicorn then exits non-zero); `scoring serve` checks
the bundle before starting uvicorn so the operator sees that message first and plainly.

`create_app()` with no argument reads ApiSettings from the environment: that is the form uvicorn
calls in each worker process (`uvicorn api.app:create_app --factory`).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.admission import Admission, document_admission
from api.audit import AuditLog
from api.dependencies import ServiceState, known_query_only
from api.distributions import Population
from api.errors import install_error_handlers
from api.identity import Policy
from api.metrics import Metrics, ServiceMiddleware
from api.monitoring import open_monitor
from api.rate_limit import KeyLimiter
from api.routers import audit, clients, features, governance, health, model, scoring, summary
from api.scorer import Scorer
from api.security import KeyChecker
from api.storage import database_from_settings
from api.web_security import SecurityHeaders, install_docs
from shared.bundle import load_bundle
from shared.settings import ApiSettings

log = logging.getLogger("api")


def load_service(settings: ApiSettings) -> ServiceState:
    """Verifies and loads the bundle, builds the population views, opens the audit trail."""
    started = time.perf_counter()
    bundle = load_bundle(settings.model_dir)
    scorer = Scorer(bundle)
    population = Population(scorer)
    audit_log = AuditLog(database_from_settings(settings))
    # The loaded bundle is hundreds of thousands of long-lived objects; moving them out of the
    # collector's view keeps full collections (and their pauses under load) short.
    gc.collect()
    gc.freeze()
    log.info("records kept in %s", audit_log.database.describe())  # password redacted
    log.info(
        "bundle %s loaded: %d features, %d clients, in %.1fs",
        scorer.version,
        len(scorer.feature_names),
        len(scorer.store),
        time.perf_counter() - started,
    )
    monitor = open_monitor(
        bundle,
        audit_log,
        scorer.feature_names,
        scorer.version,
        max_rows=settings.monitoring_max_rows,
        max_days=settings.monitoring_max_days,
    )
    return ServiceState(scorer=scorer, population=population, audit=audit_log, monitor=monitor)


def create_app(
    settings: ApiSettings | None = None,
    *,
    service: ServiceState | None = None,
    load: bool = True,
) -> FastAPI:
    """The app. `service` injects an already-loaded bundle; `load=False` starts without one
    (readiness then answers 503: for tests of the not-ready state)."""
    settings = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.service is None and load
        if owned:
            app.state.service = load_service(settings)
        try:
            yield
        finally:
            if owned:  # an injected service belongs to whoever loaded it
                app.state.service.close()

    app = FastAPI(
        title="Prêt à dépenser — scoring API",
        version="1.0",
        description=(
            "Probability of default, decision at the cost-optimal threshold, explanations "
            "(TreeSHAP) and client comparisons for advisors. Every /v1 endpoint requires an "
            "X-API-Key header; errors share the ErrorResponse shape."
        ),
        lifespan=lifespan,
        dependencies=[Depends(known_query_only)],
        # /docs is served from local files (api/web_security.py); ReDoc would need a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.key_checker = KeyChecker(settings.key_table())
    app.state.metrics = Metrics()
    app.state.limiter = KeyLimiter(
        rate=settings.rate_limit_per_second,
        burst=settings.rate_limit_burst,
        max_in_flight=settings.max_in_flight_per_key,
    )
    install_error_handlers(app)
    for router in (health, model, clients, summary, scoring, features, audit, governance):
        app.include_router(router.router)
    document_admission(app)
    install_docs(app, enabled=settings.api_docs)
    # Outermost last: metrics and access log see everything; CORS headers go on the admission
    # layer's refusals too (a browser could not read a 401 or 429 otherwise); the key, limits
    # and body checks run before any router reads the body.
    app.add_middleware(
        Admission,
        keys=app.state.key_checker,
        limiter=app.state.limiter,
        max_body_bytes=settings.max_body_bytes,
        policy=Policy.from_settings(settings),
    )
    origins = settings.cors_origin_list()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type"],
            expose_headers=["Retry-After"],
        )
    app.add_middleware(ServiceMiddleware, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, refusals included
    return app
