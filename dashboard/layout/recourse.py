""" "What would change the decision": the recourse options, and the client's summary document.

The options come from /v1/recourse already worded by the API in both languages; each is a
request that the same model would grant (posting its changes to the what-if gives the same
probability). The summary document is a link to the dashboard's own address
(dashboard/client_documents.py), which fetches it from the API: the browser never holds the
API key.
"""

from __future__ import annotations

from dash import html

from dashboard.client_documents import summary_href
from dashboard.formatting import format_percent
from dashboard.i18n import translate
from dashboard.layout.gauge import decision_badge
from shared.contract import RecourseResult


def recourse_panel(result: RecourseResult, language: str) -> html.Div:
    message = result.message_fr if language == "fr" else result.message_en
    # With options, the section's introduction already says what they are.
    children: list[object] = [
        html.P(
            message,
            id="recourse-message",
            hidden=bool(result.options),
            **{"data-status": result.status},
        )
    ]
    if result.options:
        items = []
        for number, option in enumerate(result.options, start=1):
            sentence = option.sentence_fr if language == "fr" else option.sentence_en
            items.append(
                html.Li(
                    [
                        html.Strong(translate("recourse.option", language, number=number)),
                        " ",
                        decision_badge(option.decision, language),
                        html.P(sentence),
                    ],
                    className="recourse-option",
                    **{
                        "data-probability": f"{option.probability:.6f}",
                        "data-changes": ",".join(sorted(option.changes)),
                        "aria-label": f"{translate('recourse.option', language, number=number)}: "
                        f"{format_percent(option.probability, language)}",
                    },
                )
            )
        children.append(html.Ol(items, className="recourse-options", id="recourse-options"))
    if result.searched:
        children.append(
            html.P(
                translate("recourse.searched", language, count=result.searched),
                className="muted",
            )
        )
    return html.Div(children)


def summary_links(client_id: int, language: str) -> html.Div:
    """Download the summary in the page's language, or in the other one; or read it as HTML."""
    other = "en" if language == "fr" else "fr"
    return html.Div(
        [
            html.A(
                translate("summary.pdf", language),
                href=summary_href(client_id, language, "pdf"),
                download=f"decision-{client_id}-{language}.pdf",
                className="button",
                id="summary-pdf",
                hrefLang=language,
            ),
            " ",
            html.A(
                translate("summary.pdf_other", language),
                href=summary_href(client_id, other, "pdf"),
                download=f"decision-{client_id}-{other}.pdf",
                id="summary-pdf-other",
                hrefLang=other,
            ),
            " · ",
            html.A(
                translate("summary.html", language),
                href=summary_href(client_id, language, "html"),
                target="_blank",
                rel="noopener",
                id="summary-html",
                hrefLang=language,
            ),
        ],
        className="summary-links",
    )
