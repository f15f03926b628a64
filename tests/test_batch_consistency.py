"""A batch answers, item by item, exactly what the single requests answer, in the same order.

The endpoint tests check a batch's length, its order of client IDs and one prediction; an
explanation computed for the wrong row of a batch (rows shifted by one, say) still has the right
client ID, a valid shape and contributions that add up, so it went unnoticed. Here every item of
predict and explain batches, by ID (training and test clients, so fold and refit models mixed)
and mixed with JSON applicants, equals the single answer for that item.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from shared.bundle import CLIENT_TARGET_COLUMN, RAW_PREFIX, load_bundle
from shared.settings import ApiSettings

KEY = "batch-test-key-0123456789"
HEADERS = {"X-API-Key": KEY}
#: Single rows take LightGBM's one-row fast path, batches the vectorised one: equal up to
#: floating-point summation order.
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def client(sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = ApiSettings(
        model_dir=sample_bundle,
        audit_db=tmp_path_factory.mktemp("batch-audit") / "audit.sqlite",
        api_keys=f"tests:{KEY}",
        max_batch=20,
    )
    service = load_service(settings)
    try:
        with TestClient(create_app(settings, service=service)) as test_client:
            yield test_client
    finally:
        service.close()


@pytest.fixture(scope="module")
def store(sample_bundle: Path) -> pl.DataFrame:
    return pl.read_parquet(load_bundle(sample_bundle).clients_path).sort("SK_ID_CURR")


@pytest.fixture(scope="module")
def client_ids(store: pl.DataFrame) -> list[int]:
    """Six training clients (spread over the store, so over folds) and three test clients."""
    trained = store.filter(pl.col(CLIENT_TARGET_COLUMN).is_not_null())["SK_ID_CURR"]
    unlabelled = store.filter(pl.col(CLIENT_TARGET_COLUMN).is_null())["SK_ID_CURR"]
    picked = trained.gather_every(max(1, trained.len() // 6)).head(6).to_list()
    picked += unlabelled.head(3).to_list()
    assert len(set(picked)) == len(picked) >= 7
    return [int(i) for i in picked]


def application_of(store: pl.DataFrame, client_id: int) -> dict[str, Any]:
    """The client's application fields as a JSON applicant sends them (no ID)."""
    row = store.filter(pl.col("SK_ID_CURR") == client_id).row(0, named=True)
    return {
        k[len(RAW_PREFIX) :]: v
        for k, v in row.items()
        if k.startswith(RAW_PREFIX) and v is not None and k != f"{RAW_PREFIX}SK_ID_CURR"
    }


def assert_same(batch_item: Any, single: Any, where: str = "") -> None:
    """Equal JSON, floats within TOLERANCE (relative or absolute)."""
    if isinstance(single, dict):
        assert isinstance(batch_item, dict) and set(batch_item) == set(single), where
        for key in single:
            assert_same(batch_item[key], single[key], f"{where}.{key}")
    elif isinstance(single, list):
        assert isinstance(batch_item, list) and len(batch_item) == len(single), where
        for i, (a, b) in enumerate(zip(batch_item, single, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(single, float) and not isinstance(batch_item, bool):
        assert isinstance(batch_item, int | float), where
        assert math.isclose(batch_item, single, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (
            f"{where}: batch {batch_item!r}, single {single!r}"
        )
    else:
        assert batch_item == single, f"{where}: batch {batch_item!r}, single {single!r}"


def post(client: TestClient, endpoint: str, body: dict[str, Any]) -> Any:
    response = client.post(f"/v1/{endpoint}", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("endpoint", ["predict", "explain"])
def test_batch_by_id_equals_each_single_request(
    client: TestClient, client_ids: list[int], endpoint: str
) -> None:
    singles = [post(client, endpoint, {"client_id": i}) for i in client_ids]
    assert len({s["probability"] for s in singles}) > 1, "clients must differ for this to test"
    for order in (client_ids, client_ids[::-1]):
        batch = post(client, endpoint, {"items": [{"client_id": i} for i in order]})["items"]
        assert [item["client_id"] for item in batch] == order
        by_id = dict(zip(client_ids, singles, strict=True))
        for item in batch:
            assert_same(item, by_id[item["client_id"]], f"client {item['client_id']}")


@pytest.mark.parametrize("endpoint", ["predict", "explain"])
def test_batch_mixing_ids_and_applicants_equals_each_single_request(
    client: TestClient, store: pl.DataFrame, client_ids: list[int], endpoint: str
) -> None:
    items = [
        {"client_id": client_ids[0]},
        {"applicant": {"application": application_of(store, client_ids[1])}},
        {"client_id": client_ids[2]},
        {"applicant": {"application": application_of(store, client_ids[-1])}},
        {"client_id": client_ids[-2]},
    ]
    singles = [post(client, endpoint, item) for item in items]
    batch = post(client, endpoint, {"items": items})["items"]
    assert len(batch) == len(items)
    for k, (item, single) in enumerate(zip(batch, singles, strict=True)):
        assert_same(item, single, f"item {k}")
