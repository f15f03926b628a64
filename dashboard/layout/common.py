"""Pieces every page uses: an accessible chart, a section, a panel that loads, an error box."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.api_client import ApiError
from dashboard.i18n import translate
from dashboard.layout.palette import FONT, SEPARATORS
from dashboard.layout.plot_text import as_text


def base_layout(figure: go.Figure, language: str, height: int = 320) -> go.Figure:
    """Common look: readable font sizes, language-specific separators, no wasted margins."""
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        font={"family": FONT, "size": 14, "color": "#1a1a1a"},
        separators=SEPARATORS.get(language, SEPARATORS["fr"]),
        paper_bgcolor="white",
        plot_bgcolor="white",
        hoverlabel={"font": {"size": 14}},
    )
    return figure


def chart(chart_id: str, figure: go.Figure, summary: str) -> html.Div:
    """A graph with its text alternative (WCAG 1.1.1).

    The wrapper is role="img" with the key numbers as its accessible name, so a screen reader
    reads one sentence instead of the SVG's scattered tick labels; the same sentence is in the
    DOM (visually hidden) so it can be read, copied and tested.
    """
    return html.Div(
        [
            html.Div(
                dcc.Graph(
                    id=chart_id,
                    # Data is text, never markup (dashboard/layout/plot_text.py).
                    figure=as_text(figure),
                    config={"displayModeBar": False, "responsive": True},
                    responsive=True,
                ),
                role="img",
                **{"aria-label": summary},
            ),
            html.P(summary, id=f"{chart_id}-summary", className="visually-hidden chart-summary"),
        ],
        className="chart",
    )


def section(
    section_id: str, heading: str, *children: Any, intro: str | None = None
) -> html.Section:
    """A titled region, labelled by its heading so landmarks make sense to assistive tech."""
    heading_id = f"{section_id}-heading"
    body: list[Any] = [html.H2(heading, id=heading_id)]
    if intro:
        body.append(html.P(intro, className="intro"))
    body.extend(children)
    return html.Section(body, id=section_id, className="panel", **{"aria-labelledby": heading_id})


def loading_panel(panel_id: str, language: str, *, waiting: bool = True) -> dcc.Loading:
    """A panel's content area with a spinner while its callback runs.

    `waiting` shows "Loading…" until the first answer (panels filled on page load); a panel
    filled only on request (the what-if result) starts empty.
    """
    placeholder = html.P(translate("app.loading", language), className="muted") if waiting else None
    return dcc.Loading(
        html.Div(
            placeholder,
            id=panel_id,
            className="panel-body",
            **{"aria-live": "polite", "aria-busy": "false"},
        ),
        type="circle",
        color="#0072B2",
        delay_show=150,
    )


def error_box(error: ApiError, language: str) -> html.Div:
    """The plain, translated sentence for a failed call; never the exception's own text."""
    key = f"error.{error.kind.value}"
    text = (
        translate(key, language, detail=error.detail or "—")
        if key == "error.invalid"
        else translate(key, language)
    )
    return html.Div(
        [html.Span("⚠", className="icon", **{"aria-hidden": "true"}), " ", text],
        className="error-box",
        role="alert",
    )


def toggle_id(group_id: str, value: str) -> str:
    return f"{group_id}-{value}"


def toggle_group(
    group_id: str,
    legend: str,
    options: list[tuple[str, str]],
    current: str,
    class_name: str = "",
    **extra: Any,
) -> html.Fieldset:
    """A small set of exclusive choices as buttons with aria-pressed.

    Used instead of dcc.RadioItems, whose Dash 4 markup (radio inputs inside role="option"
    labels) fails axe's nested-interactive and aria-input-field-name rules. The chosen value
    lives in a dcc.Store with id `group_id`; callbacks/toggles.py keeps both in step.
    """
    buttons = [
        html.Button(
            label,
            id=toggle_id(group_id, value),
            type="button",
            className="toggle",
            n_clicks=0,
            **{"aria-pressed": "true" if value == current else "false"},
            **extra.get(value, {}),
        )
        for value, label in options
    ]
    return html.Fieldset(
        [html.Legend(legend, id=f"{group_id}-legend"), html.Div(buttons, className="toggles")],
        className=f"toggle-group {class_name}".strip(),
        id=f"{group_id}-group",
    )


def dropdown_labels(language: str, search_key: str = "dropdown.search") -> dict[str, str]:
    """Dash 4 dropdowns have their own English texts (buttons, counts, empty list): translated.

    `{num_selected}` is filled by the component itself, so it is passed through unformatted.
    """
    keys = {
        "select_all": "dropdown.select_all",
        "deselect_all": "dropdown.deselect_all",
        "search": search_key,
        "clear_search": "dropdown.clear_search",
        "clear_selection": "dropdown.clear_selection",
        "no_options_found": "dropdown.no_options",
    }
    labels = {name: translate(key, language) for name, key in keys.items()}
    labels["selected_count"] = translate(
        "dropdown.selected_count", language, num_selected="{num_selected}"
    )
    return labels
