"""The final-decision control of the client page: reason codes from the API, then the record."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, html, no_update

from dashboard.api_client import ApiClient, ApiError
from dashboard.callbacks.toggles import register_toggle
from dashboard.i18n import normalise_language, translate
from dashboard.layout.common import error_box
from dashboard.layout.final_decision import CHOICES


def reason_options(api: ApiClient, page_state: dict[str, Any] | None) -> list[dict[str, str]]:
    language = normalise_language((page_state or {}).get("language"))
    try:
        codes = api.decision_reasons().root
    except ApiError:
        return []  # the submit then shows the API's error; the banner says if it is down
    return [
        {"label": c.label_fr if language == "fr" else c.label_en, "value": c.code} for c in codes
    ]


def submit_decision(
    api: ApiClient,
    page_state: dict[str, Any] | None,
    choice: str | None,
    reason: str | None,
    comment: str | None,
) -> Any:
    """Records the decision; says what was recorded, or what is missing."""
    state = page_state or {}
    language = normalise_language(state.get("language"))
    client_id = state.get("client_id")
    if client_id is None:
        return no_update
    comment = (comment or "").strip()
    try:
        model_decision = api.predict(int(client_id)).decision
        final = model_decision if choice in (None, "follow") else choice
        if final != model_decision and (not reason or not comment):
            return html.P(translate("final.missing", language), className="error-box", role="alert")
        record = api.record_decision(
            int(client_id), final, reason if final != model_decision else None, comment
        )
    except ApiError as error:
        return error_box(error, language)
    suffix = "final.override_suffix" if record.override else "final.follow_suffix"
    return html.P(
        translate(
            "final.recorded",
            language,
            decision=translate(f"final.decision.{record.final_decision}", language),
            override=translate(suffix, language),
            id=record.id[:8],
        ),
        id="final-recorded",
        **{"data-decision-id": record.id, "data-override": str(record.override).lower()},
    )


def register(app: Dash, api: ApiClient) -> None:
    register_toggle(app, "final-choice", list(CHOICES))

    @app.callback(Output("final-reason", "options"), Input("page-state", "data"))
    def _reasons(page_state: dict[str, Any] | None) -> list[dict[str, str]]:
        return reason_options(api, page_state)

    @app.callback(
        Output("final-result", "children"),
        Input("final-submit", "n_clicks"),
        State("page-state", "data"),
        State("final-choice", "data"),
        State("final-reason", "value"),
        State("final-comment", "value"),
        prevent_initial_call=True,
    )
    def _submit(
        clicks: int | None,
        page_state: dict[str, Any] | None,
        choice: str | None,
        reason: str | None,
        comment: str | None,
    ) -> Any:
        if not clicks:
            return no_update
        return submit_decision(api, page_state, choice, reason, comment)
