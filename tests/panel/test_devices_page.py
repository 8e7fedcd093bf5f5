"""The devices page lists discovered, unconfigured ONVIF cameras with the YAML to add them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from hub.testing import wait_for
from simulators.onvif_camera import CameraSimulator
from tests.browser import VIEWPORT, screenshot
from tests.hub.http.helpers import SITE, register_test_devices, start_api

from .conftest import login, panel_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture
async def cameras() -> AsyncIterator[tuple[CameraSimulator, CameraSimulator]]:
    """Two simulated ONVIF cameras answering WS-Discovery probes on 127.0.0.1 (unicast)."""
    sims = [CameraSimulator(name=name, serial=serial, control_port=None, discovery=True,
                            discovery_port=0) for name, serial in (("Gate Cam", "G1"),
                                                                   ("Yard Cam", "Y1"))]
    for sim in sims:
        await sim.start()
    yield sims[0], sims[1]
    for sim in sims:
        await sim.stop()


def _site(gate: CameraSimulator, yard: CameraSimulator) -> str:
    # The gate camera is configured; both answer the probe; only the yard camera is new.
    targets = ", ".join(f"'127.0.0.1:{sim.discovery.port}'" for sim in (gate, yard)
                        if sim.discovery is not None)
    return SITE + (
        f"  - platform: onvif\n    name: Gate ONVIF\n    host: 127.0.0.1\n    port: {gate.port}\n"
        "    username: admin\n    password: admin\n    timeout: 1.0\n    events: false\n"
        f"discovery:\n  probe_targets: [{targets}]\n  timeout: 0.5\n")


async def test_discovered_camera_shown_with_yaml(browser: Browser, hub_factory: Any,
                                                 tmp_path: Path, register_plugin: Any,
                                                 cameras: tuple[CameraSimulator, ...]) -> None:
    """A camera found by WS-Discovery and not configured is listed (API and page) with a
    YAML snippet naming the onvif platform and its address; a configured one is not."""
    gate, yard = cameras
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, _site(gate, yard))
    await wait_for(lambda: len(api.hub.components["discovery"].as_list()) == 2, timeout=10)
    async with aiohttp.ClientSession() as session:
        api.session = session
        status, found = await api.call("GET", "/api/discovery", role="guard")
    assert status == 200
    assert [d["name"] for d in found] == ["Yard Cam"]
    [item] = found
    assert item["platforms"] == ["onvif"] and item["port"] == yard.port
    assert "  - platform: onvif\n" in item["yaml"] and f"    port: {yard.port}\n" in item["yaml"]
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    await page.goto(api.url + "/")
    await login(page, "guard")
    await page.click("nav a[data-page=devices]")
    article = page.locator("article.found")
    await expect(article).to_have_count(1)
    await expect(article.locator("h3")).to_have_text("Yard Cam")
    await expect(article).to_contain_text("CampusSim")
    await article.locator("summary").click()
    pre = article.locator("pre")
    await expect(pre).to_be_visible()
    await expect(pre).to_contain_text("platform: onvif")
    await expect(pre).to_contain_text(f"port: {yard.port}")
    await expect(page.locator("table.devices")).to_contain_text("Gate ONVIF")
    await screenshot(page, "devices_discovered")
    await page.wait_for_timeout(5500)  # the page refreshes every 5 s; the YAML stays open
    await expect(pre).to_be_visible()
    await context.close()


async def test_camera_relay_switched_from_the_devices_page(
        browser: Browser, hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """A guard turns a camera's relay on and off on the devices page; a viewer gets no button."""
    register_test_devices(register_plugin)
    async with CameraSimulator(name="Relay Cam", control_port=None, relay_outputs=1) as sim:
        site = SITE + (
            f"  - platform: onvif\n    name: Relay Cam\n    host: 127.0.0.1\n    port: {sim.port}\n"
            "    username: admin\n    password: admin\n    timeout: 1.0\n    events: false\n")
        api = await start_api(hub_factory, tmp_path, site)
        await wait_for(lambda: "switch.relay_cam_alarmout_1" in api.hub.entities, timeout=10)
        async with panel_page(browser, api) as page:
            await login(page, "guard")
            await page.click("nav a[data-page=devices]")
            row = page.locator("tr", has_text="switch.relay_cam_alarmout_1")
            await row.locator("button[data-switch=turn_on]").click()
            await wait_for(lambda: sim.status()["relays"]["AlarmOut_1"] is True)
            await expect(row.locator("button[data-switch=turn_off]")).to_be_visible()
            await screenshot(page, "devices_relay_on")
            await row.locator("button[data-switch=turn_off]").click()
            await wait_for(lambda: sim.status()["relays"]["AlarmOut_1"] is False)
            await expect(row.locator("button[data-switch=turn_on]")).to_be_visible()
        async with panel_page(browser, api) as page:
            await login(page, "viewer")
            await page.click("nav a[data-page=devices]")
            row = page.locator("tr", has_text="switch.relay_cam_alarmout_1")
            await expect(row).to_be_visible()
            await expect(row.locator("button")).to_have_count(0)
