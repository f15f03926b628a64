"""Model page: model metadata and the feature list, both from the API."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output

from dashboard.api_client import ApiClient, ApiError
from dashboard.i18n import normalise_language
from dashboard.layout.common import error_box
from dashboard.layout.model_page import model_overview


def render_model(api: ApiClient, page_state: dict[str, Any] | None) -> Any:
    language = normalise_language((page_state or {}).get("language"))
    try:
        return model_overview(api.model_info(), api.features(), language)
    except ApiError as error:
        return error_box(error, language)


def register(app: Dash, api: ApiClient) -> None:
    @app.callback(
        Output("model-panel", "children"),
        Input("page-state", "data"),
        Input("api-status", "data"),
    )
    def _model(page_state: dict[str, Any] | None, _: Any) -> Any:
        return render_model(api, page_state)
