"""The daily self-check with a driven clock (hub.testing.FakeClock): the morning summary to
the duty channel, a device taken offline before school hours flagged as an incident at the
start of school hours, resolved by a later check that finds it working.

The gate: a panic button (ACME), the simulated IP speaker (it must play the test tone), the
simulated locker bank; the duty channel is the WeCom robot double (tests/plugins/notify)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub import Context
from hub.testing import FakeClock, HubHarness, wait_for, wait_for_state
from simulators.modbus import LockerBankSimulator
from simulators.speaker import SpeakerSimulator
from tests.plugins.notify.doubles import WeComDouble, serve

KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture
async def devices() -> AsyncIterator[tuple[SpeakerSimulator, LockerBankSimulator]]:
    speaker = SpeakerSimulator(token="tok")
    bank = LockerBankSimulator(doors=2)
    await speaker.start()
    await bank.start()
    yield speaker, bank
    await bank.stop()
    await speaker.stop()


def site(speaker: SpeakerSimulator, bank: LockerBankSimulator, robot: str) -> str:
    return f"""
devices:
  - {{platform: acme_button, name: Gate panic, gate: main}}
  - {{platform: http_speaker, name: Gate speaker, url: "{speaker.url}", token: tok, gate: main}}
  - {{platform: modbus_locker, name: Gate lockers, gate: main, model: simlock_c16,
     host: 127.0.0.1, port: {bank.port}, doors: 2, scan_interval: 0.05,
     reconnect_max_delay: 0.2, overnight_check: null}}
notify:
  - {{platform: wecom, name: duty_phones, key: {KEY}, base_url: "{robot}",
     retry: {{max_attempts: 2, initial_delay: 0.01}}}}
self_check:
  summary_at: "07:00"
  school_start: "07:30"
  notify: notify.duty_phones
"""


def seconds_until(clock: FakeClock, hour: int, minute: int) -> float:
    """How far to advance `clock` (UTC, the hub's zone) to reach the next hour:minute."""
    now = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += dt.timedelta(days=1)
    return (target - now).total_seconds()


async def test_offline_before_school_hours_is_flagged(
        hub_factory: Any, devices: tuple[SpeakerSimulator, LockerBankSimulator]) -> None:
    """07:00: every duty works, the summary reaches the duty channel and the speaker played
    its test tone, the untested panic button is due; at 07:10 it is tested and the locker
    controller drops; 07:30: a duty_down incident for the visitor check names it, the panic
    button is fine; back, and a check on request resolves the incident."""
    speaker, bank = devices
    robot = WeComDouble(KEY)
    async with serve(robot.app()) as url:
        h: HubHarness = await hub_factory(site(speaker, bank, url), start=False)
        clock = FakeClock()
        h.hub.clock = clock
        await clock.advance(seconds_until(clock, 6, 59))
        await h.hub.start()
        hub = h.hub
        await wait_for_state(hub, "locker.gate_lockers_02", "free")
        await wait_for_state(hub, "speaker.gate_speaker", "idle")
        await clock.advance(60)  # 07:00
        await wait_for(lambda: robot.received, timeout=10)
        text = robot.received[0]["text"]["content"]
        assert "daily self-check" in text and "\nAll duties working.\n" in text
        assert "- visitor check: OK" in text and "- broadcast: OK" in text
        assert "- one key alarm: WARN (last panic test alarm.gate_panic no test recorded)" in text
        assert [p.label for p in speaker.played] == ["self-check tone"]
        await hub.services.call("alarm", "test", {"entity_id": "alarm.gate_panic"})
        await bank.cut()
        await wait_for_state(hub, "locker.gate_lockers_01", "unavailable")
        await clock.advance(30 * 60)  # 07:30, school starts
        down = await wait_for(lambda: [i for i in hub.incidents.open_incidents()
                                       if i.category == "duty_down"], timeout=10)
        assert [(i.source, i.gate) for i in down] == [("self_check.main.visitor_check", "main")]
        assert "locker reachable locker.gate_lockers_01: offline" in down[0].message
        report = hub.components["self_check"].last
        assert report["down"] == ["main.visitor_check"]
        alarm = next(d for d in report["gates"]["main"] if d["duty"] == "one_key_alarm")
        assert alarm["status"] == "ok"  # tested at 07:10 (alarm.test)
        await bank.restore()
        await wait_for_state(hub, "locker.gate_lockers_01", "free", timeout=5)
        await hub.services.call("self_check", "run", {}, Context(user_id="guard"))
        await wait_for(lambda: not [i for i in hub.incidents.open_incidents()
                                    if i.category == "duty_down"])


async def test_a_speaker_that_never_answers_delays_no_other_gate(hub_factory: Any) -> None:
    """Three gates whose speakers take the test tone and never answer: each is reported down
    after the device timeout (0.5 s), all three within one timeout, not one after another."""
    speakers = [SpeakerSimulator(token="tok") for _ in range(3)]
    for speaker in speakers:
        await speaker.start()
    try:
        entries = "".join(
            f'  - {{platform: http_speaker, name: Speaker {n}, url: "{s.url}", token: tok, '
            f"gate: gate_{n}}}\n" for n, s in enumerate(speakers))
        h = await hub_factory(f"devices:\n{entries}self_check: {{summary_at: null, "
                              "school_start: null, device_timeout: 0.5}\n")
        for n in range(3):
            await wait_for_state(h.hub, f"speaker.speaker_{n}", "idle")
        for speaker in speakers:
            speaker.fault_mode = "slow"
        loop = asyncio.get_running_loop()
        started = loop.time()
        report = await h.hub.services.call("self_check", "run", {})
        took = loop.time() - started
    finally:
        for speaker in speakers:
            await speaker.stop()
    assert sorted(report["down"]) == [f"gate_{n}.broadcast" for n in range(3)]
    assert 0.5 <= took < 1.2  # one after another: 1.5 s or more
