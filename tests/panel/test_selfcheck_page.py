"""The Self-check page: each duty of each gate; a guard checks now and sees a dropped device."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hub.testing import wait_for_state
from simulators.modbus import LockerBankSimulator
from tests.browser import screenshot
from tests.hub.http.helpers import SITE, register_test_devices, start_api

from .conftest import api_session, login, panel_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def test_guard_checks_now_and_sees_the_visitor_check_down(
        browser: Browser, hub_factory: Any, tmp_path: Path, register_plugin: Any) -> None:
    """Check now: the lockers answer (visitor check working); cut off, check again: the visitor
    check is DOWN naming the locker; in Chinese too; a police user has no Self-check page."""
    bank = LockerBankSimulator(doors=2)
    await bank.start()
    try:
        register_test_devices(register_plugin)
        yaml_text = SITE + (
            f"  - {{platform: modbus_locker, name: Gate lockers, gate: main, model: simlock_c16,\n"
            f"     host: 127.0.0.1, port: {bank.port}, doors: 2, scan_interval: 0.05,\n"
            "     reconnect_max_delay: 0.2, overnight_check: null}\n"
            "self_check: {summary_at: null, school_start: null, test_tone: false}\n")
        async with api_session(await start_api(hub_factory, tmp_path, yaml_text)) as api, \
                panel_page(browser, api) as page:
            await wait_for_state(api.hub, "locker.gate_lockers_02", "free")
            await login(page, "guard")
            await page.click("nav a[data-page=selfcheck]")
            await expect(page.locator(".selfcheck")).to_contain_text("Not checked yet")
            await page.click("button[data-run]")
            visitor = page.locator("tr[data-duty=visitor_check]")
            await expect(visitor).to_contain_text("working")
            await expect(page.locator("tr[data-duty=video]")).to_contain_text("working")
            await bank.cut()
            await wait_for_state(api.hub, "locker.gate_lockers_01", "unavailable")
            await page.click("button[data-run]")
            await expect(visitor).to_contain_text("DOWN")
            await expect(visitor).to_contain_text("locker.gate_lockers_01")
            await screenshot(page, "selfcheck_down")
            await page.click("header.top button[data-lang=zh]")
            await page.click("nav a[data-page=selfcheck]")
            await expect(visitor).to_contain_text("故障")
            await screenshot(page, "selfcheck_down_zh")
            status, _ = await api.call("POST", "/api/services/self_check/run", role="police",
                                       json={})
            assert status == 403
            status, _ = await api.call("GET", "/api/self_check", role="police")
            assert status == 403
    finally:
        await bank.stop()
