"""Numbers as an advisor reads them aloud, in French and in English.

The reasons and the client card are read to the client, so "202 500 €" and "34,5 ans" matter as
much as the numbers themselves: French uses a comma for decimals and a narrow no-break space for
thousands, English a point and a comma. Day counts relative to the application (negative in the
data) are shown as positive durations, in years when they exceed a year.
"""

from __future__ import annotations

import math

#: U+202F NARROW NO-BREAK SPACE: the French thousands separator (and before % and €).
NNBSP = "\u202f"
#: U+00A0 NO-BREAK SPACE: between a number and its unit word, so a line never splits them.
NBSP = "\u00a0"

DAYS_PER_YEAR = 365.25

_UNIT_WORDS = {
    "years": ("an", "ans", "year", "years"),
    "months": ("mois", "mois", "month", "months"),
    "days": ("jour", "jours", "day", "days"),
}


def number(value: float, decimals: int, language: str) -> str:
    """Fixed decimals with the language's separators: 202 500,25 / 202,500.25."""
    text = f"{value:,.{decimals}f}"
    if language == "fr":
        return text.replace(",", NNBSP).replace(".", ",")
    return text


def smart_decimals(value: float) -> int:
    """Few significant digits: 0.263 -> 2, 12.5 -> 1, 1234 -> 0."""
    magnitude = abs(value)
    if magnitude == 0 or magnitude >= 100:
        return 0
    if magnitude >= 10:
        return 1
    if magnitude >= 0.1:
        return 2
    return 3


def _with_unit(value: float, unit: str, language: str) -> str:
    singular_fr, plural_fr, singular_en, plural_en = _UNIT_WORDS[unit]
    decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    word = (
        (singular_fr if abs(value) < 2 else plural_fr)
        if language == "fr"
        else (singular_en if abs(value) == 1 else plural_en)
    )
    return f"{number(value, decimals, language)}{NBSP}{word}"


def duration_from_days(days: float, language: str) -> str:
    """|days| as days below a year, otherwise as years with one decimal."""
    magnitude = abs(days)
    if magnitude >= 365:
        return _with_unit(round(magnitude / DAYS_PER_YEAR, 1), "years", language)
    return _with_unit(round(magnitude), "days", language)


def format_value(
    value: float | str | bool | None,
    unit: str,
    language: str,
    *,
    levels: list[str] | None = None,
) -> str:
    """A feature or field value with its unit, e.g. "0,26", "202 500 €", "34,5 ans"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "inconnu" if language == "fr" else "unknown"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ("oui" if value else "non") if language == "fr" else ("yes" if value else "no")
    x = float(value)
    if levels is not None:
        code = int(x)
        return levels[code] if 0 <= code < len(levels) and code == x else str(value)
    if unit == "EUR":
        amount = number(x, 0, language)
        return f"{amount}{NNBSP}€" if language == "fr" else f"€{amount}"
    if unit == "EUR²":
        return number(x, 0, language)
    if unit == "days":
        return duration_from_days(x, language)
    if unit in ("years", "months"):
        return _with_unit(round(x, 1), unit, language)
    if unit == "%":
        share = x * 100 if abs(x) <= 1 else x
        return f"{number(share, 0 if abs(share) >= 10 else 1, language)}{NNBSP}%"
    if unit == "flag":
        if x in (0.0, 1.0):
            return format_value(bool(x), unit, language)
        return number(x, 2, language)
    if unit == "count" and x.is_integer():
        return number(x, 0, language)
    return number(x, smart_decimals(x), language)


def percent(share: float, language: str) -> str:
    """An integer percentage: "80 %" with the French narrow no-break space, "80%" in English."""
    return f"{round(share):d}{NNBSP}%" if language == "fr" else f"{round(share):d}%"
