"""Writing a bundle so that no reader ever sees half of one.

The version folder is filled under MODEL_DIR/.tmp-<version>, every file is fsynced, the
manifest (with each file's sha256) is written last inside it, the folder is renamed into place,
and only then is MODEL_DIR/current replaced (temp file + rename). A crash at any point leaves
the previous bundle in service and, at worst, a .tmp- folder to delete.
"""

from __future__ import annotations

import hashlib
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
    MANIFEST_FILE,
    Manifest,
    check_version_name,
    sha256_file,
)
from shared.tables import TABLES


def data_fingerprint(path: Path) -> str:
    """sha256 over the input tables: for each file sorted by name, its name, size and content.

    The full content is hashed (a few seconds for the full 2.5 GB of CSV) rather than a sample
    of it, so two data sets that differ in a single row never share a fingerprint. Only the
    table files the reader uses count (a README next to them does not change the model).
    """
    path = Path(path)
    if path.is_file():
        files = [path]
    else:
        files = []
        for name, table in TABLES.items():
            for candidate in (path / f"{name}.parquet", path / table.file_name):
                if candidate.is_file():
                    files.append(candidate)
                    break
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(f"{file.name}\0{file.stat().st_size}\0".encode())
        with file.open("rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
    return digest.hexdigest()


def version_name(fingerprint: str, now: datetime | None = None) -> str:
    """E.g. 20261127T213000Z-1a2b3c4d: sortable by time, tied to the data it was trained on."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{fingerprint[:8]}"


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
    """Writes MODEL_DIR/<version> atomically and returns its path.

    `write_files(folder)` writes every file of BUNDLE_FILES into `folder`; this function adds
    format_version, version and the file hashes to `manifest_fields`, validates the manifest
    against the shared schema (so a writer bug fails here, not in the API), and publishes.
    """
    model_dir = Path(model_dir)
    check_version_name(version)
    model_dir.mkdir(parents=True, exist_ok=True)
    final = model_dir / version
    if final.exists():
        raise FileExistsError(f"bundle version {final} already exists")
    tmp = model_dir / f".tmp-{version}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        write_files(tmp)
        missing = [name for name in BUNDLE_FILES if not (tmp / name).is_file()]
        if missing:
            raise RuntimeError(f"bundle writer did not produce {', '.join(missing)}")
        files = sorted(p for p in tmp.rglob("*") if p.is_file() and p.name != MANIFEST_FILE)
        hashes = {p.relative_to(tmp).as_posix(): sha256_file(p) for p in files}
        manifest = Manifest.model_validate(
            {
                **manifest_fields,
                "format_version": FORMAT_VERSION,
                "version": version,
                "files": hashes,
            }
        )
        (tmp / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        for p in [*files, tmp / MANIFEST_FILE]:
            _fsync_file(p)
        _fsync_dir(tmp)
        os.replace(tmp, final)
        _fsync_dir(model_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if make_current:
        replace_current(model_dir, version)
    return final
