"""Two features together: a sample of the population, coloured by score or outcome, the client
as a large star. By outcome, repaid/defaulted/unknown also differ by marker shape (○ × ·)."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.formatting import format_number, format_value
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart
from dashboard.layout.palette import BLACK, BLUE, GREY, PROBABILITY_SCALE, VERMILLION
from shared.contract import Bivariate, BivariateAxis

COLOUR_BY = ("score", "outcome")


def _axis_label(axis: BivariateAxis, language: str) -> str:
    return axis.label_fr if language == "fr" else axis.label_en


def bivariate_figure(data: Bivariate, colour_by: str, language: str) -> go.Figure:
    figure = go.Figure()
    if colour_by == "outcome":
        groups = [
            (1, "bivar.defaulted", "x-thin-open", VERMILLION, 7),
            (0, "bivar.repaid", "circle-open", BLUE, 6),
            (None, "bivar.unknown", "circle", GREY, 3),
        ]
        for outcome, key, symbol, colour, size in groups:
            idx = [i for i, o in enumerate(data.outcome) if o == outcome]
            if not idx:
                continue
            figure.add_scattergl(
                name=translate(key, language),
                x=[data.x[i] for i in idx],
                y=[data.y[i] for i in idx],
                mode="markers",
                marker={
                    "symbol": symbol,
                    "color": colour,
                    "size": size,
                    "opacity": 0.7,
                    "line": {"width": 1.5, "color": colour},
                },
                hoverinfo="skip",
            )
    else:
        figure.add_scattergl(
            name=translate("bivar.colour.score", language),
            x=data.x,
            y=data.y,
            mode="markers",
            marker={
                "color": data.probability,
                "colorscale": PROBABILITY_SCALE,
                "cmin": 0,
                "cmax": max(data.probability, default=1) or 1,
                "size": 5,
                "opacity": 0.75,
                "colorbar": {
                    "title": {"text": translate("bivar.colour.score", language)},
                    "tickformat": ".0%",
                },
            },
            hoverinfo="skip",
            showlegend=False,
        )
    client = data.client
    if client is not None and client.x is not None and client.y is not None:
        figure.add_scatter(
            name=translate("bivar.client", language),
            x=[client.x],
            y=[client.y],
            mode="markers",
            marker={
                "symbol": "star",
                "size": 22,
                "color": "white",
                "line": {"color": BLACK, "width": 2.5},
            },
            hovertemplate=f"{translate('bivar.client', language)}<extra></extra>",
        )
    base_layout(figure, language, height=460)
    figure.update_layout(
        xaxis={"title": _axis_label(data.x_axis, language), "automargin": True},
        yaxis={"title": _axis_label(data.y_axis, language), "automargin": True},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        margin={"t": 20, "b": 100},
    )
    return figure


def bivariate_summary(data: Bivariate, language: str) -> str:
    client = data.client
    x_label, y_label = _axis_label(data.x_axis, language), _axis_label(data.y_axis, language)
    return translate(
        "bivar.summary",
        language,
        count=format_number(data.sample_size, language),
        x=x_label,
        y=y_label,
        x_value=format_value(client.x if client else None, data.x_axis.unit, language),
        y_value=format_value(client.y if client else None, data.y_axis.unit, language),
    )


def bivariate_chart(data: Bivariate, colour_by: str, language: str) -> object:
    return chart(
        "bivariate", bivariate_figure(data, colour_by, language), bivariate_summary(data, language)
    )
