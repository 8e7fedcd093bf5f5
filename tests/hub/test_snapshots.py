"""Snapshots: stored by id, linked to incidents, deleted after their retention."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any


async def test_snapshot_retention_keeps_incident_snapshots(hub_factory: Callable[..., Any]) -> None:
    """Old snapshots are purged, except those attached to an incident; bad ids are refused."""
    h = await hub_factory()
    store = h.hub.snapshots
    old = await store.save(b"\xff\xd8old", "camera.gate")
    kept = await store.save(b"\xff\xd8inc", "camera.gate", incident_id="abc")
    fresh = await store.save(b"\xff\xd8new", "camera.gate")

    def age(snap_id: str) -> None:
        meta_path = store.root / f"{snap_id}.json"
        meta = json.loads(meta_path.read_text())
        meta["at"] = time.time() - 40 * 86400
        meta_path.write_text(json.dumps(meta))

    await asyncio.to_thread(age, old)
    await asyncio.to_thread(age, kept)
    assert await store.purge(30) == 1
    assert await store.read(old) is None
    assert await store.read(kept) == b"\xff\xd8inc"
    assert await store.read(fresh) == b"\xff\xd8new"
    assert store.path("../../etc/passwd") is None
