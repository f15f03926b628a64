"""Client page: decision, reasons and contributions, recourse, card, what-if. One API call per
panel, so the browser fetches panels in parallel and one slow or failing call spoils only its
panel. The explanation is fetched once and kept in the page (a store), so switching the charts
between probability points and log-odds redraws them without asking the API again."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update

from dashboard.api_client import ApiClient, ApiError, ApiErrorKind
from dashboard.callbacks.toggles import register_toggle
from dashboard.i18n import normalise_language, translate
from dashboard.layout.client_card import client_card
from dashboard.layout.common import error_box
from dashboard.layout.gauge import decision_panel
from dashboard.layout.pages import UNIT_STORE
from dashboard.layout.reasons import reasons_panel
from dashboard.layout.recourse import recourse_panel
from dashboard.layout.waterfall import DEFAULT_UNIT, UNITS, group_chart, waterfall_chart
from dashboard.layout.what_if import (
    ANNUITY,
    CREDIT,
    FIELD_TYPE,
    LOAN_STORE,
    TERM,
    field_id,
    loan_terms,
    requested_changes,
    sync_terms,
    what_if_form,
    what_if_result,
)
from shared.contract import Explanation, WhatIfField


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


def render_explanation(api: ApiClient, page_state: dict[str, Any] | None) -> tuple[Any, Any]:
    """The reasons panel and the explanation itself (kept in the page for the charts)."""
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update, no_update
    try:
        explanation = api.explain(client_id)
    except ApiError as error:
        return error_box(error, language), {"error": error.kind.value, "detail": error.detail}
    return reasons_panel(explanation.reasons, language), explanation.model_dump(mode="json")


def render_charts(
    data: dict[str, Any] | None, unit: str | None, page_state: dict[str, Any] | None
) -> tuple[Any, Any, str]:
    """The waterfall and the group chart in the chosen unit, and the unit's explanation."""
    _, language = _state(page_state)
    unit = unit if unit in UNITS else DEFAULT_UNIT
    help_text = translate(f"explain.unit.help_{unit}", language)
    if not data:
        return no_update, no_update, help_text
    if "error" in data:
        box = error_box(
            ApiError(ApiErrorKind(data["error"]), detail=data.get("detail", "")), language
        )
        return box, box, help_text
    explanation = Explanation.model_validate(data)
    return (
        waterfall_chart(explanation, language, unit),  # type: ignore[arg-type]
        group_chart(explanation.groups, language, unit),  # type: ignore[arg-type]
        help_text,
    )


def render_card(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    try:
        return client_card(api.client(client_id), language)
    except ApiError as error:
        return error_box(error, language)


def render_recourse(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    try:
        return recourse_panel(api.recourse(client_id), language)
    except ApiError as error:
        return error_box(error, language)


def render_what_if_form(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    try:
        fields = api.what_if_fields(client_id)
    except ApiError as error:
        return error_box(error, language)
    return what_if_form(fields.fields, language, fields.loan)


def render_what_if(
    api: ApiClient,
    page_state: dict[str, Any] | None,
    ids: list[dict[str, str]],
    values: list[Any],
    originals: dict[str, WhatIfField],
    loan: dict[str, Any] | None = None,
) -> Any:
    client_id, language = _state(page_state)
    if client_id is None:
        return no_update
    typed = {component["field"]: value for component, value in zip(ids, values, strict=True)}
    try:
        changes = requested_changes(typed, originals, loan_terms(loan), language)
    except ValueError as error:
        name = str(error)
        field = originals.get(name)
        label = (field.label_fr if language == "fr" else field.label_en) if field else name
        return html.P(
            translate("whatif.invalid", language, field=label, value=typed.get(name, "")),
            className="error-box",
            role="alert",
        )
    if not changes:
        return html.P(translate("whatif.none", language), className="muted", role="status")
    try:
        return what_if_result(api.what_if(client_id, changes), language)
    except ApiError as error:
        return error_box(error, language)


def register(app: Dash, api: ApiClient) -> None:
    panel_inputs = (Input("page-state", "data"), Input("api-status", "data"))
    register_toggle(app, UNIT_STORE, list(UNITS))

    @app.callback(Output("decision-panel", "children"), *panel_inputs)
    def _decision(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_decision(api, page_state)

    @app.callback(
        Output("reasons-panel", "children"),
        Output("explanation-data", "data"),
        *panel_inputs,
    )
    def _explanation(page_state: dict[str, Any] | None, _: Any) -> tuple[Any, Any]:
        return render_explanation(api, page_state)

    @app.callback(
        Output("waterfall-panel", "children"),
        Output("groups-panel", "children"),
        Output("explain-unit-help", "children"),
        Input("explanation-data", "data"),
        Input(UNIT_STORE, "data"),
        State("page-state", "data"),
    )
    def _charts(
        data: dict[str, Any] | None, unit: str | None, page_state: dict[str, Any] | None
    ) -> tuple[Any, Any, str]:
        return render_charts(data, unit, page_state)

    @app.callback(Output("recourse-panel", "children"), *panel_inputs)
    def _recourse(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_recourse(api, page_state)

    @app.callback(Output("card-panel", "children"), *panel_inputs)
    def _card(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_card(api, page_state)

    @app.callback(Output("whatif-form", "children"), *panel_inputs)
    def _what_if_form(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_what_if_form(api, page_state)

    @app.callback(
        Output(field_id(CREDIT), "value"),
        Output(field_id(TERM), "value"),
        Output(field_id(ANNUITY), "value"),
        Input(field_id(CREDIT), "value"),
        Input(field_id(TERM), "value"),
        Input(field_id(ANNUITY), "value"),
        State(LOAN_STORE, "data"),
        State("page-state", "data"),
        prevent_initial_call=True,
    )
    def _sync(
        credit: Any, term: Any, annuity: Any, loan: dict[str, Any] | None, page_state: Any
    ) -> tuple[Any, Any, Any]:
        """Amount or term -> instalment; instalment -> whole months (and its instalment);
        each field rewritten the language's way."""
        trigger = ctx.triggered_id
        name = trigger.get("field") if isinstance(trigger, dict) else None
        _, language = _state(page_state)
        updated = sync_terms(name, credit, term, annuity, loan, language)
        return tuple(  # type: ignore[return-value]
            no_update if new is None or new == old else new
            for new, old in zip(updated, (credit, term, annuity), strict=True)
        )

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
            fields = api.what_if_fields(client_id) if client_id is not None else None
        except ApiError as error:
            return error_box(error, language)
        if fields is None:
            return no_update
        originals = {f.name: f for f in fields.fields}
        loan = fields.loan.model_dump() if fields.loan is not None else None
        return render_what_if(api, page_state, ids, values, originals, loan)
