"""Headless Chromium for the browser tests (the hub's panel and the city console).

Registered for the whole suite in tests/conftest.py (`pytest_plugins`), so every test
that asks for `browser` gets the same Debian Chromium with the same flags.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from tests.prerequisites import missing

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "OUTPUT", "VIEWPORT", "browser", "screenshot"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}  # a small guard-room monitor


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per test, before anything runs)
        missing("Debian chromium", "install the chromium package (./scripts/bootstrap does)")
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def screenshot(page: Page, name: str) -> None:
    """Save a screenshot under test-output/."""
    OUTPUT.mkdir(exist_ok=True)
    await page.screenshot(path=str(OUTPUT / f"{name}.png"))
