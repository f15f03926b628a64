"""Writing a bundle so that no reader ever sees half of one, nor an edited one.

The version folder is filled under MODEL_DIR/.tmp-<name>, every file is fsynced, the
manifest (with each file's sha256) is written last inside it, the folder is renamed into place,
and only then is MODEL_DIR/current replaced (temp file + rename). A crash at any point leaves
the previous bundle in service and, at worst, a .tmp- folder to delete.

The folder's name, which is the version, ends with the digest of the manifest
(`shared.bundle.manifest_digest`), so the loader can tell an edited manifest from the one
written here (docs/bundle-integrity.md).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.bundle import (
    BUNDLE_FILES,
    CURRENT_FILE,
    FORMAT_VERSION,
    MANIFEST_DIGEST_CHARS,
    MANIFEST_FILE,
    Manifest,
    check_version_name,
    manifest_digest,
    sha256_file,
)
from training.data.reader import OpenedTables, open_tables


def data_fingerprint(data: Path | OpenedTables) -> str:
    """The fingerprint of the files the model is trained on (see training.data.fingerprint).

    Pass the tables `open_tables` returned: the fingerprint is then made from the very files
    they were read from. A path is opened the same way first (same files, same result).
    """
    tables = data if isinstance(data, OpenedTables) else open_tables(Path(data))
    return tables.fingerprint


def version_name(fingerprint: str, now: datetime | None = None) -> str:
    """The start of a version name, e.g. 20261127T213000Z-1a2b3c4d: sortable by time, tied to
    the data it was trained on. `write_bundle` appends the manifest digest."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{fingerprint[:8]}"


def sealed_manifest(prefix: str, fields: dict[str, Any]) -> tuple[Manifest, str]:
    """The manifest with its final version `<prefix>-<digest>`, and its JSON text.

    The digest is taken over the JSON exactly as written (parsed back), which is what the loader
    recomputes, so a float that JSON renders differently from Python cannot make them disagree.
    """
    draft = Manifest.model_validate({**fields, "version": prefix})
    digest = manifest_digest(json.loads(draft.model_dump_json()))[:MANIFEST_DIGEST_CHARS]
    version = check_version_name(f"{prefix}-{digest}")
    manifest = draft.model_copy(update={"version": version})
    text = manifest.model_dump_json(indent=2)
    if manifest_digest(json.loads(text))[:MANIFEST_DIGEST_CHARS] != digest:
        raise RuntimeError("manifest digest changed when the version was set (writer bug)")
    return manifest, text


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_current(model_dir: Path, version: str) -> None:
    """Points MODEL_DIR/current at `version` atomically (temp file, fsync, rename)."""
    check_version_name(version)
    tmp = model_dir / f".{CURRENT_FILE}.tmp-{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    _fsync_file(tmp)
    os.replace(tmp, model_dir / CURRENT_FILE)
    _fsync_dir(model_dir)


def write_bundle(
    model_dir: Path,
    version: str,
    manifest_fields: dict[str, Any],
    write_files: Callable[[Path], None],
    *,
    make_current: bool = True,
) -> Path:
    """Writes MODEL_DIR/<version>-<manifest digest> atomically and returns its path.

    `version` is the start of the name (see `version_name`); the folder's name, which is the
    bundle's version, is only known once the manifest is. `write_files(folder)` writes every
    file of BUNDLE_FILES (and any fold models) into `folder`; this function adds
    format_version, version and the file hashes to `manifest_fields`, validates the manifest
    against the shared schema (so a writer bug fails here, not in the API), and publishes.
    """
    model_dir = Path(model_dir)
    check_version_name(version)
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = model_dir / f".tmp-{version}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        write_files(tmp)
        listed = [*BUNDLE_FILES, *manifest_fields.get("fold_models", [])]
        missing = [name for name in listed if not (tmp / name).is_file()]
        if missing:
            raise RuntimeError(f"bundle writer did not produce {', '.join(missing)}")
        files = sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != MANIFEST_FILE)
        hashes = {p.relative_to(tmp).as_posix(): sha256_file(p) for p in files}
        fields = {**manifest_fields, "format_version": FORMAT_VERSION, "files": hashes}
        manifest, text = sealed_manifest(version, fields)
        final = model_dir / manifest.version
        if final.exists():
            raise FileExistsError(f"bundle version {final} already exists")
        (tmp / MANIFEST_FILE).write_text(text, encoding="utf-8")
        for p in [*files, tmp / MANIFEST_FILE]:
            _fsync_file(p)
        for folder in {p.parent for p in files}:
            _fsync_dir(folder)
        os.replace(tmp, final)
        _fsync_dir(model_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if make_current:
        replace_current(model_dir, manifest.version)
    return final
