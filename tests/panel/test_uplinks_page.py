"""The Uplinks page (admin) shows each uplink's state, backlog and counters; guards lack it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hub.testing import wait_for
from hub.uplinks.const import ACTION_DEAD, ACTION_DELIVERED
from tests.browser import screenshot
from tests.hub.http.helpers import SITE, register_test_devices, start_api
from tests.hub.uplinks.receiver import FaultyReceiver, running_receiver, webhook_entry
from tests.plugins.uplinks.gb28181.conftest import registered_uplink, uplink_yaml
from tests.plugins.uplinks.gb28181.double import PlatformDouble

from .conftest import login, panel_page

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


@pytest.fixture
async def gb_platform() -> AsyncIterator[tuple[PlatformDouble, int]]:
    """The GB/T 28181 platform double (tests/plugins/uplinks/gb28181/double.py) on UDP."""
    loop = asyncio.get_running_loop()
    transport, platform = await loop.create_datagram_endpoint(PlatformDouble,
                                                              local_addr=("127.0.0.1", 0))
    yield platform, transport.get_extra_info("sockname")[1]
    transport.close()


async def test_gb28181_row_shows_registration_and_sessions(
        gb_platform: tuple[PlatformDouble, int], browser: Browser, hub_factory: Any,
        tmp_path: Path, register_plugin: Any) -> None:
    """A police video platform's row: registered (healthy), live views and camera pulls,
    broadcasts, and the platform's Alarm subscription with its expiry."""
    platform, port = gb_platform
    register_test_devices(register_plugin)
    api = await start_api(hub_factory, tmp_path, SITE + uplink_yaml(port))
    uplink = await registered_uplink(api.hub)
    platform.subscribe(uplink.endpoint.local, "Alarm", 600, "sub-panel")
    await platform.response("SUBSCRIBE")
    async with panel_page(browser, api) as page:
        await login(page, "admin")
        await page.click("nav a[data-page=uplinks]")
        row = page.locator("table.uplinks tr[data-name=police_video]")
        await expect(row.locator(".state-text")).to_have_text("registered")
        await expect(row.locator(".dot")).to_have_class("dot ok")
        await expect(row.locator("td.details .live")).to_have_text("live views 0 (camera pulls 0)")
        await expect(row.locator("td.details .casts")).to_have_text("broadcasts 0")
        await expect(row.locator("td.details .subs")).to_contain_text("subscriptions Alarm (")


async def test_notify_channels_shown_with_state_never_the_key(
        browser: Browser, hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """The admin sees each duty notification channel's state and counts: one that sent, one
    whose key WeCom refused (auth_failed, with the errcode); the key is nowhere on the page."""
    from tests.plugins.notify.doubles import WeComDouble, serve

    register_test_devices(register_plugin)
    key, wrong = "good-key-0000-1111", "wrong-key-2222-3333"
    robot = WeComDouble(key)
    async with serve(robot.app()) as url:
        channels = "".join(
            f"  - {{platform: wecom, name: {name}, key: {k}, base_url: '{url}',"
            " retry: {max_attempts: 1}}\n" for name, k in (("duty", key), ("office", wrong)))
        api = await start_api(hub_factory, tmp_path, SITE + "notify:\n" + channels)
        await api.hub.services.call("notify", "duty", {"message": "hello", "wait": True})
        with pytest.raises(Exception, match="93000"):
            await api.hub.services.call("notify", "office", {"message": "x", "wait": True})
        async with panel_page(browser, api) as page:
            await login(page, "admin")
            await page.click("nav a[data-page=uplinks]")
            duty = page.locator("table.notify tr[data-name=duty]")
            office = page.locator("table.notify tr[data-name=office]")
            await expect(duty.locator(".state-text")).to_have_text("ok")
            await expect(duty).to_contain_text("notify.duty")
            await expect(duty.locator(".limit")).to_have_text(" · 20 a minute")  # WeCom's
            await expect(duty.locator(".digests")).to_have_text("0")
            await expect(office.locator(".state-text")).to_have_text("key or password refused")
            await expect(office.locator(".error")).to_contain_text("errcode 93000")
            content = await page.content()
            assert key not in content and wrong not in content
            await screenshot(page, "notify_channels")
