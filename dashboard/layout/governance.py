"""The governance page (risk officers) and the model card page.

Fairness per attribute (approval rate per group with its interval, and the table of error rates
and calibration), population drift (status with traffic lights, score PSI over time, the most
shifted features, the label-free estimate clearly marked as one) and the advisors' overrides.
Every chart has its sentence (common.chart) and every traffic light its word and symbol, so
nothing is said by colour alone.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.formatting import format_number, format_percent
from dashboard.i18n import translate
from dashboard.layout.common import base_layout, chart, loading_panel, section
from dashboard.layout.palette import BLACK, BLUE, GREY, VERMILLION
from dashboard.routing import Route
from shared.drift import PSI_ACT, PSI_WATCH, DriftHistory, DriftReport
from shared.governance import (
    REASON_CODES,
    AttributeFairness,
    DecisionSummary,
    FairnessReport,
)
from shared.markdown import Block, blocks, spans

#: Symbol beside each status word (the colour is a second channel, never the only one).
STATUS_SYMBOL = {"ok": "✔", "watch": "▲", "act": "✖"}
#: Features listed in the drift table (the worst first).
DRIFT_ROWS = 10


def _pct(value: float | None, language: str) -> str:
    return format_percent(value, language, 1)


def _num(value: float | None, language: str, decimals: int = 3) -> str:
    return format_number(value, language, decimals)


def status_word(status: str, language: str) -> str:
    return translate(f"gov.status.{status}", language)


def status_badge(status: str, language: str) -> html.Span:
    return html.Span(
        [
            html.Span(STATUS_SYMBOL[status], **{"aria-hidden": "true"}),
            " ",
            status_word(status, language),
        ],
        className=f"status status-{status}",
        **{"data-status": status},
    )


# ------------------------------------------------------------------------------- pages


def governance_page(route: Route, language: str) -> list[Any]:
    from dashboard.layout.pages import page_state  # pages imports this module: late import

    return [
        page_state(route, language),
        html.H1(translate("gov.heading", language)),
        html.P(translate("gov.intro", language), className="intro"),
        html.P(dcc.Link(translate("gov.card_link", language), href="/model/card", id="card-link")),
        section(
            "gov-summary",
            translate("gov.summary.heading", language),
            loading_panel("gov-summary-panel", language),
        ),
        section(
            "gov-fairness",
            translate("gov.fairness.heading", language),
            loading_panel("gov-fairness-panel", language),
            intro=translate("gov.fairness.intro", language),
        ),
        section(
            "gov-drift",
            translate("gov.drift.heading", language),
            loading_panel("gov-drift-panel", language),
            intro=translate("gov.drift.intro", language),
        ),
        section(
            "gov-oversight",
            translate("gov.oversight.heading", language),
            loading_panel("gov-oversight-panel", language),
        ),
    ]


def card_page(route: Route, language: str) -> list[Any]:
    from dashboard.layout.pages import page_state  # pages imports this module: late import

    return [
        page_state(route, language),
        html.H1(translate("modelcard.heading", language)),
        html.P(translate("modelcard.intro", language), className="intro"),
        loading_panel("card-text", language),
    ]


# ------------------------------------------------------------------------------- summary


def summary_panel(
    fairness: FairnessReport | None,
    drift: DriftReport | None,
    decisions: DecisionSummary | None,
    language: str,
) -> list[Any]:
    """A few sentences: what is flagged, what is not."""
    items: list[Any] = []
    if fairness is None or not fairness.attributes:
        items.append(html.Li(translate("gov.summary.fair_none", language)))
    else:
        flag = _num(fairness.disparate_impact_flag, language, 1)
        flagged = [a for a in fairness.attributes if a.flagged]
        others = [a for a in fairness.attributes if not a.flagged]
        label = (lambda a: a.label_fr) if language == "fr" else (lambda a: a.label_en)
        if flagged:
            text = translate(
                "gov.summary.fair_flagged",
                language,
                flagged=", ".join(label(a) for a in flagged),
                flag=flag,
                others=", ".join(label(a) for a in others) or "—",
            )
        else:
            text = translate(
                "gov.summary.fair_ok",
                language,
                flag=flag,
                attributes=", ".join(label(a) for a in others),
            )
        items.append(html.Li(text, id="summary-fairness", **{"data-flagged": str(len(flagged))}))
    if drift is None or drift.n == 0:
        items.append(html.Li(translate("gov.summary.drift_none", language)))
    else:
        parts: list[Any] = [
            status_badge(drift.status, language),
            " ",
            translate(
                "gov.summary.drift",
                language,
                status=status_word(drift.status, language),
                count=format_number(drift.n, language),
                psi=_num(drift.score_psi, language),
            ),
        ]
        if drift.low_sample:
            parts += [" ", translate("gov.summary.drift_low", language)]
        items.append(html.Li(parts, id="summary-drift"))
    if decisions is None or decisions.total == 0:
        items.append(html.Li(translate("gov.summary.oversight_none", language)))
    else:
        items.append(
            html.Li(
                translate(
                    "gov.summary.oversight",
                    language,
                    total=format_number(decisions.total, language),
                    overrides=format_number(decisions.overrides, language),
                    rate=_pct(decisions.override_rate, language),
                ),
                id="summary-oversight",
            )
        )
    return [html.Ul(items, className="governance-summary")]


# ------------------------------------------------------------------------------- fairness


def _group_label(group: str) -> str:
    return group.replace(" / ", " · ")


def approval_figure(attribute: AttributeFairness, language: str) -> go.Figure:
    groups = attribute.groups
    values = [g.approval_rate.value or 0.0 for g in groups]
    plus = [max((g.approval_rate.high or v) - v, 0) for g, v in zip(groups, values, strict=True)]
    minus = [max(v - (g.approval_rate.low or v), 0) for g, v in zip(groups, values, strict=True)]
    figure = go.Figure(
        go.Bar(
            orientation="h",
            y=[_group_label(g.group) for g in groups],
            x=values,
            marker={
                "color": [GREY if g.small else BLUE for g in groups],
                "pattern": {"shape": ["/" if g.small else "" for g in groups]},
            },
            error_x={"type": "data", "array": plus, "arrayminus": minus, "color": BLACK},
            text=[_pct(v, language) for v in values],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white"},
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    base_layout(figure, language, height=90 + 32 * max(len(groups), 1))
    figure.update_layout(
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": translate("gov.fairness.axis", language), "range": [0, 1]},
        showlegend=False,
    )
    figure.update_xaxes(tickformat=".0%")
    return figure


def _estimate_cell(estimate: Any, language: str, percent: bool = True) -> html.Td:
    fmt = _pct if percent else _num
    value = fmt(estimate.value, language)
    if estimate.low is None or estimate.high is None:
        return html.Td(value)
    interval = f"[{fmt(estimate.low, language)} ; {fmt(estimate.high, language)}]"
    return html.Td([value, html.Br(), html.Span(interval, className="ci")])


def fairness_table(attribute: AttributeFairness, language: str) -> html.Table:
    columns = (
        "gov.col.group",
        "gov.col.n",
        "gov.col.default_rate",
        "gov.col.mean_predicted",
        "gov.col.approval",
        "gov.col.tpr",
        "gov.col.fpr",
        "gov.col.auc",
    )
    head = html.Thead(html.Tr([html.Th(translate(c, language), scope="col") for c in columns]))
    rows = []
    for g in attribute.groups:
        name: list[Any] = [_group_label(g.group)]
        if g.small:
            name += [
                html.Br(),
                html.Span(translate("gov.fairness.small", language), className="ci"),
            ]
        rows.append(
            html.Tr(
                [
                    html.Th(name, scope="row"),
                    html.Td(format_number(g.n, language)),
                    _estimate_cell(g.default_rate, language),
                    _estimate_cell(g.mean_predicted, language),
                    _estimate_cell(g.approval_rate, language),
                    _estimate_cell(g.true_positive_rate, language),
                    _estimate_cell(g.false_positive_rate, language),
                    _estimate_cell(g.auc, language, percent=False),
                ],
                **{"data-group": g.group},
            )
        )
    return html.Table([head, html.Tbody(rows)], className="metrics-table fairness-table")


def attribute_block(
    attribute: AttributeFairness, report: FairnessReport, language: str
) -> html.Div:
    label = attribute.label_fr if language == "fr" else attribute.label_en
    flag = _num(report.disparate_impact_flag, language, 1)
    if attribute.disparate_impact is None:
        ratio = translate("gov.fairness.ratio_none", language)
    else:
        verdict = (
            translate("gov.fairness.flagged", language, flag=flag)
            if attribute.flagged
            else translate("gov.fairness.not_flagged", language)
        )
        ratio = translate(
            "gov.fairness.ratio",
            language,
            ratio=_num(attribute.disparate_impact, language, 2),
            low=_group_label(attribute.lowest_approval_group or "—"),
            high=_group_label(attribute.highest_approval_group or "—"),
            verdict=verdict,
        )
    paragraphs: list[Any] = [
        html.P(
            [status_badge("act" if attribute.flagged else "ok", language), " ", ratio],
            className="fairness-ratio",
        )
    ]
    if attribute.tpr_gap is not None:
        paragraphs.append(
            html.P(
                translate(
                    "gov.fairness.tpr_gap",
                    language,
                    gap=format_percent(attribute.tpr_gap, language, 1),
                    groups=" / ".join(_group_label(g) for g in attribute.tpr_gap_groups),
                )
            )
        )
    items = "; ".join(
        f"{_group_label(g.group)} {_pct(g.approval_rate.value, language)}" for g in attribute.groups
    )
    slug = attribute.attribute.lower().replace(" ", "-")
    return html.Div(
        [
            html.H3(label),
            *paragraphs,
            chart(
                f"fairness-{slug}",
                approval_figure(attribute, language),
                translate("gov.fairness.chart", language, attribute=label, items=items),
            ),
            fairness_table(attribute, language),
        ],
        className="fairness-attribute",
        **{"data-attribute": attribute.attribute, "data-flagged": str(attribute.flagged).lower()},
    )


def fairness_panel(report: FairnessReport, language: str) -> list[Any]:
    if not report.attributes:
        return [html.P(translate("gov.summary.fair_none", language))]
    return [attribute_block(a, report, language) for a in report.attributes]


# ------------------------------------------------------------------------------- drift


def history_figure(history: DriftHistory, language: str) -> go.Figure:
    x = [p.start[:10] if history.bucket_hours >= 24 else p.start[:16] for p in history.points]
    figure = go.Figure(
        go.Scatter(
            x=x,
            y=[p.score_psi for p in history.points],
            mode="lines+markers",
            line={"color": BLUE, "width": 2.5},
            marker={"size": 9, "symbol": "circle"},
            hovertemplate="%{x}: %{y:.3f}<extra></extra>",
        )
    )
    for level, key, dash in (
        (PSI_WATCH, "gov.drift.watch_line", "dot"),
        (PSI_ACT, "gov.drift.act_line", "dash"),
    ):
        figure.add_hline(
            y=level,
            line={"color": VERMILLION if level == PSI_ACT else GREY, "dash": dash, "width": 2},
            annotation={"text": f"{translate(key, language)} {_num(level, language, 2)}"},
            annotation_position="top left",
        )
    base_layout(figure, language, height=300)
    top = max([p.score_psi for p in history.points] + [PSI_ACT]) * 1.2
    figure.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": translate("gov.drift.history_axis", language), "range": [0, top]},
        showlegend=False,
    )
    return figure


def features_table(report: DriftReport, language: str) -> html.Table:
    head = html.Thead(
        html.Tr(
            [
                html.Th(translate("gov.col.feature", language), scope="col"),
                html.Th(translate("gov.col.psi", language), scope="col"),
                html.Th(translate("gov.col.status", language), scope="col"),
            ]
        )
    )
    rows = [
        html.Tr(
            [
                html.Th(f.name, scope="row"),
                html.Td(_num(f.psi, language)),
                html.Td(status_badge(f.status, language)),
            ],
            **{"data-feature": f.name},
        )
        for f in report.features[:DRIFT_ROWS]
    ]
    return html.Table(
        [html.Caption(translate("gov.drift.features_caption", language)), head, html.Tbody(rows)],
        className="metrics-table drift-table",
    )


def estimate_box(report: DriftReport, language: str) -> html.Div | None:
    e = report.estimate
    if e is None:
        return None
    return html.Div(
        [
            html.H3(translate("gov.estimate.heading", language)),
            html.P(
                translate(
                    "gov.estimate.text",
                    language,
                    rate=_pct(e.expected_default_rate, language),
                    reference_rate=_pct(e.reference_default_rate, language),
                    auc=_num(e.expected_auc, language),
                    reference_auc=_num(e.reference_auc, language),
                )
            ),
        ],
        className="estimate-box",
        id="drift-estimate",
        **{"data-estimate": "true"},
    )


def drift_panel(report: DriftReport, history: DriftHistory | None, language: str) -> list[Any]:
    if report.n == 0:
        return [html.P(translate("gov.drift.none", language), id="drift-overall")]
    content: list[Any] = [
        html.P(
            [
                status_badge(report.status, language),
                " ",
                translate(
                    "gov.drift.overall",
                    language,
                    status=status_word(report.status, language),
                    psi=_num(report.score_psi, language),
                    count=format_number(report.n, language),
                ),
            ],
            id="drift-overall",
            **{"data-status": report.status},
        )
    ]
    if report.low_sample and report.noise_psi is not None:
        content.append(
            html.P(
                translate(
                    "gov.drift.low_sample",
                    language,
                    count=format_number(report.n, language),
                    noise=_num(report.noise_psi, language, 2),
                ),
                className="muted",
            )
        )
    if history is not None and history.points:
        items = "; ".join(f"{p.start[:10]} {_num(p.score_psi, language)}" for p in history.points)
        content.append(
            chart(
                "drift-history",
                history_figure(history, language),
                translate("gov.drift.history_chart", language, items=items),
            )
        )
    else:
        content.append(html.P(translate("gov.drift.history_none", language), className="muted"))
    content.append(features_table(report, language))
    box = estimate_box(report, language)
    if box is not None:
        content.append(box)
    return content


# ------------------------------------------------------------------------------- oversight


def _reason_label(code: str, language: str) -> str:
    for reason in REASON_CODES:
        if reason.code == code:
            return reason.label_fr if language == "fr" else reason.label_en
    return code


def reasons_figure(summary: DecisionSummary, language: str) -> go.Figure:
    names = [_reason_label(c.key, language) for c in summary.by_reason]
    counts = [c.count for c in summary.by_reason]
    figure = go.Figure(
        go.Bar(
            orientation="h",
            y=names,
            x=counts,
            marker={"color": BLUE},
            text=[format_number(c, language) for c in counts],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    base_layout(figure, language, height=90 + 32 * max(len(names), 1))
    figure.update_layout(yaxis={"autorange": "reversed", "automargin": True}, showlegend=False)
    return figure


def oversight_panel(summary: DecisionSummary, language: str) -> list[Any]:
    if summary.total == 0:
        return [html.P(translate("gov.oversight.none", language), id="oversight-rate")]
    content: list[Any] = [
        html.P(
            translate(
                "gov.oversight.rate",
                language,
                overrides=format_number(summary.overrides, language),
                total=format_number(summary.total, language),
                rate=_pct(summary.override_rate, language),
            ),
            id="oversight-rate",
            **{"data-total": str(summary.total), "data-overrides": str(summary.overrides)},
        )
    ]
    if summary.by_reason:
        items = "; ".join(f"{_reason_label(c.key, language)} {c.count}" for c in summary.by_reason)
        content += [
            html.H3(translate("gov.oversight.by_reason", language)),
            chart(
                "oversight-reasons",
                reasons_figure(summary, language),
                translate("gov.oversight.reason_chart", language, items=items),
            ),
        ]
    content += [
        html.H3(translate("gov.oversight.by_direction", language)),
        html.Table(
            [
                html.Thead(
                    html.Tr(
                        [
                            html.Th(translate("gov.col.direction", language), scope="col"),
                            html.Th(translate("gov.col.count", language), scope="col"),
                        ]
                    )
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Th(translate(f"gov.direction.{c.key}", language), scope="row"),
                                html.Td(format_number(c.count, language)),
                            ],
                            **{"data-direction": c.key},
                        )
                        for c in summary.by_direction
                    ]
                ),
            ],
            className="metrics-table",
        ),
    ]
    return content


# ------------------------------------------------------------------------------- model card


def _inline(text: str) -> list[Any]:
    out: list[Any] = []
    for kind, part in spans(text):
        if kind == "strong":
            out.append(html.Strong(part))
        elif kind == "em":
            out.append(html.Em(part))
        elif kind == "code":
            out.append(html.Code(part))
        else:
            out.append(part)
    return out


def _block(block: Block) -> Any:
    if block.kind == "heading":
        # The page's own H1 names the card: its headings start one level below.
        level = min(block.level + 1, 6)
        return getattr(html, f"H{level}")(_inline(block.texts[0]))
    if block.kind == "paragraph":
        return html.P(_inline(block.texts[0]))
    if block.kind == "list":
        return html.Ul([html.Li(_inline(t)) for t in block.texts])
    head = html.Thead(html.Tr([html.Th(_inline(c), scope="col") for c in block.rows[0]]))
    body = html.Tbody([html.Tr([html.Td(_inline(c)) for c in row]) for row in block.rows[1:]])
    return html.Table([head, body], className="metrics-table")


def card_components(markdown: str) -> list[Any]:
    """The model card as Dash components (the card's text, never raw HTML)."""
    return [html.Div([_block(b) for b in blocks(markdown)], className="model-card", lang="en")]
