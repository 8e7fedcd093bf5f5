"""The guard panel in headless Chromium: login, live panic, gates, visitors, roles."""

from __future__ import annotations

import time

import pytest
from playwright.async_api import Page, expect

from tests.hub.http.helpers import Api

from .conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


async def test_login_shows_incidents(page: Page, panel_api: Api) -> None:
    """A guard logs in and sees the incidents page with the navigation of the guard role."""
    await screenshot(page, "login")
    await login(page, "guard")
    await expect(page.locator("h2").first).to_contain_text("Open incidents")
    nav = await page.locator("header nav a").all_inner_texts()
    assert "Gates" in nav and "Admin" not in nav
    await screenshot(page, "incidents_empty")


async def test_wrong_password_refused(page: Page, panel_api: Api) -> None:
    """A wrong password shows an error and no panel."""
    await page.fill("input[name=name]", "guard")
    await page.fill("input[name=password]", "not the password")
    await page.click("button[type=submit]")
    await expect(page.locator(".login .error")).to_have_text("Wrong name or password")
    assert await page.locator("header.top").count() == 0


async def test_panic_appears_within_a_second_and_is_acknowledged(page: Page,
                                                                 panel_api: Api) -> None:
    """A panic press shows in the list and as a banner within 1 s; acknowledging clears it."""
    await login(page, "guard")
    await page.wait_for_function("document.querySelector('campus-app') && "
                                 "!document.querySelector('campus-app').classList.contains('offline')")
    await page.wait_for_timeout(300)  # the WebSocket subscriptions are in place
    started = time.monotonic()
    status, _ = await panel_api.call("POST", "/api/services/acme/press",
                                     json={"entity_id": "alarm.panic_1"})
    assert status == 200
    await page.wait_for_selector(".banner.p1", timeout=1000)
    await page.wait_for_selector("li.incident.p1", timeout=1000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"panic took {elapsed:.3f} s to appear"
    await expect(page.locator(".banner")).to_contain_text("Panic")
    await screenshot(page, "panic_banner")
    await page.click(".banner button")
    await expect(page.locator(".banner")).to_have_count(0)
    incidents = panel_api.hub.incidents.all()
    assert incidents[0].status == "acknowledged"
    assert incidents[0].timeline[-1].actor == "guard"
    await page.click("li.incident")
    await expect(page.locator(".timeline")).to_contain_text("acknowledged")
    await screenshot(page, "incident_timeline")
