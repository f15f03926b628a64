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
    text_of,
    walk,
    what_if_fields,
    what_if_result,
)

from dashboard.api_client import ApiClient
from dashboard.callbacks import client_page, compare_page, frame, model_page
from dashboard.i18n import TABLES
from dashboard.layout.what_if import FIELD_TYPE
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
    assert figure_of(panel, "gauge").data[0].value == pytest.approx(27.18)


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
    reasons, waterfall, groups = client_page.render_explanation(api, STATE_FR)
    assert len(mocked.calls) == 1
    assert "FR: external score low" in text_of(reasons)
    assert figure_of(waterfall, "waterfall").data[0].type == "waterfall"
    assert figure_of(groups, "groups").data[0].type == "bar"


def test_explain_failure_reaches_all_three_panels(mocked, api) -> None:
    mocked.post(f"{API}/v1/explain", status=500, body="Internal Server Error")
    panels = client_page.render_explanation(api, STATE_FR)
    for panel in panels:
        assert TABLES["fr"]["error.server"] in text_of(panel)


def test_card_and_what_if_form(mocked, api) -> None:
    mocked.get(f"{API}/v1/clients/{CLIENT}", json=client_info())
    mocked.get(f"{API}/v1/what-if/fields", json=what_if_fields())
    assert "Annual income" in text_of(client_page.render_card(api, STATE_EN))
    form = client_page.render_what_if_form(api, STATE_EN)
    assert len([n for n in walk(form) if isinstance(n, dcc.Input)]) == 2
    assert f"client_id={CLIENT}" in mocked.calls[1].request.url


def test_no_client_means_no_update(api) -> None:
    assert client_page.render_decision(api, {"client_id": None}) is no_update
    assert client_page.render_card(api, None) is no_update


IDS = [{"type": FIELD_TYPE, "field": "AMT_CREDIT"}, {"type": FIELD_TYPE, "field": "TERM_MONTHS"}]
ORIGINALS = {f.name: f for f in WhatIfFields.model_validate(what_if_fields()).fields}


def test_only_the_fields_the_advisor_changed_are_sent() -> None:
    # The form shows 406598 and 16.5 (rounded): leaving them untouched is no change.
    assert client_page.changed_fields(IDS, [406598, 16.5], ORIGINALS) == {}
    assert client_page.changed_fields(IDS, [200000, 16.5], ORIGINALS) == {"AMT_CREDIT": 200000.0}
    assert client_page.changed_fields(IDS, [None, 24], ORIGINALS) == {"TERM_MONTHS": 24.0}


def test_what_if_posts_the_changes_and_shows_the_result(mocked, api) -> None:
    mocked.post(f"{API}/v1/what-if", json=what_if_result(0.43, 0.05))
    panel = client_page.render_what_if(api, STATE_EN, IDS, [200000, 16.5], ORIGINALS)
    assert json.loads(mocked.calls[0].request.body) == {
        "client_id": CLIENT,
        "changes": {"AMT_CREDIT": 200000.0},
    }
    assert "Credit granted" in text_of(panel)


def test_what_if_without_change_does_not_call_the_api(mocked, api) -> None:
    panel = client_page.render_what_if(api, STATE_FR, IDS, [406598, 16.5], ORIGINALS)
    assert len(mocked.calls) == 0
    assert TABLES["fr"]["whatif.none"] in text_of(panel)


def test_what_if_refused_value_names_the_field(mocked, api) -> None:
    body = {
        "error": {
            "code": "validation_error",
            "message": "bad",
            "details": [{"field": "AMT_CREDIT", "message": "out of range", "expected": "<= 10M"}],
        }
    }
    mocked.post(f"{API}/v1/what-if", status=422, json=body)
    panel = client_page.render_what_if(api, STATE_EN, IDS, [99_000_000, 16.5], ORIGINALS)
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
