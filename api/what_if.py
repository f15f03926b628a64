"""What-if: re-score a known client with the terms of the request changed.

Only the terms of the request change (credit amount, term, instalment, goods price), within
bounds relative to the client's own request (shared/loan_terms.py): 30-100 % of the amount asked
for, the term in whole months within the product's limits, the goods price down to 30 % of the
one on file. Income, age, external scores and every other personal fact never change here: a
simulation of a different person is not advice a lender can give.

The instalment follows the amount and the term at the client's product rate (implied by the
application's own amount and instalment): lowering the amount lowers the instalment instead of
keeping it and jumping the repayment ratio, and an instalment given directly becomes a whole
number of months (the instalment used is then that term's, and the response says so).

Only the application family is recomputed, with the same online feature code as training, from
the client's raw application fields (as stored in the bundle) plus the changes. Features of the
other families (bureau, previous loans, instalments, cards) are taken unchanged from the client
store: the bundle keeps the clients' aggregates, not their side-table rows, and a change to the
requested loan does not change the client's past.

Before and after are scored and explained by the same model, the one that serves the client (for
a training client its cross-fitting model, see api/served_models.py), so the change in
probability reflects only the edited fields, and "before" is exactly what /v1/predict says. The
recourse search (api/recourse.py) builds its candidates with `apply_changes` and scores them with
`score_variants`, so an option posted here gets the same probability.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from api.errors import InvalidInput, NotFound
from api.scorer import Scored, Scorer
from shared.contract import (
    WHAT_IF_RANGES,
    AppliedChange,
    ErrorItem,
    LoanTermsInfo,
    ReasonChange,
    Reasons,
    WhatIfField,
    WhatIfFields,
    WhatIfResult,
)
from shared.loan_terms import MIN_AMOUNT_SHARE, LoanTerms

CREDIT, ANNUITY, GOODS = "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"
#: Pseudo-field: the term in whole months; the instalment follows at the product's rate.
TERM_MONTHS = "TERM_MONTHS"

_LABELS: dict[str, tuple[str, str, str]] = {
    CREDIT: ("Montant du crédit", "Credit amount", "EUR"),
    TERM_MONTHS: ("Durée (mois)", "Term (months)", "months"),
    ANNUITY: ("Mensualité", "Monthly instalment", "EUR"),
    GOODS: ("Prix du bien", "Goods price", "EUR"),
}
#: Order of the fields in the form and of the applied changes in a response.
FIELD_ORDER: tuple[str, ...] = (CREDIT, TERM_MONTHS, ANNUITY, GOODS)

#: Who the client is and what already happened: never changed by a what-if.
IDENTITY_FIELDS = frozenset(
    {
        "SK_ID_CURR",
        "TARGET",
        "CODE_GENDER",
        "DAYS_BIRTH",
        "DAYS_ID_PUBLISH",
        "DAYS_REGISTRATION",
        "DAYS_EMPLOYED",
        "EXT_SOURCE_1",
        "EXT_SOURCE_2",
        "EXT_SOURCE_3",
    }
)
#: Personal facts a simulation could be tempted to change; refused with the reason.
PERSONAL_FIELDS = frozenset({"AMT_INCOME_TOTAL", "CNT_CHILDREN", "CNT_FAM_MEMBERS"})


def _number(value: object) -> float | None:
    if value is None or isinstance(value, str):
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class ClientLoan:
    """One client's request as the what-if and the recourse search see it: the raw application
    record, its terms (None without an amount and an instalment) and the goods price."""

    record: dict[str, Any]
    terms: LoanTerms | None
    goods_price: float | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> ClientLoan:
        terms = LoanTerms.of_application(_number(record.get(CREDIT)), _number(record.get(ANNUITY)))
        goods = _number(record.get(GOODS))
        return cls(record, terms, goods if goods is not None and goods > 0 else None)

    def bounds(self, field: str) -> tuple[float, float] | None:
        """Inclusive, client-relative bounds of a changeable field; None when it cannot change
        for this client (no amount, instalment or goods price on file)."""
        if field == GOODS:
            if self.goods_price is None:
                return None
            return float(math.ceil(MIN_AMOUNT_SHARE * self.goods_price)), self.goods_price
        terms = self.terms
        if terms is None:
            return None
        if field == CREDIT:
            return float(math.ceil(terms.min_credit)), terms.credit
        if field == TERM_MONTHS:
            return float(terms.min_term), float(terms.max_term)
        if field == ANNUITY:
            return terms.min_annuity(), terms.max_annuity()
        return None

    def current(self, field: str) -> float | None:
        if field == TERM_MONTHS:
            return float(self.terms.term_months) if self.terms is not None else None
        if field == GOODS:
            return self.goods_price
        return _number(self.record.get(field))


def _invalid(field: str, value: object, expected: str, message: str) -> InvalidInput:
    item = ErrorItem(field=f"changes.{field}", value=value, expected=expected, message=message)
    return InvalidInput(message, [item])


def _shown(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.2f}"


def validate_changes(changes: Mapping[str, float], loan: ClientLoan) -> None:
    """422 naming the field, the value and the allowed range for anything a what-if may not do:
    a personal fact, an unknown field, a value outside the client-relative bounds, a term that
    is not a whole number of months, or both the term and the instalment (they fix each other)."""
    allowed = ", ".join(FIELD_ORDER)
    for field, value in changes.items():
        if field in IDENTITY_FIELDS or field in PERSONAL_FIELDS:
            raise _invalid(
                field,
                value,
                f"one of {allowed}",
                f"{field} is a personal fact of the client and cannot change; only the terms "
                "of the request can",
            )
        if field not in FIELD_ORDER:
            raise _invalid(field, value, f"one of {allowed}", f"{field} cannot be changed here")
        if not math.isfinite(value):
            raise _invalid(field, str(value), "a finite number", f"{field} must be a number")
        bounds = loan.bounds(field)
        if bounds is None:
            raise _invalid(
                field,
                value,
                "a client whose application records it",
                f"{field} cannot change: the application has no "
                + ("goods price" if field == GOODS else "credit amount and instalment"),
            )
        low, high = bounds
        if field == TERM_MONTHS and not float(value).is_integer():
            raise _invalid(
                field, value, "a whole number of months", f"{field}={value:g} is not whole months"
            )
        if not low <= value <= high:
            expected = f"{_shown(low)} <= {field} <= {_shown(high)}"
            raise _invalid(field, value, expected, f"{field}={value:g} is outside {expected}")
    if TERM_MONTHS in changes and ANNUITY in changes:
        raise _invalid(
            TERM_MONTHS,
            changes[TERM_MONTHS],
            f"either {ANNUITY} or {TERM_MONTHS}",
            "the term and the instalment determine each other; change only one of them",
        )


def apply_changes(
    loan: ClientLoan, changes: Mapping[str, float]
) -> tuple[dict[str, Any], list[AppliedChange]]:
    """The application record with the changes applied (validated before), and what changed.

    The instalment is recomputed at the product's rate whenever the amount or the term changes;
    an instalment given directly is turned into whole months and priced for that term. With
    neither, the recorded instalment is kept as it is, so an unchanged loan scores as on file.
    """
    record = dict(loan.record)
    terms = loan.terms
    applied: list[AppliedChange] = []
    if terms is not None and (CREDIT in changes or TERM_MONTHS in changes or ANNUITY in changes):
        credit = float(changes.get(CREDIT, terms.credit))
        if ANNUITY in changes:
            months = terms.term_for(credit, float(changes[ANNUITY]))
            if months is None:
                raise _invalid(
                    ANNUITY,
                    changes[ANNUITY],
                    "an instalment above the monthly interest",
                    "this instalment does not cover the monthly interest of the credit",
                )
        else:
            months = int(changes.get(TERM_MONTHS, terms.term_months))
        annuity = terms.instalment(credit, months)
        if credit != terms.credit:
            applied.append(AppliedChange(field=CREDIT, before=terms.credit, after=credit))
        if months != terms.term_months:
            applied.append(AppliedChange(field=TERM_MONTHS, before=terms.term_months, after=months))
        applied.append(AppliedChange(field=ANNUITY, before=terms.annuity, after=annuity))
        record[CREDIT] = credit
        record[ANNUITY] = annuity
    if GOODS in changes:
        goods = float(changes[GOODS])
        applied.append(AppliedChange(field=GOODS, before=loan.goods_price, after=goods))
        record[GOODS] = goods
    return record, applied


def application_columns(scorer: Scorer) -> np.ndarray:
    """Indices of the application-family features: the ones a change of terms recomputes."""
    cached: np.ndarray | None = getattr(scorer, "_application_columns", None)
    if cached is None:
        cached = np.array(
            [
                i
                for i, name in enumerate(scorer.feature_names)
                if scorer.info(name).family == "application"
            ],
            dtype=np.int64,
        )
        scorer._application_columns = cached  # type: ignore[attr-defined]
    return cached


def edited_rows(
    scorer: Scorer, position: int, client_id: int, records: Sequence[dict[str, Any]]
) -> np.ndarray:
    """The client's stored feature row with the application family recomputed from each
    record: one run of the online feature code for all of them (distinct placeholder IDs in
    order when there are several, as for a batch of JSON applicants; the client's own ID for
    one). Other families keep the stored values."""
    if len(records) == 1:
        batch = [{**records[0], "SK_ID_CURR": client_id}]
    else:
        batch = [{**record, "SK_ID_CURR": k + 1} for k, record in enumerate(records)]
    online = scorer.rows_for_records({"application": batch})
    if online.shape[0] != len(records):
        raise InvalidInput(f"{len(records)} edited requests produced {online.shape[0]} rows")
    stored = scorer.store.features[position : position + 1].astype(np.float64)
    rows = np.repeat(stored, len(records), axis=0)
    columns = application_columns(scorer)
    rows[:, columns] = online[:, columns]
    return rows


def client_position(scorer: Scorer, client_id: int) -> int:
    position = scorer.store.position(client_id)
    if position is None:
        raise NotFound(
            f"unknown client {client_id}",
            [ErrorItem(field="client_id", value=client_id, message="no such client")],
        )
    return position


def client_loan(scorer: Scorer, position: int) -> ClientLoan:
    return ClientLoan.of(scorer.store.raw_record(position))


def loan_info(terms: LoanTerms | None) -> LoanTermsInfo | None:
    if terms is None:
        return None
    return LoanTermsInfo(
        credit=terms.credit,
        annuity=terms.annuity,
        term_months=terms.term_months,
        monthly_rate=terms.monthly_rate,
        annual_rate=terms.annual_rate,
        min_term=terms.min_term,
        max_term=terms.max_term,
    )


def fields_for(scorer: Scorer, client_id: int | None) -> WhatIfFields:
    """The changeable fields; with a client, their client-relative bounds, current values and
    the loan's terms (so a form can recompute the instalment as the API will)."""
    loan = None
    if client_id is not None:
        loan = client_loan(scorer, client_position(scorer, client_id))
    fields = []
    for name in FIELD_ORDER:
        label_fr, label_en, unit = _LABELS[name]
        outer_low, outer_high = WHAT_IF_RANGES[name]
        bounds = loan.bounds(name) if loan is not None else None
        fields.append(
            WhatIfField(
                name=name,
                label_fr=label_fr,
                label_en=label_en,
                unit=unit,
                minimum_exclusive=outer_low,
                maximum=bounds[1] if bounds else outer_high,
                minimum=bounds[0] if bounds else None,
                step=1.0 if name == TERM_MONTHS else None,
                changeable=loan is None or bounds is not None,
                current=loan.current(name) if loan is not None else None,
            )
        )
    return WhatIfFields(fields=fields, loan=loan_info(loan.terms) if loan is not None else None)


def _reason_changes(before: Reasons, after: Reasons) -> list[ReasonChange]:
    def index(reasons: Reasons) -> dict[str, tuple[float, str, str, str]]:
        return {
            r.feature: (r.contribution, r.direction, r.label_fr, r.label_en)
            for r in [*reasons.raises, *reasons.lowers]
        }

    old, new = index(before), index(after)
    changes = []
    for feature in [*old, *(f for f in new if f not in old)]:
        source = new.get(feature) or old[feature]
        changes.append(
            ReasonChange(
                feature=feature,
                label_fr=source[2],
                label_en=source[3],
                before=old[feature][0] if feature in old else None,
                after=new[feature][0] if feature in new else None,
                status="kept"
                if feature in old and feature in new
                else ("gone" if feature in old else "new"),
                direction=source[1],  # type: ignore[arg-type]
            )
        )
    return changes


def score_like_client(scorer: Scorer, client_id: int, values: np.ndarray) -> list[Scored]:
    """Scores of feature rows derived from a known client (its own row, edited copies), all by
    the model that serves this client, in one booster call.

    A training client is answered by its cross-fitting model: scoring the edited row with the
    refit model instead would mix a change of model (one that learned the client's outcome)
    into the effect of the edit. The what-if and the recourse search share this one path.
    """
    rows = scorer.rows_like_client(client_position(scorer, client_id), values)
    return scorer.score(rows, [client_id] * len(rows), [None] * len(rows))


def score_variants(
    scorer: Scorer, client_id: int, values: np.ndarray
) -> tuple[list[Scored], np.ndarray]:
    """`score_like_client` plus the TreeSHAP contributions of each row (same model)."""
    rows = scorer.rows_like_client(client_position(scorer, client_id), values)
    return score_like_client(scorer, client_id, values), scorer.contributions(rows)


def what_if(scorer: Scorer, client_id: int, changes: dict[str, float]) -> WhatIfResult:
    position = client_position(scorer, client_id)
    loan = client_loan(scorer, position)
    validate_changes(changes, loan)
    record, applied = apply_changes(loan, changes)
    before_row = scorer.store.features[position].astype(np.float64)
    after_row = edited_rows(scorer, position, client_id, [record])[0]
    scored, contributions = score_variants(scorer, client_id, np.vstack([before_row, after_row]))
    before, after = (scorer.prediction(s) for s in scored)
    reasons_before = scorer.reasons(before_row, contributions[0, :-1])
    reasons_after = scorer.reasons(after_row, contributions[1, :-1])
    return WhatIfResult(
        client_id=client_id,
        changes=applied,
        before=before,
        after=after,
        probability_change=after.probability - before.probability,
        decision_changed=after.decision != before.decision,
        reasons_before=reasons_before,
        reasons_after=reasons_after,
        reason_changes=_reason_changes(reasons_before, reasons_after),
    )
