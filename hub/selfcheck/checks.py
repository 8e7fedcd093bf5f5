"""What the self-check looks at for one gate: the five duties and the visitor check.

Each duty is a list of items, each `ok`, `warn` (worth a look, the duty still works: a panic
button whose test is due) or `down` (the duty does not work: its device does not answer).
A duty is down when one of its items is; `none` when the gate has nothing for it.
"""

from __future__ import annotations

import array
import asyncio
import io
import math
import time
import wave
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..alarm_tests.component import ALARM_TESTS
from ..entity import Entity
from ..exceptions import HubError
from ..hubkey import RECOGNITION

if TYPE_CHECKING:
    from ..hub import Hub
    from .config import SelfCheckConfig

__all__ = ["DUTIES", "DutyReport", "Item", "check_gate"]

Level = Literal["ok", "warn", "down"]

#: The duties in the order the programmes list them.
DUTIES = ("one_key_alarm", "guard_on_post", "broadcast", "video", "person_warning",
          "visitor_check")


@dataclass(slots=True)
class Item:
    """One thing looked at: what, its level, and why."""

    check: str
    level: Level
    detail: str = ""
    entity_id: str | None = None


@dataclass(slots=True)
class DutyReport:
    """One duty at one gate."""

    duty: str
    items: list[Item] = field(default_factory=list)

    @property
    def status(self) -> str:
        """down, warn, ok, or none (nothing at the gate does this duty)."""
        levels = {item.level for item in self.items}
        for level in ("down", "warn", "ok"):
            if level in levels:
                return level
        return "none"

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {"duty": self.duty, "status": self.status,
                "items": [asdict(item) for item in self.items]}


def _at(hub: Hub, gate: str, domain: str) -> list[Entity]:
    return sorted((e for e in hub.entities.values()
                   if e.domain == domain and e.config.gate == gate), key=lambda e: e.entity_id)


def _online(entity: Entity, check: str) -> Item:
    if entity.available:
        return Item(check, "ok", "online", entity.entity_id)
    return Item(check, "down", f"offline: {entity.unavailable_reason}", entity.entity_id)


async def check_gate(hub: Hub, gate: str, config: SelfCheckConfig) -> list[DutyReport]:
    """Look at every duty of one gate now."""
    return [
        _one_key_alarm(hub, gate, config),
        _guard(hub, gate),
        await _broadcast(hub, gate, config),
        await _video(hub, gate, config),
        _person_warning(hub, gate),
        _visitor_check(hub, gate),
    ]


def _one_key_alarm(hub: Hub, gate: str, config: SelfCheckConfig) -> DutyReport:
    report = DutyReport("one_key_alarm")
    # The panic-test schedule (hub/alarm_tests) knows each input's last test; without it the
    # test incidents still in memory are looked at.
    tests = hub.components.get(ALARM_TESTS)
    scheduled = {row["entity_id"]: row for row in tests.status()} if tests is not None else {}
    for alarm in _at(hub, gate, "alarm"):
        if getattr(alarm, "category", None) != "panic":
            continue
        report.items.append(_online(alarm, "device online"))
        row = scheduled.get(alarm.entity_id)
        last = row["last_test_at"] if row else _last_test(hub, alarm.entity_id)
        due = (row["state"] in ("overdue", "never_tested") if row else
               last is None or hub.clock.now() - last > config.panic_test_max_days * 86400)
        if last is None:
            report.items.append(Item("last panic test", "warn", "no test recorded",
                                     alarm.entity_id))
        else:
            days = int((hub.clock.now() - last) // 86400)
            report.items.append(Item("last panic test", "warn" if due else "ok",
                                     f"{days} days ago{': due' if due else ''}",
                                     alarm.entity_id))
    return report


def _last_test(hub: Hub, entity_id: str) -> float | None:
    tests = [i.created_at for i in hub.incidents.all()
             if i.test and i.category == "panic" and i.source == entity_id]
    return max(tests) if tests else None


def _guard(hub: Hub, gate: str) -> DutyReport:
    report = DutyReport("guard_on_post")
    offpost = getattr(hub.components.get(RECOGNITION), "offpost", None)
    if offpost is None or (offpost.config.gate not in (None, gate)):
        return report
    camera = hub.entities.get(offpost.camera)
    if camera is not None:
        report.items.append(_online(camera, "guard-room camera online"))
    open_off_post = hub.incidents.find_open("guard_off_post", offpost.camera)
    if open_off_post is not None:
        report.items.append(Item("guard seen on duty", "down", "off post (open incident)",
                                 offpost.camera))
    elif offpost.last_seen is None:
        report.items.append(Item("guard seen on duty", "warn", "not seen since the hub started",
                                 offpost.camera))
    else:
        report.items.append(Item("guard seen on duty", "ok", f"last seen {offpost.last_seen:.0f}",
                                 offpost.camera))
    return report


def _tone_blocking() -> bytes:
    """A 0.3 s 1 kHz tone, 16-bit mono 8 kHz WAV."""
    rate = 8000
    samples = array.array("h", (int(8000 * math.sin(2 * math.pi * 1000 * n / rate))
                                for n in range(int(rate * 0.3))))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


async def _broadcast(hub: Hub, gate: str, config: SelfCheckConfig) -> DutyReport:
    report = DutyReport("broadcast")
    for speaker in _at(hub, gate, "speaker"):
        item = _online(speaker, "speaker online")
        report.items.append(item)
        play = getattr(speaker, "play_audio", None)
        if item.level != "ok" or not config.test_tone or play is None:
            continue
        try:
            async with asyncio.timeout(config.device_timeout):
                await play(await hub.run_blocking(_tone_blocking), label="self-check tone",
                           volume=config.tone_volume)
        except (HubError, TimeoutError, OSError) as err:
            report.items.append(Item("test tone answered", "down", str(err) or "no answer",
                                     speaker.entity_id))
        else:
            report.items.append(Item("test tone answered", "ok", "played", speaker.entity_id))
    return report


async def _video(hub: Hub, gate: str, config: SelfCheckConfig) -> DutyReport:
    report = DutyReport("video")
    for camera in _at(hub, gate, "camera"):
        item = _online(camera, "camera online")
        report.items.append(item)
        grab = getattr(camera, "snapshot_bytes", None)
        if item.level != "ok" or grab is None:
            continue
        try:
            async with asyncio.timeout(config.device_timeout):
                frame = await grab()
        except (HubError, TimeoutError, OSError) as err:
            report.items.append(Item("picture", "down", str(err) or "no picture",
                                     camera.entity_id))
        else:
            level: Level = "ok" if frame else "down"
            report.items.append(Item("picture", level, f"{len(frame)} bytes",
                                     camera.entity_id))
    return report


def _person_warning(hub: Hub, gate: str) -> DutyReport:
    report = DutyReport("person_warning")
    service = hub.components.get(RECOGNITION)
    watched = [c for c in getattr(getattr(service, "config", None), "cameras", [])
               if getattr(c, "gate", None) in (None, gate)]
    for watch in watched:
        camera = hub.entities.get(watch.entity_id)
        if camera is None:
            report.items.append(Item("recognition camera", "down", "no such camera",
                                     watch.entity_id))
        elif camera.config.gate in (None, gate):
            item = _online(camera, "recognition camera online")
            report.items.append(item)
    if watched:  # the recognition worker analyses frames (counted since the hub started)
        done = int(getattr(service, "frames_processed", 0))
        failed = int(getattr(service, "frames_failed", 0))
        started = float(getattr(hub, "started_at", 0.0) or time.time())
        level: Level = "ok" if done else ("down" if time.time() - started > 300 else "warn")
        report.items.append(Item("recognition running", level,
                                 f"{done} frames analysed, {failed} failed"))
    return report


def _visitor_check(hub: Hub, gate: str) -> DutyReport:
    report = DutyReport("visitor_check")
    for alarm in _at(hub, gate, "alarm"):
        if getattr(alarm, "category", None) == "metal_detected":
            report.items.append(_online(alarm, "metal detector online"))
    for locker in _at(hub, gate, "locker"):
        report.items.append(_online(locker, "locker reachable"))
    if "visitors" in hub.components and report.items:
        report.items.append(Item("visitor log", "ok", "running"))
    return report
