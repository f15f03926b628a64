"""Every word the interface shows, in French (default) and English: one table per language.

Layout and callbacks never hold a sentence: they ask `translate(key, language, **values)`, so a
missing translation is a test failure (the two tables must have the same keys and placeholders)
rather than a half-English page in front of a client.
"""

from __future__ import annotations

from dashboard.i18n import auth, en, fr, governance

LANGUAGES: tuple[str, ...] = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
TABLES: dict[str, dict[str, str]] = {
    "fr": {**fr.TEXTS, **governance.FR, **auth.FR},
    "en": {**en.TEXTS, **governance.EN, **auth.EN},
}
LANGUAGE_NAMES: dict[str, str] = {"fr": "Français", "en": "English"}


def normalise_language(language: str | None) -> str:
    """Any unknown or missing language falls back to French, the product's language."""
    return language if language in TABLES else DEFAULT_LANGUAGE


def translate(key: str, language: str | None, /, **values: object) -> str:
    """The sentence for `key` in `language`, with `{placeholders}` filled from `values`.

    An unknown key raises KeyError on purpose: it is a programming error the tests must catch.
    """
    text = TABLES[normalise_language(language)][key]
    return text.format(**values) if values else text


t = translate
