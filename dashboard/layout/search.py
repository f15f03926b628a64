"""Type-ahead search of client IDs: the dropdown only ever holds the API's 20 matches."""

from __future__ import annotations

from dash import dcc, html

from dashboard.i18n import translate
from dashboard.layout.common import dropdown_labels

SEARCH_LIMIT = 20


def search_box(language: str, value: int | None = None) -> html.Div:
    """The labelled search field; options are filled by the search callback as the user types."""
    options = [{"label": str(value), "value": value}] if value is not None else []
    return html.Div(
        [
            html.Label(
                translate("search.label", language),
                htmlFor="client-search",
                id="client-search-label",
            ),
            dcc.Dropdown(
                id="client-search",
                options=options,
                value=value,
                placeholder=translate("search.placeholder", language),
                searchable=True,
                clearable=True,
                search_order="original",
                labels={
                    **dropdown_labels(language, "search.search_box"),
                    "no_options_found": translate("search.no_match", language),
                },
                className="client-search",
            ),
            html.P(translate("search.help", language), id="client-search-help", className="help"),
        ],
        className="search-box",
        role="search",
    )


def clean_prefix(text: str | None) -> str | None:
    """The digits typed, or None when the text is empty or not an ID prefix."""
    if text is None:
        return None
    text = text.strip()
    if not text or not text.isdigit() or not text.isascii() or len(text) > 10:
        return None
    return text


def search_options(client_ids: list[int]) -> list[dict[str, object]]:
    return [{"label": str(i), "value": i} for i in client_ids]
