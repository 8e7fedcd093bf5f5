"""The duty log: a guard starts the duty, ends it with a handover, the next guard signs off.

At the end of a shift the hub writes down what is handed over: the open incidents, the
lockers in use, the visitors still in school and the occupied meeting rooms, with the
outgoing guard's notes. The next guard signs the handover off, which starts their shift; a
guard cannot sign off their own. Every step is audited (`duty.started`, `duty.ended`,
`duty.signed_off`) and shown as the state `duty.guard`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ..bus import Context
from ..exceptions import ServiceValidationError
from ..hubkey import VISITORS
from ..recorder.db import Database
from .models import ShiftRow

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["DUTY_ENTITY", "DutyLog", "EndData", "SignOffData"]

DUTY_ENTITY = "duty.guard"


class StartData(BaseModel):
    """Data of duty.start (nothing: the caller starts their own duty)."""

    model_config = ConfigDict(extra="forbid")


class EndData(BaseModel):
    """Data of duty.end: the outgoing guard's notes for the next one."""

    model_config = ConfigDict(extra="forbid")

    notes: str = Field(default="", max_length=2000)


class SignOffData(BaseModel):
    """Data of duty.sign_off: the handover the incoming guard signs."""

    model_config = ConfigDict(extra="forbid")

    shift_id: str = Field(min_length=1, max_length=32)


def _refuse(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(f"{field}: {message}" if field else message,
                                  [(field or "duty", message)])


def _who(context: Context) -> str:
    if not context.user_id:
        raise _refuse("", "a duty is started, ended and signed off by a logged-in guard")
    return context.user_id


class DutyLog:
    """Shifts in the database; the rules of a handover live here."""

    def __init__(self, hub: Hub, db: Database) -> None:
        self.hub = hub
        self.db = db

    async def _latest(self) -> ShiftRow | None:
        async with self.db.session() as session:
            return (await session.scalars(
                select(ShiftRow).order_by(ShiftRow.started_at.desc()).limit(1))).first()

    async def start(self, context: Context, *, after: str | None = None) -> dict[str, Any]:
        """Start the caller's duty; refused while someone is on duty or a handover waits."""
        guard = _who(context)
        latest = await self._latest()
        if latest is not None and latest.status == "on_duty":
            raise _refuse("", f"{latest.guard} is on duty; they end the duty (hand over) first")
        if latest is not None and latest.status == "handover" and latest.id != after:
            raise _refuse("", f"sign off {latest.guard}'s handover first")
        row = ShiftRow(id=os.urandom(8).hex(), guard=guard, started_at=self._now(), notes="",
                       handover="")
        async with self.db.session() as session:
            session.add(row)
            await session.commit()
        await self.hub.audit_committed("duty.started", target=row.id,
                                       details={"guard": guard}, context=context)
        await self.show()
        return row.as_dict()

    async def end(self, notes: str, context: Context) -> dict[str, Any]:
        """End the duty on: write down what is handed over, wait for the sign-off."""
        who = _who(context)
        latest = await self._latest()
        if latest is None or latest.status != "on_duty":
            raise _refuse("", "nobody is on duty")
        if latest.guard != who and not await self._is_admin(who):
            raise _refuse("", f"{latest.guard} is on duty, not {who}")
        handover = await self.to_hand_over()
        async with self.db.session() as session:
            row = await session.get(ShiftRow, latest.id)
            assert row is not None
            row.ended_at, row.notes, row.handover = self._now(), notes, json.dumps(handover)
            await session.commit()
            shift = row.as_dict()
        await self.hub.audit_committed("duty.ended", target=shift["id"], details={
            "guard": shift["guard"], "open_incidents": len(handover["incidents"]),
            "lockers_in_use": len(handover["lockers"])}, context=context)
        await self.show()
        return shift

    async def sign_off(self, shift_id: str, context: Context) -> dict[str, Any]:
        """The incoming guard signs the handover off; their shift starts."""
        who = _who(context)
        async with self.db.session() as session:
            row = await session.get(ShiftRow, shift_id)
            if row is None or row.status != "handover":
                raise _refuse("shift_id", f"no handover '{shift_id}' waiting for a sign-off")
            if row.guard == who:
                raise _refuse("shift_id", "the next guard signs the handover off, not its author")
            latest = await self._latest()
            if latest is not None and latest.id != row.id:
                raise _refuse("shift_id", "a later shift exists; this handover is closed")
            row.signed_off_by, row.signed_off_at = who, self._now()
            await session.commit()
            signed = row.as_dict()
        await self.hub.audit_committed("duty.signed_off", target=shift_id, details={
            "from": signed["guard"], "to": who}, context=context)
        shift = await self.start(context, after=shift_id)
        return {"signed": signed, "shift": shift}

    async def to_hand_over(self) -> dict[str, Any]:
        """What is handed over now: open incidents, lockers in use, visitors, rooms."""
        incidents = [{"id": i.id, "category": i.category, "priority": int(i.priority),
                      "status": str(i.status), "message": i.message, "gate": i.gate,
                      "created_at": i.created_at}
                     for i in self.hub.incidents.open_incidents() if not i.test]
        lockers = [{"entity_id": s.entity_id, "label": s.attributes.get("label"),
                    "state": s.state, "holder": s.attributes.get("holder"),
                    "occupied": s.attributes.get("occupied"), "door": s.attributes.get("door")}
                   for s in self.hub.states.all("locker")
                   if s.state == "assigned" or s.attributes.get("occupied")]
        rooms = [{"entity_id": s.entity_id, "name": s.attributes.get("friendly_name"),
                  "visits": len(s.attributes.get("visits") or [])}
                 for s in self.hub.states.all("meeting_room") if s.state == "occupied"]
        visitors = self.hub.components.get(VISITORS)
        inside = len(await visitors.search(status="in", limit=500)) if visitors else 0
        return {"incidents": incidents, "lockers": lockers, "meeting_rooms": rooms,
                "visitors_in": inside}

    async def history(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest shifts, newest first."""
        async with self.db.session() as session:
            rows = (await session.scalars(
                select(ShiftRow).order_by(ShiftRow.started_at.desc()).limit(limit))).all()
        return [r.as_dict() for r in rows]

    async def show(self) -> None:
        """Write `duty.guard`: on_duty (who, since), handover (from whom) or off_duty."""
        latest = await self._latest()
        if latest is None or latest.status == "signed_off":
            self.hub.states.set(DUTY_ENTITY, "off_duty", {"friendly_name": "Guard on duty"})
            return
        shift = latest.as_dict()
        self.hub.states.set(DUTY_ENTITY, shift["status"], {
            "friendly_name": "Guard on duty", "guard": shift["guard"],
            "since": shift["started_at"], "ended_at": shift["ended_at"],
            "shift_id": shift["id"]})

    async def _is_admin(self, user: str) -> bool:
        from ..hubkey import HTTP

        http = self.hub.components.get(HTTP)
        store = getattr(http, "store", None)
        found = await store.get_user(user) if store is not None else None
        return getattr(found, "role", None) == "admin"

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.hub.clock.now(), dt.UTC)
