"""The top reasons in plain sentences, as the API words them for the advisor to read aloud."""

from __future__ import annotations

from dash import html

from dashboard.i18n import translate
from shared.contract import Reason, Reasons


def _sentence(reason: Reason, language: str) -> str:
    return reason.sentence_fr if language == "fr" else reason.sentence_en


def _reason_list(reasons: list[Reason], direction: str, language: str) -> html.Div:
    arrow = "▲" if direction == "raises" else "▼"
    heading_key = "reasons.up" if direction == "raises" else "reasons.down"
    items = [
        html.Li(
            [
                html.Span(arrow, className="icon", **{"aria-hidden": "true"}),
                " ",
                _sentence(r, language),
            ],
            **{"data-feature": r.feature},
        )
        for r in reasons
    ]
    return html.Div(
        [
            html.H3(
                [html.Span(arrow, **{"aria-hidden": "true"}), " ", translate(heading_key, language)]
            ),
            html.Ul(items, className="reason-list")
            if items
            else html.P(translate("reasons.none", language), className="muted"),
        ],
        className=f"reasons reasons-{direction}",
    )


def reasons_panel(reasons: Reasons, language: str) -> html.Div:
    """Two lists side by side: what raises the estimated risk, what lowers it."""
    return html.Div(
        [
            _reason_list(reasons.raises, "raises", language),
            _reason_list(reasons.lowers, "lowers", language),
        ],
        className="reasons-grid",
    )
