"""The bundle contract: a round trip, and a clear BundleError for each way a bundle can be bad.

The integrity tests (docs/bundle-integrity.md) run on hand-made bundles for the precise cases and
on a copy of the real session bundle for "any file of it, changed, is refused".
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from shared.bundle import (
    BUNDLE_FILES,
    CURRENT_FILE,
    FOLDS_DIR,
    FORMAT_VERSION,
    MANIFEST_DIGEST_CHARS,
    MANIFEST_FILE,
    MODEL_FILE,
    REFERENCE_FILE,
    BundleError,
    Calibration,
    fold_model_file,
    load_bundle,
    manifest_digest,
    read_manifest,
    verify_files,
)
from training.model.bundle_writer import version_name, write_bundle

#: The start of the version name the tests give write_bundle; the manifest digest follows it.
PREFIX = "20261127T213000Z-0123abcd"
VERSION_FORMAT = re.compile(
    rf"^\d{{8}}T\d{{6}}Z-[0-9a-f]{{8}}-[0-9a-f]{{{MANIFEST_DIGEST_CHARS}}}$"
)


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


def _write_with_folds(folder: Path) -> None:
    _write_files(folder)
    (folder / FOLDS_DIR).mkdir()
    for k in range(2):
        (folder / fold_model_file(k)).write_text(f"fold model {k}")


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    write_bundle(tmp_path, PREFIX, _fields(), _write_files)
    return tmp_path


@pytest.fixture
def version(model_dir: Path) -> str:
    """The name write_bundle gave the fixture's bundle (what `current` names)."""
    return (model_dir / CURRENT_FILE).read_text().strip()


def _edit_manifest(folder: Path, **changes: object) -> None:
    path = folder / MANIFEST_FILE
    raw = json.loads(path.read_text())
    raw.update(changes)
    path.write_text(json.dumps(raw, indent=2))


def test_round_trip_resolves_current_and_returns_manifest(model_dir: Path, version: str) -> None:
    bundle = load_bundle(model_dir)
    assert VERSION_FORMAT.match(version) and version.startswith(PREFIX + "-")
    assert bundle.root == model_dir / version
    assert bundle.manifest.version == version
    assert bundle.manifest.format_version == FORMAT_VERSION
    assert bundle.manifest.feature_names == ["EXT_SOURCE_2", "CODE_GENDER"]
    assert set(bundle.manifest.files) == set(BUNDLE_FILES)
    assert bundle.model_path.read_bytes() == b"content of model.txt"
    # A version folder can be given directly too.
    assert load_bundle(model_dir / version).manifest == bundle.manifest
    # Nothing temporary left behind.
    assert not [p for p in model_dir.iterdir() if p.name.startswith(".")]


def test_decision_follows_threshold(model_dir: Path) -> None:
    manifest = load_bundle(model_dir).manifest
    assert manifest.decide(0.5) == "refuse"
    assert manifest.decide(0.119) == "grant"
    assert manifest.decide(0.12) == "refuse"


def test_missing_file_is_named(model_dir: Path, version: str) -> None:
    (model_dir / version / "reference.json").unlink()
    with pytest.raises(BundleError, match=r"missing file reference\.json"):
        load_bundle(model_dir)


def test_missing_manifest_is_named(model_dir: Path, version: str) -> None:
    (model_dir / version / MANIFEST_FILE).unlink()
    with pytest.raises(BundleError, match=r"missing file manifest\.json"):
        load_bundle(model_dir)


def test_edited_file_is_a_hash_mismatch(model_dir: Path, version: str) -> None:
    path = model_dir / version / MODEL_FILE
    path.write_bytes(path.read_bytes() + b" tampered")
    with pytest.raises(BundleError, match=r"hash mismatch for model\.txt"):
        load_bundle(model_dir)
    # Skipping verification is explicit and still reads the manifest.
    assert load_bundle(model_dir, verify=False).manifest.version == version


@pytest.mark.parametrize("found", [FORMAT_VERSION + 1, 0, None, "1"])
def test_unknown_format_version_is_refused(model_dir: Path, version: str, found: object) -> None:
    path = model_dir / version / MANIFEST_FILE
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


@pytest.mark.parametrize("name", ["../current", "/etc/passwd", "a/../../b", "./model.txt", ""])
def test_manifest_cannot_point_outside_bundle(model_dir: Path, version: str, name: str) -> None:
    folder = model_dir / version
    manifest = read_manifest(folder)
    forged = manifest.model_copy(update={"files": {**manifest.files, name: "0" * 64}})
    with pytest.raises(BundleError, match="outside the bundle"):
        verify_files(folder, forged)


def test_missing_model_dir(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="does not exist"):
        load_bundle(tmp_path / "nowhere")


def test_failed_writer_leaves_previous_bundle_in_service(model_dir: Path, version: str) -> None:
    def broken(folder: Path) -> None:
        (folder / MODEL_FILE).write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_bundle(model_dir, "20261128T000000Z-0123abcd", _fields(), broken)
    assert load_bundle(model_dir).manifest.version == version
    assert sorted(p.name for p in model_dir.iterdir()) == [version, CURRENT_FILE]


def test_writer_refuses_incomplete_bundle(tmp_path: Path) -> None:
    def partial(folder: Path) -> None:
        (folder / MODEL_FILE).write_text("model")

    with pytest.raises(RuntimeError, match="did not produce"):
        write_bundle(tmp_path, PREFIX, _fields(), partial)
    assert not (tmp_path / CURRENT_FILE).exists()


def test_new_version_becomes_current(model_dir: Path, version: str) -> None:
    newer = write_bundle(model_dir, "20261128T000000Z-0123abcd", _fields(), _write_files).name
    assert newer.startswith("20261128T000000Z-0123abcd-") and VERSION_FORMAT.match(newer)
    assert load_bundle(model_dir).manifest.version == newer
    assert load_bundle(model_dir / version).manifest.version == version


def test_version_name_starts_with_time_and_fingerprint() -> None:
    name = version_name("1a2b3c4d" + "0" * 56, datetime(2026, 11, 27, 21, 30, 5, tzinfo=UTC))
    assert name == "20261127T213005Z-1a2b3c4d"


def test_version_name_ends_with_the_manifest_digest(model_dir: Path, version: str) -> None:
    raw = json.loads((model_dir / version / MANIFEST_FILE).read_text())
    assert raw["version"] == version
    assert version.endswith("-" + manifest_digest(raw)[:MANIFEST_DIGEST_CHARS])
    # Another manifest (here: another threshold) gets another name from the same prefix.
    other = write_bundle(model_dir, PREFIX, {**_fields(), "threshold": 0.5}, _write_files)
    assert other.name != version and other.name.startswith(PREFIX + "-")


def test_same_manifest_twice_is_refused(model_dir: Path) -> None:
    with pytest.raises(FileExistsError, match="already exists"):
        write_bundle(model_dir, PREFIX, _fields(), _write_files)


# ---------------------------------------------------------------- manifest integrity


def test_threshold_edit_is_refused(model_dir: Path, version: str) -> None:
    """The issue's case: 0.12 -> 0.92 would turn refusals into grants under the same version."""
    _edit_manifest(model_dir / version, threshold=0.92)
    with pytest.raises(BundleError, match=r"manifest\.json in bundle .* was modified"):
        load_bundle(model_dir)
    with pytest.raises(BundleError, match=r"was modified"):
        load_bundle(model_dir / version)


def test_reformatted_manifest_is_still_the_same_manifest(model_dir: Path, version: str) -> None:
    path = model_dir / version / MANIFEST_FILE
    raw = json.loads(path.read_text())
    path.write_text(json.dumps(dict(reversed(raw.items())), indent=7))
    assert load_bundle(model_dir).manifest.threshold == 0.12


def test_rewritten_version_field_does_not_match_the_folder(model_dir: Path, version: str) -> None:
    """Recomputing the digest after an edit gives a new version: not the one in service."""
    folder = model_dir / version
    raw = json.loads((folder / MANIFEST_FILE).read_text())
    raw["threshold"] = 0.92
    forged = f"{PREFIX}-{manifest_digest(raw)[:MANIFEST_DIGEST_CHARS]}"
    _edit_manifest(folder, threshold=0.92, version=forged)
    with pytest.raises(BundleError, match=r"must keep its version as its name"):
        load_bundle(model_dir)


def test_renamed_version_folder_is_refused(model_dir: Path, version: str) -> None:
    renamed = model_dir / "20261127T213000Z-0123abcd-renamed"
    (model_dir / version).rename(renamed)
    with pytest.raises(BundleError, match=r"is named .*renamed.* but its manifest is version"):
        load_bundle(renamed)


def test_bundle_without_digest_in_its_name_is_refused(model_dir: Path, version: str) -> None:
    """A bundle named the old way (time-fingerprint only) is refused with the way out."""
    old = PREFIX
    (model_dir / version).rename(model_dir / old)
    _edit_manifest(model_dir / old, version=old)
    (model_dir / CURRENT_FILE).write_text(old)
    with pytest.raises(BundleError, match=r"must be retrained"):
        load_bundle(model_dir)


# ---------------------------------------------------------------- links and unlisted files


def test_symlinked_version_folder_is_refused(model_dir: Path, version: str, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(model_dir / version, elsewhere)
    (model_dir / version).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(BundleError, match=r"version folder .* is a symbolic link"):
        load_bundle(model_dir)
    with pytest.raises(BundleError, match=r"version folder .* is a symbolic link"):
        load_bundle(model_dir / version)


@pytest.mark.parametrize("name", [REFERENCE_FILE, MANIFEST_FILE])
def test_symlinked_file_is_refused(
    model_dir: Path, version: str, tmp_path: Path, name: str
) -> None:
    """Even a link to an identical copy: the bundle must not depend on a file outside it."""
    path = model_dir / version / name
    copy = tmp_path / f"copy-of-{name}"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)
    with pytest.raises(BundleError, match=rf"{re.escape(name)}.* is a symbolic link"):
        load_bundle(model_dir)


@pytest.mark.parametrize("name", ["notes.txt", ".DS_Store", "folds/fold-9.txt", "extra/model.txt"])
def test_unlisted_file_is_refused_and_named(model_dir: Path, version: str, name: str) -> None:
    path = model_dir / version / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("not written by training")
    with pytest.raises(BundleError, match=rf"file {re.escape(name)} in bundle .* is not listed"):
        load_bundle(model_dir)


def test_fold_models_are_hashed_and_required(tmp_path: Path) -> None:
    fields = {**_fields(), "fold_models": [fold_model_file(0), fold_model_file(1)]}
    folder = write_bundle(tmp_path, PREFIX, fields, _write_with_folds)
    manifest = load_bundle(tmp_path).manifest
    assert {fold_model_file(0), fold_model_file(1)} <= set(manifest.files)
    (folder / fold_model_file(1)).write_text("fold model 1, edited")
    with pytest.raises(BundleError, match=r"hash mismatch for folds/fold-1\.txt"):
        load_bundle(tmp_path)
    (folder / fold_model_file(1)).unlink()
    with pytest.raises(BundleError, match=r"missing file folds/fold-1\.txt"):
        load_bundle(tmp_path)


def test_writer_refuses_a_listed_fold_model_it_did_not_write(tmp_path: Path) -> None:
    fields = {**_fields(), "fold_models": [fold_model_file(0), fold_model_file(2)]}
    with pytest.raises(RuntimeError, match=r"did not produce folds/fold-2\.txt"):
        write_bundle(tmp_path, PREFIX, fields, _write_with_folds)


def test_listed_fold_model_without_hash_is_refused(model_dir: Path, version: str) -> None:
    folder = model_dir / version
    manifest = read_manifest(folder)
    forged = manifest.model_copy(update={"fold_models": [fold_model_file(0)]})
    with pytest.raises(BundleError, match=r"fold model folds/fold-0\.txt but no sha256"):
        verify_files(folder, forged)


# ---------------------------------------------------------------- the real bundle


def _flip_middle_byte(path: Path) -> None:
    """Change one byte, keeping the size (so only a content hash can tell)."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _real_bundle_copy(sample_bundle: Path, tmp_path: Path) -> tuple[Path, Path]:
    copy = tmp_path / "models"
    shutil.copytree(sample_bundle, copy, symlinks=True)
    return copy, copy / (copy / CURRENT_FILE).read_text().strip()


def test_real_bundle_loads_and_lists_every_file_it_holds(sample_bundle: Path) -> None:
    bundle = load_bundle(sample_bundle)
    assert VERSION_FORMAT.match(bundle.manifest.version)
    held = {p.relative_to(bundle.root).as_posix() for p in bundle.root.rglob("*") if p.is_file()}
    assert held == {*bundle.manifest.files, MANIFEST_FILE}
    # Every file of the bundle is one the tampering test below goes through.
    assert set(bundle.manifest.files) == {*BUNDLE_FILES, *bundle.manifest.fold_models}


@pytest.mark.parametrize("target", [*BUNDLE_FILES, FOLDS_DIR, MANIFEST_FILE])
def test_any_file_of_the_real_bundle_tampered_is_refused(
    sample_bundle: Path, tmp_path: Path, target: str
) -> None:
    """One parameter per kind of file: every listed file (each fold model in turn) and the
    manifest itself must be refused once altered."""
    copy, folder = _real_bundle_copy(sample_bundle, tmp_path)
    manifest = load_bundle(copy).manifest
    if target == MANIFEST_FILE:
        _edit_manifest(folder, threshold=min(0.954, manifest.threshold + 0.9))
        with pytest.raises(BundleError, match=r"manifest\.json in bundle .* was modified"):
            load_bundle(copy)
        return
    names = manifest.fold_models if target == FOLDS_DIR else [target]
    if not names:
        pytest.skip("this bundle has no fold models yet")
    for name in names:
        original = (folder / name).read_bytes()
        _flip_middle_byte(folder / name)
        with pytest.raises(BundleError, match=rf"hash mismatch for {re.escape(name)}"):
            load_bundle(copy)
        (folder / name).write_bytes(original)
        assert load_bundle(copy).manifest == manifest


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
