"""Incident messages written by the hub reach the panel as keys it can show in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from hub.incidents import MESSAGES, localized_message
from tests.browser import screenshot
from tests.hub.http.helpers import Api

from .conftest import login

I18N = Path(__file__).parents[2] / "hub" / "panel" / "lib" / "i18n.js"


def test_every_hub_message_has_a_chinese_text() -> None:
    """Each key of hub/incidents/messages.py has a text in the panel's Chinese MESSAGES."""
    source = I18N.read_text(encoding="utf-8")
    block = source[source.index("const MESSAGES = {"):source.index("// Entity states")]
    zh_keys = set(re.findall(r"^\s+([a-z_]+): \(", block, re.M))
    assert zh_keys == set(MESSAGES)


def test_a_localized_message_keeps_the_english_text_and_its_values() -> None:
    """The English message is unchanged; the key and values travel in the incident data."""
    text, data = localized_message("device_offline", name="Barrier", reason="no answer")
    assert text == "Barrier is offline: no answer"
    assert data == {"message_key": "device_offline",
                    "message_args": {"name": "Barrier", "reason": "no answer"}}


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_panic_message_shows_in_chinese(page: Page, panel_api: Api) -> None:
    """On the Chinese panel a panic press reads 一键报警 in the list, not the English text."""
    await login(page, "guard")
    await page.click("button[data-lang=zh]")
    status, _ = await panel_api.call("POST", "/api/services/acme/press",
                                     json={"entity_id": "alarm.panic_1"})
    assert status == 200
    row = page.locator("li.incident").first
    zh_message = "Panic 1\uff1a一键报警"  # the full-width colon of Chinese text
    await expect(row.locator(".what")).to_contain_text(zh_message)
    await expect(page.locator(".banner")).to_contain_text(zh_message)
    await screenshot(page, "incident_message_zh")
