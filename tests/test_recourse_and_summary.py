"""Recourse, the client's decision summary, explanations in probability and the what-if's loan
terms, in process, against the shared bundle trained on the real sample (or its synthetic
stand-in). Expected values come from the client store and from shared/loan_terms.py."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from api.dependencies import ServiceState
from shared.bundle import RAW_PREFIX, load_bundle
from shared.loan_terms import LoanTerms
from shared.settings import ApiSettings

KEY = "test-key-0123456789"
HEADERS = {"X-API-Key": KEY}
#: Fields of the request a recourse option may change; everything else is the client's own.
TERMS_OF_THE_REQUEST = {"AMT_CREDIT", "TERM_MONTHS", "AMT_GOODS_PRICE"}


@pytest.fixture(scope="module")
def settings(sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> ApiSettings:
    audit = tmp_path_factory.mktemp("audit") / "audit.sqlite"
    return ApiSettings(model_dir=sample_bundle, audit_db=audit, api_keys=f"tests:{KEY}")


@pytest.fixture(scope="module")
def service(settings: ApiSettings) -> Iterator[ServiceState]:
    loaded = load_service(settings)
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def client(settings: ApiSettings, service: ServiceState) -> Iterator[TestClient]:
    with TestClient(create_app(settings, service=service)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def store(sample_bundle: Path) -> pl.DataFrame:
    return pl.read_parquet(load_bundle(sample_bundle).clients_path).sort("SK_ID_CURR")


@pytest.fixture(scope="module")
def decisions(client: TestClient, store: pl.DataFrame) -> dict[int, dict]:
    """/v1/predict of the first 300 clients (training and test clients alike)."""
    ids = store["SK_ID_CURR"].to_list()[:300]
    found = {}
    for start in range(0, len(ids), 5):
        body = {"items": [{"client_id": i} for i in ids[start : start + 5]]}
        for item in client.post("/v1/predict", json=body, headers=HEADERS).json()["items"]:
            found[item["client_id"]] = item
    return found


def refused(decisions: dict[int, dict]) -> list[int]:
    return [i for i, p in decisions.items() if p["decision"] == "refuse"]


def raw(store: pl.DataFrame, client_id: int, field: str) -> float | None:
    return store.filter(pl.col("SK_ID_CURR") == client_id)[RAW_PREFIX + field][0]


# --------------------------------------------------------------------------- recourse


def test_every_recourse_option_is_granted_by_the_what_if_with_the_same_probability(
    client: TestClient, decisions: dict[int, dict]
) -> None:
    with_options = 0
    for client_id in refused(decisions)[:25]:
        result = client.post("/v1/recourse", json={"client_id": client_id}, headers=HEADERS)
        assert result.status_code == 200, result.text
        body = result.json()
        assert body["current"] == decisions[client_id]
        assert body["status"] in {"options", "none_within_bounds", "not_applicable"}
        assert len(body["options"]) <= 3
        if body["status"] == "options":
            with_options += 1
            assert body["options"]
        sizes = [o["change_size"] for o in body["options"]]
        assert sizes == sorted(sizes), "smallest change first"
        for option in body["options"]:
            # only the terms of the request: never income, age, external scores...
            assert set(option["changes"]) <= TERMS_OF_THE_REQUEST
            assert option["decision"] == "grant"
            assert option["probability"] < body["current"]["threshold"]
            what_if = client.post(
                "/v1/what-if",
                json={"client_id": client_id, "changes": option["changes"]},
                headers=HEADERS,
            ).json()
            assert what_if["after"]["probability"] == option["probability"]
            assert what_if["after"]["decision"] == "grant"
            assert what_if["after"]["model"] == body["current"]["model"]
            applied = {c["field"]: c["after"] for c in what_if["changes"]}
            assert applied["AMT_ANNUITY"] == option["annuity"]
    assert with_options, "no refused client of the sample had a recourse option"


def test_recourse_options_stay_within_the_clients_bounds(
    client: TestClient, store: pl.DataFrame, decisions: dict[int, dict]
) -> None:
    for client_id in refused(decisions)[:10]:
        body = client.post("/v1/recourse", json={"client_id": client_id}, headers=HEADERS).json()
        credit = raw(store, client_id, "AMT_CREDIT")
        goods = raw(store, client_id, "AMT_GOODS_PRICE")
        for option in body["options"]:
            assert 0.3 * credit <= option["credit_amount"] <= credit
            assert 6 <= option["term_months"] <= 60 and option["term_months"] == int(
                option["term_months"]
            )
            if "AMT_GOODS_PRICE" in option["changes"]:
                assert 0.3 * goods <= option["changes"]["AMT_GOODS_PRICE"] <= goods
        # kinds of change differ from one option to the next
        kinds = [frozenset(o["changes"]) for o in body["options"]]
        assert len(kinds) == len(set(kinds))


def test_recourse_of_a_granted_client_changes_nothing(
    client: TestClient, decisions: dict[int, dict]
) -> None:
    granted = next(i for i, p in decisions.items() if p["decision"] == "grant")
    body = client.post("/v1/recourse", json={"client_id": granted}, headers=HEADERS).json()
    assert body["status"] == "already_granted" and body["options"] == []
    assert "nothing needs to change" in body["message_en"]


def test_recourse_says_so_when_nothing_within_bounds_grants(
    service: ServiceState, decisions: dict[int, dict]
) -> None:
    """A threshold no probability can pass: every candidate is refused, and the answer says so
    instead of proposing something outside the bounds."""
    from api.recourse import recourse

    scorer = service.scorer
    client_id = refused(decisions)[0]
    kept = scorer.threshold
    scorer.threshold = 0.0
    try:
        result = recourse(scorer, client_id)
    finally:
        scorer.threshold = kept
    assert result.status == "none_within_bounds" and result.options == []
    assert result.searched > 100
    assert "not enough" in result.message_en and "ne suffit pas" in result.message_fr


def test_recourse_refuses_unknown_clients_and_bad_bodies(client: TestClient) -> None:
    assert client.post("/v1/recourse", json={"client_id": 1}, headers=HEADERS).status_code == 404
    for body in ({}, {"client_id": "100002"}, {"client_id": 100002, "changes": {}}):
        assert client.post("/v1/recourse", json=body, headers=HEADERS).status_code == 422
    assert client.post("/v1/recourse", json={"client_id": 100002}).status_code == 401


# --------------------------------------------------------------------------- what-if terms


def test_what_if_fields_are_bounded_relative_to_the_client(
    client: TestClient, store: pl.DataFrame
) -> None:
    client_id = store["SK_ID_CURR"][3]
    credit, annuity = raw(store, client_id, "AMT_CREDIT"), raw(store, client_id, "AMT_ANNUITY")
    body = client.get(f"/v1/what-if/fields?client_id={client_id}", headers=HEADERS).json()
    fields = {f["name"]: f for f in body["fields"]}
    assert set(fields) == {"AMT_CREDIT", "TERM_MONTHS", "AMT_ANNUITY", "AMT_GOODS_PRICE"}
    assert fields["AMT_CREDIT"]["minimum"] == math.ceil(0.3 * credit)
    assert fields["AMT_CREDIT"]["maximum"] == credit
    terms = LoanTerms.of_application(credit, annuity)
    assert fields["TERM_MONTHS"]["current"] == terms.term_months
    assert fields["TERM_MONTHS"]["step"] == 1
    assert (fields["TERM_MONTHS"]["minimum"], fields["TERM_MONTHS"]["maximum"]) == (6, 60)
    assert body["loan"]["monthly_rate"] == terms.monthly_rate
    # the inferred term and rate give back the instalment on file
    assert terms.instalment(credit, terms.term_months) == pytest.approx(annuity, rel=1e-9)


def test_lowering_the_amount_lowers_the_instalment_at_the_same_term(
    client: TestClient, store: pl.DataFrame
) -> None:
    """The bug of issue 11: a smaller credit kept its instalment, so the repayment ratio jumped
    and a smaller loan looked riskier. Now the instalment follows at the product's rate."""
    client_id = store["SK_ID_CURR"][4]
    credit, annuity = raw(store, client_id, "AMT_CREDIT"), raw(store, client_id, "AMT_ANNUITY")
    terms = LoanTerms.of_application(credit, annuity)
    smaller = float(math.ceil(0.5 * credit))
    body = client.post(
        "/v1/what-if",
        json={"client_id": client_id, "changes": {"AMT_CREDIT": smaller}},
        headers=HEADERS,
    ).json()
    applied = {c["field"]: c for c in body["changes"]}
    assert "TERM_MONTHS" not in applied  # the term is kept
    assert applied["AMT_ANNUITY"]["after"] == terms.instalment(smaller, terms.term_months)
    assert applied["AMT_ANNUITY"]["after"] / smaller == pytest.approx(annuity / credit, rel=1e-9)


def test_an_instalment_becomes_whole_months(client: TestClient, store: pl.DataFrame) -> None:
    client_id = store["SK_ID_CURR"][5]
    credit, annuity = raw(store, client_id, "AMT_CREDIT"), raw(store, client_id, "AMT_ANNUITY")
    terms = LoanTerms.of_application(credit, annuity)
    wanted = terms.instalment(credit, 36) * 1.01  # not exactly any term's instalment
    body = client.post(
        "/v1/what-if",
        json={"client_id": client_id, "changes": {"AMT_ANNUITY": wanted}},
        headers=HEADERS,
    ).json()
    applied = {c["field"]: c["after"] for c in body["changes"]}
    months = terms.term_for(credit, wanted)
    assert months == applied.get("TERM_MONTHS", terms.term_months) and months == int(months)
    assert applied["AMT_ANNUITY"] == terms.instalment(credit, months)


# --------------------------------------------------------------------------- explanations


def test_explanation_in_probability_points_adds_up_to_the_probability(
    client: TestClient, store: pl.DataFrame
) -> None:
    for client_id in store["SK_ID_CURR"].to_list()[:8]:
        body = client.post(
            "/v1/explain", json={"client_id": client_id, "max_features": 10}, headers=HEADERS
        ).json()
        points = [c["probability_points"] for c in body["contributions"]]
        total = sum(points) + body["other_points"]
        assert total == pytest.approx(body["probability"] - body["base_probability"], abs=1e-12)
        groups = sum(g["probability_points"] for g in body["groups"])
        assert groups == pytest.approx(total, abs=1e-12)
        for item in body["contributions"]:
            # the same factor for every bar: signs and proportions of the log-odds are kept
            assert item["probability_points"] == pytest.approx(
                item["contribution"] * body["points_per_log_odds"], abs=1e-15
            )
        assert body["points_per_log_odds"] > 0


# --------------------------------------------------------------------------- summary


@pytest.mark.parametrize("language", ["fr", "en"])
def test_html_summary_is_accessible_and_has_no_log_odds(
    client: TestClient, decisions: dict[int, dict], language: str
) -> None:
    client_id = refused(decisions)[0]
    response = client.get(
        f"/v1/clients/{client_id}/summary?lang={language}&format=html", headers=HEADERS
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert f'<html lang="{language}">' in page
    assert str(client_id) in page
    assert page.count("<h1>") == 1 and page.count("<h2") >= 5
    assert "log-odds" not in page.lower() and "logit" not in page.lower()
    words = {
        "fr": ("Ce qui changerait la décision", "réexamine", "contester", "seuil"),
        "en": ("What would change the decision", "review", "contest", "below"),
    }[language]
    for word in words:
        assert word in page
    # the probability and the threshold in the language's own writing
    prediction = decisions[client_id]
    shown = f"{prediction['probability'] * 100:.1f}"
    assert (shown.replace(".", ",") + "\u202f%" if language == "fr" else shown + "%") in page
    assert prediction["model_version"] in page


def test_summary_escapes_data_and_lists_the_client_card(
    client: TestClient, store: pl.DataFrame
) -> None:
    client_id = store["SK_ID_CURR"][0]
    page = client.get(f"/v1/clients/{client_id}/summary?lang=en", headers=HEADERS).text
    card = client.get(f"/v1/clients/{client_id}", headers=HEADERS).json()
    for field in card["fields"]:
        assert field["label_en"] in page
    assert not re.search(r"<(script|a |img|iframe)", page)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_pdf_summary_is_a_one_page_pdf(
    client: TestClient, decisions: dict[int, dict], language: str
) -> None:
    pytest.importorskip("weasyprint")
    client_id = refused(decisions)[0]
    response = client.get(
        f"/v1/clients/{client_id}/summary?lang={language}&format=pdf", headers=HEADERS
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="decision-{client_id}-{language}.pdf"'
    )
    assert response.content.startswith(b"%PDF-") and len(response.content) > 5_000
    # One A4 page: the PDF is WeasyPrint's layout of the HTML summary. Refused clients have the
    # longest documents (recourse options); with the first one only, a fifth of them overflowed.
    from weasyprint import HTML

    for other in refused(decisions)[:20]:
        page = client.get(f"/v1/clients/{other}/summary?lang={language}", headers=HEADERS).text
        assert len(HTML(string=page).render().pages) == 1, f"client {other} in {language}"


def test_summary_refuses_unknown_clients_languages_and_formats(client: TestClient) -> None:
    assert client.get("/v1/clients/1/summary", headers=HEADERS).status_code == 404
    for query in ("lang=de", "format=docx", "language=fr"):
        response = client.get(f"/v1/clients/100002/summary?{query}", headers=HEADERS)
        assert response.status_code == 422, query
    assert client.get("/v1/clients/100002/summary").status_code == 401
