"""Publishing a folder atomically: readers see the old folder or the new one, never a mix.

A lake is hundreds of files, so it is written under a hidden temporary name beside its target,
every file and folder is fsynced, and only then does one rename give it its name. Replacing an
existing lake (`scoring ingest --force`) uses Linux's renameat2(RENAME_EXCHANGE), which swaps two
names in one step: a command reading the lake at that moment opens either the old manifest or
the new one. Where the kernel or file system cannot exchange (not Linux, some network file
systems), the old folder is renamed aside first, leaving its name absent for the microseconds
between the two renames (documented in docs/lake.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values meaning "this system cannot exchange", after which the fallback is used.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV}


def fsync_tree(root: Path) -> None:
    """fsync every file under `root`, then every folder bottom-up (so new entries are durable)."""
    folders = []
    for folder, _, files in os.walk(root):
        folders.append(folder)
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                os.fsync(handle.fileno())
    for folder in reversed(folders):
        fsync_dir(Path(folder))


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths' names atomically; False when this system cannot (nothing changed then)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:  # glibc < 2.28 or another C library
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def publish(staged: Path, target: Path) -> None:
    """Give the complete, fsynced folder `staged` the name `target`, replacing any folder there.

    `staged` must sit in `target`'s parent folder (a rename never crosses file systems). The
    replaced folder is deleted afterwards; if that deletion is interrupted it is left under a
    hidden `.<name>.ingest-*` name, never under `target`.
    """
    if not target.exists():
        os.rename(staged, target)
    elif _exchange(staged, target):
        shutil.rmtree(staged)  # now holds the previous folder
    else:
        aside = staged.with_name(staged.name + ".old")
        os.rename(target, aside)
        os.rename(staged, target)
        shutil.rmtree(aside)
    fsync_dir(target.parent)
