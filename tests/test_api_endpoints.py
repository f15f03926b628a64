"""Every endpoint and error case, in process, against a real bundle trained on the real sample.

Expected values are recomputed independently of the API code: the boosters are loaded from the
bundle's model.txt (refit) and folds/fold-<k>.txt (cross-fitting models) and applied to the
client store's rows read with Polars; which one answers for a client comes from its FOLD column
(null: refit); IDs, raw fields and stored probabilities come straight from clients.parquet.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from api.dependencies import ServiceState
from shared.bundle import RAW_PREFIX, load_bundle
from shared.loan_terms import LoanTerms
from shared.settings import ApiSettings

KEY = "test-key-0123456789"
OTHER_KEY = "other-key-987654321"
HEADERS = {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def audit_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit") / "audit.sqlite"


@pytest.fixture(scope="module")
def settings(sample_bundle: Path, audit_db: Path) -> ApiSettings:
    return ApiSettings(
        model_dir=sample_bundle,
        audit_db=audit_db,
        api_keys=f"tests:{KEY},other:{OTHER_KEY}",
        max_batch=5,
        max_body_bytes=20_000,
    )


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
def booster(sample_bundle: Path) -> lgb.Booster:
    return lgb.Booster(model_file=str(load_bundle(sample_bundle).model_path))


@pytest.fixture(scope="module")
def boosters(sample_bundle: Path, booster: lgb.Booster) -> dict[str, lgb.Booster]:
    """Every model of the bundle by response name: "refit" and "fold-<k>"."""
    bundle = load_bundle(sample_bundle)
    found = {"refit": booster}
    for k, relative in enumerate(bundle.manifest.fold_models):
        found[f"fold-{k}"] = lgb.Booster(model_file=str(bundle.path(relative)))
    return found


def answering_model(store: pl.DataFrame, client_id: int) -> str:
    """The model that must answer for a client: its fold model when it has a FOLD, else refit."""
    fold = store.filter(pl.col("SK_ID_CURR") == client_id)["FOLD"][0]
    return "refit" if fold is None else f"fold-{fold}"


def features_of(store: pl.DataFrame, booster: lgb.Booster, client_ids: list[int]) -> np.ndarray:
    wanted = pl.DataFrame({"SK_ID_CURR": client_ids}).cast(
        {"SK_ID_CURR": store["SK_ID_CURR"].dtype}
    )
    rows = wanted.join(store, on="SK_ID_CURR", how="left", maintain_order="left")
    return rows.select(booster.feature_name()).to_numpy().astype(np.float64)


def expected_raw(boosters: dict[str, lgb.Booster], store: pl.DataFrame, client_id: int) -> float:
    booster = boosters[answering_model(store, client_id)]
    row = features_of(store, booster, [client_id])
    return float(booster.predict(row, raw_score=True)[0])


def train_ids(store: pl.DataFrame) -> list[int]:
    return store.filter(pl.col("TARGET").is_not_null())["SK_ID_CURR"].to_list()


def unlabelled_ids(store: pl.DataFrame) -> list[int]:
    return store.filter(pl.col("TARGET").is_null())["SK_ID_CURR"].to_list()


def ids(store: pl.DataFrame) -> list[int]:
    return store["SK_ID_CURR"].to_list()


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# --------------------------------------------------------------------------- health, auth, errors


def test_liveness_and_readiness_need_no_key(client: TestClient, service: ServiceState) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["model_version"] == service.scorer.manifest.version


def test_not_ready_until_a_bundle_is_loaded(settings: ApiSettings) -> None:
    with TestClient(create_app(settings, load=False)) as bare:
        assert bare.get("/health").status_code == 200
        assert_error(bare.get("/ready"), 503, "not_ready")
        assert_error(
            bare.post("/v1/predict", json={"client_id": 1}, headers=HEADERS), 503, "not_ready"
        )


def protected_routes(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/openapi.json").json()
    routes = []
    for path, operations in schema["paths"].items():
        if path in ("/health", "/ready"):
            continue
        for method in operations:
            concrete = path.replace("{client_id}", "100002").replace("{name}", "AMT_CREDIT")
            routes.append((method.upper(), concrete))
    return routes


def test_every_other_endpoint_requires_a_valid_key(client: TestClient) -> None:
    routes = protected_routes(client)
    assert len(routes) >= 11
    for method, path in routes:
        assert_error(client.request(method, path), 401, "unauthorized")
        wrong = client.request(method, path, headers={"X-API-Key": KEY + "x"})
        assert_error(wrong, 403, "forbidden")


def test_second_key_is_accepted_and_recorded_by_name(
    client: TestClient, store: pl.DataFrame, audit_db: Path
) -> None:
    client_id = ids(store)[3]
    response = client.post(
        "/v1/predict", json={"client_id": client_id}, headers={"X-API-Key": OTHER_KEY}
    )
    assert response.status_code == 200
    with sqlite3.connect(audit_db) as db:
        caller = db.execute("SELECT caller FROM served ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert caller == "other"


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/v2/nothing", headers=HEADERS), 404, "not_found")
    assert_error(client.get("/v1/predict", headers=HEADERS), 405, "method_not_allowed")


def test_unexpected_exception_is_a_500_without_details(
    settings: ApiSettings, service: ServiceState, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("secret internal detail")

    app = create_app(settings, service=service)
    with TestClient(app, raise_server_exceptions=False) as broken:
        monkeypatch.setattr(service.scorer, "rows_for_clients", explode)
        response = broken.post("/v1/predict", json={"client_id": 100002}, headers=HEADERS)
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert error["details"] == []


def test_logs_hold_neither_the_key_nor_client_ids(
    client: TestClient, store: pl.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    client_id = ids(store)[5]
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/predict", json={"client_id": client_id}, headers=HEADERS)
        client.get(f"/v1/clients/{client_id}", headers=HEADERS)
        client.get(f"/v1/clients/{client_id}", headers={"X-API-Key": "wrong-key-123456"})
    # what the server wrote (httpx, the test's own client, logs its URLs)
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "POST /v1/predict 200" in text and "caller=tests" in text
    assert KEY not in text and "wrong-key-123456" not in text
    assert str(client_id) not in text


def test_cors_is_closed_unless_configured(
    client: TestClient, settings: ApiSettings, service: ServiceState
) -> None:
    origin = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    assert (
        "access-control-allow-origin" not in client.options("/v1/predict", headers=origin).headers
    )
    opened = settings.model_copy(update={"cors_origins": "https://advisors.example"})
    with TestClient(create_app(opened, service=service)) as cors:
        allowed = {"Origin": "https://advisors.example", "Access-Control-Request-Method": "POST"}
        response = cors.options("/v1/predict", headers=allowed)
        assert response.headers["access-control-allow-origin"] == "https://advisors.example"
        refused = cors.options("/v1/predict", headers=origin)
        assert "access-control-allow-origin" not in refused.headers


# --------------------------------------------------------------------------- model and clients


def test_model_metadata(client: TestClient, sample_bundle: Path) -> None:
    manifest = load_bundle(sample_bundle).manifest
    body = client.get("/v1/model", headers=HEADERS).json()
    assert body["version"] == manifest.version
    assert body["threshold"] == manifest.threshold
    assert body["feature_count"] == len(manifest.features)
    assert body["costs"] == {"false_negative": 10.0, "false_positive": 1.0}
    assert body["metrics"]["model"]["roc_auc"] == manifest.metrics["model"].roc_auc
    assert len(body["cost_curve_thresholds"]) == len(body["cost_curve_costs"]) > 0
    # the honest protocol and its intervals, for the model page
    assert body["fold_models"] == len(manifest.fold_models) >= 2
    assert manifest.evaluation is not None
    assert body["evaluation"] == manifest.evaluation.model_dump(mode="json")
    assert set(body["metrics"]) == set(manifest.metrics)
    for name, stored in manifest.metrics.items():
        served = body["metrics"][name]
        assert served["roc_auc_ci"] == stored.roc_auc_ci.model_dump(mode="json")
        assert served["cost_ci"] == stored.cost_ci.model_dump(mode="json")
        counts = [served[k] for k in ("true_positives", "false_positives", "true_negatives")]
        assert sum(counts) + served["false_negatives"] == manifest.n_train
    model = body["metrics"]["model"]
    assert model["roc_auc_ci"]["low"] <= model["roc_auc"] <= model["roc_auc_ci"]["high"]


def test_prefix_search_matches_a_brute_force_scan(client: TestClient, store: pl.DataFrame) -> None:
    all_ids = ids(store)
    prefix = str(all_ids[len(all_ids) // 2])[:4]
    expected = sorted((i for i in all_ids if str(i).startswith(prefix)), key=str)
    first = client.get(f"/v1/clients?prefix={prefix}&limit=7", headers=HEADERS).json()
    assert first["total"] == len(expected)
    assert first["client_ids"] == expected[:7]
    second = client.get(f"/v1/clients?prefix={prefix}&limit=7&offset=7", headers=HEADERS).json()
    assert second["client_ids"] == expected[7:14]
    none = client.get("/v1/clients?prefix=999999999", headers=HEADERS).json()
    assert none == {"client_ids": [], "total": 0, "offset": 0, "limit": 20, "prefix": "999999999"}
    page = client.get("/v1/clients?limit=3&offset=2", headers=HEADERS).json()
    assert page["client_ids"] == all_ids[2:5] and page["total"] == len(all_ids)


def test_client_search_rejects_bad_parameters(client: TestClient) -> None:
    error = assert_error(
        client.get("/v1/clients?prefix=12a", headers=HEADERS), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "query.prefix"
    assert error["details"][0]["value"] == "12a"
    assert_error(client.get("/v1/clients?limit=0", headers=HEADERS), 422, "validation_error")


def test_client_card_is_read_from_the_raw_application(
    client: TestClient, store: pl.DataFrame
) -> None:
    row = store.row(10, named=True)
    body = client.get(f"/v1/clients/{row['SK_ID_CURR']}", headers=HEADERS).json()
    profile = body["profile"]
    assert profile["age_years"] == pytest.approx(-row[RAW_PREFIX + "DAYS_BIRTH"] / 365.25, abs=0.05)
    assert profile["credit_amount"] == row[RAW_PREFIX + "AMT_CREDIT"]
    assert profile["contract_type"] == row[RAW_PREFIX + "NAME_CONTRACT_TYPE"]
    # whole months: the shortest standard term the instalment fits (shared/loan_terms.py)
    credit, annuity = row[RAW_PREFIX + "AMT_CREDIT"], row[RAW_PREFIX + "AMT_ANNUITY"]
    assert profile["term_months"] == LoanTerms.of_application(credit, annuity).term_months
    assert profile["term_months"] >= credit / annuity
    by_name = {f["name"]: f for f in body["fields"]}
    assert (
        by_name["credit_amount"]["unit"] == "EUR" and "€" in by_name["credit_amount"]["display_fr"]
    )
    pensioner = store.filter(pl.col(RAW_PREFIX + "DAYS_EMPLOYED") == 365243)["SK_ID_CURR"][0]
    assert (
        client.get(f"/v1/clients/{pensioner}", headers=HEADERS).json()["profile"][
            "employment_years"
        ]
        is None
    )


def test_client_card_reads_categories_in_french(client: TestClient, store: pl.DataFrame) -> None:
    # Hand-written French for the commonest family statuses of the sample.
    french = {"Married": "Marié(e)", "Single / not married": "Célibataire", "Widow": "Veuf / veuve"}
    column = RAW_PREFIX + "NAME_FAMILY_STATUS"
    checked = 0
    for status, expected in french.items():
        found = store.filter(pl.col(column) == status)["SK_ID_CURR"]
        if found.is_empty():
            continue
        body = client.get(f"/v1/clients/{found[0]}", headers=HEADERS).json()
        field = {f["name"]: f for f in body["fields"]}["family_status"]
        assert (field["display_fr"], field["display_en"], field["value"]) == (
            expected,
            status,
            status,
        )
        assert body["profile"]["family_status"] == status
        checked += 1
    assert checked >= 2


#: Hand-written French of a few levels of application categoricals (the model keeps at least
#: one of these columns whatever features training prunes).
FRENCH_LEVELS = {
    "NAME_CONTRACT_TYPE": {
        "Cash loans": "Prêt en espèces",
        "Revolving loans": "Crédit renouvelable",
    },
    "NAME_INCOME_TYPE": {"Working": "Salarié(e)", "Pensioner": "Retraité(e)"},
    "OCCUPATION_TYPE": {"Laborers": "Ouvrier / ouvrière"},
}


def categorical_features(client: TestClient) -> list[str]:
    listed = client.get("/v1/features", headers=HEADERS).json()["features"]
    return [f["name"] for f in listed if f["categorical"]]


def test_categorical_distribution_carries_french_levels(
    client: TestClient, store: pl.DataFrame
) -> None:
    client_id = ids(store)[3]
    names = [n for n in categorical_features(client) if n in FRENCH_LEVELS]
    assert names, "no application categorical with hand-written French is a model feature"
    checked = 0
    for name in names:
        body = client.get(
            f"/v1/features/{name}/distribution?client_id={client_id}", headers=HEADERS
        ).json()
        french = dict(zip(body["categories"], body["categories_fr"], strict=True))
        for level, expected in FRENCH_LEVELS[name].items():
            if level in french:
                assert french[level] == expected
                checked += 1
        if body["client_value"] is not None:
            assert body["client_display_fr"] == body["categories_fr"][int(body["client_value"])]
    assert checked >= 1


def test_unknown_client_is_404(client: TestClient) -> None:
    error = assert_error(client.get("/v1/clients/1", headers=HEADERS), 404, "not_found")
    assert error["details"][0]["value"] == 1
    assert_error(
        client.post("/v1/predict", json={"client_id": 1}, headers=HEADERS), 404, "not_found"
    )
    assert_error(client.get("/v1/clients/-5", headers=HEADERS), 422, "validation_error")


# --------------------------------------------------------------------------- predict


def test_predict_by_id_matches_the_model_that_answers(
    client: TestClient,
    store: pl.DataFrame,
    boosters: dict[str, lgb.Booster],
    sample_bundle: Path,
) -> None:
    manifest = load_bundle(sample_bundle).manifest
    trained, unlabelled = train_ids(store), unlabelled_ids(store)
    chosen = trained[:: len(trained) // 10] + unlabelled[:: len(unlabelled) // 5]
    assert len(manifest.fold_models) >= 2 and len(chosen) >= 10
    for client_id in chosen:
        body = client.post("/v1/predict", json={"client_id": client_id}, headers=HEADERS).json()
        raw = expected_raw(boosters, store, client_id)
        probability = float(manifest.calibration.apply(1 / (1 + math.exp(-raw))))
        assert body["model"] == answering_model(store, client_id)
        assert body["probability"] == pytest.approx(probability, rel=1e-9)
        assert body["decision"] == ("refuse" if probability >= manifest.threshold else "grant")
        assert body["distance"] == pytest.approx(probability - manifest.threshold)
        assert body["model_version"] == manifest.version
        assert body["client_id"] == client_id and body["payload_sha256"] is None


def test_every_training_client_is_answered_by_the_fold_model_that_never_saw_it(
    store: pl.DataFrame, sample_bundle: Path
) -> None:
    """The folds partition the training clients and each fold model was trained without its
    fold: the stored out-of-fold probability is that model's (checked on every client below)."""
    manifest = load_bundle(sample_bundle).manifest
    folds = store["FOLD"]
    trained = store["TARGET"].is_not_null()
    assert folds.filter(~trained).null_count() == int((~trained).sum())
    assert sorted(folds.filter(trained).unique().to_list()) == list(
        range(len(manifest.fold_models))
    )


def _stored(store: pl.DataFrame, client_ids: list[int], column: str) -> np.ndarray:
    wanted = pl.DataFrame({"SK_ID_CURR": client_ids}).cast(
        {"SK_ID_CURR": store["SK_ID_CURR"].dtype}
    )
    rows = wanted.join(store, on="SK_ID_CURR", how="left", maintain_order="left")
    return rows[column].to_numpy()


def test_served_probabilities_of_all_training_clients_are_the_stored_out_of_fold_ones(
    settings: ApiSettings,
    service: ServiceState,
    client: TestClient,
    store: pl.DataFrame,
    boosters: dict[str, lgb.Booster],
) -> None:
    """Tolerance: none. Training stores calibration(1 / (1 + exp(-raw))) in float64, raw being
    the fold model's score of the very float32 features the store holds, and the API computes the
    same expression from the same model text and features, so the numbers are equal to the last
    bit (JSON carries a float64 exactly). The AUC of the served scores is then the AUC of the
    stored out-of-fold ones, within 0.005 of the cross-validated AUC of the fold models."""
    from sklearn.metrics import roc_auc_score

    chosen = train_ids(store)
    served: list[float] = []
    models: list[str] = []
    wide = settings.model_copy(update={"max_batch": 1_000, "max_body_bytes": 1_000_000})
    with TestClient(create_app(wide, service=service)) as batch_client:
        for start in range(0, len(chosen), 1_000):
            items = [{"client_id": i} for i in chosen[start : start + 1_000]]
            response = batch_client.post("/v1/predict", json={"items": items}, headers=HEADERS)
            assert response.status_code == 200, response.text
            for item in response.json()["items"]:
                served.append(item["probability"])
                models.append(item["model"])
    served_array = np.asarray(served)
    stored = _stored(store, chosen, "PROBABILITY")
    folds = _stored(store, chosen, "FOLD")
    assert len(served_array) == len(chosen) >= 1_000
    assert models == [f"fold-{k}" for k in folds.tolist()]
    np.testing.assert_array_equal(served_array, stored)
    # one at a time (the single-row fast path) gives the same bits
    for k in range(0, len(chosen), max(1, len(chosen) // 300)):
        one = client.post("/v1/predict", json={"client_id": chosen[k]}, headers=HEADERS).json()
        assert one["probability"] == stored[k], chosen[k]

    # the cross-validated AUC: each fold model's raw scores on the fold it never saw, pooled
    raw = np.empty(len(chosen))
    for fold in np.unique(folds).tolist():
        booster = boosters[f"fold-{fold}"]
        members = [i for i, f in zip(chosen, folds.tolist(), strict=True) if f == fold]
        raw[folds == fold] = booster.predict(features_of(store, booster, members), raw_score=True)
    target = _stored(store, chosen, "TARGET")
    served_auc = roc_auc_score(target, served_array)
    assert served_auc == pytest.approx(roc_auc_score(target, raw), abs=0.005)


def test_single_and_batch_predictions_agree_for_training_and_test_clients(
    client: TestClient, store: pl.DataFrame
) -> None:
    chosen = train_ids(store)[5:8] + unlabelled_ids(store)[5:7]
    batch = client.post(
        "/v1/predict", json={"items": [{"client_id": i} for i in chosen]}, headers=HEADERS
    ).json()["items"]
    singles = [
        client.post("/v1/predict", json={"client_id": i}, headers=HEADERS).json() for i in chosen
    ]
    assert batch == singles
    assert [b["model"] for b in batch][3:] == ["refit", "refit"]
    assert all(b["model"].startswith("fold-") for b in batch[:3])


def test_batch_predict_keeps_order_and_limit(client: TestClient, store: pl.DataFrame) -> None:
    chosen = ids(store)[20:25]
    body = client.post(
        "/v1/predict", json={"items": [{"client_id": i} for i in chosen]}, headers=HEADERS
    ).json()
    assert [item["client_id"] for item in body["items"]] == chosen
    single = client.post("/v1/predict", json={"client_id": chosen[2]}, headers=HEADERS).json()
    assert body["items"][2]["probability"] == single["probability"]
    too_many = {"items": [{"client_id": i} for i in ids(store)[:6]]}
    error = assert_error(
        client.post("/v1/predict", json=too_many, headers=HEADERS), 413, "payload_too_large"
    )
    assert error["details"][0]["value"] == 6


def test_oversized_body_is_413(client: TestClient) -> None:
    body = json.dumps({"applicant": {"application": {"NAME_TYPE_SUITE": "x" * 30_000}}})
    response = client.post(
        "/v1/predict", content=body, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")


def test_invalid_bodies_name_the_field(client: TestClient) -> None:
    error = assert_error(
        client.post("/v1/predict", json={"client_id": "abc"}, headers=HEADERS),
        422,
        "validation_error",
    )
    assert error["details"][0]["field"] == "client_id" and error["details"][0]["value"] == "abc"
    assert_error(client.post("/v1/predict", json={}, headers=HEADERS), 422, "validation_error")
    both = {"client_id": 100002, "applicant": {"application": {}}}
    assert_error(client.post("/v1/predict", json=both, headers=HEADERS), 422, "validation_error")
    garbage = client.post(
        "/v1/predict", content=b"{not json", headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert_error(garbage, 422, "validation_error")


def _client_without_side_rows(sample_data: Path, store: pl.DataFrame) -> int:
    linked: set[int] = set()
    for table in (
        "bureau",
        "previous_application",
        "POS_CASH_balance",
        "installments_payments",
        "credit_card_balance",
    ):
        frame = pl.read_csv(sample_data / f"{table}.csv", columns=["SK_ID_CURR"])
        linked |= set(frame["SK_ID_CURR"].to_list())
    return next(i for i in ids(store) if i not in linked)


def test_json_applicant_is_scored_by_the_refit_model(
    client: TestClient,
    store: pl.DataFrame,
    sample_data: Path,
    booster: lgb.Booster,
    sample_bundle: Path,
) -> None:
    calibration = load_bundle(sample_bundle).manifest.calibration
    client_id = _client_without_side_rows(sample_data, store)
    row = store.filter(pl.col("SK_ID_CURR") == client_id).row(0, named=True)
    application = {k[len(RAW_PREFIX) :]: v for k, v in row.items() if k.startswith(RAW_PREFIX)}
    application["SK_ID_CURR"] = client_id
    by_json = client.post(
        "/v1/predict", json={"applicant": {"application": application}}, headers=HEADERS
    ).json()
    # Nobody's outcome is known for a JSON applicant: the refit model answers, even when the
    # same person is a training client (then answered by a fold model when asked by ID).
    assert by_json["model"] == "refit"
    refit_raw = float(booster.predict(features_of(store, booster, [client_id]), raw_score=True)[0])
    expected = float(calibration.apply(1 / (1 + math.exp(-refit_raw))))
    # Same float32 features as the stored row, so the same tree path: equal up to rounding.
    assert by_json["probability"] == pytest.approx(expected, rel=1e-9)
    assert by_json["client_id"] is None and len(by_json["payload_sha256"]) == 64
    mixed = client.post(
        "/v1/predict",
        json={"items": [{"applicant": {"application": application}}, {"client_id": client_id}]},
        headers=HEADERS,
    ).json()
    assert mixed["items"][0]["payload_sha256"] == by_json["payload_sha256"]
    assert mixed["items"][0]["probability"] == by_json["probability"]
    assert [i["model"] for i in mixed["items"]] == ["refit", answering_model(store, client_id)]


def test_json_applicant_errors_name_the_field(client: TestClient) -> None:
    unknown = {"applicant": {"application": {"AMT_CREDIT": 1000.0, "FAVOURITE_COLOUR": "blue"}}}
    error = assert_error(
        client.post("/v1/predict", json=unknown, headers=HEADERS), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "applicant.application.FAVOURITE_COLOUR"
    wrong_type = {"applicant": {"application": {"CNT_CHILDREN": "two"}}}
    error = assert_error(
        client.post("/v1/predict", json=wrong_type, headers=HEADERS), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "applicant.application.CNT_CHILDREN"
    assert error["details"][0]["value"] == "two"
    assert "integer" in error["details"][0]["expected"]
    orphan = {"applicant": {"application": {}, "bureau_balance": [{"MONTHS_BALANCE": -1}]}}
    response = client.post("/v1/predict", json=orphan, headers=HEADERS)
    assert response.status_code in (200, 422), response.text


# --------------------------------------------------------------------------- explain


def test_shap_contributions_add_up_to_the_raw_output_of_the_model_that_answered(
    client: TestClient, store: pl.DataFrame, boosters: dict[str, lgb.Booster]
) -> None:
    chosen = train_ids(store)[1:400:80] + unlabelled_ids(store)[1:200:80]
    seen = set()
    for client_id in chosen:
        body = client.post(
            "/v1/explain", json={"client_id": client_id, "max_features": None}, headers=HEADERS
        ).json()
        model = answering_model(store, client_id)
        seen.add("refit" if model == "refit" else "fold")
        assert body["model"] == model
        booster = boosters[model]
        expected = booster.predict(features_of(store, booster, [client_id]), pred_contrib=True)[0]
        raw = expected_raw(boosters, store, client_id)
        # the base value is the answering model's own expected output, not the refit model's
        assert body["base_value"] == pytest.approx(expected[-1], abs=1e-12)
        total = body["base_value"] + sum(c["contribution"] for c in body["contributions"])
        assert total == pytest.approx(raw, abs=1e-6)
        assert body["raw_output"] == pytest.approx(raw, abs=1e-6)
        assert body["other_contribution"] == pytest.approx(0, abs=1e-9)
        groups = sum(g["contribution"] for g in body["groups"])
        assert groups == pytest.approx(raw - body["base_value"], abs=1e-6)
        predicted = client.post("/v1/predict", json={"client_id": client_id}, headers=HEADERS)
        assert body["probability"] == predicted.json()["probability"]
    assert seen == {"refit", "fold"}


def test_batch_explain_equals_each_single_explain(client: TestClient, store: pl.DataFrame) -> None:
    chosen = train_ids(store)[10:13] + unlabelled_ids(store)[10:12]
    batch = client.post(
        "/v1/explain",
        json={"items": [{"client_id": i} for i in chosen], "max_features": 10},
        headers=HEADERS,
    ).json()["items"]
    singles = [
        client.post(
            "/v1/explain", json={"client_id": i, "max_features": 10}, headers=HEADERS
        ).json()
        for i in chosen
    ]
    assert [b["client_id"] for b in batch] == chosen
    for one, many in zip(singles, batch, strict=True):
        assert many["model"] == one["model"]
        assert many["probability"] == pytest.approx(one["probability"], rel=1e-12)
        assert many["base_value"] == pytest.approx(one["base_value"], abs=1e-12)
        assert [c["name"] for c in many["contributions"]] == [
            c["name"] for c in one["contributions"]
        ]
        np.testing.assert_allclose(
            [c["contribution"] for c in many["contributions"]],
            [c["contribution"] for c in one["contributions"]],
            atol=1e-12,
        )


def test_explain_lists_top_contributions_and_reasons(
    client: TestClient, store: pl.DataFrame
) -> None:
    client_id = ids(store)[7]
    full = client.post(
        "/v1/explain", json={"client_id": client_id, "max_features": None}, headers=HEADERS
    ).json()
    short = client.post(
        "/v1/explain", json={"client_id": client_id, "max_features": 5}, headers=HEADERS
    ).json()
    magnitudes = [abs(c["contribution"]) for c in short["contributions"]]
    assert len(magnitudes) == 5 and magnitudes == sorted(magnitudes, reverse=True)
    rest = sum(c["contribution"] for c in full["contributions"][5:])
    assert short["other_contribution"] == pytest.approx(rest, abs=1e-9)
    reasons = short["reasons"]
    assert 0 < len(reasons["raises"]) + len(reasons["lowers"]) <= 8
    assert all(r["contribution"] > 0 for r in reasons["raises"])
    assert all(r["contribution"] < 0 for r in reasons["lowers"])
    ups = [r["contribution"] for r in reasons["raises"]]
    assert ups == sorted(ups, reverse=True)
    positives = sorted(
        (c["contribution"] for c in full["contributions"] if c["contribution"] > 0), reverse=True
    )
    assert ups == pytest.approx(positives[: len(ups)])
    for reason in reasons["raises"] + reasons["lowers"]:
        assert reason["sentence_en"].startswith(("Your ", reason["label_en"] + ": "))
        assert " %" not in reason["sentence_en"]  # English writes 80%, not the French 80 %
        assert reason["sentence_fr"].startswith(reason["label_fr"])
        if reason["value"] is not None:
            assert reason["display_en"] in reason["sentence_en"]
            assert reason["display_fr"] in reason["sentence_fr"]


def test_predictions_and_explanations_are_in_the_audit_trail(
    client: TestClient, store: pl.DataFrame, audit_db: Path
) -> None:
    def count() -> int:
        with sqlite3.connect(audit_db) as db:
            return db.execute("SELECT count(*) FROM served").fetchone()[0]

    before = count()
    chosen = ids(store)[30:33]
    client.post("/v1/predict", json={"items": [{"client_id": i} for i in chosen]}, headers=HEADERS)
    explained = client.post("/v1/explain", json={"client_id": chosen[0]}, headers=HEADERS).json()
    assert count() == before + 4
    lines = client.get("/v1/audit?format=jsonl", headers=HEADERS).text.strip().splitlines()
    last = json.loads(lines[-1])
    assert last["endpoint"] == "explain" and last["client_id"] == chosen[0]
    assert last["probability"] == explained["probability"] and last["caller"] == "tests"
    csv_text = client.get("/v1/audit?format=csv&limit=2", headers=HEADERS).text.splitlines()
    assert csv_text[0].startswith("id,time,endpoint") and len(csv_text) == 3
    assert_error(client.get("/v1/audit?format=xml", headers=HEADERS), 422, "validation_error")


def test_metrics_count_requests_and_decisions(client: TestClient, store: pl.DataFrame) -> None:
    client.post("/v1/predict", json={"client_id": ids(store)[0]}, headers=HEADERS)
    text = client.get("/metrics", headers=HEADERS).text
    assert 'scoring_http_requests_total{method="POST",route="/v1/predict",status="200"}' in text
    assert 'scoring_decisions_total{decision="' in text
    assert "scoring_http_request_duration_seconds_bucket" in text


# --------------------------------------------------------------------------- features


def test_feature_list_is_ranked_by_importance(client: TestClient, service: ServiceState) -> None:
    body = client.get("/v1/features", headers=HEADERS).json()
    features = body["features"]
    assert len(features) == len(service.scorer.feature_names)
    importance = [f["importance"] for f in features]
    assert importance == sorted(importance, reverse=True)
    assert [f["rank"] for f in features] == list(range(1, len(features) + 1))
    assert all(f["label_fr"] and f["label_en"] for f in features)
    assert body["groups"]


def test_distribution_partitions_each_population(
    client: TestClient, store: pl.DataFrame, service: ServiceState
) -> None:
    client_id = ids(store)[12]
    reference = service.scorer.reference
    names = [f["name"] for f in client.get("/v1/features", headers=HEADERS).json()["features"][:3]]
    names.append(categorical_features(client)[0])
    for name in names:
        body = client.get(
            f"/v1/features/{name}/distribution?client_id={client_id}", headers=HEADERS
        ).json()
        assert sum(body["all"]) + body["missing_all"] == reference.n_all
        assert sum(body["defaulted"]) + body["missing_defaulted"] == reference.n_defaulted
        assert sum(body["similar"]) + body["missing_similar"] == body["similar_group"]["size"]
        assert body["similar_group"]["size"] >= 1
        if body["categorical"]:
            assert len(body["categories"]) == len(body["all"])
        else:
            assert len(body["bin_edges"]) == len(body["all"]) + 1
        stored = store.filter(pl.col("SK_ID_CURR") == client_id)[name][0]
        if stored is None or math.isnan(stored):
            assert body["client_value"] is None
        else:
            assert body["client_value"] == pytest.approx(stored)
    assert_error(client.get("/v1/features/NOPE/distribution", headers=HEADERS), 404, "not_found")


def test_similar_clients_share_age_income_and_contract(
    client: TestClient, store: pl.DataFrame
) -> None:
    row = store.row(40, named=True)
    any_feature = client.get("/v1/features", headers=HEADERS).json()["features"][0]["name"]
    body = client.get(
        f"/v1/features/{any_feature}/distribution?client_id={row['SK_ID_CURR']}", headers=HEADERS
    ).json()
    group = body["similar_group"]
    assert group["contract_type"] == row[RAW_PREFIX + "NAME_CONTRACT_TYPE"]
    age = -store[RAW_PREFIX + "DAYS_BIRTH"] / 365.25
    income = store[RAW_PREFIX + "AMT_INCOME_TOTAL"]
    bands = [25, 35, 45, 55, 65]
    income_bands = [100_000, 150_000, 200_000, 300_000]
    mine_age = np.digitize(-row[RAW_PREFIX + "DAYS_BIRTH"] / 365.25, bands)
    mine_income = np.digitize(row[RAW_PREFIX + "AMT_INCOME_TOTAL"], income_bands)
    same = (
        (np.digitize(age.to_numpy(), bands) == mine_age)
        & (np.digitize(income.to_numpy(), income_bands) == mine_income)
        & (
            store[RAW_PREFIX + "NAME_CONTRACT_TYPE"] == row[RAW_PREFIX + "NAME_CONTRACT_TYPE"]
        ).to_numpy()
    )
    assert group["size"] == int(same.sum())


def test_bivariate_sample_and_client_point(
    client: TestClient, store: pl.DataFrame, service: ServiceState
) -> None:
    listed = client.get("/v1/features", headers=HEADERS).json()["features"]
    x, y = [f["name"] for f in listed if not f["categorical"]][:2]
    known = store.filter(pl.col(x).is_not_nan() & pl.col(y).is_not_nan())
    client_id = known["SK_ID_CURR"][3]
    body = client.get(
        f"/v1/features/bivariate?x={x}&y={y}&client_id={client_id}", headers=HEADERS
    ).json()
    n = body["sample_size"]
    assert n == min(2000, len(store)) and body["population_size"] == len(store)
    assert len(body["x"]) == len(body["y"]) == len(body["outcome"]) == len(body["probability"]) == n
    assert set(body["outcome"]) <= {0, 1, None}
    row = store.filter(pl.col("SK_ID_CURR") == client_id)
    assert body["client"]["x"] == pytest.approx(row[x][0])
    assert body["client"]["y"] == pytest.approx(row[y][0])
    predicted = client.post("/v1/predict", json={"client_id": client_id}, headers=HEADERS).json()
    assert body["client"]["probability"] == predicted["probability"]
    # The population's probabilities are the stored honest ones (out-of-fold for training
    # clients), never a re-scoring by the refit model.
    sampled_ids = service.scorer.store.ids[service.population.sample_rows].tolist()
    assert body["probability"] == _stored(store, sampled_ids, "PROBABILITY").tolist()
    again = client.get(f"/v1/features/bivariate?x={x}&y={y}", headers=HEADERS).json()
    assert again["x"] == body["x"] and again["client"] is None  # a fixed, reproducible sample
    assert_error(
        client.get(f"/v1/features/bivariate?x={x}&y=NOPE", headers=HEADERS), 404, "not_found"
    )


# --------------------------------------------------------------------------- what-if


def test_what_if_without_real_change_keeps_the_prediction(
    client: TestClient, store: pl.DataFrame
) -> None:
    for client_id in train_ids(store)[15:18] + unlabelled_ids(store)[15:17]:
        row = store.filter(pl.col("SK_ID_CURR") == client_id).row(0, named=True)
        same = {"AMT_CREDIT": row[RAW_PREFIX + "AMT_CREDIT"]}
        body = client.post(
            "/v1/what-if", json={"client_id": client_id, "changes": same}, headers=HEADERS
        ).json()
        # the application features recomputed online, through float32 as training stored
        # them, are the stored ones: same row, same model, same probability
        assert body["after"]["probability"] == body["before"]["probability"]
        assert body["after"]["model"] == body["before"]["model"]
        assert body["decision_changed"] is False


def test_what_if_changes_the_score_and_reports_reasons(
    client: TestClient, store: pl.DataFrame
) -> None:
    client_id = train_ids(store)[16]
    row = store.filter(pl.col("SK_ID_CURR") == client_id).row(0, named=True)
    credit = row[RAW_PREFIX + "AMT_CREDIT"]
    changes = {"AMT_CREDIT": round(credit * 0.6), "TERM_MONTHS": 12}
    body = client.post(
        "/v1/what-if", json={"client_id": client_id, "changes": changes}, headers=HEADERS
    ).json()
    before = client.post("/v1/predict", json={"client_id": client_id}, headers=HEADERS).json()
    # before is exactly /v1/predict, and after comes from the same (fold) model
    assert body["before"] == before
    assert body["before"]["model"] == body["after"]["model"] == answering_model(store, client_id)
    assert body["before"]["model"].startswith("fold-")
    assert body["after"]["probability"] != body["before"]["probability"]
    assert body["probability_change"] == pytest.approx(
        body["after"]["probability"] - body["before"]["probability"]
    )
    applied = {c["field"]: c for c in body["changes"]}
    assert applied["AMT_CREDIT"]["after"] == round(credit * 0.6)
    # the instalment of 12 months at the client's product rate (shared/loan_terms.py)
    terms = LoanTerms.of_application(credit, row[RAW_PREFIX + "AMT_ANNUITY"])
    assert applied["AMT_ANNUITY"]["after"] == terms.instalment(round(credit * 0.6), 12)
    statuses = {c["status"] for c in body["reason_changes"]}
    assert statuses <= {"new", "gone", "kept"} and body["reason_changes"]


def test_what_if_of_a_test_client_uses_the_refit_model(
    client: TestClient, store: pl.DataFrame
) -> None:
    client_id = unlabelled_ids(store)[3]
    body = client.post(
        "/v1/what-if",
        json={"client_id": client_id, "changes": {"TERM_MONTHS": 60}},
        headers=HEADERS,
    ).json()
    before = client.post("/v1/predict", json={"client_id": client_id}, headers=HEADERS).json()
    assert body["before"] == before
    assert body["before"]["model"] == body["after"]["model"] == "refit"


def test_what_if_refusals(client: TestClient, store: pl.DataFrame) -> None:
    client_id = ids(store)[0]
    identity = {"client_id": client_id, "changes": {"DAYS_BIRTH": -9000}}
    error = assert_error(
        client.post("/v1/what-if", json=identity, headers=HEADERS), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "changes.DAYS_BIRTH"
    credit = store.row(0, named=True)[RAW_PREFIX + "AMT_CREDIT"]
    more = {"client_id": client_id, "changes": {"AMT_CREDIT": credit + 1}}
    error = assert_error(
        client.post("/v1/what-if", json=more, headers=HEADERS), 422, "validation_error"
    )
    # client-relative bounds: never more than requested
    assert error["details"][0]["value"] == credit + 1
    assert error["details"][0]["expected"].endswith(f"<= {credit:.0f}")
    unknown = {"client_id": 1, "changes": {"AMT_CREDIT": 1000}}
    assert_error(client.post("/v1/what-if", json=unknown, headers=HEADERS), 404, "not_found")
    fields = client.get(f"/v1/what-if/fields?client_id={client_id}", headers=HEADERS).json()
    names = [f["name"] for f in fields["fields"]]
    assert "AMT_CREDIT" in names and "TERM_MONTHS" in names
    credit = next(f for f in fields["fields"] if f["name"] == "AMT_CREDIT")
    assert credit["current"] == store.row(0, named=True)[RAW_PREFIX + "AMT_CREDIT"]


def test_fast_single_row_path_equals_booster_predict(
    service: ServiceState, store: pl.DataFrame, boosters: dict[str, lgb.Booster]
) -> None:
    models = {m.name: m for m in service.scorer.models}
    assert set(models) == set(boosters)
    for name in ("refit", "fold-0"):
        fast, booster = models[name].fast, boosters[name]
        assert fast is not None, "the LightGBM fast single-row API should be available"
        rows = store.select(booster.feature_name()).head(60).to_numpy().astype(np.float64)
        raw = booster.predict(rows, raw_score=True)
        contributions = booster.predict(rows, pred_contrib=True)
        for k, row in enumerate(rows):
            assert fast.raw(row) == pytest.approx(raw[k], abs=1e-12)
            np.testing.assert_allclose(fast.contributions(row), contributions[k], atol=1e-12)
        with pytest.raises(ValueError):
            fast.raw(rows[0][:-1])
