"""SHAP waterfall of one client's explanation, and the same contributions by business group.

Two readings of the same numbers (a toggle on the client page, probability points by default):
- **probability points**, for advisors: the chart starts at the average client's probability
  (Explanation.base_probability), each bar is the factor's share of the difference in
  probability, and it ends at this client's probability. The API converts every log-odds
  contribution with one factor, (probability - base probability) / (raw - base): exact (the
  bars add up to the probability), sign-preserving, the same for the group chart, whose bars
  are the sums of their features' bars;
- **log-odds**, for specialists: TreeSHAP's own values, which add up to the model's raw score.

The strongest factors come one by one (ranked by the size of their effect, the same order in
both units), the rest is summed in one bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import plotly.graph_objects as go

from dashboard.formatting import format_number, format_percent, format_points
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart
from dashboard.layout.palette import GREY, RISK_DOWN, RISK_UP
from shared.contract import Explanation, FeatureContribution, GroupContribution

NBSP = "\u00a0"

TOP_FEATURES = 10
Unit = Literal["points", "logodds"]
UNITS: tuple[str, ...] = ("points", "logodds")
DEFAULT_UNIT: Unit = "points"


@dataclass(frozen=True)
class Step:
    """One bar of the waterfall: a readable label and its signed effect (in the chart's unit:
    a probability difference for points, log-odds otherwise)."""

    label: str
    contribution: float


def _label(item: FeatureContribution, language: str) -> str:
    display = item.display_fr if language == "fr" else item.display_en
    label = item.label_fr if language == "fr" else item.label_en
    return f"{label} = {display}" if display else label


def signed(value: float, language: str) -> str:
    """+0,32 ▲ or −0,12 ▼: the sign, the size and an arrow, so direction is not colour alone."""
    arrow = "▲" if value > 0 else "▼" if value < 0 else "="
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{format_number(abs(value), language, 2)} {arrow}"


def signed_points(value: float, language: str) -> str:
    """+3,1 pts ▲ / −0.4 pp ▼: a probability difference in percentage points, with its arrow."""
    arrow = "▲" if value > 0 else "▼" if value < 0 else "="
    return f"{format_points(value, language)} {arrow}"


def _effect(value: float, unit: Unit, language: str) -> str:
    return signed_points(value, language) if unit == "points" else signed(value, language)


def _level(value: float, unit: Unit, language: str) -> str:
    """A point on the path: a probability (points) or a raw score (log-odds)."""
    return (
        format_percent(value, language) if unit == "points" else format_number(value, language, 2)
    )


def _value(item: FeatureContribution | GroupContribution, unit: Unit) -> float:
    return item.probability_points if unit == "points" else item.contribution


def waterfall_steps(
    explanation: Explanation, language: str, top: int = TOP_FEATURES, unit: Unit = DEFAULT_UNIT
) -> tuple[list[Step], Step]:
    """The `top` strongest contributions and one step summing all the others."""
    ranked = sorted(explanation.contributions, key=lambda c: abs(c.contribution), reverse=True)
    shown, hidden = ranked[:top], ranked[top:]
    other = explanation.other_points if unit == "points" else explanation.other_contribution
    rest = Step(translate("waterfall.rest", language), other + sum(_value(c, unit) for c in hidden))
    steps: list[Step] = []
    seen: set[str] = set()
    for item in shown:
        label = _label(item, language)
        while label in seen:  # plotly merges bars with equal category labels
            label += " "
        seen.add(label)
        steps.append(Step(label, _value(item, unit)))
    return steps, rest


def _ends(explanation: Explanation, unit: Unit) -> tuple[float, float]:
    """Where the path starts and ends in the chart's unit."""
    if unit == "points":
        return explanation.base_probability, explanation.probability
    return explanation.base_value, explanation.raw_output


def waterfall_figure(
    explanation: Explanation, language: str, top: int = TOP_FEATURES, unit: Unit = DEFAULT_UNIT
) -> go.Figure:
    steps, rest = waterfall_steps(explanation, language, top, unit)
    start, end = _ends(explanation, unit)
    # Probability points are drawn in percent, so the axis reads 5 %, 10 %...
    scale = 100.0 if unit == "points" else 1.0
    base_label = translate("waterfall.base", language)
    total_label = translate("waterfall.total", language)
    labels = [base_label, *(s.label for s in steps), rest.label, total_label]
    path = [start, *(s.contribution for s in steps), rest.contribution]
    values = [v * scale for v in path] + [0.0]
    measures = ["absolute", *["relative"] * (len(steps) + 1), "total"]
    texts = [
        _level(start, unit, language),
        *(_effect(s.contribution, unit, language) for s in steps),
        _effect(rest.contribution, unit, language),
        _level(end, unit, language),
    ]
    figure = go.Figure(
        go.Waterfall(
            orientation="h",
            y=labels,
            x=values,
            measure=measures,
            text=texts,
            textposition="outside",
            increasing={"marker": {"color": RISK_UP}},
            decreasing={"marker": {"color": RISK_DOWN}},
            totals={"marker": {"color": GREY}},
            connector={"line": {"color": "#8c8c8c", "width": 1, "dash": "dot"}},
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    base_layout(figure, language, height=110 + 34 * len(labels))
    axis = {
        "title": translate(
            "waterfall.axis_points" if unit == "points" else "waterfall.axis", language
        ),
        "range": path_range([v * scale for v in path]),
    }
    if unit == "points":
        axis["ticksuffix"] = "\u00a0%" if language == "fr" else "%"
    figure.update_layout(
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 13}},
        xaxis=axis,
        showlegend=False,
    )
    return figure


def path_range(steps: list[float], pad: float = 0.25) -> list[float]:
    """The x range covering the running total from the base value, plus room for the labels.

    Like SHAP's own waterfall, the axis does not start at 0: the base value (often around -2.5
    log-odds) would otherwise squash every contribution into a corner.
    """
    running, points = 0.0, []
    for value in steps:
        running += value
        points.append(running)
    low, high = min(points), max(points)
    span = max(high - low, 1e-6)
    return [low - pad * span, high + pad * span]


def padded_range(values: list[float], pad: float = 0.3) -> list[float]:
    """A range including 0 and every bar, with room on both sides for the signed labels."""
    low, high = min([0.0, *values]), max([0.0, *values])
    span = max(high - low, 1e-6)
    return [low - (pad * span if low < 0 else 0.05 * span), high + pad * span]


def waterfall_summary(
    explanation: Explanation, language: str, top: int = TOP_FEATURES, unit: Unit = DEFAULT_UNIT
) -> str:
    steps, rest = waterfall_steps(explanation, language, top, unit)
    start, end = _ends(explanation, unit)
    items = "; ".join(
        f"{s.label.strip()}{NBSP}: {_effect(s.contribution, unit, language)}"
        if language == "fr"
        else f"{s.label.strip()}: {_effect(s.contribution, unit, language)}"
        for s in [*steps, rest]
    )
    return translate(
        "waterfall.summary",
        language,
        base=_level(start, unit, language),
        items=items,
        total=_level(end, unit, language),
    )


def waterfall_chart(explanation: Explanation, language: str, unit: Unit = DEFAULT_UNIT) -> object:
    return chart(
        "waterfall",
        waterfall_figure(explanation, language, unit=unit),
        waterfall_summary(explanation, language, unit=unit),
    )


def group_figure(
    groups: list[GroupContribution], language: str, unit: Unit = DEFAULT_UNIT
) -> go.Figure:
    """One bar per business group, strongest effect on top, signed text on each bar."""
    ordered = sorted(groups, key=lambda g: abs(g.contribution), reverse=True)
    labels = [g.label_fr if language == "fr" else g.label_en for g in ordered]
    raw = [_value(g, unit) for g in ordered]
    scale = 100.0 if unit == "points" else 1.0
    values = [v * scale for v in raw]
    figure = go.Figure(
        go.Bar(
            orientation="h",
            y=labels,
            x=values,
            marker={"color": [RISK_UP if v > 0 else RISK_DOWN for v in values]},
            text=[_effect(v, unit, language) for v in raw],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    base_layout(figure, language, height=90 + 32 * max(len(labels), 1))
    figure.update_layout(
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={
            "title": translate(
                "groups.axis_points" if unit == "points" else "groups.axis", language
            ),
            "zeroline": True,
            "range": padded_range(values),
        },
        showlegend=False,
    )
    return figure


def group_summary(groups: list[GroupContribution], language: str, unit: Unit = DEFAULT_UNIT) -> str:
    ordered = sorted(groups, key=lambda g: abs(g.contribution), reverse=True)
    items = "; ".join(
        translate(
            "groups.item",
            language,
            label=g.label_fr if language == "fr" else g.label_en,
            effect=_effect(_value(g, unit), unit, language),
        )
        for g in ordered
    )
    return translate("groups.summary", language, items=items)


def group_chart(
    groups: list[GroupContribution], language: str, unit: Unit = DEFAULT_UNIT
) -> object:
    return chart(
        "groups", group_figure(groups, language, unit), group_summary(groups, language, unit)
    )
