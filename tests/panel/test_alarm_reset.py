"""The panel's alarm controls: resolving a latched button's incident resets it in the same
place; the devices page resets and tests inputs by role; an unrecorded press is a banner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from hub.incidents import MemoryIncidentStore
from hub.testing import wait_for, wait_for_state
from tests.browser import screenshot
from tests.hub.http.helpers import SITE, Api, register_test_devices, start_api

from .conftest import api_session, login, panel_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

LATCHED = SITE.replace("    name: Panic 1\n", "    name: Panic 1\n    latch: true\n")


@pytest.fixture
async def latched_api(hub_factory: Any, tmp_path: Path, register_plugin: Any) -> Any:
    """The panel's test site with the ACME panic button latched."""
    register_test_devices(register_plugin)
    async with api_session(await start_api(hub_factory, tmp_path, LATCHED)) as running:
        yield running


def _state(api: Api) -> str | None:
    state = api.hub.states.get("alarm.panic_1")
    return state.state if state is not None else None


async def _press(api: Api) -> None:
    status, _ = await api.call("POST", "/api/services/acme/press",
                               json={"entity_id": "alarm.panic_1"})
    assert status == 200


async def _ready(page: Page, name: str) -> None:
    await login(page, name)
    await page.wait_for_function("document.querySelector('campus-app') && "
                                 "!document.querySelector('campus-app').classList.contains('offline')")
    await page.wait_for_timeout(300)  # the WebSocket subscriptions are in place


async def test_resolve_offers_reset_of_the_latched_button(browser: Browser,
                                                          latched_api: Api) -> None:
    """A guard resolves a latched panic: the resolve buttons come with "also reset the button"
    (checked); resolving resets it, and the next press raises a new incident."""
    hub = latched_api.hub
    async with panel_page(browser, latched_api) as page:
        await _ready(page, "guard")
        await _press(latched_api)
        await page.click("li.incident.p1")
        reset = page.locator("label.reset-source input[name=reset_source]")
        await expect(reset).to_be_checked()
        await expect(page.locator("label.reset-source")).to_contain_text("reset the button")
        assert _state(latched_api) == "triggered"
        await screenshot(page, "resolve_with_reset")
        await page.click("button[data-action=resolve][data-class=real]")
        await wait_for_state(hub, "alarm.panic_1", "idle")
        [first] = hub.incidents.all()
        assert first.status == "resolved" and first.timeline[-1].actor == "guard"
        await _press(latched_api)
        await wait_for(lambda: len(hub.incidents.all()) == 2)
        await expect(page.locator("li.incident.p1")).to_have_count(1)


async def test_resolve_without_reset_then_reset_from_the_closed_incident(
        browser: Browser, latched_api: Api) -> None:
    """Unticking the box resolves only; the button stays latched and the closed incident
    offers "Reset the button", which resets it."""
    hub = latched_api.hub
    async with panel_page(browser, latched_api) as page:
        await _ready(page, "guard")
        await _press(latched_api)
        await page.click("li.incident.p1")
        await page.uncheck("input[name=reset_source]")
        await page.click("button[data-action=resolve][data-class=real]")
        await wait_for(lambda: hub.incidents.all()[0].status == "resolved")
        button = page.locator("button[data-action=reset_source]")
        await expect(button).to_be_visible()
        assert _state(latched_api) == "triggered"
        await button.click()
        await wait_for_state(hub, "alarm.panic_1", "idle")
        await expect(button).to_have_count(0)


async def test_devices_page_alarm_controls_by_role(browser: Browser, latched_api: Api) -> None:
    """Guards reset a latched input on the devices page and get no test button; admins test."""
    hub = latched_api.hub
    await _press(latched_api)
    await wait_for(lambda: hub.incidents.all())
    async with panel_page(browser, latched_api) as page:
        await _ready(page, "guard")
        await page.click("nav a[data-page=devices]")
        row = page.locator("tr", has_text="alarm.panic_1")
        await expect(row.locator("button[data-alarm=reset]")).to_be_visible()
        await expect(row.locator("button[data-alarm=test]")).to_have_count(0)
        await screenshot(page, "devices_alarm_reset")
        await row.locator("button[data-alarm=reset]").click()
        await wait_for_state(hub, "alarm.panic_1", "idle")
        await expect(row.locator("button[data-alarm=reset]")).to_have_count(0)
    async with panel_page(browser, latched_api) as page:
        await _ready(page, "admin")
        await page.click("nav a[data-page=devices]")
        row = page.locator("tr", has_text="alarm.panic_1")
        await row.locator("button[data-alarm=test]").click()
        await wait_for(lambda: any(i.test for i in hub.incidents.all()))


class _DownStore(MemoryIncidentStore):
    """A store whose saves fail while `down` (the database away)."""

    down = True

    async def save(self, incident: Any, step: Any, outbox: Any) -> None:
        if self.down:
            raise ConnectionError("database unreachable")
        await super().save(incident, step, outbox)


async def test_unrecorded_press_is_a_banner(browser: Browser, latched_api: Api) -> None:
    """A press the hub cannot store yet is a banner on every page until it is stored."""
    store = _DownStore()
    latched_api.hub.incidents.store = store
    async with panel_page(browser, latched_api) as page:
        await _ready(page, "guard")
        await _press(latched_api)
        banner = page.locator(".banner.unrecorded")
        await expect(banner).to_contain_text("NOT recorded", timeout=5000)
        await expect(banner).to_contain_text("database unreachable")
        await expect(page.locator("body")).to_have_attribute("data-siren", "on")
        await screenshot(page, "alarm_not_recorded")
        store.down = False
        await expect(banner).to_have_count(0, timeout=15000)
        await expect(page.locator("li.incident.p1")).to_have_count(1)
