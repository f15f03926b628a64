"""What-if simulation: a form of the fields an advisor may change, and the simulated result.

Inputs use pattern-matching IDs {"type": "whatif-field", "field": NAME} so one callback reads
however many fields the API offers; their bounds come from the API (it validates them again).
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.formatting import format_percent, format_points, format_value
from dashboard.i18n import translate
from dashboard.layout.common import chart
from dashboard.layout.gauge import decision_badge, gauge_figure
from dashboard.layout.waterfall import signed
from shared.contract import WhatIfField, WhatIfResult

FIELD_TYPE = "whatif-field"


def field_id(name: str) -> dict[str, str]:
    return {"type": FIELD_TYPE, "field": name}


def _field(field: WhatIfField, language: str) -> html.Div:
    label = field.label_fr if language == "fr" else field.label_en
    dom_id = f"whatif-{field.name}"
    help_id = f"{dom_id}-help"
    bounds = translate(
        "whatif.range",
        language,
        low=format_value(field.minimum_exclusive, field.unit, language),
        high=format_value(field.maximum, field.unit, language),
    )
    current = translate(
        "whatif.current", language, value=format_value(field.current, field.unit, language)
    )
    # dcc.Input takes no aria-* props and renders a dict id as JSON, so the label wraps the
    # input (implicit association) and the range sits right under it.
    return html.Div(
        [
            html.Label(
                [
                    html.Span(label, className="label-text"),
                    dcc.Input(
                        id=field_id(field.name),
                        type="number",
                        value=shown_value(field.unit, field.current),
                        step="any",
                        inputMode="numeric",
                        className="number-input",
                    ),
                ],
                id=dom_id,
            ),
            html.P(f"{current}. {bounds}.", id=help_id, className="help"),
        ],
        className="form-field",
    )


def shown_value(unit: str, value: float | None) -> float | None:
    """The value as the form shows it: whole euros, months to one decimal.

    The callback compares what the advisor left in a field with this same rounding, so an
    untouched field never counts as a change.
    """
    if value is None:
        return None
    return round(value, 1) if unit in {"months", "years"} else round(value)


def what_if_form(fields: list[WhatIfField], language: str) -> html.Div:
    return html.Div([_field(f, language) for f in fields], className="form-grid")


def what_if_result(result: WhatIfResult, language: str) -> html.Div:
    """The new decision and probability, the change versus the file, and the reasons that moved."""
    after = result.after
    change_items = [
        html.Li(
            translate(
                "whatif.reason_change",
                language,
                label=c.label_fr if language == "fr" else c.label_en,
                before=_signed_or_dash(c.before, language),
                after=_signed_or_dash(c.after, language),
            ),
            **{"data-status": c.status},
        )
        for c in result.reason_changes
        if c.status != "kept" or (c.before or 0) != (c.after or 0)
    ][:8]
    summary = translate(
        "whatif.summary",
        language,
        probability=format_percent(after.probability, language),
        threshold=format_percent(after.threshold, language),
    )
    return html.Div(
        [
            decision_badge(after.decision, language),
            html.P(
                translate(
                    "whatif.result",
                    language,
                    probability=format_percent(after.probability, language),
                    change=format_points(result.probability_change, language),
                ),
                id="whatif-probability",
                **{"data-probability": f"{after.probability:.6f}"},
            ),
            html.P(
                translate("whatif.same_model", language),
                className="muted",
                **{"data-model": after.model},
            ),
            chart(
                "whatif-gauge", gauge_figure(after.probability, after.threshold, language), summary
            ),
            html.H3(translate("whatif.reasons_changed", language)),
            html.Ul(change_items, className="reason-changes")
            if change_items
            else html.P(translate("whatif.no_reason_change", language), className="muted"),
        ],
        className="whatif-result",
    )


def _signed_or_dash(value: float | None, language: str) -> str:
    return "—" if value is None else signed(value, language)
