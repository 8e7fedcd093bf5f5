"""Privacy retention: delete unknown-face captures after N days; expire watch-list entries."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .const import SNAPSHOT_KIND_UNKNOWN
from .gallery import Gallery

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["purge_unknown_captures_blocking", "run_retention"]


def purge_unknown_captures_blocking(root: Path, days: float, now: float | None = None) -> list[str]:
    """Delete unknown-face captures older than `days` that no incident uses; return their ids."""
    if not root.exists():
        return []
    limit = (time.time() if now is None else now) - days * 86400
    removed = []
    for meta_path in sorted(root.glob("*.json")):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        if meta.get("kind") != SNAPSHOT_KIND_UNKNOWN or meta.get("incident_id"):
            continue
        if float(meta.get("at", now or time.time())) >= limit:
            continue
        meta_path.with_suffix(".jpg").unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        removed.append(meta_path.stem)
    return removed


async def run_retention(hub: Hub, gallery: Gallery, days: float) -> dict[str, int]:
    """Run one retention pass; log and audit what was deleted."""
    ids = await asyncio.to_thread(purge_unknown_captures_blocking, hub.snapshots.root, days)
    if ids:
        _LOGGER.info("Face retention: deleted %d unknown-face captures older than %s days: %s",
                     len(ids), days, ", ".join(ids))
        hub.audit("faces.retention", details={"deleted_unknown_captures": ids, "days": days})
    expired = await gallery.expire(dt.datetime.now(dt.UTC))
    for person in expired:
        _LOGGER.info("Face retention: watch-list entry %s (%s, source %s) expired and was "
                     "removed", person.id, person.group, person.source or "-")
    if expired:
        hub.audit("faces.expired", details={"persons": [p.id for p in expired]})
    return {"unknown_captures": len(ids), "expired_persons": len(expired)}
