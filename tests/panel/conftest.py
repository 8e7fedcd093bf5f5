"""Fixtures: a running hub with the panel, and its pages in headless Chromium (tests/browser.py)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page

# Import Alembic outside the event loop (its import reads files, which blockbuster flags).
import hub.recorder.component  # noqa: F401
from tests.browser import VIEWPORT
from tests.hub.http.helpers import PASSWORD, Api, register_test_devices, start_api


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
