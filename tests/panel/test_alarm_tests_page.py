"""The Devices page lists the panic-button tests that are due; a guard opens a test window
and the next press shows as tested (issue 15)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from hub.testing import wait_for
from tests.browser import screenshot
from tests.hub.http.helpers import Api

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def test_guard_tests_a_panic_button_from_the_devices_page(page: Page,
                                                                panel_api: Api) -> None:
    """Never tested -> a guard starts a test window -> a press is a test incident -> the row
    says tested with the time."""
    await login(page, "guard")
    await page.click("nav a[data-page=devices]")
    row = page.locator("section.alarm-tests tr[data-entity='alarm.panic_1']")
    await expect(row.locator(".test-state")).to_have_text("never tested")
    await row.locator("button[data-test-window]").click()
    await expect(row.locator(".window")).to_contain_text("Test window until")
    status, _ = await panel_api.call("POST", "/api/services/acme/press",
                                     json={"entity_id": "alarm.panic_1"})
    assert status == 200
    [incident] = await wait_for(lambda: panel_api.hub.incidents.all())
    assert incident.test and incident.classification == "test"
    await expect(page.locator(".banner.p1 .test-flag")).to_have_text("TEST")
    await expect(row.locator(".test-state")).to_have_text("tested", timeout=8000)
    await screenshot(page, "alarm_tests")
