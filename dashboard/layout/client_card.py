"""The client card: the application's main facts, formatted by the API for each language."""

from __future__ import annotations

from dash import html

from dashboard.i18n import translate
from shared.contract import ClientInfo


def client_card(info: ClientInfo, language: str) -> html.Div:
    """A description list (label → value): read in order by screen readers, reflows on zoom."""
    if not info.fields:
        return html.P(translate("card.empty", language), className="muted")
    rows = []
    for field in info.fields:
        label = field.label_fr if language == "fr" else field.label_en
        display = field.display_fr if language == "fr" else field.display_en
        rows.append(
            html.Div(
                [html.Dt(label), html.Dd(display or "—")],
                className="card-row",
                **{"data-field": field.name},
            )
        )
    return html.Dl(rows, className="client-card")
