"""Counterfactual recourse: the smallest changes to the REQUEST that would get it granted.

Why a direct bounded search and not a counterfactual library (DiCE): what may change is three
terms of the request (amount, whole-month term, goods price) within client-relative bounds, and
everything else must stay exactly as on file. A grid of ~330 alternative requests covers that
space at the resolution an advisor quotes (5 % of the amount, the product's standard terms, the
goods price kept or lowered with the amount); all of them go through ONE run of the online
feature code and ONE booster call of the model that serves the client, which takes tens of
milliseconds at full scale. DiCE would search the same few fields through a model wrapper (it
samples or optimises with pandas/scikit-learn on every call, pulls in its own dependency set,
scores one candidate at a time through a generic predict function, and needs its own bounds
written again), could not reuse the what-if's feature path, and returns random, not smallest,
counterfactuals unless tuned: more code, slower, and less exact than the grid.

Every candidate is built by the what-if's own `apply_changes` (instalment recomputed at the
client's product rate) and scored by `score_like_client`, the what-if's scoring path: posting an
option's `changes` to /v1/what-if gives the same probability and decision (tested exactly).

Options are granted candidates, smallest change first (sum of the relative changes of amount,
term and goods price), at most one per kind of change (term only, amount only, amount and goods
price, ...), and never a candidate that adds a change an option already listed does without.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from api.formatting import NNBSP, format_value, number
from api.scorer import Scorer
from api.what_if import (
    CREDIT,
    GOODS,
    TERM_MONTHS,
    ClientLoan,
    apply_changes,
    client_loan,
    client_position,
    edited_rows,
    fields_for,
    score_like_client,
)
from shared.contract import RecourseOption, RecourseResult
from shared.loan_terms import MIN_AMOUNT_SHARE, STANDARD_TERMS

MAX_OPTIONS = 3
#: Amounts tried, as shares of the amount requested: 100 %, 95 %, ... 30 %.
AMOUNT_SHARES: tuple[float, ...] = tuple(round(1 - 0.05 * k, 2) for k in range(15))


@dataclass(frozen=True)
class Candidate:
    changes: dict[str, float]
    credit: float
    term: int
    goods: float | None
    size: float

    @property
    def kind(self) -> frozenset[str]:
        return frozenset(self.changes)


def _round_amount(value: float, requested: float) -> float:
    """Whole hundreds of euros (tens below 5,000 €), never below the 30 % bound."""
    unit = 100 if requested >= 5_000 else 10
    rounded = math.floor(value / unit) * unit
    return float(max(rounded, math.ceil(MIN_AMOUNT_SHARE * requested)))


def candidates(loan: ClientLoan) -> list[Candidate]:
    """Every alternative request of the grid (the request itself excluded), deduplicated."""
    terms = loan.terms
    assert terms is not None
    months = sorted(
        {t for t in STANDARD_TERMS if terms.min_term <= t <= terms.max_term} | {terms.term_months}
    )
    goods0 = loan.goods_price
    found: dict[tuple[tuple[str, float], ...], Candidate] = {}
    for share in AMOUNT_SHARES:
        credit = terms.credit if share == 1 else _round_amount(share * terms.credit, terms.credit)
        goods_options: list[float | None] = [None]
        if goods0 is not None and credit != terms.credit:
            # A cheaper purchase: the goods price lowered in proportion to the amount.
            proportional = round(goods0 * credit / terms.credit)
            cheaper = max(math.ceil(MIN_AMOUNT_SHARE * goods0), proportional)
            goods_options.append(min(float(cheaper), goods0))
        for term in months:
            for goods in goods_options:
                changes: dict[str, float] = {}
                if credit != terms.credit:
                    changes[CREDIT] = credit
                if term != terms.term_months:
                    changes[TERM_MONTHS] = float(term)
                if goods is not None and goods != goods0:
                    changes[GOODS] = goods
                if not changes:
                    continue
                size = abs(credit - terms.credit) / terms.credit
                size += abs(term - terms.term_months) / terms.term_months
                if goods is not None and goods0:
                    size += abs(goods - goods0) / goods0
                key = tuple(sorted(changes.items()))
                found[key] = Candidate(
                    changes, credit, term, goods if goods is not None else goods0, size
                )
    return list(found.values())


def _dominated(candidate: Candidate, chosen: list[Candidate]) -> bool:
    """True when an option already listed makes some of this one's changes, with the same
    values, and nothing else: the extra change is not needed for the grant."""
    for option in chosen:
        if option.kind < candidate.kind and all(
            candidate.changes[f] == v for f, v in option.changes.items()
        ):
            return True
    return False


def choose(granted: list[tuple[Candidate, float]]) -> list[tuple[Candidate, float]]:
    """Smallest change first, at most one per kind of change, no dominated option."""
    ordered = sorted(granted, key=lambda pair: (round(pair[0].size, 9), pair[1]))
    chosen: list[tuple[Candidate, float]] = []
    kinds: set[frozenset[str]] = set()
    for candidate, probability in ordered:
        if candidate.kind in kinds or _dominated(candidate, [c for c, _ in chosen]):
            continue
        chosen.append((candidate, probability))
        kinds.add(candidate.kind)
        if len(chosen) == MAX_OPTIONS:
            break
    return chosen


def _percent(probability: float, language: str) -> str:
    shown = number(probability * 100, 1, language)
    return f"{shown}{NNBSP}%" if language == "fr" else f"{shown}%"


def _months(value: int, language: str) -> str:
    return format_value(float(value), "months", language)


def sentences(
    loan: ClientLoan, candidate: Candidate, annuity: float, probability: float, threshold: float
) -> tuple[str, str]:
    """(French, English) plain description of one option, as an advisor would read it."""
    terms = loan.terms
    assert terms is not None

    def euros(value: float, language: str) -> str:
        return format_value(value, "EUR", language)

    parts_fr, parts_en = [], []
    if CREDIT in candidate.changes:
        parts_fr.append(
            f"Emprunter {euros(candidate.credit, 'fr')} au lieu de {euros(terms.credit, 'fr')}"
        )
        parts_en.append(
            f"Borrow {euros(candidate.credit, 'en')} instead of {euros(terms.credit, 'en')}"
        )
    else:
        parts_fr.append(f"Emprunter {euros(candidate.credit, 'fr')}")
        parts_en.append(f"Borrow {euros(candidate.credit, 'en')}")
    if TERM_MONTHS in candidate.changes:
        parts_fr.append(
            f"sur {_months(candidate.term, 'fr')} au lieu de {_months(terms.term_months, 'fr')}"
        )
        parts_en.append(
            f"over {_months(candidate.term, 'en')} instead of {_months(terms.term_months, 'en')}"
        )
    else:
        parts_fr.append(f"sur {_months(candidate.term, 'fr')}")
        parts_en.append(f"over {_months(candidate.term, 'en')}")
    if GOODS in candidate.changes and loan.goods_price is not None:
        goods = candidate.changes[GOODS]
        parts_fr.append(
            f"pour un bien de {euros(goods, 'fr')} au lieu de {euros(loan.goods_price, 'fr')}"
        )
        parts_en.append(
            f"for goods costing {euros(goods, 'en')} instead of {euros(loan.goods_price, 'en')}"
        )
    french = (
        ", ".join(parts_fr)
        + f"{NNBSP}: mensualité {euros(annuity, 'fr')} au lieu de {euros(terms.annuity, 'fr')}"
        + f", probabilité estimée {_percent(probability, 'fr')}"
        + f" (seuil {_percent(threshold, 'fr')})."
    )
    english = (
        ", ".join(parts_en)
        + f": monthly instalment {euros(annuity, 'en')} instead of {euros(terms.annuity, 'en')}"
        + f", estimated probability {_percent(probability, 'en')}"
        + f" (threshold {_percent(threshold, 'en')})."
    )
    return french, english


_MESSAGES: dict[str, tuple[str, str]] = {
    "options": (
        "Demandes qui seraient accordées, du plus petit changement au plus grand. Seules les "
        "conditions du crédit changent, jamais la situation du client.",
        "Requests that would be granted, smallest change first. Only the terms of the loan "
        "change, never the client's situation.",
    ),
    "already_granted": (
        "La demande telle qu'elle est serait accordée : rien à changer.",
        "The request as it stands would be granted: nothing needs to change.",
    ),
    "none_within_bounds": (
        "Aucune demande dans les limites (30 à 100 % du montant, durées du produit, prix du "
        "bien) ne serait accordée : changer les conditions du crédit ne suffit pas.",
        "No request within the limits (30 to 100% of the amount, the product's terms, the "
        "goods price) would be granted: changing the terms of the loan is not enough.",
    ),
    "not_applicable": (
        "Le dossier n'indique pas de montant et de mensualité : aucune alternative à calculer.",
        "The application records no amount and instalment: there is no alternative to compute.",
    ),
}


def _result(
    scorer: Scorer,
    client_id: int,
    status: str,
    current: object,
    options: list[RecourseOption],
    searched: int,
) -> RecourseResult:
    message_fr, message_en = _MESSAGES[status]
    return RecourseResult(
        client_id=client_id,
        status=status,  # type: ignore[arg-type]
        current=current,  # type: ignore[arg-type]
        options=options,
        fields=fields_for(scorer, client_id).fields,
        searched=searched,
        message_fr=message_fr,
        message_en=message_en,
    )


def recourse(scorer: Scorer, client_id: int) -> RecourseResult:
    position = client_position(scorer, client_id)
    loan = client_loan(scorer, position)
    current = scorer.prediction(
        scorer.score(scorer.rows_for_clients([client_id]), [client_id], [None])[0]
    )
    if current.decision == "grant":
        return _result(scorer, client_id, "already_granted", current, [], 0)
    if loan.terms is None:
        return _result(scorer, client_id, "not_applicable", current, [], 0)
    grid = candidates(loan)
    built = [apply_changes(loan, c.changes) for c in grid]
    rows = edited_rows(scorer, position, client_id, [record for record, _ in built])
    scored = score_like_client(scorer, client_id, rows)
    granted = [
        (c, s.probability) for c, s in zip(grid, scored, strict=True) if s.decision == "grant"
    ]
    options = []
    annuity_of = {id(c): record["AMT_ANNUITY"] for c, (record, _) in zip(grid, built, strict=True)}
    for candidate, probability in choose(granted):
        annuity = float(annuity_of[id(candidate)])
        french, english = sentences(loan, candidate, annuity, probability, scorer.threshold)
        options.append(
            RecourseOption(
                changes=candidate.changes,
                probability=probability,
                decision="grant",
                credit_amount=candidate.credit,
                term_months=candidate.term,
                annuity=annuity,
                goods_price=candidate.goods,
                change_size=candidate.size,
                sentence_fr=french,
                sentence_en=english,
            )
        )
    status = "options" if options else "none_within_bounds"
    return _result(scorer, client_id, status, current, options, len(grid))
