"""The onvif plugin in a running hub, against the ONVIF camera simulator over real sockets."""

from __future__ import annotations

import logging

import pytest

from hub.testing.harness import wait_for, wait_for_state
from simulators.onvif_camera import CameraSimulator, Fault

from .conftest import HubFactory, camera_of, onvif_yaml, state_of

ENTITY = "camera.gate"


async def test_camera_from_yaml_identity_and_snapshot(
    hub_factory: HubFactory, onvif_sim: CameraSimulator
) -> None:
    """A configured camera comes up with the device's identity; camera.snapshot stores a JPEG."""
    h = await hub_factory(onvif_yaml(onvif_sim))
    state = await wait_for_state(h.hub, ENTITY, "streaming")
    assert state.attributes["manufacturer"] == "CampusSim"
    assert state.attributes["supports_ptz"] is True and state.attributes["media2"] is True
    assert "admin" not in str(state.attributes)
    entity = camera_of(h, ENTITY)
    assert entity.unique_id == "GATECAM42"
    assert entity.stream_url() == onvif_sim.ctx.mjpeg_url
    [result] = await h.hub.services.call("camera", "snapshot", {"entity_id": ENTITY})
    data = await h.hub.snapshots.read(result["snapshot_id"])
    assert data is not None and data[:2] == b"\xff\xd8"
    assert onvif_sim.http is not None and onvif_sim.http.requests["snapshot"] == 1


async def test_media1_when_media2_is_off(
    hub_factory: HubFactory, onvif_sim: CameraSimulator
) -> None:
    """With use_media2 false the plugin reads profiles and URIs through Media 1."""
    h = await hub_factory(onvif_yaml(onvif_sim, use_media2="false"))
    state = await wait_for_state(h.hub, ENTITY, "streaming")
    assert state.attributes["media2"] is False and state.attributes["profile"] == "Profile_1"
    assert onvif_sim.http is not None and onvif_sim.http.requests["GetProfiles"] >= 1


async def test_events_become_hub_events_and_tamper_incident(
    hub_factory: HubFactory, onvif_sim: CameraSimulator
) -> None:
    """Motion and inputs fire plugin events; tamper raises an incident, its end adds a step."""
    h = await hub_factory(onvif_yaml(onvif_sim))
    await wait_for_state(h.hub, ENTITY, "streaming")
    await wait_for(lambda: onvif_sim.ctx.events.subscriptions)
    onvif_sim.trigger("motion", True)
    onvif_sim.trigger("input", True, "DI_2")
    await wait_for(lambda: h.of_type("onvif_input_changed"))
    [motion] = h.of_type("onvif_motion_changed")
    assert motion.data["value"] is True and motion.data["entity_id"] == ENTITY
    assert state_of(h, ENTITY).attributes["inputs"] == {"DI_1": False, "DI_2": True}
    onvif_sim.trigger("tamper", True)
    [raised] = await wait_for(lambda: h.of_type("incident_raised"))
    assert raised.data["category"] == "tamper"
    assert state_of(h, ENTITY).attributes["tamper"] is True
    onvif_sim.trigger("tamper", False)
    incident = h.hub.incidents.find_open("tamper", ENTITY)
    assert incident is not None
    # The snapshot step is added in the background and may come after the cleared step.
    await wait_for(lambda: any(s.action == "tamper_cleared" for s in incident.timeline))
    assert incident.is_open and state_of(h, ENTITY).attributes["tamper"] is False


async def test_ptz_continuous_relative_and_preset(
    hub_factory: HubFactory, onvif_sim: CameraSimulator
) -> None:
    """camera.ptz drives ContinuousMove+Stop, RelativeMove and GotoPreset by preset name."""
    h = await hub_factory(onvif_yaml(onvif_sim))
    await wait_for_state(h.hub, ENTITY, "streaming")
    onvif_sim.ctx.ptz.presets["P9"] = ("gate view", 0.2, 0.1, 0.0)
    call = {"entity_id": ENTITY}
    await h.hub.services.call("camera", "ptz", call | {"pan": 0.5, "seconds": 0.1})
    await h.hub.services.call("camera", "ptz", call | {"move": "relative", "tilt": -0.2})
    await h.hub.services.call("camera", "ptz", call | {"move": "preset", "preset": "gate view"})
    assert onvif_sim.ctx.ptz.moves == [
        "continuous 0.5 0 0",
        "stop",
        "relative 0 -0.2 0",
        "preset P9",
    ]


@pytest.mark.parametrize("fault", [Fault.MALFORMED, Fault.SOAP_FAULT, Fault.TIMEOUT])
async def test_faults_make_camera_unavailable_then_recover(
    hub_factory: HubFactory,
    onvif_sim: CameraSimulator,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
) -> None:
    """Malformed SOAP, a SOAP fault or no answer: error logged, unavailable, no crash; heals."""
    h = await hub_factory(onvif_yaml(onvif_sim))
    await wait_for_state(h.hub, ENTITY, "streaming")
    onvif_sim.set_fault(fault)
    with caplog.at_level(logging.ERROR, logger="plugins.cameras.onvif"):
        await wait_for_state(h.hub, ENTITY, "unavailable", timeout=10)
    errors = [
        r for r in caplog.records if r.levelno == logging.ERROR and r.name.startswith("plugins")
    ]
    assert len(errors) == 1 and "Gate:" in errors[0].getMessage()
    onvif_sim.set_fault(Fault.NONE)
    await wait_for_state(h.hub, ENTITY, "streaming", timeout=10)
    assert h.hub.state == "running"


async def test_device_down_then_restored(
    hub_factory: HubFactory, onvif_sim: CameraSimulator
) -> None:
    """A camera whose device goes down is unavailable; restored, it resubscribes and events flow."""
    h = await hub_factory(onvif_yaml(onvif_sim))
    await wait_for_state(h.hub, ENTITY, "streaming")
    await onvif_sim.go_down()
    state = await wait_for_state(h.hub, ENTITY, "unavailable", timeout=10)
    assert "unavailable_reason" in state.attributes
    with pytest.raises(Exception, match="unavailable"):
        await h.hub.services.call("camera", "snapshot", {"entity_id": ENTITY})
    await onvif_sim.come_up()
    await wait_for_state(h.hub, ENTITY, "streaming", timeout=10)
    await wait_for(lambda: onvif_sim.ctx.events.subscriptions, timeout=5)
    onvif_sim.trigger("input", True, "DI_1")
    await wait_for(lambda: h.of_type("onvif_input_changed"))


async def test_wrong_password_is_unavailable_with_hint(
    hub_factory: HubFactory, onvif_sim: CameraSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused credentials leave the camera unavailable and log a hint, never the password."""
    with caplog.at_level(logging.ERROR):
        h = await hub_factory(onvif_yaml(onvif_sim, password="S3cret-wrong"))
    state = state_of(h, ENTITY)
    assert state is not None and state.state == "unavailable"
    assert "not authorized" in state.attributes["unavailable_reason"]
    assert "check username and password" in caplog.text and "S3cret-wrong" not in caplog.text


async def test_subscription_is_renewed_not_recreated(
    hub_factory: HubFactory, onvif_sim: CameraSimulator
) -> None:
    """A short subscription is renewed before it ends; the camera never drops out meanwhile."""
    h = await hub_factory(onvif_yaml(onvif_sim, subscription_seconds=5))
    await wait_for_state(h.hub, ENTITY, "streaming")
    http = onvif_sim.http
    assert http is not None
    await wait_for(lambda: http.requests["Renew"] >= 1, timeout=8)
    assert http.requests["CreatePullPointSubscription"] == 1
    states = [e.data["new_state"].state for e in h.of_type("state_changed")
              if e.data["entity_id"] == ENTITY]  # fmt: skip
    assert "unavailable" not in states[states.index("streaming") :]


async def test_frames_from_the_profile_stream(
    hub_factory: HubFactory, onvif_sim: CameraSimulator
) -> None:
    """frames(fps) of an ONVIF camera reads its stream URI (what recognition consumes)."""
    h = await hub_factory(onvif_yaml(onvif_sim))
    await wait_for_state(h.hub, ENTITY, "streaming")
    frame = await anext(aiter(camera_of(h, ENTITY).frames(5)))
    assert frame.camera == ENTITY and frame.image.shape == (360, 640, 3)
