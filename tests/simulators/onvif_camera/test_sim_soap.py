"""The simulator answers real SOAP 1.2 with WS-UsernameToken auth, as ONVIF clients expect."""

from __future__ import annotations

import datetime as dt

import pytest
import zeep.exceptions
from onvif import ONVIFCamera

from simulators.onvif_camera import OPEN_NONE, CameraSimulator
from simulators.onvif_camera.soap import NS

from .conftest import fault_subcode, soap


async def test_device_information_through_onvif_client(camera: CameraSimulator) -> None:
    """onvif-zeep-async reads identity, services and capabilities from the simulator."""
    cam = ONVIFCamera("127.0.0.1", camera.port, "admin", "admin", no_cache=True)
    try:
        await cam.update_xaddrs()
        assert NS["tr2"] in cam.xaddrs and NS["tptz"] in cam.xaddrs
        info = await (await cam.create_devicemgmt_service()).GetDeviceInformation()
        assert (info.Manufacturer, info.SerialNumber) == ("CampusSim", "SIM0001")
        caps = await cam.get_capabilities()
        assert caps is not None and caps["Events"]["WSPullPointSupport"] is True
    finally:
        await cam.close()


async def test_open_operation_without_auth_but_not_others(camera: CameraSimulator) -> None:
    """GetSystemDateAndTime is open by default; GetDeviceInformation needs a UsernameToken."""
    status, body = await soap(camera.device_url, "<tds:GetSystemDateAndTime/>", user=None)
    assert status == 200 and fault_subcode(body) is None
    status, body = await soap(camera.device_url, "<tds:GetDeviceInformation/>", user=None)
    assert status == 400 and fault_subcode(body) == "ter:NotAuthorized"
    status, body = await soap(camera.device_url, "<tds:GetDeviceInformation/>")
    assert status == 200 and body.findtext(
        "tds:GetDeviceInformationResponse/tds:Model", namespaces=NS
    )


async def test_wrong_password_and_stale_token_refused(camera: CameraSimulator) -> None:
    """A wrong password and a Created time far from the camera clock are both refused."""
    _, body = await soap(camera.device_url, "<tds:GetHostname/>", password="wrong")
    assert fault_subcode(body) == "ter:NotAuthorized"
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    _, body = await soap(camera.device_url, "<tds:GetHostname/>", created=stale)
    assert fault_subcode(body) == "ter:NotAuthorized"


async def test_refuse_everything_mode() -> None:
    """With no open operations even GetSystemDateAndTime needs auth, and the client fails over."""
    async with CameraSimulator(open_operations=OPEN_NONE, control_port=None) as sim:
        _, body = await soap(sim.device_url, "<tds:GetCapabilities/>", user=None)
        assert fault_subcode(body) == "ter:NotAuthorized"
        _, body = await soap(sim.device_url, "<tds:GetSystemDateAndTime/>", user=None)
        assert fault_subcode(body) == "ter:NotAuthorized"
        _, body = await soap(sim.device_url, "<tds:GetCapabilities/>")
        assert fault_subcode(body) is None


async def test_media2_profiles_and_uris(camera: CameraSimulator) -> None:
    """Media2 GetProfiles lists both profiles; GetStreamUri/GetSnapshotUri answer URIs."""
    url = camera.ctx.xaddr("media2")
    _, body = await soap(url, "<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>")
    tokens = [p.get("token") for p in body.findall("tr2:GetProfilesResponse/tr2:Profiles", NS)]
    assert tokens == ["Profile_1", "Profile_2"]
    req = (
        "<tr2:GetStreamUri><tr2:Protocol>RTSP</tr2:Protocol>"
        "<tr2:ProfileToken>Profile_1</tr2:ProfileToken></tr2:GetStreamUri>"
    )
    _, body = await soap(url, req)
    assert body.findtext("tr2:GetStreamUriResponse/tr2:Uri", namespaces=NS) == camera.ctx.mjpeg_url
    _, body = await soap(
        url, "<tr2:GetSnapshotUri><tr2:ProfileToken>nope</tr2:ProfileToken></tr2:GetSnapshotUri>"
    )
    assert fault_subcode(body) == "ter:InvalidArgVal"


async def test_unknown_operation_is_action_not_supported(camera: CameraSimulator) -> None:
    """An operation the simulator lacks answers ter:ActionNotSupported, not a crash."""
    status, body = await soap(camera.device_url, "<tds:SystemReboot/>")
    assert status == 500 and fault_subcode(body) == "ter:ActionNotSupported"


async def test_ptz_moves_presets_and_status(camera: CameraSimulator) -> None:
    """Continuous/relative/absolute moves, presets and status work through onvif-zeep-async."""
    cam = ONVIFCamera("127.0.0.1", camera.port, "admin", "admin", no_cache=True)
    try:
        await cam.update_xaddrs()
        ptz = await cam.create_ptz_service()
        profile = {"ProfileToken": "Profile_1"}
        await ptz.ContinuousMove(profile | {"Velocity": {"PanTilt": {"x": 1.0, "y": 0.0}}})
        status = await ptz.GetStatus(profile)
        assert status.MoveStatus.PanTilt == "MOVING"
        await ptz.Stop(profile)
        await ptz.AbsoluteMove(profile | {"Position": {"PanTilt": {"x": 0.5, "y": -0.5}}})
        await ptz.RelativeMove(profile | {"Translation": {"PanTilt": {"x": 0.25, "y": 0.0}}})
        token = await ptz.SetPreset(profile | {"PresetName": "gate"})
        await ptz.AbsoluteMove(profile | {"Position": {"PanTilt": {"x": 0.0, "y": 0.0}}})
        await ptz.GotoPreset(profile | {"PresetToken": token})
        status = await ptz.GetStatus(profile)
        assert status.Position.PanTilt.x == pytest.approx(0.75)
        assert status.MoveStatus.PanTilt == "IDLE"
        assert [p.Name for p in await ptz.GetPresets(profile)] == ["gate"]
        with pytest.raises(zeep.exceptions.Fault):
            await ptz.GotoPreset(profile | {"PresetToken": "missing"})
    finally:
        await cam.close()
