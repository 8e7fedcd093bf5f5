"""Privacy retention: delete unknown-face captures after N days; expire watch-list entries."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from .capture import SNAPSHOT_KIND_CROP
from .const import SNAPSHOT_KIND_UNKNOWN
from .gallery import Gallery

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["run_retention"]


async def run_retention(hub: Hub, gallery: Gallery, days: float) -> dict[str, int]:
    """Run one retention pass; log and audit what was deleted."""
    ids = await hub.snapshots.purge_ids(days, kind=SNAPSHOT_KIND_UNKNOWN)
    # Face crops made for uplinks (face_captured) are kept no longer than unknown captures:
    # most are never sent (the uplink's choice), and those sent need them only until then.
    ids += await hub.snapshots.purge_ids(days, kind=SNAPSHOT_KIND_CROP)
    if ids:
        _LOGGER.info("Face retention: deleted %d unknown-face captures and face crops older "
                     "than %s days: %s", len(ids), days, ", ".join(ids))
        hub.audit("faces.retention", details={"deleted_unknown_captures": ids, "days": days})
    expired = await gallery.expire(dt.datetime.now(dt.UTC))
    for person in expired:
        _LOGGER.info("Face retention: watch-list entry %s expired and was removed", person.id)
    if expired:
        hub.audit("faces.expired", details={"persons": [p.id for p in expired]})
    return {"unknown_captures": len(ids), "expired_persons": len(expired)}
