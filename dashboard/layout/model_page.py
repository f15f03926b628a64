"""The model page, written for a non-specialist: what matters, how reliable, why this threshold."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import html

from dashboard.formatting import format_number, format_percent
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart, section
from dashboard.layout.palette import BLACK, BLUE, GREY
from shared.contract import FeatureList, ModelInfo

TOP_IMPORTANCE = 15


def _label(item: Any, language: str) -> str:
    return item.label_fr if language == "fr" else item.label_en


def importance_figure(
    names: list[str], values: list[float], language: str, axis_key: str
) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            orientation="h",
            y=names,
            x=values,
            marker={"color": BLUE},
            text=[format_number(v, language, 3) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    base_layout(figure, language, height=90 + 30 * max(len(names), 1))
    figure.update_layout(
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": translate(axis_key, language)},
        showlegend=False,
    )
    return figure


def importance_chart(features: FeatureList, language: str, top: int = TOP_IMPORTANCE) -> object:
    ranked = sorted(features.features, key=lambda f: f.importance, reverse=True)[:top]
    names = [_label(f, language) for f in ranked]
    values = [f.importance for f in ranked]
    items = "; ".join(
        f"{n} {format_number(v, language, 3)}" for n, v in zip(names, values, strict=True)
    )
    return chart(
        "importance",
        importance_figure(names, values, language, "model.importance.axis"),
        translate("model.importance.summary", language, items=items),
    )


def group_importance_chart(features: FeatureList, language: str) -> object:
    ranked = sorted(features.groups, key=lambda g: g.importance, reverse=True)
    names = [_label(g, language) for g in ranked]
    values = [g.importance for g in ranked]
    items = "; ".join(
        f"{n} {format_number(v, language, 3)}" for n, v in zip(names, values, strict=True)
    )
    return chart(
        "group-importance",
        importance_figure(names, values, language, "model.importance.axis"),
        translate("model.importance.summary", language, items=items),
    )


def _metric(metrics: dict[str, dict[str, Any]], model: str, name: str) -> float | None:
    value = metrics.get(model, {}).get(name)
    return float(value) if isinstance(value, int | float) else None


def performance_table(info: ModelInfo, language: str) -> html.Table:
    """Model against the simple logistic baseline, each figure with what it means."""
    rows = [
        ("model.auc", "roc_auc", lambda v: format_number(v, language, 3)),
        ("model.recall", "recall_at_threshold", lambda v: format_percent(v, language, 0)),
        ("model.precision", "precision_at_threshold", lambda v: format_percent(v, language, 0)),
        ("model.brier", "brier", lambda v: format_number(v, language, 3)),
    ]
    body = []
    for key, metric, fmt in rows:
        model_value = _metric(info.metrics, "model", metric)
        baseline_value = _metric(info.metrics, "logistic", metric)
        body.append(
            html.Tr(
                [
                    html.Th(translate(key, language), scope="row"),
                    html.Td(fmt(model_value) if model_value is not None else "—"),
                    html.Td(fmt(baseline_value) if baseline_value is not None else "—"),
                    html.Td(translate(f"{key}.help", language)),
                ],
                **{"data-metric": metric},
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(translate(k, language), scope="col")
                for k in ("model.metric", "model.value", "model.baseline", "model.meaning")
            ]
        )
    )
    return html.Table([head, html.Tbody(body)], className="metrics-table")


def cost_curve_figure(info: ModelInfo, language: str) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=info.cost_curve_thresholds,
            y=info.cost_curve_costs,
            mode="lines",
            line={"color": GREY, "width": 2.5},
            hovertemplate="%{x:.2f}: %{y:,.0f}<extra></extra>",
            name=translate("model.cost.axis_y", language),
        )
    )
    figure.add_vline(
        x=info.threshold,
        line={"color": BLACK, "width": 3, "dash": "dash"},
        annotation={
            "text": f"{translate('model.cost.chosen', language)} "
            f"{format_number(info.threshold, language, 2)}",
            "bgcolor": "white",
            "font": {"size": 14},
        },
        annotation_position="top right",
    )
    base_layout(figure, language, height=340)
    figure.update_layout(
        xaxis={"title": translate("model.cost.axis_x", language), "range": [0, 1]},
        yaxis={"title": translate("model.cost.axis_y", language), "tickformat": ",.0f"},
        showlegend=False,
    )
    return figure


def threshold_text(info: ModelInfo, language: str) -> list[html.P]:
    costs = info.costs
    ratio = costs.false_negative / costs.false_positive if costs.false_positive else 0
    paragraphs = [
        html.P(
            translate(
                "model.threshold.text",
                language,
                fn=format_number(ratio, language, 0),
                fp=format_number(costs.false_positive, language, 0),
                threshold=format_percent(info.threshold, language),
            )
        )
    ]
    cost = _metric(info.metrics, "model", "cost_at_threshold")
    half = _metric(info.metrics, "model", "cost_at_half")
    if cost is not None and half is not None:
        paragraphs.append(
            html.P(
                translate(
                    "model.threshold.half",
                    language,
                    threshold=format_percent(info.threshold, language),
                    cost=format_number(cost, language, 0),
                    half_cost=format_number(half, language, 0),
                )
            )
        )
    return paragraphs


def cost_chart(info: ModelInfo, language: str) -> object:
    cost = _metric(info.metrics, "model", "cost_at_threshold")
    if cost is None and info.cost_curve_costs:
        cost = min(info.cost_curve_costs)
    summary = translate(
        "model.cost.summary",
        language,
        threshold=format_number(info.threshold, language, 2),
        cost=format_number(cost, language, 0),
    )
    return chart("cost-curve", cost_curve_figure(info, language), summary)


def model_overview(info: ModelInfo, features: FeatureList, language: str) -> html.Div:
    date = info.created_at[:10]
    count = format_number(info.n_train, language) if info.n_train is not None else "—"
    return html.Div(
        [
            html.P(translate("model.intro", language)),
            html.P(
                translate("model.version", language, version=info.version, date=date, count=count),
                className="muted",
            ),
            section(
                "model-importance",
                translate("model.importance.heading", language),
                importance_chart(features, language),
                intro=translate("model.importance.intro", language),
            ),
            section(
                "model-groups",
                translate("model.groups.heading", language),
                group_importance_chart(features, language),
            ),
            section(
                "model-performance",
                translate("model.performance.heading", language),
                html.Div(performance_table(info, language), className="table-scroll"),
            ),
            section(
                "model-threshold",
                translate("model.threshold.heading", language),
                *threshold_text(info, language),
                cost_chart(info, language) if info.cost_curve_thresholds else None,
            ),
        ],
        className="model-page",
    )
