"""The visitor log: check-in with its rules, check-out, search, lockers in use."""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, or_, select

from ..bus import Context
from ..exceptions import ServiceValidationError
from ..recorder.db import Database, utcnow
from ..states import State
from .config import VisitorsConfig
from .lockers import VisitorLockers
from .meeting import MeetingRooms
from .metal import MetalWatch
from .models import VisitorRow

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["EVENT_VISITOR_CHECKED_IN", "EVENT_VISITOR_CHECKED_OUT", "CheckInData", "VisitorLog"]

_LOGGER = logging.getLogger(__name__)

EVENT_VISITOR_CHECKED_IN = "visitor_checked_in"
EVENT_VISITOR_CHECKED_OUT = "visitor_checked_out"


class CheckInData(BaseModel):
    """Data of visitor.check_in: the guided form at the gate."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    id_number: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    reason: str = Field(min_length=1, max_length=500)
    host: str = Field(min_length=1, max_length=128, description="whom the visitor visits")
    gate: str = Field(default="", max_length=64)
    metal_result: Literal["clear", "metal"] | None = Field(
        default=None, description="leave out to take the detector's last pass at the gate")
    locker: str | None = Field(default=None, max_length=16)
    items: str = Field(default="", max_length=500, description="items placed in the locker")
    photo: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    open_gate: bool = True
    gate_entity: str | None = Field(
        default=None, max_length=128, pattern=r"^gate\.[a-z0-9_]+$",
        description="which barrier or turnstile opens (default: the first at the gate)")
    destination: Literal["school", "meeting_room"] = Field(
        default="school", description="into the school, or to a meeting room at the gate "
        "(the school's gate stays shut; the host is notified)")
    meeting_room: str | None = Field(
        default=None, max_length=64, pattern=r"^[a-z0-9_]+$",
        description="which meeting room (default: the first at the gate)")


def _invalid(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(f"{field}: {message}", [(field, message)])


class VisitorLog:
    """Reads and writes visits; every rule of the visitor check lives here."""

    def __init__(self, hub: Hub, db: Database, config: VisitorsConfig) -> None:
        self.hub = hub
        self.db = db
        self.config = config
        self.metal = MetalWatch(hub)
        self.lockers = VisitorLockers(hub)
        self.rooms = MeetingRooms(hub, config)

    async def check_in(self, data: CheckInData, context: Context) -> dict[str, Any]:
        """Record a visitor at the gate: their locker assigned and opened, the gate opened once."""
        metal = self._metal(data)
        room = (self.rooms.choose(data.meeting_room, data.gate)
                if data.destination == "meeting_room" else None)
        locker = await self._choose_locker(data, metal[0])
        if data.photo and await self.hub.run_blocking(self.hub.snapshots.path,
                                                      data.photo) is None:
            raise _invalid("photo", "no such snapshot; take the photo again")
        row = VisitorRow(
            id=os.urandom(8).hex(), name=data.name, id_number=data.id_number, phone=data.phone,
            reason=data.reason, host=data.host, gate=data.gate, metal_result=metal[0],
            metal_source=metal[1], metal_at=metal[2], locker=data.locker, items=data.items,
            photo=data.photo, checked_in_at=utcnow(),
            checked_in_by=context.user_id or "hub", destination=data.destination,
            room=room.slug if room else None)
        if locker is not None:
            row.locker = str(locker.attributes.get("label"))
            await self.lockers.take(locker, row.id, context)
        try:
            if data.open_gate and room is None:  # to the meeting room: the school stays shut
                row.gate_opened = await self._open_gate(data.gate, data.gate_entity, context)
        except BaseException:
            if locker is not None:  # no visit, no locker: free it again
                await self.hub.services.call("locker", "release",
                                             {"entity_id": locker.entity_id}, context)
            raise
        async with self.db.session() as session:
            session.add(row)
            await session.commit()
        visit = row.as_dict()
        if room is not None:
            await self.show_rooms()
            problem = await self.rooms.tell_host(visit, room, context)
            if problem:
                visit["notify_error"] = problem
        self.hub.bus.fire(EVENT_VISITOR_CHECKED_IN, {"visitor_id": row.id, "name": row.name,
                                                     "host": row.host, "gate": row.gate,
                                                     "destination": row.destination,
                                                     "room": row.room}, context)
        return visit

    async def show_rooms(self) -> None:
        """Write each meeting room's state from the visits under way (at start, on changes)."""
        if not self.rooms.rooms:
            return
        query = select(VisitorRow).where(VisitorRow.checked_out_at.is_(None),
                                         VisitorRow.room.is_not(None))
        async with self.db.session() as session:
            rows = (await session.scalars(query.order_by(VisitorRow.checked_in_at))).all()
        self.rooms.show([r.as_dict() for r in rows])

    def _metal(self, data: CheckInData) -> tuple[str, str | None, float | None]:
        if data.metal_result is not None:
            return data.metal_result, "guard", None
        last = self.metal.last_pass(data.gate or None, self.config.metal_window_seconds)
        if last is None:
            raise _invalid("metal_result", f"no pass through a metal detector at gate "
                           f"'{data.gate or 'any'}' in the last "
                           f"{int(self.config.metal_window_seconds)} s; walk the visitor "
                           f"through or enter the result")
        return last.result, last.entity_id, last.at

    async def _choose_locker(self, data: CheckInData, metal: str) -> State | None:
        """The locker of the `locker` kind the visit takes (None: none, or labels only).

        The guard's choice, or, after a metal alarm, the first free locker at the gate.
        """
        if not self.lockers.present:
            await self._check_locker(data.locker, metal)
            return None
        if data.locker is None:
            return self.lockers.free(data.gate) if metal == "metal" else None
        state = self.lockers.find(data.locker, data.gate)
        self.lockers.check_free(state)
        return state

    async def _check_locker(self, locker: str | None, metal: str) -> None:
        if locker is None:
            if metal == "metal":
                raise _invalid("locker", "required: the metal detector alarmed, so the items "
                               "go into a locker")
            return
        if locker not in self.config.lockers:
            raise _invalid("locker", f"no locker '{locker}' (lockers: "
                           f"{', '.join(self.config.lockers)})")
        holder = (await self.lockers_in_use()).get(locker)
        if holder is not None:
            raise _invalid("locker", f"locker {locker} is in use by {holder['name']}")

    async def _open_gate(self, gate: str, chosen: str | None, context: Context) -> str | None:
        if chosen is not None:
            entity = self.hub.entities.get(chosen)
            if entity is None or entity.domain != "gate" or not entity.available:
                raise _invalid("gate_entity", f"no available gate '{chosen}'")
            entity_id = chosen
        else:
            targets = sorted(e.entity_id for e in self.hub.entities.values()
                             if e.domain == "gate" and e.available
                             and (not gate or e.config.gate == gate))
            if not targets:
                return None
            entity_id = targets[0]
        await self.hub.services.call("gate", "open", {"entity_id": entity_id}, context)
        return entity_id

    async def check_out(self, visitor_id: str, context: Context) -> dict[str, Any]:
        """Record that a visitor left; their locker opens again and is free."""
        async with self.db.session() as session:
            row = await session.get(VisitorRow, visitor_id)
            if row is None:
                raise _invalid("visitor_id", f"unknown visitor '{visitor_id}'")
            if row.checked_out_at is not None:
                raise _invalid("visitor_id", f"{row.name} has checked out already")
            row.checked_out_at = utcnow()
            row.checked_out_by = context.user_id or "hub"
            await session.commit()
            visit = row.as_dict()
        problem = await self.lockers.give_back(visitor_id, context)
        if problem:
            visit["locker_error"] = problem
        if visit["room"]:
            await self.show_rooms()
        self.hub.bus.fire(EVENT_VISITOR_CHECKED_OUT, {"visitor_id": visitor_id,
                                                      "name": visit["name"]}, context)
        return visit

    async def visits_by_id(self, ids: list[str]) -> list[dict[str, Any]]:
        """Return the visits with these ids."""
        if not ids:
            return []
        async with self.db.session() as session:
            rows = (await session.scalars(
                select(VisitorRow).where(VisitorRow.id.in_(ids)))).all()
        return [r.as_dict() for r in rows]

    async def purge(self, older_than_days: float | None = None) -> int:
        """Delete visits (and their photos) checked in before the retention; return how many."""
        days = self.config.retention_days if older_than_days is None else older_than_days
        cutoff = utcnow() - dt.timedelta(days=days)
        async with self.db.session() as session:
            rows = (await session.scalars(
                select(VisitorRow).where(VisitorRow.checked_in_at < cutoff))).all()
            photos = [r.photo for r in rows if r.photo]
            await session.execute(delete(VisitorRow).where(
                VisitorRow.id.in_([r.id for r in rows])))
            await session.commit()
        for photo in photos:
            await self.hub.snapshots.delete(photo)
        if rows:
            _LOGGER.info("Visitor retention: deleted %d visits checked in more than %s days ago",
                         len(rows), days)
            self.hub.audit("visitors.purged", details={"visits": len(rows),
                                                       "retention_days": days})
        return len(rows)

    async def lockers_in_use(self) -> dict[str, dict[str, Any]]:
        """Return locker -> the visit holding it."""
        query = select(VisitorRow).where(VisitorRow.checked_out_at.is_(None),
                                         VisitorRow.locker.is_not(None))
        async with self.db.session() as session:
            rows = (await session.scalars(query)).all()
        return {r.locker: r.as_dict() for r in rows if r.locker}

    async def search(self, text: str = "", status: str = "all", offset: int = 0,
                     limit: int = 50) -> list[dict[str, Any]]:
        """Return visits matching `text` (name, host, id number, reason), newest first."""
        query = select(VisitorRow)
        if text:
            pattern = f"%{text.replace('%', '').replace('_', '')}%"
            query = query.where(or_(VisitorRow.name.ilike(pattern),
                                    VisitorRow.host.ilike(pattern),
                                    VisitorRow.id_number.ilike(pattern),
                                    VisitorRow.reason.ilike(pattern)))
        if status == "in":
            query = query.where(VisitorRow.checked_out_at.is_(None))
        elif status == "out":
            query = query.where(VisitorRow.checked_out_at.is_not(None))
        query = query.order_by(VisitorRow.checked_in_at.desc(), VisitorRow.id.desc())
        async with self.db.session() as session:
            rows = (await session.scalars(query.offset(offset).limit(limit + 1))).all()
        return [r.as_dict() for r in rows]
