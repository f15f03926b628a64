"""Translations and number formats: both languages complete, French formats as the French read."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.formatting import (
    format_money,
    format_number,
    format_percent,
    format_points,
    format_value,
)
from dashboard.i18n import LANGUAGES, TABLES, normalise_language, translate

NNBSP, NBSP = "\u202f", "\u00a0"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_keys() -> None:
    assert set(TABLES) == set(LANGUAGES)
    assert set(TABLES["fr"]) == set(TABLES["en"])


@pytest.mark.parametrize("key", sorted(TABLES["fr"]))
def test_each_text_has_the_same_placeholders_in_both_languages(key: str) -> None:
    assert _placeholders(TABLES["fr"][key]) == _placeholders(TABLES["en"][key])
    assert TABLES["fr"][key].strip() and TABLES["en"][key].strip()


def test_french_texts_are_not_english_copies() -> None:
    same = [
        k for k in TABLES["fr"] if TABLES["fr"][k] == TABLES["en"][k] and len(TABLES["fr"][k]) > 20
    ]
    assert same == []


def test_every_key_used_in_the_code_exists() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "dashboard"
    used: set[str] = set()
    for path in root.rglob("*.py"):
        used |= set(re.findall(r'translate\(\s*"([a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert used, "the scan found no translate() call"
    assert used - set(TABLES["fr"]) == set()


def test_translate_fills_placeholders_and_rejects_unknown_keys() -> None:
    assert translate("client.heading", "fr", client_id=42) == "Client 42"
    assert "42" in translate("title.client", "en", client_id=42)
    with pytest.raises(KeyError):
        translate("no.such.key", "fr")


def test_unknown_language_falls_back_to_french() -> None:
    assert normalise_language("de") == "fr"
    assert normalise_language(None) == "fr"
    assert translate("decision.grant", "xx") == TABLES["fr"]["decision.grant"]


def test_french_numbers() -> None:
    assert format_number(1234567.891, "fr", 2) == f"1{NNBSP}234{NNBSP}567,89"
    assert format_percent(0.125, "fr") == f"12,5{NBSP}%"
    assert format_money(250000, "fr") == f"250{NNBSP}000{NBSP}€"
    assert format_points(0.032, "fr") == f"+3,2{NBSP}pts"
    assert format_points(-0.032, "fr").startswith("−3,2")


def test_english_numbers() -> None:
    assert format_number(1234567.891, "en", 2) == "1,234,567.89"
    assert format_percent(0.125, "en") == "12.5%"
    assert format_money(250000, "en") == "€250,000"
    assert format_points(0.032, "en") == f"+3.2{NBSP}pp"


def test_missing_values_show_a_dash() -> None:
    for language in LANGUAGES:
        assert format_number(None, language) == "—"
        assert format_number(float("nan"), language) == "—"
        assert format_money(None, language) == "—"
        assert format_value(None, "EUR", language) == "—"


def test_values_follow_their_unit() -> None:
    assert format_value(1500.4, "EUR", "en") == "€1,500"
    assert format_value(25.94, "years", "fr") == "25,9"
    assert format_value(0.2567, "ratio", "en") == "0.26"
    assert format_value("Cash loans", "category", "en") == "Cash loans"


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_french_format_reads_back_as_the_rounded_number(value: float, decimals: int) -> None:
    text = format_number(value, "fr", decimals)
    parsed = float(text.replace(NNBSP, "").replace(",", "."))
    assert parsed == pytest.approx(float(f"{value:.{decimals}f}"))
    assert "." not in text
