"""PullPoint events of the simulator: initial values, changes, renew, unsubscribe."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import zeep.exceptions
from onvif import ONVIFCamera

from simulators.onvif_camera import CameraSimulator


def _summary(messages: list[Any]) -> list[tuple[str, str, str, str]]:
    out = []
    for m in messages:
        payload = m.Message._value_1
        out.append(
            (
                m.Topic._value_1,
                payload.Source.SimpleItem[0].Value,
                payload.Data.SimpleItem[0].Value,
                payload.PropertyOperation,
            )
        )
    return out


async def test_pullpoint_delivers_initial_and_changed_values(camera: CameraSimulator) -> None:
    """A subscription first gets every value as Initialized, then each change as Changed."""
    cam = ONVIFCamera("127.0.0.1", camera.port, "admin", "admin", no_cache=True)
    try:
        await cam.update_xaddrs()
        manager = await cam.create_pullpoint_manager(dt.timedelta(seconds=60), lambda: None)
        pull = manager.get_service()
        request = {"MessageLimit": 50, "Timeout": dt.timedelta(seconds=1)}
        initial = _summary((await pull.PullMessages(request)).NotificationMessage)
        assert {op for *_, op in initial} == {"Initialized"} and len(initial) == 4
        camera.trigger("motion", True)
        camera.trigger("tamper", True)
        camera.trigger("input", True, "DI_2")
        changed = _summary((await pull.PullMessages(request)).NotificationMessage)
        assert changed == [
            ("tns1:RuleEngine/CellMotionDetector/Motion", "VSC_1", "true", "Changed"),
            (
                "tns1:VideoSource/GlobalSceneChange/ImagingService",
                "VideoSource_1",
                "true",
                "Changed",
            ),
            ("tns1:Device/Trigger/DigitalInput", "DI_2", "true", "Changed"),
        ]
        await manager.shutdown()
        assert camera.ctx.events.subscriptions == {}
    finally:
        await cam.close()


async def test_pull_waits_for_an_event_then_renew_extends(camera: CameraSimulator) -> None:
    """PullMessages long-polls until an event arrives; Renew moves the termination time."""
    import asyncio

    cam = ONVIFCamera("127.0.0.1", camera.port, "admin", "admin", no_cache=True)
    try:
        await cam.update_xaddrs()
        manager = await cam.create_pullpoint_manager(dt.timedelta(seconds=60), lambda: None)
        pull = manager.get_service()
        await pull.PullMessages({"MessageLimit": 50, "Timeout": dt.timedelta(seconds=1)})
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, camera.trigger, "input", True, "DI_1")
        started = loop.time()
        result = await pull.PullMessages({"MessageLimit": 50, "Timeout": dt.timedelta(seconds=5)})
        assert 0.2 < loop.time() - started < 4
        assert _summary(result.NotificationMessage)[0][1:3] == ("DI_1", "true")
        subscription = next(iter(camera.ctx.events.subscriptions.values()))
        before = subscription.termination
        sub_service = await cam.create_subscription_service("PullPointSubscription")
        await sub_service.Renew("PT600S")
        assert subscription.termination - before > dt.timedelta(seconds=500)
        await sub_service.Unsubscribe()
        with pytest.raises(zeep.exceptions.Fault):
            await pull.PullMessages({"MessageLimit": 1, "Timeout": dt.timedelta(seconds=1)})
    finally:
        await cam.close()
