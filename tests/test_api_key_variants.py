"""Only a configured API key, exactly, opens the API: near misses of a real key get 403.

The endpoint tests try a missing key and one wrong key (a real key plus a letter). A checker
comparing with `startswith` (any prefix of a key accepted as that key), `endswith`, a
case-insensitive comparison or a comparison of the first N characters would pass them; each of
those fails here, on the checker itself and through HTTP on a bundle-backed app.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app, load_service
from api.dependencies import ServiceState
from api.errors import Forbidden
from api.security import KeyChecker
from shared.bundle import load_bundle
from shared.settings import ApiSettings

#: Mixed case and digits, so that case variants differ from the key.
KEY = "Scoring-Key-aB3dE5fG7h"
OTHER_KEY = "Other-Key-zY9xW8vU7t"


def near_misses(key: str) -> list[str]:
    """Strings a sloppy comparison would mistake for `key`: every proper prefix and suffix,
    extensions, case changes, one character changed, and `key` next to another key."""
    variants = [key[:n] for n in range(1, len(key))]  # prefixes
    variants += [key[n:] for n in range(1, len(key))]  # suffixes
    variants += [key + "x", key + "0", key + key, "x" + key, key + OTHER_KEY, OTHER_KEY + key]
    variants += [key.upper(), key.lower(), key.swapcase(), key[0].lower() + key[1:]]
    middle = len(key) // 2
    variants += [key[:middle] + chr(ord(key[middle]) + 1) + key[middle + 1 :], key[:-1] + "!"]
    found = [v for v in dict.fromkeys(variants) if v not in (key, OTHER_KEY)]
    assert len(found) > 2 * len(key)
    return found


@pytest.mark.parametrize("key", [KEY, OTHER_KEY])
def test_the_checker_refuses_every_near_miss_of_a_key(key: str) -> None:
    checker = KeyChecker({"tests": SecretStr(KEY), "other": SecretStr(OTHER_KEY)})
    assert checker.caller(key) == ("tests" if key == KEY else "other")
    accepted = []
    for variant in near_misses(key):
        try:
            accepted.append((variant, checker.caller(variant)))
        except Forbidden:
            continue
    assert accepted == [], f"near misses of a key accepted as that key: {accepted}"


@pytest.fixture(scope="module")
def client(sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = ApiSettings(
        model_dir=sample_bundle,
        audit_db=tmp_path_factory.mktemp("key-audit") / "audit.sqlite",
        api_keys=f"tests:{KEY},other:{OTHER_KEY}",
    )
    service: ServiceState = load_service(settings)
    try:
        with TestClient(create_app(settings, service=service)) as test_client:
            yield test_client
    finally:
        service.close()


@pytest.fixture(scope="module")
def client_id(sample_bundle: Path) -> int:
    store = pl.read_parquet(load_bundle(sample_bundle).clients_path, columns=["SK_ID_CURR"])
    return int(store["SK_ID_CURR"][0])


def test_http_near_misses_get_403_and_the_key_itself_gets_200(
    client: TestClient, client_id: int
) -> None:
    body = {"client_id": client_id}
    assert client.post("/v1/predict", json=body, headers={"X-API-Key": KEY}).status_code == 200
    assert client.get("/v1/model", headers={"X-API-Key": KEY}).status_code == 200
    let_in = []
    for variant in near_misses(KEY):
        headers = {"X-API-Key": variant}
        for response in (
            client.post("/v1/predict", json=body, headers=headers),
            client.get("/v1/model", headers=headers),
        ):
            if response.status_code != 403 or response.json()["error"]["code"] != "forbidden":
                let_in.append((variant, response.request.url.path, response.status_code))
    assert let_in == [], f"near misses of the key not refused with 403: {let_in[:5]}"
