"""Stored snapshots: JPEG files by id, linked to cameras and incidents, with retention."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .datadir import write_private_blocking

if TYPE_CHECKING:
    from .hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["SnapshotStore"]

_ID = re.compile(r"^[0-9a-f]{32}$")


class SnapshotStore:
    """Keeps snapshot files under `<data_dir>/snapshots/`; file I/O runs off the loop."""

    def __init__(self, hub: Hub, root: Path) -> None:
        self._hub = hub
        self.root = root

    async def save(self, data: bytes, camera: str, *, incident_id: str | None = None,
                   kind: str = "snapshot") -> str:
        """Store a JPEG and return its id."""
        snap_id = os.urandom(16).hex()
        meta = {"camera": camera, "incident_id": incident_id, "kind": kind, "at": time.time()}
        await self._hub.run_blocking(self._write_blocking, snap_id, data, meta)
        return snap_id

    def _write_blocking(self, snap_id: str, data: bytes, meta: dict[str, Any]) -> None:
        write_private_blocking(self.root / f"{snap_id}.jpg", data)
        write_private_blocking(self.root / f"{snap_id}.json", json.dumps(meta).encode())

    def path(self, snap_id: str) -> Path | None:
        """Return where a snapshot id's file would be, or None for a malformed id."""
        if not _ID.match(snap_id):
            return None
        return self.root / f"{snap_id}.jpg"

    async def incident_of(self, snap_id: str) -> str | None:
        """Return the id of the incident a snapshot was stored for (None: none, or unknown)."""
        path = self.path(snap_id)
        if path is None:
            return None
        meta = await self._hub.run_blocking(_meta_or_none, path.with_suffix(".json"))
        value = (meta or {}).get("incident_id")
        return value if isinstance(value, str) else None

    async def delete(self, snap_id: str) -> bool:
        """Delete a snapshot and its metadata; return whether it existed."""
        path = self.path(snap_id)
        if path is None:
            return False
        return await self._hub.run_blocking(_delete_blocking, path)

    async def read(self, snap_id: str) -> bytes | None:
        """Return a snapshot's bytes, or None for a bad or unknown id."""
        path = self.path(snap_id)
        if path is None:
            return None
        return await self._hub.run_blocking(_read_or_none, path)

    async def purge(self, older_than_days: float, keep_incidents: bool = True) -> int:
        """Delete snapshots older than the limit (those of incidents stay); return how many."""
        removed = await self.purge_ids(older_than_days, keep_incidents=keep_incidents)
        if removed:
            _LOGGER.info("Retention: deleted %d snapshots older than %s days", len(removed),
                         older_than_days)
        return len(removed)

    async def purge_ids(self, older_than_days: float, *, kind: str | None = None,
                        keep_incidents: bool = True) -> list[str]:
        """Delete old snapshots (only of `kind`, if given); return the deleted ids."""
        return await self._hub.run_blocking(self._purge_blocking, older_than_days, kind,
                                            keep_incidents)

    def _purge_blocking(self, days: float, kind: str | None, keep_incidents: bool) -> list[str]:
        if not self.root.exists():
            return []
        limit, removed = time.time() - days * 86400, []
        for meta_path in sorted(self.root.glob("*.json")):
            try:
                meta = json.loads(meta_path.read_text())
            except (OSError, ValueError):  # a half-written or foreign file: leave it alone
                continue
            if kind is not None and meta.get("kind") != kind:
                continue
            if float(meta.get("at", time.time())) >= limit or (
                    keep_incidents and meta.get("incident_id")):
                continue
            meta_path.with_suffix(".jpg").unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
            removed.append(meta_path.stem)
        return removed


def _delete_blocking(path: Path) -> bool:
    existed = path.exists()
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)
    return existed


def _meta_or_none(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
