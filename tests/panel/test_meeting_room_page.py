"""The Visitors page with a meeting room: check a visitor in to the room, see it occupied by
them, check them out from the room's card (in English and in Chinese)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hub.testing import wait_for
from tests.browser import screenshot
from tests.hub.http.helpers import SITE, register_test_devices, start_api
from tests.plugins.notify.doubles import WebhookReceiver, serve

from .conftest import api_session, login, panel_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

SECRET = "0123456789abcdef0123"


async def test_guard_sends_a_visitor_to_the_meeting_room(
        browser: Browser, hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """The form's destination sends the visitor to 会客室: the gate stays shut, the host is
    notified, the room card shows the visitor and host; check-out frees the room."""
    register_test_devices(register_plugin)
    receiver = WebhookReceiver(SECRET)
    async with serve(receiver.app()) as url:
        yaml_text = SITE.replace("devices:\n", (
            f"notify:\n  - {{platform: webhook, name: host_phone, url: '{url}/notify', "
            f"secret: {SECRET}}}\n"
            "visitors:\n  host_notify: notify.host_phone\n  meeting_rooms:\n"
            "    - {name: 会客室, object_id: gate_room, gate: main}\ndevices:\n"), 1)
        async with api_session(await start_api(hub_factory, tmp_path, yaml_text)) as api, \
                panel_page(browser, api) as page:
            await login(page, "guard")
            await page.click("nav a[data-page=visitors]")
            await page.fill("input[name=name]", "Li Wei")
            await page.fill("input[name=reason]", "Parents' meeting")
            await page.fill("input[name=host]", "Ms Zhang")
            await page.select_option("select[name=metal_result]", "clear")
            await page.select_option("select[name=destination]", "room:gate_room")
            await page.click("button.primary.big")
            await expect(page.locator(".visitor-form .ok")).to_contain_text("meeting room")
            room = page.locator(".meeting-rooms [data-room=gate_room]")
            await expect(room).to_contain_text("occupied")
            await expect(room).to_contain_text("Li Wei → Ms Zhang")
            assert getattr(api.hub.states.get("gate.main_entrance"), "state", None) == "closed"
            await wait_for(lambda: receiver.received)
            await screenshot(page, "meeting_room_occupied")
            await page.click("header.top button[data-lang=zh]")
            await page.click("nav a[data-page=visitors]")
            await expect(page.locator(".meeting-rooms h2")).to_have_text("会客室")
            await expect(room).to_contain_text("使用中")
            await room.locator("button[data-action=checkout]").click()
            await expect(room).to_contain_text("空闲")
            assert getattr(api.hub.states.get("meeting_room.gate_room"), "state", None) == "free"
            await screenshot(page, "meeting_room_free_zh")
