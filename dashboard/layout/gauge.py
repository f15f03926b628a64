"""The decision panel: a probability gauge with the threshold, and the decision in words.

The decision is said three ways - an icon (✔/✖), a sentence ("Crédit accordé") and the colour -
so that nobody depends on telling green from red (WCAG 1.4.1).
"""

from __future__ import annotations

import plotly.graph_objects as go
from dash import html

from dashboard.formatting import format_percent, format_points
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart
from dashboard.layout.palette import BLACK, GREY
from shared.contract import Prediction

_ICONS = {"grant": "✔", "refuse": "✖"}


def gauge_figure(probability: float, threshold: float, language: str) -> go.Figure:
    """A 0-100 % gauge: the client's probability as the bar, the threshold as a thick mark."""
    figure = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=probability * 100,
            number={"suffix": " %" if language == "fr" else "%", "valueformat": ".1f"},
            gauge={
                "axis": {"range": [0, 100], "ticksuffix": "%", "tickcolor": GREY},
                "bar": {"color": "#1a1a1a", "thickness": 0.3},
                # Light backgrounds only: the bar and the threshold mark carry the information.
                "steps": [
                    {"range": [0, threshold * 100], "color": "#D6ECF7"},
                    {"range": [threshold * 100, 100], "color": "#F7DCCB"},
                ],
                "threshold": {
                    "line": {"color": BLACK, "width": 5},
                    "thickness": 0.95,
                    "value": threshold * 100,
                },
            },
            title={"text": translate("gauge.axis", language), "font": {"size": 15}},
        )
    )
    base_layout(figure, language, height=230)
    figure.update_layout(margin={"l": 30, "r": 40, "t": 50, "b": 10})
    return figure


def decision_words(decision: str, language: str) -> str:
    return translate(f"decision.{decision}", language)


def decision_badge(decision: str, language: str) -> html.P:
    """✔ Crédit accordé / ✖ Crédit refusé, as text (the class only adds colour)."""
    return html.P(
        [
            html.Span(_ICONS[decision], className="icon", **{"aria-hidden": "true"}),
            " ",
            html.Strong(decision_words(decision, language)),
        ],
        className=f"decision decision-{decision}",
    )


def distance_sentence(distance: float, language: str) -> str:
    """How far the probability is from the threshold, in percentage points, and which side."""
    if distance == 0:
        return translate("decision.at", language)
    key = "decision.above" if distance > 0 else "decision.below"
    return translate(key, language, points=format_points(abs(distance), language).lstrip("+"))


def gauge_summary(probability: float, threshold: float, decision: str, language: str) -> str:
    return translate(
        "gauge.summary",
        language,
        probability=format_percent(probability, language),
        threshold=format_percent(threshold, language),
        decision=decision_words(decision, language),
    )


def model_sentence(model: str, language: str) -> str:
    """Which of the bundle's models answered, in words (the API says "refit" or "fold-<k>").

    A known client is scored by a cross-validation model that never saw their file, so the
    advisor can say the score does not already know how the loan ended; everyone else by the
    model trained on all past clients.
    """
    if model.startswith("fold-"):
        return translate("decision.model.fold", language, fold=model.removeprefix("fold-"))
    return translate("decision.model.refit", language)


def decision_panel(prediction: Prediction, language: str, chart_id: str = "gauge") -> html.Div:
    """Everything the advisor says first: decision, probability, distance, which model, version."""
    p, threshold = prediction.probability, prediction.threshold
    return html.Div(
        [
            decision_badge(prediction.decision, language),
            html.P(
                translate(
                    "decision.probability", language, probability=format_percent(p, language)
                ),
                id=f"{chart_id}-probability",
                className="probability",
                **{"data-probability": f"{p:.6f}"},
            ),
            html.P(distance_sentence(prediction.distance, language), className="distance"),
            html.P(
                model_sentence(prediction.model, language),
                id=f"{chart_id}-model",
                className="answering-model",
                **{"data-model": prediction.model},
            ),
            chart(
                chart_id,
                gauge_figure(p, threshold, language),
                gauge_summary(p, threshold, prediction.decision, language),
            ),
            html.P(
                [
                    translate(
                        "decision.threshold",
                        language,
                        threshold=format_percent(threshold, language),
                    ),
                    html.Br(),
                    translate("decision.version", language, version=prediction.model_version),
                ],
                className="muted",
            ),
        ],
        className="decision-panel",
    )
