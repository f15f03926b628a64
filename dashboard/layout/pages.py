"""The frame around every page and each page's skeleton (its panels fill in by callbacks)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.auth.current import current_allows, current_may_see
from dashboard.auth.roles import Permission
from dashboard.i18n import LANGUAGE_NAMES, LANGUAGES, translate
from dashboard.layout.account import account_block, forbidden_page, staff_home_page
from dashboard.layout.common import dropdown_labels, loading_panel, section, toggle_group
from dashboard.layout.final_decision import final_decision_section
from dashboard.layout.governance import card_page, governance_page
from dashboard.layout.recourse import summary_links
from dashboard.layout.search import search_box
from dashboard.layout.waterfall import DEFAULT_UNIT, UNITS
from dashboard.routing import Route, client_path

#: The store (and toggle group) of the explanation charts' unit: probability points or log-odds.
UNIT_STORE = "explain-unit"

#: Re-checks the API this often while the page is open, to show and clear the outage banner.
HEALTH_POLL_MS = 10_000


def app_shell(language: str, health_poll_ms: int = HEALTH_POLL_MS) -> html.Div:
    """Skip link, header (brand, navigation, language, search), status banner, main, footer.

    The header's texts are re-rendered by the router on language change (id "header-content");
    the search box and the language picker stay mounted so they keep focus and value.
    """
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Store(id="page-title"),
            dcc.Store(id="api-status", data={"up": True}),
            dcc.Interval(id="health-poll", interval=health_poll_ms),
            html.Div(id="title-sink", hidden=True),
            html.A(
                translate("app.skip", language), href="#main", className="skip-link", id="skip-link"
            ),
            html.Header(
                [
                    html.Div(id="header-content", children=header_content(language)),
                    dcc.Store(id="language", storage_type="local", data=language),
                    toggle_group(
                        "language",
                        translate("app.language", language),
                        [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                        language,
                        **{code: {"lang": code} for code in LANGUAGES},
                    ),
                    html.Div(
                        search_box(language) if current_allows(Permission.CLIENTS) else [],
                        id="search-area",
                    ),
                ],
                className="site-header",
            ),
            html.Div(id="api-banner", role="status", className="api-banner", hidden=True),
            html.Main(id="main", tabIndex="-1", className="main"),
            html.Footer(
                html.P(translate("app.footer", language), id="footer-text"), className="site-footer"
            ),
        ],
        className="app",
    )


def header_content(language: str) -> list[Any]:
    return [
        html.P(
            [
                html.A(translate("app.name", language), href="/", className="brand"),
                html.Span(translate("app.subtitle", language), className="subtitle"),
            ],
            className="brand-line",
        ),
        html.Nav(
            html.Ul(
                [
                    html.Li(dcc.Link(translate(key, language), href=href))
                    for key, href, page in (
                        ("app.nav.search", "/", "client"),
                        ("app.nav.model", "/model", "model"),
                        ("app.nav.governance", "/governance", "governance"),
                    )
                    # A page the role may not see is not linked (dashboard/auth/roles.py).
                    if current_may_see(page)
                ]
            ),
            **{"aria-label": translate("app.nav", language)},
            className="site-nav",
        ),
        *account_block(language),
    ]


def page_state(route: Route, language: str) -> dcc.Store:
    """What the page's panel callbacks need; a new store on each render triggers them."""
    return dcc.Store(id="page-state", data={"client_id": route.client_id, "language": language})


def home_page(language: str) -> list[Any]:
    if not current_allows(Permission.CLIENTS):
        return staff_home_page(language)
    return [
        html.H1(translate("home.heading", language)),
        html.P(translate("home.intro", language)),
        html.P(translate("search.help", language), className="muted"),
    ]


def not_found_page(language: str) -> list[Any]:
    return [
        html.H1(translate("notfound.heading", language)),
        html.P([translate("notfound.text", language), " "]),
        html.P(dcc.Link(translate("app.nav.search", language), href="/")),
    ]


def client_tabs(client_id: int, current: str, language: str) -> html.Nav:
    """Two views of one client, as links (shareable URLs) with aria-current on the active one."""
    items = []
    for page, key in (("client", "client.tab.decision"), ("compare", "client.tab.compare")):
        extra = {"aria-current": "page"} if page == current else {}
        items.append(
            html.Li(
                dcc.Link(
                    translate(key, language),
                    href=client_path(client_id, page),
                    className="tab-link",
                ),
                className="view-tab active" if page == current else "view-tab",
                **extra,
            )
        )
    return html.Nav(
        html.Ul(items), className="tabs", **{"aria-label": translate("client.tabs", language)}
    )


def client_page(route: Route, language: str) -> list[Any]:
    assert route.client_id is not None
    client_id = route.client_id
    return [
        page_state(route, language),
        html.H1(translate("client.heading", language, client_id=client_id)),
        client_tabs(client_id, "client", language),
        html.Div(
            [
                section(
                    "decision",
                    translate("decision.heading", language),
                    loading_panel("decision-panel", language),
                ),
                final_decision_section(language),
                section(
                    "reasons",
                    translate("reasons.heading", language),
                    loading_panel("reasons-panel", language),
                    intro=translate("reasons.intro", language),
                ),
                section(
                    "recourse",
                    translate("recourse.heading", language),
                    loading_panel("recourse-panel", language),
                    intro=translate("recourse.intro", language),
                ),
                section(
                    "summary-document",
                    translate("summary.heading", language),
                    summary_links(client_id, language),
                    intro=translate("summary.intro", language),
                ),
                section(
                    "card",
                    translate("card.heading", language),
                    loading_panel("card-panel", language),
                ),
                section(
                    "contributions",
                    translate("waterfall.heading", language),
                    dcc.Store(id="explanation-data"),
                    dcc.Store(id=UNIT_STORE, data=DEFAULT_UNIT),
                    toggle_group(
                        UNIT_STORE,
                        translate("explain.unit", language),
                        [(unit, translate(f"explain.unit.{unit}", language)) for unit in UNITS],
                        DEFAULT_UNIT,
                    ),
                    html.P(
                        translate(f"explain.unit.help_{DEFAULT_UNIT}", language),
                        id="explain-unit-help",
                        className="help",
                    ),
                    loading_panel("waterfall-panel", language),
                    intro=translate("waterfall.intro", language),
                ),
                section(
                    "group-contributions",
                    translate("groups.heading", language),
                    loading_panel("groups-panel", language),
                ),
                section(
                    "whatif",
                    translate("whatif.heading", language),
                    loading_panel("whatif-form", language),
                    html.Button(
                        translate("whatif.submit", language),
                        id="whatif-submit",
                        className="button",
                        type="button",
                    ),
                    loading_panel("whatif-result", language, waiting=False),
                    intro=translate("whatif.intro", language),
                ),
            ],
            className="client-grid",
        ),
    ]


def _axis_picker(axis: str, language: str) -> html.Div:
    """The labelled, searchable feature list of one axis of the bivariate view."""
    return html.Div(
        [
            html.Label(translate(f"bivar.{axis}", language), htmlFor=f"bivar-{axis}"),
            dcc.Dropdown(
                id=f"bivar-{axis}",
                clearable=False,
                search_order="original",
                labels=dropdown_labels(language),
            ),
        ],
        className="form-field",
    )


def compare_page(route: Route, language: str) -> list[Any]:
    assert route.client_id is not None
    client_id = route.client_id
    return [
        page_state(route, language),
        html.H1(translate("compare.heading", language, client_id=client_id)),
        client_tabs(client_id, "compare", language),
        section(
            "distribution-section",
            translate("dist.heading", language),
            html.Div(
                [
                    html.Label(translate("compare.feature", language), htmlFor="compare-feature"),
                    dcc.Dropdown(
                        id="compare-feature",
                        clearable=False,
                        search_order="original",
                        labels=dropdown_labels(language),
                    ),
                    html.P(translate("compare.feature_help", language), className="help"),
                ],
                className="form-field wide",
            ),
            loading_panel("distribution-panel", language),
        ),
        section(
            "bivariate-section",
            translate("bivar.heading", language),
            html.Div(
                [
                    _axis_picker("x", language),
                    _axis_picker("y", language),
                    dcc.Store(id="bivar-colour", data="score"),
                    toggle_group(
                        "bivar-colour",
                        translate("bivar.colour", language),
                        [
                            ("score", translate("bivar.colour.score", language)),
                            ("outcome", translate("bivar.colour.outcome", language)),
                        ],
                        "score",
                        class_name="form-field",
                    ),
                ],
                className="form-grid",
            ),
            loading_panel("bivariate-panel", language),
        ),
    ]


def model_page(route: Route, language: str) -> list[Any]:
    return [
        page_state(route, language),
        html.H1(translate("model.heading", language)),
        loading_panel("model-panel", language),
    ]


def page_for(route: Route, language: str) -> tuple[list[Any], str]:
    """The page's content and its document title (WCAG 2.4.2)."""
    if not current_may_see(route.page):
        return forbidden_page(language), translate("title.forbidden", language)
    if route.page == "client":
        return client_page(route, language), translate(
            "title.client", language, client_id=route.client_id
        )
    if route.page == "compare":
        return compare_page(route, language), translate(
            "title.compare", language, client_id=route.client_id
        )
    if route.page == "model":
        return model_page(route, language), translate("title.model", language)
    if route.page == "governance":
        return governance_page(route, language), translate("title.governance", language)
    if route.page == "card":
        return card_page(route, language), translate("title.card", language)
    if route.page == "home":
        return home_page(language), translate("title.home", language)
    return not_found_page(language), translate("title.not_found", language)
