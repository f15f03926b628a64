"""The extraction cache of the Kaggle zip: members copied out once, and trusted only when whole.

Polars scans only seekable files lazily, and the biggest member (bureau_balance.csv, ~360 MB)
must not be inflated into Python memory nor re-inflated on each of the validator's passes, so
members are copied out, in 16 MB blocks, into `<archive stem>.extracted/` beside the archive (a
folder under the system temp folder when that one is read-only).

A cache is read only if it provably holds this archive's bytes. Its marker file
(`.complete.json`) names the sha256 of the archive it came from and, for each member, its CRC-32,
size and the sha256 of the extracted copy. The marker is written last, atomically (temp file,
fsync, rename), after every member it lists has been written and renamed into place; a cache
made from another archive has its marker removed *before* anything is extracted again. So:

- a replaced archive (different sha256) is re-extracted in full;
- an interrupted extraction left either no marker or a marker that does not list the member
  being written: that member is extracted again;
- an extracted file that was truncated or edited since no longer has the marker's sha256: it is
  extracted again. Every reuse re-hashes the copies, which also gives the data fingerprint its
  content hashes for free.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.data.fingerprint import hash_file
from training.errors import DataError
from training.progress import Progress

MARKER = ".complete.json"
_BLOCK = 16 * 1024 * 1024


@dataclass(frozen=True)
class Extracted:
    """One member's verified copy in the cache."""

    path: Path
    size: int
    sha256: str


def default_cache_dir(archive: Path) -> Path:
    """`<archive stem>.extracted/` beside the archive, or a temp folder when that is read-only."""
    beside = archive.parent / f"{archive.stem}.extracted"
    try:
        beside.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=beside, prefix=".probe."):
            return beside
    except OSError:
        digest = hashlib.sha1(str(archive.resolve()).encode()).hexdigest()[:12]
        fallback = Path(tempfile.gettempdir()) / "scoring-extracted" / f"{archive.stem}-{digest}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def _read_marker(cache: Path, archive_sha256: str) -> dict[str, dict[str, Any]] | None:
    """Member entries of a marker made from this very archive, or None."""
    try:
        data = json.loads((cache / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("archive_sha256") != archive_sha256:
        return None
    members = data.get("members")
    return members if isinstance(members, dict) else None


def _write_marker(cache: Path, archive_sha256: str, members: dict[str, dict[str, Any]]) -> None:
    text = json.dumps(
        {"archive_sha256": archive_sha256, "members": members}, indent=1, sort_keys=True
    )
    fd, tmp = tempfile.mkstemp(dir=cache, prefix=f"{MARKER}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, cache / MARKER)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _extract_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, label: str
) -> Extracted:
    """Copy one member out in blocks to a temp file, hashing it on the way, then rename.

    `zipfile` checks the member's CRC-32 when the last block is read, so a damaged archive
    raises here and `target` is never replaced by a bad copy.
    """
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, archive.open(info) as member:
            while block := member.read(_BLOCK):
                out.write(block)
                digest.update(block)
                size += len(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except zipfile.BadZipFile as error:
        raise DataError(
            f"the archive member is damaged ({error})",
            file=label,
            expected="an archive that unzips cleanly (download it again)",
        ) from error
    finally:  # after a successful rename there is nothing left to remove
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return Extracted(target, size, digest.hexdigest())


def _still_whole(target: Path, entry: Any, info: zipfile.ZipInfo) -> Extracted | None:
    """The cached copy if the marker vouches for it and its bytes still match, else None."""
    if not isinstance(entry, dict):
        return None
    if entry.get("crc") != info.CRC or entry.get("size") != info.file_size:
        return None
    if target.is_symlink() or not target.is_file() or target.stat().st_size != info.file_size:
        return None
    size, sha256 = hash_file(target)
    if size != info.file_size or sha256 != entry.get("sha256"):
        return None
    return Extracted(target, size, sha256)


def extract_members(
    archive_path: Path,
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    cache: Path,
    *,
    progress: Progress | None = None,
) -> dict[str, Extracted]:
    """Verified copies of `members` (cache file name -> archive entry) in the `cache` folder.

    Reuses a copy only when the marker of this archive lists it and its sha256 still matches;
    extracts everything else, then rewrites the marker (last).
    """
    cache.mkdir(parents=True, exist_ok=True)
    _, archive_sha256 = hash_file(archive_path)
    entries = _read_marker(cache, archive_sha256)
    if entries is None:
        # Another archive's (or a damaged) marker must not survive a half-done re-extraction.
        with contextlib.suppress(FileNotFoundError):
            (cache / MARKER).unlink()
        entries = {}
    result: dict[str, Extracted] = {}
    changed = False
    for name, info in members.items():
        target = cache / name
        found = _still_whole(target, entries.get(name), info)
        if found is None:
            label = f"{archive_path.name}/{info.filename}"
            if progress:
                progress.say(f"extracting {label} ({info.file_size / 1e6:,.0f} MB) to {cache}")
            found = _extract_member(archive, info, target, label)
            entries[name] = {"crc": info.CRC, "size": found.size, "sha256": found.sha256}
            changed = True
        result[name] = found
    if changed or not (cache / MARKER).is_file():
        _write_marker(cache, archive_sha256, entries)
    return result
