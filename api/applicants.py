"""JSON applicants in bulk: the side-row cap, and one feature computation for a whole batch.

Why: the feature pipeline has a fixed cost per call (about 30-50 ms: one query per family), so a
batch of 100 JSON applicants computed one by one took 5-9 s, while the same applicants in ONE
call take about 0.1 s: the pipeline is built for many clients at once. `batch_records` merges
the applicants into one set of table records under distinct placeholder IDs (and distinct
bureau and previous-application keys, so that one applicant's bureau_balance or instalment
rows can never link to another's); the pipeline returns one row per ID, sorted, i.e. in the
applicants' order.

`check_side_rows` refuses, before any feature work, an applicant with more side-table rows than
SCORING_MAX_SIDE_ROWS (413 naming the item and its per-table counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count
from typing import Any

from api.errors import PayloadTooLarge
from shared.contract import Applicant, ErrorItem, ScoreItem

#: The side-table lists of an Applicant, in contract order.
SIDE_LISTS = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)
#: Keys that link rows of one applicant together; renumbered per applicant in a batch.
_LINK_KEYS = ("SK_ID_BUREAU", "SK_ID_PREV")


def side_row_counts(applicant: Applicant) -> dict[str, int]:
    return {name: len(getattr(applicant, name)) for name in SIDE_LISTS}


def check_side_rows(items: Sequence[ScoreItem], limit: int) -> None:
    """413 for the first applicant whose side-table rows (all tables together) exceed `limit`."""
    for position, item in enumerate(items):
        if item.applicant is None:
            continue
        counts = side_row_counts(item.applicant)
        total = sum(counts.values())
        if total > limit:
            listed = ", ".join(f"{name} {count}" for name, count in counts.items() if count)
            field = "applicant" if len(items) == 1 else f"items.{position}.applicant"
            raise PayloadTooLarge(
                f"{total} side-table rows for one applicant exceed the limit of {limit} ({listed})",
                [
                    ErrorItem(
                        field=field,
                        value=total,
                        expected=f"at most {limit} side-table rows per applicant",
                        message="too many side-table rows",
                    )
                ],
            )


def batch_records(applicants: Sequence[Applicant]) -> dict[str, list[dict[str, Any]]]:
    """One set of records for several applicants: applicant k is client k + 1 (positive, so
    never the placeholder 0 and sorted like the input), every side row is attached to its
    applicant, and the linking keys are renumbered so applicants cannot share a bureau credit
    or a previous application. Only the given fields are passed on, as for one applicant."""
    merged: dict[str, list[dict[str, Any]]] = {"application": []}
    fresh = count(1)  # shared by the whole batch: two applicants never get the same key
    for position, applicant in enumerate(applicants):
        client_id = position + 1
        records = applicant.records()
        application = records.pop("application")[0]
        application["SK_ID_CURR"] = client_id
        merged["application"].append(application)
        renumbered: dict[tuple[str, object], int] = {}
        for table, rows in records.items():
            out = merged.setdefault(table, [])
            for row in rows:
                if table != "bureau_balance":
                    row["SK_ID_CURR"] = client_id
                for key in _LINK_KEYS:
                    if row.get(key) is not None:
                        original = (key, row[key])
                        if original not in renumbered:
                            renumbered[original] = next(fresh)
                        row[key] = renumbered[original]
                out.append(row)
    return merged
