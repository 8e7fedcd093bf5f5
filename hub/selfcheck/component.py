"""The daily self-check: a report per gate, the morning summary, incidents at school start.

At `summary_at` the hub checks every gate and sends the summary to the `notify` channel; at
`school_start` it checks again and raises `duty_down` (one per gate and duty, source
`self_check.<gate>.<duty>`) for each duty that is down; a later check that finds the duty
working resolves it. `self_check.run` (admin, guard) checks now; GET /api/self_check shows
the last report. Times follow `hub.clock`, so tests drive them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from ..auth.roles import STAFF
from ..automation.clock import next_time_of_day
from ..exceptions import HubError
from ..http.routing import Route, register_routes
from ..hubkey import SCHEDULES, SELF_CHECK
from ..incidents import CategoryConfig, Priority
from ..services import ServiceCall
from .checks import DUTIES, DutyReport, check_gate
from .config import SelfCheckConfig, seconds_of_day

if TYPE_CHECKING:
    from ..hub import Hub

__all__ = ["CATEGORY_DUTY_DOWN", "SelfCheck", "setup"]

_LOGGER = logging.getLogger(__name__)

CATEGORY_DUTY_DOWN = "duty_down"
DOMAIN = "self_check"


class RunData(BaseModel):
    """Data of self_check.run (nothing: every gate is checked)."""

    model_config = ConfigDict(extra="forbid")


class SelfCheck:
    """Runs the checks, keeps the last report, raises and resolves duty_down."""

    def __init__(self, hub: Hub, config: SelfCheckConfig) -> None:
        self.hub = hub
        self.config = config
        self.last: dict[str, Any] | None = None
        self._lock = asyncio.Lock()

    def gates(self) -> list[str]:
        """The gates checked: configured, else every gate a device names."""
        if self.config.gates:
            return list(self.config.gates)
        return sorted({e.config.gate for e in self.hub.entities.values() if e.config.gate})

    async def run(self, why: str = "on request") -> dict[str, Any]:
        """Check every gate now; return (and keep) the report."""
        async with self._lock:
            names = self.gates()  # at once: a dead device at one gate delays no other
            found = await asyncio.gather(*(check_gate(self.hub, g, self.config) for g in names))
            gates = dict(zip(names, found, strict=True))
            report = {"at": self.hub.clock.now(), "why": why,
                      "gates": {g: [d.as_dict() for d in duties] for g, duties in gates.items()},
                      "down": [f"{g}.{d.duty}" for g, duties in gates.items()
                               for d in duties if d.status == "down"]}
            self.last = report
            await self._resolve_working(gates)
            return report

    async def _resolve_working(self, gates: dict[str, list[DutyReport]]) -> None:
        for gate, duties in gates.items():
            for duty in duties:
                if duty.status != "down":
                    await self.hub.incidents.resolve_open(
                        CATEGORY_DUTY_DOWN, f"{DOMAIN}.{gate}.{duty.duty}",
                        "the self-check finds the duty working again")

    async def raise_down(self, report: dict[str, Any]) -> None:
        """At school start: one duty_down incident per duty that is down."""
        for gate, duties in report["gates"].items():
            for duty in duties:
                if duty["status"] != "down":
                    continue
                bad = [f"{i['check']} {i['entity_id'] or ''}: {i['detail']}".replace(" :", ":")
                       for i in duty["items"] if i["level"] == "down"]
                await self.hub.incidents.raise_incident(
                    CATEGORY_DUTY_DOWN, source=f"{DOMAIN}.{gate}.{duty['duty']}", gate=gate,
                    message=f"Gate {gate}: {duty['duty'].replace('_', ' ')} is down at the "
                            f"start of school hours ({'; '.join(bad)})",
                    data={"duty": duty["duty"], "items": duty["items"]})

    def summary(self, report: dict[str, Any]) -> str:
        """The morning summary as text, one line per gate and duty."""
        lines = []
        for gate, duties in report["gates"].items():
            lines.append(f"Gate {gate}:")
            for duty in duties:
                bad = [f"{i['check']} {i['entity_id'] or ''} {i['detail']}".strip()
                       for i in duty["items"] if i["level"] != "ok"]
                lines.append(f"- {duty['duty'].replace('_', ' ')}: {duty['status'].upper()}"
                             + (f" ({'; '.join(bad)})" if bad else ""))
        down = len(report["down"])
        head = ("All duties working." if not down else
                f"{down} duty(ies) DOWN: {', '.join(report['down'])}.")
        return head + "\n" + "\n".join(lines)

    async def send_summary(self, report: dict[str, Any]) -> None:
        """Send the summary to the duty channel (queued by the notify component)."""
        if not self.config.notify:
            return
        domain, name = self.config.notify.split(".", 1)
        try:
            await self.hub.services.call(domain, name, {
                "title": f"{self.hub.config.core.name}: daily self-check / 每日自检",
                "message": self.summary(report), "format": "text"})
        except HubError as err:
            _LOGGER.error("Self-check summary not sent through %s: %s", self.config.notify, err)

    async def schedule(self) -> None:
        """Run at `summary_at` (summary) and `school_start` (incidents), every day."""
        times = {}
        if self.config.summary_at:
            times[seconds_of_day(self.config.summary_at)] = "summary"
        if self.config.school_start:
            # the same time for both: one run does both
            key = seconds_of_day(self.config.school_start)
            times[key] = "both" if key in times else "school_start"
        if not times:
            return
        tz = _time_zone(self.hub)
        while True:
            now = self.hub.clock.now()
            target = next_time_of_day(now, tuple(times), tz)
            await self.hub.clock.sleep_until(target)
            local = dt.datetime.fromtimestamp(target, tz)
            what = times[local.hour * 3600 + local.minute * 60 + local.second]
            try:
                report = await self.run(why=what)
                if what in ("summary", "both"):
                    await self.send_summary(report)
                if what in ("school_start", "both"):
                    await self.raise_down(report)
            except Exception:  # one bad run must not stop tomorrow's
                _LOGGER.exception("Self-check failed")


def _time_zone(hub: Hub) -> dt.tzinfo:
    schedules = hub.components.get(SCHEDULES)
    return schedules.tz if schedules is not None else dt.UTC


async def setup(hub: Hub, config: SelfCheckConfig | None) -> None:
    """Component entry point (hub/components.py): only with a `self_check:` section."""
    if config is None:
        return
    hub.config.incidents.categories.setdefault(CATEGORY_DUTY_DOWN, CategoryConfig(
        priority=Priority.HIGH, title="A duty at the gate is down"))
    check = SelfCheck(hub, config)
    hub.components[SELF_CHECK] = check

    async def run(_call: ServiceCall) -> dict[str, Any]:
        return await check.run()

    hub.services.register(DOMAIN, "run", run, RunData,
                          "Check every gate's duties now; returns the report.", STAFF)

    async def last(_request: web.Request) -> Any:
        return check.last or {"at": None, "gates": {}, "down": [], "duties": list(DUTIES)}

    register_routes(hub, [Route("GET", "/api/self_check", last, STAFF | {"viewer"},
                                "The last self-check of every gate's duties.",
                                tags=("self_check",))])
    hub.create_task(check.schedule(), name="self-check")
