"""The locker kind's card (a plugin-registered kind's panel card) on the Devices page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from hub.testing import wait_for_state
from simulators.modbus import LockerBankSimulator
from tests.browser import VIEWPORT, screenshot
from tests.hub.http.helpers import SITE, register_test_devices, start_api

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def _site(port: int) -> str:
    return SITE + (
        "  - platform: modbus_locker\n    name: Gate lockers\n    gate: main\n"
        f"    model: simlock_c16\n    host: 127.0.0.1\n    port: {port}\n    doors: 6\n"
        "    label_prefix: A\n    scan_interval: 0.1\n    overnight_check: null\n")


async def test_guard_opens_and_frees_a_locker_viewer_only_sees(
        browser: Browser, hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """The card shows each door (in use, door open, item inside); a guard opens a door and
    frees a locker from it, in English and in Chinese; a viewer sees it without buttons; the
    card file is served only because the plugin's kind declares it."""
    sim = LockerBankSimulator(doors=6)
    await sim.start()
    try:
        register_test_devices(register_plugin)
        api = await start_api(hub_factory, tmp_path, _site(sim.port))
        hub = api.hub
        await wait_for_state(hub, "locker.gate_lockers_03", "free")
        await hub.services.call("locker", "assign",
                                {"entity_id": "locker.gate_lockers_03", "holder": "visit:ab12"})
        sim.put_item(3)
        async with aiohttp.ClientSession() as session:
            api.session = session
            status, info = await api.call("GET", "/api/info", role="viewer")
        assert status == 200 and info["kind_cards"] == ["locker"]
        context = await browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        await page.goto(api.url + "/")
        await login(page, "guard")
        await page.click("nav a[data-page=devices]")
        door = page.locator("kind-locker [data-entity='locker.gate_lockers_03']")
        await expect(door).to_contain_text("A3")
        await expect(door).to_contain_text("in use")
        await expect(door).to_contain_text("item inside")
        await expect(page.locator("kind-locker h3")).to_contain_text("1 of 6 in use")
        await door.locator("button[data-locker=open]").click()
        await expect(door).to_contain_text("door open")
        assert sim.unlocks == [3]
        sim.put_item(3, False)
        sim.close_door(3)
        await door.locator("button[data-locker=release]").click()
        await expect(door).to_contain_text("free")
        await wait_for_state(hub, "locker.gate_lockers_03", "free")
        await screenshot(page, "locker_card")
        await page.click("header.top button[data-lang=zh]")
        await page.click("nav a[data-page=devices]")
        await expect(page.locator("kind-locker h2")).to_have_text("储物柜")
        await expect(door).to_contain_text("空闲")
        await screenshot(page, "locker_card_zh")
        await context.close()
        context = await browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        await page.goto(api.url + "/")
        await login(page, "viewer")
        await page.click("nav a[data-page=devices]")
        door = page.locator("kind-locker [data-entity='locker.gate_lockers_03']")
        await expect(door).to_contain_text("A3")
        await expect(page.locator("kind-locker button")).to_have_count(0)
        await context.close()
    finally:
        await sim.stop()
