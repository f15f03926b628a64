"""Client page: decision, reasons and contributions, card, what-if. One API call per panel, so
the browser fetches panels in parallel and one slow or failing call spoils only its panel."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, html, no_update

from dashboard.api_client import ApiClient, ApiError
from dashboard.i18n import normalise_language, translate
from dashboard.layout.client_card import client_card
from dashboard.layout.common import error_box
from dashboard.layout.gauge import decision_panel
from dashboard.layout.reasons import reasons_panel
from dashboard.layout.waterfall import group_chart, waterfall_chart
from dashboard.layout.what_if import FIELD_TYPE, shown_value, what_if_form, what_if_result
from shared.contract import WhatIfField


def _state(page_state: dict[str, Any] | None) -> tuple[int | None, str]:
    page_state = page_state or {}
    return page_state.get("client_id"), normalise_language(page_state.get("language"))


def render_decision(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    try:
        return decision_panel(api.predict(client_id), language)
    except ApiError as error:
        return error_box(error, language)


def render_explanation(api: ApiClient, page_state: dict[str, Any] | None) -> tuple[Any, Any, Any]:
    """Reasons, waterfall and group chart all come from one /v1/explain call."""
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update, no_update, no_update
    try:
        explanation = api.explain(client_id)
    except ApiError as error:
        box = error_box(error, language)
        return box, box, box
    return (
        reasons_panel(explanation.reasons, language),
        waterfall_chart(explanation, language),
        group_chart(explanation.groups, language),
    )


def render_card(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    try:
        return client_card(api.client(client_id), language)
    except ApiError as error:
        return error_box(error, language)


def render_what_if_form(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    try:
        return what_if_form(api.what_if_fields(client_id).fields, language)
    except ApiError as error:
        return error_box(error, language)


def changed_fields(
    ids: list[dict[str, str]], values: list[Any], originals: dict[str, WhatIfField]
) -> dict[str, float]:
    """The fields the advisor actually changed (an emptied field means "unchanged").

    A field counts as changed when it differs from the value the form showed (the rounded
    original), so leaving "406 598" as it was does not send a change of 0.5 €.
    """
    changes: dict[str, float] = {}
    for component_id, value in zip(ids, values, strict=True):
        name = component_id["field"]
        if value is None or value == "" or name not in originals:
            continue
        number = float(value)
        field = originals[name]
        shown = shown_value(field.unit, field.current)
        if shown is None or abs(number - shown) > 1e-9:
            changes[name] = number
    return changes


def render_what_if(
    api: ApiClient,
    page_state: dict[str, Any] | None,
    ids: list[dict[str, str]],
    values: list[Any],
    originals: dict[str, WhatIfField],
) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    try:
        changes = changed_fields(ids, values, originals)
    except (TypeError, ValueError):
        changes = {}
    if not changes:
        return html.P(translate("whatif.none", language), className="muted", role="status")
    try:
        return what_if_result(api.what_if(client_id, changes), language)
    except ApiError as error:
        return error_box(error, language)


def register(app: Dash, api: ApiClient) -> None:
    panel_inputs = (Input("page-state", "data"), Input("api-status", "data"))

    @app.callback(Output("decision-panel", "children"), *panel_inputs)
    def _decision(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_decision(api, page_state)

    @app.callback(
        Output("reasons-panel", "children"),
        Output("waterfall-panel", "children"),
        Output("groups-panel", "children"),
        *panel_inputs,
    )
    def _explanation(page_state: dict[str, Any] | None, _: Any) -> tuple[Any, Any, Any]:
        return render_explanation(api, page_state)

    @app.callback(Output("card-panel", "children"), *panel_inputs)
    def _card(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_card(api, page_state)

    @app.callback(Output("whatif-form", "children"), *panel_inputs)
    def _what_if_form(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_what_if_form(api, page_state)

    @app.callback(
        Output("whatif-result", "children"),
        Input("whatif-submit", "n_clicks"),
        State("page-state", "data"),
        State({"type": FIELD_TYPE, "field": ALL}, "id"),
        State({"type": FIELD_TYPE, "field": ALL}, "value"),
        prevent_initial_call=True,
    )
    def _what_if(
        n_clicks: int | None,
        page_state: dict[str, Any] | None,
        ids: list[dict[str, str]],
        values: list[Any],
    ) -> Any:
        if not n_clicks:
            return no_update
        # The originals are the API's current values; re-read so nothing is trusted from the page.
        client_id, language = _state(page_state)
        try:
            fields = api.what_if_fields(client_id).fields if client_id is not None else []
        except ApiError as error:
            return error_box(error, language)
        originals = {f.name: f for f in fields}
        return render_what_if(api, page_state, ids, values, originals)
