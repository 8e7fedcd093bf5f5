"""Off-post warning: no guard seen on the guard-room camera for N minutes while on duty."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..hubkey import SCHEDULES
from ..incidents.messages import localized_message
from .config import GuardConfig
from .const import CATEGORY_GUARD_OFF_POST

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["OffPostWatcher"]


class OffPostWatcher:
    """Raises `guard_off_post` after `minutes` without a guard on duty; resolves on sight."""

    def __init__(self, hub: Hub, config: GuardConfig) -> None:
        self.hub = hub
        self.config = config
        self.camera = config.camera
        self.group = config.group
        self.last_seen: float | None = None
        self._watch_since = time.time()
        self._raised = False
        try:
            self._tz: dt.tzinfo = ZoneInfo(hub.config.core.time_zone)
        except Exception:  # an unknown zone was already reported by config validation
            self._tz = dt.UTC

    @property
    def off_post(self) -> bool:
        """Return whether an off-post incident is open (the guard has not been seen since)."""
        return self._raised

    def on_duty(self, now: float) -> bool:
        """Return True when `now` falls in the duty schedule or a duty window (hub time zone)."""
        if self.config.schedule is not None:
            schedules = self.hub.components.get(SCHEDULES)
            if schedules is None or self.config.schedule not in schedules:
                raise KeyError(f"recognition.guard.schedule: no schedule named "
                               f"'{self.config.schedule}' in the schedules section")
            return bool(schedules.is_active(self.config.schedule, now))
        local = dt.datetime.fromtimestamp(now, self._tz)
        return any(window.contains(local) for window in self.config.duty)

    async def seen(self, now: float) -> None:
        """A guard was seen: remember when, and resolve an open off-post incident."""
        self.last_seen = now
        if self._raised:
            self._raised = False
            await self.hub.incidents.resolve_open(
                CATEGORY_GUARD_OFF_POST, self.camera, f"Guard seen again on {self.camera}")
            _LOGGER.info("Guard seen again on %s; off-post incident resolved", self.camera)

    async def check(self, now: float) -> bool:
        """Raise the incident if the guard has been away too long on duty; True if raised."""
        if self._raised:
            return False
        if not self.on_duty(now):
            # Off duty the clock restarts, so the first minutes of a shift are not counted.
            self._watch_since = now
            return False
        since = max(self._watch_since, self.last_seen or 0.0)
        if now - since < self.config.minutes * 60:
            return False
        self._raised = True
        minutes = (now - since) / 60
        message, text = localized_message("guard_off_post", camera=self.camera,
                                  minutes=f"{minutes:.0f}")
        await self.hub.incidents.raise_incident(
            CATEGORY_GUARD_OFF_POST, source=self.camera, gate=self.config.gate,
            cameras=[self.camera],
            message=message,
            data={"camera": self.camera, "group": self.group, "minutes": round(minutes, 1),
                  "last_seen": self.last_seen, **text})
        _LOGGER.info("No guard on %s for %.1f min: off-post incident raised", self.camera,
                     minutes)
        return True

    async def run(self) -> None:
        """Check periodically until cancelled."""
        interval = min(30.0, max(0.05, self.config.minutes * 60 / 10))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check(time.time())
            except Exception:
                _LOGGER.exception("Off-post check failed")
