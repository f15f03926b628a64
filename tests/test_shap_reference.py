"""The API's explanations against the reference TreeSHAP (the `shap` package), per served model.

The product explains with LightGBM's own TreeSHAP (`pred_contrib`): faster, and no extra
dependency in the images. This checks it against `shap` for the refit model and every fold
model, on clients each of them serves, through /v1/explain (so the row, the model that answers,
the base value and the listing of contributions are the API's own), to within 1e-9:

1. `shap.TreeExplainer(booster)`, the public reference call on the same booster. For a LightGBM
   Booster without background data, shap itself delegates to `pred_contrib`, so this pins the
   API's choices (which model, which row, fast path or not) more than the algorithm.
2. shap's own C++ TreeSHAP (`model_type == "internal"`), an implementation independent of
   LightGBM's, on an exactly equivalent copy of every tree. Equivalent, not identical, because
   shap's own LightGBM categorical splits are known to be wrong for category code 0 and for
   codes above 31 (shap issues #1644, #4274; PR #5079), and this model has both (ORGANIZATION_TYPE
   has 58 levels). Per tree, each categorical feature's codes are replaced by the index of their
   membership pattern across that tree's splits on it (1..m, m small), and LightGBM's rule for
   splits of missing type "None" (NaN is read as 0) is applied to the input: every row takes
   the same path as in LightGBM, so path-dependent SHAP values are those of the original tree.
   SHAP values add over trees, so the sum of the per-tree values is the model's.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from shared.bundle import (
    CLIENT_FOLD_COLUMN,
    CLIENT_TARGET_COLUMN,
    MODEL_FILE,
    LoadedBundle,
    fold_model_file,
    load_bundle,
)
from shared.settings import ApiSettings

shap = pytest.importorskip("shap", reason="the dev extra (shap) is not installed")

KEY = "shap-test-key-0123456789"
TOLERANCE = 1e-9
CLIENTS_PER_MODEL = 4


@pytest.fixture(scope="module")
def bundle(sample_bundle: Path) -> LoadedBundle:
    return load_bundle(sample_bundle)


@pytest.fixture(scope="module")
def client(sample_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = ApiSettings(
        model_dir=sample_bundle,
        audit_db=tmp_path_factory.mktemp("shap-audit") / "audit.sqlite",
        api_keys=f"tests:{KEY}",
    )
    service = load_service(settings)
    try:
        with TestClient(create_app(settings, service=service)) as test_client:
            yield test_client
    finally:
        service.close()


@pytest.fixture(scope="module")
def store(bundle: LoadedBundle) -> pl.DataFrame:
    return pl.read_parquet(bundle.clients_path)


def served_models(bundle: LoadedBundle) -> dict[str, str]:
    """Response name -> model file of every model the API serves."""
    models = {f"fold-{k}": fold_model_file(k) for k in range(len(bundle.manifest.fold_models))}
    return {"refit": MODEL_FILE, **models}


def clients_of(store: pl.DataFrame, model: str) -> list[int]:
    """Clients that `model` answers for: a fold's training clients, or the test split."""
    if model == "refit":
        chosen = store.filter(pl.col(CLIENT_TARGET_COLUMN).is_null())
    else:
        fold = int(model.removeprefix("fold-"))
        chosen = store.filter(
            pl.col(CLIENT_TARGET_COLUMN).is_not_null() & (pl.col(CLIENT_FOLD_COLUMN) == fold)
        )
    return [int(i) for i in chosen["SK_ID_CURR"].head(CLIENTS_PER_MODEL)]


def served_contributions(
    client: TestClient, client_id: int, names: list[str]
) -> tuple[str, np.ndarray]:
    """(model that answered, contributions in feature order + base value last) from the API."""
    response = client.post(
        "/v1/explain",
        json={"client_id": client_id, "max_features": None},
        headers={"X-API-Key": KEY},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    phi = np.zeros(len(names) + 1)
    index = {name: i for i, name in enumerate(names)}
    for item in body["contributions"]:
        phi[index[item["name"]]] = item["contribution"]
    phi[-1] = body["base_value"]
    # Every non-zero contribution is listed: the rest is the rounding of two sums.
    assert abs(body["other_contribution"]) < TOLERANCE
    assert math.isclose(body["raw_output"], phi.sum(), abs_tol=TOLERANCE)
    return body["model"], phi


# --------------------------------------------------------------------- shap's own algorithm


def _splits(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "split_index" in node:
        yield node
        yield from _splits(node["left_child"])
        yield from _splits(node["right_child"])


def equivalent_tree(tree: dict[str, Any], rows: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
    """A copy of one tree of `dump_model()` and of `rows` that route every row as LightGBM
    does, in the form shap's own implementation handles exactly (see the module docstring)."""
    tree, rows = copy.deepcopy(tree), rows.copy()
    categorical: dict[int, list[dict[str, Any]]] = {}
    for node in _splits(tree["tree_structure"]):
        feature = node["split_feature"]
        if node["decision_type"] == "==":
            categorical.setdefault(feature, []).append(node)
        elif node["missing_type"] == "None":  # LightGBM reads NaN as 0 for such a feature
            column = rows[:, feature]
            column[np.isnan(column)] = 0.0
        elif node["missing_type"] == "Zero":
            raise NotImplementedError("zero_as_missing splits: not used by this product")
    for feature, nodes in categorical.items():
        sets = [{int(c) for c in node["threshold"].split("||")} for node in nodes]
        values = rows[:, feature]
        patterns: dict[tuple[bool, ...], int] = {}
        codes = np.empty(len(values))
        for i, value in enumerate(values):
            # NaN and negative codes go right at every categorical split (in no set).
            code = int(value) if not math.isnan(value) and value >= 0 else None
            key = tuple(code is not None and code in s for s in sets)
            codes[i] = patterns.setdefault(key, len(patterns) + 1)
        assert len(patterns) <= 30, "shap packs categorical sets in 31 bits"
        for position, node in enumerate(nodes):
            left = [str(code) for key, code in patterns.items() if key[position]]
            node["threshold"] = "||".join(left) or str(len(patterns) + 1)  # none: no row left
        rows[:, feature] = codes
    return tree, rows


def independent_tree_shap(booster: lgb.Booster, rows: np.ndarray) -> np.ndarray:
    """(n, features + 1) path-dependent SHAP values from shap's own C++ TreeSHAP."""
    out = np.zeros((rows.shape[0], rows.shape[1] + 1))
    for tree in booster.dump_model()["tree_info"]:
        model, inputs = equivalent_tree(tree, rows)
        explainer = shap.TreeExplainer(
            {"trees": [model], "base_offset": 0.0, "tree_output": "raw_value"},
            model_output="raw",
        )
        assert explainer.model.model_type == "internal"  # shap's algorithm, not LightGBM's
        out[:, :-1] += explainer.shap_values(inputs)
        out[:, -1] += float(np.ravel(explainer.expected_value)[0])
    return out


def test_the_equivalent_trees_predict_like_lightgbm(bundle: LoadedBundle) -> None:
    """Guards the re-encoding itself: shap's traversal of the copies gives LightGBM's scores."""
    booster = lgb.Booster(model_file=str(bundle.path(MODEL_FILE)))
    rows = (
        pl.read_parquet(bundle.clients_path, columns=booster.feature_name())
        .head(200)
        .to_numpy()
        .astype(np.float64)
    )
    total = np.zeros(len(rows))
    for tree in booster.dump_model()["tree_info"]:
        model, inputs = equivalent_tree(tree, rows)
        total += shap.TreeExplainer({"trees": [model]}, model_output="raw").model.predict(inputs)
    assert np.abs(total - booster.predict(rows, raw_score=True)).max() < TOLERANCE


# --------------------------------------------------------------------- the comparison


@pytest.mark.parametrize("kind", ["refit", "fold"])
def test_api_contributions_equal_shap_tree_explainer(
    client: TestClient, bundle: LoadedBundle, store: pl.DataFrame, kind: str
) -> None:
    models = {m: f for m, f in served_models(bundle).items() if m.startswith(kind)}
    if not models:
        pytest.skip("this bundle has no fold models")
    for model, relative in models.items():
        booster = lgb.Booster(model_file=str(bundle.path(relative)))
        names = booster.feature_name()
        ids = clients_of(store, model)
        assert ids, f"no client is served by {model}"
        wanted = pl.DataFrame({"SK_ID_CURR": ids}).cast({"SK_ID_CURR": store["SK_ID_CURR"].dtype})
        rows = wanted.join(store, on="SK_ID_CURR", maintain_order="left")
        x = rows.select(names).to_numpy().astype(np.float64)

        public = shap.TreeExplainer(booster)
        reference = np.column_stack(
            [public.shap_values(x), np.full(len(x), float(np.ravel(public.expected_value)[0]))]
        )
        independent = independent_tree_shap(booster, x)
        for k, client_id in enumerate(ids):
            answered, served = served_contributions(client, client_id, names)
            assert answered == model, f"client {client_id} answered by {answered}, not {model}"
            assert np.abs(served - reference[k]).max() < TOLERANCE, (model, client_id)
            assert np.abs(served - independent[k]).max() < TOLERANCE, (model, client_id)
