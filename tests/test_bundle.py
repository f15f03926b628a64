"""The bundle contract: a round trip, and a clear BundleError for each way a bundle can be bad."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from shared.bundle import (
    BUNDLE_FILES,
    CURRENT_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    MODEL_FILE,
    BundleError,
    Calibration,
    load_bundle,
)
from training.model.bundle_writer import data_fingerprint, version_name, write_bundle

VERSION = "20261127T213000Z-0123abcd"


def _metrics(auc: float) -> dict[str, float]:
    return {
        "roc_auc": auc,
        "pr_auc": 0.2,
        "brier": 0.07,
        "log_loss": 0.25,
        "threshold": 0.1,
        "cost_at_threshold": 100.0,
        "cost_at_half": 150.0,
        "recall_at_threshold": 0.6,
        "precision_at_threshold": 0.2,
    }


def _fields() -> dict[str, object]:
    return {
        "created_at": datetime(2026, 11, 27, 21, 30, tzinfo=UTC),
        "data_fingerprint": "0123abcd" * 8,
        "library_versions": {"python": "3.11"},
        "features": [
            {"name": "EXT_SOURCE_2", "categorical": False},
            {"name": "CODE_GENDER", "categorical": True, "levels": ["F", "M"]},
        ],
        "threshold": 0.12,
        "costs": {"false_negative": 10, "false_positive": 1},
        "metrics": {"model": _metrics(0.75), "dummy": _metrics(0.5)},
        "calibration": {"method": "none"},
        "training_params": {"seed": 42},
        "n_train": 100,
        "default_rate": 0.08,
    }


def _write_files(folder: Path) -> None:
    for name in BUNDLE_FILES:
        (folder / name).write_bytes(f"content of {name}".encode())


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    write_bundle(tmp_path, VERSION, _fields(), _write_files)
    return tmp_path


def test_round_trip_resolves_current_and_returns_manifest(model_dir: Path) -> None:
    bundle = load_bundle(model_dir)
    assert bundle.root == model_dir / VERSION
    assert (model_dir / CURRENT_FILE).read_text().strip() == VERSION
    assert bundle.manifest.version == VERSION
    assert bundle.manifest.format_version == FORMAT_VERSION
    assert bundle.manifest.feature_names == ["EXT_SOURCE_2", "CODE_GENDER"]
    assert set(bundle.manifest.files) == set(BUNDLE_FILES)
    assert bundle.model_path.read_bytes() == b"content of model.txt"
    # A version folder can be given directly too.
    assert load_bundle(model_dir / VERSION).manifest == bundle.manifest
    # Nothing temporary left behind.
    assert not [p for p in model_dir.iterdir() if p.name.startswith(".")]


def test_decision_follows_threshold(model_dir: Path) -> None:
    manifest = load_bundle(model_dir).manifest
    assert manifest.decide(0.5) == "refuse"
    assert manifest.decide(0.119) == "grant"
    assert manifest.decide(0.12) == "refuse"


def test_missing_file_is_named(model_dir: Path) -> None:
    (model_dir / VERSION / "reference.json").unlink()
    with pytest.raises(BundleError, match=r"missing file reference\.json"):
        load_bundle(model_dir)


def test_missing_manifest_is_named(model_dir: Path) -> None:
    (model_dir / VERSION / MANIFEST_FILE).unlink()
    with pytest.raises(BundleError, match=r"missing file manifest\.json"):
        load_bundle(model_dir)


def test_edited_file_is_a_hash_mismatch(model_dir: Path) -> None:
    path = model_dir / VERSION / MODEL_FILE
    path.write_bytes(path.read_bytes() + b" tampered")
    with pytest.raises(BundleError, match=r"hash mismatch for model\.txt"):
        load_bundle(model_dir)
    # Skipping verification is explicit and still reads the manifest.
    assert load_bundle(model_dir, verify=False).manifest.version == VERSION


@pytest.mark.parametrize("found", [FORMAT_VERSION + 1, 0, None, "1"])
def test_unknown_format_version_is_refused(model_dir: Path, found: object) -> None:
    path = model_dir / VERSION / MANIFEST_FILE
    raw = json.loads(path.read_text())
    raw["format_version"] = found
    path.write_text(json.dumps(raw))
    with pytest.raises(
        BundleError,
        match=rf"unsupported bundle format_version.*reads format_version {FORMAT_VERSION}",
    ):
        load_bundle(model_dir)


def test_missing_current_is_explained(model_dir: Path) -> None:
    (model_dir / CURRENT_FILE).unlink()
    with pytest.raises(BundleError, match=r"no bundle in .*'current'"):
        load_bundle(model_dir)


def test_current_naming_absent_version(model_dir: Path) -> None:
    (model_dir / CURRENT_FILE).write_text("20990101T000000Z-ffffffff\n")
    with pytest.raises(BundleError, match=r"folder .* is missing"):
        load_bundle(model_dir)


@pytest.mark.parametrize("name", ["../elsewhere", "/etc", "a/b", ""])
def test_current_cannot_escape_model_dir(model_dir: Path, name: str) -> None:
    (model_dir / CURRENT_FILE).write_text(name)
    with pytest.raises(BundleError, match="invalid bundle version name"):
        load_bundle(model_dir)


def test_manifest_cannot_point_outside_bundle(model_dir: Path) -> None:
    path = model_dir / VERSION / MANIFEST_FILE
    raw = json.loads(path.read_text())
    raw["files"]["../current"] = "0" * 64
    path.write_text(json.dumps(raw))
    with pytest.raises(BundleError, match="outside the bundle"):
        load_bundle(model_dir)


def test_missing_model_dir(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="does not exist"):
        load_bundle(tmp_path / "nowhere")


def test_failed_writer_leaves_previous_bundle_in_service(model_dir: Path) -> None:
    def broken(folder: Path) -> None:
        (folder / MODEL_FILE).write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_bundle(model_dir, "20261128T000000Z-0123abcd", _fields(), broken)
    assert load_bundle(model_dir).manifest.version == VERSION
    assert sorted(p.name for p in model_dir.iterdir()) == [VERSION, CURRENT_FILE]


def test_writer_refuses_incomplete_bundle(tmp_path: Path) -> None:
    def partial(folder: Path) -> None:
        (folder / MODEL_FILE).write_text("model")

    with pytest.raises(RuntimeError, match="did not produce"):
        write_bundle(tmp_path, VERSION, _fields(), partial)
    assert not (tmp_path / CURRENT_FILE).exists()


def test_new_version_becomes_current(model_dir: Path) -> None:
    newer = "20261128T000000Z-0123abcd"
    write_bundle(model_dir, newer, _fields(), _write_files)
    assert load_bundle(model_dir).manifest.version == newer
    assert load_bundle(model_dir / VERSION).manifest.version == VERSION


def test_version_name_and_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "application_train.csv").write_text("SK_ID_CURR,TARGET\n1,0\n")
    first = data_fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("not a table")
    assert data_fingerprint(tmp_path) == first
    (tmp_path / "application_train.csv").write_text("SK_ID_CURR,TARGET\n1,1\n")
    assert data_fingerprint(tmp_path) != first
    name = version_name(first, datetime(2026, 11, 27, 21, 30, 5, tzinfo=UTC))
    assert name == f"20261127T213005Z-{first[:8]}"


def test_platt_calibration_matches_formula() -> None:
    cal = Calibration(method="platt", params={"a": 2.0, "b": -0.5})
    p = np.array([0.1, 0.5, 0.9])
    logit = np.log(p / (1 - p))
    expected = 1 / (1 + np.exp(-(2.0 * logit - 0.5)))
    np.testing.assert_allclose(cal.apply(p), expected)


def test_isotonic_calibration_interpolates_and_clamps() -> None:
    cal = Calibration(method="isotonic", params={"x": [0.1, 0.5], "y": [0.0, 0.4]})
    np.testing.assert_allclose(cal.apply(np.array([0.0, 0.3, 0.9])), [0.0, 0.2, 0.4])
    np.testing.assert_allclose(Calibration().apply(np.array([0.3])), [0.3])
