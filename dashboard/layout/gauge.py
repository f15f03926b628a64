"""The decision panel: a probability gauge with the threshold, and the decision in words.

The decision is said three ways - an icon (✔/✖), a sentence ("Crédit accordé") and the colour -
so that nobody depends on telling green from red (WCAG 1.4.1).

The gauge's scale is not linear: with a threshold near 9 %, a 0-100 % arc spent nine tenths of
itself above the threshold and squeezed the zone that matters (where a client stands relative
to the threshold) into a corner. GaugeScale gives the first 40 % of the arc to 0..threshold,
the next 35 % to threshold..3 x threshold and the rest to the remainder, piecewise linear, with
tick labels in real probabilities so the scale reads truthfully.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import plotly.graph_objects as go
from dash import html

from dashboard.formatting import format_percent, format_points
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart
from dashboard.layout.palette import BLACK, GREY
from shared.contract import Prediction

_ICONS = {"grant": "✔", "refuse": "✖"}
#: Round probabilities offered as tick marks (kept when they do not crowd another tick).
_NICE_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
#: The smallest share of the arc between two tick labels.
_TICK_GAP = 0.07


@dataclass(frozen=True)
class GaugeScale:
    """A monotone, piecewise-linear map from probability (0..1) to a share of the arc (0..1)."""

    threshold: float

    def breakpoints(self) -> list[tuple[float, float]]:
        t = min(max(self.threshold, 1e-6), 1 - 1e-6)
        if 3 * t < 1:
            return [(0.0, 0.0), (t, 0.4), (3 * t, 0.75), (1.0, 1.0)]
        return [(0.0, 0.0), (t, 0.5), (1.0, 1.0)]

    def position(self, probability: float) -> float:
        p = min(max(probability, 0.0), 1.0)
        points = self.breakpoints()
        for (p0, a0), (p1, a1) in pairwise(points):
            if p <= p1:
                return a0 + (a1 - a0) * (p - p0) / (p1 - p0)
        return 1.0

    def ticks(self) -> list[float]:
        """0, the threshold, 100 % and the round values that leave room for their labels."""
        chosen = [0.0, self.threshold, 1.0]
        for value in _NICE_TICKS:
            at = self.position(value)
            if all(abs(at - self.position(c)) >= _TICK_GAP for c in chosen):
                chosen.append(value)
        return sorted(chosen)


def _tick_label(value: float, language: str) -> str:
    decimals = 0 if round(value * 100, 6).is_integer() else 1
    return format_percent(value, language, decimals)


def gauge_figure(probability: float, threshold: float, language: str) -> go.Figure:
    """The client's probability as the bar, the threshold as a thick mark, on GaugeScale."""
    scale = GaugeScale(threshold)
    ticks = scale.ticks()
    at_threshold = scale.position(threshold) * 100
    figure = go.Figure(
        go.Indicator(
            mode="gauge",
            value=scale.position(probability) * 100,
            gauge={
                "axis": {
                    "range": [0, 100],
                    "tickmode": "array",
                    "tickvals": [scale.position(v) * 100 for v in ticks],
                    "ticktext": [_tick_label(v, language) for v in ticks],
                    "tickcolor": GREY,
                    "tickfont": {"size": 12},
                },
                "bar": {"color": "#1a1a1a", "thickness": 0.3},
                # Light backgrounds only: the bar and the threshold mark carry the information.
                "steps": [
                    {"range": [0, at_threshold], "color": "#D6ECF7"},
                    {"range": [at_threshold, 100], "color": "#F7DCCB"},
                ],
                "threshold": {
                    "line": {"color": BLACK, "width": 5},
                    "thickness": 0.95,
                    "value": at_threshold,
                },
            },
            title={"text": translate("gauge.axis", language), "font": {"size": 15}},
            domain={"x": [0.08, 0.92], "y": [0, 0.9]},
        )
    )
    base_layout(figure, language, height=250)
    # The probability itself, in the language's writing, under the needle's hub.
    figure.add_annotation(
        text=format_percent(probability, language),
        x=0.5,
        y=0.08,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 26, "color": "#1a1a1a"},
    )
    # Margins wide enough for the end labels ("0 %" and "100 %" are never clipped).
    figure.update_layout(margin={"l": 50, "r": 50, "t": 50, "b": 10})
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
            html.P(translate("gauge.scale", language), className="muted gauge-note"),
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
