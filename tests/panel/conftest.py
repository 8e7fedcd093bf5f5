"""Fixtures: a running hub with the panel, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

# Import Alembic outside the event loop (its import reads files, which blockbuster flags).
import hub.recorder.component  # noqa: F401
from tests.hub.http.helpers import PASSWORD, Api, register_test_devices, start_api
from tests.prerequisites import missing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}  # a small guard-room monitor


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per test, before the hub runs)
        missing("Debian chromium", "install the chromium package (./scripts/bootstrap does)")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@contextlib.asynccontextmanager
async def api_session(api: Api) -> AsyncIterator[Api]:
    """Give a started API an HTTP session for `api.call` while the test runs."""
    async with aiohttp.ClientSession() as session:
        api.session = session
        yield api


@contextlib.asynccontextmanager
async def panel_page(browser: Browser, api: Api) -> AsyncIterator[Page]:
    """A fresh page (1280x720) on the panel, not logged in; JavaScript errors fail the test."""
    context = await browser.new_context(viewport=VIEWPORT)
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    await tab.goto(api.url + "/")
    yield tab
    await context.close()
    assert not errors, f"JavaScript errors in the panel: {errors}"


@pytest.fixture
async def panel_api(hub_factory: Any, tmp_path: Path,
                    register_plugin: Any) -> AsyncIterator[Api]:
    """A started hub with the panel, the test devices and a user per role."""
    register_test_devices(register_plugin)
    async with api_session(await start_api(hub_factory, tmp_path)) as running:
        yield running


@pytest.fixture
async def page(browser: Browser, panel_api: Api) -> AsyncIterator[Page]:
    """A fresh browser page (1280x720) on the panel, not logged in."""
    async with panel_page(browser, panel_api) as tab:
        yield tab


async def login(page: Page, name: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait for the navigation bar."""
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header.top nav")


async def screenshot(page: Page, name: str) -> None:
    """Save a screenshot under test-output/."""
    OUTPUT.mkdir(exist_ok=True)
    await page.screenshot(path=str(OUTPUT / f"{name}.png"))
