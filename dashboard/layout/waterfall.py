"""SHAP waterfall of one client's explanation, and the same contributions by business group.

Contributions are in log-odds (what TreeSHAP adds up exactly); the chart starts at the average
client (the base value), adds the strongest factors one by one, sums the rest in one bar and
ends at this client's score, so the advisor can point at what moved the estimate and by how much.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard.formatting import format_number
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart
from dashboard.layout.palette import GREY, RISK_DOWN, RISK_UP
from shared.contract import Explanation, FeatureContribution, GroupContribution

TOP_FEATURES = 10


@dataclass(frozen=True)
class Step:
    """One bar of the waterfall: a readable label and its signed effect."""

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


def waterfall_steps(
    explanation: Explanation, language: str, top: int = TOP_FEATURES
) -> tuple[list[Step], Step]:
    """The `top` strongest contributions and one step summing all the others."""
    ranked = sorted(explanation.contributions, key=lambda c: abs(c.contribution), reverse=True)
    shown, hidden = ranked[:top], ranked[top:]
    rest_value = explanation.other_contribution + sum(c.contribution for c in hidden)
    rest = Step(translate("waterfall.rest", language), rest_value)
    steps: list[Step] = []
    seen: set[str] = set()
    for item in shown:
        label = _label(item, language)
        while label in seen:  # plotly merges bars with equal category labels
            label += " "
        seen.add(label)
        steps.append(Step(label, item.contribution))
    return steps, rest


def waterfall_figure(explanation: Explanation, language: str, top: int = TOP_FEATURES) -> go.Figure:
    steps, rest = waterfall_steps(explanation, language, top)
    base_label = translate("waterfall.base", language)
    total_label = translate("waterfall.total", language)
    labels = [base_label, *(s.label for s in steps), rest.label, total_label]
    values = [explanation.base_value, *(s.contribution for s in steps), rest.contribution, 0.0]
    measures = ["absolute", *["relative"] * (len(steps) + 1), "total"]
    texts = [
        format_number(explanation.base_value, language, 2),
        *(signed(s.contribution, language) for s in steps),
        signed(rest.contribution, language),
        format_number(explanation.raw_output, language, 2),
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
    figure.update_layout(
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 13}},
        xaxis={
            "title": translate("waterfall.axis", language),
            "range": path_range(
                [explanation.base_value, *(s.contribution for s in steps), rest.contribution]
            ),
        },
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


def waterfall_summary(explanation: Explanation, language: str, top: int = TOP_FEATURES) -> str:
    steps, rest = waterfall_steps(explanation, language, top)
    items = "; ".join(
        f"{s.label.strip()} : {signed(s.contribution, language)}"
        if language == "fr"
        else f"{s.label.strip()}: {signed(s.contribution, language)}"
        for s in [*steps, rest]
    )
    return translate(
        "waterfall.summary",
        language,
        base=format_number(explanation.base_value, language, 2),
        items=items,
        total=format_number(explanation.raw_output, language, 2),
    )


def waterfall_chart(explanation: Explanation, language: str) -> object:
    return chart(
        "waterfall",
        waterfall_figure(explanation, language),
        waterfall_summary(explanation, language),
    )


def group_figure(groups: list[GroupContribution], language: str) -> go.Figure:
    """One bar per business group, strongest effect on top, signed text on each bar."""
    ordered = sorted(groups, key=lambda g: abs(g.contribution), reverse=True)
    labels = [g.label_fr if language == "fr" else g.label_en for g in ordered]
    values = [g.contribution for g in ordered]
    figure = go.Figure(
        go.Bar(
            orientation="h",
            y=labels,
            x=values,
            marker={"color": [RISK_UP if v > 0 else RISK_DOWN for v in values]},
            text=[signed(v, language) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    base_layout(figure, language, height=90 + 32 * max(len(labels), 1))
    figure.update_layout(
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={
            "title": translate("groups.axis", language),
            "zeroline": True,
            "range": padded_range(values),
        },
        showlegend=False,
    )
    return figure


def group_summary(groups: list[GroupContribution], language: str) -> str:
    ordered = sorted(groups, key=lambda g: abs(g.contribution), reverse=True)
    items = "; ".join(
        translate(
            "groups.item",
            language,
            label=g.label_fr if language == "fr" else g.label_en,
            effect=signed(g.contribution, language),
        )
        for g in ordered
    )
    return translate("groups.summary", language, items=items)


def group_chart(groups: list[GroupContribution], language: str) -> object:
    return chart("groups", group_figure(groups, language), group_summary(groups, language))
