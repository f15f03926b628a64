"""The category levels the API accepts for each text column of the data contract.

Why a closed list: a label the model never met ("CODE_GENDER": "Q", "Cash loan" for
"Cash loans") is silently turned into "unknown" by the feature code, so a typo changes the score
without anyone noticing. The request models (shared/contract.py) type every text column as one
of these levels, so such a request gets 422 listing the allowed values and OpenAPI shows them as
an `enum`.

The vocabulary is the one shared/category_labels.py words in French (tests check it covers every
level of the real sample), plus:
- Home Credit's numbered families, enumerated as Kaggle writes them ("Industry: type 1" to 13);
- "Y" / "N" for the yes/no flags written as text;
- the missing markers of shared/tables.py (XNA, XAP), accepted in every text column: they mean
  "not available" / "not applicable", exactly like omitting the field.
"""

from __future__ import annotations

from functools import cache

from shared.category_labels import worded_levels
from shared.tables import MISSING_CATEGORIES, TABLES, Kind

#: Numbered levels, as many as Home Credit uses (the full Kaggle tables have no others).
_NUMBERED: dict[str, tuple[str, ...]] = {
    "ORGANIZATION_TYPE": (
        *(f"Business Entity Type {k}" for k in range(1, 4)),
        *(f"Industry: type {k}" for k in range(1, 14)),
        *(f"Trade: type {k}" for k in range(1, 8)),
        *(f"Transport: type {k}" for k in range(1, 5)),
    ),
    "CREDIT_CURRENCY": tuple(f"currency {k}" for k in range(1, 5)),
}

#: Text columns holding a yes/no answer.
_YES_NO = frozenset({"FLAG_OWN_CAR", "FLAG_OWN_REALTY", "FLAG_LAST_APPL_PER_CONTRACT"})


@cache
def known_levels(table: str, column: str) -> tuple[str, ...] | None:
    """The accepted labels of a text column (missing markers last), or None when the column is
    not text or has no known vocabulary (then any short text is accepted)."""
    if TABLES[table].column(column).kind is not Kind.TEXT:
        return None
    levels = list(worded_levels(table, column)) + list(_NUMBERED.get(column, ()))
    if column in _YES_NO:
        levels += ["Y", "N"]
    if not levels:
        return None
    return tuple(dict.fromkeys([*levels, *MISSING_CATEGORIES]))
