"""The feature catalogue: every feature gets a correct FR/EN label, a unit and a business group.

Expected wordings below are written by hand (what a French- or English-speaking advisor should
read), not copied from the code's output.
"""

from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import pytest

from shared.catalogue import BusinessGroup
from shared.tables import TABLES
from training.features.catalogue import FallbackLabelWarning, build_catalogue, describe
from training.features.spec import FeatureSpec
from training.features.vocabulary import (
    APPLICATION_TABLES,
    DERIVED,
    DERIVED_ALIASES,
    TABLE_GROUPS,
    UNITS,
    column_term,
    subset_words,
)


def spec(
    name: str = "X",
    family: str = "bureau",
    table: str = "bureau",
    column: str | None = None,
    aggregation: str | None = None,
    subset: str | None = None,
    derived: str | None = None,
    level: str | None = None,
    categorical: bool = False,
) -> FeatureSpec:
    return FeatureSpec(
        name, family, table, column, aggregation, subset, derived, level, categorical
    )


# --- the vocabulary covers the whole data contract -----------------------------------------


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_contract_column_has_words_and_a_known_unit(table: str) -> None:
    missing = [c for c in TABLES[table].column_names if column_term(table, c) is None]
    assert missing == []
    for column in TABLES[table].column_names:
        term = column_term(table, column)
        assert term is not None
        assert term.noun.en.strip() and term.noun.fr.strip(), column
        assert term.unit in UNITS, (column, term.unit)
        if table in APPLICATION_TABLES:
            assert isinstance(term.group, BusinessGroup), column
        else:
            assert table in TABLE_GROUPS


def test_contract_units_follow_the_naming_conventions() -> None:
    app = "application_train"
    for table in TABLES:
        for column in TABLES[table].column_names:
            unit = column_term(table, column).unit  # type: ignore[union-attr]
            if column.startswith("DAYS_"):
                assert unit == "days", column
            if column.startswith("EXT_SOURCE_"):
                assert unit == "score", column
            if column.startswith("FLAG_DOCUMENT_"):
                assert unit == "flag", column
            if column.startswith("AMT_REQ_CREDIT_BUREAU_"):
                assert unit == "count", column  # enquiries, not money
            elif column.startswith("AMT_"):
                assert unit == "EUR", (table, column)
            if column.startswith("CNT_"):
                assert unit == "count", column
    assert column_term(app, "OWN_CAR_AGE").unit == "years"  # type: ignore[union-attr]
    assert column_term("bureau_balance", "MONTHS_BALANCE").unit == "months"  # type: ignore[union-attr]


def test_application_columns_have_distinct_labels_in_both_languages() -> None:
    app = TABLES["application_train"]
    problems: list[str] = []
    catalogue = build_catalogue(
        [spec(c, "application", app.name, c) for c in app.column_names], problems
    )
    assert problems == []
    for language in ("fr", "en"):
        labels = Counter(f.label(language) for f in catalogue.features)
        assert [label for label, n in labels.items() if n > 1] == []


@pytest.mark.parametrize(
    ("column", "group"),
    [
        ("EXT_SOURCE_2", BusinessGroup.EXTERNAL_SCORES),
        ("AMT_INCOME_TOTAL", BusinessGroup.INCOME_AND_LOAN),
        ("AMT_ANNUITY", BusinessGroup.INCOME_AND_LOAN),
        ("DAYS_EMPLOYED", BusinessGroup.EMPLOYMENT),
        ("ORGANIZATION_TYPE", BusinessGroup.EMPLOYMENT),
        ("OCCUPATION_TYPE", BusinessGroup.EMPLOYMENT),
        ("DAYS_BIRTH", BusinessGroup.AGE_AND_FAMILY),
        ("CNT_CHILDREN", BusinessGroup.AGE_AND_FAMILY),
        ("NAME_FAMILY_STATUS", BusinessGroup.AGE_AND_FAMILY),
        ("LIVINGAREA_MEDI", BusinessGroup.HOUSING_AND_REGION),
        ("REGION_RATING_CLIENT", BusinessGroup.HOUSING_AND_REGION),
        ("FLAG_DOCUMENT_3", BusinessGroup.DOCUMENTS_AND_CONTACT),
        ("FLAG_PHONE", BusinessGroup.DOCUMENTS_AND_CONTACT),
        ("AMT_REQ_CREDIT_BUREAU_YEAR", BusinessGroup.CREDIT_BUREAU),
    ],
)
def test_application_groups(column: str, group: BusinessGroup) -> None:
    info = describe(spec(column, "application", "application_test", column))
    assert info.group is group


@pytest.mark.parametrize(
    ("table", "group"),
    [
        ("bureau", BusinessGroup.CREDIT_BUREAU),
        ("bureau_balance", BusinessGroup.CREDIT_BUREAU),
        ("previous_application", BusinessGroup.PREVIOUS_LOANS),
        ("POS_CASH_balance", BusinessGroup.REPAYMENT_BEHAVIOUR),
        ("installments_payments", BusinessGroup.REPAYMENT_BEHAVIOUR),
        ("credit_card_balance", BusinessGroup.CARDS),
    ],
)
def test_side_tables_give_their_group_even_to_amounts(table: str, group: BusinessGroup) -> None:
    # AMT_* of an application would be INCOME_AND_LOAN; on a side table the table decides.
    amount = next(c for c in TABLES[table].column_names if c.startswith(("AMT_", "MONTHS_")))
    assert describe(spec(table=table, column=amount, aggregation="mean")).group is group
    assert describe(spec(table=table, aggregation="count")).group is group


# --- composition, worded by hand -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "en", "fr", "unit"),
    [
        (
            {"column": "AMT_CREDIT_SUM_DEBT", "aggregation": "mean", "subset": "active"},
            "Average debt on active bureau credits",
            "Dette moyenne sur les crédits actifs au bureau de crédit",
            "EUR",
        ),
        (
            {"aggregation": "count"},
            "Number of bureau credits",
            "Nombre de crédits au bureau de crédit",
            "count",
        ),
        (
            {"aggregation": "count", "subset": "closed"},
            "Number of closed bureau credits",
            "Nombre de crédits clôturés au bureau de crédit",
            "count",
        ),
        (
            {"column": "AMT_CREDIT_SUM", "aggregation": "var"},
            "Variance of the amount granted on bureau credits",
            "Variance du montant accordé sur les crédits au bureau de crédit",
            "EUR²",
        ),
        (
            {"column": "AMT_CREDIT_SUM_DEBT", "aggregation": "sum", "subset": "last_12m"},
            "Total debt on bureau credits (last 12 months)",
            "Dette totale sur les crédits au bureau de crédit (12 derniers mois)",
            "EUR",
        ),
        (
            # DAYS_* are negative before the application: the minimum is the earliest date.
            {"column": "DAYS_CREDIT", "aggregation": "min"},
            "Earliest opening date on bureau credits",
            "Date d'ouverture la plus ancienne sur les crédits au bureau de crédit",
            "days",
        ),
        (
            {"column": "DAYS_CREDIT", "aggregation": "max"},
            "Latest opening date on bureau credits",
            "Date d'ouverture la plus récente sur les crédits au bureau de crédit",
            "days",
        ),
        (
            {"column": "CREDIT_TYPE", "aggregation": "share", "level": "Car loan"},
            "Share of bureau credits whose credit type is “Car loan”",
            "Part des crédits au bureau de crédit dont le type de crédit est « Prêt automobile »",
            "%",
        ),
        (
            {"column": "CREDIT_CURRENCY", "aggregation": "nunique"},
            "Number of distinct values of the credit currency on bureau credits",
            "Nombre de valeurs distinctes de la devise du crédit"
            " sur les crédits au bureau de crédit",
            "count",
        ),
    ],
)
def test_bureau_wording(kwargs: dict[str, str], en: str, fr: str, unit: str) -> None:
    info = describe(spec(**kwargs))
    assert (info.label_en, info.label_fr, info.unit) == (en, fr, unit)


@pytest.mark.parametrize(
    ("kwargs", "en", "fr", "unit", "group"),
    [
        (
            {
                "family": "installments",
                "table": "installments_payments",
                "column": "days_past_due",
                "derived": "days_past_due",
                "aggregation": "mean",
            },
            "Average payment delay on past instalments",
            "Retard moyen de paiement sur les échéances passées",
            "days",
            BusinessGroup.REPAYMENT_BEHAVIOUR,
        ),
        (
            {"family": "installments", "table": "installments_payments", "aggregation": "count"},
            "Number of past instalments",
            "Nombre d'échéances passées",  # elision before a vowel
            "count",
            BusinessGroup.REPAYMENT_BEHAVIOUR,
        ),
        (
            {
                "family": "previous",
                "table": "previous_application",
                "column": "AMT_APPLICATION",
                "aggregation": "max",
                "subset": "refused",
            },
            "Maximum amount asked on refused previous applications",
            "Montant maximal demandé sur les demandes précédentes refusées",
            "EUR",
            BusinessGroup.PREVIOUS_LOANS,
        ),
        (
            {
                "family": "previous",
                "table": "previous_application",
                "column": "NFLAG_INSURED_ON_APPROVAL",
                "aggregation": "mean",
            },
            "Share of previous applications with insurance requested",
            "Part des demandes précédentes avec assurance demandée",
            "%",
            BusinessGroup.PREVIOUS_LOANS,
        ),
        (
            {
                "family": "previous",
                "table": "previous_application",
                "aggregation": "count",
                "subset": "last_3",
            },
            "Number of previous applications (3 most recent)",
            "Nombre de demandes précédentes (3 plus récentes)",
            "count",
            BusinessGroup.PREVIOUS_LOANS,
        ),
        (
            {
                "family": "credit_card",
                "table": "credit_card_balance",
                "column": "AMT_BALANCE",
                "aggregation": "mean",
            },
            "Average balance over monthly card statements",
            "Solde moyen sur les relevés mensuels de carte de crédit",
            "EUR",
            BusinessGroup.CARDS,
        ),
        (
            {
                "family": "pos_cash",
                "table": "POS_CASH_balance",
                "column": "SK_DPD",
                "aggregation": "max",
            },
            "Maximum days past due over monthly records of previous loans",
            "Retard maximal de paiement sur les relevés mensuels des prêts précédents",
            "days",
            BusinessGroup.REPAYMENT_BEHAVIOUR,
        ),
        (
            {
                "family": "bureau",
                "table": "bureau_balance",
                "column": "STATUS",
                "aggregation": "mean_share",
                "level": "2",
            },
            # Each credit's months are summarised first, then the credits are averaged.
            "Average share of months whose monthly status is “31 to 60 days late” "
            "on bureau credits with a monthly history",
            "Part moyenne des mois dont le statut mensuel est « 31 à 60 jours de retard » "
            "sur les crédits avec historique mensuel au bureau de crédit",
            "%",
            BusinessGroup.CREDIT_BUREAU,
        ),
        (
            {
                "family": "previous",
                "table": "previous_application",
                "column": "DAYS_DECISION",
                "aggregation": "last",
            },
            "Last decision date on previous applications",
            "Dernière date de décision sur les demandes précédentes",
            "days",
            BusinessGroup.PREVIOUS_LOANS,
        ),
    ],
)
def test_side_table_wording(
    kwargs: dict[str, str], en: str, fr: str, unit: str, group: BusinessGroup
) -> None:
    info = describe(spec(**kwargs))
    assert (info.label_en, info.label_fr, info.unit, info.group) == (en, fr, unit, group)


@pytest.mark.parametrize(
    ("kwargs", "en", "fr", "unit", "group"),
    [
        (
            {"column": "AMT_CREDIT"},
            "Loan amount",
            "Montant du prêt",
            "EUR",
            BusinessGroup.INCOME_AND_LOAN,
        ),
        ({"column": "DAYS_BIRTH"}, "Age", "Âge", "days", BusinessGroup.AGE_AND_FAMILY),
        (
            {"column": "NAME_INCOME_TYPE", "categorical": True},
            "Income type",
            "Type de revenu",
            "category",
            BusinessGroup.EMPLOYMENT,
        ),
        (
            {"column": "FLAG_DOCUMENT_8"},
            "Document 8 provided",
            "Document 8 fourni",
            "flag",
            BusinessGroup.DOCUMENTS_AND_CONTACT,
        ),
        (
            {"column": "APARTMENTS_MEDI"},
            "Building apartment size (median)",
            "Taille des appartements de l'immeuble (médiane)",
            "ratio",
            BusinessGroup.HOUSING_AND_REGION,
        ),
        (
            {"column": "credit_to_income", "derived": "credit_to_income"},
            "Loan amount relative to income",
            "Montant du prêt rapporté au revenu",
            "ratio",
            BusinessGroup.INCOME_AND_LOAN,
        ),
        (
            {"column": "ext_source_mean", "derived": "ext_source_mean"},
            "Average of external scores",
            "Moyenne des scores externes",
            "score",
            BusinessGroup.EXTERNAL_SCORES,
        ),
        (
            # An application category shown one level at a time (a 0/1 indicator).
            {"column": "NAME_HOUSING_TYPE", "level": "With parents"},
            "Housing situation: With parents",
            "Type de logement : Chez les parents",
            "flag",
            BusinessGroup.HOUSING_AND_REGION,
        ),
    ],
)
def test_application_wording(
    kwargs: dict[str, str], en: str, fr: str, unit: str, group: BusinessGroup
) -> None:
    info = describe(spec(family="application", table="application_train", **kwargs))
    assert (info.label_en, info.label_fr, info.unit, info.group) == (en, fr, unit, group)


@pytest.mark.parametrize(
    ("kwargs", "en", "fr", "unit"),
    [
        (
            # Recent instalments weigh more; a weighted mean of days is still days.
            {"column": "days_past_due", "derived": "days_past_due"},
            "Recency-weighted average payment delay on past instalments",
            "Retard de paiement moyen pondéré par la récence sur les échéances passées",
            "days",
        ),
        (
            # ... and a weighted mean of a 0/1 flag is a share.
            {"column": "late_flag", "derived": "late_flag"},
            "Recency-weighted share of past instalments with a payment delay",
            "Part pondérée par la récence des échéances passées avec retard de paiement",
            "%",
        ),
    ],
)
def test_recency_weighted_wording(kwargs: dict[str, str], en: str, fr: str, unit: str) -> None:
    info = describe(
        spec(
            family="installments",
            table="installments_payments",
            aggregation="recency_weighted_mean",
            **kwargs,
        )
    )
    assert (info.label_en, info.label_fr, info.unit) == (en, fr, unit)


def test_counting_distinct_ids_counts_things_and_summed_flags_count_rows() -> None:
    cards = describe(spec(table="credit_card_balance", column="SK_ID_PREV", aggregation="nunique"))
    assert (cards.label_en, cards.label_fr, cards.unit) == (
        "Number of credit cards",
        "Nombre de cartes de crédit",
        "count",
    )
    late = describe(
        spec(
            table="installments_payments",
            column="late_flag",
            derived="late_flag",
            aggregation="sum",
        )
    )
    assert (late.label_en, late.label_fr, late.unit) == (
        "Number of past instalments with a payment delay",
        "Nombre d'échéances passées avec retard de paiement",
        "count",
    )


def test_summed_dates_are_not_called_a_total_date() -> None:
    info = describe(
        spec(table="installments_payments", column="DAYS_ENTRY_PAYMENT", aggregation="sum")
    )
    assert "total" not in info.label_en.lower() and "totale" not in info.label_fr.lower()
    assert info.label_en.startswith("Sum of the payment date")
    assert info.label_fr.startswith("Somme des valeurs de la date de paiement")


def test_french_adjectives_agree_with_the_noun() -> None:
    def fr(column: str, aggregation: str, table: str = "bureau") -> str:
        return describe(spec(table=table, column=column, aggregation=aggregation)).label_fr

    assert fr("AMT_CREDIT_SUM_DEBT", "max").startswith("Dette maximale ")  # feminine
    assert fr("AMT_CREDIT_SUM", "max").startswith("Montant maximal accordé ")  # masculine
    assert fr("AMT_ANNUITY", "sum").startswith("Annuité totale ")
    assert fr("CNT_CREDIT_PROLONG", "sum").startswith("Nombre total de prolongations ")
    assert fr("AMT_CREDIT_SUM_DEBT", "last").startswith("Dernière dette ")
    assert fr("AMT_ANNUITY", "std").startswith("Dispersion de l'annuité ")  # elision
    assert fr("CNT_CREDIT_PROLONG", "var").startswith("Variance du nombre ")
    assert fr("DAYS_INSTALMENT", "min", "installments_payments").startswith(
        "Date d'échéance la plus ancienne "
    )


def test_every_unit_is_known_for_every_aggregation() -> None:
    aggregations = [None, "min", "max", "mean", "sum", "var", "std", "count", "nunique", "share"]
    for table in TABLES:
        for column in TABLES[table].column_names:
            for aggregation in aggregations:
                info = describe(spec(table=table, column=column, aggregation=aggregation), [])
                assert info.unit in UNITS, (table, column, aggregation, info.unit)


@pytest.mark.parametrize(
    ("key", "en", "fr_m", "fr_f"),
    [
        ("last_24m", "(last 24 months)", "(24 derniers mois)", "(24 derniers mois)"),
        ("last_1y", "(last year)", "(dernier an)", "(dernier an)"),
        ("last_2w", "(last 2 weeks)", "(2 dernières semaines)", "(2 dernières semaines)"),
        ("last_5", "(5 most recent)", "(5 plus récents)", "(5 plus récentes)"),
        ("first_2", "(2 oldest)", "(2 plus anciens)", "(2 plus anciennes)"),
    ],
)
def test_subset_patterns_accept_any_window(key: str, en: str, fr_m: str, fr_f: str) -> None:
    words = subset_words(key)
    assert words is not None
    assert (words.en, words.fr("m"), words.fr("f")) == (en, fr_m, fr_f)


def test_derived_aliases_point_at_existing_words() -> None:
    assert set(DERIVED_ALIASES.values()) <= set(DERIVED)
    assert all(term.unit in UNITS for term in DERIVED.values())


# --- gaps never crash: fallbacks, warnings, duplicates ----------------------------------------


def test_unknown_words_fall_back_to_a_readable_label_and_are_reported() -> None:
    problems: list[str] = []
    info = describe(
        spec(
            name="BUREAU_ODD_AMT_NEW_THING_MEAN",
            column="AMT_NEW_THING",
            aggregation="mean",
            subset="odd_subset",
        ),
        problems,
    )
    assert "amt new thing" in info.label_en.lower()
    assert "odd subset" in info.label_en
    assert info.unit == "EUR"  # guessed from the AMT_ prefix
    assert info.group is BusinessGroup.CREDIT_BUREAU
    assert len(problems) == 2
    assert all(p.startswith("BUREAU_ODD_AMT_NEW_THING_MEAN: ") for p in problems)
    assert any("AMT_NEW_THING" in p for p in problems)
    assert any("odd_subset" in p for p in problems)


def test_unknown_derived_key_and_aggregation_are_reported() -> None:
    problems: list[str] = []
    info = describe(
        spec(
            family="application",
            table="application_train",
            column="brand_new_ratio",
            derived="brand_new_ratio",
        ),
        problems,
    )
    assert info.label_en == "Brand new ratio"
    assert problems and "brand_new_ratio" in problems[0]
    problems.clear()
    describe(spec(column="AMT_CREDIT_SUM", aggregation="kurtosis"), problems)
    assert problems and "kurtosis" in problems[0]


def test_without_a_list_gaps_become_warnings() -> None:
    with pytest.warns(FallbackLabelWarning, match="NOT_A_COLUMN"):
        describe(spec(column="NOT_A_COLUMN", aggregation="max"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        describe(spec(column="AMT_CREDIT_SUM", aggregation="max"))  # known: no warning


def test_repeated_labels_are_made_unique_and_reported() -> None:
    twins = [
        spec(name="BUREAU_DEBT_MEAN", column="AMT_CREDIT_SUM_DEBT", aggregation="mean"),
        spec(name="BUREAU_DEBT_MEAN_AGAIN", column="AMT_CREDIT_SUM_DEBT", aggregation="mean"),
    ]
    problems: list[str] = []
    catalogue = build_catalogue(twins, problems)
    for language in ("fr", "en"):
        labels = [f.label(language) for f in catalogue.features]
        assert len(set(labels)) == 2
        assert all("Dette moyenne" in label or "Average debt" in label for label in labels)
    assert len(problems) == 2  # one per language


def test_a_name_declared_twice_is_a_registry_bug() -> None:
    same = spec(name="BUREAU_COUNT", aggregation="count")
    with pytest.raises(ValueError, match="BUREAU_COUNT"):
        build_catalogue([same, same], [])


# --- the real registry ---------------------------------------------------------------------


def _assert_catalogue_clean(specs: list[FeatureSpec]) -> None:
    problems: list[str] = []
    catalogue = build_catalogue(specs, problems)
    assert problems == [], "\n".join(problems[:40])
    assert [f.name for f in catalogue.features] == [s.name for s in specs]
    for language in ("fr", "en"):
        labels = Counter(f.label(language) for f in catalogue.features)
        assert [label for label, n in labels.items() if n > 1] == []
    for info in catalogue.features:
        assert isinstance(info.group, BusinessGroup)
        assert info.unit in UNITS, (info.name, info.unit)
        assert info.label_en[:1].isupper() and info.label_fr[:1].isupper(), info.name
        # No raw key leaks into a label (category levels are shown as the data spells them).
        by_name = {s.name: s for s in specs}
        level = by_name[info.name].level or ""
        for label in (info.label_en, info.label_fr):
            assert "_" not in label.replace(level, ""), (info.name, label)


def test_real_registry_has_no_fallback_and_unique_labels() -> None:
    registry = pytest.importorskip(
        "training.features.registry", reason="the feature registry has not landed yet"
    )
    from training.features.state import FeatureState

    families = [family.name for family in registry.FAMILIES]
    # Two made-up levels per one-hot category: exercises the share wording of every family.
    levels: dict[str, dict[str, list[str]]] = {}
    for family in registry.FAMILIES:
        for table, column in family.one_hot:
            levels.setdefault(table, {})[column] = ["Level A", "Level B"]
    state = FeatureState(families=families, feature_names=[], categorical={}, levels=levels)
    specs = registry.feature_specs(state)
    assert specs
    _assert_catalogue_clean(specs)


@pytest.mark.slow
def test_real_registry_on_levels_fitted_from_the_real_sample(real_sample: Path) -> None:
    pytest.importorskip("training.features.registry", reason="no feature registry yet")
    from training.data.reader import open_tables
    from training.features.pipeline import feature_specs, fit_feature_state

    state = fit_feature_state(open_tables(real_sample))
    _assert_catalogue_clean(feature_specs(state))


def test_descriptions_say_how_the_value_is_computed_and_quote_the_source() -> None:
    info = describe(spec(column="AMT_CREDIT_SUM_DEBT", aggregation="mean", subset="active"))
    assert "AMT_CREDIT_SUM_DEBT" in info.description_en and "active" in info.description_en
    assert TABLES["bureau"].column("AMT_CREDIT_SUM_DEBT").description in info.description_en
    assert info.description_fr.startswith("Moyenne de AMT_CREDIT_SUM_DEBT")


def test_french_labels_word_category_levels_in_french() -> None:
    # Reasons are read to French-speaking clients: no English level inside a French label.
    refused = describe(
        spec(
            family="previous",
            table="previous_application",
            column="NAME_CONTRACT_STATUS",
            aggregation="share",
            level="Refused",
        )
    )
    assert refused.label_en == ("Share of previous applications whose decision is “Refused”")
    assert "« Refusée »" in refused.label_fr and "Refused" not in refused.label_fr
    assert "Refused" in refused.description_fr  # the technical note keeps the data's text
    weekday = describe(
        spec(
            family="previous",
            table="previous_application",
            column="WEEKDAY_APPR_PROCESS_START",
            aggregation="share",
            level="FRIDAY",
        )
    )
    assert "« vendredi »" in weekday.label_fr and "FRIDAY" not in weekday.label_fr
    closed = describe(spec(column="CREDIT_ACTIVE", aggregation="share", level="Closed"))
    assert "« Clôturé »" in closed.label_fr
