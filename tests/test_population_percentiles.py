"""A client's percentile ("higher than 80 % of clients") is taken over ALL training clients.

Both places that produce the percentiles are checked against np.percentile over every training
client of clients.parquet (TARGET known, value present), read independently with Polars:
- reference.json, written at training time;
- the API's fallback (`Scorer.text`), used when a bundle's reference.json lacks percentiles.
  Nothing exercised it before: a fallback computing them over defaulted clients only (a
  population that is far from the advisor's "clients") passed the whole suite.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from api.scorer import Scorer
from shared.bundle import CLIENT_TARGET_COLUMN, LoadedBundle, Reference, load_bundle


@pytest.fixture(scope="module")
def bundle(sample_bundle: Path) -> LoadedBundle:
    return load_bundle(sample_bundle)


@pytest.fixture(scope="module")
def training_clients(bundle: LoadedBundle) -> pl.DataFrame:
    store = pl.read_parquet(bundle.clients_path)
    trained = store.filter(pl.col(CLIENT_TARGET_COLUMN).is_not_null())
    # The two populations a wrong percentile could come from differ on the features compared.
    assert 0 < trained[CLIENT_TARGET_COLUMN].sum() < trained.height
    return trained


def numeric_features(bundle: LoadedBundle, training_clients: pl.DataFrame) -> list[str]:
    """Numeric model features with enough distinct values for percentiles to differ by group."""
    names = [
        f.name
        for f in bundle.manifest.features
        if not f.categorical and training_clients[f.name].drop_nulls().n_unique() > 20
    ]
    assert len(names) >= 5
    return names


def expected_percentiles(training_clients: pl.DataFrame, name: str) -> np.ndarray:
    values = training_clients[name].drop_nulls().drop_nans().to_numpy().astype(np.float64)
    return np.percentile(values, np.arange(101))


def assert_all_clients(found: np.ndarray, training_clients: pl.DataFrame, name: str) -> None:
    expected = expected_percentiles(training_clients, name)
    assert found.shape == expected.shape, name
    assert np.allclose(found, expected, rtol=1e-6, atol=1e-9), (
        f"{name}: percentiles are not those of all {training_clients.height} training clients"
    )


def test_reference_percentiles_are_those_of_all_training_clients(
    bundle: LoadedBundle, training_clients: pl.DataFrame
) -> None:
    reference = bundle.reference()
    for name in numeric_features(bundle, training_clients):
        found = np.asarray(reference.features[name].percentiles, dtype=np.float64)
        assert_all_clients(found, training_clients, name)


def test_api_fallback_percentiles_are_those_of_all_training_clients(
    bundle: LoadedBundle, training_clients: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bundle whose reference.json has no percentiles: the API computes them itself."""
    stored = bundle.reference()
    without = Reference.model_validate(
        {
            **stored.model_dump(),
            "features": {
                name: {**feature.model_dump(), "percentiles": []}
                for name, feature in stored.features.items()
            },
        }
    )
    monkeypatch.setattr(LoadedBundle, "reference", lambda self: without)
    scorer = Scorer(bundle)
    try:
        names = numeric_features(bundle, training_clients)
        for name in names:
            index = scorer.feature_names.index(name)
            assert scorer.texts[index].percentiles is None, "the fallback path must be the one used"
            found = scorer.text(index).percentiles
            assert found is not None, name
            assert_all_clients(np.asarray(found), training_clients, name)
    finally:
        scorer.close()
