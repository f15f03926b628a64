"""A JSON applicant with a long side-table history gets, through HTTP, exactly what the same
person gets by ID (issue 12, section C).

The shared test bundle is trained on the real sample, whose side tables are sparse (a few dozen
rows per client at most), so this module trains its own small bundle on synthetic tables, whose
histories have Kaggle's lengths (hundreds of rows, up to a thousand: bureau and its monthly
balance, previous applications, POS/cash, instalments, cards). The applicants are rebuilt from
those tables' rows alone, as a partner system would post them.

Which model answers matters (docs/cross-fitted-serving.md): by ID a training client is scored by
the fold model that never saw it, a JSON applicant always by the refit model. So:
- a TEST client (no label: the refit model answers both ways) is compared end to end, through
  HTTP, probability to probability, tolerance none;
- a TRAINING client is compared on the refit model's score: the JSON answer must equal the refit
  model run on the features stored for that client, computed by the same single-row path.
The feature rows themselves must equal the stored float32 ones to the bit (NaN == NaN).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from api.dependencies import ServiceState
from shared.contract import MINIMUM_APPLICATION_FIELDS, Applicant
from shared.settings import ApiSettings
from shared.tables import CLIENT_ID, TARGET

pytestmark = pytest.mark.slow

KEY = "long-history-key-0123456789"
HEADERS = {"X-API-Key": KEY}
APPLICANTS = 1_200
#: Side tables as the Applicant contract names them (bureau_balance links through bureau).
SIDE = (
    "bureau",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)
CHOSEN = 6  # clients of each split with the longest histories
LONG = 400  # every chosen client has at least this many side-table rows


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.synth import generate

    return generate(APPLICANTS, 5, tmp_path_factory.mktemp("long-history") / "data")


@pytest.fixture(scope="module")
def bundle(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.model.config import LightGBMParams, TrainConfig
    from training.model.train import train
    from training.progress import Progress

    out = tmp_path_factory.mktemp("long-history-bundle")
    config = TrainConfig(
        folds=2,
        seed=3,
        max_rounds=40,
        early_stopping_rounds=10,
        lightgbm=LightGBMParams(learning_rate=0.15),
        logistic_max_rows=1_000,
        shap_rows=300,
    )
    train(data, out, config, Progress("train", quiet=True))
    return out


@pytest.fixture(scope="module")
def settings(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> ApiSettings:
    return ApiSettings(
        model_dir=bundle,
        audit_db=tmp_path_factory.mktemp("long-history-audit") / "audit.sqlite",
        api_keys=f"parity:{KEY}",
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
def frames(data: Path) -> dict[str, pl.DataFrame]:
    """The tables typed by the contract, as the product reads them."""
    from training.data.reader import open_tables

    return {name: frame.collect() for name, frame in open_tables(data).items()}


def _history_lengths(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Side-table rows per client, bureau_balance counted through the client's credits."""
    counts = [frames[name].group_by(CLIENT_ID).len() for name in SIDE]
    credits = frames["bureau"].select(CLIENT_ID, "SK_ID_BUREAU")
    monthly = frames["bureau_balance"].join(credits, on="SK_ID_BUREAU").group_by(CLIENT_ID).len()
    return pl.concat([*counts, monthly]).group_by(CLIENT_ID).agg(pl.col("len").sum())


def _longest(frames: dict[str, pl.DataFrame], split: str) -> list[int]:
    """The clients of `split` with the longest histories whose application has every minimum
    field (the contract refuses the others)."""
    complete = frames[split].filter(
        pl.all_horizontal(pl.col(MINIMUM_APPLICATION_FIELDS).is_not_null())
    )
    lengths = _history_lengths(frames).join(complete.select(CLIENT_ID), on=CLIENT_ID, how="semi")
    chosen = lengths.sort(["len", CLIENT_ID], descending=[True, False]).head(CHOSEN)
    assert chosen["len"].min() >= LONG, f"synthetic histories too short: {chosen}"  # type: ignore[operator]
    return chosen[CLIENT_ID].to_list()


def _applicant(frames: dict[str, pl.DataFrame], split: str, client_id: int) -> dict[str, Any]:
    """The client as a JSON applicant: its application row and every side-table row of its own
    (nulls left out, as a caller omits unknown fields)."""

    def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if v is not None} for row in frame.to_dicts()]

    application = frames[split].filter(pl.col(CLIENT_ID) == client_id).drop(TARGET, strict=False)
    body: dict[str, Any] = {"application": rows(application)[0]}
    for name in SIDE:
        body[name] = rows(frames[name].filter(pl.col(CLIENT_ID) == client_id))
    credits = frames["bureau"].filter(pl.col(CLIENT_ID) == client_id).select("SK_ID_BUREAU")
    body["bureau_balance"] = rows(frames["bureau_balance"].join(credits, on="SK_ID_BUREAU"))
    return body


def _post(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/predict", json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a.astype(np.float32), b.astype(np.float32), equal_nan=True))


def test_test_clients_with_long_histories_get_the_same_probability_by_json_and_by_id(
    frames: dict[str, pl.DataFrame], service: ServiceState, client: TestClient
) -> None:
    scorer = service.scorer
    for client_id in _longest(frames, "application_test"):
        applicant = _applicant(frames, "application_test", client_id)
        by_id = _post(client, {"client_id": client_id})
        by_json = _post(client, {"applicant": applicant})
        assert by_id["model"] == by_json["model"] == "refit"
        assert by_json["probability"] == by_id["probability"], client_id
        assert by_json["decision"] == by_id["decision"]
        # ... because the features computed from the JSON rows are the stored ones, bit for bit
        computed = scorer.rows_for_applicant(Applicant.model_validate(applicant)).values[0]
        stored = scorer.store.features[scorer.store.position(client_id)]
        assert _same_bits(computed, stored), client_id


def test_training_clients_with_long_histories_get_the_refit_score_of_their_stored_features(
    frames: dict[str, pl.DataFrame], service: ServiceState, client: TestClient
) -> None:
    """By ID they are answered by their fold model (a different, honest number); by JSON by the
    refit model, which must give exactly what it gives on the client's stored feature row."""
    scorer = service.scorer
    refit = scorer.models[scorer.refit_index]
    for client_id in _longest(frames, "application_train"):
        by_json = _post(client, {"applicant": _applicant(frames, "application_train", client_id)})
        assert by_json["model"] == "refit"
        stored = scorer.store.features[scorer.store.position(client_id)].astype(np.float64)
        expected = float(scorer.probabilities(np.array([refit.raw(stored[np.newaxis, :])[0]]))[0])
        assert by_json["probability"] == expected, client_id
        by_id = _post(client, {"client_id": client_id})
        assert by_id["model"].startswith("fold-")
