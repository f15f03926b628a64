"""Layout builders: what each panel says, in words and numbers, and their text alternatives."""

from __future__ import annotations

import pytest
from dash import dcc, html
from dashboard_payloads import (
    BASE_PROBABILITY,
    BASE_VALUE,
    CONTRIBUTIONS,
    EVALUATION,
    OTHER,
    attribute,
    bivariate,
    client_info,
    distribution,
    explanation,
    feature_list,
    figure_of,
    find,
    model_info,
    points_factor,
    prediction,
    text_of,
    walk,
    what_if_fields,
    what_if_result,
)

from dashboard.api_client import ApiError, ApiErrorKind
from dashboard.callbacks.toggles import pressed
from dashboard.i18n import TABLES, translate
from dashboard.layout.bivariate import bivariate_chart
from dashboard.layout.client_card import client_card
from dashboard.layout.common import error_box, toggle_group
from dashboard.layout.distributions import distribution_chart, percentile_sentence, shares
from dashboard.layout.gauge import decision_panel, distance_sentence
from dashboard.layout.model_page import confusion_table, model_overview, performance_table
from dashboard.layout.pages import app_shell, page_for
from dashboard.layout.reasons import reasons_panel
from dashboard.layout.waterfall import group_chart, waterfall_chart, waterfall_steps
from dashboard.layout.what_if import what_if_form
from dashboard.layout.what_if import what_if_result as what_if_result_panel
from dashboard.routing import Route
from shared.contract import (
    Bivariate,
    ClientInfo,
    Explanation,
    FeatureDistribution,
    FeatureList,
    ModelInfo,
    Prediction,
    WhatIfFields,
    WhatIfResult,
)

LANGS = ("fr", "en")


def charts(tree: object) -> list[object]:
    return [n for n in walk(tree) if isinstance(n, dcc.Graph)]


def assert_every_chart_has_a_text_alternative(tree: object) -> None:
    """WCAG 1.1.1: each graph sits in a role=img wrapper named by a non-empty summary."""
    graphs = charts(tree)
    assert graphs
    for graph in graphs:
        holder = next(n for n in walk(tree) if isinstance(n, html.Div) and n.children is graph)
        assert holder.role == "img"
        assert len(attribute(holder, "aria-label")) > 20


@pytest.mark.parametrize("language", LANGS)
def test_refused_decision_in_words_icon_and_numbers(language: str) -> None:
    panel = decision_panel(Prediction.model_validate(prediction(0.43, 0.084)), language)
    text = text_of(panel)
    assert translate("decision.refuse", language) in text
    assert "✖" in text  # not by colour alone
    assert ("43,0" if language == "fr" else "43.0") in text
    assert ("34,6" if language == "fr" else "34.6") in text  # distance in points
    assert "v-test-1" in text
    figure = figure_of(panel, "gauge")
    # the gauge's scale is stretched around the threshold (GaugeScale): 40 % of the arc for
    # 0..threshold, 35 % up to three times the threshold, the rest above
    assert figure.data[0].gauge.threshold.value == pytest.approx(40.0)
    expected = 75 + 25 * (0.43 - 3 * 0.084) / (1 - 3 * 0.084)
    assert figure.data[0].value == pytest.approx(expected)
    assert figure.layout.annotations[0].text == ("43,0\u00a0%" if language == "fr" else "43.0%")
    assert_every_chart_has_a_text_alternative(panel)
    summary = attribute(find(panel, "gauge-probability"), "data-probability")
    assert float(summary) == pytest.approx(0.43)


@pytest.mark.parametrize("language", LANGS)
def test_decision_panel_says_which_model_answered(language: str) -> None:
    fold = decision_panel(Prediction.model_validate(prediction(model="fold-3")), language)
    sentence = find(fold, "gauge-model")
    assert attribute(sentence, "data-model") == "fold-3"
    expected = {
        "fr": "Score calculé par un modèle qui n'a pas vu le dossier de ce client "
        "(modèle de validation croisée 3).",
        "en": "Scored by a model that never saw this client's outcome (cross-validation model 3).",
    }
    assert text_of(sentence) == expected[language]
    refit = decision_panel(Prediction.model_validate(prediction(model="refit")), language)
    words = {
        "fr": "Score calculé par le modèle entraîné sur tous les clients passés.",
        "en": "Scored by the model trained on all past clients.",
    }
    assert text_of(find(refit, "gauge-model")) == words[language]
    assert attribute(find(refit, "gauge-model"), "data-model") == "refit"


def test_granted_decision_says_below_threshold() -> None:
    panel = decision_panel(Prediction.model_validate(prediction(0.05, 0.084)), "fr")
    assert "Crédit accordé" in text_of(panel) and "✔" in text_of(panel)
    assert "sous le seuil" in distance_sentence(-0.034, "fr")
    assert "above" in distance_sentence(0.01, "en")


@pytest.mark.parametrize("language", LANGS)
def test_reasons_use_the_api_sentences_of_the_language(language: str) -> None:
    reasons = Explanation.model_validate(explanation()).reasons
    panel = reasons_panel(reasons, language)
    text = text_of(panel)
    prefix = "FR:" if language == "fr" else "EN:"
    other = "EN:" if language == "fr" else "FR:"
    assert text.count(prefix) == 3 and other not in text
    assert "▲" in text and "▼" in text


def test_reasons_panel_says_when_a_side_is_empty() -> None:
    data = explanation()
    data["reasons"]["raises"] = []
    panel = reasons_panel(Explanation.model_validate(data).reasons, "en")
    assert TABLES["en"]["reasons.none"] in text_of(panel)


def test_waterfall_keeps_the_top_factors_and_sums_the_rest() -> None:
    exp = Explanation.model_validate(explanation())
    steps, rest = waterfall_steps(exp, "fr", top=5, unit="logodds")
    ranked = sorted(CONTRIBUTIONS, key=abs, reverse=True)
    assert [s.contribution for s in steps] == ranked[:5]
    assert rest.contribution == pytest.approx(sum(ranked[5:]) + OTHER)
    # The bars add up from the base value to the client's raw score.
    total = BASE_VALUE + sum(s.contribution for s in steps) + rest.contribution
    assert total == pytest.approx(exp.raw_output)


def test_waterfall_in_points_goes_from_the_average_clients_probability_to_this_clients() -> None:
    exp = Explanation.model_validate(explanation(0.43))
    steps, rest = waterfall_steps(exp, "fr", top=5)  # probability points by default
    ranked = sorted(CONTRIBUTIONS, key=abs, reverse=True)
    factor = points_factor(0.43)
    # the same bars in the same order, each converted with the one factor
    assert [s.contribution for s in steps] == pytest.approx([v * factor for v in ranked[:5]])
    total = BASE_PROBABILITY + sum(s.contribution for s in steps) + rest.contribution
    assert total == pytest.approx(0.43)
    figure = figure_of(waterfall_chart(exp, "fr"), "waterfall")
    texts = list(figure.data[0].text)
    assert texts[0] == "7,6\u00a0%" and texts[-1] == "43,0\u00a0%"
    assert all("pts" in t for t in texts[1:-1])
    assert "log-odds" not in figure.layout.xaxis.title.text
    assert figure.data[0].x[0] == pytest.approx(100 * BASE_PROBABILITY)


@pytest.mark.parametrize("language", LANGS)
def test_waterfall_chart_labels_values_and_alternative(language: str) -> None:
    exp = Explanation.model_validate(explanation())
    chart = waterfall_chart(exp, language, "logodds")
    figure = figure_of(chart, "waterfall")
    labels = list(figure.data[0].y)
    assert labels[0] == translate("waterfall.base", language)
    assert labels[-1] == translate("waterfall.total", language)
    assert len(set(labels)) == len(labels)
    assert any(("Libellé F0" if language == "fr" else "Label F0") in label for label in labels)
    assert any(("1,5" if language == "fr" else "1.5") in label for label in labels)
    texts = list(figure.data[0].text)
    assert all("▲" in t or "▼" in t for t in texts[1:-1])
    assert_every_chart_has_a_text_alternative(chart)
    low, high = figure.layout.xaxis.range
    assert low < exp.raw_output < high and low < BASE_VALUE < high


def test_group_chart_orders_groups_by_strength() -> None:
    exp = Explanation.model_validate(explanation())
    chart = group_chart(exp.groups, "en", "logodds")
    figure = figure_of(chart, "groups")
    assert list(figure.data[0].y) == ["External scores", "Employment", "Cards"]
    summary = attribute(next(n for n in walk(chart) if attribute(n, "role") == "img"), "aria-label")
    assert "External scores" in summary and "+0.90" in summary
    # in probability points: the same order, each group converted with the one factor
    points = figure_of(group_chart(exp.groups, "en"), "groups")
    assert list(points.data[0].y) == ["External scores", "Employment", "Cards"]
    assert points.data[0].x[0] == pytest.approx(100 * 0.9 * points_factor(0.43))
    assert "pp" in points.data[0].text[0] and "log-odds" not in points.layout.xaxis.title.text


@pytest.mark.parametrize("language", LANGS)
def test_client_card_lists_formatted_fields(language: str) -> None:
    card = client_card(ClientInfo.model_validate(client_info()), language)
    text = text_of(card)
    assert ("25,9 ans" if language == "fr" else "25.9 years") in text
    assert ("Revenu annuel" if language == "fr" else "Annual income") in text


def test_distribution_shares_and_client_position() -> None:
    dist = FeatureDistribution.model_validate(distribution())
    chart = distribution_chart(dist, "en")
    figure = figure_of(chart, "distribution")
    assert len(figure.data) == 4  # all, repaid, defaulted, similar
    for trace in figure.data:
        assert sum(trace.y) == pytest.approx(1.0)
    assert list(figure.data[0].x) == pytest.approx([0.1, 0.3, 0.5])
    assert len({t.line.dash for t in figure.data}) == 4  # not colour alone
    assert figure.layout.shapes[0].x0 == pytest.approx(0.25)
    assert "37%" in percentile_sentence(dist, "en") and "0.25" in percentile_sentence(dist, "en")
    assert_every_chart_has_a_text_alternative(chart)


def test_categorical_distribution_uses_patterned_bars() -> None:
    dist = FeatureDistribution.model_validate(distribution(categorical=True))
    figure = figure_of(distribution_chart(dist, "fr"), "distribution")
    assert all(t.type == "bar" for t in figure.data)
    assert list(figure.data[0].x) == ["A", "B", "C"]
    assert figure.layout.shapes[0].x0 == "B"
    assert len({t.marker.pattern.shape for t in figure.data}) == 4


def test_shares_of_an_empty_population_are_zero() -> None:
    assert shares([0, 0]) == [0.0, 0.0]


def test_percentile_sentence_without_a_value() -> None:
    data = distribution()
    data["client_value"] = None
    data["client_percentile"] = None
    dist = FeatureDistribution.model_validate(data)
    assert percentile_sentence(dist, "fr") == TABLES["fr"]["dist.no_value"]


def test_bivariate_by_outcome_uses_shapes_and_marks_the_client() -> None:
    data = Bivariate.model_validate(bivariate())
    figure = figure_of(bivariate_chart(data, "outcome", "en"), "bivariate")
    symbols = {t.name: t.marker.symbol for t in figure.data}
    assert len(set(symbols.values())) == 4
    star = figure.data[-1]
    assert star.marker.symbol == "star" and list(star.x) == [0.25] and list(star.y) == [2500.0]
    defaulted = next(t for t in figure.data if t.name.startswith("Defaulted"))
    assert list(defaulted.x) == [0.2, None]


def test_bivariate_by_score_colours_with_probabilities() -> None:
    data = Bivariate.model_validate(bivariate())
    chart = bivariate_chart(data, "score", "fr")
    figure = figure_of(chart, "bivariate")
    assert list(figure.data[0].marker.color) == [0.05, 0.4, 0.1, 0.02, 0.3]
    assert_every_chart_has_a_text_alternative(chart)
    assert "2\u202f500\u00a0€" in text_of(chart)


@pytest.mark.parametrize("language", LANGS)
def test_what_if_form_writes_numbers_the_languages_way(language: str) -> None:
    data = WhatIfFields.model_validate(what_if_fields())
    form = what_if_form(data.fields, language, data.loan)
    inputs = [n for n in walk(form) if isinstance(n, dcc.Input)]
    assert [i.id["field"] for i in inputs] == [
        "AMT_CREDIT",
        "TERM_MONTHS",
        "AMT_ANNUITY",
        "AMT_GOODS_PRICE",
    ]
    # Text fields: a number field would show the browser's writing ("27.7" on a French page).
    assert all(i.type == "text" for i in inputs)
    values = [i.value for i in inputs]
    if language == "fr":
        assert values == ["406\u202f598", "18", "24\u202f700", "351\u202f000"]
    else:
        assert values == ["406,598", "18", "24,700", "351,000"]
    labels = [n for n in walk(form) if isinstance(n, html.Label)]
    assert all(any(i in list(walk(label)) for i in inputs) for label in labels)
    text = text_of(form)
    # client-relative bounds: 30 % to 100 % of the amount asked for, 6 to 60 months
    if language == "fr":
        assert "De 121\u202f980\u00a0€ à 406\u202f597\u00a0€" in text and "60,0" not in text
    else:
        assert "From €121,980 to €406,597" in text
    assert "10\u202f000\u202f000" not in text and "10,000,000" not in text
    rate = find(form, "whatif-rate")
    assert "%" not in text_of(rate)  # an inferred rate is not a quote: not shown as one
    assert ("18\u00a0mois" if language == "fr" else "18\u00a0months") in text_of(rate)


def test_what_if_result_shows_new_decision_change_and_reasons() -> None:
    result = WhatIfResult.model_validate(what_if_result(0.43, 0.05))
    panel = what_if_result_panel(result, "en")
    text = text_of(panel)
    assert "Credit granted" in text and "5.0%" in text
    assert "−38.0" in text  # change in points
    assert "Credit amount" in text and "Y en" in text
    assert "Credit amount: €406,598 → €200,000" in text  # the request as simulated
    assert translate("whatif.same_model", "en") in text
    assert_every_chart_has_a_text_alternative(panel)


@pytest.mark.parametrize("language", LANGS)
def test_model_page_metrics_threshold_and_charts(language: str) -> None:
    info = ModelInfo.model_validate(model_info())
    page = model_overview(info, FeatureList.model_validate(feature_list()), language)
    text = text_of(page)
    assert ("0,760" if language == "fr" else "0.760") in text and "10" in text
    assert ("8,4" if language == "fr" else "8.4") in text
    assert_every_chart_has_a_text_alternative(page)
    importance = figure_of(page, "importance")
    assert list(importance.data[0].x) == [0.5, 0.2, 0.1, 0.05, 0.01]
    table = performance_table(info, "en")
    auc_row = next(n for n in walk(table) if attribute(n, "data-metric") == "roc_auc")
    assert "0.760" in text_of(auc_row) and "0.720" in text_of(auc_row)


def test_metrics_show_their_confidence_intervals_next_to_every_baseline() -> None:
    info = ModelInfo.model_validate(model_info())
    table = performance_table(info, "fr")
    headers = [text_of(n) for n in walk(table) if isinstance(n, html.Th) and n.scope == "col"]
    assert headers[1:4] == ["Modèle", "Méthode simple (logistique)", "Sans modèle (taux moyen)"]
    auc_row = next(n for n in walk(table) if attribute(n, "data-metric") == "roc_auc")
    cells = [n for n in walk(auc_row) if isinstance(n, html.Td)]
    # model, logistic (both with intervals), dummy (none stored), meaning
    assert text_of(cells[0]) == "0,760 IC 95\u00a0% : 0,745 à 0,776"
    assert (attribute(cells[0], "data-ci-low"), attribute(cells[0], "data-ci-high")) == (
        "0.745",
        "0.776",
    )
    assert text_of(cells[2]) == "0,500"
    cost_row = next(n for n in walk(table) if attribute(n, "data-metric") == "cost_at_threshold")
    english = performance_table(info, "en")
    cost_en = next(n for n in walk(english) if attribute(n, "data-metric") == "cost_at_threshold")
    assert "5\u202f300" in text_of(cost_row) and "5\u202f010 à 5\u202f590" in text_of(cost_row)
    assert "95% CI: 5,010 to 5,590" in text_of(cost_en)


@pytest.mark.parametrize("language", LANGS)
def test_model_page_states_the_evaluation_protocol_and_who_is_scored_by_which_model(
    language: str,
) -> None:
    page = model_overview(
        ModelInfo.model_validate(model_info()), FeatureList.model_validate(feature_list()), language
    )
    section = find(page, "model-evaluation")
    text = text_of(section)
    assert EVALUATION[f"description_{language}"] in text
    other = "en" if language == "fr" else "fr"
    assert EVALUATION[f"description_{other}"] not in text
    assert (
        attribute(find(section, "evaluation-protocol"), "data-protocol") == "nested-cross-fitting"
    )
    assert "1\u202f000" in text or "1,000" in text  # bootstrap resamples
    assert translate("model.evaluation.serving", language, count="5") in text


def test_model_page_without_a_stated_protocol_says_so() -> None:
    page = model_overview(
        ModelInfo.model_validate(model_info(evaluation=False)),
        FeatureList.model_validate(feature_list()),
        "en",
    )
    text = text_of(find(page, "model-evaluation"))
    assert text == " ".join(
        translate(key, "en") for key in ("model.evaluation.heading", "model.evaluation.none")
    )


def test_confusion_counts_are_the_four_outcomes_of_the_decision() -> None:
    table = confusion_table(ModelInfo.model_validate(model_info()), "en")
    assert table is not None
    counts = {
        attribute(n, "data-count"): text_of(n) for n in walk(table) if attribute(n, "data-count")
    }
    assert counts == {
        "true_positives": "540",
        "false_negatives": "282",
        "false_positives": "2,460",
        "true_negatives": "6,480",
    }
    assert "9,762 evaluated past loans" in text_of(table)
    without = model_info()
    del without["metrics"]["model"]["true_positives"]
    assert confusion_table(ModelInfo.model_validate(without), "en") is None


@pytest.mark.parametrize("kind", list(ApiErrorKind))
@pytest.mark.parametrize("language", LANGS)
def test_error_boxes_are_translated_alerts(kind: ApiErrorKind, language: str) -> None:
    box = error_box(ApiError(kind, 500, detail="AMT_CREDIT: out of range"), language)
    assert box.role == "alert"
    key = f"error.{kind.value}"
    assert TABLES[language][key].split("{")[0].strip() in text_of(box)
    assert "500" not in text_of(box)


@pytest.mark.parametrize(
    ("route", "title_key"),
    [
        (Route("home"), "title.home"),
        (Route("client", 7), "title.client"),
        (Route("compare", 7), "title.compare"),
        (Route("model"), "title.model"),
        (Route("not_found"), "title.not_found"),
    ],
)
def test_every_page_has_a_title_and_one_h1(route: Route, title_key: str) -> None:
    for language in LANGS:
        content, title = page_for(route, language)
        assert title == translate(title_key, language, client_id=7)
        assert sum(isinstance(n, html.H1) for n in walk(content)) == 1


def test_shell_has_skip_link_landmarks_and_labelled_controls() -> None:
    shell = app_shell("fr")
    skip = find(shell, "skip-link")
    assert skip.href == "#main"
    assert isinstance(find(shell, "main"), html.Main)
    labels = {n.htmlFor for n in walk(shell) if isinstance(n, html.Label)}
    assert "client-search" in labels
    assert any(isinstance(n, html.Legend) for n in walk(shell))  # language picker's group label


def test_toggle_group_marks_the_current_choice_pressed() -> None:
    group = toggle_group("lang", "Langue", [("fr", "Français"), ("en", "English")], "en")
    buttons = [n for n in walk(group) if isinstance(n, html.Button)]
    assert [b.id for b in buttons] == ["lang-fr", "lang-en"]
    assert [attribute(b, "aria-pressed") for b in buttons] == ["false", "true"]
    assert any(isinstance(n, html.Legend) and n.children == "Langue" for n in walk(group))
    assert pressed(["fr", "en"], "fr") == ["true", "false"]


DASH_DEFAULT_LABELS = {"Select All", "Deselect All", "Search", "Clear search", "Clear selection"}


@pytest.mark.parametrize("route", [Route("client", 7), Route("compare", 7)])
def test_every_dropdown_speaks_the_page_language(route: Route) -> None:
    """Dash 4 dropdowns carry English button texts and counts unless given translated labels."""
    tree = [app_shell("fr"), page_for(route, "fr")[0]]
    dropdowns = [n for n in walk(tree) if isinstance(n, dcc.Dropdown)]
    assert dropdowns
    for dropdown in dropdowns:
        labels = dropdown.labels
        assert set(labels) == {
            "select_all",
            "deselect_all",
            "selected_count",
            "search",
            "clear_search",
            "clear_selection",
            "no_options_found",
        }
        assert not set(labels.values()) & DASH_DEFAULT_LABELS
        assert "{num_selected}" in labels["selected_count"]


def test_categorical_distribution_shows_french_levels_in_french() -> None:
    data = {**distribution(categorical=True), "categories_fr": ["A fr", "B fr", "C fr"]}
    dist = FeatureDistribution.model_validate(data)
    french = figure_of(distribution_chart(dist, "fr"), "distribution")
    assert list(french.data[0].x) == ["A fr", "B fr", "C fr"]
    assert french.layout.shapes[0].x0 == "B fr"
    english = figure_of(distribution_chart(dist, "en"), "distribution")
    assert list(english.data[0].x) == ["A", "B", "C"]
    assert english.layout.shapes[0].x0 == "B"
