"""What-if: re-score a known client with a few loan or income fields changed.

Only the application family is recomputed, with the same online feature code as training, from
the client's raw application fields (as stored in the bundle) plus the changes. Features of the
other families (bureau, previous loans, instalments, cards) are taken unchanged from the client
store: the bundle keeps the clients' aggregates, not their side-table rows, and a change to the
requested loan does not change the client's past. A side-table feature that divides by an
application amount (if a family defines one) therefore keeps its stored value: the what-if is
exact for the application family and an approximation for such cross-family ratios.

Before and after are scored and explained by the same model, the one that serves the client (for
a training client its cross-fitting model, see api/served_models.py), so the change in
probability reflects only the edited fields, and "before" is exactly what /v1/predict says.

Only fields a client could actually negotiate are changeable, each within a plausible range;
identity and history (gender, birth date, external scores, ...) are refused with 422.
"""

from __future__ import annotations

import math

import numpy as np

from api.errors import InvalidInput, NotFound
from api.scorer import Scored, Scorer
from shared.contract import (
    WHAT_IF_RANGES,
    AppliedChange,
    ErrorItem,
    ReasonChange,
    Reasons,
    WhatIfField,
    WhatIfFields,
    WhatIfResult,
)

#: Pseudo-field: the term in months; sets AMT_ANNUITY = AMT_CREDIT / TERM_MONTHS.
TERM_MONTHS = "TERM_MONTHS"


_LABELS: dict[str, tuple[str, str, str]] = {
    "AMT_CREDIT": ("Montant du crédit", "Credit amount", "EUR"),
    "AMT_ANNUITY": ("Mensualité", "Monthly instalment", "EUR"),
    "AMT_GOODS_PRICE": ("Prix du bien", "Goods price", "EUR"),
    "AMT_INCOME_TOTAL": ("Revenu annuel", "Annual income", "EUR"),
    TERM_MONTHS: ("Durée (mois)", "Term (months)", "months"),
}

#: The contract's description of each changeable field (without a client's current value).
CHANGEABLE: dict[str, WhatIfField] = {
    name: WhatIfField(
        name=name,
        label_fr=_LABELS[name][0],
        label_en=_LABELS[name][1],
        unit=_LABELS[name][2],
        minimum_exclusive=lo,
        maximum=hi,
    )
    for name, (lo, hi) in WHAT_IF_RANGES.items()
}

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


def _invalid(field: str, value: object, expected: str, message: str) -> InvalidInput:
    item = ErrorItem(field=f"changes.{field}", value=value, expected=expected, message=message)
    return InvalidInput(message, [item])


def validate_changes(changes: dict[str, float]) -> None:
    allowed = ", ".join(CHANGEABLE)
    for field, value in changes.items():
        if field in IDENTITY_FIELDS:
            raise _invalid(
                field,
                value,
                f"one of {allowed}",
                f"{field} identifies the client and cannot change",
            )
        spec = CHANGEABLE.get(field)
        if spec is None:
            raise _invalid(field, value, f"one of {allowed}", f"{field} cannot be changed here")
        if not math.isfinite(value) or not spec.minimum_exclusive < value <= spec.maximum:
            expected = f"{spec.minimum_exclusive:.0f} < {field} <= {spec.maximum:.0f}"
            shown = value if math.isfinite(value) else str(value)
            raise _invalid(field, shown, expected, f"{field}={value:g} is outside {expected}")
    if TERM_MONTHS in changes and "AMT_ANNUITY" in changes:
        raise _invalid(
            TERM_MONTHS,
            changes[TERM_MONTHS],
            "either AMT_ANNUITY or TERM_MONTHS",
            "the term and the annuity determine each other; change only one of them",
        )


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def fields_for(scorer: Scorer, client_id: int | None) -> WhatIfFields:
    record: dict[str, object] = {}
    if client_id is not None:
        position = scorer.store.position(client_id)
        if position is None:
            raise NotFound(f"unknown client {client_id}")
        record = scorer.store.raw_record(position)
    fields = []
    for spec in CHANGEABLE.values():
        if spec.name == TERM_MONTHS:
            credit, annuity = _number(record.get("AMT_CREDIT")), _number(record.get("AMT_ANNUITY"))
            current = credit / annuity if credit and annuity else None
        else:
            current = _number(record.get(spec.name))
        fields.append(
            spec.model_copy(update={"current": current if client_id is not None else None})
        )
    return WhatIfFields(fields=fields)


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


def score_variants(
    scorer: Scorer, client_id: int, values: np.ndarray
) -> tuple[list[Scored], np.ndarray]:
    """Scores and TreeSHAP contributions of feature rows derived from a known client (its own
    row, edited copies), all by the model that serves this client.

    A training client is answered by its cross-fitting model: scoring the edited row with the
    refit model instead would mix a change of model (one that learned the client's outcome)
    into the effect of the edit. The what-if and the recourse search share this one path.
    """
    position = scorer.store.position(client_id)
    if position is None:
        raise NotFound(
            f"unknown client {client_id}",
            [ErrorItem(field="client_id", value=client_id, message="no such client")],
        )
    rows = scorer.rows_like_client(position, values)
    scored = scorer.score(rows, [client_id] * len(rows), [None] * len(rows))
    return scored, scorer.contributions(rows)


def what_if(scorer: Scorer, client_id: int, changes: dict[str, float]) -> WhatIfResult:
    validate_changes(changes)
    position = scorer.store.position(client_id)
    if position is None:
        raise NotFound(
            f"unknown client {client_id}",
            [ErrorItem(field="client_id", value=client_id, message="no such client")],
        )
    record = scorer.store.raw_record(position)
    record["SK_ID_CURR"] = client_id
    applied = []
    for field, value in changes.items():
        if field == TERM_MONTHS:
            credit = _number(changes.get("AMT_CREDIT", record.get("AMT_CREDIT")))
            if credit is None:
                raise _invalid(field, value, "a known AMT_CREDIT", "the credit amount is unknown")
            old_annuity = _number(record.get("AMT_ANNUITY"))
            record["AMT_ANNUITY"] = credit / value
            applied.append(
                AppliedChange(field="AMT_ANNUITY", before=old_annuity, after=credit / value)
            )
            continue
        applied.append(AppliedChange(field=field, before=_number(record.get(field)), after=value))
        record[field] = value

    before_row = scorer.store.features[position].astype(np.float64)
    online = scorer.rows_for_records({"application": [record]})
    after_row = before_row.copy()
    application = [
        i
        for i, name in enumerate(scorer.feature_names)
        if scorer.info(name).family == "application"
    ]
    after_row[application] = online[0, application]

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
