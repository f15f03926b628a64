"""The API never starts on a bundle edited after training, whichever file was edited.

tests/test_bundle.py flips a byte of each file and checks that `load_bundle` refuses it. This
checks the serving side: the edits here keep every file valid (a Parquet store with one
probability changed, a model with one leaf value changed, a JSON document with one number or
label changed, the manifest's threshold raised), so the only thing standing between them and
an advisor's screen is the API verifying the hashes when it loads. An API that loaded its bundle
without verification (`verify=False`), or a loader that skipped one file's hash, fails here.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app, load_service
from api.scorer import Scorer
from shared.bundle import (
    BUNDLE_FILES,
    CLIENT_PROBABILITY_COLUMN,
    CURRENT_FILE,
    FOLDS_DIR,
    MANIFEST_FILE,
    BundleError,
    load_bundle,
)
from shared.settings import ApiSettings


def _edit_first(document: Any, kind: type) -> bool:
    """Changes the first leaf of `kind` (depth first) in place; False when there is none."""
    items = (
        list(document.items())
        if isinstance(document, dict)
        else list(enumerate(document))
        if isinstance(document, list)
        else []
    )
    for key, value in items:
        if type(value) is kind:
            document[key] = value + 0.25 if kind is float else f"{value} (edited)"
            return True
        if isinstance(value, dict | list) and _edit_first(value, kind):
            return True
    return False


def edit_json(path: Path) -> None:
    document = json.loads(path.read_text("utf-8"))
    assert _edit_first(document, float) or _edit_first(document, str), path
    path.write_text(json.dumps(document), encoding="utf-8")


def edit_model(path: Path) -> None:
    """The last digit of the first tree's first leaf value changed: still a valid model of the
    same size (model.txt records each tree's byte length: a longer number would not load)."""
    text = path.read_text("utf-8")
    found = re.search(r"^leaf_value=\S*?(\d)(?=\s)", text, flags=re.M)
    assert found is not None, f"no leaf_value line in {path}"
    digit = str((int(found[1]) + 1) % 10)
    path.write_text(text[: found.start(1)] + digit + text[found.end(1) :], encoding="utf-8")


def edit_store(path: Path) -> None:
    """One client's stored probability changed: still a valid client store."""
    store = pl.read_parquet(path)
    column = store[CLIENT_PROBABILITY_COLUMN]
    changed = column.scatter(0, 1.0 - float(column[0]))
    store.with_columns(changed).write_parquet(path)


def edit_text(path: Path) -> None:
    """One digit of a text document changed (a figure of the model card): same size."""
    text = path.read_text("utf-8")
    first = next(i for i, c in enumerate(text) if c.isdigit())
    path.write_text(text[:first] + str((int(text[first]) + 1) % 10) + text[first + 1 :], "utf-8")


def edit(path: Path) -> None:
    if path.suffix == ".parquet":
        edit_store(path)
    elif path.suffix == ".txt":
        edit_model(path)
    elif path.suffix == ".md":
        edit_text(path)
    else:
        edit_json(path)


def bundle_copy(sample_bundle: Path, tmp_path: Path) -> tuple[Path, Path]:
    copy = tmp_path / "models"
    shutil.copytree(sample_bundle, copy, symlinks=True)
    return copy, copy / (copy / CURRENT_FILE).read_text("utf-8").strip()


def settings_for(model_dir: Path, tmp_path: Path) -> ApiSettings:
    return ApiSettings(
        model_dir=model_dir, audit_db=tmp_path / "audit.sqlite", api_keys="tests:key-0123456789"
    )


def assert_api_refuses(model_dir: Path, tmp_path: Path, name: str) -> None:
    settings = settings_for(model_dir, tmp_path)
    with pytest.raises(BundleError, match=re.escape(name)):
        load_service(settings)
    with pytest.raises(BundleError, match=re.escape(name)), TestClient(create_app(settings)):
        pass  # the app's startup loads (and must verify) the bundle


@pytest.mark.parametrize("target", [*BUNDLE_FILES, FOLDS_DIR])
def test_api_refuses_a_bundle_with_an_edited_file(
    sample_bundle: Path, tmp_path: Path, target: str
) -> None:
    copy, folder = bundle_copy(sample_bundle, tmp_path)
    manifest = load_bundle(copy).manifest
    names = list(manifest.fold_models) if target == FOLDS_DIR else [target]
    if not names:
        pytest.skip("this bundle has no fold models")
    for name in names:
        original = (folder / name).read_bytes()
        edit(folder / name)
        assert (folder / name).read_bytes() != original
        # The edit is one that only the hash names: unverified, the bundle is served, or (a
        # model or store edit reaching a checked client) refused by the scorer's own check of
        # stored probabilities, whose message names clients.parquet, not the edited file.
        try:
            Scorer(load_bundle(copy, verify=False)).close()
        except BundleError as error:
            assert CLIENT_PROBABILITY_COLUMN in str(error), error
        assert_api_refuses(copy, tmp_path, name)
        (folder / name).write_bytes(original)
    load_service(settings_for(copy, tmp_path)).close()  # restored: served again


def test_api_refuses_a_bundle_whose_manifest_threshold_was_raised(
    sample_bundle: Path, tmp_path: Path
) -> None:
    """0.05 -> 0.95 would turn most refusals into grants under the same model version."""
    copy, folder = bundle_copy(sample_bundle, tmp_path)
    path = folder / MANIFEST_FILE
    manifest = json.loads(path.read_text("utf-8"))
    manifest["threshold"] = min(0.95, manifest["threshold"] + 0.9)
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    assert_api_refuses(copy, tmp_path, MANIFEST_FILE)


def test_scorer_refuses_a_store_whose_probability_its_model_does_not_give(
    sample_bundle: Path, tmp_path: Path
) -> None:
    """Clients by ID are answered with their stored probability (no tree walk), so the scorer
    recomputes a sample at load: a stored number its model does not give is never served, even
    from a bundle loaded without hash verification."""
    copy, folder = bundle_copy(sample_bundle, tmp_path)
    edit_store(folder / "clients.parquet")
    with pytest.raises(BundleError, match=f"stored {CLIENT_PROBABILITY_COLUMN} of client"):
        Scorer(load_bundle(copy, verify=False))
