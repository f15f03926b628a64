"""The advisor's final decision on the client page: follow the model, or override it.

An override (grant or refuse against the model's proposal) needs a reason code and a comment;
the API checks it too and records who decided, when, and what the model said.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard.i18n import translate
from dashboard.layout.common import dropdown_labels, section, toggle_group
from shared.governance import MAX_COMMENT

#: The advisor's three choices (the toggle group's values).
CHOICES: tuple[str, ...] = ("follow", "grant", "refuse")


def final_decision_section(language: str) -> html.Section:
    return section(
        "final-decision",
        translate("final.heading", language),
        dcc.Store(id="final-choice", data="follow"),
        toggle_group(
            "final-choice",
            translate("final.choice", language),
            [(choice, translate(f"final.{choice}", language)) for choice in CHOICES],
            "follow",
        ),
        html.Div(
            [
                html.Label(translate("final.reason", language), htmlFor="final-reason"),
                dcc.Dropdown(
                    id="final-reason", options=[], clearable=True, labels=dropdown_labels(language)
                ),
            ],
            className="form-field",
        ),
        html.Div(
            [
                html.Label(translate("final.comment", language), htmlFor="final-comment"),
                dcc.Textarea(id="final-comment", maxLength=MAX_COMMENT, className="textarea"),
            ],
            className="form-field",
        ),
        html.Button(
            translate("final.submit", language),
            id="final-submit",
            className="button",
            type="button",
            n_clicks=0,
        ),
        html.Div(id="final-result", role="status", **{"aria-live": "polite"}),
        intro=translate("final.intro", language),
    )
