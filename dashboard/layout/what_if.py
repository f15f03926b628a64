"""What-if simulation: a form of the request's terms, and the simulated result.

Inputs use pattern-matching IDs {"type": "whatif-field", "field": NAME} so one callback reads
however many fields the API offers; their client-relative bounds come from the API (which checks
them again). They are text fields, not number fields: a browser writes a number field's value
its own way ("27.7" on a French page), while an advisor reads "474 542" and "27,7" in French and
"474,542" in English; `parse_number` reads both the language's writing and plain digits.

The amount, the term and the instalment are tied by the client's product rate
(shared/loan_terms.py, the same functions as the API): `sync_terms` recomputes the instalment
when the amount or the term changes, and turns an instalment into whole months (then shows that
term's exact instalment). `requested_changes` sends the amount, the term and the goods price;
the API prices the instalment from them exactly as the form showed it.
"""

from __future__ import annotations

import math
from typing import Any

from dash import dcc, html

from dashboard.formatting import format_number, format_percent, format_points, format_value
from dashboard.i18n import translate
from dashboard.layout.common import chart
from dashboard.layout.gauge import decision_badge, gauge_figure
from dashboard.layout.waterfall import signed
from shared.contract import LoanTermsInfo, WhatIfField, WhatIfResult
from shared.loan_terms import LoanTerms

FIELD_TYPE = "whatif-field"
LOAN_STORE = "whatif-loan"
CREDIT, TERM, ANNUITY, GOODS = "AMT_CREDIT", "TERM_MONTHS", "AMT_ANNUITY", "AMT_GOODS_PRICE"
#: Spaces a number may be grouped with: plain, no-break and narrow no-break.
_SPACES = (" ", "\u00a0", "\u202f")


def field_id(name: str) -> dict[str, str]:
    return {"type": FIELD_TYPE, "field": name}


def parse_number(text: Any, language: str) -> float | None:
    """A number typed in a field: "474 542", "27,7" (French), "474,542", "27.7" (English);
    also without grouping, and with a € sign. None for an empty field; ValueError otherwise."""
    if text is None:
        return None
    if isinstance(text, int | float):
        return float(text)
    cleaned = str(text).strip().replace("€", "").replace("%", "")
    for space in _SPACES:
        cleaned = cleaned.replace(space, "")
    if not cleaned:
        return None
    cleaned = cleaned.replace(",", ".") if language == "fr" else cleaned.replace(",", "")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def shown_value(unit: str, value: float | None) -> float | None:
    """The value as the form shows it: whole euros, whole months.

    Callbacks compare what the advisor left in a field with this same rounding, so an untouched
    field never counts as a change.
    """
    if value is None:
        return None
    return float(round(value))


def field_text(unit: str, value: float | None, language: str) -> str:
    """The field's text in the language's writing: "474 542" / "474,542", "24"."""
    shown = shown_value(unit, value)
    return "" if shown is None else format_number(shown, language, 0)


def loan_terms(loan: LoanTermsInfo | dict[str, Any] | None) -> LoanTerms | None:
    if loan is None:
        return None
    info = loan if isinstance(loan, LoanTermsInfo) else LoanTermsInfo.model_validate(loan)
    return LoanTerms(info.credit, info.annuity, info.term_months, info.monthly_rate)


def shown_text(value: float | None, unit: str, language: str) -> str:
    """A value as the help texts write it: "406 598 €", "18 mois" / "€406,598", "18 months"."""
    if value is None:
        return "—"
    if unit == "months":
        word = "mois" if language == "fr" else ("month" if value == 1 else "months")
        return f"{format_number(value, language, 0)}\u00a0{word}"
    return format_value(value, unit, language)


def _bound(value: float | None, unit: str, language: str, up: bool) -> str:
    if value is None:
        return "—"
    rounded = math.ceil(value) if up else math.floor(value)
    return shown_text(float(rounded), unit, language)


def _field(field: WhatIfField, language: str) -> html.Div:
    label = field.label_fr if language == "fr" else field.label_en
    dom_id = f"whatif-{field.name}"
    help_id = f"{dom_id}-help"
    if field.minimum is not None:
        bounds = translate(
            "whatif.range",
            language,
            low=_bound(field.minimum, field.unit, language, up=True),
            high=_bound(field.maximum, field.unit, language, up=False),
        )
    else:
        bounds = ""
    current = translate(
        "whatif.current",
        language,
        value=shown_text(shown_value(field.unit, field.current), field.unit, language),
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
                        type="text",
                        value=field_text(field.unit, field.current, language),
                        inputMode="numeric",
                        debounce=True,
                        disabled=not field.changeable,
                        autoComplete="off",
                        className="number-input",
                    ),
                ],
                id=dom_id,
            ),
            html.P(
                f"{current}. {bounds}." if bounds else f"{current}.", id=help_id, className="help"
            ),
        ],
        className="form-field",
    )


def what_if_form(
    fields: list[WhatIfField], language: str, loan: LoanTermsInfo | None = None
) -> html.Div:
    children: list[Any] = [html.Div([_field(f, language) for f in fields], className="form-grid")]
    if loan is not None:
        children.append(
            html.P(
                translate(
                    "whatif.rate",
                    language,
                    term=shown_text(float(loan.term_months), "months", language),
                ),
                className="help",
                id="whatif-rate",
            )
        )
    children.append(dcc.Store(id=LOAN_STORE, data=loan.model_dump() if loan else None))
    return html.Div(children)


def sync_terms(
    trigger: str | None,
    credit_text: Any,
    term_text: Any,
    annuity_text: Any,
    loan: dict[str, Any] | None,
    language: str,
) -> tuple[Any, Any, Any]:
    """(amount text, term text, instalment text) after the advisor changed `trigger`, each
    written the language's way ("133 660", "18").

    The amount or the term changed: the instalment of that amount over that many whole months
    at the product's rate. The instalment changed: the whole number of months closest to it,
    and that term's exact instalment. An unreadable field leaves the others as they are (None
    means: do not update).
    """
    terms = loan_terms(loan)
    if terms is None or trigger not in (CREDIT, TERM, ANNUITY):
        return None, None, None
    try:
        typed_credit = parse_number(credit_text, language)
        credit = typed_credit or terms.credit
        if trigger == ANNUITY:
            payment = parse_number(annuity_text, language)
            if payment is None or payment <= 0:
                return None, None, None
            months = terms.term_for(credit, payment)
            if months is None:
                return None, None, None
        else:
            typed = parse_number(term_text, language)
            months = terms.term_months if typed is None else round(typed)
            months = min(max(months, terms.min_term), terms.max_term)
    except ValueError:
        return None, None, None
    amount = field_text("EUR", typed_credit, language) if typed_credit is not None else None
    return (
        amount,
        format_number(float(months), language, 0),
        format_number(round(terms.instalment(credit, months)), language, 0),
    )


def requested_changes(
    values: dict[str, Any],
    originals: dict[str, WhatIfField],
    terms: LoanTerms | None,
    language: str,
) -> dict[str, float]:
    """The what-if changes of the form: the amount, the whole-month term and the goods price
    the advisor changed (an emptied field means "unchanged"); ValueError naming the field for
    text that is not a number.

    The instalment is not sent: the API prices it from the amount and the term, as the form
    shows it. When it was typed and no longer matches them (submitted before the form
    recomputed), it was edited last and sets the term.
    """
    parsed: dict[str, float | None] = {}
    for name, text in values.items():
        try:
            parsed[name] = parse_number(text, language)
        except ValueError:
            raise ValueError(name) from None

    def changed(name: str) -> float | None:
        value, field = parsed.get(name), originals.get(name)
        if value is None or field is None:
            return None
        shown = shown_value(field.unit, field.current)
        return value if shown is None or abs(value - shown) > 1e-9 else None

    changes: dict[str, float] = {}
    credit, term, goods = changed(CREDIT), changed(TERM), changed(GOODS)
    if credit is not None:
        changes[CREDIT] = credit
    # An instalment still as on file was not typed: the amount and the term decide.
    annuity = changed(ANNUITY)
    if terms is not None and annuity is not None:
        amount = credit if credit is not None else terms.credit
        months = round(term) if term is not None else terms.term_months
        shown = (
            terms.annuity if credit is None and term is None else terms.instalment(amount, months)
        )
        if abs(round(shown) - annuity) > 0.5:  # the instalment was edited last
            derived = terms.term_for(amount, annuity)
            if derived is not None:
                term = float(derived) if derived != terms.term_months else None
    if term is not None:
        changes[TERM] = float(round(term))
    if goods is not None:
        changes[GOODS] = goods
    return changes


_CHANGE_UNITS = {CREDIT: "EUR", TERM: "months", ANNUITY: "EUR", GOODS: "EUR"}
_CHANGE_LABELS = {
    CREDIT: ("Montant du crédit", "Credit amount"),
    TERM: ("Durée", "Term"),
    ANNUITY: ("Mensualité", "Monthly instalment"),
    GOODS: ("Prix du bien", "Goods price"),
}


def _applied_list(result: WhatIfResult, language: str) -> html.Ul:
    items = []
    for change in result.changes:
        unit = _CHANGE_UNITS.get(change.field, "")
        labels = _CHANGE_LABELS.get(change.field, (change.field, change.field))
        items.append(
            html.Li(
                translate(
                    "whatif.applied_item",
                    language,
                    label=labels[0] if language == "fr" else labels[1],
                    before=shown_text(shown_value(unit, change.before), unit, language),
                    after=shown_text(shown_value(unit, change.after), unit, language),
                ),
                **{"data-field": change.field},
            )
        )
    return html.Ul(items, className="applied-changes", id="whatif-applied")


def what_if_result(result: WhatIfResult, language: str) -> html.Div:
    """The new decision and probability, the request as simulated, and the reasons that moved."""
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
            html.H3(translate("whatif.applied", language)),
            _applied_list(result, language),
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
