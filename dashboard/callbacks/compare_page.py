"""Compare page: feature lists (most important first), the distribution and the bivariate view."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, html, no_update

from dashboard.api_client import ApiClient, ApiError
from dashboard.callbacks.toggles import register_toggle
from dashboard.i18n import normalise_language
from dashboard.layout.bivariate import COLOUR_BY, bivariate_chart
from dashboard.layout.common import error_box
from dashboard.layout.distributions import distribution_chart, percentile_sentence
from shared.contract import FeatureList


def _state(page_state: dict[str, Any] | None) -> tuple[int | None, str]:
    page_state = page_state or {}
    return page_state.get("client_id"), normalise_language(page_state.get("language"))


def feature_options(
    features: FeatureList, language: str, distribution_only: bool
) -> list[dict[str, str]]:
    """Options labelled "Label (group)", by decreasing importance (the API's rank)."""
    ranked = sorted(features.features, key=lambda f: f.rank)
    options = []
    for feature in ranked:
        if distribution_only and not feature.has_distribution:
            continue
        label = feature.label_fr if language == "fr" else feature.label_en
        group = feature.group_label_fr if language == "fr" else feature.group_label_en
        options.append({"label": f"{label} ({group})", "value": feature.name})
    return options


def render_feature_choices(
    api: ApiClient,
    page_state: dict[str, Any] | None,
    current: tuple[str | None, str | None, str | None],
) -> tuple[Any, ...]:
    """Options and default picks (top feature; top two for the bivariate) of the three lists."""
    _, language = _state(page_state)
    try:
        features = api.features()
    except ApiError:
        # The distribution panel reports the error; the lists stay empty.
        return [], None, [], None, [], None
    dist_options = feature_options(features, language, distribution_only=True)
    all_options = feature_options(features, language, distribution_only=False)
    numeric = [
        o
        for o, f in zip(all_options, sorted(features.features, key=lambda f: f.rank), strict=True)
        if not f.categorical
    ]
    valid = {o["value"] for o in all_options}
    first = dist_options[0]["value"] if dist_options else None
    x_default = numeric[0]["value"] if numeric else None
    y_default = numeric[1]["value"] if len(numeric) > 1 else x_default
    feature, x, y = current
    return (
        dist_options,
        feature if feature in valid else first,
        all_options,
        x if x in valid else x_default,
        all_options,
        y if y in valid else y_default,
    )


def render_distribution(
    api: ApiClient, page_state: dict[str, Any] | None, feature: str | None
) -> Any:
    client_id, language = _state(page_state)
    if not feature:
        try:
            api.features()
        except ApiError as error:
            return error_box(error, language)
        return no_update
    try:
        dist = api.distribution(feature, client_id)
    except ApiError as error:
        return error_box(error, language)
    return html.Div(
        [
            html.P(
                percentile_sentence(dist, language),
                className="percentile",
                id="distribution-percentile",
            ),
            distribution_chart(dist, language),
        ]
    )


def render_bivariate(
    api: ApiClient,
    page_state: dict[str, Any] | None,
    x: str | None,
    y: str | None,
    colour_by: str | None,
) -> Any:
    client_id, language = _state(page_state)
    if not x or not y:
        return no_update
    try:
        data = api.bivariate(x, y, client_id)
    except ApiError as error:
        return error_box(error, language)
    return bivariate_chart(data, colour_by if colour_by in COLOUR_BY else "score", language)


def register(app: Dash, api: ApiClient) -> None:
    register_toggle(app, "bivar-colour", list(COLOUR_BY))

    @app.callback(
        Output("compare-feature", "options"),
        Output("compare-feature", "value"),
        Output("bivar-x", "options"),
        Output("bivar-x", "value"),
        Output("bivar-y", "options"),
        Output("bivar-y", "value"),
        Input("page-state", "data"),
        Input("api-status", "data"),
        State("compare-feature", "value"),
        State("bivar-x", "value"),
        State("bivar-y", "value"),
    )
    def _choices(page_state: Any, _: Any, feature: Any, x: Any, y: Any) -> tuple[Any, ...]:
        return render_feature_choices(api, page_state, (feature, x, y))

    @app.callback(
        Output("distribution-panel", "children"),
        Input("compare-feature", "value"),
        State("page-state", "data"),
    )
    def _distribution(feature: str | None, page_state: Any) -> Any:
        return render_distribution(api, page_state, feature)

    @app.callback(
        Output("bivariate-panel", "children"),
        Input("bivar-x", "value"),
        Input("bivar-y", "value"),
        Input("bivar-colour", "data"),
        State("page-state", "data"),
    )
    def _bivariate(x: str | None, y: str | None, colour_by: str | None, page_state: Any) -> Any:
        return render_bivariate(api, page_state, x, y, colour_by)
