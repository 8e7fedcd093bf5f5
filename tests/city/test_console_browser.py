"""The city console in headless Chromium (English and Chinese), with a real school hub.

A panic at the school's hub appears on the alarm wall at once, sounding until someone
acknowledges it there; the acknowledgement goes down to the hub's incident timeline. A district
officer of another district sees neither the alarm nor the school.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from hub.testing import wait_for as hub_wait_for
from tests.browser import VIEWPORT, screenshot
from tests.city.conftest import PASSWORD, Platform
from tests.city.hubs import connected, hub_yaml

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

HubFactory = Callable[..., Any]


@contextlib.asynccontextmanager
async def console(browser: Browser, platform: Platform, user: str,
                  locale: str) -> AsyncIterator[Page]:
    """A logged-in console page in `locale`; JavaScript errors fail the test."""
    context = await browser.new_context(viewport=VIEWPORT, locale=locale)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(platform.url + "/")
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#login button")
    await expect(page.locator("#nav")).to_be_visible()
    await expect(page.locator("table.schools")).to_be_visible()
    yield page
    await context.close()
    assert not errors, f"JavaScript errors in the console: {errors}"


@pytest.mark.parametrize(("locale", "alarm", "ack"), [("en-GB", "ALARM", "Acknowledge"),
                                                      ("zh-CN", "报警", "确认")])
async def test_panic_on_the_alarm_wall_and_acknowledged_down_to_the_hub(
        platform: Platform, hub_factory: HubFactory, browser: Browser, locale: str,
        alarm: str, ack: str) -> None:
    """Press the school's panic button: the wall shows and sounds it; Acknowledge -> the hub."""
    await platform.start_worker()
    (school,) = await platform.add_schools("north", 1, start=False)
    site = school.school
    harness = await hub_factory(hub_yaml(platform, site))
    await connected(harness)
    async with console(browser, platform, "police", locale) as page, \
            console(browser, platform, "south", locale) as other:
        await expect(page.locator(f'tr[data-school="{site}"] .link')).to_have_class("link on")
        await expect(other.locator("table.schools")).not_to_contain_text(f"School {site}")
        wall = page.locator("#alarms")
        await expect(wall).to_have_attribute("data-sounding", "no")
        await asyncio.sleep(0.3)  # the live WebSocket is open
        harness.hub.entities["alarm.panic_1"].press()
        card = wall.locator("article.alarm")
        await expect(card).to_have_count(1, timeout=2000)
        (incident,) = harness.hub.incidents.open_incidents()
        await expect(card).to_have_attribute("data-id", incident.id)
        await expect(card).to_contain_text(alarm)
        await expect(card).to_contain_text(f"School {site}")
        await expect(wall).to_have_attribute("data-sounding", "yes")
        await screenshot(page, f"city_alarm_wall_{locale}")
        await asyncio.sleep(1.0)  # still sounding a second later, and south never saw it
        await expect(wall).to_have_attribute("data-sounding", "yes")
        await expect(other.locator("#alarms article.alarm")).to_have_count(0)
        await card.get_by_role("button", name=ack).click()
        await expect(card).to_have_count(0)
        await expect(wall).to_have_attribute("data-sounding", "no")
        step = await hub_wait_for(lambda: next(
            (s for s in incident.timeline if s.action == "acknowledged"), None), timeout=15)
        assert step.actor == "city:police"
