"""Where the client stands on one feature among all, repaid, defaulted and similar clients.

Populations differ a lot in size (defaults are ~8 %), so each curve shows shares of its own
population, not counts. Each population has its own colour AND dash style AND marker, and the
client's position is a labelled vertical line, so nothing relies on colour.
"""

from __future__ import annotations

import itertools

import plotly.graph_objects as go

from dashboard.formatting import format_percent
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart
from dashboard.layout.palette import BLACK, POPULATION
from shared.contract import FeatureDistribution

_STYLE = {
    "all": {"dash": "solid", "symbol": "circle", "pattern": ""},
    "repaid": {"dash": "dash", "symbol": "square", "pattern": "/"},
    "defaulted": {"dash": "dot", "symbol": "x", "pattern": "x"},
    "similar": {"dash": "dashdot", "symbol": "diamond", "pattern": "."},
}


def shares(counts: list[int]) -> list[float]:
    """Each bin's share of the population (all zeros for an empty population)."""
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def _populations(dist: FeatureDistribution) -> list[tuple[str, list[int]]]:
    populations = [("all", dist.all), ("repaid", dist.repaid), ("defaulted", dist.defaulted)]
    if dist.similar is not None:
        populations.append(("similar", dist.similar))
    return populations


def _label(dist: FeatureDistribution, language: str) -> str:
    return dist.label_fr if language == "fr" else dist.label_en


def categories(dist: FeatureDistribution, language: str) -> list[str]:
    """Level names in the interface's language (older APIs send no French: the source text)."""
    french = dist.categories_fr
    if language == "fr" and len(french) == len(dist.categories):
        return french
    return dist.categories


def client_display(dist: FeatureDistribution, language: str) -> str | None:
    return dist.client_display_fr if language == "fr" else dist.client_display_en


def distribution_figure(dist: FeatureDistribution, language: str) -> go.Figure:
    figure = go.Figure()
    if dist.categorical:
        x = categories(dist, language)
        for key, counts in _populations(dist):
            figure.add_bar(
                name=translate(f"dist.{key}", language),
                x=x,
                y=shares(counts),
                marker={
                    "color": POPULATION[key],
                    "pattern": {"shape": _STYLE[key]["pattern"], "fgcolor": "white"},
                },
                hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
            )
        figure.update_layout(barmode="group")
    else:
        edges = dist.bin_edges
        centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        for key, counts in _populations(dist):
            figure.add_scatter(
                name=translate(f"dist.{key}", language),
                x=centres,
                y=shares(counts),
                mode="lines+markers",
                line={"color": POPULATION[key], "dash": _STYLE[key]["dash"], "width": 2.5},
                marker={"symbol": _STYLE[key]["symbol"], "size": 7, "color": POPULATION[key]},
                hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
            )
    client_x = _client_x(dist, language)
    if client_x is not None:
        separator = " : " if language == "fr" else ": "
        label = f"★ {translate('dist.client', language)}{separator}{client_display(dist, language)}"
        # A shape plus an annotation rather than add_vline, which cannot place its annotation
        # on a categorical axis.
        figure.add_shape(
            type="line",
            x0=client_x,
            x1=client_x,
            y0=0,
            y1=1,
            yref="paper",
            line={"color": BLACK, "width": 3},
        )
        figure.add_annotation(
            x=client_x,
            y=1,
            yref="paper",
            yanchor="bottom",
            text=label,
            showarrow=False,
            font={"size": 14},
            bgcolor="white",
        )
    base_layout(figure, language, height=380)
    figure.update_layout(
        xaxis={"title": _label(dist, language), "automargin": True},
        yaxis={"title": translate("dist.axis", language), "tickformat": ".0%"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
        margin={"t": 50, "b": 90},
    )
    return figure


def _client_x(dist: FeatureDistribution, language: str) -> float | str | None:
    if dist.client_value is None:
        return None
    if dist.categorical:
        code = int(dist.client_value)
        levels = categories(dist, language)
        return levels[code] if 0 <= code < len(levels) else None
    return dist.client_value


def percentile_sentence(dist: FeatureDistribution, language: str) -> str:
    if dist.client_value is None or dist.client_percentile is None:
        return translate("dist.no_value", language)
    return translate(
        "dist.percentile",
        language,
        value=client_display(dist, language),
        percent=format_percent(dist.client_percentile / 100, language, 0),
    )


def distribution_summary(dist: FeatureDistribution, language: str) -> str:
    percent = (
        format_percent(dist.client_percentile / 100, language, 0)
        if dist.client_percentile is not None
        else "—"
    )
    return translate(
        "dist.summary",
        language,
        feature=_label(dist, language),
        value=client_display(dist, language) or "—",
        percent=percent,
    )


def distribution_chart(dist: FeatureDistribution, language: str) -> object:
    return chart(
        "distribution",
        distribution_figure(dist, language),
        distribution_summary(dist, language),
    )
