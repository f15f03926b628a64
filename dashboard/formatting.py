"""Numbers written the way each language reads them.

An advisor reads figures aloud to a client: "12,5 %" and "250 000 €" in French, "12.5%" and
"€250,000" in English. Plotly and Python default to the English forms, so every figure shown in
the interface goes through these helpers instead of an f-string.
"""

from __future__ import annotations

import math

#: French groups thousands with a narrow no-break space and puts a no-break space before % and €.
_THIN_NBSP = "\u202f"
_NBSP = "\u00a0"


def _is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: float | None, language: str, decimals: int = 0) -> str:
    """A number with the language's decimal mark and thousands separator; "—" when missing."""
    if _is_missing(value):
        return "—"
    text = f"{value:,.{decimals}f}"
    if language == "fr":
        text = text.replace(",", _THIN_NBSP).replace(".", ",")
    return text


def format_money(value: float | None, language: str) -> str:
    """An amount in euros, rounded to the unit (advisors do not quote cents of a loan)."""
    if _is_missing(value):
        return "—"
    number = format_number(value, language, 0)
    return f"{number}{_NBSP}€" if language == "fr" else f"€{number}"


def format_percent(fraction: float | None, language: str, decimals: int = 1) -> str:
    """A fraction (0.125) as a percentage ("12,5 %" / "12.5%")."""
    if _is_missing(fraction):
        return "—"
    number = format_number(fraction * 100, language, decimals)
    return f"{number}{_NBSP}%" if language == "fr" else f"{number}%"


def format_points(difference: float, language: str, decimals: int = 1) -> str:
    """A difference of two probabilities in percentage points, always signed ("+3,2 pts")."""
    number = format_number(abs(difference) * 100, language, decimals)
    sign = "+" if difference > 0 else ("−" if difference < 0 else "±")
    unit = "pts" if language == "fr" else "pp"
    return f"{sign}{number}{_NBSP}{unit}"


def format_value(value: float | str | None, unit: str, language: str) -> str:
    """A feature's value in its unit, as the catalogue describes it (EUR, years, ratio, ...)."""
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return "—"
    assert value is not None
    if unit == "EUR":
        return format_money(value, language)
    if unit == "%":
        return format_percent(value, language)
    if unit in {"count", "flag", "category"} or float(value).is_integer():
        return format_number(value, language, 0)
    if unit in {"years", "months"}:
        return format_number(value, language, 1)
    if abs(value) >= 100:
        return format_number(value, language, 0)
    return format_number(value, language, 2)
