"""The API client: typed answers, the key sent, and every failure turned into a typed ApiError."""

from __future__ import annotations

import json
import socket

import pytest
import requests
import responses
from dashboard_payloads import API, CLIENT, KEY, explanation, prediction

from dashboard.api_client import ApiClient, ApiError, ApiErrorKind


@pytest.fixture
def mocked() -> responses.RequestsMock:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def client() -> ApiClient:
    return ApiClient(API, KEY, timeout=2)


def test_predict_parses_the_contract_and_sends_the_key(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{API}/v1/predict", json=prediction(0.3))
    result = client().predict(CLIENT)
    assert result.probability == 0.3 and result.decision == "refuse"
    sent = mocked.calls[0].request
    assert sent.headers["X-API-Key"] == KEY
    assert json.loads(sent.body) == {"client_id": CLIENT}


def test_explain_asks_for_a_bounded_number_of_features(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{API}/v1/explain", json=explanation())
    client().explain(CLIENT, max_features=12)
    assert json.loads(mocked.calls[0].request.body) == {"client_id": CLIENT, "max_features": 12}


def test_search_passes_prefix_and_limit(mocked: responses.RequestsMock) -> None:
    mocked.get(
        f"{API}/v1/clients",
        json={
            "client_ids": [100002, 100003],
            "total": 2,
            "offset": 0,
            "limit": 20,
            "prefix": "1000",
        },
    )
    page = client().search_clients("1000", 20)
    assert page.client_ids == [100002, 100003]
    assert (
        "prefix=1000" in mocked.calls[0].request.url and "limit=20" in mocked.calls[0].request.url
    )


def test_feature_names_are_escaped_in_the_path(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/v1/features/A%2FB/distribution", status=404, json={})
    with pytest.raises(ApiError):
        client().distribution("A/B", CLIENT)
    assert "/v1/features/A%2FB/distribution" in mocked.calls[0].request.url


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, ApiErrorKind.UNAUTHORIZED),
        (403, ApiErrorKind.UNAUTHORIZED),
        (404, ApiErrorKind.NOT_FOUND),
        (413, ApiErrorKind.INVALID),
        (422, ApiErrorKind.INVALID),
        (500, ApiErrorKind.SERVER),
        (502, ApiErrorKind.SERVER),
        (503, ApiErrorKind.NOT_READY),
    ],
)
def test_http_errors_become_typed_errors(
    mocked: responses.RequestsMock, status: int, kind: ApiErrorKind
) -> None:
    mocked.post(f"{API}/v1/predict", status=status, body="Traceback (most recent call last): boom")
    with pytest.raises(ApiError) as caught:
        client().predict(CLIENT)
    assert caught.value.kind is kind
    assert caught.value.status == status
    assert "Traceback" not in caught.value.detail


def test_validation_details_are_kept_for_the_advisor(mocked: responses.RequestsMock) -> None:
    body = {
        "error": {
            "code": "validation_error",
            "message": "invalid change",
            "details": [
                {
                    "field": "AMT_CREDIT",
                    "value": -5,
                    "expected": "0 < value <= 10000000",
                    "message": "out of range",
                }
            ],
        }
    }
    mocked.post(f"{API}/v1/what-if", status=422, json=body)
    with pytest.raises(ApiError) as caught:
        client().what_if(CLIENT, {"AMT_CREDIT": -5})
    assert caught.value.kind is ApiErrorKind.INVALID
    assert "AMT_CREDIT" in caught.value.detail and "0 < value <= 10000000" in caught.value.detail


def test_timeout(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{API}/v1/predict", body=requests.ReadTimeout("slow"))
    with pytest.raises(ApiError) as caught:
        client().predict(CLIENT)
    assert caught.value.kind is ApiErrorKind.TIMEOUT and caught.value.api_is_down


def test_unparseable_or_off_contract_answers(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{API}/v1/predict", body="<html>proxy error page</html>", status=200)
    with pytest.raises(ApiError) as caught:
        client().predict(CLIENT)
    assert caught.value.kind is ApiErrorKind.BAD_RESPONSE
    mocked.replace(responses.POST, f"{API}/v1/predict", json={"probability": "high"})
    with pytest.raises(ApiError) as caught:
        client().predict(CLIENT)
    assert caught.value.kind is ApiErrorKind.BAD_RESPONSE


def test_api_down_is_unreachable() -> None:
    """A real closed port on this machine (no mock): connection refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = ApiClient(f"http://127.0.0.1:{port}", KEY, timeout=2)
    with pytest.raises(ApiError) as caught:
        api.ready()
    assert caught.value.kind is ApiErrorKind.UNREACHABLE and caught.value.api_is_down


def test_no_key_sends_no_header(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/ready", json={"status": "ready", "model_version": "v"})
    ApiClient(API, "").ready()
    assert "X-API-Key" not in mocked.calls[0].request.headers
