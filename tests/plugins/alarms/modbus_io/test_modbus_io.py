"""modbus_io against the simulated IO module and metal detector, through a real hub."""

from __future__ import annotations

import asyncio
import os
import select
import threading
import time
import tty
from collections.abc import Iterator

import pytest

from hub import ConfigError, Event
from hub.testing import HubHarness, wait_for, wait_for_state
from simulators.modbus import IOModuleSimulator, MetalDetectorSimulator

SCAN = 0.1


def io_yaml(port: int, extra: str = "", scan: float = SCAN) -> str:
    return f"""
    devices:
      - platform: modbus_io
        name: IO 1
        host: 127.0.0.1
        port: {port}
        scan_interval: {scan}
        gate: main
        inputs:
          - {{name: Panic 1, address: 0, category: panic{extra}}}
          - {{name: Panic 2, address: 1, category: panic, contact: normally_closed}}
          - {{name: Cabinet tamper, address: 2, category: tamper, contact: normally_closed}}
    """


def incidents(harness: HubHarness, category: str) -> list[Event]:
    return [e for e in harness.of_type("incident_raised") if e.data["category"] == category]


async def test_press_raises_panic_incident(hub_factory, io_module):
    """A pressed NO panic button turns its entity triggered and raises one panic incident."""
    harness = await hub_factory(io_yaml(io_module.port))
    hub = harness.hub
    await wait_for_state(hub, "alarm.panic_1", "idle")
    assert hub.states.get("alarm.cabinet_tamper").state == "idle"  # NC at rest is idle
    io_module.press(0)
    await wait_for_state(hub, "alarm.panic_1", "triggered")
    await wait_for(lambda: incidents(harness, "panic"))
    [event] = incidents(harness, "panic")
    assert event.data["source"] == "alarm.panic_1" and event.data["gate"] == "main"
    io_module.release(0)
    await wait_for_state(hub, "alarm.panic_1", "idle")


async def test_nc_input_triggers_when_pressed_or_wire_cut(hub_factory, io_module):
    """A normally-closed input triggers when operated and when its wire is cut."""
    harness = await hub_factory(io_yaml(io_module.port))
    await wait_for_state(harness.hub, "alarm.panic_2", "idle")
    io_module.press(1)
    await wait_for_state(harness.hub, "alarm.panic_2", "triggered")
    io_module.release(1)
    await wait_for_state(harness.hub, "alarm.panic_2", "idle")
    io_module.cut_wire(2)
    await wait_for_state(harness.hub, "alarm.cabinet_tamper", "triggered")
    await wait_for(lambda: incidents(harness, "tamper"))


async def test_latch_holds_until_reset(hub_factory, io_module):
    """A latched input stays triggered after release until alarm.reset."""
    harness = await hub_factory(io_yaml(io_module.port, ", latch: true"))
    hub = harness.hub
    await wait_for_state(hub, "alarm.panic_1", "idle")
    io_module.press(0)
    await wait_for_state(hub, "alarm.panic_1", "triggered")
    io_module.release(0)
    await asyncio.sleep(3 * SCAN)
    assert hub.states.get("alarm.panic_1").state == "triggered"
    await hub.services.call("alarm", "reset", {"entity_id": "alarm.panic_1"})
    await asyncio.sleep(2 * SCAN)
    assert hub.states.get("alarm.panic_1").state == "idle"


async def test_debounce_ignores_short_pulses(hub_factory, io_module):
    """A pulse shorter than `debounce` is ignored; a press held longer triggers."""
    harness = await hub_factory(io_yaml(io_module.port, ", debounce: 0.4", scan=0.05))
    hub = harness.hub
    await wait_for_state(hub, "alarm.panic_1", "idle")
    io_module.press(0)
    await asyncio.sleep(0.15)
    io_module.release(0)
    await asyncio.sleep(0.6)
    assert hub.states.get("alarm.panic_1").state == "idle"
    io_module.press(0)
    await wait_for_state(hub, "alarm.panic_1", "triggered")


async def test_one_bulk_read_per_scan(hub_factory, io_module):
    """Three inputs on one device cost one Modbus request per scan, not three."""
    harness = await hub_factory(io_yaml(io_module.port))
    await wait_for_state(harness.hub, "alarm.panic_1", "idle")
    before = io_module.requests
    await asyncio.sleep(1.0)
    reads = io_module.requests - before
    assert 5 <= reads <= 12, reads


async def test_device_cut_goes_offline_and_recovers(hub_factory, io_module):
    """Stopping the server: entities unavailable and device_offline within two scan intervals;
    starting it again: entities recover and the incident is resolved."""
    harness = await hub_factory(io_yaml(io_module.port))
    hub = harness.hub
    await wait_for_state(hub, "alarm.panic_1", "idle")
    cut_at = time.monotonic()
    await io_module.cut()
    await wait_for(lambda: incidents(harness, "device_offline"), timeout=2.0, interval=0.005)
    raised_after = time.monotonic() - cut_at
    assert raised_after <= 2 * SCAN, f"device_offline after {raised_after:.3f} s"
    for entity_id in ("alarm.panic_1", "alarm.panic_2", "alarm.cabinet_tamper"):
        assert hub.states.get(entity_id).state == "unavailable"
    assert len(incidents(harness, "device_offline")) == 1  # one per device, not per input
    [offline] = incidents(harness, "device_offline")
    await io_module.restore()
    await wait_for_state(hub, "alarm.panic_1", "idle", timeout=5.0)
    await wait_for(
        lambda: hub.incidents.find_open("device_offline", offline.data["source"]) is None
    )
    assert (await hub.incidents.get(offline.data["incident_id"])).status == "resolved"


async def test_mute_device_goes_offline(hub_factory, io_module):
    """A device that accepts requests but never answers is offline after its timeout."""
    harness = await hub_factory(io_yaml(io_module.port))
    await wait_for_state(harness.hub, "alarm.panic_1", "idle")
    io_module.set_fault("mute")
    await wait_for_state(harness.hub, "alarm.panic_1", "unavailable", timeout=1.0)
    io_module.set_fault("none")
    await wait_for_state(harness.hub, "alarm.panic_1", "idle", timeout=5.0)


async def test_device_down_at_start_comes_up_without_restart(hub_factory):
    """A device that is off when the hub starts is offline, and joins when it appears."""
    sim = IOModuleSimulator(["no"] * 4)
    await sim.start()
    port = sim.port
    await sim.stop()
    harness = await hub_factory(io_yaml(port))
    await wait_for(lambda: incidents(harness, "device_offline"), timeout=2.0)
    await sim.start()
    try:
        await wait_for_state(harness.hub, "alarm.panic_1", "idle", timeout=5.0)
    finally:
        await sim.stop()


async def test_metal_detector_alarm_and_counters(hub_factory):
    """A metal alarm raises metal_detected with the zone; counters are sensor entities."""
    sim = MetalDetectorSimulator(alarm_hold=0.5)
    await sim.start()
    try:
        harness = await hub_factory(f"""
        devices:
          - platform: modbus_io
            name: Metal 1
            host: 127.0.0.1
            port: {sim.port}
            inputs:
              - {{name: Metal 1 alarm, address: 0, category: metal_detected}}
            registers:
              - {{name: passes, address: 0}}
              - {{name: alarms, address: 1}}
              - {{name: zone, address: 2}}
        """)
        hub = harness.hub
        await wait_for_state(hub, "sensor.metal_1_passes", "0")
        sim.walk()
        sim.walk(metal=True, zone=2)
        await wait_for(lambda: incidents(harness, "metal_detected"))
        [event] = incidents(harness, "metal_detected")
        assert event.data["incident"]["data"]["zone"] == 2
        assert hub.states.get("sensor.metal_1_alarms").state == "1"
        assert hub.states.get("sensor.metal_1_passes").state == "2"
    finally:
        await sim.stop()


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("[{name: A, address: 0}, {name: B, address: 0}]", "share an address"),
        ("[{name: A, address: 0, contact: no}]", "contact"),
        ("[]", "inputs"),
    ],
)
async def test_bad_config_names_the_field(hub_factory, inputs, message):
    """Bad inputs are refused at load with file:line and the field."""
    with pytest.raises(ConfigError) as info:
        await hub_factory(f"""
        devices:
          - platform: modbus_io
            name: IO
            host: 127.0.0.1
            inputs: {inputs}
        """)
    assert message in str(info.value) and "site.yaml:" in str(info.value)


@pytest.fixture
def serial_line() -> Iterator[tuple[str, str]]:
    """Two pseudo-terminals joined by a relay thread: an RS-485 line without hardware."""
    masters, paths = [], []
    for _ in range(2):
        master, slave = os.openpty()
        tty.setraw(slave)
        masters.append(master)
        paths.append(os.ttyname(slave))
    stop = threading.Event()

    def relay() -> None:
        while not stop.is_set():
            ready, _, _ = select.select(masters, [], [], 0.05)
            for fd in ready:
                os.write(masters[1] if fd == masters[0] else masters[0], os.read(fd, 4096))

    thread = threading.Thread(target=relay, name="pty relay", daemon=True)
    thread.start()
    yield paths[0], paths[1]
    stop.set()
    thread.join(1)


async def test_serial_rtu(hub_factory, serial_line):
    """transport rtu reads a device on a serial line (a pty pair stands in for RS-485)."""
    device_path, hub_path = serial_line
    sim = IOModuleSimulator(["no"] * 4, serial_port=device_path)
    await sim.start()
    try:
        harness = await hub_factory(f"""
        devices:
          - platform: modbus_io
            name: Serial IO
            transport: rtu
            serial_port: {hub_path}
            baudrate: 19200
            inputs:
              - {{name: Serial panic, address: 2, category: panic}}
        """)
        await wait_for_state(harness.hub, "alarm.serial_panic", "idle")
        sim.press(2)
        await wait_for_state(harness.hub, "alarm.serial_panic", "triggered")
    finally:
        await sim.stop()
