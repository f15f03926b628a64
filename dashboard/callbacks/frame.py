"""Callbacks of the frame: routing, language, document title, client search, API status."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

from dashboard.api_client import ApiClient, ApiError
from dashboard.auth.current import current_allows
from dashboard.auth.roles import Permission
from dashboard.callbacks.toggles import register_toggle
from dashboard.i18n import LANGUAGES, normalise_language, translate
from dashboard.layout.pages import header_content, page_for
from dashboard.layout.search import SEARCH_LIMIT, clean_prefix, search_box, search_options
from dashboard.routing import client_path, parse_route


def render_page(pathname: str | None, search: str | None, language: str | None) -> tuple[Any, ...]:
    """Main content, document title and the translated frame texts for an address."""
    language = normalise_language(language)
    route = parse_route(pathname, search)
    content, title = page_for(route, language)
    return (
        content,
        title,
        header_content(language),
        translate("app.skip", language),
        translate("app.language", language),
        translate("app.footer", language),
        # Empty after navigation: a selected value would take the keyboard focus when the list
        # opens, instead of the search field; the page's heading already names the client.
        search_box(language) if current_allows(Permission.CLIENTS) else [],
    )


def render_search_options(
    api: ApiClient, search_value: str | None, selected: int | None
) -> list[dict[str, object]]:
    """The API's first matches for the digits typed; keeps the selected ID listed."""
    prefix = clean_prefix(search_value)
    current = search_options([selected]) if selected is not None else []
    if prefix is None:
        return current if not search_value else []
    try:
        page = api.search_clients(prefix, SEARCH_LIMIT)
    except ApiError:
        # The status banner says the API is down; the dropdown simply shows no match.
        return current
    options = search_options(page.client_ids)
    if (
        selected is not None
        and selected not in page.client_ids
        and str(selected).startswith(prefix)
    ):
        options = current + options
    return options


def check_api(
    api: ApiClient, previous: dict[str, Any] | None, language: str | None
) -> tuple[Any, Any, Any]:
    """Banner text, hidden flag, and the status store, updated only when it flips.

    Panels listen to the store: when the API comes back they reload by themselves.
    """
    language = normalise_language(language)
    try:
        api.ready()
        up = True
    except ApiError as error:
        up = not error.api_is_down
    was_up = bool((previous or {}).get("up", True))
    status = {"up": up} if up != was_up else no_update
    if up:
        return "", True, status
    return translate("status.down", language), False, status


def register(app: Dash, api: ApiClient) -> None:
    register_toggle(app, "language", list(LANGUAGES))

    @app.callback(
        Output("main", "children"),
        Output("page-title", "data"),
        Output("header-content", "children"),
        Output("skip-link", "children"),
        Output("language-legend", "children"),
        Output("footer-text", "children"),
        Output("search-area", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
        Input("language", "data"),
    )
    def _route(pathname: str | None, search: str | None, language: str | None) -> tuple[Any, ...]:
        return render_page(pathname, search, language)

    # Title and <html lang> live outside Dash's tree: a clientside callback sets them.
    app.clientside_callback(
        """
        function(title, language) {
            if (title) { document.title = title; }
            if (language) { document.documentElement.lang = language; }
            return "";
        }
        """,
        Output("title-sink", "children"),
        Input("page-title", "data"),
        Input("language", "data"),
    )

    # After a navigation inside the app (not the first load), move focus to the new content so
    # keyboard and screen-reader users land on it, as they would after a full page load.
    app.clientside_callback(
        """
        function(pathname) {
            if (window.__pretPreviousPath !== undefined && window.__pretPreviousPath !== pathname) {
                setTimeout(function () {
                    var main = document.getElementById("main");
                    if (main) { main.focus(); }
                }, 50);
            }
            window.__pretPreviousPath = pathname;
            return window.dash_clientside.no_update;
        }
        """,
        Output("main", "tabIndex"),
        Input("url", "pathname"),
    )

    @app.callback(
        Output("client-search", "options"),
        Input("client-search", "search_value"),
        State("client-search", "value"),
        prevent_initial_call=True,
    )
    def _search(search_value: str | None, selected: int | None) -> list[dict[str, object]]:
        return render_search_options(api, search_value, selected)

    @app.callback(
        Output("url", "pathname"),
        Input("client-search", "value"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def _open_client(client_id: int | str | None, pathname: str | None) -> Any:
        if client_id is None or not str(client_id).isdigit():
            return no_update
        route = parse_route(pathname)
        target = client_path(int(client_id), "compare" if route.page == "compare" else "client")
        return target if target != pathname else no_update

    @app.callback(
        Output("api-banner", "children"),
        Output("api-banner", "hidden"),
        Output("api-status", "data"),
        Input("health-poll", "n_intervals"),
        State("api-status", "data"),
        State("language", "data"),
    )
    def _health(
        _: int | None, previous: dict[str, Any] | None, language: str | None
    ) -> tuple[Any, Any, Any]:
        return check_api(api, previous, language)
