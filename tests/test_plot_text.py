"""Data is text, never markup: a category value holding HTML reaches Plotly escaped, in every
chart (they all go through dashboard.layout.common.chart)."""

from __future__ import annotations

import json

import plotly.graph_objects as go
from dashboard_payloads import distribution

from dashboard.layout.common import chart
from dashboard.layout.distributions import distribution_figure
from dashboard.layout.plot_text import as_text, plot_text
from shared.contract import FeatureDistribution

LINK = '<a href="https://evil.example/">click</a>'


def test_plot_text_escapes_markup_and_leaves_numbers() -> None:
    assert plot_text(LINK) == '&lt;a href="https://evil.example/"&gt;click&lt;/a&gt;'
    assert plot_text("R&D <b>") == "R&amp;D &lt;b&gt;"
    assert plot_text(0.25) == 0.25


def test_a_category_value_with_a_link_is_escaped_everywhere_in_the_chart() -> None:
    payload = distribution(categorical=True)
    payload["categories"] = ["A", LINK, "C"]
    payload["client_value"] = 1.0
    payload["client_display_en"] = LINK
    figure = distribution_figure(FeatureDistribution.model_validate(payload), "en")
    graph = chart("distribution", figure, "summary").children[0].children
    shown = json.dumps(graph.figure.to_plotly_json())
    assert "<a " not in shown and "</a>" not in shown
    assert "&lt;a href" in shown
    # The client's marker still sits on the (escaped) category it belongs to.
    (shape,) = graph.figure.layout.shapes
    assert shape.x0 in graph.figure.data[0].x


def test_as_text_covers_names_texts_ticks_and_annotations() -> None:
    figure = go.Figure(go.Bar(x=[LINK], y=[1.0], text=[LINK], name=LINK, customdata=[[LINK, 2]]))
    figure.update_layout(
        xaxis={"tickvals": [LINK], "ticktext": [LINK], "title": {"text": LINK}},
        title={"text": LINK},
    )
    figure.add_annotation(x=LINK, y=1, text=LINK)
    # Our own hover template keeps its markup on purpose.
    figure.update_traces(hovertemplate="%{x}<br>%{y}<extra></extra>")
    shown = json.dumps(as_text(figure).to_plotly_json())
    assert "<a " not in shown
    assert "%{x}<br>%{y}<extra></extra>" in shown
