"""The data fingerprint: one hash naming exactly the bytes a model was trained on.

A bundle records it so that anyone holding a data set can tell whether it is the one a model
came from, and the bundle's version name carries its first characters. It is computed from the
list of files the reader actually opened (see `training.data.reader.OpenedTables`), never from a
second look at the folder, so it cannot disagree with what was read: a nested folder, the Kaggle
zip (its extracted members) and a Parquet folder are all covered, and a README beside the tables
is not.

Each file contributes its name relative to the folder holding the tables, its size and the
sha256 of its full content. The same files therefore give the same fingerprint whether they come
as a folder, one folder down, or inside a zip; a single changed byte gives another one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from training.errors import DataError

_BLOCK = 4 * 1024 * 1024


@dataclass(frozen=True)
class InputFile:
    """One file that was read: what the fingerprint is made of."""

    #: Path relative to the folder holding the tables (for an archive: the member's name).
    name: str
    size: int
    sha256: str


def hash_file(path: Path) -> tuple[int, str]:
    """(size in bytes, sha256 hex) of a file, read in blocks so a 360 MB CSV costs no memory."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def fingerprint(inputs: Iterable[InputFile]) -> str:
    """sha256 over `name NUL size NUL sha256 LF` of each input, sorted by name.

    Refuses an empty list: the hash of nothing (e3b0c442...) would name every data set alike.
    """
    ordered = sorted(inputs, key=lambda f: f.name)
    if not ordered:
        raise DataError(
            "no data file was read, so there is nothing to fingerprint",
            expected="at least one table file",
        )
    names = [f.name for f in ordered]
    if len(set(names)) != len(names):
        raise DataError(
            f"two input files share a name: {', '.join(sorted(names))}",
            expected="one file per table",
        )
    digest = hashlib.sha256()
    for item in ordered:
        digest.update(f"{item.name}\0{item.size}\0{item.sha256}\n".encode())
    return digest.hexdigest()
