"""The guard panel in headless Chromium: login, live panic, gates, visitors, roles."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from simulators.speaker import SpeakerSimulator
from tests.browser import VIEWPORT, screenshot
from tests.hub.http.helpers import SITE, Api, register_test_devices, start_api

from .conftest import login

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
    await screenshot(page, "login_refused")


async def test_panic_appears_within_a_second_and_is_acknowledged(page: Page,
                                                                 panel_api: Api) -> None:
    """A panic shows in the list and as a banner with a siren within 1 s; it stays until
    acknowledged (also across a reload); acknowledging clears it and records the guard."""
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
    await expect(page.locator("body")).to_have_attribute("data-siren", "on")
    await screenshot(page, "panic_banner")
    await page.reload()  # the banner stays until someone acknowledges, even after a reload
    await page.wait_for_selector(".banner.p1", timeout=5000)
    await page.click(".banner button")
    await expect(page.locator(".banner")).to_have_count(0)
    await expect(page.locator("body")).to_have_attribute("data-siren", "off")
    incidents = panel_api.hub.incidents.all()
    assert incidents[0].status == "acknowledged"
    assert incidents[0].timeline[-1].actor == "guard"
    await page.click("li.incident")
    await expect(page.locator(".timeline")).to_contain_text("acknowledged")
    await screenshot(page, "incident_timeline")


async def test_gate_opens_and_state_follows(page: Page, panel_api: Api) -> None:
    """Opening a gate from the panel moves it; the shown state follows open -> closed live."""
    await login(page, "guard")
    await page.click("nav a[data-page=gates]")
    state = page.locator("[data-gate='gate.main_entrance'] .gate-state")
    await expect(state).to_have_attribute("data-state", "closed")
    await page.click("[data-gate='gate.main_entrance'] button[data-action=open]")
    await expect(state).to_have_attribute("data-state", "open", timeout=3000)
    assert panel_api.hub.states.get("gate.main_entrance").state == "open"  # type: ignore[union-attr]
    await screenshot(page, "gate_open")
    await expect(state).to_have_attribute("data-state", "closed", timeout=6000)


async def test_visitor_checked_in(page: Page, panel_api: Api) -> None:
    """The guided form takes the detector's pass and a photo, checks in and opens the gate."""
    await login(page, "guard")
    await page.click("nav a[data-page=visitors]")
    await page.fill("input[name=name]", "Li Wei")
    await page.fill("input[name=id_number]", "110101199001011234")
    await page.fill("input[name=reason]", "Parents' meeting")
    await page.fill("input[name=host]", "Ms Zhang")
    status, _ = await panel_api.call("POST", "/api/services/testdev/walk",
                                     json={"entity_id": "alarm.metal_detector", "metal": True})
    assert status == 200
    await expect(page.locator("[data-metal]")).to_contain_text("Metal detected", timeout=3000)
    await page.select_option("select[name=locker]", "2")
    await page.fill("input[name=items]", "Pocket knife")
    await page.click("button[data-action=photo]")
    await page.wait_for_selector("img.photo")
    await screenshot(page, "visitor_form")
    await page.click("button.primary.big")
    await expect(page.locator(".visitor-form .ok")).to_contain_text("Li Wei", timeout=3000)
    await expect(page.locator("[data-log] tr").first).to_contain_text("Ms Zhang")
    visits = await panel_api.hub.components["visitors"].search("Li Wei")
    assert visits[0]["locker"] == "2" and visits[0]["metal_result"] == "metal"
    assert visits[0]["photo"] and visits[0]["gate_opened"] == "gate.main_entrance"
    await screenshot(page, "visitor_checked_in")
    await page.click("[data-log] button[data-action=checkout]")
    await expect(page.locator("[data-log] tr").first).not_to_contain_text("Check out")


async def test_guard_cannot_open_admin_page(page: Page, panel_api: Api) -> None:
    """A guard who types the admin address sees a refusal and no admin data."""
    await login(page, "guard")
    await page.goto(panel_api.url + "/#/admin")
    await expect(page.locator(".denied")).to_be_visible()
    assert await page.locator("page-admin").count() == 0
    await screenshot(page, "guard_admin_denied")


async def test_admin_manages_users_and_tokens(page: Page, panel_api: Api) -> None:
    """An admin creates a user and a token (shown once) and sees both in the audit log."""
    await login(page, "admin")
    await page.click("nav a[data-page=admin]")
    form = page.locator("form[data-form=user]")
    await form.locator("input[name=name]").fill("wang")
    await form.locator("select[name=role]").select_option("guard")
    await form.locator("input[name=password]").fill("a long password")
    await form.locator("button").click()
    await expect(page.locator("td", has_text="wang").first).to_be_visible()
    tokens = page.locator("form[data-form=token]")
    await tokens.locator("input[name=name]").fill("police bridge")
    await tokens.locator("button").click()
    await expect(page.locator(".notice code")).to_contain_text("chub_")
    await expect(page.locator("[data-audit]")).to_contain_text("POST /api/tokens")
    await screenshot(page, "admin")


async def test_cameras_grid_and_chinese(page: Page, panel_api: Api) -> None:
    """The camera grid refreshes snapshots at least once a second; the panel speaks Chinese."""
    await login(page, "guard")
    await page.click("button[data-lang=zh]")
    await expect(page.locator("nav a[data-page=cameras]")).to_have_text("摄像机")
    await page.click("nav a[data-page=cameras]")
    img = page.locator("img.refresh").first
    await expect(img).to_have_attribute("src", re.compile("snapshot"))
    first = await img.get_attribute("src")
    await page.wait_for_timeout(1300)
    assert await img.get_attribute("src") != first
    await screenshot(page, "cameras_zh")
    await page.click("figure.cam a")
    await page.wait_for_selector("img.live")
    await page.click("button[data-ptz='1,0,0']")
    camera = panel_api.hub.entities["camera.gate_camera"]
    await page.wait_for_function("true")
    for _ in range(20):
        if getattr(camera, "moves", None):
            break
        await page.wait_for_timeout(100)
    assert camera.moves[-1]["pan"] == 1  # type: ignore[attr-defined]
    await screenshot(page, "camera_single_zh")


async def test_broadcast_preset_through_speaker(browser: Browser, hub_factory: Any,
                                                tmp_path: Path, register_plugin: Any) -> None:
    """A guard sends a preset through the gate speaker (the HTTP speaker simulator plays it)."""
    sim = SpeakerSimulator()
    await sim.start()
    try:
        register_test_devices(register_plugin)
        site = SITE + (f"  - platform: http_speaker\n    name: Gate speaker\n    gate: main\n"
                       f"    url: {sim.url}\n    token: speaker-token\n    tts: device\n")
        api = await start_api(hub_factory, tmp_path, site)
        context = await browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        await page.goto(api.url + "/")
        await login(page, "guard")
        await page.click("nav a[data-page=broadcast]")
        await page.click("button[data-preset=preset_closed]")
        await page.click("form.broadcast button[type=submit]")
        await expect(page.locator("form.broadcast .ok")).to_have_text("Sent", timeout=5000)
        assert sim.played[-1].text == "The school gate is closed. Please wait."
        await screenshot(page, "broadcast")
        await context.close()
    finally:
        await sim.stop()


async def test_expired_session_returns_the_panel_to_login(browser: Browser, hub_factory: Any,
                                                          tmp_path: Path,
                                                          register_plugin: Any) -> None:
    """When the session expires the hub closes the panel's WebSocket and the panel shows the
    login form by itself (no click needed), so an unattended screen stops showing live data."""
    register_test_devices(register_plugin)
    site = SITE.replace("    argon2_time_cost: 1\n",
                        f"    argon2_time_cost: 1\n    session_hours: {4 / 3600}\n")
    api = await start_api(hub_factory, tmp_path, site)
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    await page.goto(api.url + "/")
    await login(page, "guard")
    await page.wait_for_selector("form.login", timeout=10000)
    assert await page.locator("header.top").count() == 0
    await context.close()
