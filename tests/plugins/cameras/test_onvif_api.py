"""The onvif plugin's protocol client (api.py) against the simulator, without a hub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from plugins.cameras.onvif.api import OnvifAuthError, OnvifClient, OnvifFault, OnvifUnavailable
from plugins.cameras.onvif.events import topic_kind
from simulators.onvif_camera import OPEN_COMMON, CameraSimulator, Fault


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """One shared client session, as the hub injects it."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def test_open_capabilities_camera_connects(session: aiohttp.ClientSession) -> None:
    """A camera that leaves GetServices/GetCapabilities open connects and lists profiles."""
    async with CameraSimulator(open_operations=OPEN_COMMON, control_port=None) as sim:
        client = OnvifClient("127.0.0.1", sim.port, "admin", "admin", session, timeout=2)
        info = await client.connect()
        assert (info.serial, info.mac) == ("SIM0001", "02:00:00:00:00:01")
        assert [p.token for p in client.profiles] == ["Profile_1", "Profile_2"]
        assert client.media2 and client.has_ptz and client.has_events
        await client.close()


async def test_snapshot_auto_falls_back_to_basic(session: aiohttp.ClientSession) -> None:
    """snapshot_auth auto answers a Basic challenge with basic auth."""
    async with CameraSimulator(snapshot_auth="basic", control_port=None) as sim:
        client = OnvifClient("127.0.0.1", sim.port, "admin", "admin", session, timeout=2)
        jpeg = await client.fetch_snapshot(sim.ctx.snapshot_url)
        assert jpeg[:2] == b"\xff\xd8"
        wrong = OnvifClient("127.0.0.1", sim.port, "admin", "bad", session, timeout=2)
        with pytest.raises(OnvifAuthError):
            await wrong.fetch_snapshot(sim.ctx.snapshot_url)


async def test_errors_are_typed(session: aiohttp.ClientSession) -> None:
    """Refused auth, a fault and silence map to OnvifAuthError, OnvifFault, OnvifUnavailable."""
    async with CameraSimulator(control_port=None) as sim:
        client = OnvifClient("127.0.0.1", sim.port, "admin", "admin", session, timeout=0.5)
        await client.connect()
        sim.set_fault(Fault.BAD_AUTH)
        with pytest.raises(OnvifAuthError):
            await client.stream_uri("Profile_1")  # Media2 over raw SOAP
        with pytest.raises(OnvifAuthError):
            await client.ptz_presets("Profile_1")  # zeep
        sim.set_fault(Fault.SOAP_FAULT)
        with pytest.raises(OnvifFault):
            await client.ptz_presets("Profile_1")
        await client.ping()  # a fault is an answer: the camera is alive
        sim.set_fault(Fault.TIMEOUT)
        with pytest.raises(OnvifUnavailable):
            await client.snapshot_uri("Profile_1")
        await client.close()


async def test_renew_extends_the_subscription(session: aiohttp.ClientSession) -> None:
    """Renew moves the camera-side termination time of the PullPoint subscription."""
    async with CameraSimulator(control_port=None) as sim:
        client = OnvifClient("127.0.0.1", sim.port, "admin", "admin", session, timeout=2)
        await client.connect()
        await client.subscribe(10)
        [sub] = sim.ctx.events.subscriptions.values()
        before = sub.termination
        await client.renew(600)
        assert (sub.termination - before).total_seconds() > 500
        await client.unsubscribe()
        assert sim.ctx.events.subscriptions == {}
        await client.close()


def test_topic_kinds_of_several_vendors() -> None:
    """Motion, tamper and input topics of common firmware map to the three kinds."""
    assert topic_kind("tns1:RuleEngine/CellMotionDetector/Motion") == "motion"
    assert topic_kind("tns1:VideoSource/MotionAlarm") == "motion"
    assert topic_kind("tns1:VideoSource/GlobalSceneChange/ImagingService") == "tamper"
    assert topic_kind("tns1:RuleEngine/TamperDetector/Tamper") == "tamper"
    assert topic_kind("tns1:Device/Trigger/DigitalInput") == "input"
    assert topic_kind("tns1:Monitoring/ProcessorUsage") is None
