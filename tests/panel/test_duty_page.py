"""The Duty page: a guard starts the duty, ends it handing over an open incident and a note;
the next person signs the handover off and is on duty (English and Chinese)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.browser import screenshot
from tests.hub.http.helpers import register_test_devices, start_api

from .conftest import api_session, login, panel_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def test_guard_hands_over_and_the_next_signs_off(
        browser: Browser, hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """The handover lists the open incident and the note; the author cannot sign it off; the
    admin (the next person on duty here) signs it and is on duty; a viewer has no Duty page."""
    register_test_devices(register_plugin)
    async with api_session(await start_api(hub_factory, tmp_path)) as api:
        async with panel_page(browser, api) as page:
            await login(page, "guard")
            await page.click("nav a[data-page=duty]")
            await page.click("button[data-duty=start]")
            await expect(page.locator(".duty-state")).to_contain_text("On duty: guard")
            await api.hub.incidents.raise_incident("intrusion", source="alarm.fence",
                                                   message="Fence intrusion")
            await page.click("nav a[data-page=cameras]")
            await page.click("nav a[data-page=duty]")
            await expect(page.locator(".handover-incidents")).to_contain_text("Fence intrusion")
            await page.fill("textarea[name=notes]", "Fence sensor east side: check in daylight")
            await page.click("form[data-form=end] button[type=submit]")
            await expect(page.locator(".duty-state")).to_contain_text(
                "Handover waiting for sign-off from: guard")
            assert await page.locator("button[data-duty=sign_off]").count() == 0
            await screenshot(page, "duty_handover")
        async with panel_page(browser, api) as page:
            await login(page, "admin")
            await page.click("header.top button[data-lang=zh]")
            await page.click("nav a[data-page=duty]")
            await expect(page.locator(".notes")).to_contain_text("Fence sensor east side")
            await expect(page.locator(".handover")).to_contain_text("未结事件: 1")
            await page.click("button[data-duty=sign_off]")
            await expect(page.locator(".duty-state")).to_contain_text("值班中: admin")
            await expect(page.locator("table.shifts")).to_contain_text("签收人 admin")
            await screenshot(page, "duty_signed_off_zh")
        status, _ = await api.call("GET", "/api/duty", role="viewer")
        assert status == 403
        status, _ = await api.call("POST", "/api/services/duty/start", role="police", json={})
        assert status == 403
