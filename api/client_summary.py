"""The client's decision summary: one page the client keeps, in French or English.

It says what an advisor says at the desk, in words a client reads alone: the decision, the
estimated probability of default next to the threshold (never log-odds), the main reasons as
sentences, the personal data the decision used (the client card), what would change the
decision (the recourse options of api/recourse.py), the right to a human review and to contest,
and which model decided when.

The HTML is built from the standard library only: every value that comes from data (labels,
category levels, sentences, IDs) goes through `html.escape`, so a category value holding markup
prints as text. It is accessible as it stands (lang attribute, one h1 then h2 sections, a table
with header cells, dark text on white: contrast above 7:1) and prints on one A4 page; the PDF is
this same HTML laid out by WeasyPrint (api/pdf.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

import numpy as np

from api.client_info import client_info
from api.formatting import NBSP, NNBSP, number
from api.recourse import recourse
from api.scorer import Scorer
from api.what_if import client_position
from shared.contract import ClientInfo, Prediction, Reasons, RecourseResult

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class ClientSummary:
    """Everything the page shows, computed once (both languages render from it)."""

    client_id: int
    prediction: Prediction
    reasons: Reasons
    info: ClientInfo
    recourse: RecourseResult
    model_version: str
    created_at: datetime


def build_summary(scorer: Scorer, client_id: int, now: datetime | None = None) -> ClientSummary:
    """The decision as /v1/predict gives it, its reasons as /v1/explain words them, the card of
    /v1/clients/{id} and the options of /v1/recourse: the same model answers all four."""
    position = client_position(scorer, client_id)
    rows = scorer.rows_for_clients([client_id])
    scored = scorer.score(rows, [client_id], [None])[0]
    contributions = scorer.contributions(rows)[0]
    values = rows.values[0]
    reasons = scorer.reasons(values, np.asarray(contributions[:-1]))
    info = client_info(client_id, scorer.store.raw_record(position))
    return ClientSummary(
        client_id=client_id,
        prediction=scorer.prediction(scored),
        reasons=reasons,
        info=info,
        recourse=recourse(scorer, client_id),
        model_version=scorer.version,
        created_at=now or datetime.now(UTC),
    )


def percent(probability: float, language: str) -> str:
    """8,6 % / 8.6%: one decimal, the language's decimal mark and spacing."""
    shown = number(probability * 100, 1, language)
    return f"{shown}{NNBSP}%" if language == "fr" else f"{shown}%"


def long_date(moment: datetime, language: str) -> str:
    if language == "fr":
        day = "1er" if moment.day == 1 else str(moment.day)
        return f"{day} {_MONTHS_FR[moment.month - 1]} {moment.year}"
    return f"{moment.day} {_MONTHS_EN[moment.month - 1]} {moment.year}"


_TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Votre décision de crédit — dossier {client_id}",
        "lead": "Ce document résume la décision prise sur votre demande de crédit et ce qui l'a "
        "motivée. Conservez-le.",
        "decision.heading": "La décision",
        "decision.grant": "Votre demande de crédit est accordée.",
        "decision.refuse": "Votre demande de crédit n'est pas accordée en l'état.",
        "decision.numbers": "Notre estimation du risque que le crédit ne soit pas remboursé est "
        "de {probability}. Une demande est accordée lorsque cette estimation est inférieure au "
        "seuil de {threshold}.",
        "reasons.heading": "Les principales raisons",
        "reasons.raises": "Ce qui a augmenté le risque estimé",
        "reasons.lowers": "Ce qui a diminué le risque estimé",
        "reasons.none": "Aucun élément notable.",
        "data.heading": "Les informations utilisées",
        "data.intro": "La décision s'appuie sur les informations de votre demande, dont "
        "celles-ci, et sur vos antécédents de crédit enregistrés (autres crédits, demandes "
        "précédentes, remboursements).",
        "change.heading": "Ce qui changerait la décision",
        "rights.heading": "Vos droits",
        "rights.review": "Vous pouvez demander qu'une personne de notre établissement réexamine "
        "votre dossier, présenter votre point de vue et contester cette décision : adressez-vous "
        "à votre conseiller ou à votre agence, en mentionnant le dossier {client_id}.",
        "rights.data": "Vous pouvez accéder aux informations vous concernant et faire corriger "
        "celles qui seraient inexactes ; une information corrigée peut changer la décision.",
        "footer": "Décision calculée le {date} par le modèle de score {version} ({model}). "
        "Estimation statistique fondée sur des crédits passés : elle ne juge pas votre "
        "personne.",
        "model.fold": "modèle de validation croisée {fold}, qui n'a pas vu votre dossier",
        "model.refit": "modèle entraîné sur l'ensemble des clients passés",
    },
    "en": {
        "title": "Your credit decision — application {client_id}",
        "lead": "This document sums up the decision on your credit application and what led "
        "to it. Please keep it.",
        "decision.heading": "The decision",
        "decision.grant": "Your credit application is granted.",
        "decision.refuse": "Your credit application cannot be granted as it stands.",
        "decision.numbers": "We estimate the risk that the credit would not be repaid at "
        "{probability}. An application is granted when this estimate is below the threshold of "
        "{threshold}.",
        "reasons.heading": "The main reasons",
        "reasons.raises": "What raised the estimated risk",
        "reasons.lowers": "What lowered the estimated risk",
        "reasons.none": "Nothing notable.",
        "data.heading": "The information used",
        "data.intro": "The decision relies on the information in your application, including "
        "the items below, and on your recorded credit history (other credits, previous "
        "applications, repayments).",
        "change.heading": "What would change the decision",
        "rights.heading": "Your rights",
        "rights.review": "You may ask for a person at our bank to review your application, "
        "give your point of view and contest this decision: contact your advisor or your "
        "branch, quoting application {client_id}.",
        "rights.data": "You may see the information we hold about you and have anything "
        "inaccurate corrected; corrected information may change the decision.",
        "footer": "Decision computed on {date} by scoring model {version} ({model}). A "
        "statistical estimate based on past loans: it is not a judgement of you as a person.",
        "model.fold": "cross-validation model {fold}, which never saw your application",
        "model.refit": "the model trained on all past clients",
    },
}

# Print (the PDF is WeasyPrint's print layout) is set a little tighter than the screen: with the
# longest reason labels, three recourse options and the full card, 9.5 pt overflowed one A4 page
# for about one refused client in five; at 9 pt the longest measured used 91 % of the page.
_STYLE = """
@page { size: A4; margin: 10mm 14mm; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1a1a1a;
       background: #ffffff; font-size: 9.5pt; line-height: 1.3; }
body { margin: 0 auto; max-width: 48rem; }
h1 { font-size: 15pt; margin: 0 0 3pt; }
h2 { font-size: 11.5pt; margin: 8pt 0 3pt; border-bottom: 1px solid #595959; }
h3 { font-size: 9.5pt; margin: 4pt 0 1pt; }
p, ul { margin: 2pt 0; }
ul { padding-left: 14pt; }
.decision { font-size: 11.5pt; font-weight: bold; padding: 3pt 6pt; border: 2px solid #1a1a1a; }
.decision-grant { background: #e6f2fa; }
.decision-refuse { background: #fbeee6; }
.card { display: grid; grid-template-columns: 1fr 1fr; column-gap: 12pt; margin: 3pt 0; }
.card div { display: flex; justify-content: space-between; border-bottom: 1px solid #bfbfbf;
            padding: 1pt 0; }
.card dt { color: #333333; }
.card dd { margin: 0 0 0 6pt; font-weight: bold; text-align: right; }
.muted { color: #404040; font-size: 8pt; }
@media print {
  html { font-size: 9pt; line-height: 1.25; }
  h2 { margin: 6pt 0 2pt; }
}
"""


def _t(language: str, key: str, **values: object) -> str:
    """The sentence, with every value escaped before it is placed (values come from data)."""
    text = _TEXT[language][key]
    if language == "fr":  # French spacing: no line break before ":" and ";"
        text = text.replace(" :", f"{NBSP}:").replace(" ;", f"{NNBSP};")
    return escape(text).format(**{name: escape(str(value)) for name, value in values.items()})


def _model_words(model: str, language: str) -> str:
    if model.startswith("fold-"):
        return _TEXT[language]["model.fold"].format(fold=model.removeprefix("fold-"))
    return _TEXT[language]["model.refit"]


def _reasons(summary: ClientSummary, language: str) -> str:
    blocks = []
    for key, reasons in (
        ("reasons.raises", summary.reasons.raises),
        ("reasons.lowers", summary.reasons.lowers),
    ):
        sentences = [r.sentence_fr if language == "fr" else r.sentence_en for r in reasons[:3]]
        items = (
            "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in sentences) + "</ul>"
            if sentences
            else f"<p>{_t(language, 'reasons.none')}</p>"
        )
        blocks.append(f"<h3>{_t(language, key)}</h3>{items}")
    return "".join(blocks)


def _data_list(summary: ClientSummary, language: str) -> str:
    """The client card as a description list, laid out in two columns of label/value pairs
    (a grid: the reading order stays label, value, label, value)."""
    items = []
    for field in summary.info.fields:
        label = field.label_fr if language == "fr" else field.label_en
        shown = (field.display_fr if language == "fr" else field.display_en) or "—"
        items.append(f"<div><dt>{escape(label)}</dt><dd>{escape(shown)}</dd></div>")
    return f'<dl class="card">{"".join(items)}</dl>'


def _changes(summary: ClientSummary, language: str) -> str:
    result = summary.recourse
    message = result.message_fr if language == "fr" else result.message_en
    parts = [f"<p>{escape(message)}</p>"]
    if result.options:
        sentences = [o.sentence_fr if language == "fr" else o.sentence_en for o in result.options]
        parts.append("<ul>" + "".join(f"<li>{escape(s)}</li>" for s in sentences) + "</ul>")
    return "".join(parts)


def render_html(summary: ClientSummary, language: str) -> str:
    """The one-page summary as a complete, accessible HTML document in `language`."""
    prediction = summary.prediction
    decision = prediction.decision
    title = _t(language, "title", client_id=summary.client_id)
    footer = _t(
        language,
        "footer",
        date=long_date(summary.created_at, language),
        version=summary.model_version,
        model=_model_words(prediction.model, language),
    )
    body = [
        f"<h1>{title}</h1>",
        f"<p>{_t(language, 'lead')}</p>",
        f'<section aria-labelledby="decision"><h2 id="decision">'
        f"{_t(language, 'decision.heading')}</h2>",
        f'<p class="decision decision-{decision}">{_t(language, f"decision.{decision}")}</p>',
        "<p>"
        + _t(
            language,
            "decision.numbers",
            probability=percent(prediction.probability, language),
            threshold=percent(prediction.threshold, language),
        )
        + "</p></section>",
        f'<section aria-labelledby="reasons"><h2 id="reasons">'
        f"{_t(language, 'reasons.heading')}</h2>{_reasons(summary, language)}</section>",
        f'<section aria-labelledby="change"><h2 id="change">'
        f"{_t(language, 'change.heading')}</h2>{_changes(summary, language)}</section>",
        f'<section aria-labelledby="data"><h2 id="data">{_t(language, "data.heading")}</h2>'
        f"<p>{_t(language, 'data.intro')}</p>{_data_list(summary, language)}</section>",
        f'<section aria-labelledby="rights"><h2 id="rights">{_t(language, "rights.heading")}'
        f"</h2><p>{_t(language, 'rights.review', client_id=summary.client_id)}</p>"
        f"<p>{_t(language, 'rights.data')}</p></section>",
        f'<footer><p class="muted">{footer}</p></footer>',
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
