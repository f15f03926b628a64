"""The model page, written for a non-specialist: what matters, how reliable, why this threshold."""

from __future__ import annotations

from typing import Any, NamedTuple

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.formatting import format_number, format_percent
from dashboard.i18n import TABLES, normalise_language, translate
from dashboard.layout.common import base_layout, chart, section
from dashboard.layout.palette import BLACK, BLUE, GREY
from shared.contract import FeatureList, MetricInterval, ModelInfo

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


#: Baselines in table order; any other baseline the bundle reports follows, by name.
BASELINE_ORDER = ("logistic", "dummy")


class _Row(NamedTuple):
    """One line of the performance table."""

    key: str
    metric: str
    #: Decimals of the figure; None shows it as a percentage.
    decimals: int | None
    #: ModelMetricsInfo field holding its confidence interval, if it has one.
    interval: str | None = None


_ROWS: tuple[_Row, ...] = (
    _Row("model.auc", "roc_auc", 3, "roc_auc_ci"),
    _Row("model.cost", "cost_at_threshold", 0, "cost_ci"),
    _Row("model.recall", "recall_at_threshold", None),
    _Row("model.precision", "precision_at_threshold", None),
    _Row("model.brier", "brier", 3),
)


def _metric(info: ModelInfo, model: str, name: str) -> float | None:
    metrics = info.metrics.get(model)
    value = getattr(metrics, name, None) if metrics is not None else None
    return float(value) if isinstance(value, int | float) else None


def baselines(info: ModelInfo) -> list[str]:
    """The reported baselines: the known ones in BASELINE_ORDER, then any other by name."""
    others = sorted(n for n in info.metrics if n != "model" and n not in BASELINE_ORDER)
    return [n for n in BASELINE_ORDER if n in info.metrics] + others


def baseline_label(name: str, language: str) -> str:
    key = f"model.baseline.{name}"
    return translate(key, language) if key in TABLES[normalise_language(language)] else name


def _format(value: float | None, decimals: int | None, language: str) -> str:
    if decimals is None:
        return format_percent(value, language, 0)
    return format_number(value, language, decimals)


def _cell(info: ModelInfo, model: str, row: _Row, language: str) -> html.Td:
    """A figure and, when the bundle has one, its confidence interval below it."""
    value = _metric(info, model, row.metric)
    metrics = info.metrics.get(model)
    interval: MetricInterval | None = (
        getattr(metrics, row.interval, None) if metrics is not None and row.interval else None
    )
    if interval is None:
        return html.Td(_format(value, row.decimals, language))
    ci = translate(
        "model.ci",
        language,
        level=format_percent(interval.level, language, 0),
        low=_format(interval.low, row.decimals, language),
        high=_format(interval.high, row.decimals, language),
    )
    return html.Td(
        [_format(value, row.decimals, language), html.Br(), html.Span(ci, className="ci")],
        **{"data-ci-low": f"{interval.low:.6g}", "data-ci-high": f"{interval.high:.6g}"},
    )


def performance_table(info: ModelInfo, language: str) -> html.Table:
    """The model against every baseline measured the same way, each figure with what it means
    and, for the AUC and the cost, its bootstrap confidence interval."""
    columns = ["model", *baselines(info)]
    body = []
    for row in _ROWS:
        body.append(
            html.Tr(
                [
                    html.Th(translate(row.key, language), scope="row"),
                    *(_cell(info, model, row, language) for model in columns),
                    html.Td(translate(f"{row.key}.help", language)),
                ],
                **{"data-metric": row.metric},
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th(translate("model.metric", language), scope="col"),
                html.Th(translate("model.value", language), scope="col"),
                *(
                    html.Th(baseline_label(name, language), scope="col", **{"data-model": name})
                    for name in columns[1:]
                ),
                html.Th(translate("model.meaning", language), scope="col"),
            ]
        )
    )
    return html.Table([head, html.Tbody(body)], className="metrics-table")


def confusion_table(info: ModelInfo, language: str) -> html.Table | None:
    """The served model's decisions on the evaluated past loans, as four counts."""
    metrics = info.metrics.get("model")
    counts = (
        (metrics.true_positives, metrics.false_negatives, metrics.false_positives,
         metrics.true_negatives)
        if metrics is not None
        else (None,) * 4
    )  # fmt: skip
    if any(c is None for c in counts):
        return None
    tp, fn, fp, tn = (int(c) for c in counts)  # type: ignore[arg-type]

    def number(count: int, kind: str) -> html.Td:
        return html.Td(format_number(count, language), **{"data-count": kind})

    return html.Table(
        [
            html.Caption(
                translate(
                    "model.confusion.caption",
                    language,
                    count=format_number(tp + fn + fp + tn, language),
                    threshold=format_percent(info.threshold, language),
                )
            ),
            html.Thead(
                html.Tr(
                    [
                        html.Td(),
                        html.Th(translate("model.confusion.refused", language), scope="col"),
                        html.Th(translate("model.confusion.granted", language), scope="col"),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(translate("model.confusion.defaulted", language), scope="row"),
                            number(tp, "true_positives"),
                            number(fn, "false_negatives"),
                        ]
                    ),
                    html.Tr(
                        [
                            html.Th(translate("model.confusion.repaid", language), scope="row"),
                            number(fp, "false_positives"),
                            number(tn, "true_negatives"),
                        ]
                    ),
                ]
            ),
        ],
        className="metrics-table confusion-table",
    )


def evaluation_text(info: ModelInfo, language: str) -> list[html.P]:
    """How the figures were measured (the bundle's protocol, in the page's language) and which
    model scores whom."""
    evaluation = info.evaluation
    if evaluation is None:
        paragraphs = [html.P(translate("model.evaluation.none", language))]
    else:
        description = evaluation.description_fr if language == "fr" else evaluation.description_en
        paragraphs = [
            html.P(description, id="evaluation-protocol", **{"data-protocol": evaluation.name}),
            html.P(
                translate(
                    "model.evaluation.details",
                    language,
                    folds=format_number(evaluation.outer_folds, language),
                    resamples=format_number(evaluation.bootstrap_resamples, language),
                ),
                className="muted",
            ),
        ]
    if info.fold_models:
        paragraphs.append(
            html.P(
                translate(
                    "model.evaluation.serving",
                    language,
                    count=format_number(info.fold_models, language),
                )
            )
        )
    return paragraphs


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
    cost = _metric(info, "model", "cost_at_threshold")
    half = _metric(info, "model", "cost_at_half")
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
    cost = _metric(info, "model", "cost_at_threshold")
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
            html.P(
                [
                    dcc.Link(translate("gov.card_link", language), href="/model/card"),
                    " · ",
                    dcc.Link(translate("app.nav.governance", language), href="/governance"),
                ],
                id="model-governance-links",
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
                confusion_table(info, language),
            ),
            section(
                "model-evaluation",
                translate("model.evaluation.heading", language),
                *evaluation_text(info, language),
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
