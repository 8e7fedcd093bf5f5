"""The locker kind's entity: one door of a locker bank (free or assigned; door open or closed).

A vendor plugin subclasses `Locker`, implements `unlock()` (pulse the door's lock relay) and
reports what its controller reads with `set_door()` and `set_item()`. Everything a school
expects of any locker lives here, the same for every vendor:

- `locker.open` unlocks the door; `locker.assign` gives the locker to a holder (a visit, a
  confiscation: an id, never a person's name, since every panel user sees states);
  `locker.release` frees it. An assignment is kept in the data folder across restarts.
- A door open longer than `door_open_alarm_seconds` raises `locker_door_open`; closing it
  resolves the incident.
- At `overnight_check` (local time) a locker still occupied (its item sensor sees something,
  or, without one, it is still assigned) raises `locker_item_overnight`; emptying or
  releasing it resolves the incident.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from hub import Entity, EntityService, EntityServiceData, ServiceValidationError
from hub.automation.clock import next_time_of_day
from hub.datadir import write_private_blocking
from hub.hubkey import SCHEDULES

from .config import LockerBankConfig
from .const import CATEGORY_DOOR_OPEN, CATEGORY_ITEM_OVERNIGHT, EVENT_LOCKER_OPENED, KIND

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["LOCKER_SERVICES", "AssignData", "Locker", "LockerState"]


class LockerState(StrEnum):
    """States of a locker."""

    FREE = "free"
    ASSIGNED = "assigned"


class AssignData(EntityServiceData):
    """Data of locker.assign: who holds the locker (an id such as `visit:1a2b`, not a name)."""

    holder: str = Field(default="assigned", min_length=1, max_length=64,
                        pattern=r"^[A-Za-z0-9_:.\-]+$")


class Locker(Entity):
    """One door of a locker bank. Subclasses implement unlock() and report door and item."""

    domain: ClassVar[str] = KIND

    def __init__(self, hub: Hub, config: LockerBankConfig, door: int) -> None:
        self.label = f"{config.label_prefix}{door}"
        super().__init__(hub, config, f"{config.slug}_{door:02d}", f"{config.name} {self.label}")
        self.config: LockerBankConfig = config
        self.door_number = door
        #: "open" or "closed" as the door sensor reads; None before the first read.
        self.door: str | None = None
        #: The item sensor's reading; None when the controller has no item sensor.
        self.item: bool | None = None
        self.holder: str | None = None
        self.assigned_at: float | None = None
        self.state = LockerState.FREE
        self._door_timer: asyncio.Task[None] | None = None
        self._overnight: asyncio.Task[None] | None = None
        self._incident_tasks: set[asyncio.Task[None]] = set()

    # -- what the panel and automations see --------------------------------------------------

    @property
    def occupied(self) -> bool:
        """Something is inside: the item sensor says so, or (without one) it is assigned."""
        return self.item if self.item is not None else self.holder is not None

    @property
    def extra_attributes(self) -> dict[str, Any]:
        """Return label, door number, door, occupied, item sensor, holder, bank."""
        return {"label": self.label, "door_number": self.door_number, "bank": self.config.name,
                "door": self.door, "occupied": self.occupied, "item": self.item,
                "holder": self.holder, "assigned_at": self.assigned_at}

    # -- services -----------------------------------------------------------------------------

    async def unlock(self) -> None:
        """Pulse the door's lock relay (the vendor plugin implements it)."""
        raise ServiceValidationError(f"{self.entity_id} cannot be opened")

    async def open(self) -> None:
        """Unlock the door so it springs open."""
        await self.unlock()
        self.hub.bus.fire(EVENT_LOCKER_OPENED, {"entity_id": self.entity_id,
                                                "label": self.label, "holder": self.holder})

    async def assign(self, holder: str = "assigned") -> dict[str, Any]:
        """Give the locker to `holder`; refused while someone else holds it."""
        if self.holder is not None:
            raise ServiceValidationError(
                f"locker {self.label} ({self.entity_id}) is in use",
                [("entity_id", f"locker {self.label} is in use")])
        self.holder, self.assigned_at = holder, self.hub.clock.now()
        self.state = LockerState.ASSIGNED
        await self._save()
        self.write_state()
        return {"entity_id": self.entity_id, "label": self.label}

    async def release(self) -> dict[str, Any]:
        """Free the locker (its overnight incident, if any and now empty, is resolved)."""
        self.holder, self.assigned_at = None, None
        self.state = LockerState.FREE
        await self._save()
        self.write_state()
        if not self.occupied:
            self._resolve(CATEGORY_ITEM_OVERNIGHT, "locker released")
        return {"entity_id": self.entity_id, "label": self.label}

    # -- what the vendor plugin reports -------------------------------------------------------

    def set_door(self, is_open: bool) -> None:
        """Take a door sensor reading; times a door left open."""
        door = "open" if is_open else "closed"
        if door == self.door:
            return
        self.door = door
        self._cancel_door_timer()
        seconds = self.config.door_open_alarm_seconds
        if is_open and seconds:
            self._door_timer = self.hub.create_task(self._door_left_open(seconds),
                                                    name=f"{self.entity_id} door timer")
        elif not is_open:
            self._resolve(CATEGORY_DOOR_OPEN, "door closed")
        if self.available:
            self.write_state()

    def set_item(self, present: bool | None) -> None:
        """Take an item sensor reading (None: the controller has none)."""
        if present == self.item:
            return
        self.item = present
        if not self.occupied:
            self._resolve(CATEGORY_ITEM_OVERNIGHT, "locker emptied")
        if self.available:
            self.write_state()

    # -- supervision ------------------------------------------------------------------------

    async def start_watch(self) -> None:
        """Restore the assignment and start the overnight check (call from setup())."""
        saved = await self.hub.run_blocking(_load_blocking, self._path())
        if saved.get("holder"):
            self.holder = str(saved["holder"])
            self.assigned_at = float(saved.get("assigned_at") or self.hub.clock.now())
            self.state = LockerState.ASSIGNED
        if self.config.overnight_seconds() is not None:
            self._overnight = self.hub.create_task(self._overnight_checks(),
                                                   name=f"{self.entity_id} overnight check")

    async def stop_watch(self) -> None:
        """Stop timers (call from shutdown())."""
        self._cancel_door_timer()
        if self._overnight is not None:
            self._overnight.cancel()
            await asyncio.gather(self._overnight, return_exceptions=True)
            self._overnight = None

    def check_overnight(self) -> None:
        """Raise `locker_item_overnight` when the locker is still occupied."""
        if not self.occupied:
            return
        message = f"{self.name}: an item is still in the locker at the end of the day"
        self._raise(CATEGORY_ITEM_OVERNIGHT, message)

    async def _overnight_checks(self) -> None:
        """Every day at `overnight_check` (hub.clock: tests drive it)."""
        seconds = self.config.overnight_seconds()
        assert seconds is not None
        while True:
            target = next_time_of_day(self.hub.clock.now(), (seconds,), _time_zone(self.hub))
            await self.hub.clock.sleep_until(target)
            self.check_overnight()

    async def _door_left_open(self, seconds: float) -> None:
        await self.hub.clock.sleep_until(self.hub.clock.now() + seconds)
        self._raise(CATEGORY_DOOR_OPEN, f"{self.name}: door open for more than {seconds:g} s")

    def _cancel_door_timer(self) -> None:
        if self._door_timer is not None and not self._door_timer.done():
            self._door_timer.cancel()
        self._door_timer = None

    def _raise(self, category: str, message: str) -> None:
        data = {"locker": self.label, "door_number": self.door_number, "bank": self.config.name,
                "holder": self.holder}
        self._spawn(self.hub.incidents.raise_incident(
            category, source=self.entity_id, message=message, gate=self.config.gate,
            cameras=list(self.config.cameras), data=data))

    def _resolve(self, category: str, note: str) -> None:
        if self.hub.incidents.find_open(category, self.entity_id) is not None:
            self._spawn(self.hub.incidents.resolve_open(category, self.entity_id, note))

    def _spawn(self, coro: Any) -> None:
        async def run() -> None:
            try:
                await coro
            except Exception:  # the store is down: logged; the next reading tries again
                _LOGGER.exception("%s: could not record a locker incident", self.name)

        self.hub.create_task(run(), name=f"{self.entity_id} incident")

    def _path(self) -> Path:
        return self.hub.config.data_dir / "lockers" / f"{self.entity_id}.json"

    async def _save(self) -> None:
        data = json.dumps({"holder": self.holder, "assigned_at": self.assigned_at}).encode()
        await self.hub.run_blocking(write_private_blocking, self._path(), data)


def _load_blocking(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        _LOGGER.warning("%s: cannot read the saved assignment (%s); the locker starts free",
                        path.name, err)
        return {}
    return data if isinstance(data, dict) else {}


def _time_zone(hub: Hub) -> tzinfo:
    """The hub's time zone, as the schedules component loaded it (never read on the loop)."""
    schedules = hub.components.get(SCHEDULES)
    return schedules.tz if schedules is not None else UTC


_ROLES = ("admin", "guard")
LOCKER_SERVICES = [
    EntityService("open", "open", roles=_ROLES, description="Unlock the door (it springs open)."),
    EntityService("assign", "assign", AssignData, roles=_ROLES,
                  description="Give the locker to a holder (an id such as visit:1a2b)."),
    EntityService("release", "release", roles=_ROLES, description="Free the locker."),
]
