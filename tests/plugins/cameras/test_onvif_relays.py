"""ONVIF relay outputs (DeviceIO) as switch entities, against the simulator (issue 10.14)."""

from __future__ import annotations

import pytest

from hub import DeviceUnavailable
from hub.testing.harness import wait_for, wait_for_state
from simulators.onvif_camera import OPEN_NONE, CameraSimulator

from .conftest import HubFactory, onvif_yaml, state_of

SIREN, DOOR = "switch.gate_alarmout_1", "switch.gate_alarmout_2"


def _relays(sim: CameraSimulator) -> dict[str, bool]:
    relays: dict[str, bool] = sim.status()["relays"]
    return relays


async def test_relays_are_switches_with_on_and_off(hub_factory: HubFactory) -> None:
    """Each relay output is a switch; switch.turn_on/turn_off set it on the camera."""
    sim = CameraSimulator(open_operations=OPEN_NONE, control_port=None, relay_outputs=2)
    async with sim:
        h = await hub_factory(onvif_yaml(sim))
        await wait_for_state(h.hub, "camera.gate", "streaming")
        state = await wait_for_state(h.hub, SIREN, "off")
        assert state.attributes["camera"] == "camera.gate"
        assert state.attributes["token"] == "AlarmOut_1"
        assert state_of(h, DOOR).state == "off"
        await h.hub.services.call("switch", "turn_on", {"entity_id": SIREN})
        assert state_of(h, SIREN).state == "on"
        assert _relays(sim) == {"AlarmOut_1": True, "AlarmOut_2": False}
        await h.hub.services.call("switch", "turn_off", {"entity_id": SIREN})
        assert state_of(h, SIREN).state == "off" and _relays(sim)["AlarmOut_1"] is False
        await sim.go_down()
        await wait_for_state(h.hub, SIREN, "unavailable", timeout=10)
        with pytest.raises(DeviceUnavailable, match="unavailable"):
            await h.hub.services.call("switch", "turn_on", {"entity_id": SIREN})
        await sim.come_up()
        await wait_for_state(h.hub, SIREN, "off", timeout=10)


async def test_monostable_relay_falls_back_to_off(hub_factory: HubFactory) -> None:
    """A monostable relay is on for its delay, then off, on the camera and in the hub."""
    sim = CameraSimulator(
        control_port=None, relay_outputs=1, relay_mode="monostable", relay_delay=0.4
    )
    async with sim:
        h = await hub_factory(onvif_yaml(sim))
        await wait_for_state(h.hub, SIREN, "off")
        assert state_of(h, SIREN).attributes["mode"] == "monostable"
        await h.hub.services.call("switch", "turn_on", {"entity_id": SIREN})
        assert state_of(h, SIREN).state == "on" and _relays(sim)["AlarmOut_1"] is True
        await wait_for_state(h.hub, SIREN, "off", timeout=2)
        assert _relays(sim)["AlarmOut_1"] is False


async def test_camera_without_deviceio_has_no_switch(hub_factory: HubFactory) -> None:
    """No DeviceIO service: no switch entity, the camera works as before."""
    async with CameraSimulator(control_port=None) as sim:
        h = await hub_factory(onvif_yaml(sim))
        await wait_for_state(h.hub, "camera.gate", "streaming")
        assert await wait_for(lambda: h.hub.states.get("camera.gate"))
        assert not [e for e in h.hub.entities if e.startswith("switch.")]


async def test_relay_events_give_the_real_state(hub_factory: HubFactory) -> None:
    """A camera that reports its relays (tns1:Device/Trigger/Relay): a relay its own rule
    switched shows in the hub, and the state is no longer assumed."""
    async with CameraSimulator(control_port=None, relay_outputs=1) as sim:
        h = await hub_factory(onvif_yaml(sim))
        await wait_for_state(h.hub, SIREN, "off")
        await wait_for(lambda: sim.ctx.events.subscriptions)
        sim.trigger("relay", True, "AlarmOut_1")  # the camera's own alarm rule
        state = await wait_for_state(h.hub, SIREN, "on")
        assert state.attributes["assumed_state"] is False
        sim.trigger("relay", False, "AlarmOut_1")
        await wait_for_state(h.hub, SIREN, "off")


async def test_camera_and_relays_are_one_device(hub_factory: HubFactory) -> None:
    """The camera and its relays are one `hub.Device` (issue 11's device layer): one client,
    one connection; when the box stops answering, all of them are unavailable with the same
    reason, and they come back together."""
    from hub import Device
    from plugins.cameras.onvif.camera import OnvifCamera

    sim = CameraSimulator(open_operations=OPEN_NONE, control_port=None, relay_outputs=2)
    async with sim:
        h = await hub_factory(onvif_yaml(sim))
        await wait_for_state(h.hub, SIREN, "off")
        camera = h.hub.entities["camera.gate"]
        assert isinstance(camera, OnvifCamera) and isinstance(camera.device, Device)
        ids = [e.entity_id for e in camera.device.entities]
        assert ids == ["camera.gate", SIREN, DOOR]
        assert all(relay.camera.client is camera.client for relay in camera.relays.values())
        await sim.go_down()
        await wait_for_state(h.hub, DOOR, "unavailable", timeout=10)
        reasons = {state_of(h, e).attributes.get("unavailable_reason") for e in ids}
        assert [state_of(h, e).state for e in ids] == ["unavailable"] * 3
        assert len(reasons) == 1 and None not in reasons, reasons
        await sim.come_up()
        await wait_for_state(h.hub, "camera.gate", "streaming", timeout=10)
        assert [state_of(h, e).state for e in ids[1:]] == ["off", "off"]
