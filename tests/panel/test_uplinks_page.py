"""The Uplinks page (admin) shows each uplink's state, backlog and counters; guards lack it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hub.testing import wait_for
from hub.uplinks.const import ACTION_DEAD, ACTION_DELIVERED
from tests.hub.http.helpers import SITE, register_test_devices, start_api
from tests.hub.uplinks.receiver import FaultyReceiver, running_receiver, webhook_entry

from .conftest import login, panel_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def test_uplinks_page_shows_counters(browser: Browser, hub_factory: Any, tmp_path: Path,
                                           register_plugin: Any) -> None:
    """After one dead letter and one delivery the admin sees both counts and the last error."""
    register_test_devices(register_plugin)
    receiver: FaultyReceiver
    async with running_receiver() as receiver:
        receiver.statuses = [400]
        api = await start_api(hub_factory, tmp_path,
                              SITE + "uplinks:\n" + webhook_entry(receiver.url))
        dead = await api.hub.incidents.raise_incident("panic", source="alarm.panic_1")
        await wait_for(lambda: [s for s in dead.timeline if s.action == ACTION_DEAD])
        ok = await api.hub.incidents.raise_incident("panic", source="alarm.panic_1")
        await wait_for(lambda: [s for s in ok.timeline if s.action == ACTION_DELIVERED])
        async with panel_page(browser, api) as page:
            await login(page, "guard")
            await expect(page.locator("nav a[data-page=devices]")).to_be_visible()
            await expect(page.locator("nav a[data-page=uplinks]")).to_have_count(0)
        async with panel_page(browser, api) as page:
            await login(page, "admin")
            await page.click("nav a[data-page=uplinks]")
            row = page.locator("table.uplinks tr[data-name=city_police]")
            await expect(row).to_contain_text("webhook")
            await expect(row.locator("td.error")).to_have_text("HTTP 400")
            cells = row.locator("td.num")
            await expect(cells).to_have_text(["0", "1", "0", "1"])  # backlog delivered dropped dead
            await screenshot(page, "uplinks_page")
