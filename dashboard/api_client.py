"""The dashboard's only way to the model: HTTP calls to the scoring API, typed both ways.

The dashboard never loads the model: it asks the API and parses the answers with the same
pydantic models the API renders (shared.contract), so a contract change breaks a test here rather
than a chart in front of a client. Every failure - API down, slow, refusing the key, answering an
error or something unparseable - becomes one `ApiError` whose `kind` the interface turns into a
translated sentence; no exception text or traceback ever reaches the page.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from shared.contract import (
    Bivariate,
    ClientIdPage,
    ClientInfo,
    ErrorResponse,
    Explanation,
    FeatureDistribution,
    FeatureList,
    ModelInfo,
    Prediction,
    Readiness,
    RecourseResult,
    WhatIfFields,
    WhatIfResult,
)
from shared.drift import DriftHistory, DriftReport
from shared.governance import DecisionRecord, DecisionSummary, FairnessReport, ReasonCodes

ModelT = TypeVar("ModelT", bound=BaseModel)


class ApiErrorKind(StrEnum):
    """What went wrong, as the advisor needs to know it (each has a translated sentence)."""

    UNREACHABLE = "unreachable"  # connection refused, DNS, reset: the API is down
    TIMEOUT = "timeout"  # no answer within the configured timeout
    UNAUTHORIZED = "unauthorized"  # 401/403: the dashboard's key is missing or refused
    NOT_FOUND = "not_found"  # 404: unknown client or feature
    INVALID = "invalid"  # 422/400/413: the request was refused, `detail` says why
    NOT_READY = "not_ready"  # 503: the API is up but its model is not loaded yet
    SERVER = "server"  # any other 5xx
    BAD_RESPONSE = "bad_response"  # 2xx whose body does not match the contract


class ApiError(Exception):
    """A failed API call, carrying only what may be shown: its kind and the API's own message."""

    def __init__(self, kind: ApiErrorKind, status: int | None = None, detail: str = "") -> None:
        super().__init__(f"{kind.value} (HTTP {status}): {detail}" if status else kind.value)
        self.kind = kind
        self.status = status
        #: The API's own explanation (validation field, value, expectation); empty otherwise.
        self.detail = detail

    @property
    def api_is_down(self) -> bool:
        """True when the API itself is unavailable (worth a banner and an automatic retry)."""
        return self.kind in {ApiErrorKind.UNREACHABLE, ApiErrorKind.TIMEOUT, ApiErrorKind.NOT_READY}


def _kind_for_status(status: int) -> ApiErrorKind:
    if status in (401, 403):
        return ApiErrorKind.UNAUTHORIZED
    if status == 404:
        return ApiErrorKind.NOT_FOUND
    if status in (400, 413, 422):
        return ApiErrorKind.INVALID
    if status == 503:
        return ApiErrorKind.NOT_READY
    return ApiErrorKind.SERVER


def _error_detail(response: requests.Response) -> str:
    """The API's error message and its field-level details, when the body has the error shape."""
    try:
        error = ErrorResponse.model_validate(response.json()).error
    except (ValueError, ValidationError):
        return ""
    parts = []
    for item in error.details:
        where = f"{item.field}: " if item.field else ""
        expected = f" ({item.expected})" if item.expected else ""
        parts.append(f"{where}{item.message}{expected}")
    return "; ".join(parts) if parts else error.message


class ApiClient:
    """Typed calls to the scoring API; one instance per dashboard process (keeps a connection pool).

    `session` may be injected for tests; the timeout applies to each call (connect and read).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        timeout: float = 10.0,
        session: requests.Session | None = None,
        identity: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        # Every dashboard callback is a thread in the Flask server; requests.Session's pool is
        # shared safely between them, and 16 connections cover the panels loading at once.
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers["X-API-Key"] = api_key
        #: Headers naming the signed-in person, per call (the API trusts them only from a key
        #: configured as a trusted front-end): who opened, scored or decided what.
        self._identity = identity

    # ------------------------------------------------------------------ transport

    def _request(
        self,
        method: str,
        path: str,
        model: type[ModelT],
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> ModelT:
        response = self._send(method, path, params=params, json=json)
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as error:
            raise ApiError(ApiErrorKind.BAD_RESPONSE, response.status_code) from error

    def _send(
        self, method: str, path: str, *, params: dict[str, Any] | None, json: Any = None
    ) -> requests.Response:
        """The API's successful response; any failure as ApiError."""
        try:
            response = self._session.request(
                method,
                f"{self.base_url}{path}",
                params=params,
                json=json,
                headers={**self._headers, **self._identity()} if self._identity else self._headers,
                timeout=self.timeout,
            )
        except requests.Timeout as error:
            raise ApiError(ApiErrorKind.TIMEOUT) from error
        except requests.RequestException as error:
            raise ApiError(ApiErrorKind.UNREACHABLE) from error
        if response.status_code >= 400:
            raise ApiError(
                _kind_for_status(response.status_code),
                response.status_code,
                _error_detail(response),
            )
        return response

    def export(self, path: str, params: dict[str, Any]) -> requests.Response:
        """A streamed export (CSV) for the dashboard to pass on; the caller closes it."""
        headers = {**self._headers, **self._identity()} if self._identity else self._headers
        try:
            response = self._session.get(
                f"{self.base_url}{path}",
                params=params,
                headers={**headers, "Accept": "text/csv"},
                timeout=self.timeout,
                stream=True,
            )
        except requests.Timeout as error:
            raise ApiError(ApiErrorKind.TIMEOUT) from error
        except requests.RequestException as error:
            raise ApiError(ApiErrorKind.UNREACHABLE) from error
        if response.status_code >= 400:
            response.close()
            raise ApiError(_kind_for_status(response.status_code), response.status_code)
        return response

    # ------------------------------------------------------------------ endpoints

    def ready(self) -> Readiness:
        """GET /ready; a 503 (model not loaded) raises ApiError(NOT_READY)."""
        return self._request("GET", "/ready", Readiness)

    def model_info(self) -> ModelInfo:
        return self._request("GET", "/v1/model", ModelInfo)

    def search_clients(self, prefix: str, limit: int = 20) -> ClientIdPage:
        """IDs starting with `prefix` (digits only; the caller validates), at most `limit`."""
        return self._request(
            "GET", "/v1/clients", ClientIdPage, params={"prefix": prefix, "limit": limit}
        )

    def client(self, client_id: int) -> ClientInfo:
        return self._request("GET", f"/v1/clients/{int(client_id)}", ClientInfo)

    def predict(self, client_id: int) -> Prediction:
        return self._request("POST", "/v1/predict", Prediction, json={"client_id": int(client_id)})

    def explain(self, client_id: int, max_features: int = 30) -> Explanation:
        body = {"client_id": int(client_id), "max_features": max_features}
        return self._request("POST", "/v1/explain", Explanation, json=body)

    def features(self) -> FeatureList:
        return self._request("GET", "/v1/features", FeatureList)

    def distribution(self, feature: str, client_id: int | None = None) -> FeatureDistribution:
        params = {"client_id": int(client_id)} if client_id is not None else None
        path = f"/v1/features/{requests.utils.quote(feature, safe='')}/distribution"
        return self._request("GET", path, FeatureDistribution, params=params)

    def bivariate(self, x: str, y: str, client_id: int | None = None) -> Bivariate:
        params: dict[str, Any] = {"x": x, "y": y}
        if client_id is not None:
            params["client_id"] = int(client_id)
        return self._request("GET", "/v1/features/bivariate", Bivariate, params=params)

    def what_if_fields(self, client_id: int) -> WhatIfFields:
        return self._request(
            "GET", "/v1/what-if/fields", WhatIfFields, params={"client_id": int(client_id)}
        )

    def what_if(self, client_id: int, changes: dict[str, float]) -> WhatIfResult:
        body = {"client_id": int(client_id), "changes": changes}
        return self._request("POST", "/v1/what-if", WhatIfResult, json=body)

    def recourse(self, client_id: int) -> RecourseResult:
        body = {"client_id": int(client_id)}
        return self._request("POST", "/v1/recourse", RecourseResult, json=body)

    def client_summary(self, client_id: int, language: str, output: str) -> tuple[bytes, str]:
        """The client's decision summary document (HTML or PDF) and its content type."""
        response = self._send(
            "GET",
            f"/v1/clients/{int(client_id)}/summary",
            params={"lang": language, "format": output},
        )
        content_type = response.headers.get("content-type", "application/octet-stream")
        return response.content, content_type

    # ------------------------------------------------------------------ governance

    def fairness(self) -> FairnessReport:
        return self._request("GET", "/v1/model/fairness", FairnessReport)

    def model_card(self) -> str:
        """The model card's Markdown text."""
        response = self._send("GET", "/v1/model/card", params={"format": "md"})
        return response.text

    def drift(self) -> DriftReport:
        return self._request("GET", "/v1/monitoring/drift", DriftReport)

    def drift_history(self, bucket_hours: float = 24) -> DriftHistory:
        params = {"bucket_hours": bucket_hours}
        return self._request("GET", "/v1/monitoring/drift/history", DriftHistory, params=params)

    def decision_reasons(self) -> ReasonCodes:
        return self._request("GET", "/v1/decisions/reasons", ReasonCodes)

    def decision_summary(self) -> DecisionSummary:
        return self._request("GET", "/v1/decisions/summary", DecisionSummary)

    def record_decision(
        self, client_id: int, final_decision: str, reason_code: str | None, comment: str
    ) -> DecisionRecord:
        body = {
            "client_id": int(client_id),
            "final_decision": final_decision,
            "reason_code": reason_code,
            "comment": comment,
        }
        return self._request("POST", "/v1/decisions", DecisionRecord, json=body)
