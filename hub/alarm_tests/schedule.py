"""Panic-button tests: test windows, which presses are tests, the history and what is due.

A press of an input during a declared test window (`alarm_tests.start_window`), or the
`alarm.test` control, raises a test incident: classified `test`, sent to the police with
`test: true` (SIA: RX), never escalated. Each such test is recorded per input; an input of
a scheduled category whose last test is older than `every_days` is due.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..bus import Event
from ..incidents import EVENT_INCIDENT_RAISED, Incident
from .config import AlarmTestsConfig
from .store import load_blocking, save_blocking

if TYPE_CHECKING:
    from ..hub import Hub

_LOGGER = logging.getLogger(__name__)

__all__ = ["AlarmTests"]

_DAY = 86400.0


class AlarmTests:
    """Keeps test windows and the test history; says which tests are due."""

    def __init__(self, hub: Hub, config: AlarmTestsConfig) -> None:
        self.hub = hub
        self.config = config
        self.path = hub.config.data_dir / "alarm_tests.json"
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.windows: dict[str, dict[str, Any]] = {}  # entity id -> {until, by}
        self._saving = asyncio.Lock()
        self._unlisten: list[Any] = []

    async def start(self) -> None:
        """Read the history; classify presses; record tests."""
        self.history, windows = await self.hub.run_blocking(load_blocking, self.path)
        now = self.hub.clock.now()
        self.windows = {k: w for k, w in windows.items() if w["until"] > now}
        self._unlisten = [self.hub.incidents.add_raise_hook(self._classify),
                          self.hub.bus.listen(EVENT_INCIDENT_RAISED, self._raised)]

    def stop(self) -> None:
        """Stop classifying and recording."""
        for remove in self._unlisten:
            remove()

    # ------------------------------------------------------------------ windows

    def inputs(self) -> list[Any]:
        """Return the alarm inputs whose category is scheduled for tests."""
        return [e for e in self.hub.entities.values() if e.domain == "alarm"
                and getattr(e, "category", None) in self.config.categories]

    async def start_window(self, entity_ids: list[str], minutes: float | None, by: str) -> float:
        """Declare a test window on inputs (all scheduled ones when empty); return its end
        once it is on disk (a restart keeps it)."""
        until = self.hub.clock.now() + 60 * (minutes or self.config.window_minutes)
        targets = entity_ids or [e.entity_id for e in self.inputs()]
        for entity_id in targets:
            self.windows[entity_id] = {"until": until, "by": by}
        self.hub.audit("alarm_tests.start_window", target=",".join(targets),
                       details={"until": until, "by": by})
        await self._save()
        return until

    async def stop_window(self, entity_ids: list[str]) -> None:
        """End test windows (all when empty); return once that is on disk."""
        for entity_id in entity_ids or list(self.windows):
            self.windows.pop(entity_id, None)
        await self._save()

    def window(self, entity_id: str) -> dict[str, Any] | None:
        """Return the open test window of an input, if any."""
        window = self.windows.get(entity_id)
        if window is not None and window["until"] <= self.hub.clock.now():
            del self.windows[entity_id]
            return None
        return window

    def _classify(self, incident: Incident) -> None:
        """A raise hook: a press during the input's test window is a test."""
        if incident.test or incident.source is None:
            return
        if incident.category not in self.config.categories:
            return
        window = self.window(incident.source)
        if window is None:
            return
        incident.test = True
        incident.classification = "test"
        incident.data["test_window"] = {"by": window["by"], "until": window["until"]}

    # ------------------------------------------------------------------ history

    def _raised(self, event: Event) -> None:
        data = event.data.get("incident") or {}
        source = data.get("source")
        entity = self.hub.entities.get(source) if isinstance(source, str) else None
        if not data.get("test") or entity is None or entity.domain != "alarm":
            return
        assert isinstance(source, str)
        how = "window" if "test_window" in (data.get("data") or {}) else "control"
        self.history.setdefault(source, []).append(
            {"at": data["created_at"], "incident_id": data["id"], "how": how})
        self.hub.create_task(self._save(), name="alarm tests save")

    async def _save(self) -> None:
        async with self._saving:
            try:
                await self.hub.run_blocking(save_blocking, self.path, self.history,
                                            dict(self.windows))
            except OSError as exc:
                _LOGGER.error("Cannot write %s: %s", self.path, exc)

    def status(self) -> list[dict[str, Any]]:
        """Return each scheduled input: last test, when the next is due, ok/due_soon/overdue."""
        now = self.hub.clock.now()
        out = []
        for entity in sorted(self.inputs(), key=lambda e: e.entity_id):
            tests = self.history.get(entity.entity_id, [])
            last = tests[-1]["at"] if tests else None
            due = last + self.config.every_days * _DAY if last is not None else None
            if due is None or due <= now:
                state = "overdue" if last is not None else "never_tested"
            elif due - now <= self.config.warn_days * _DAY:
                state = "due_soon"
            else:
                state = "ok"
            window = self.window(entity.entity_id)
            out.append({"entity_id": entity.entity_id, "name": entity.name,
                        "gate": entity.config.gate, "category": entity.category,
                        "last_test_at": last, "due_at": due, "state": state,
                        "window_until": window["until"] if window else None,
                        "tests": len(tests)})
        return out

    def report(self, month: str | None = None) -> dict[str, Any]:
        """Return the tests of one month (YYYY-MM, the hub's time zone) per input, and misses."""
        zone = ZoneInfo(self.hub.config.core.time_zone)
        now = dt.datetime.fromtimestamp(self.hub.clock.now(), zone)
        year, mon = (int(p) for p in month.split("-")) if month else (now.year, now.month)
        start = dt.datetime(year, mon, 1, tzinfo=zone)
        end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=zone)
        rows = []
        for entity in sorted(self.inputs(), key=lambda e: e.entity_id):
            tests = [t for t in self.history.get(entity.entity_id, [])
                     if start.timestamp() <= t["at"] < end.timestamp()]
            rows.append({"entity_id": entity.entity_id, "name": entity.name,
                         "tests": len(tests), "by_window": sum(t["how"] == "window" for t in tests),
                         "by_control": sum(t["how"] == "control" for t in tests)})
        return {"month": f"{year:04d}-{mon:02d}", "inputs": rows,
                "tested": sum(1 for r in rows if r["tests"]),
                "untested": [r["entity_id"] for r in rows if not r["tests"]],
                "total_tests": sum(r["tests"] for r in rows)}
