"""Category levels read in French: every level of the real data has French words, none collide.

Expected wordings are written by hand (what a French-speaking advisor should read), not copied
from the translation table.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import shared.category_labels as category_labels
from shared.category_labels import french_label, level_label, level_labels
from shared.tables import TABLES, Kind
from training.data.reader import open_tables

#: The application columns shown on the client card or used as categorical features: every
#: level must have real French words (not the English fallback).
MAIN_APPLICATION_COLUMNS = (
    "NAME_CONTRACT_TYPE",
    "CODE_GENDER",
    "FLAG_OWN_CAR",
    "FLAG_OWN_REALTY",
    "NAME_TYPE_SUITE",
    "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE",
    "NAME_FAMILY_STATUS",
    "NAME_HOUSING_TYPE",
    "OCCUPATION_TYPE",
    "WEEKDAY_APPR_PROCESS_START",
    "ORGANIZATION_TYPE",
    "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE",
    "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
)


def text_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns if c.kind is Kind.TEXT]


@pytest.fixture(scope="module")
def sample_levels(real_sample: Path) -> dict[tuple[str, str], list[str]]:
    """(table, TEXT column) -> the distinct levels found in the real sample."""
    found: dict[tuple[str, str], list[str]] = {}
    for table, frame in open_tables(real_sample).items():
        columns = text_columns(table)
        if not columns:
            continue
        data = frame.select(columns).collect()
        for column in columns:
            found[(table, column)] = data[column].drop_nulls().unique().sort().to_list()
    return found


def test_every_main_application_level_of_the_sample_has_french_words(
    sample_levels: dict[tuple[str, str], list[str]],
) -> None:
    untranslated = [
        (table, column, level)
        for (table, column), levels in sample_levels.items()
        if table.startswith("application_") and column in MAIN_APPLICATION_COLUMNS
        for level in levels
        if french_label(table, column, level) is None
    ]
    assert untranslated == []
    assert {c for t, c in sample_levels if t == "application_train"} >= set(
        MAIN_APPLICATION_COLUMNS
    )


def test_every_level_of_every_text_column_in_the_sample_has_french_words(
    sample_levels: dict[tuple[str, str], list[str]],
) -> None:
    untranslated = [
        (table, column, level)
        for (table, column), levels in sample_levels.items()
        for level in levels
        if french_label(table, column, level) is None
    ]
    assert untranslated == []


def test_english_keeps_the_source_text_of_the_sample(
    sample_levels: dict[tuple[str, str], list[str]],
) -> None:
    # Only bare codes are glossed in English; every worded level reads as the data writes it.
    codes = {"Y", "N", "XNA", "XAP"}
    changed = [
        (table, column, level)
        for (table, column), levels in sample_levels.items()
        if column != "STATUS"
        for level in levels
        if level not in codes and level_label(table, column, level, "en") != level
    ]
    assert changed == []


def _all_known_levels() -> dict[tuple[str | None, str], set[str]]:
    """Every level the module has words for, per (table, column), from its own tables."""
    known: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for column, words in category_labels._BY_COLUMN.items():
        known[(None, column)] |= set(words)
    for (table, column), words in category_labels._BY_TABLE.items():
        known[(table, column)] |= set(words)
    return known


def test_two_levels_of_one_column_never_read_the_same_in_french() -> None:
    # Labels built from levels must stay unique, and a chart's bars must not merge.
    for (table, column), levels in _all_known_levels().items():
        ordered = sorted(levels | {"XNA", "XAP"})
        french = level_labels(table, column, ordered, "fr")
        assert len(set(french)) == len(french), (table, column)


@pytest.mark.parametrize(
    ("table", "column", "level", "fr"),
    [
        ("application_train", "NAME_FAMILY_STATUS", "Single / not married", "Célibataire"),
        ("application_test", "NAME_HOUSING_TYPE", "House / apartment", "Maison / appartement"),
        ("application_train", "NAME_INCOME_TYPE", "Working", "Salarié(e)"),
        ("application_train", "NAME_INCOME_TYPE", "Maternity leave", "Congé maternité"),
        ("application_train", "NAME_FAMILY_STATUS", "Unknown", "Non renseignée"),
        ("application_train", "OCCUPATION_TYPE", "Laborers", "Ouvrier / ouvrière"),
        ("application_train", "NAME_CONTRACT_TYPE", "Cash loans", "Prêt en espèces"),
        ("application_train", "CODE_GENDER", "F", "Femme"),
        ("application_train", "WEEKDAY_APPR_PROCESS_START", "FRIDAY", "vendredi"),
        (
            "application_train",
            "ORGANIZATION_TYPE",
            "Business Entity Type 3",
            "Entreprise de type 3",
        ),
        ("application_train", "ORGANIZATION_TYPE", "Industry: type 12", "Industrie : type 12"),
        ("application_train", "ORGANIZATION_TYPE", "XNA", "non renseigné"),
        ("application_train", "FLAG_OWN_CAR", "Y", "oui"),
        ("bureau", "CREDIT_ACTIVE", "Closed", "Clôturé"),
        ("bureau", "CREDIT_CURRENCY", "currency 2", "devise 2"),
        ("bureau_balance", "STATUS", "C", "clôturé"),
        # One column name, two meanings: a refused application, a completed contract.
        ("previous_application", "NAME_CONTRACT_STATUS", "Refused", "Refusée"),
        ("POS_CASH_balance", "NAME_CONTRACT_STATUS", "Completed", "Terminé"),
        ("credit_card_balance", "NAME_CONTRACT_STATUS", "Active", "Actif"),
        (
            "previous_application",
            "NAME_CONTRACT_TYPE",
            "Consumer loans",
            "Crédit à la consommation",
        ),
    ],
)
def test_hand_written_french_wordings(table: str, column: str, level: str, fr: str) -> None:
    assert level_label(table, column, level, "fr") == fr


def test_english_glosses_only_bare_codes() -> None:
    assert level_label("bureau_balance", "STATUS", "C", "en") == "closed"
    assert level_label("application_train", "ORGANIZATION_TYPE", "XNA", "en") == "not available"
    assert level_label("previous_application", "NAME_CONTRACT_STATUS", "Refused", "en") == (
        "Refused"
    )


def test_an_unknown_level_falls_back_to_its_source_text() -> None:
    assert french_label("application_train", "NAME_FAMILY_STATUS", "Polyamorous") is None
    assert level_label("application_train", "NAME_FAMILY_STATUS", "Polyamorous", "fr") == (
        "Polyamorous"
    )
    assert level_label("bureau", "NO_SUCH_COLUMN", "Whatever", "en") == "Whatever"


def test_without_a_table_any_tables_wording_is_used() -> None:
    assert level_label(None, "NAME_CONTRACT_STATUS", "Refused", "fr") == "Refusée"


def test_the_module_depends_on_the_standard_library_only() -> None:
    # The dashboard may import it; it must not pull training or the API in.
    source = Path(category_labels.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


def test_a_feature_level_list_is_translated_in_order() -> None:
    levels = ["Married", "Widow", "XNA"]
    assert level_labels("application_train", "NAME_FAMILY_STATUS", levels, "fr") == [
        "Marié(e)",
        "Veuf / veuve",
        "non renseigné",
    ]
