"""The client page's additions of issue 11: the gauge's stretched scale, "what would change the
decision", the summary document downloaded through the dashboard (never with the API key in the
browser), and the explanation charts' unit toggle."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from dash import html
from dashboard_auth_helpers import NAMES, shared_accounts, sign_in
from dashboard_payloads import CLIENT, recourse, text_of, walk

from dashboard.app import create_app
from dashboard.auth.guard import Authenticator
from dashboard.auth.roles import Role
from dashboard.i18n import translate
from dashboard.layout.gauge import GaugeScale, gauge_figure
from dashboard.layout.pages import page_for
from dashboard.layout.recourse import recourse_panel, summary_links
from dashboard.routing import Route
from shared.contract import RecourseResult
from shared.settings import DashboardSettings

API = "http://127.0.0.1:9"
KEY = "dashboard-key-0123456789"


def make_app() -> Any:
    config = DashboardSettings(
        api_url=API, api_key=KEY, users_file=shared_accounts(), language="en"
    )
    return create_app(config, authenticator=Authenticator(config))


# --------------------------------------------------------------------------- gauge


@pytest.mark.parametrize("threshold", [0.02, 0.084, 0.2, 0.5])
def test_gauge_scale_is_monotone_and_gives_the_threshold_zone_room(threshold: float) -> None:
    scale = GaugeScale(threshold)
    grid = [k / 1000 for k in range(1001)]
    positions = [scale.position(p) for p in grid]
    assert positions == sorted(positions) and positions[0] == 0 and positions[-1] == 1
    if threshold < 1 / 3:
        assert scale.position(threshold) == pytest.approx(0.4)
        # from half the threshold to twice it: far more of the arc than on a linear scale
        zone = scale.position(2 * threshold) - scale.position(threshold / 2)
        assert zone == pytest.approx(0.375)  # 37.5 % of the arc
        assert zone > 1.5 * threshold  # what a linear 0-100 % arc gives that zone


@pytest.mark.parametrize("language", ["fr", "en"])
def test_gauge_labels_the_ends_and_the_threshold_in_the_languages_writing(language: str) -> None:
    figure = gauge_figure(0.091, 0.094, language)
    axis = figure.data[0].gauge.axis
    labels = list(axis.ticktext)
    percent = "\u00a0%" if language == "fr" else "%"
    assert labels[0] == f"0{percent}" and labels[-1] == f"100{percent}"
    assert ("9,4" if language == "fr" else "9.4") + percent in labels
    assert list(axis.tickvals) == sorted(axis.tickvals)
    # the ticks leave room for their labels, and the margins for "100 %"
    gaps = [b - a for a, b in zip(axis.tickvals, axis.tickvals[1:], strict=False)]
    assert min(gaps) >= 6.9
    assert figure.layout.margin.r >= 40 and figure.layout.margin.l >= 40
    # the number is the real probability, written the language's way
    assert figure.layout.annotations[0].text == ("9,1\u00a0%" if language == "fr" else "9.1%")


# --------------------------------------------------------------------------- recourse panel


@pytest.mark.parametrize("language", ["fr", "en"])
def test_recourse_panel_reads_the_options_in_the_pages_language(language: str) -> None:
    panel = recourse_panel(RecourseResult.model_validate(recourse()), language)
    text = text_of(panel)
    mine, other = ("FR:", "EN:") if language == "fr" else ("EN:", "FR:")
    assert text.count(mine) == 2 and other not in text
    options = [n for n in walk(panel) if getattr(n, "className", "") == "recourse-option"]
    assert [o.to_plotly_json()["props"]["data-changes"] for o in options] == [
        "AMT_CREDIT",
        "TERM_MONTHS",
    ]
    assert translate("decision.grant", language) in text  # said in words, not colour


@pytest.mark.parametrize("language", ["fr", "en"])
def test_client_page_has_the_recourse_and_summary_sections(language: str) -> None:
    content, _ = page_for(Route("client", CLIENT), language)
    tree = html.Div(content)
    headings = [n.children for n in walk(tree) if isinstance(n, html.H2)]
    assert translate("recourse.heading", language) in headings
    assert translate("summary.heading", language) in headings
    expected = {"fr": "Ce qui changerait la décision", "en": "What would change the decision"}
    assert expected[language] in headings
    links = [n for n in walk(summary_links(CLIENT, language)) if isinstance(n, html.A)]
    hrefs = [link.href for link in links]
    assert f"/client/{CLIENT}/summary?lang={language}&format=pdf" in hrefs
    assert all(href.startswith(f"/client/{CLIENT}/summary?") for href in hrefs)
    assert all(KEY not in href for href in hrefs)


# --------------------------------------------------------------------------- summary route


def test_summary_is_fetched_with_the_dashboards_key_and_the_persons_identity() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.ADVISOR)
    with responses.RequestsMock() as mocked:
        mocked.get(
            f"{API}/v1/clients/{CLIENT}/summary",
            body=b"%PDF-1.7 fake",
            content_type="application/pdf",
        )
        answer = client.get(f"/client/{CLIENT}/summary?lang=en&format=pdf")
        assert answer.status_code == 200
        assert answer.data == b"%PDF-1.7 fake"
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"] == (
            f'attachment; filename="decision-{CLIENT}-en.pdf"'
        )
        assert answer.headers["Cache-Control"] == "no-store"
        sent = mocked.calls[0].request
        assert sent.headers["X-API-Key"] == KEY  # the dashboard's key, server-side only
        assert sent.headers["X-Scoring-User"] == NAMES[Role.ADVISOR]
        assert "lang=en" in sent.url and "format=pdf" in sent.url
    assert KEY.encode() not in answer.data


def test_summary_needs_a_session_and_the_clients_permission() -> None:
    anonymous = make_app().server.test_client()
    answer = anonymous.get(f"/client/{CLIENT}/summary?lang=fr&format=pdf")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    risk = make_app().server.test_client()
    sign_in(risk, Role.RISK)
    with responses.RequestsMock() as mocked:  # no call may reach the API
        assert risk.get(f"/client/{CLIENT}/summary?lang=fr&format=pdf").status_code == 403
        assert not mocked.calls


def test_summary_refuses_other_languages_and_formats() -> None:
    client = make_app().server.test_client()
    sign_in(client, Role.ADVISOR)
    with responses.RequestsMock() as mocked:
        for query in ("lang=de&format=pdf", "lang=fr&format=docx"):
            assert client.get(f"/client/{CLIENT}/summary?{query}").status_code == 400
        assert not mocked.calls
