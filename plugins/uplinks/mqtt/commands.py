"""The city platform's commands down to this hub: incident steps and broadcasts.

Each command is applied through the hub's own services, as a guard's action would be, with
the actor `city:<actor>` (the platform user), and audited; the result goes back as an ack.
A command id seen before is not applied again (a broker may redeliver): its ack is resent.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from hub.bus import Context

if TYPE_CHECKING:
    from hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["STEP_SERVICES", "CommandError", "Commands"]

#: incident_step action -> incident.* service
STEP_SERVICES = {"acknowledge": "acknowledge", "dispatch": "dispatch", "note": "add_note"}
_REMEMBER = 1000


class CommandError(ValueError):
    """A command this hub cannot apply; the message goes back in the ack."""


class Commands:
    """Applies commands and remembers the last results by command id."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._done: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.applied = 0

    async def handle(self, raw: bytes) -> dict[str, Any] | None:
        """Apply one command; return its ack body (None for a body without an id)."""
        try:
            command = json.loads(raw)
        except ValueError:
            _LOGGER.warning("City command: the body is not JSON; ignored")
            return None
        if not isinstance(command, dict) or not isinstance(command.get("id"), str) \
                or not command["id"]:
            _LOGGER.warning("City command without an id; ignored")
            return None
        command_id = command["id"][:64]
        if command_id in self._done:
            return self._done[command_id]  # a redelivery: same answer, nothing done twice
        ok, error = True, None
        context = Context(user_id=f"city:{str(command.get('actor') or 'platform')[:64]}",
                          origin="remote")
        try:
            await self._apply(command, context)
            self.applied += 1
        except Exception as exc:  # the platform hears why; one bad command costs nothing else
            ok, error = False, (str(exc) or type(exc).__name__)[:300]
        self.hub.audit("city.command", target=command_id, context=context, details={
            "kind": command.get("kind"), "action": command.get("action"),
            "incident_id": command.get("incident_id"), "ok": ok, "error": error})
        ack = {"id": command_id, "site": self.hub.site, "ok": ok, "error": error,
               "at": time.time()}
        self._done[command_id] = ack
        while len(self._done) > _REMEMBER:
            self._done.popitem(last=False)
        return ack

    async def _apply(self, command: dict[str, Any], context: Context) -> None:
        kind = command.get("kind")
        if kind == "incident_step":
            await self._step(command, context)
        elif kind == "broadcast":
            await self._broadcast(command, context)
        else:
            raise CommandError(f"kind: unknown command kind {kind!r}")

    async def _step(self, command: dict[str, Any], context: Context) -> None:
        action = command.get("action")
        service = STEP_SERVICES.get(str(action))
        if service is None:
            raise CommandError(f"action: expected one of {', '.join(STEP_SERVICES)}, "
                               f"got {action!r}")
        incident_id = command.get("incident_id")
        if not isinstance(incident_id, str) or not incident_id:
            raise CommandError("incident_id: required")
        note = str(command.get("note") or "")
        if service == "add_note" and not note.strip():
            raise CommandError("note: a note step needs text")
        await self.hub.services.call("incident", service,
                                     {"incident_id": incident_id, "note": note}, context)

    async def _broadcast(self, command: dict[str, Any], context: Context) -> None:
        text, stored = command.get("text"), command.get("message")
        data: dict[str, Any] = ({"message": str(text)} if isinstance(text, str) and text.strip()
                                else {"media": str(stored)} if isinstance(stored, str) and stored
                                else {})
        if not data:
            raise CommandError("text: give text to speak or a stored message's name")
        if isinstance(command.get("language"), str):
            data["language"] = command["language"]
        speakers = [s.entity_id for s in self.hub.states.all("speaker")]
        if not speakers:
            raise CommandError("this school has no speaker")
        failed: list[str] = []
        for entity_id in speakers:
            try:
                await self.hub.services.call("speaker", "broadcast",
                                             {"entity_id": entity_id, **data}, context)
            except Exception as exc:
                failed.append(f"{entity_id}: {exc}")
        if len(failed) == len(speakers):
            raise CommandError("; ".join(failed))
        if failed:
            _LOGGER.warning("City broadcast: some speakers failed: %s", "; ".join(failed))
