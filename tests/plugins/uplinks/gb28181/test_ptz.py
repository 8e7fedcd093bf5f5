"""PTZ end to end: the platform double's DeviceControl PTZCmd -> the gb28181 uplink ->
camera.ptz -> the onvif plugin -> the ONVIF camera simulator moves, stops, goes to a preset."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.testing import wait_for_state
from plugins.uplinks.gb28181.ptz import encode_ptz
from simulators.onvif_camera import OPEN_NONE, CameraSimulator

from .conftest import registered_uplink, uplink_yaml

CAMERA_ID = "34020000001320000001"



@pytest.fixture
async def onvif() -> AsyncIterator[CameraSimulator]:
    """A PTZ camera that needs auth for everything."""
    sim = CameraSimulator(open_operations=OPEN_NONE, control_port=None)
    await sim.start()
    yield sim
    await sim.stop()


async def test_ptz_moves_the_onvif_camera(double: Any, onvif: CameraSimulator,
                                          hub_factory: Any) -> None:
    """'Right at speed 128' starts a ContinuousMove that runs until 'stop' (the operator
    lets go), the camera pans right meanwhile; 'set preset 7' stores that position, 'go to
    preset 3' reaches the camera's preset, 'go to preset 7' comes back; each command is
    audited with the platform as the actor. PresetQuery lists 3 (the camera's token) and 7
    (the name set from the platform). 'Set preset 7' again overwrites it; 'delete preset
    7' removes it from the camera (ONVIF RemovePreset), after which going there fails."""
    platform, port = double
    h = await hub_factory(f"""
devices:
  - platform: onvif
    name: Gate
    host: 127.0.0.1
    port: {onvif.port}
    username: admin
    password: admin
    timeout: 1.0
""" + uplink_yaml(port, cameras="[{entity_id: camera.gate}]",
                  speakers="[{entity_id: speaker.gate, microphone: camera.gate}]"))
    await wait_for_state(h.hub, "camera.gate", "streaming")
    uplink = await registered_uplink(h.hub)
    hub_sip, ptz = uplink.endpoint.local, onvif.ctx.ptz
    speaker = uplink.channels()[1]  # its microphone: the camera's stream (voice intercom)
    assert speaker.microphone_url == h.hub.entities.get("camera.gate").stream_url()
    assert speaker.microphone_url and not speaker.present
    ptz.presets["3"] = ("gate view", -0.4, 0.1, 0.0)

    async def command(code: int, **speeds: int) -> str:
        sn = platform.send(hub_sip, "Control", "DeviceControl", CAMERA_ID,
                           [("PTZCmd", encode_ptz(code, **speeds))])
        return str((await platform.answers(sn))[0].text("Result"))

    assert await command(0x01, pan_speed=128) == "OK"
    assert ptz.moves == ["continuous 0.501961 0 0"] and ptz.moving
    await asyncio.sleep(0.3)  # still moving: no stop of its own
    ptz.settle()
    assert ptz.moving and ptz.pan > 0.1
    assert await command(0x00) == "OK"
    assert ptz.moves[-1] == "stop" and not ptz.moving
    stopped_at = ptz.pan
    assert await command(0x81, tilt_speed=7) == "OK"  # set preset 7 here
    assert await command(0x82, tilt_speed=3) == "OK"  # byte 6: the preset number
    ptz.settle()
    assert ptz.moves[-1] == "preset 3" and (ptz.pan, ptz.tilt) == (-0.4, 0.1)
    assert await command(0x82, tilt_speed=7) == "OK"  # back where it stopped
    ptz.settle()
    assert ptz.pan == pytest.approx(stopped_at) and ptz.pan > 0.1
    sn = platform.send(hub_sip, "Query", "PresetQuery", CAMERA_ID)
    [answer] = await platform.answers(sn)
    listed = [(i.findtext("PresetID"), i.findtext("PresetName"))
              for i in answer.element.iterfind("PresetList/Item")]
    assert ("3", "gate view") in listed and ("7", "7") in listed  # by token, by name
    assert answer.element.find("PresetList").get("Num") == str(len(listed))
    assert await command(0x81, tilt_speed=7) == "OK"  # again: overwrites, not a second 7
    assert [name for name, *_ in ptz.presets.values()].count("7") == 1
    assert await command(0x83, tilt_speed=7) == "OK"  # delete preset 7: RemovePreset
    assert "7" not in [name for name, *_ in ptz.presets.values()] and "3" in ptz.presets
    assert await command(0x82, tilt_speed=7) == "ERROR"  # gone
    assert await command(0x83, tilt_speed=9) == "ERROR"  # never was
    audits = [e.data for e in h.of_type("audit_logged") if e.data["action"] == "gb28181.ptz"]
    assert [a["details"]["command"] for a in audits] == [
        "move", "stop", "set_preset", "call_preset", "call_preset", "set_preset",
        "delete_preset"]
    assert {(a["user"], a["target"]) for a in audits} == {("gb28181:police_video",
                                                           "camera.gate")}
