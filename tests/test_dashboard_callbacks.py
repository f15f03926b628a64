"""Callbacks with the API mocked at the HTTP level: what each panel shows for each answer."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from dash import dcc, no_update
from dashboard_payloads import (
    API,
    CLIENT,
    KEY,
    bivariate,
    client_info,
    distribution,
    explanation,
    feature_list,
    figure_of,
    model_info,
    prediction,
    recourse,
    text_of,
    walk,
    what_if_fields,
    what_if_result,
)

from dashboard.api_client import ApiClient
from dashboard.callbacks import client_page, compare_page, frame, model_page
from dashboard.formatting import format_number
from dashboard.i18n import TABLES
from dashboard.layout.what_if import FIELD_TYPE, loan_terms, requested_changes, sync_terms
from shared.contract import WhatIfFields

STATE_FR = {"client_id": CLIENT, "language": "fr"}
STATE_EN = {"client_id": CLIENT, "language": "en"}


@pytest.fixture
def mocked() -> responses.RequestsMock:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def api() -> ApiClient:
    return ApiClient(API, KEY, timeout=2)


def test_decision_panel_shows_the_api_probability(mocked, api) -> None:
    mocked.post(f"{API}/v1/predict", json=prediction(0.2718))
    panel = client_page.render_decision(api, STATE_EN)
    assert "27.2%" in text_of(panel)
    # on the gauge's stretched scale: 0.2718 is above 3 x the 0.084 threshold
    expected = 75 + 25 * (0.2718 - 0.252) / (1 - 0.252)
    assert figure_of(panel, "gauge").data[0].value == pytest.approx(expected)


def test_decision_panel_when_the_api_is_down(mocked, api) -> None:
    mocked.post(f"{API}/v1/predict", body=requests.ConnectionError("refused"))
    panel = client_page.render_decision(api, STATE_FR)
    assert panel.role == "alert"
    assert TABLES["fr"]["error.unreachable"] in text_of(panel)
    assert "refused" not in text_of(panel)


def test_unknown_client_is_said_plainly(mocked, api) -> None:
    mocked.post(
        f"{API}/v1/predict", status=404, json={"error": {"code": "not_found", "message": "x"}}
    )
    assert TABLES["en"]["error.not_found"] in text_of(client_page.render_decision(api, STATE_EN))


def test_one_explain_call_fills_reasons_waterfall_and_groups(mocked, api) -> None:
    mocked.post(f"{API}/v1/explain", json=explanation())
    reasons, data = client_page.render_explanation(api, STATE_FR)
    assert len(mocked.calls) == 1
    assert "FR: external score low" in text_of(reasons)
    # the charts are drawn from the kept explanation, in either unit, without another call
    for unit in ("points", "logodds"):
        waterfall, groups, help_text = client_page.render_charts(data, unit, STATE_FR)
        assert figure_of(waterfall, "waterfall").data[0].type == "waterfall"
        assert figure_of(groups, "groups").data[0].type == "bar"
        assert help_text == TABLES["fr"][f"explain.unit.help_{unit}"]
    assert len(mocked.calls) == 1


def test_explain_failure_reaches_all_three_panels(mocked, api) -> None:
    mocked.post(f"{API}/v1/explain", status=500, body="Internal Server Error")
    reasons, data = client_page.render_explanation(api, STATE_FR)
    waterfall, groups, _ = client_page.render_charts(data, "points", STATE_FR)
    for panel in (reasons, waterfall, groups):
        assert TABLES["fr"]["error.server"] in text_of(panel)


def test_card_and_what_if_form(mocked, api) -> None:
    mocked.get(f"{API}/v1/clients/{CLIENT}", json=client_info())
    mocked.get(f"{API}/v1/what-if/fields", json=what_if_fields())
    assert "Annual income" in text_of(client_page.render_card(api, STATE_EN))
    form = client_page.render_what_if_form(api, STATE_EN)
    assert len([n for n in walk(form) if isinstance(n, dcc.Input)]) == 4
    loan = next(n for n in walk(form) if isinstance(n, dcc.Store) and n.id == "whatif-loan")
    assert loan.data["term_months"] == 18 and loan.data["monthly_rate"] > 0
    assert f"client_id={CLIENT}" in mocked.calls[1].request.url


def test_no_client_means_no_update(api) -> None:
    assert client_page.render_decision(api, {"client_id": None}) is no_update
    assert client_page.render_card(api, None) is no_update


NAMES = ["AMT_CREDIT", "TERM_MONTHS", "AMT_ANNUITY", "AMT_GOODS_PRICE"]
IDS = [{"type": FIELD_TYPE, "field": name} for name in NAMES]
FIELDS = WhatIfFields.model_validate(what_if_fields())
ORIGINALS = {f.name: f for f in FIELDS.fields}
LOAN = loan_terms(FIELDS.loan)
LOAN_DATA = FIELDS.loan.model_dump()
#: What the form shows for the file in French: nothing changed.
AS_SHOWN_FR = ["406\u202f598", "18", "24\u202f700", "351\u202f000"]


def changes(values: list, language: str = "fr") -> dict:
    typed = dict(zip(NAMES, values, strict=True))
    return requested_changes(typed, ORIGINALS, LOAN, language)


def test_only_the_fields_the_advisor_changed_are_sent() -> None:
    # The form shows whole euros and whole months: leaving them untouched is no change.
    assert changes(AS_SHOWN_FR) == {}
    assert changes(["406,598", "18", "24,700", "351,000"], "en") == {}
    assert changes(["200 000", "18", "24 700", ""]) == {"AMT_CREDIT": 200000.0}
    assert changes(["", "24", "", ""]) == {"TERM_MONTHS": 24.0}
    assert changes(["", "", "", "300 000"]) == {"AMT_GOODS_PRICE": 300000.0}


def test_a_typed_instalment_sets_a_whole_month_term() -> None:
    """Typed then submitted before the form recomputed: the instalment was edited last."""
    wanted = round(LOAN.instalment(406597.5, 36))
    assert changes(["406 598", "18", f"{wanted}", ""]) == {"TERM_MONTHS": 36.0}


def test_unreadable_text_names_the_field() -> None:
    with pytest.raises(ValueError, match="AMT_CREDIT"):
        changes(["deux cents", "18", "", ""])


def test_what_if_posts_the_changes_and_shows_the_result(mocked, api) -> None:
    mocked.post(f"{API}/v1/what-if", json=what_if_result(0.43, 0.05))
    panel = client_page.render_what_if(
        api, STATE_EN, IDS, ["200,000", "18", "", ""], ORIGINALS, LOAN_DATA
    )
    assert json.loads(mocked.calls[0].request.body) == {
        "client_id": CLIENT,
        "changes": {"AMT_CREDIT": 200000.0},
    }
    assert "Credit granted" in text_of(panel)


def test_what_if_without_change_does_not_call_the_api(mocked, api) -> None:
    panel = client_page.render_what_if(api, STATE_FR, IDS, AS_SHOWN_FR, ORIGINALS, LOAN_DATA)
    assert len(mocked.calls) == 0
    assert TABLES["fr"]["whatif.none"] in text_of(panel)


def test_what_if_says_which_field_it_could_not_read(mocked, api) -> None:
    panel = client_page.render_what_if(
        api, STATE_EN, IDS, ["lots", "18", "", ""], ORIGINALS, LOAN_DATA
    )
    assert len(mocked.calls) == 0 and "Credit amount" in text_of(panel)
    assert panel.role == "alert"


def test_changing_the_amount_recomputes_the_instalment_at_the_products_rate() -> None:
    amount, term, annuity = sync_terms("AMT_CREDIT", "200000", "18", "24 700", LOAN_DATA, "fr")
    assert (amount, term) == ("200\u202f000", "18")  # rewritten the French way
    assert annuity == format_number(round(LOAN.instalment(200000.0, 18)), "fr", 0)
    # the English page writes the same numbers its own way
    _, term, annuity = sync_terms("TERM_MONTHS", "406,598", "36", "24,700", LOAN_DATA, "en")
    assert (term, annuity) == ("36", format_number(round(LOAN.instalment(406598.0, 36)), "en"))


def test_terms_are_whole_months_within_the_products_limits() -> None:
    assert sync_terms("TERM_MONTHS", "406 598", "27,7", "", LOAN_DATA, "fr")[1] == "28"
    assert sync_terms("TERM_MONTHS", "406 598", "120", "", LOAN_DATA, "fr")[1] == "60"
    instalment = round(LOAN.instalment(406597.5, 30) * 1.002)
    _, term, annuity = sync_terms("AMT_ANNUITY", "406 598", "18", str(instalment), LOAN_DATA, "fr")
    assert term == "30"
    assert annuity == format_number(round(LOAN.instalment(406598.0, 30)), "fr")
    # unreadable text or an instalment below the interest leaves the fields alone
    assert sync_terms("AMT_ANNUITY", "406 598", "18", "abc", LOAN_DATA, "fr") == (None,) * 3
    assert sync_terms("AMT_ANNUITY", "406 598", "18", "1", LOAN_DATA, "fr") == (None,) * 3


def test_recourse_panel_lists_the_options(mocked, api) -> None:
    mocked.post(f"{API}/v1/recourse", json=recourse())
    panel = client_page.render_recourse(api, STATE_EN)
    text = text_of(panel)
    assert "EN: borrow €300,000" in text and "EN: over 36 months" in text
    assert "FR:" not in text and "EN message options" in text
    assert json.loads(mocked.calls[0].request.body) == {"client_id": CLIENT}


def test_recourse_panel_says_when_nothing_grants(mocked, api) -> None:
    mocked.post(f"{API}/v1/recourse", json=recourse("none_within_bounds"))
    text = text_of(client_page.render_recourse(api, STATE_FR))
    assert "FR message none_within_bounds" in text and "Option" not in text


def test_what_if_refused_value_names_the_field(mocked, api) -> None:
    body = {
        "error": {
            "code": "validation_error",
            "message": "bad",
            "details": [{"field": "AMT_CREDIT", "message": "out of range", "expected": "<= 10M"}],
        }
    }
    mocked.post(f"{API}/v1/what-if", status=422, json=body)
    panel = client_page.render_what_if(
        api, STATE_EN, IDS, ["99,000,000", "18", "", ""], ORIGINALS, LOAN_DATA
    )
    assert "AMT_CREDIT" in text_of(panel) and "<= 10M" in text_of(panel)


def test_search_asks_the_api_for_twenty_ids_by_prefix(mocked, api) -> None:
    mocked.get(
        f"{API}/v1/clients",
        json={"client_ids": [100002, 100020], "total": 2, "offset": 0, "limit": 20},
    )
    options = frame.render_search_options(api, "10002", None)
    assert [o["value"] for o in options] == [100002, 100020]
    url = mocked.calls[0].request.url
    assert "prefix=10002" in url and "limit=20" in url


@pytest.mark.parametrize("typed", ["abc", "10 0", "١٠٠", "-1", "1" * 11])
def test_search_ignores_what_is_not_an_id_prefix(mocked, api, typed: str) -> None:
    assert frame.render_search_options(api, typed, None) == []
    assert len(mocked.calls) == 0


def test_search_survives_an_api_outage(mocked, api) -> None:
    mocked.get(f"{API}/v1/clients", body=requests.ConnectionError())
    assert frame.render_search_options(api, "1", 100002) == [{"label": "100002", "value": 100002}]


def test_status_banner_appears_and_clears(mocked, api) -> None:
    mocked.get(f"{API}/ready", body=requests.ConnectionError())
    text, hidden, status = frame.check_api(api, {"up": True}, "fr")
    assert not hidden and text == TABLES["fr"]["status.down"] and status == {"up": False}
    # Still down: no new status, so panels are not re-triggered.
    assert frame.check_api(api, {"up": False}, "fr")[2] is no_update
    mocked.replace(responses.GET, f"{API}/ready", json={"status": "ready", "model_version": "v"})
    text, hidden, status = frame.check_api(api, {"up": False}, "fr")
    assert hidden and status == {"up": True}


def test_not_ready_counts_as_down(mocked, api) -> None:
    mocked.get(f"{API}/ready", status=503, json={"status": "not_ready"})
    assert frame.check_api(api, {"up": True}, "en")[2] == {"up": False}


def test_router_translates_the_frame_and_sets_the_title() -> None:
    _, title, header, skip, legend, footer, search = frame.render_page(
        "/client/100002/compare", "", "en"
    )
    assert title == "Client 100002 — comparison — Prêt à dépenser"
    assert skip == TABLES["en"]["app.skip"] and legend == "Language"
    assert footer == TABLES["en"]["app.footer"]
    assert "About the model" in text_of(header)
    dropdown = next(n for n in walk(search) if isinstance(n, dcc.Dropdown))
    assert dropdown.value is None  # ready for the next search


def test_feature_choices_most_important_first(mocked, api) -> None:
    mocked.get(f"{API}/v1/features", json=feature_list())
    dist_options, feature, all_options, x, _, y = compare_page.render_feature_choices(
        api, STATE_EN, (None, None, None)
    )
    assert [o["value"] for o in all_options] == ["TOP", "SECOND", "CAT", "NO_DIST", "FOURTH"]
    assert "NO_DIST" not in [o["value"] for o in dist_options]
    assert feature == "TOP"
    assert (x, y) == ("TOP", "SECOND")  # the two most important numeric features
    assert dist_options[0]["label"] == "TOP en (External scores)"


def test_feature_choices_keep_the_current_picks(mocked, api) -> None:
    mocked.get(f"{API}/v1/features", json=feature_list())
    choices = compare_page.render_feature_choices(api, STATE_FR, ("CAT", "FOURTH", "TOP"))
    assert (choices[1], choices[3], choices[5]) == ("CAT", "FOURTH", "TOP")


def test_distribution_and_bivariate_panels(mocked, api) -> None:
    mocked.get(f"{API}/v1/features/TOP/distribution", json=distribution())
    mocked.get(f"{API}/v1/features/bivariate", json=bivariate())
    dist = compare_page.render_distribution(api, STATE_FR, "TOP")
    assert "37" in text_of(dist)
    assert f"client_id={CLIENT}" in mocked.calls[0].request.url
    scatter = compare_page.render_bivariate(api, STATE_FR, "TOP", "SECOND", "outcome")
    assert figure_of(scatter, "bivariate").data[-1].marker.symbol == "star"
    url = mocked.calls[1].request.url
    assert "x=TOP" in url and "y=SECOND" in url and f"client_id={CLIENT}" in url


def test_compare_page_when_the_api_is_down(mocked, api) -> None:
    mocked.get(f"{API}/v1/features", body=requests.ConnectionError())
    assert compare_page.render_feature_choices(api, STATE_FR, (None, None, None))[0] == []
    panel = compare_page.render_distribution(api, STATE_FR, None)
    assert TABLES["fr"]["error.unreachable"] in text_of(panel)


def test_model_page(mocked, api) -> None:
    mocked.get(f"{API}/v1/model", json=model_info())
    mocked.get(f"{API}/v1/features", json=feature_list())
    page = model_page.render_model(api, STATE_EN)
    assert "v-test-1" in text_of(page) and "9,762" in text_of(page)
