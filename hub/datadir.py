"""The data folder holds the database, face photos, snapshots and keys: private to the hub.

Folders are created 0700 and files 0600 whatever the process umask (issue 10): the photos
are of children, the database holds visitors' ID numbers. A folder that exists with wider
modes is left as it is, with a warning at start saying how to fix it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "check_data_dir_blocking", "private_dirs_blocking",
           "private_sqlite_file_blocking", "write_private_blocking"]

_LOGGER = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dirs_blocking(path: Path) -> None:
    """Create `path` and any missing parent inside it as 0700 folders."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made by another thread meanwhile
            continue
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is reduced by the umask, never widened


def write_private_blocking(path: Path, data: bytes) -> None:
    """Write a file atomically as 0600, creating its folder as 0700."""
    private_dirs_blocking(path.parent)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE)  # an old .part of another mode
        handle.write(data)
    os.replace(tmp, path)


def private_sqlite_file_blocking(path: Path) -> None:
    """Create an empty SQLite file as 0600 (its -wal and -shm files take the same mode)."""
    private_dirs_blocking(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(fd)


def check_data_dir_blocking(path: Path) -> str | None:
    """Return a warning when the data folder exists and others may read or enter it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if not mode & 0o077:
        return None
    return (f"The data folder {path} has mode {mode:o}: other users of this machine may "
            f"read the database, face photos, snapshots and keys. Fix it with: "
            f"chmod -R go-rwx {path}")
