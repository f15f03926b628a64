"""The fold model that serves a training client really never saw that client.

The endpoint tests check that the API serves each training client with the fold model named by
its FOLD and that the served probability equals the stored out-of-fold one. Both would still
hold if training fitted fold model k on rows that include fold k (or saved the fold models under
each other's numbers and scored the OOF from those files): served and stored would agree, and
both would know the outcome. What such a model cannot hide is that it ranks the clients it
learned far better than the ones it did not. So, per fold model, the AUC on the clients routed
to it (FOLD == k, served by it) must be clearly below its AUC on the clients it was fitted on.
Measured gaps on the shared bundles: 0.07-0.09 (real sample), 0.16-0.19 (synthetic); a model
that saw its routed clients shows none.
"""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from shared.bundle import CLIENT_FOLD_COLUMN, CLIENT_TARGET_COLUMN, fold_model_file, load_bundle

#: Smallest mean gap (fitted-on AUC minus routed AUC) accepted as "never saw them".
MIN_GAP = 0.03


def test_each_fold_model_ranks_its_routed_clients_as_unseen(sample_bundle: Path) -> None:
    bundle = load_bundle(sample_bundle)
    folds = len(bundle.manifest.fold_models)
    if folds == 0:
        pytest.skip("this bundle has no fold models")
    store = pl.read_parquet(bundle.clients_path).filter(pl.col(CLIENT_TARGET_COLUMN).is_not_null())
    y = store[CLIENT_TARGET_COLUMN].to_numpy()
    fold = store[CLIENT_FOLD_COLUMN].to_numpy()
    gaps = []
    for k in range(folds):
        model = lgb.Booster(model_file=str(bundle.path(fold_model_file(k))))
        raw = model.predict(store.select(model.feature_name()).to_numpy().astype(np.float64))
        routed, fitted = fold == k, fold != k
        assert routed.any() and fitted.any(), f"fold {k} has no routed or no other client"
        gaps.append(roc_auc_score(y[fitted], raw[fitted]) - roc_auc_score(y[routed], raw[routed]))
    assert min(gaps) > 0, f"a fold model ranks its routed clients as well as its own: {gaps}"
    assert float(np.mean(gaps)) > MIN_GAP, f"fitted-on minus routed AUC per fold: {gaps}"
