"""A sender's background writers: delivery marks in the outbox table and delivery steps in
incident timelines, written in batches off the path of the next item."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from ..exceptions import IncidentError
from .queue import OutboxQueue, QueuedItem

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["DeliveryWriter"]

_MARK_WINDOW = 0.05

Step = tuple[QueuedItem, str, str, dict[str, Any]]


class DeliveryWriter:
    """Writes what one uplink's sender did: items marked delivered, timeline steps."""

    def __init__(self, hub: Hub, name: str, queue: OutboxQueue) -> None:
        self.name = name
        self._hub = hub
        self._queue = queue
        self._to_mark: list[str] = []
        self._marks = asyncio.Event()
        self._steps: deque[Step] = deque()
        self._step_ready = asyncio.Event()

    def start(self) -> None:
        """Start the two writer tasks (they end with the hub)."""
        self._hub.create_task(self._mark_loop(), name=f"uplink {self.name} marks")
        self._hub.create_task(self._step_loop(), name=f"uplink {self.name} timeline")

    def mark(self, key: str) -> None:
        """Mark an item delivered in the outbox table soon (one transaction per window)."""
        self._to_mark.append(key)
        self._marks.set()

    def record(self, item: QueuedItem, action: str, note: str, data: dict[str, Any]) -> None:
        """Add a delivery step to the timeline of the item's incident soon (if it has one)."""
        if item.incident_id is not None:
            self._steps.append((item, action, note, data))
            self._step_ready.set()

    async def flush(self) -> None:
        """Write pending delivery marks and timeline steps now (before the hub stops)."""
        await self._flush_marks()
        await self._flush_steps()

    async def _mark_loop(self) -> None:
        while True:
            await self._marks.wait()
            # Gather the marks of a short window into one transaction; a crash inside it
            # only means those items are sent again (the key de-duplicates them).
            await asyncio.sleep(_MARK_WINDOW)
            self._marks.clear()
            await self._flush_marks()

    async def _flush_marks(self) -> None:
        keys, self._to_mark = self._to_mark, []
        if not keys:
            return
        try:
            await self._queue.mark_delivered(self.name, keys)
        except asyncio.CancelledError:  # the hub stops: flush() marks them
            self._to_mark[:0] = keys
            raise
        except Exception:  # not marked: sent again after a restart, the key de-duplicates
            _LOGGER.exception("Uplink %s: could not mark %d deliveries", self.name, len(keys))

    async def _step_loop(self) -> None:
        while True:
            await self._step_ready.wait()
            self._step_ready.clear()
            await self._flush_steps()

    async def _flush_steps(self) -> None:
        # Steps of different incidents are written concurrently, so the recorder commits
        # them together (group commit); one incident's steps stay in order.
        while self._steps:
            batch = list(self._steps)
            chains: dict[str | None, list[Step]] = {}
            for entry in batch:
                chains.setdefault(entry[0].incident_id, []).append(entry)
            written: list[Step] = []
            try:
                await asyncio.gather(*(self._write_steps(chain, written)
                                       for chain in chains.values()))
            finally:  # after the write: a cancelled write is retried by flush()
                for entry in written:
                    with contextlib.suppress(ValueError):  # a concurrent flush() took it
                        self._steps.remove(entry)

    async def _write_steps(self, chain: list[Step], written: list[Step]) -> None:
        for entry in chain:
            item, action, note, data = entry
            step_data = {"uplink": self.name, "idempotency_key": item.idempotency_key,
                         "revision": item.revision, **data}
            try:
                await self._hub.incidents.add_step(
                    item.incident_id or "", action, note=note, data=step_data,
                    actor=f"uplink:{self.name}", forward=False)
            except IncidentError:
                _LOGGER.warning("Uplink %s: incident %s is gone; step not recorded",
                                self.name, item.incident_id)
            except Exception:
                _LOGGER.exception("Uplink %s: timeline step not recorded", self.name)
            written.append(entry)
