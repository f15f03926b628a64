"""Governance and model card pages: every figure fetched from the API, each panel on its own.

One failing call (an older bundle without a fairness report, live monitoring not open) shows
its translated error in its own panel; the rest of the page still answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dash import Dash, Input, Output

from dashboard.api_client import ApiClient, ApiError
from dashboard.i18n import normalise_language
from dashboard.layout.common import error_box
from dashboard.layout.governance import (
    card_components,
    drift_panel,
    fairness_panel,
    oversight_panel,
    summary_panel,
)

T = TypeVar("T")


def _fetch(call: Callable[[], T]) -> T | ApiError:
    try:
        return call()
    except ApiError as error:
        return error


def render_governance(api: ApiClient, page_state: dict[str, Any] | None) -> tuple[Any, ...]:
    """Summary, fairness, drift and oversight panels."""
    language = normalise_language((page_state or {}).get("language"))
    fairness = _fetch(api.fairness)
    drift = _fetch(api.drift)
    history = _fetch(api.drift_history)
    decisions = _fetch(api.decision_summary)

    def ok(value: Any) -> Any:
        return None if isinstance(value, ApiError) else value

    summary = summary_panel(ok(fairness), ok(drift), ok(decisions), language)
    return (
        summary,
        error_box(fairness, language)
        if isinstance(fairness, ApiError)
        else fairness_panel(fairness, language),
        error_box(drift, language)
        if isinstance(drift, ApiError)
        else drift_panel(drift, ok(history), language),
        error_box(decisions, language)
        if isinstance(decisions, ApiError)
        else oversight_panel(decisions, language),
    )


def render_card(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    language = normalise_language((page_state or {}).get("language"))
    try:
        return card_components(api.model_card())
    except ApiError as error:
        return error_box(error, language)


def register(app: Dash, api: ApiClient) -> None:
    @app.callback(
        Output("gov-summary-panel", "children"),
        Output("gov-fairness-panel", "children"),
        Output("gov-drift-panel", "children"),
        Output("gov-oversight-panel", "children"),
        Input("page-state", "data"),
        Input("api-status", "data"),
    )
    def _governance(page_state: dict[str, Any] | None, _: Any) -> tuple[Any, ...]:
        return render_governance(api, page_state)

    @app.callback(
        Output("card-text", "children"),
        Input("page-state", "data"),
        Input("api-status", "data"),
    )
    def _card(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_card(api, page_state)
